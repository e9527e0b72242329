r"""Check a learner's own implementation of the course's functions, and name the mistake.

:func:`check` runs your ``L_model_backward`` (or any of :data:`FUNCTIONS`) on
generated cases -- the course's shapes, and odd ones: m = 1, one unit per
layer, a deep stack of square layers, saturated activations -- and compares
every output with :mod:`chainrule.stepwise`'s, to a tolerance derived from
the dtypes (√ε of the less precise one, relative to each array's scale).

When an output differs, it is compared with the outputs of the reference
implementation **mutated** by each entry of :data:`CATALOGUE`, the classic
mistakes (1/m missing or twice, a transposed dW, relu′ from A, +α, ...), and
with every combination of one "factor m or transpose" mistake and one other;
a mistake is named only when it explains every case exactly (to the same
tolerance): the same outputs where your code returns, an exception where it
raises.  Where nothing in the catalogue explains the difference, the report
says so and shows, as :mod:`chainrule.gradcheck` does, the relative
difference ‖got − expected‖ / (‖got‖ + ‖expected‖) per output, the worst
entries and the suspect layer.

>>> from chainrule.stepwise import check
>>> def linear_forward(A, W, b):
...     return W @ A + b, (A, W, b)
>>> check(linear_forward).passed
True

The catalogue is data: a :class:`Mistake` names the functions it applies to
and the pieces of the reference it replaces (``mutation``, a dict from a
piece's name in :data:`PIECES` to the mistaken piece).  Adding a mistake is
one entry.

The learner's code runs **in this process** with a per-call time limit (a
thread that is abandoned when it overruns); ``chainrule check FILE`` runs it
in a subprocess instead.  Every call gets its own copies of the inputs, and a
function that modifies them fails with a line saying which.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import math
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chainrule._typing import Array, Params
from chainrule.activations import ReLU, Sigmoid
from chainrule.gradcheck import EntryDifference, ParameterDifference, relative_difference, status_of
from chainrule.losses import BinaryCrossEntropy
from chainrule.stepwise import deep_network as dn
from chainrule.stepwise import gradient_checking as gc
from chainrule.stepwise import optimization as opt
from chainrule.stepwise import regularization as reg

__all__ = [
    "CATALOGUE",
    "FUNCTIONS",
    "PIECES",
    "CheckReport",
    "FunctionReport",
    "Mismatch",
    "Mistake",
    "check",
    "check_module",
]

_RELU = ReLU()
_SIGMOID = Sigmoid()
_BCE = BinaryCrossEntropy()

DEFAULT_TIMEOUT = 10.0
"""Seconds one call of the learner's function may take."""

# ---------------------------------------------------------------------------------------------
# The reference, in pieces that a mistake can replace
# ---------------------------------------------------------------------------------------------

Pieces = Mapping[str, Any]


def _dW(dZ: Array, A_prev: Array, s: float) -> Array:
    return s * (dZ @ A_prev.T)  # dW = (1/m) dZ A_prevᵀ


def _db(dZ: Array, s: float) -> Array:
    return s * np.sum(dZ, axis=1, keepdims=True)  # db = (1/m) Σ_columns dZ


def _dAL(AL: Array, Y: Array) -> Array:
    return _BCE.dA(AL, Y)  # dAL = −(Y/AL − (1−Y)/(1−AL)), per example


def _dZL(AL: Array, Y: Array) -> Array:
    return AL - Y  # fused sigmoid + cross-entropy: dZ[L] = A[L] − Y


def _relu_backward(dA: Array, Z: Array) -> Array:
    return dA * (Z > 0)  # dZ = dA ⊙ 1[Z > 0]


def _sigmoid_backward(dA: Array, Z: Array) -> Array:
    s = _SIGMOID.forward(Z)
    return dA * s * (1 - s)  # dZ = dA ⊙ σ(Z)(1 − σ(Z))


def _l2_cost(Ws: Sequence[Array], lambd: float, m: int) -> float:
    return lambd / (2 * m) * sum(float(np.sum(W * W)) for W in Ws)  # (λ/2m) Σ ‖W[l]‖²_F


def _gc_difference(grad: Array, approx: Array) -> float:
    # ‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂)
    return float(np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx)))


PIECES: dict[str, Any] = {
    "one_over_m": lambda m: 1.0 / m,
    "dW": _dW,
    "db": _db,
    "dAL": _dAL,
    "dZL": _dZL,
    "relu_backward": _relu_backward,
    "sigmoid_backward": _sigmoid_backward,
    "output_activation": "sigmoid",
    "cache_index": lambda l: l - 1,  # layer l's cache is caches[l - 1]
    "update": lambda p, g, lr: p - lr * g,  # θ ← θ − α g
    "l2_cost": _l2_cost,
    "l2_grad": lambda W, lambd, m: lambd / m * W,  # (λ/m) W[l]
    "dropout_forward": lambda A, D, kp: A * D / kp,  # A ⊙ D / keep_prob
    "dropout_backward": lambda dA, D, kp: dA * D / kp,  # dA ⊙ D / keep_prob
    "bias_correction": lambda beta, t: 1 - beta**t,  # 1 − βᵗ
    "gc_difference": _gc_difference,
}
"""The reference's replaceable pieces, by name; a :class:`Mistake` replaces some of them."""


# -- the course's functions written from the pieces (the mutants' bodies) ----------------------


def _v_linear_backward(P: Pieces, dZ: Array, cache: Any) -> tuple[Array, Array, Array]:
    A_prev, W, _ = cache
    s = P["one_over_m"](A_prev.shape[1])
    return W.T @ dZ, P["dW"](dZ, A_prev, s), P["db"](dZ, s)


def _v_linear_activation_backward(
    P: Pieces, dA: Array, cache: Any, activation: str
) -> tuple[Array, Array, Array]:
    linear_cache, Z = cache
    dZ = P[f"{activation}_backward"](dA, Z)
    return _v_linear_backward(P, dZ, linear_cache)


def _v_L_model_forward(P: Pieces, X: Array, parameters: Params) -> tuple[Array, list[Any]]:
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L + 1):
        act = "relu" if l < L else P["output_activation"]
        A, cache = dn.linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], act)
        caches.append(cache)
    return A, caches


def _v_L_model_backward(P: Pieces, AL: Array, Y: Array, caches: Any) -> dict[str, Array]:
    grads: dict[str, Array] = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dA = P["dAL"](AL, Y)
    for l in range(L, 0, -1):
        cache = caches[L - 1] if l == L else caches[P["cache_index"](l)]
        act = "sigmoid" if l == L else "relu"
        dA, grads[f"dW{l}"], grads[f"db{l}"] = _v_linear_activation_backward(P, dA, cache, act)
        grads[f"dA{l - 1}"] = dA
    return grads


def _v_compute_cost(P: Pieces, AL: Array, Y: Array) -> float:
    m = Y.shape[1]
    return float(P["one_over_m"](m) * np.sum(_BCE.per_example(AL, Y.reshape(AL.shape))))


