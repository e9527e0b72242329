r"""Nielsen's *Neural Networks and Deep Learning*, reproduced on chainrule's core.

Michael Nielsen's ``network.py`` (chapter 1) and ``network2.py`` (chapter 3)
train sigmoid networks on MNIST one example at a time, in Python 2.  This
module runs the same algorithm -- same costs, same initialisers, same
regularised mini-batch update, same per-epoch monitoring -- vectorised over
whole mini-batches, on :mod:`chainrule.backprop` and :mod:`chainrule.optim`.
It contains **no second copy** of any formula: every derivative comes from the
core, and what is written here is the mapping from his notation to it.

Notation: Nielsen → chainrule
-----------------------------
=============================  ==============================  ==============================
Nielsen                        chainrule                       note
=============================  ==============================  ==============================
x, one (784, 1) column         X of shape (n[0], m)            a whole mini-batch at once
w^l, b^l                       W[l], b[l]                      same shapes, (n[l], n[l-1])
z^l, a^l                       Z[l], A[l]
C_x, the cost of one example   L, the per-example loss
C = (1/n) Σ_x C_x (+ L2)       J                               :func:`total_cost`
δ^L                            dZ[L] (per example)             ``Gradients.dZ[-1]``
∇w C_x averaged over a batch   dW[l] (with the 1/|batch|)
η (``eta``)                    the learning rate α             ``optim.SGD``
λ (``lmbda``)                  ``l2``
n, the training-set size       ``l2_m`` of ``backprop.backward``
=============================  ==============================  ==============================

His two costs on sigmoid outputs
--------------------------------
* ``QuadraticCost``: C_x = ½‖a − y‖², δ^L = (a − y) ⊙ σ′(z).  In chainrule:
  loss ``"squared_error"`` with a sigmoid output.  That pair is *not*
  canonical, so the core takes the **general** path dZ = ∂L/∂A ⊙ g′(Z) with
  ∂L/∂A = A − Y and g′(Z) = A(1 − A): exactly his delta.
* ``CrossEntropyCost``: C_x = −Σ_k [y_k ln a_k + (1 − y_k) ln(1 − a_k)], δ^L = a − y.
  In chainrule: ``"binary_crossentropy"`` summed over the 10 sigmoid outputs,
  a canonical pair, so the core takes the **fused** path dZ = A − Y (the σ′
  cancels: this is chapter 3's reason for the cross-entropy cost).

His two initialisers (both draw **biases** from N(0, 1))
--------------------------------------------------------
* ``"large"`` -- ``network.py``'s only initialiser and ``network2``'s
  ``large_weight_initializer``: w ~ N(0, 1).  chainrule's ``"normal"``.
* ``"default"`` -- ``network2``'s ``default_weight_initializer``:
  w ~ N(0, 1/n_in), i.e. standard deviation 1/√n_in.  chainrule's ``"lecun"``.

chainrule's initialisers start biases at zero, so :func:`make_network` draws
his N(0, 1) biases itself, from the same seeded Generator, after the weights.

Regularisation: λ/n (his) versus λ/|batch| (per mini-batch)
-----------------------------------------------------------
His regularised cost is over the **whole training set** of n examples:

    C = (1/n) Σ_x C_x + (λ/2n) Σ_l ‖w^l‖²,

and a mini-batch B estimates its gradient by (1/|B|) Σ_{x∈B} ∇C_x + (λ/n) w,
which gives his update (``network2.update_mini_batch``)

    w ← (1 − ηλ/n) w − (η/|B|) Σ_{x∈B} ∇w C_x,      b ← b − (η/|B|) Σ_{x∈B} ∇b C_x.

chainrule gets it with no new formula: ``backprop.backward(..., l2=λ, l2_m=n)``
returns dW = (1/|B|) Σ ∇w C_x + (λ/n) W, and plain SGD (W ← W − η dW) is his
update exactly.  This is ``l2_convention="training_set"`` (the default here).

The other convention -- ``l2_convention="batch"``, the course's and
``chainrule.fit``'s -- treats each mini-batch's own cost
J_B = (1/|B|) Σ_{x∈B} L + (λ/2|B|) Σ‖W‖² as the objective, so every step decays
the weights by (1 − ηλ/|B|) instead of (1 − ηλ/n).  Over one epoch (n/|B|
steps) that is roughly exp(−ηλ/|B|) for his convention but exp(−ηλn/|B|²) for
the per-batch one: with the same λ the per-batch convention regularises n/|B|
times harder (5000× for chapter 3's n = 50,000, |B| = 10, where λ = 5 would
shrink every weight by 5% per step).  The two agree when
λ_batch = λ · |B| / n (:func:`batch_l2`; exact for every full mini-batch --
only a smaller last batch differs).

Monitoring
----------
:func:`sgd` records what ``network2.SGD`` returns, per epoch (epochs counted
from 0, as the book prints them): the cost and the number of correct
classifications on the training data and on the evaluation data.  The cost is
his ``total_cost``: the mean per-example cost **plus** the L2 term
(λ/2n) Σ‖w‖², where -- as in his code -- n is the size of the data set being
evaluated (50,000 for the training data, 10,000 for validation or test data).

Recipes
-------
:data:`RECIPES` holds the book's two headline runs, and :func:`reproduce`
(``chainrule nielsen ch1|ch3``) runs them on the IDX files through
:func:`chainrule.data.load_mnist` with ``split="nielsen"``: the first 50,000
training images for training, the last 10,000 for validation, the 10,000 test
images for test -- the split of his ``mnist.pkl.gz``.

Layout
------
:mod:`chainrule.nielsen.network2` (his ``network2.py``: the network, the monitoring, his
SGD) and :mod:`chainrule.nielsen.runs` (the book's runs); every name is importable from
``chainrule.nielsen``.

>>> import numpy as np
>>> net = make_network([4, 3, 2], cost="quadratic", weight_init="default", seed=0)
>>> net.loss.name, [a.name for a in net.activations]
('squared_error', ['sigmoid', 'sigmoid'])
>>> batch_l2(5.0, n=50_000, mini_batch_size=10)
0.001
"""

from __future__ import annotations

from chainrule.nielsen.network2 import (
    COSTS,
    L2_CONVENTIONS,
    WEIGHT_INITS,
    Monitor,
    accuracy,
    batch_l2,
    evaluate,
    make_network,
    sgd,
    total_cost,
    update_mini_batch,
)
from chainrule.nielsen.runs import (
    RECIPES,
    Recipe,
    Reproduction,
    get_recipe,
    plot_monitor,
    reproduce,
)

__all__ = [
    "COSTS",
    "L2_CONVENTIONS",
    "RECIPES",
    "WEIGHT_INITS",
    "Monitor",
    "Recipe",
    "Reproduction",
    "accuracy",
    "batch_l2",
    "evaluate",
    "get_recipe",
    "make_network",
    "plot_monitor",
    "reproduce",
    "sgd",
    "total_cost",
    "update_mini_batch",
]
