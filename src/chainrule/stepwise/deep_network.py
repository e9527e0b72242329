r"""Course 1, week 4: "Building your Deep Neural Network: Step by Step", function by function.

The application that trains these steps (two_layer_model, L_layer_model, predict, the cat
images) is :mod:`chainrule.stepwise.application`.

Every function has the course's name, signature, return values, cache layout
and seeds; the math is the core's (:mod:`chainrule.activations`,
:mod:`chainrule.backprop`, :mod:`chainrule.losses`, :mod:`chainrule.optim`).
Shapes: examples are columns, X is (n[0], m), W[l] is (n[l], n[l-1]), b[l]
is (n[l], 1).  See ``docs/stepwise.md`` for the walk-through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule import backprop
from chainrule._typing import Array, Params
from chainrule.activations import Activation, ReLU, Sigmoid
from chainrule.backprop import LayerCache
from chainrule.initializers import initialize
from chainrule.losses import BinaryCrossEntropy
from chainrule.losses import cost as mean_cost
from chainrule.optim import SGD
from chainrule.stepwise._common import (
    LEGACY_RNG,
    activation_from_name,
    check_dims,
    check_grads_like,
    check_learning_rate,
    check_parameters,
    check_same_shape,
    seed_legacy,
    to_array,
)

if TYPE_CHECKING:
    pass

__all__ = [
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "update_parameters",
]

_RELU = ReLU()
_SIGMOID = Sigmoid()
_BCE = BinaryCrossEntropy()

LinearCache = tuple[Array, Array, Array]
"""(A_prev, W, b) of one layer."""
Cache = tuple[LinearCache, Array]
"""((A_prev, W, b), Z): what linear_activation_forward keeps for the backward step."""


# --------------------------------------------------------------------------------------
# Activations: A = g(Z) with cache = Z, and dZ = dA ⊙ g′(Z)
# --------------------------------------------------------------------------------------


def sigmoid(Z: Any) -> tuple[Array, Array]:
    """A = σ(Z) = 1 / (1 + e^(−Z)), elementwise; cache = Z.

    Parameters
    ----------
    Z : array_like of shape (n[l], m)

    Returns
    -------
    A : ndarray of shape (n[l], m)
    cache : ndarray of shape (n[l], m)
        Z itself, for :func:`sigmoid_backward`.
    """
    Z = to_array(Z, "Z", ndim=None)
    return _SIGMOID.forward(Z), Z


# sigmoid's twin by design: the course has one forward function per activation, each documented
def relu(Z: Any) -> tuple[Array, Array]:
    """A = max(0, Z), elementwise; cache = Z.

    Parameters
    ----------
    Z : array_like of shape (n[l], m)

    Returns
    -------
    A : ndarray of shape (n[l], m)
    cache : ndarray of shape (n[l], m)
        Z itself, for :func:`relu_backward`.
    """
    Z = to_array(Z, "Z", ndim=None)
    return _RELU.forward(Z), Z


def _activation_backward(g: Activation, dA: Any, cache: Any) -> Array:
    dA = to_array(dA, "dA", ndim=None)
    Z = to_array(cache, "cache (Z)", ndim=None)
    check_same_shape(dA, Z, "dA", "cache (Z)")
    # σ′ is written in terms of A = σ(Z), which the course does not cache: recompute it
    return g.backward(dA, Z, g.forward(Z))  # dZ = dA ⊙ g′(Z)


def sigmoid_backward(dA: Any, cache: Any) -> Array:
    """dZ = dA ⊙ σ′(Z) = dA ⊙ σ(Z)(1 − σ(Z)); σ(Z) is recomputed from the cached Z.

    Parameters
    ----------
    dA : array_like of shape (n[l], m)
        ∂L/∂A[l], per example (no 1/m).
    cache : array_like of shape (n[l], m)
        Z[l], as returned by :func:`sigmoid`.

    Returns
    -------
    dZ : ndarray of shape (n[l], m)
    """
    return _activation_backward(_SIGMOID, dA, cache)


def relu_backward(dA: Any, cache: Any) -> Array:
    """dZ = dA ⊙ 1[Z > 0] (the derivative at Z = 0 is taken as 0, as the course).

    Parameters
    ----------
    dA : array_like of shape (n[l], m)
    cache : array_like of shape (n[l], m)
        Z[l], as returned by :func:`relu`.

    Returns
    -------
    dZ : ndarray of shape (n[l], m)
    """
    return _activation_backward(_RELU, dA, cache)


# --------------------------------------------------------------------------------------
# Initialisation (the course's seeds, numpy's legacy global generator)
# --------------------------------------------------------------------------------------


def _as_params(Ws: Sequence[Array], bs: Sequence[Array]) -> Params:
    out: Params = {}
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        out[f"W{l}"] = W
        out[f"b{l}"] = b
    return out


def _seeded_init(layer_dims: list[int], init: str, seed: int | None) -> Params:
    """Seed the legacy generator (the course's ``np.random.seed``) and draw W[1..L] in order."""
    if seed is not None:
        seed_legacy(seed)
    Ws, bs = initialize(layer_dims, init, LEGACY_RNG)
    return _as_params(Ws, bs)


def initialize_parameters(n_x: int, n_h: int, n_y: int) -> Params:
    """The two-layer initialiser: ``np.random.seed(1)``, W = randn · 0.01, b = 0.

    Parameters
    ----------
    n_x, n_h, n_y : int
        Sizes of the input, hidden and output layers.

    Returns
    -------
    parameters : dict
        Exactly ``W1`` (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (n_y, n_h), ``b2`` (n_y, 1).

    Notes
    -----
    Seeds numpy's legacy global generator (a side effect, as in the course).
    """
    dims = check_dims([n_x, n_h, n_y], "[n_x, n_h, n_y]")
    return _seeded_init(dims, "scaled_normal", seed=1)


def initialize_parameters_deep(layer_dims: Sequence[int]) -> Params:
    """The step-by-step L-layer initialiser: ``np.random.seed(3)``, W[l] = randn · 0.01, b = 0.

    W[l] = randn(n[l], n[l-1]) · 0.01 is drawn for l = 1, ..., L in order.

    Parameters
    ----------
    layer_dims : list of int
        [n[0], n[1], ..., n[L]].

    Returns
    -------
    parameters : dict
        Exactly ``W1, b1, ..., WL, bL``; W[l] of shape (n[l], n[l-1]), b[l] of shape (n[l], 1).

    See Also
    --------
    initialize_parameters_deep_app : the application's initialiser (used by L_layer_model).
    """
    return _seeded_init(check_dims(layer_dims), "scaled_normal", seed=3)


# --------------------------------------------------------------------------------------
# Forward propagation
# --------------------------------------------------------------------------------------


def _check_linear(A_prev: Any, W: Any, b: Any, a_name: str = "A_prev") -> LinearCache:
    A = to_array(A_prev, a_name)
    W = to_array(W, "W")
    b = to_array(b, "b", ndim=None)
    if W.shape[1] != A.shape[0]:
        raise ValueError(
            f"W has shape {W.shape} but {a_name} has shape {A.shape}: W must have shape "
            f"(n[l], n[l-1]) with n[l-1] = {a_name}.shape[0] = {A.shape[0]}"
        )
    if b.shape != (W.shape[0], 1):
        raise ValueError(f"b must have shape ({W.shape[0]}, 1) to match W {W.shape}, got {b.shape}")
    return A, W, b


def linear_forward(A: Any, W: Any, b: Any) -> tuple[Array, LinearCache]:
    """Z = W A + b.

    Parameters
    ----------
    A : array_like of shape (n[l-1], m)
        Activations of the previous layer (or X).
    W : array_like of shape (n[l], n[l-1])
    b : array_like of shape (n[l], 1)

    Returns
    -------
    Z : ndarray of shape (n[l], m)
    cache : tuple (A, W, b)
    """
    A, W, b = _check_linear(A, W, b, "A")
    return backprop.linear_forward(A, W, b), (A, W, b)


def linear_activation_forward(A_prev: Any, W: Any, b: Any, activation: str) -> tuple[Array, Cache]:
    """A = g(W A_prev + b) with g = relu or sigmoid.

    Parameters
    ----------
    A_prev : array_like of shape (n[l-1], m)
    W : array_like of shape (n[l], n[l-1])
    b : array_like of shape (n[l], 1)
    activation : {"relu", "sigmoid"}

    Returns
    -------
    A : ndarray of shape (n[l], m)
    cache : tuple ((A_prev, W, b), Z)
        The linear cache and the activation cache Z.
    """
    g = activation_from_name(activation)
    A_prev, W, b = _check_linear(A_prev, W, b)
    Z = backprop.linear_forward(A_prev, W, b)  # Z = W A_prev + b
    return g.forward(Z), ((A_prev, W, b), Z)  # A = g(Z)


def _activations(L: int) -> list[Activation]:
    """[LINEAR→RELU] × (L−1) → LINEAR→SIGMOID."""
    return [_RELU] * (L - 1) + [_SIGMOID]


def _forward(X: Array, Ws: list[Array], bs: list[Array]) -> tuple[Array, list[LayerCache]]:
    return backprop.forward(X, Ws, bs, _activations(len(Ws)))


def _course_caches(caches: list[LayerCache], Ws: list[Array], bs: list[Array]) -> list[Cache]:
    return [((c.A_prev, W, b), c.Z) for c, W, b in zip(caches, Ws, bs, strict=True)]


def L_model_forward(X: Any, parameters: Params) -> tuple[Array, list[Cache]]:
    """[LINEAR → RELU] × (L−1) → LINEAR → SIGMOID, with L = len(parameters) // 2.

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    parameters : dict
        ``W1, b1, ..., WL, bL``.

    Returns
    -------
    AL : ndarray of shape (n[L], m)
        σ(Z[L]), the predicted probabilities.
    caches : list of L tuples ((A_prev, W, b), Z)
        One per layer, layer 1 first.
    """
    X = to_array(X, "X")
    Ws, bs = check_parameters(parameters, n_x=X.shape[0])
    AL, caches = _forward(X, Ws, bs)
    return AL, _course_caches(caches, Ws, bs)


# --------------------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------------------


def _check_AL_Y(AL: Any, Y: Any, *, probabilities: bool = True) -> tuple[Array, Array]:
    AL = to_array(AL, "AL")
    Y = to_array(Y, "Y", ndim=None)
    if Y.size != AL.size:
        raise ValueError(
            f"AL and Y must hold one value per example: AL has shape {AL.shape} "
            f"({AL.size} values), Y has shape {Y.shape} ({Y.size} values)"
        )
    if probabilities and ((AL < 0) | (AL > 1)).any():
        raise ValueError(
            "AL must hold probabilities in [0, 1] (the sigmoid output A[L]); "
            f"found values in [{AL.min():g}, {AL.max():g}]"
        )
    return AL, Y.reshape(AL.shape)


def _cost(AL: Array, Y: Array) -> np.float64:
    return np.float64(mean_cost(_BCE.per_example(AL, Y)))  # J = (1/m) Σᵢ L⁽ⁱ⁾


def compute_cost(AL: Any, Y: Any) -> np.float64:
    """J = −(1/m) Σᵢ [y⁽ⁱ⁾ log a⁽ⁱ⁾ + (1 − y⁽ⁱ⁾) log(1 − a⁽ⁱ⁾)].

    The per-example loss L(a, y) = −[y log a + (1 − y) log(1 − a)] is
    :meth:`chainrule.losses.BinaryCrossEntropy.per_example`; J is its mean
    (:func:`chainrule.losses.cost`).  A of exactly 0 or 1 is guarded (log a
    uses max(a, tiny), log(1 − a) uses min(a, 1 − ε/2)), so the cost stays
    finite where the course's formula gives inf or nan; every other
    probability keeps its exact value.

    Parameters
    ----------
    AL : array_like of shape (1, m)
        Probabilities in [0, 1].
    Y : array_like of shape (1, m)
        Labels (any shape with m entries; it is reshaped to AL's).

    Returns
    -------
    cost : numpy.float64
        The scalar J (a 0-d value: ``cost.shape == ()``).
    """
    AL, Y = _check_AL_Y(AL, Y)
    return _cost(AL, Y)


# --------------------------------------------------------------------------------------
# Backward propagation
# --------------------------------------------------------------------------------------


def _unpack_linear_cache(cache: Any, name: str = "cache") -> LinearCache:
    if not isinstance(cache, (tuple, list)) or len(cache) != 3:
        raise TypeError(
            f"{name} must be the tuple (A_prev, W, b) from linear_forward, got "
            f"{type(cache).__name__}"
            + (f" of length {len(cache)}" if hasattr(cache, "__len__") else "")
        )
    A_prev, W, b = cache
    return _check_linear(A_prev, W, b, a_name="A_prev")


def _check_dZ(dZ: Any, A_prev: Array, W: Array, name: str = "dZ") -> Array:
    dZ = to_array(dZ, name)
    expected = (W.shape[0], A_prev.shape[1])
    if dZ.shape != expected:
        raise ValueError(
            f"{name} must have shape (n[l], m) = {expected} (rows of W, columns of A_prev), "
            f"got {dZ.shape}"
        )
    return dZ


def linear_backward(dZ: Any, cache: Any) -> tuple[Array, Array, Array]:
    """Backward step of Z = W A_prev + b.

    dW = (1/m) dZ A_prevᵀ,   db = (1/m) Σ_columns dZ (keepdims),   dA_prev = Wᵀ dZ.

    The 1/m enters here, because dZ is per example (∂L/∂Z, the course's
    convention); dA_prev carries no 1/m (:func:`chainrule.backprop.linear_backward`
    with ``scale = 1/m``).

    Parameters
    ----------
    dZ : array_like of shape (n[l], m)
    cache : tuple (A_prev, W, b)
        A_prev (n[l-1], m), W (n[l], n[l-1]), b (n[l], 1).

    Returns
    -------
    dA_prev : ndarray of shape (n[l-1], m)
    dW : ndarray of shape (n[l], n[l-1])
    db : ndarray of shape (n[l], 1)
    """
    A_prev, W, _ = _unpack_linear_cache(cache)
    return _linear_backward(_check_dZ(dZ, A_prev, W), A_prev, W)


def _linear_backward(dZ: Array, A_prev: Array, W: Array) -> tuple[Array, Array, Array]:
    # scale = 1/m: dZ is per example, so the 1/m of J enters here
    scale = backprop.batch_scale(A_prev.shape[1])
    dA_prev, dW, db = backprop.linear_backward(dZ, A_prev, W, scale)
    assert dA_prev is not None
    return dA_prev, dW, db


def _unpack_cache(cache: Any, name: str = "cache") -> tuple[LinearCache, Array]:
    if not isinstance(cache, (tuple, list)) or len(cache) != 2:
        raise TypeError(
            f"{name} must be the tuple ((A_prev, W, b), Z) from linear_activation_forward, "
            f"got {type(cache).__name__}"
            + (f" of length {len(cache)}" if hasattr(cache, "__len__") else "")
        )
    A_prev, W, b = _unpack_linear_cache(cache[0], f"{name}[0]")
    Z = _check_dZ(cache[1], A_prev, W, f"{name}[1] (Z)")
    return (A_prev, W, b), Z


def linear_activation_backward(dA: Any, cache: Any, activation: str) -> tuple[Array, Array, Array]:
    """dZ = dA ⊙ g′(Z), then :func:`linear_backward`.

    Parameters
    ----------
    dA : array_like of shape (n[l], m)
        ∂L/∂A[l], per example.
    cache : tuple ((A_prev, W, b), Z)
        From :func:`linear_activation_forward`.
    activation : {"relu", "sigmoid"}

    Returns
    -------
    dA_prev : ndarray of shape (n[l-1], m)
    dW : ndarray of shape (n[l], n[l-1])
    db : ndarray of shape (n[l], 1)
    """
    g = activation_from_name(activation)
    (A_prev, W, _), Z = _unpack_cache(cache)
    dZ = _activation_backward(g, dA, Z)  # dZ = dA ⊙ g′(Z)
    return _linear_backward(dZ, A_prev, W)


def _backward(
    AL: Array, Y: Array, caches: list[LayerCache], Ws: list[Array], *, need_dA0: bool = True
) -> backprop.Gradients:
    # The course's path: dA[L] = −(Y/AL − (1−Y)/(1−AL)) (BinaryCrossEntropy.dA, no 1/m),
    # dZ[L] = dA[L] ⊙ σ′(Z[L]) — not the fused A − Y — then the 1/m in linear_backward.
    return backprop.backward(
        caches,
        Y,
        Ws,
        _activations(len(Ws)),
        _BCE,
        convention="course",
        fused=False,
        need_dA0=need_dA0,
    )


def _layer_caches(caches: Any, AL: Array) -> tuple[list[LayerCache], list[Array]]:
    """Check the course's caches and turn them into the core's LayerCache list."""
    if not isinstance(caches, (list, tuple)) or len(caches) == 0:
        raise TypeError(
            "caches must be the list (or tuple) of per-layer caches from L_model_forward, "
            f"got {type(caches).__name__}"
            + (" (empty)" if isinstance(caches, (list, tuple)) else "")
        )
    L = len(caches)
    unpacked = [_unpack_cache(c, f"caches[{i}]") for i, c in enumerate(caches)]
    for l in range(1, L):
        Z_below = unpacked[l - 1][1]
        A_prev = unpacked[l][0][0]
        if A_prev.shape != Z_below.shape:
            raise ValueError(
                f"caches[{l}] holds A_prev of shape {A_prev.shape} but caches[{l - 1}] holds "
                f"Z of shape {Z_below.shape}: the caches are not consecutive layers"
            )
    ZL = unpacked[-1][1]
    if AL.shape != ZL.shape:
        raise ValueError(
            f"AL has shape {AL.shape} but the last cache's Z has shape {ZL.shape}: "
            "AL must be the output of the same forward pass"
        )
    layer_caches = []
    for l, ((A_prev, _, _), Z) in enumerate(unpacked):
        # A[l] is the next layer's A_prev (A[L] is AL); ReLU's backward reads Z only.
        A = unpacked[l + 1][0][0] if l + 1 < L else AL
        layer_caches.append(LayerCache(A_prev=A_prev, Z=Z, A=A))
    return layer_caches, [W for (_, W, _), _ in unpacked]


def L_model_backward(AL: Any, Y: Any, caches: Sequence[Cache]) -> dict[str, Array]:
    """Backward propagation through [LINEAR → RELU] × (L−1) → LINEAR → SIGMOID.

    Starts, as the course does, from the per-example
    dA[L] = ∂L/∂A[L] = −(Y/AL − (1 − Y)/(1 − AL)) (no 1/m), goes through
    σ′ and then [relu′ and linear_backward] layer by layer; the 1/m enters in
    each dW[l], db[l] (:func:`linear_backward`).

    Parameters
    ----------
    AL : array_like of shape (1, m)
        Output of :func:`L_model_forward`.
    Y : array_like with m entries
        Labels; reshaped to AL's shape.
    caches : list or tuple of L caches ((A_prev, W, b), Z)
        From :func:`L_model_forward`.

    Returns
    -------
    grads : dict
        Exactly ``dA0, ..., dA{L-1}`` (dA[l] of shape (n[l], m), per example),
        ``dW1, ..., dWL`` and ``db1, ..., dbL`` (∂J/∂W[l], ∂J/∂b[l]).
    """
    # dAL = −(Y/AL − (1−Y)/(1−AL)) is defined for any AL but 0 and 1, and the
    # notebook's own test case feeds AL = randn values (1.79, 0.44): accept them.
    AL, Y = _check_AL_Y(AL, Y, probabilities=False)
    layer_caches, Ws = _layer_caches(caches, AL)
    L = len(Ws)
    # The course's loop, on the core's pieces.  dAL is ∂L/∂A[L] per example (no 1/m);
    # each layer's g′ comes from its cached Z (as the course's sigmoid_backward does),
    # so the result is the course's even when AL is not σ(Z[L]) (its own test case).
    grads: dict[str, Array] = {}
    dA = _BCE.dA(AL, Y)  # dAL = −(Y/AL − (1−Y)/(1−AL))
    for l in range(L, 0, -1):
        cache = layer_caches[l - 1]
        dZ = _activation_backward(_SIGMOID if l == L else _RELU, dA, cache.Z)  # dA ⊙ g′(Z)
        dA, grads[f"dW{l}"], grads[f"db{l}"] = _linear_backward(dZ, cache.A_prev, Ws[l - 1])
        grads[f"dA{l - 1}"] = dA
    return {k: grads[k] for l in range(L, 0, -1) for k in (f"dA{l - 1}", f"dW{l}", f"db{l}")}


# --------------------------------------------------------------------------------------
# Update
# --------------------------------------------------------------------------------------


def update_parameters(params: Params, grads: dict[str, Any], learning_rate: float) -> Params:
    """One step of gradient descent: W[l] ← W[l] − α dW[l], b[l] ← b[l] − α db[l].

    Parameters
    ----------
    params : dict
        ``W1, b1, ..., WL, bL``.
    grads : dict
        Must hold ``dW1, db1, ..., dWL, dbL`` (other keys, e.g. dA[l], are ignored).
    learning_rate : float
        α ≥ 0.

    Returns
    -------
    parameters : dict
        A **new** dict of new arrays; ``params`` and its arrays are left unchanged.
    """
    lr = check_learning_rate(learning_rate)
    Ws, bs = check_parameters(params, "params", chain=False)
    dWs, dbs = check_grads_like(grads, Ws, bs)
    new_Ws, new_bs = [W.copy() for W in Ws], [b.copy() for b in bs]
    _sgd_step(new_Ws, new_bs, dWs, dbs, lr)
    return _as_params(new_Ws, new_bs)


def _sgd_step(
    Ws: list[Array], bs: list[Array], dWs: list[Array], dbs: list[Array], lr: float
) -> None:
    """θ ← θ − α g in place (:meth:`chainrule.optim.SGD.update`, array by array)."""
    opt = SGD()
    for p, g in zip([*Ws, *bs], [*dWs, *dbs], strict=True):
        opt.update(opt.init_state(p), p, g, p.dtype.type(lr))