def _v_update_parameters(P: Pieces, parameters: Params, grads: Any, lr: float) -> Params:
    return {k: P["update"](p, grads[f"d{k}"], lr) for k, p in parameters.items()}


def _v_compute_cost_with_regularization(
    P: Pieces, A3: Array, Y: Array, parameters: Params, lambd: float
) -> float:
    m = Y.shape[1]
    Ws = [parameters[f"W{l}"] for l in range(1, len(parameters) // 2 + 1)]
    return _v_compute_cost(P, A3, Y) + P["l2_cost"](Ws, lambd, m)


def _v_backward_flat(
    P: Pieces, X: Array, Y: Array, cache: Any, lambd: float = 0.0, keep_prob: float | None = None
) -> dict[str, Array]:
    """Course 2's backward pass on its flat cache, for any depth (the notebook's L = 3)."""
    per_hidden = 4 if keep_prob is None else 5
    L = (len(cache) - 4) // per_hidden + 1
    layers, pos = [], 0
    for l in range(1, L + 1):
        if keep_prob is not None and l < L:
            Z, D, A, W, _ = cache[pos : pos + 5]
            pos += 5
        else:
            (Z, A, W, _), D = cache[pos : pos + 4], None
            pos += 4
        layers.append((Z, D, A, W))
    m = X.shape[1]
    s = P["one_over_m"](m)
    grads: dict[str, Array] = {}
    dZ = P["dZL"](layers[-1][2], Y.reshape(layers[-1][2].shape))
    for l in range(L, 0, -1):
        _, _, _, W = layers[l - 1]
        A_prev = layers[l - 2][2] if l > 1 else X
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = P["dW"](dZ, A_prev, s) + (P["l2_grad"](W, lambd, m) if lambd else 0)
        grads[f"db{l}"] = P["db"](dZ, s)
        if l > 1:
            _, D_prev, A_below, _ = layers[l - 2]
            dA = W.T @ dZ
            if D_prev is not None:
                dA = P["dropout_backward"](dA, D_prev, keep_prob)
            grads[f"dA{l - 1}"] = dA
            # the notebook's relu′ reads A (after dropout): 1[A > 0] = 1[Z > 0] ⊙ D
            dZ = P["relu_backward"](dA, A_below)
    return grads


def _v_backward_with_regularization(
    P: Pieces, X: Array, Y: Array, cache: Any, lambd: float
) -> dict[str, Array]:
    return _v_backward_flat(P, X, Y, cache, lambd=lambd)


def _v_backward_with_dropout(
    P: Pieces, X: Array, Y: Array, cache: Any, keep_prob: float
) -> dict[str, Array]:
    return _v_backward_flat(P, X, Y, cache, keep_prob=keep_prob)


def _v_forward_with_dropout(
    P: Pieces, X: Array, parameters: Params, keep_prob: float = 0.5
) -> tuple[Array, tuple[Any, ...]]:
    dn.seed_legacy(1)  # the course's np.random.seed(1)
    L = len(parameters) // 2
    A, cache = X, []
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        if l < L:
            A = _RELU.forward(Z)
            D = np.random.rand(*A.shape) < keep_prob  # noqa: NPY002 - the course's stream
            A = P["dropout_forward"](A, D, keep_prob)
            cache += [Z, D, A, W, b]
        else:
            A = _SIGMOID.forward(Z) if P["output_activation"] == "sigmoid" else _RELU.forward(Z)
            cache += [Z, A, W, b]
    return A, tuple(cache)


def _v_momentum(
    P: Pieces, parameters: Params, grads: Any, v: Any, beta: float, learning_rate: float
) -> tuple[Params, dict[str, Array]]:
    new_p, new_v = {}, {}
    for k, p in parameters.items():
        new_v[f"d{k}"] = beta * v[f"d{k}"] + (1 - beta) * grads[f"d{k}"]  # v ← β v + (1 − β) dW
        new_p[k] = P["update"](p, new_v[f"d{k}"], learning_rate)  # W ← W − α v
    return new_p, new_v


def _v_adam(
    P: Pieces,
    parameters: Params,
    grads: Any,
    v: Any,
    s: Any,
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[Params, dict[str, Array], dict[str, Array], dict[str, Array], dict[str, Array]]:
    new_p, new_v, new_s, v_hat, s_hat = {}, {}, {}, {}, {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, p in parameters.items():
            g, d = grads[f"d{k}"], f"d{k}"
            new_v[d] = beta1 * v[d] + (1 - beta1) * g  # v ← β₁ v + (1 − β₁) dW
            new_s[d] = beta2 * s[d] + (1 - beta2) * g**2  # s ← β₂ s + (1 − β₂) dW²
            v_hat[d] = new_v[d] / P["bias_correction"](beta1, t)  # v̂ = v / (1 − β₁ᵗ)
            s_hat[d] = new_s[d] / P["bias_correction"](beta2, t)  # ŝ = s / (1 − β₂ᵗ)
            new_p[k] = P["update"](p, v_hat[d] / (np.sqrt(s_hat[d]) + epsilon), learning_rate)
    return new_p, new_v, new_s, v_hat, s_hat


def _v_gradient_check_n(
    P: Pieces,
    parameters: Params,
    gradients: Any,
    X: Array,
    Y: Array,
    epsilon: float = 1e-7,
    print_msg: bool = False,
) -> float:
    theta, _ = gc.dictionary_to_vector(parameters)
    grad = gc.gradients_to_vector(gradients)
    dims = [X.shape[0], *(parameters[f"W{l}"].shape[0] for l in range(1, len(parameters) // 2 + 1))]
    approx = np.zeros_like(theta)
    for i in range(theta.shape[0]):  # g̃ᵢ = (J(θ + ε eᵢ) − J(θ − ε eᵢ)) / 2ε
        plus, minus = theta.copy(), theta.copy()
        plus[i] += epsilon
        minus[i] -= epsilon
        J_plus, _ = gc.forward_propagation_n(X, Y, gc.vector_to_dictionary(plus, dims))
        J_minus, _ = gc.forward_propagation_n(X, Y, gc.vector_to_dictionary(minus, dims))
        approx[i] = (J_plus - J_minus) / (2 * epsilon)
    return float(P["gc_difference"](grad, approx))


# ---------------------------------------------------------------------------------------------
# The catalogue of mistakes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """One classic mistake: a mutation of the reference, and how to fix it.

    Attributes
    ----------
    key : str
        A short identifier (``"one_over_m_missing"``).
    name : str
        What the mistake is, in one line.
    functions : tuple of str
        The course functions it can occur in (directly or through a function they call).
    mutation : dict
        Pieces of :data:`PIECES` it replaces, by name.
    explanation : str
        Why the numbers come out as they do.
    fix : str
        The right formula, in the course's notation.
    factor_or_transpose : bool
        A factor-m or transpose mistake: also looked for combined with another mistake.
    """

    key: str
    name: str
    functions: tuple[str, ...]
    mutation: Mapping[str, Any] = field(repr=False)
    explanation: str
    fix: str
    factor_or_transpose: bool = False


_LINEAR_BWD = ("linear_backward", "linear_activation_backward", "L_model_backward")
_COURSE2_BWD = ("backward_propagation_with_regularization", "backward_propagation_with_dropout")
_ALL_BWD = (*_LINEAR_BWD, *_COURSE2_BWD)
_UPDATES = ("update_parameters", "update_parameters_with_momentum", "update_parameters_with_adam")


def _scaled_dAL(AL: Array, Y: Array) -> Array:
    return _dAL(AL, Y) / AL.shape[1]


def _scaled_dZL(AL: Array, Y: Array) -> Array:
    return (AL - Y) / AL.shape[1]


CATALOGUE: tuple[Mistake, ...] = (
    Mistake(
        "one_over_m_missing",
        "the 1/m is missing",
        ("compute_cost", "compute_cost_with_regularization", *_ALL_BWD),
        {"one_over_m": lambda m: 1.0},
        "the cost or dW, db is a sum over the m examples instead of their mean: m times too big",
        "J = (1/m) Σᵢ L⁽ⁱ⁾; dW = (1/m) dZ A_prevᵀ, db = (1/m) np.sum(dZ, axis=1, keepdims=True)",
        True,
    ),
    Mistake(
        "one_over_m_twice",
        "the 1/m is applied twice",
        ("compute_cost", "compute_cost_with_regularization", *_ALL_BWD),
        {"one_over_m": lambda m: 1.0 / m**2},
        "the result is divided by m once more than it should be: m times too small",
        "divide by m exactly once: dW = (1/m) dZ A_prevᵀ, db = (1/m) Σ dZ",
        True,
    ),
    Mistake(
        "one_over_m_on_dAL",
        "the 1/m is applied to dA[L] as well as to dW and db",
        ("L_model_backward", *_COURSE2_BWD),
        {"dAL": _scaled_dAL, "dZL": _scaled_dZL},
        "dA[L] is the per-example ∂L/∂A[L] (no 1/m); dividing it by m divides every dZ, dA "
        "by m and then dW, db by m²",
        "dAL = −(Y/AL − (1 − Y)/(1 − AL)) (dZ[L] = A[L] − Y), and the 1/m only in dW and db",
        True,
    ),
    Mistake(
        "dW_transposed",
        "dW is transposed: A_prev dZᵀ",
        _ALL_BWD,
        {"dW": lambda dZ, A_prev, s: s * (A_prev @ dZ.T)},
        "A_prev dZᵀ = (dZ A_prevᵀ)ᵀ has shape (n[l-1], n[l]) instead of W's (n[l], n[l-1])",
        "dW = (1/m) np.dot(dZ, A_prev.T), the shape of W",
        True,
    ),
    Mistake(
        "dW_AprevT_dZ",
        "dW = A_prevᵀ dZ",
        _ALL_BWD,
        {"dW": lambda dZ, A_prev, s: s * (A_prev.T @ dZ)},
        "A_prevᵀ dZ multiplies (m, n[l-1]) by (n[l], m): it only runs when the sizes happen "
        "to agree, and then sums the wrong products",
        "dW = (1/m) np.dot(dZ, A_prev.T)",
        True,
    ),
    Mistake(
        "dW_dZ_Aprev",
        "dW = dZ A_prev (A_prev not transposed)",
        _ALL_BWD,
        {"dW": lambda dZ, A_prev, s: s * (dZ @ A_prev)},
        "dZ A_prev multiplies (n[l], m) by (n[l-1], m): it only runs when m = n[l-1]",
        "dW = (1/m) np.dot(dZ, A_prev.T)",
        True,
    ),
    Mistake(
        "db_no_keepdims",
        "db is summed without keepdims: shape (n,) instead of (n, 1)",
        _ALL_BWD,
        {"db": lambda dZ, s: s * np.sum(dZ, axis=1)},
        "np.sum(dZ, axis=1) drops the summed axis; b[l] has shape (n[l], 1), and b − α db "
        "would then broadcast to (n[l], n[l])",
        "db = (1/m) np.sum(dZ, axis=1, keepdims=True)",
    ),
    Mistake(
        "db_wrong_axis",
        "db is summed over the wrong axis (over the units instead of the examples)",
        _ALL_BWD,
        {"db": lambda dZ, s: s * np.sum(dZ, axis=0, keepdims=True)},
        "axis=0 adds up the units of each example (shape (1, m)); the examples are the columns, "
        "axis=1",
        "db = (1/m) np.sum(dZ, axis=1, keepdims=True)",
    ),
    Mistake(
        "dAL_sign",
        "the sign of dA[L] (or of dZ[L]) is flipped",
        ("L_model_backward", *_COURSE2_BWD),
        {"dAL": lambda AL, Y: -_dAL(AL, Y), "dZL": lambda AL, Y: Y - AL},
        "every gradient points uphill: gradient descent would then increase the cost",
        "dAL = −(np.divide(Y, AL) − np.divide(1 − Y, 1 − AL)) (dZ[L] = A[L] − Y)",
    ),
    Mistake(
        "relu_prime_from_A",
        "relu′ is taken as relu: dZ = dA ⊙ A",
        ("linear_activation_backward", "L_model_backward", *_COURSE2_BWD),
        {"relu_backward": lambda dA, Z: dA * np.maximum(Z, 0)},
        "g′(Z) is 1 where Z > 0 and 0 elsewhere, not relu(Z) = A itself",
        "dZ = np.array(dA, copy=True); dZ[Z <= 0] = 0   (dZ = dA ⊙ 1[Z > 0])",
    ),
    Mistake(
        "sigmoid_prime_as_sigma",
        "sigmoid′ is taken as σ: dZ = dA ⊙ σ(Z)",
        ("linear_activation_backward", "L_model_backward"),
        {"sigmoid_backward": lambda dA, Z: dA * _SIGMOID.forward(Z)},
        "the derivative of σ is σ(Z)(1 − σ(Z)), not σ(Z)",
        "s = 1/(1 + np.exp(−Z)); dZ = dA * s * (1 − s)",
    ),
    Mistake(
        "caches_wrong_order",
        "the caches are read in the wrong order (layer l's cache for layer l + 1)",
        ("L_model_backward",),
        {"cache_index": lambda l: l - 2},
        "the hidden layer l + 1 is differentiated with the A_prev, W and Z of layer l "
        "(and layer 1 with caches[-1], the last layer's)",
        "for l in reversed(range(L − 1)): current_cache = caches[l]   (layer l + 1's cache)",
    ),
    Mistake(
        "last_layer_relu",
        "the last layer uses relu instead of sigmoid",
        ("L_model_forward", "forward_propagation_with_dropout"),
        {"output_activation": "relu"},
        "A[L] must be a probability σ(Z[L]); relu gives 0 or Z[L] itself",
        "AL, cache = linear_activation_forward(A, W[L], b[L], activation='sigmoid')",
    ),
    Mistake(
        "update_plus",
        "the parameters are updated with +α (gradient ascent)",
        _UPDATES,
        {"update": lambda p, g, lr: p + lr * g},
        "W + α dW climbs the cost; gradient descent steps against the gradient",
        "W[l] = W[l] − α dW[l], b[l] = b[l] − α db[l]",
    ),
    Mistake(
        "l2_cost_no_1_over_m",
        "the L2 term has no 1/m: (λ/2) Σ ‖W‖²",
        ("compute_cost_with_regularization",),
        {"l2_cost": lambda Ws, lambd, m: _l2_cost(Ws, lambd, 1)},
        "the L2 term is m times too big next to the averaged cross-entropy",
        "L2_regularization_cost = (1/m) (λ/2) (Σ np.square(W1) + Σ np.square(W2) + ...)",
    ),
    Mistake(
        "l2_cost_lambda_over_m",
        "the L2 term uses λ/m instead of λ/2m",
        ("compute_cost_with_regularization",),
        {"l2_cost": lambda Ws, lambd, m: 2 * _l2_cost(Ws, lambd, m)},
        "the ½ that makes the gradient (λ/m) W is missing: the term is twice too big",
        "L2_regularization_cost = (λ/(2m)) Σₗ Σ np.square(W[l])",
    ),
    Mistake(
        "l2_grad_no_1_over_m",
        "the L2 gradient has no 1/m: λ W",
        ("backward_propagation_with_regularization",),
        {"l2_grad": lambda W, lambd, m: lambd * W},
        "the derivative of (λ/2m) ‖W‖² is (λ/m) W",
        "dW = (1/m) np.dot(dZ, A_prev.T) + (λ/m) W",
    ),
    Mistake(
        "l2_grad_lambda_over_2m",
        "the L2 gradient uses λ/2m instead of λ/m",
        ("backward_propagation_with_regularization",),
        {"l2_grad": lambda W, lambd, m: lambd / (2 * m) * W},
        "the 2 of ‖W‖² cancels the ½ of λ/2m: the gradient is (λ/m) W",
        "dW = (1/m) np.dot(dZ, A_prev.T) + (λ/m) W",
    ),
    Mistake(
        "dropout_forward_not_scaled",
        "the dropout forward pass does not divide by keep_prob",
        ("forward_propagation_with_dropout",),
        {"dropout_forward": lambda A, D, kp: A * D},
        "inverted dropout keeps the expected value of A: A ⊙ D / keep_prob",
        "A = A * D; A = A / keep_prob",
    ),
    Mistake(
        "dropout_mask_not_applied_backward",
        "the dropout mask is not applied in the backward pass",
        ("backward_propagation_with_dropout",),
        {"dropout_backward": lambda dA, D, kp: dA / kp},
        "units shut down in the forward pass contributed nothing, so their dA must be 0",
        "dA = dA * D; dA = dA / keep_prob",
    ),
    Mistake(
        "dropout_backward_not_scaled",
        "the dropout backward pass does not divide by keep_prob",
        ("backward_propagation_with_dropout",),
        {"dropout_backward": lambda dA, D, kp: dA * D},
        "the forward pass divided A by keep_prob, so the backward pass divides dA by it too",
        "dA = dA * D; dA = dA / keep_prob",
    ),
    Mistake(
        "adam_no_bias_correction",
        "Adam without bias correction",
        ("update_parameters_with_adam",),
        {"bias_correction": lambda beta, t: 1.0},
        "v and s start at 0, so early on they are too small by the factors 1 − β₁ᵗ, 1 − β₂ᵗ",
        "v_corrected = v / (1 − β₁**t), s_corrected = s / (1 − β₂**t)",
    ),
    Mistake(
        "adam_t_from_0",
        "Adam's bias correction counts t from 0",
        ("update_parameters_with_adam",),
        {"bias_correction": lambda beta, t: 1 - beta ** (t - 1)},
        "the first update is t = 1; with t − 1 the first correction divides by 1 − β⁰ = 0",
        "v_corrected = v / (1 − β₁**t) with t = 1 at the first update (t = t + 1 before it)",
    ),
    Mistake(
        "gc_no_denominator",
        "the gradient-check difference has no norms in the denominator",
        ("gradient_check_n",),
        {"gc_difference": lambda g, a: float(np.linalg.norm(g - a))},
        "‖g − g̃‖ alone depends on the size of the gradient; the course's number is relative",
        "difference = ‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)",
    ),
)
"""Every mistake :func:`check` can name."""


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One call: a label (``"m = 1"``) and the positional arguments."""

    label: str
    args: tuple[Any, ...]


def _params(rng: np.random.Generator, dims: Sequence[int], scale: float = 1.0) -> Params:
    out: Params = {}
    for l in range(1, len(dims)):
        out[f"W{l}"] = scale * rng.standard_normal((dims[l], dims[l - 1])) / math.sqrt(dims[l - 1])
        out[f"b{l}"] = scale * 0.1 * rng.standard_normal((dims[l], 1))
    return out


def _labels(rng: np.random.Generator, m: int) -> Array:
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    Y[0, 0] = 1.0  # at least one of each when m > 1
    if m > 1:
        Y[0, -1] = 0.0
    return Y


SATURATED_Z = 12.0
"""The "saturated" cases' largest |Z[L]|: σ(Z) is within 1e-5 of 0 or 1, and yet the
course's 1/(1 − A[L]) loses no more than 1e-11 of its precision to σ's last bit (at
|Z| ≳ 37, A[L] rounds to exactly 0 or 1, where the course's own formulas give inf or NaN)."""

_NETS = (  # label, layer dims, m, weight scale
    ("course shapes", (5, 4, 3, 1), 4, 1.0),
    ("m = 1", (4, 3, 1), 1, 1.0),
    ("one unit", (1, 1, 1), 3, 1.0),
    ("deep stack", (3, 3, 3, 3, 3, 1), 3, 1.0),
    ("saturated", (4, 3, 1), 5, 6.0),
)
_NETS_C2 = (  # the notebook's functions are written for L = 3
    ("course shapes", (3, 2, 3, 1), 5, 1.0),
    ("m = 1", (3, 2, 3, 1), 1, 1.0),
    ("one unit", (1, 1, 1, 1), 3, 1.0),
    ("square", (3, 3, 3, 1), 3, 1.0),
    ("saturated", (4, 3, 2, 1), 5, 6.0),
)
_LAYERS = (  # label, n[l-1], n[l], m, scale
    ("course shapes", 5, 3, 4, 1.0),
    ("m = 1", 4, 3, 1, 1.0),
    ("one unit", 1, 1, 3, 1.0),
    ("square", 3, 3, 3, 1.0),
    ("saturated", 4, 2, 5, 8.0),
)


def _nets(rng: np.random.Generator, table: Any = _NETS) -> list[tuple[str, Array, Params, Array]]:
    out: list[tuple[str, Array, Params, Array]] = []
    for label, dims, m, scale in table:
        X = rng.standard_normal((dims[0], m))
        label = label if "m =" in label else f"{label}, m = {m}"
        p = _params(rng, dims, scale)
        if scale != 1:  # saturated, but A[L] inside (0, 1): max |Z[L]| = SATURATED_Z
            _, caches = dn.L_model_forward(X, p)
            L = len(dims) - 1
            factor = SATURATED_Z / float(np.max(np.abs(caches[-1][1])))
            p[f"W{L}"], p[f"b{L}"] = factor * p[f"W{L}"], factor * p[f"b{L}"]
        out.append((label, X, p, _labels(rng, m)))
    return out


def _layer_cases(rng: np.random.Generator, kind: str) -> list[Case]:
    cases = []
    for label, n_prev, n, m, scale in _LAYERS:
        A_prev = rng.standard_normal((n_prev, m))
        W = scale * rng.standard_normal((n, n_prev))
        b = scale * rng.standard_normal((n, 1))
        for act in ("relu", "sigmoid") if kind.startswith("activation") else (None,):
            name = label if "m =" in label else f"{label}, m = {m}"
            name = name if act is None else f"{name}, {act}"
            if kind == "forward":
                cases.append(Case(name, (A_prev, W, b)))
            elif kind == "activation_forward":
                cases.append(Case(name, (A_prev, W, b, act)))
            else:
                dZ = rng.standard_normal((n, m))
                Z = W @ A_prev + b
                cache = (A_prev, W, b)
                if kind == "backward":
                    cases.append(Case(name, (dZ, cache)))
                else:
                    cases.append(Case(name, (dZ, (cache, Z), act)))
    return cases


def _cases(function: str, seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    if function == "initialize_parameters_deep":
        return [Case(str(d), (list(d),)) for d in ([5, 4, 3], [1, 1], [3, 3, 3, 3, 3, 1])]
    if function in ("linear_forward", "linear_backward"):
        return _layer_cases(rng, function.split("_")[1])
    if function == "linear_activation_forward":
        return _layer_cases(rng, "activation_forward")
    if function == "linear_activation_backward":
        return _layer_cases(rng, "activation_backward")
    if function == "L_model_forward":
        return [Case(label, (X, p)) for label, X, p, _ in _nets(rng)]
    if function == "L_model_backward":
        out = []
        for label, X, p, Y in _nets(rng):
            AL, caches = dn.L_model_forward(X, p)
            out.append(Case(label, (AL, Y, caches)))
        return out
    if function == "compute_cost":
        out = [Case("course shapes", (np.array([[0.8, 0.9, 0.4]]), np.array([[1.0, 1.0, 0.0]])))]
        for label, m, spread in (("m = 1", 1, 1.0), ("m = 7", 7, 1.0), ("saturated", 6, 12.0)):
            Z = np.clip(spread * rng.standard_normal((1, m)), -2 * SATURATED_Z, 2 * SATURATED_Z)
            AL = _SIGMOID.forward(Z)
            out.append(Case(label, (AL, _labels(rng, m))))
        return out
    if function in _UPDATES:
        out = []
        for k, (label, _, p, _) in enumerate(_nets(rng)):
            grads: dict[str, Array] = {f"d{k}": rng.standard_normal(a.shape) for k, a in p.items()}
            if function == "update_parameters":
                out.append(Case(label, (p, grads, 0.1)))
                continue
            v = {key: 0.1 * rng.standard_normal(a.shape) for key, a in grads.items()}
            if function == "update_parameters_with_momentum":
                out.append(Case(label, (p, grads, v, 0.9, 0.01)))
            else:
                s = {key: 0.1 * rng.random(a.shape) for key, a in grads.items()}
                t = (1, 2, 10, 1, 3)[k]
                out.append(Case(f"{label}, t = {t}", (p, grads, v, s, t, 0.01, 0.9, 0.999, 1e-8)))
        return out
    if function == "gradient_check_n":
        out = []
        for label, m, scale in (("course shapes", 3, 1.0), ("m = 1", 1, 1.0), ("m = 5", 5, 2.0)):
            X = rng.standard_normal((4, m))
            Y = _labels(rng, m)
            p = _params(rng, gc.COURSE_LAYER_DIMS, scale)
            _, cache = gc.forward_propagation_n(X, Y, p)
            g = gc.backward_propagation_n(X, Y, cache)
            g["dW2"] = 2 * g["dW2"]  # the notebook's planted errors make the
            g["db1"] = g["db1"] + 4.0 / m  # difference a robust number
            out.append(Case(label, (p, g, X, Y, 1e-7, False)))
        return out
    # Course 2, week 1: the flat caches of forward_propagation(_with_dropout)
    out = []
    for label, X, p, Y in _nets(rng, _NETS_C2):
        if function == "compute_cost_with_regularization":
            A3, _ = reg.forward_propagation(X, p)
            out.append(Case(label, (A3, Y, p, 0.1)))
        elif function == "backward_propagation_with_regularization":
            _, cache = reg.forward_propagation(X, p)
            out.append(Case(label, (X, Y, cache, 0.7)))
        elif function == "forward_propagation_with_dropout":
            out.append(Case(label, (X, p, 0.7)))
        else:
            _, cache = reg.forward_propagation_with_dropout(X, p, 0.8)
            out.append(Case(label, (X, Y, cache, 0.8)))
    return out


# ---------------------------------------------------------------------------------------------
# The functions that can be checked
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    reference: Callable[..., Any]
    variant: Callable[..., Any] | None  # the reference written from PIECES (None: no mistakes)
    outputs: tuple[str, ...]  # names of the returned values
    rtol: float | None = None  # None: √ε of the dtypes
    min_outputs: int | None = None  # Adam: the older notebook returns (parameters, v, s)


FUNCTIONS: dict[str, _Spec] = {
    "initialize_parameters_deep": _Spec(dn.initialize_parameters_deep, None, ("parameters",)),
    "linear_forward": _Spec(dn.linear_forward, None, ("Z", "cache")),
    "linear_activation_forward": _Spec(dn.linear_activation_forward, None, ("A", "cache")),
    "L_model_forward": _Spec(dn.L_model_forward, _v_L_model_forward, ("AL", "caches")),
    "compute_cost": _Spec(dn.compute_cost, _v_compute_cost, ("cost",)),
    "linear_backward": _Spec(dn.linear_backward, _v_linear_backward, ("dA_prev", "dW", "db")),
    "linear_activation_backward": _Spec(
        dn.linear_activation_backward, _v_linear_activation_backward, ("dA_prev", "dW", "db")
    ),
    "L_model_backward": _Spec(dn.L_model_backward, _v_L_model_backward, ("grads",)),
    "update_parameters": _Spec(dn.update_parameters, _v_update_parameters, ("parameters",)),
    "compute_cost_with_regularization": _Spec(
        reg.compute_cost_with_regularization, _v_compute_cost_with_regularization, ("cost",)
    ),
    "backward_propagation_with_regularization": _Spec(
        reg.backward_propagation_with_regularization, _v_backward_with_regularization, ("grads",)
    ),
    "forward_propagation_with_dropout": _Spec(
        reg.forward_propagation_with_dropout, _v_forward_with_dropout, ("A3", "cache")
    ),
    "backward_propagation_with_dropout": _Spec(
        reg.backward_propagation_with_dropout, _v_backward_with_dropout, ("grads",)
    ),
    "update_parameters_with_momentum": _Spec(
        opt.update_parameters_with_momentum, _v_momentum, ("parameters", "v")
    ),
    "update_parameters_with_adam": _Spec(
        opt.update_parameters_with_adam,
        _v_adam,
        ("parameters", "v", "s", "v_corrected", "s_corrected"),
        min_outputs=3,
    ),
    "gradient_check_n": _Spec(gc.gradient_check_n, _v_gradient_check_n, ("difference",), 1e-5),
}
"""The course functions :func:`check` knows, by the course's name."""


# ---------------------------------------------------------------------------------------------
# Running the learner's code
# ---------------------------------------------------------------------------------------------


@dataclass
class _Raised:
    kind: str  # "raised" or "timeout"
    message: str


def _call(fn: Callable[..., Any], args: tuple[Any, ...], timeout: float | None) -> Any:
    """fn(*args) with stdout silenced; a _Raised for an exception or a call that overran."""
    box: list[Any] = []

    def target() -> None:
        try:
            with np.errstate(all="ignore"):
                box.append(fn(*args))
        except BaseException as exc:  # the learner's code may raise anything
            message = f"raised {type(exc).__name__}: {exc}".strip() + _line(exc)
            box.append(_Raised("raised", message))

    # sys.stdout is redirected here, in the caller's thread, so that it is restored even
    # when the call is abandoned (what an abandoned call prints later is not caught)
    with contextlib.redirect_stdout(io.StringIO()):
        if timeout is None:
            target()
        else:
            thread = threading.Thread(target=target, daemon=True, name="chainrule-check-call")
            thread.start()
            thread.join(timeout)
            if thread.is_alive():  # abandoned: a thread cannot be stopped from outside
                message = f"did not return within {timeout:g} s (an endless loop?)"
                return _Raised("timeout", message)
    return box[0]


def _line(exc: BaseException) -> str:
    """`` (file.py, line N)``: the last line of the learner's code in the traceback."""
    here = Path(__file__).resolve().parents[1]
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if here not in path.parents and "numpy" not in path.parts and "threading" not in path.name:
            return f" ({path.name}, line {frame.lineno})"
    return ""


def _same(a: Any, b: Any) -> bool:
    """Whether an argument is unchanged (arrays bit for bit, containers entry by entry)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return (
            isinstance(b, (list, tuple))
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    return bool(a == b)


def _changed_leaf(a: Any, b: Any, path: str) -> str:
    """The first place where ``b`` differs from the original ``a``."""
    if isinstance(a, Mapping) and isinstance(b, Mapping) and a.keys() == b.keys():
        for k in a:
            if not _same(a[k], b[k]):
                return _changed_leaf(a[k], b[k], f"{path}[{k!r}]")
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if not _same(x, y):
                return _changed_leaf(x, y, f"{path}[{i}]")
    return path


# ---------------------------------------------------------------------------------------------
# Comparing outputs
# ---------------------------------------------------------------------------------------------


@dataclass
class Mismatch:
    """The first output of a case that differs from the reference.

    Attributes
    ----------
    case : str
        The case's label (``"m = 1"``).
    output : str
        The output's name and place (``"grads['dW1']"``, ``"cache[0]"``).
    problem : str
        ``"values"``, ``"shape"``, ``"type"``, ``"missing"``, ``"raised"``, ``"timeout"``
        or ``"modified input"``.
    message : str
        One line saying what was expected and what came back.
    expected, got : ndarray or None
        The two arrays, for a ``"values"`` or ``"shape"`` problem.
    where : tuple of int or None
        The index of the largest difference.
    """

    case: str
    output: str
    problem: str
    message: str
    expected: Array | None = field(default=None, repr=False)
    got: Array | None = field(default=None, repr=False)
    where: tuple[int, ...] | None = None

    def __str__(self) -> str:
        return f"case {self.case!r}: {self.output}: {self.message}"


def _rtol(*arrays: Any) -> float:
    """√ε of the least precise floating dtype among the arrays (float64: 1.5e-8)."""
    eps = [np.finfo(a.dtype).eps for a in arrays if a.dtype.kind == "f"]
    return math.sqrt(max(eps, default=np.finfo(np.float64).eps))


def _close(expected: Array, got: Array, rtol: float | None) -> NDArray[np.bool_]:
    """Entrywise agreement: |got − expected| ≤ r (|expected| + max |expected|), NaN = NaN."""
    e = expected.astype(np.float64)
    g = got.astype(np.float64)
    r = _rtol(expected, got) if rtol is None else rtol
    finite = np.isfinite(e)
    scale = float(np.max(np.abs(e[finite]), initial=0.0))
    with np.errstate(invalid="ignore"):
        ok = np.abs(g - e) <= r * (np.abs(e) + scale)
    both_nan = np.isnan(e) & np.isnan(g)
    same_inf = np.isinf(e) & (e == g)
    return np.asarray(ok | both_nan | same_inf, dtype=bool)


def _describe(x: Any) -> str:
    if x is None:
        return "None"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of length {len(x)}"
    return f"a {type(x).__name__}"


def _fmt(x: Array) -> str:
    return np.array2string(
        np.asarray(x, dtype=np.float64), precision=6, threshold=12, edgeitems=2, separator=", "
    ).replace("\n", "")


def _compare(expected: Any, got: Any, path: str, case: str, rtol: float | None) -> Mismatch | None:
    """The first difference between the reference's output and the learner's, or None."""
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return Mismatch(case, path, "type", f"returned {_describe(got)} where a dict belongs")
        for k in expected:
            if k not in got:
                keys = ", ".join(map(repr, sorted(map(str, got)))) or "none"
                return Mismatch(case, f"{path}[{k!r}]", "missing", f"missing (keys: {keys})")
            found = _compare(expected[k], got[k], f"{path}[{k!r}]", case, rtol)
            if found:
                return found
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return Mismatch(
                case, path, "type", f"returned {_describe(got)} where {_describe(expected)} belongs"
            )
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            found = _compare(e, g, f"{path}[{i}]", case, rtol)
            if found:
                return found
        return None
    e = np.asarray(expected)
    try:
        g = np.asarray(got)
    except Exception:  # a ragged list or the like
        g = np.asarray(None)
    if g.dtype.kind not in "fiub":
        want = "a number" if e.ndim == 0 else _describe(e)
        return Mismatch(case, path, "type", f"returned {_describe(got)} where {want} belongs")
    if g.shape != e.shape:
        return Mismatch(
            case, path, "shape", f"shape {g.shape}, expected {e.shape}", expected=e, got=g
        )
    ok = _close(e, g, rtol)
    if ok.all():
        return None
    with np.errstate(invalid="ignore"):
        gap = np.where(ok, -1.0, np.nan_to_num(np.abs(g.astype(float) - e), nan=np.inf))
    where = tuple(int(i) for i in np.unravel_index(int(np.argmax(gap)), e.shape))
    at = f" at {where}" if e.ndim else ""
    message = (
        f"shape {e.shape} as expected, but {int((~ok).sum())} of {e.size} entries differ; "
        f"largest{at}: expected {float(e[where]):.8g}, got {float(g[where]):.8g}"
    )
    return Mismatch(case, path, "values", message, expected=e, got=g, where=where)


def _as_named(spec: _Spec, out: Any) -> tuple[Any, ...] | None:
    """The outputs as a tuple matching spec.outputs (a single output is wrapped)."""
    if len(spec.outputs) == 1:
        return (out,)
    return tuple(out) if isinstance(out, (tuple, list)) else None


def _compare_outputs(spec: _Spec, expected: Any, got: Any, case: str) -> Mismatch | None:
    exp = _as_named(spec, expected)
    assert exp is not None
    g = _as_named(spec, got)
    n = len(spec.outputs)
    short = spec.min_outputs
    if g is None or not (len(g) == n or (short is not None and len(g) == short)):
        want = f"a tuple of {n} ({', '.join(spec.outputs)})"
        return Mismatch(case, "the result", "type", f"returned {_describe(got)}, not {want}")
    for name, e, out in zip(spec.outputs, exp, g, strict=False):
        found = _compare(e, out, name, case, spec.rtol)
        if found:
            return found
    return None


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------


@dataclass
class FunctionReport:
    """The check of one function.

    Attributes
    ----------
    function : str
        The course's name.
    passed : bool
    cases : int
        Cases run.
    mismatch : Mismatch or None
        The first differing output (None when passed).
    mistakes : tuple of Mistake
        The catalogue entries that explain every case together (one, or a combination
        of two); empty when none does.
    alternatives : list of tuple of Mistake
        Other explanations that fit as well (normally empty).
    outputs : list of ParameterDifference
        Unexplained differences only: per output array, ‖got − expected‖ / (‖got‖ +
        ‖expected‖) on the first failing case, as :mod:`chainrule.gradcheck` reports them.
    worst : list of EntryDifference
        Unexplained differences only: the largest |got − expected| (``analytic`` is the
        learner's value, ``numeric`` the expected one).
    suspect_layer : int or None
        The highest layer whose output is wrong (errors travel down, not up).
    """

    function: str
    passed: bool
    cases: int
    mismatch: Mismatch | None = None
    mistakes: tuple[Mistake, ...] = ()
    alternatives: list[tuple[Mistake, ...]] = field(default_factory=list)
    outputs: list[ParameterDifference] = field(default_factory=list)
    worst: list[EntryDifference] = field(default_factory=list)
    suspect_layer: int | None = None

    @property
    def summary(self) -> str:
        """The report card's line."""
        if self.passed:
            return f"{self.function:<42} passed ({self.cases} cases)"
        assert self.mismatch is not None
        if self.mistakes:
            what = " + ".join(m.name for m in self.mistakes)
        elif self.mismatch.problem in ("raised", "timeout", "type", "missing", "modified input"):
            what = self.mismatch.message
        elif self.mismatch.problem == "shape":
            what = f"{self.mismatch.output} has the wrong {self.mismatch.message}"
        else:
            what = f"wrong {self.mismatch.output}, and no known mistake explains it"
        return f"{self.function:<42} FAILED: {what}"

    def details(self) -> str:
        """What differs, where, and the named mistake with its fix (empty when passed)."""
        if self.passed or self.mismatch is None:
            return ""
        mm = self.mismatch
        lines = [f"{self.function}: first difference in {mm}"]
        if mm.problem == "values" and mm.expected is not None and mm.got is not None:
            lines += [f"  expected {_fmt(mm.expected)}", f"  got      {_fmt(mm.got)}"]
        for k, mistake in enumerate(self.mistakes):
            head = "  mistake: " if k == 0 else "  and:     "
            lines += [
                f"{head}{mistake.name}",
                f"    why: {mistake.explanation}",
                f"    fix: {mistake.fix}",
            ]
        for alt in self.alternatives:
            lines.append("  (or, as well: " + " + ".join(m.name for m in alt) + ")")
        if not self.mistakes and mm.problem in ("values", "shape"):
            lines.append("  no mistake in chainrule's catalogue explains this output")
        if self.outputs:
            lines.append("  output            shape     difference  max |got − expected|  status")
            for p in self.outputs:
                lines.append(
                    f"  {p.name:<17} {p.shape!s:<9} {p.difference:<11.2e} "
                    f"{p.max_abs_error:<21.2e} {p.status}"
                )
        if self.worst:
            lines.append("  worst entries: output  index  expected  got")
            for e in self.worst:
                lines.append(f"    {e.parameter}  {e.index}  {e.numeric: .8e}  {e.analytic: .8e}")
        if self.suspect_layer is not None:
            lines.append(
                f"  the highest layer with a wrong output is layer {self.suspect_layer}: "
                "look at its formulas (errors travel down to the layers below it)"
            )
        return "\n".join(lines)


@dataclass
class CheckReport:
    """The report card of several functions (:func:`check_module`)."""

    functions: list[FunctionReport]
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every function passed (and there was at least one)."""
        return bool(self.functions) and all(f.passed for f in self.functions)

    def __str__(self) -> str:
        n_ok = sum(f.passed for f in self.functions)
        lines = [f"{n_ok} of {len(self.functions)} functions pass", ""]
        lines += [f.summary for f in self.functions]
        for f in self.functions:
            if not f.passed:
                lines += ["", f.details()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Diagnosis
# ---------------------------------------------------------------------------------------------


def _applicable(function: str) -> list[Mistake]:
    return [m for m in CATALOGUE if function in m.functions]


def _candidates(function: str) -> list[tuple[Mistake, ...]]:
    """Every single mistake, then every pair with a factor-m or transpose mistake in it."""
    singles: list[tuple[Mistake, ...]] = [(m,) for m in _applicable(function)]
    pairs: list[tuple[Mistake, ...]] = [
        (a, b)
        for (a,), (b,) in combinations(singles, 2)
        if (a.factor_or_transpose or b.factor_or_transpose)
        and not set(a.mutation) & set(b.mutation)
    ]
    return singles + pairs


def _run_variant(spec: _Spec, mistakes: tuple[Mistake, ...], args: tuple[Any, ...]) -> Any:
    pieces = dict(PIECES)
    for m in mistakes:
        pieces.update(m.mutation)
    variant = spec.variant
    assert variant is not None
    return _call(lambda *a: variant(pieces, *a), copy.deepcopy(args), None)


def _explains(
    spec: _Spec, mistakes: tuple[Mistake, ...], cases: list[Case], got: list[Any]
) -> bool:
    """Whether the mutant reproduces the learner on every case (and runs on one at least)."""
    compared = False
    for case, g in zip(cases, got, strict=True):
        mutant = _run_variant(spec, mistakes, case.args)
        if isinstance(g, _Raised) or isinstance(mutant, _Raised):
            if not (isinstance(g, _Raised) and isinstance(mutant, _Raised)):
                return False
            continue
        if _compare_outputs(spec, mutant, g, case.label) is not None:
            return False
        compared = True
    return compared


def _layer_of(name: str) -> int | None:
    digits = "".join(c for c in name.split("[")[-1] if c.isdigit())
    return int(digits) if digits and any(k in name for k in ("W", "b", "dZ", "dA")) else None


def _unexplained(report: FunctionReport, spec: _Spec, expected: Any, got: Any) -> None:
    """gradcheck's pieces for a difference no mistake explains: per output, worst, layer."""
    leaves: list[tuple[str, Array, Array]] = []

    def walk(e: Any, g: Any, path: str) -> None:
        if isinstance(e, Mapping) and isinstance(g, Mapping):
            for k in e:
                if k in g:
                    walk(e[k], g[k], f"{path}[{k!r}]" if path else str(k))
        elif isinstance(e, (tuple, list)) and isinstance(g, (tuple, list)):
            for i, (x, y) in enumerate(zip(e, g, strict=False)):
                walk(x, y, f"{path}[{i}]")
        else:
            ea = np.asarray(e)
            try:
                ga = np.asarray(g, dtype=np.float64)
            except (TypeError, ValueError):
                return
            if ea.dtype.kind == "f" and ea.shape == ga.shape:
                leaves.append((path, ea, ga))

    exp, gg = _as_named(spec, expected), _as_named(spec, got)
    if exp is None or gg is None:
        return
    for name, e, g in zip(spec.outputs, exp, gg, strict=False):
        if len(spec.outputs) == 1 and isinstance(e, Mapping):
            walk(e, g, "")
        else:
            walk(e, g, name)
    entries = []
    for name, e, g in leaves:
        diff = relative_difference(g, e)
        err = np.abs(g.astype(np.float64) - e)
        report.outputs.append(
            ParameterDifference(
                name=name,
                shape=e.shape,
                checked=e.size,
                size=e.size,
                difference=diff,
                max_abs_error=float(np.max(err, initial=0.0)),
                status="pass" if _close(e, g, spec.rtol).all() else status_of(diff),
            )
        )
        for idx in np.ndindex(e.shape):
            entries.append(
                EntryDifference(
                    name, idx, float(g[idx]), float(e[idx]), float(err[idx]), float("nan")
                )
            )
    report.worst = sorted((x for x in entries if x.abs_error > 0), key=lambda x: -x.abs_error)[:5]
    bad = [_layer_of(p.name) for p in report.outputs if p.status != "pass"]
    layers = [b for b in bad if b is not None]
    report.suspect_layer = max(layers) if layers else None


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------


def check(
    fn: Callable[..., Any],
    name: str | None = None,
    *,
    seed: int = 0,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> FunctionReport:
    """Check one implementation of a course function against chainrule's.

    Parameters
    ----------
    fn : callable
        Your function, with the course's signature.
    name : str, optional
        Which course function it implements (a key of :data:`FUNCTIONS`);
        default: ``fn.__name__``.
    seed : int, default=0
        Seeds the generated cases (``numpy.random.default_rng(seed)``).
    timeout : float or None, default=10
        Seconds one call may take; None runs without a limit (and without a thread).

    Returns
    -------
    FunctionReport
        ``passed``, or the first differing output and the mistake that explains it.

    Raises
    ------
    TypeError
        ``fn`` is not callable.
    ValueError
        The name is not one of :data:`FUNCTIONS`.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function, got {type(fn).__name__}")
    name = getattr(fn, "__name__", "") if name is None else name
    if name not in FUNCTIONS:
        raise ValueError(
            f"name must be one of the course functions chainrule checks "
            f"({', '.join(FUNCTIONS)}); got {name!r}"
        )
    spec = FUNCTIONS[name]
    cases = _cases(name, seed)
    arg_names = list(inspect.signature(spec.reference).parameters)
    report = FunctionReport(name, passed=True, cases=len(cases))
    got_all: list[Any] = []
    first: tuple[Any, Any] | None = None
    for case in cases:
        expected = _call(spec.reference, copy.deepcopy(case.args), None)
        assert not isinstance(expected, _Raised), (name, case.label, expected)
        given = copy.deepcopy(case.args)
        got = _call(fn, given, timeout)
        got_all.append(got)
        if isinstance(got, _Raised):
            mm = Mismatch(case.label, "the call", got.kind, got.message)
            if got.kind == "timeout":
                report.passed, report.mismatch = False, mm
                report.cases = len(got_all)
                return report
        else:
            changed = [
                (n, a, b)
                for n, a, b in zip(arg_names, case.args, given, strict=False)
                if not _same(a, b)
            ]
            if changed:
                where = _changed_leaf(changed[0][1], changed[0][2], changed[0][0])
                mm = Mismatch(
                    case.label,
                    changed[0][0],
                    "modified input",
                    f"modified its argument {where} in place; work on a copy "
                    f"(copy.deepcopy({changed[0][0]}))",
                )
                report.passed, report.mismatch = False, mm
                return report
            found = _compare_outputs(spec, expected, got, case.label)
            if found is None:
                continue
            mm = found
            if report.mismatch is None:
                first = (expected, got)
        if report.mismatch is None:
            report.passed, report.mismatch = False, mm
    if report.passed or report.mismatch is None:
        return report
    if spec.variant is not None and report.mismatch.problem in ("values", "shape", "raised"):
        for size in (1, 2):  # a single mistake first, then the combinations
            fits = [
                c
                for c in _candidates(name)
                if len(c) == size and _explains(spec, c, cases, got_all)
            ]
            if fits:
                report.mistakes, report.alternatives = fits[0], fits[1:]
                break
    if not report.mistakes and first is not None and report.mismatch.problem == "values":
        _unexplained(report, spec, *first)
    return report


def check_module(
    module: ModuleType | Mapping[str, Any],
    *,
    seed: int = 0,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> CheckReport:
    """Check every course function a module (or a dict of names) defines.

    Parameters
    ----------
    module : module or dict
        Your assignment, imported (or ``globals()``); functions are found by the
        course's names (:data:`FUNCTIONS`).
    seed : int, default=0
    timeout : float or None, default=10
        Seconds one call may take.

    Returns
    -------
    CheckReport
        One :class:`FunctionReport` per course function found, in the course's order.
    """
    names = vars(module) if isinstance(module, ModuleType) else module
    if not isinstance(names, Mapping):
        raise TypeError(f"module must be a module or a dict, got {type(module).__name__}")
    found = [n for n in FUNCTIONS if callable(names.get(n))]
    report = CheckReport([check(names[n], n, seed=seed, timeout=timeout) for n in found])
    if not found:
        report.notes.append(
            "no course function found; chainrule checks functions named " + ", ".join(FUNCTIONS)
        )
    return report
