r"""Course 2, week 1, "Regularization": the L2 cost and gradient, and inverted dropout.

The course writes these for a 3-layer network LINEAR → RELU → LINEAR → RELU →
LINEAR → SIGMOID with its caches as flat tuples; here they work for any depth
L = len(parameters) // 2 ([LINEAR → RELU] × (L−1) → LINEAR → SIGMOID), and
for L = 3 the caches and gradient dicts are exactly the course's:

* :func:`forward_propagation`: cache = (Z1, A1, W1, b1, ..., ZL, AL, WL, bL);
* :func:`forward_propagation_with_dropout`: cache = (Z1, D1, A1, W1, b1, ...,
  Z[L-1], D[L-1], A[L-1], W[L-1], b[L-1], ZL, AL, WL, bL), D[l] the boolean
  keep-mask and A[l] the activation **after** dropout, A[l] = g(Z[l]) ⊙ D[l] / keep_prob;
* the backward functions return ``dZ{l}, dW{l}, db{l}`` for every layer and
  ``dA{l}`` for the hidden layers, in the course's order (dZ3, dW3, db3, dA2, ...).

The math: the L2 term (λ/2m) Σₗ ‖W[l]‖²_F is :func:`chainrule.backprop.l2_cost`
and its gradient (λ/m) W[l] is added by :func:`chainrule.backprop.backward`
(``l2=lambd``); the dropout masks are drawn and applied by
:func:`chainrule.backprop.forward` (``keep_probs``) from numpy's legacy global
generator seeded with 1, as the course's ``np.random.rand``; the output step
is the fused dZ[L] = A[L] − Y, as the course writes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import backprop
from chainrule._typing import Array, Params
from chainrule._validation import check_fraction, check_nonneg_float
from chainrule.backprop import Gradients, LayerCache
from chainrule.stepwise._common import LEGACY_RNG, check_parameters, seed_legacy, to_array
from chainrule.stepwise.deep_network import (
    _BCE,
    _RELU,
    _activations,
    _check_AL_Y,
    _cost,
    _forward,
)

__all__ = [
    "backward_propagation",
    "backward_propagation_with_dropout",
    "backward_propagation_with_regularization",
    "compute_cost_with_regularization",
    "forward_propagation",
    "forward_propagation_with_dropout",
]

FlatCache = tuple[np.ndarray, ...]
"""The course's flat cache: float arrays, and boolean masks D[l] with dropout."""


def _flat(caches: list[LayerCache], Ws: list[Array], bs: list[Array]) -> FlatCache:
    """(Z1, A1, W1, b1, ..., ZL, AL, WL, bL); A[l] is what layer l+1 received."""
    out: list[np.ndarray] = []
    L = len(caches)
    for l, (c, W, b) in enumerate(zip(caches, Ws, bs, strict=True)):
        A_out = caches[l + 1].A_prev if l + 1 < L else c.A
        if c.D is not None:
            out += [c.Z, c.D > 0, A_out, W, b]
        else:
            out += [c.Z, A_out, W, b]
    return tuple(out)


def forward_propagation(X: Any, parameters: Params) -> tuple[Array, FlatCache]:
    """[LINEAR → RELU] × (L−1) → LINEAR → SIGMOID, with the course's flat cache.

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    parameters : dict
        ``W1, b1, ..., WL, bL`` (the course: L = 3).

    Returns
    -------
    AL : ndarray of shape (n[L], m)
    cache : tuple (Z1, A1, W1, b1, ..., ZL, AL, WL, bL)
    """
    X = to_array(X, "X")
    Ws, bs = check_parameters(parameters, n_x=X.shape[0])
    AL, caches = _forward(X, Ws, bs)
    return AL, _flat(caches, Ws, bs)


