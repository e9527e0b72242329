r"""Weight initialisers.  Biases always start at zero.

Every initialiser draws W[l] of shape (n[l], n[l-1]) for l = 1..L **in that
order** from one :class:`numpy.random.Generator`, in float64, then casts to
the network's dtype, so a float32 network starts from the same numbers
(rounded) as its float64 twin and the same seed always gives the same weights.

==================  =============================================  ==========================
name                W[l] ~                                          known as
==================  =============================================  ==========================
``zeros``           0                                               (breaks symmetry: never)
``scaled_normal``   N(0, 1) × 0.01                                  the course's step-by-step
``large_normal``    N(0, 1) × 10                                    the course's "random" demo
``normal``          N(0, 1)                                         Nielsen's large init
``lecun``           N(0, 1) / √n[l-1]                               the course's application,
                                                                    Nielsen's default
``xavier``          N(0, 1) × √(1/n[l-1])                           the course's "Xavier"
``glorot_normal``   N(0, 2/(n[l-1] + n[l]))                         Glorot & Bengio (2010)
``glorot_uniform``  U(±√(6/(n[l-1] + n[l])))                        Glorot & Bengio (2010)
``he``              N(0, 1) × √(2/n[l-1])                           He et al. (2015)
==================  =============================================  ==========================

``auto`` picks ``he`` for layers with a ReLU-family activation and
``glorot_uniform`` otherwise.  (``xavier`` is the course's scaling, which
equals ``lecun``; Glorot's own variants are the ``glorot_*`` names.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chainrule._typing import Array
from chainrule._validation import check_choice

__all__ = ["INITIALIZERS", "initialize", "resolve_rng"]

Init = Callable[[int, int, np.random.Generator], Array]


def _zeros(n_out: int, n_in: int, rng: np.random.Generator) -> Array:
    return np.zeros((n_out, n_in))


def _scaled(scale: float) -> Init:
    def init(n_out: int, n_in: int, rng: np.random.Generator) -> Array:
        return rng.standard_normal((n_out, n_in)) * scale

    return init


def _lecun(n_out: int, n_in: int, rng: np.random.Generator) -> Array:
    return rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)


def _he(n_out: int, n_in: int, rng: np.random.Generator) -> Array:
    return rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)


def _glorot_normal(n_out: int, n_in: int, rng: np.random.Generator) -> Array:
    return rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / (n_in + n_out))


def _glorot_uniform(n_out: int, n_in: int, rng: np.random.Generator) -> Array:
    bound = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-bound, bound, size=(n_out, n_in))


INITIALIZERS: dict[str, Init] = {
    "zeros": _zeros,
    "scaled_normal": _scaled(0.01),
    "large_normal": _scaled(10.0),
    "normal": _scaled(1.0),
    "lecun": _lecun,
    "xavier": _lecun,
    "glorot_normal": _glorot_normal,
    "glorot_uniform": _glorot_uniform,
    "he": _he,
}
"""Every initialiser by name (plus ``"auto"``, resolved per layer)."""

_RELU_FAMILY = {"relu", "leaky_relu"}


def resolve_rng(seed: int | np.random.Generator | None, name: str = "seed") -> np.random.Generator:
    """Return a Generator from a seed, an existing Generator, or ``None`` (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be an int, a numpy Generator or None, got {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {seed}")
    return np.random.default_rng(int(seed))


def initialize(
    layer_dims: list[int],
    init: str | list[str],
    rng: np.random.Generator,
    dtype: np.dtype | type = np.float64,
    activations: list[str] | None = None,
) -> tuple[list[Array], list[Array]]:
    """Draw W[1..L] (in order) and zero biases b[1..L].

    Parameters
    ----------
    layer_dims : list of int
        [n[0], n[1], ..., n[L]].
    init : str or list of str
        One name for every layer, or one per layer (length L).
    rng : numpy.random.Generator
        The only source of randomness.
    dtype : float64 or float32
    activations : list of str, optional
        Activation names per layer, used by ``init="auto"``.

    Returns
    -------
    Ws : list of ndarray, W[l] of shape (n[l], n[l-1])
    bs : list of ndarray, b[l] of shape (n[l], 1)
    """
    L = len(layer_dims) - 1
    names = [init] * L if isinstance(init, str) else list(init)
    if len(names) != L:
        raise ValueError(f"init must be one name or {L} names (one per layer), got {len(names)}")
    Ws, bs = [], []
    for l in range(1, L + 1):
        name = names[l - 1]
        if name == "auto":
            act = activations[l - 1] if activations else "relu"
            name = "he" if act in _RELU_FAMILY else "glorot_uniform"
        check_choice(name, set(INITIALIZERS) | {"auto"}, "init")
        W = INITIALIZERS[name](layer_dims[l], layer_dims[l - 1], rng)
        Ws.append(np.asarray(W, dtype=dtype))
        bs.append(np.zeros((layer_dims[l], 1), dtype=dtype))
    return Ws, bs
