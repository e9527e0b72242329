"""The reference implementation in pieces that a mistake can replace, and the course's
functions written from those pieces (the bodies that the mutations of
:data:`~chainrule.stepwise.checking.CATALOGUE` run).

:data:`PIECES` maps a piece's name (``"dW"``, ``"one_over_m"``, ``"relu_backward"`` ...) to
the right formula; each ``_v_*`` function is one course function written with ``P[name]``
wherever a classic mistake can slip in, so that ``{**PIECES, **mistake.mutation}`` is the
learner's function with that mistake.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from chainrule._typing import Array, Params
from chainrule.activations import ReLU, Sigmoid
from chainrule.losses import BinaryCrossEntropy
from chainrule.stepwise import deep_network as dn
from chainrule.stepwise import gradient_checking as gc

_RELU = ReLU()
_SIGMOID = Sigmoid()
_BCE = BinaryCrossEntropy()


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


# update_parameters_with_adam's signature plus P: the variant is called in the reference's place
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