def compute_cost_with_regularization(
    A3: Any, Y: Any, parameters: Params, lambd: float
) -> np.float64:
    """J = cross-entropy cost + (λ / 2m) Σₗ ‖W[l]‖²_F.

    Parameters
    ----------
    A3 : array_like of shape (1, m)
        The output A[L] (the course's network has L = 3).
    Y : array_like with m labels
    parameters : dict
        ``W1, b1, ..., WL, bL``; biases are not regularised.
    lambd : float
        λ ≥ 0.

    Returns
    -------
    cost : numpy.float64
    """
    lam = check_nonneg_float(lambd, "lambd")
    AL, Yr = _check_AL_Y(A3, Y)
    Ws, _ = check_parameters(parameters, chain=False)
    m = AL.shape[1]
    return np.float64(_cost(AL, Yr) + backprop.l2_cost(Ws, lam, m))


def _parse_flat(X: Array, cache: Any, dropout: bool) -> tuple[list[LayerCache], list[Array]]:
    """The core's LayerCache list (and W list) from the course's flat cache."""
    what = "forward_propagation_with_dropout" if dropout else "forward_propagation"
    per_hidden = 5 if dropout else 4
    n = len(cache) if isinstance(cache, (tuple, list)) else -1
    if n < 4 or (n - 4) % per_hidden:
        layout = (
            "(Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL): 5 per hidden layer + 4"
            if dropout
            else "(Z1, A1, W1, b1, ..., ZL, AL, WL, bL): 4 per layer"
        )
        got = f"{type(cache).__name__} of length {n}" if n >= 0 else type(cache).__name__
        raise ValueError(f"cache must be the tuple from {what}, {layout}; got {got}")
    L = (n - 4) // per_hidden + 1
    layer_caches: list[LayerCache] = []
    Ws: list[Array] = []
    A_prev = X
    pos = 0
    for l in range(1, L + 1):
        hidden = l < L
        if dropout and hidden:
            Z, D, A, W, _ = cache[pos : pos + 5]
            pos += 5
        else:
            Z, A, W, _ = cache[pos : pos + 4]
            D = None
            pos += 4
        Z = to_array(Z, f"cache: Z{l}")
        A = to_array(A, f"cache: A{l}")
        W = to_array(W, f"cache: W{l}")
        if W.shape != (Z.shape[0], A_prev.shape[0]) or Z.shape != (W.shape[0], X.shape[1]):
            raise ValueError(
                f"cache: W{l} {W.shape} and Z{l} {Z.shape} do not fit A{l - 1} {A_prev.shape} "
                f"(need W{l} of shape (n[{l}], {A_prev.shape[0]}) and Z{l} of shape "
                f"(n[{l}], {X.shape[1]})); is X the input of the same forward pass?"
            )
        if A.shape != Z.shape:
            raise ValueError(f"cache: A{l} {A.shape} must have the shape of Z{l} {Z.shape}")
        cache_l = LayerCache(A_prev=A_prev, Z=Z, A=_RELU.forward(Z) if hidden else A)
        if D is not None:
            mask = np.asarray(D)
            if mask.shape != Z.shape:
                raise ValueError(f"cache: D{l} {mask.shape} must have the shape of Z{l} {Z.shape}")
            cache_l.D = mask.astype(Z.dtype)  # filled in with / keep_prob by the caller
        layer_caches.append(cache_l)
        Ws.append(W)
        A_prev = A
    return layer_caches, Ws


def _course_gradients(g: Gradients, caches: list[LayerCache]) -> dict[str, Array]:
    """dZ{l}, dW{l}, db{l}, then dA{l-1} for l = L, ..., 1 (the course's keys and order)."""
    out: dict[str, Array] = {}
    L = len(g.dW)
    for l in range(L, 0, -1):
        out[f"dZ{l}"] = g.dZ[l - 1]
        out[f"dW{l}"] = g.dW[l - 1]
        out[f"db{l}"] = g.db[l - 1]
        if l > 1:
            dA = g.dA[l - 1]
            assert dA is not None
            D = caches[l - 2].D
            # The core keeps ∂L/∂(A ⊙ D) = W[l]ᵀ dZ[l]; the course's dA[l-1] is after the
            # mask, dA ⊙ D / keep_prob: the very product backprop.backward applies next.
            out[f"dA{l - 1}"] = dA if D is None else dA * D
    return out


