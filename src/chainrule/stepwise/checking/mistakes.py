"""The catalogue of classic mistakes that :func:`~chainrule.stepwise.check` can name.

A :class:`Mistake` names the course functions it can occur in and the pieces of
:data:`~chainrule.stepwise.checking.pieces.PIECES` it replaces; adding a mistake is one entry
of :data:`CATALOGUE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule._typing import Array
from chainrule.stepwise.checking.functions import _ALL_BWD, _COURSE2_BWD, _UPDATES
from chainrule.stepwise.checking.pieces import _SIGMOID, _dAL, _l2_cost


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
