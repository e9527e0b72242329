r"""The deeplearning.ai course's functional API, as a verified reference.

``from chainrule import stepwise`` gives the functions a learner writes in
"Neural Networks and Deep Learning", week 4 ("Building your Deep Neural
Network: Step by Step" and "Deep Neural Network - Application"), and the
helpers of "Improving Deep Neural Networks" (initialisation, L2 and dropout,
gradient checking, mini-batches, momentum, Adam, learning-rate decay), with
the course's names, signatures, shapes, caches, seeds and numbers, so you can
put your own function next to ours and compare.

>>> from chainrule import stepwise
>>> parameters = stepwise.initialize_parameters_deep([5, 4, 3])
>>> sorted(parameters), parameters["W1"].shape
(['W1', 'W2', 'b1', 'b2'], (4, 5))

Every function is a thin wrapper: the formulas live once, in
:mod:`chainrule.activations`, :mod:`chainrule.backprop` (Z = W A + b and its
backward step with scale 1/m), :mod:`chainrule.losses` (the per-example loss
L, its derivative ∂L/∂A and the cost J), :mod:`chainrule.initializers`,
:mod:`chainrule.optim` and :mod:`chainrule.gradcheck`.  What is the course's
own is kept here:

* **the random source.**  The course seeds numpy's *legacy global* generator
  (``np.random.seed(1)``) and draws with ``np.random.randn`` / ``rand`` /
  ``permutation``; those exact streams are part of its published numbers, so
  here -- and only here in chainrule -- the core's initialisers, dropout masks
  and shuffles draw from that generator (every other chainrule function takes
  an explicit seed or ``numpy.random.Generator``).  These functions therefore
  change numpy's global random state, as the course's do.
* **the caches and dicts**: ``(A, W, b)``, ``((A_prev, W, b), Z)``, the keys
  ``W1, b1, ...``, ``dA0, dW1, db1, ...``, ``v["dW1"]``.
* **where the 1/m goes**: ``L_model_backward`` starts from the per-example
  dA[L] = −(Y/A[L] − (1 − Y)/(1 − A[L])), with no 1/m, and ``linear_backward``
  applies the 1/m to dW and db (``docs/stepwise.md`` walks through why).

Unlike the notebooks, no function here modifies its arguments
(``update_parameters`` and the optimizers return new dicts), and a wrong
input -- mismatched shapes, an unknown activation, AL and Y of different
sizes, a dict with missing keys, a data folder without the files -- raises a
ValueError or TypeError saying what was given and what was expected.

To check **your own** implementation of any of these functions against them,
:func:`check` (one function) and :func:`check_module` (a whole assignment;
``chainrule check FILE.py`` on the command line) run it on generated cases and
name the classic mistake that explains a wrong output
(:mod:`chainrule.stepwise.checking`, ``docs/check.md``).

Where the course defines the same name twice (the step-by-step
``initialize_parameters_deep`` draws W·0.01 with seed 3, the application's
draws W/√n[l-1] with seed 1), the application's version is
:func:`initialize_parameters_deep_app`.
"""

from __future__ import annotations

from chainrule.stepwise.application import (
    L_layer_model,
    accuracy,
    flatten_images,
    initialize_parameters_deep_app,
    load_data,
    predict,
    print_mislabeled_images,
    two_layer_model,
)
from chainrule.stepwise.checking import check, check_module
from chainrule.stepwise.deep_network import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    initialize_parameters,
    initialize_parameters_deep,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    update_parameters,
)
from chainrule.stepwise.gradient_checking import (
    backward_propagation_n,
    dictionary_to_vector,
    forward_propagation_n,
    gradient_check_n,
    gradients_to_vector,
    vector_to_dictionary,
)
from chainrule.stepwise.initialization import (
    initialize_parameters_he,
    initialize_parameters_random,
    initialize_parameters_zeros,
)
from chainrule.stepwise.optimization import (
    initialize_adam,
    initialize_velocity,
    random_mini_batches,
    schedule_lr_decay,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
)
from chainrule.stepwise.regularization import (
    backward_propagation,
    backward_propagation_with_dropout,
    backward_propagation_with_regularization,
    compute_cost_with_regularization,
    forward_propagation,
    forward_propagation_with_dropout,
)

__all__ = [
    "L_layer_model",
    "L_model_backward",
    "L_model_forward",
    "accuracy",
    "backward_propagation",
    "backward_propagation_n",
    "backward_propagation_with_dropout",
    "backward_propagation_with_regularization",
    "check",
    "check_module",
    "compute_cost",
    "compute_cost_with_regularization",
    "dictionary_to_vector",
    "flatten_images",
    "forward_propagation",
    "forward_propagation_n",
    "forward_propagation_with_dropout",
    "gradient_check_n",
    "gradients_to_vector",
    "initialize_adam",
    "initialize_parameters",
    "initialize_parameters_deep",
    "initialize_parameters_deep_app",
    "initialize_parameters_he",
    "initialize_parameters_random",
    "initialize_parameters_zeros",
    "initialize_velocity",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "load_data",
    "predict",
    "print_mislabeled_images",
    "random_mini_batches",
    "relu",
    "relu_backward",
    "schedule_lr_decay",
    "sigmoid",
    "sigmoid_backward",
    "two_layer_model",
    "update_lr",
    "update_parameters",
    "update_parameters_with_adam",
    "update_parameters_with_gd",
    "update_parameters_with_momentum",
    "vector_to_dictionary",
]