def _backward_flat(
    X: Any, Y: Any, cache: Any, *, lambd: float = 0.0, keep_prob: float | None = None
) -> dict[str, Array]:
    X = to_array(X, "X")
    dropout = keep_prob is not None
    caches, Ws = _parse_flat(X, cache, dropout)
    if keep_prob is not None:
        for c in caches:
            if c.D is not None:
                c.D /= c.D.dtype.type(keep_prob)  # inverted dropout: D / keep_prob
    AL = caches[-1].A
    _, Yr = _check_AL_Y(AL, Y)
    g = backprop.backward(caches, Yr, Ws, _activations(len(Ws)), _BCE, l2=lambd, need_dA0=False)
    return _course_gradients(g, caches)


def backward_propagation(X: Any, Y: Any, cache: Any) -> dict[str, Array]:
    """Backward propagation of :func:`forward_propagation`'s network (no regularisation).

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    Y : array_like with m labels
    cache : tuple
        From :func:`forward_propagation`.

    Returns
    -------
    gradients : dict
        ``dZ{l}, dW{l}, db{l}`` for l = L..1 and ``dA{l}`` for l = L−1..1.
    """
    return _backward_flat(X, Y, cache)


def backward_propagation_with_regularization(
    X: Any, Y: Any, cache: Any, lambd: float
) -> dict[str, Array]:
    """Backward propagation with the L2 term: dW[l] = (1/m) dZ[l] A[l-1]ᵀ + (λ/m) W[l].

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    Y : array_like with m labels
    cache : tuple (Z1, A1, W1, b1, ..., ZL, AL, WL, bL)
        From :func:`forward_propagation`.
    lambd : float
        λ ≥ 0.

    Returns
    -------
    gradients : dict
        ``dZ3, dW3, db3, dA2, dZ2, dW2, db2, dA1, dZ1, dW1, db1`` for L = 3.
    """
    return _backward_flat(X, Y, cache, lambd=check_nonneg_float(lambd, "lambd"))


def _check_keep_prob(keep_prob: Any) -> float:
    return check_fraction(keep_prob, "keep_prob", low_open=True, high_open=False)


def forward_propagation_with_dropout(
    X: Any, parameters: Params, keep_prob: float = 0.5
) -> tuple[Array, FlatCache]:
    """Forward propagation with inverted dropout on every hidden layer.

    ``np.random.seed(1)`` first (as the course), then for each hidden layer
    D[l] = (rand(n[l], m) < keep_prob) and A[l] = relu(Z[l]) ⊙ D[l] / keep_prob;
    the output layer has no dropout.

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    parameters : dict
        ``W1, b1, ..., WL, bL``.
    keep_prob : float in (0, 1], default=0.5

    Returns
    -------
    AL : ndarray of shape (n[L], m)
    cache : tuple (Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL)
        D[l] boolean masks; A[l] after dropout.
    """
    kp = _check_keep_prob(keep_prob)
    X = to_array(X, "X")
    Ws, bs = check_parameters(parameters, n_x=X.shape[0])
    L = len(Ws)
    seed_legacy(1)
    AL, caches = backprop.forward(
        X, Ws, bs, _activations(L), keep_probs=[kp] * (L - 1) + [1.0], rng=LEGACY_RNG
    )
    if kp == 1.0:  # no mask was drawn: every unit kept
        for c in caches[:-1]:
            c.D = np.ones_like(c.Z)
    return AL, _flat(caches, Ws, bs)


# numpydoc like backward_propagation_with_regularization's: course signatures, one doc each
def backward_propagation_with_dropout(
    X: Any, Y: Any, cache: Any, keep_prob: float
) -> dict[str, Array]:
    """Backward propagation with inverted dropout: dA[l] ← dA[l] ⊙ D[l] / keep_prob.

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    Y : array_like with m labels
    cache : tuple (Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL)
        From :func:`forward_propagation_with_dropout`.
    keep_prob : float in (0, 1]
        The same keep_prob as in the forward pass.

    Returns
    -------
    gradients : dict
        ``dZ3, dW3, db3, dA2, dZ2, dW2, db2, dA1, dZ1, dW1, db1`` for L = 3
        (dA[l] after the mask and the 1/keep_prob, as the course).
    """
    return _backward_flat(X, Y, cache, keep_prob=_check_keep_prob(keep_prob))
