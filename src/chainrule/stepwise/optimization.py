r"""Course 2, week 2, "Optimization Methods": mini-batches, momentum, Adam, learning-rate decay.

The optimizer state lives in the course's dicts keyed like the gradients
(``v["dW1"]``, ``s["db2"]``, ...); the updates are :class:`chainrule.optim.SGD`,
:class:`chainrule.optim.Momentum` and :class:`chainrule.optim.Adam`, and the
decays :class:`chainrule.optim.Schedule`:

=====================================  =============================================
momentum                               v ← β v + (1 − β) dW;  W ← W − α v
Adam (t = 1, 2, ...)                   v ← β₁ v + (1 − β₁) dW;  s ← β₂ s + (1 − β₂) dW²
                                       v̂ = v / (1 − β₁ᵗ);  ŝ = s / (1 − β₂ᵗ)
                                       W ← W − α v̂ / (√ŝ + ε)
``update_lr``                          α = α₀ / (1 + decay_rate · epoch_num)
``schedule_lr_decay``                  α = α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋)
=====================================  =============================================

Unlike the notebook's functions, these never modify their arguments: each
returns new dicts of new arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule._typing import Array, Params
from chainrule._validation import check_nonneg_float, check_positive_int
from chainrule.optim import Adam, Momentum, Optimizer, Schedule
from chainrule.stepwise._common import (
    LEGACY_RNG,
    check_grads_like,
    check_learning_rate,
    check_parameters,
    seed_legacy,
    to_array,
)
from chainrule.stepwise.deep_network import _as_params, update_parameters

__all__ = [
    "initialize_adam",
    "initialize_velocity",
    "random_mini_batches",
    "schedule_lr_decay",
    "update_lr",
    "update_parameters_with_adam",
    "update_parameters_with_gd",
    "update_parameters_with_momentum",
]


def update_parameters_with_gd(
    parameters: Params, grads: dict[str, Any], learning_rate: float
) -> Params:
    """One step of gradient descent, W ← W − α dW (the same as :func:`update_parameters`).

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.
    grads : dict
        ``dW1, db1, ..., dWL, dbL``.
    learning_rate : float

    Returns
    -------
    parameters : dict
        New arrays; the input is not modified.
    """
    return update_parameters(parameters, grads, learning_rate)


def random_mini_batches(
    X: Any, Y: Any, mini_batch_size: int = 64, seed: int = 0
) -> list[tuple[Array, Array]]:
    """Shuffle the columns of (X, Y) and cut them into mini-batches.

    ``np.random.seed(seed)``, then one permutation ``np.random.permutation(m)``
    of the examples; batches of ``mini_batch_size`` columns, the last one
    smaller when m is not a multiple.

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    Y : array_like of shape (1, m)
    mini_batch_size : int, default=64
    seed : int, default=0

    Returns
    -------
    mini_batches : list of (mini_batch_X, mini_batch_Y)
        ``mini_batch_X`` of shape (n[0], k), ``mini_batch_Y`` of shape (1, k).
    """
    X = to_array(X, "X")
    Y = to_array(Y, "Y", ndim=None)
    m = X.shape[1]
    if Y.size != m:
        raise ValueError(f"Y must hold one label per column of X ({m}), got shape {Y.shape}")
    size = check_positive_int(mini_batch_size, "mini_batch_size")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    seed_legacy(int(seed))
    permutation = LEGACY_RNG.permutation(m)
    shuffled_X = X[:, permutation]
    shuffled_Y = Y.reshape(1, m)[:, permutation]
    return [(shuffled_X[:, k : k + size], shuffled_Y[:, k : k + size]) for k in range(0, m, size)]


def _zeros_like_grads(parameters: Params) -> dict[str, Array]:
    Ws, bs = check_parameters(parameters, chain=False)
    out: dict[str, Array] = {}
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        out[f"dW{l}"] = np.zeros_like(W)
        out[f"db{l}"] = np.zeros_like(b)
    return out


# numpydoc like gradient_checking.dictionary_to_vector's (a parameters dict in): one doc each
def initialize_velocity(parameters: Params) -> dict[str, Array]:
    """v = 0 for every parameter, keyed ``dW1, db1, ..., dWL, dbL``.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.

    Returns
    -------
    v : dict
        Zeros of the parameters' shapes.
    """
    return _zeros_like_grads(parameters)


def initialize_adam(parameters: Params) -> tuple[dict[str, Array], dict[str, Array]]:
    """v = 0 and s = 0 for every parameter, keyed ``dW1, db1, ..., dWL, dbL``.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.

    Returns
    -------
    v, s : dicts
        Zeros of the parameters' shapes.
    """
    return _zeros_like_grads(parameters), _zeros_like_grads(parameters)


def _state(state: Any, Ws: list[Array], bs: list[Array], name: str) -> list[Array]:
    """Copies of state["dW1"], ..., state["dWL"], state["db1"], ..., state["dbL"], checked."""
    sW, sb = check_grads_like(state, Ws, bs, name)
    return [a.copy() for a in (*sW, *sb)]


def _step(
    opt: Optimizer,
    Ws: list[Array],
    bs: list[Array],
    grads: Any,
    slots: list[list[Array]],
    learning_rate: float,
    t: int = 0,
) -> Params:
    """One core optimizer step, on the parameters laid out as one flat vector θ.

    ``slots[k]`` is the optimizer's k-th state array for each parameter, in the
    order W1..WL, b1..bL (momentum: [v]; Adam: [v, s]); they are updated in
    place.  ``t`` is the step count before this step.  The core's updates are
    elementwise, so the flat layout gives the numbers of a per-array update.
    """
    dWs, dbs = check_grads_like(grads, Ws, bs)
    arrays = [*Ws, *bs]
    theta = np.concatenate([a.ravel() for a in arrays])
    g = np.concatenate([d.ravel() for d in (*dWs, *dbs)])
    flat_slots = [np.concatenate([a.ravel() for a in slot]) for slot in slots]
    opt.state = type(opt.init_state(theta))(t, *flat_slots)  # e.g. AdamState(t, m, v)
    opt.step(theta, g, learning_rate)
    ends = np.cumsum([a.size for a in arrays])
    new = [theta[e - a.size : e].reshape(a.shape) for a, e in zip(arrays, ends, strict=True)]
    for slot, flat in zip(slots, flat_slots, strict=True):
        for a, e in zip(slot, ends, strict=True):
            a[...] = flat[e - a.size : e].reshape(a.shape)
    L = len(Ws)
    return _as_params(new[:L], new[L:])


def _as_state(arrays: list[Array], L: int) -> dict[str, Array]:
    out: dict[str, Array] = {}
    for l in range(1, L + 1):
        out[f"dW{l}"] = arrays[l - 1]
        out[f"db{l}"] = arrays[L + l - 1]
    return out


def update_parameters_with_momentum(
    parameters: Params, grads: dict[str, Any], v: dict[str, Any], beta: float, learning_rate: float
) -> tuple[Params, dict[str, Array]]:
    """One momentum step: v ← β v + (1 − β) dW;  W ← W − α v (and likewise for b).

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.
    grads : dict
        ``dW1, db1, ..., dWL, dbL``.
    v : dict
        The velocity, keyed like ``grads`` (from :func:`initialize_velocity`).
    beta : float
        β in [0, 1).
    learning_rate : float
        α.

    Returns
    -------
    parameters : dict
        Updated (new arrays).
    v : dict
        Updated velocity (new arrays).
    """
    lr = check_learning_rate(learning_rate)
    opt = Momentum(beta)
    Ws, bs = check_parameters(parameters, chain=False)
    v_new = _state(v, Ws, bs, "v")
    new_params = _step(opt, Ws, bs, grads, [v_new], lr)
    return new_params, _as_state(v_new, len(Ws))


def update_parameters_with_adam(
    parameters: Params,
    grads: dict[str, Any],
    v: dict[str, Any],
    s: dict[str, Any],
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[Params, dict[str, Array], dict[str, Array], dict[str, Array], dict[str, Array]]:
    """One Adam step (Kingma & Ba, Algorithm 1, with bias correction), as the course.

    v ← β₁ v + (1 − β₁) dW,  s ← β₂ s + (1 − β₂) dW²,
    v̂ = v / (1 − β₁ᵗ),  ŝ = s / (1 − β₂ᵗ),  W ← W − α v̂ / (√ŝ + ε).

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.
    grads : dict
        ``dW1, db1, ..., dWL, dbL``.
    v, s : dicts
        First and second moment estimates, keyed like ``grads`` (from :func:`initialize_adam`).
    t : int
        The step number, 1 for the first update (the bias corrections use it).
    learning_rate : float, default=0.01
    beta1 : float, default=0.9
    beta2 : float, default=0.999
    epsilon : float, default=1e-8

    Returns
    -------
    parameters : dict
        Updated (new arrays).
    v, s : dicts
        Updated moments (new arrays).
    v_corrected, s_corrected : dicts
        v / (1 − β₁ᵗ) and s / (1 − β₂ᵗ).
    """
    lr = check_learning_rate(learning_rate)
    t = check_positive_int(t, "t")
    opt = Adam(beta1, beta2, epsilon)
    Ws, bs = check_parameters(parameters, chain=False)
    L = len(Ws)
    v_flat = _state(v, Ws, bs, "v")
    s_flat = _state(s, Ws, bs, "s")
    new_params = _step(opt, Ws, bs, grads, [v_flat, s_flat], lr, t=t - 1)
    v_new = _as_state(v_flat, L)
    s_new = _as_state(s_flat, L)
    # The bias corrections the core applies inside Adam.update, returned as the course does.
    c1 = 1.0 - math.pow(opt.beta1, t)
    c2 = 1.0 - math.pow(opt.beta2, t)
    v_corrected = {k: a / c1 for k, a in v_new.items()}
    s_corrected = {k: a / c2 for k, a in s_new.items()}
    return new_params, v_new, s_new, v_corrected, s_corrected


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """α = α₀ / (1 + decay_rate · epoch_num)  (:class:`chainrule.optim.Schedule`, inverse_time).

    Parameters
    ----------
    learning_rate0 : float
        α₀ > 0.
    epoch_num : int
        The epoch, from 0.
    decay_rate : float
        ≥ 0.

    Returns
    -------
    float
    """
    return Schedule(learning_rate0, "inverse_time", decay_rate)(_epoch(epoch_num))


# numpydoc like update_lr's: the course's two decay functions take the same parameters
def schedule_lr_decay(
    learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
) -> float:
    """α = α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋)  (Schedule, stepwise).

    Parameters
    ----------
    learning_rate0 : float
        α₀ > 0.
    epoch_num : int
        The epoch, from 0.
    decay_rate : float
        ≥ 0.
    time_interval : int, default=1000
        Epochs between two decays.

    Returns
    -------
    float
    """
    return Schedule(learning_rate0, "stepwise", decay_rate, time_interval)(_epoch(epoch_num))


def _epoch(epoch_num: Any) -> int:
    if isinstance(epoch_num, bool) or not isinstance(epoch_num, (int, np.integer)):
        raise TypeError(f"epoch_num must be an integer >= 0, got {epoch_num!r}")
    return int(check_nonneg_float(int(epoch_num), "epoch_num"))
