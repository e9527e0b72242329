"""What every part of :mod:`chainrule.stepwise` shares: the course's random source,
its dict layouts, and the checks that turn a learner's mistake into a clear error.

Nothing here computes a formula; the math is in :mod:`chainrule.backprop`,
:mod:`chainrule.activations`, :mod:`chainrule.losses` and :mod:`chainrule.optim`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import numpy as np

from chainrule._typing import Array, Params
from chainrule._validation import as_float_array, check_layer_dims, check_nonneg_float
from chainrule.activations import Activation, ReLU, Sigmoid

__all__ = [
    "ACTIVATION_NAMES",
    "LEGACY_RNG",
    "activation_from_name",
    "check_dims",
    "check_grads_like",
    "check_learning_rate",
    "check_parameters",
    "check_same_shape",
    "layer_count",
    "params_to_lists",
    "seed_legacy",
    "to_array",
]

ACTIVATION_NAMES = ("relu", "sigmoid")
"""The activation names the course's ``activation`` argument accepts."""

_ACTIVATIONS: dict[str, Activation] = {"relu": ReLU(), "sigmoid": Sigmoid()}


class _LegacyGlobalRNG:  # the legacy calls below are the point of this class
    """numpy's **legacy global** generator, seen through the Generator methods the core calls.

    The course seeds ``np.random.seed(s)`` and draws with ``np.random.randn``
    and ``np.random.rand``; its published numbers depend on exactly that
    stream.  :func:`chainrule.initializers.initialize` and
    :func:`chainrule.backprop.forward` draw from a ``numpy.random.Generator``
    through ``standard_normal(shape)``, ``uniform(...)``, ``random(shape,
    dtype=...)`` and ``permutation(m)``; this object answers those calls from
    the legacy global state (``np.random.standard_normal(shape)`` is the very
    stream of ``np.random.randn(*shape)``, ``np.random.random_sample(shape)``
    that of ``np.random.rand(*shape)``), so the core draws the course's numbers
    and no formula is written twice.  Used only inside :mod:`chainrule.stepwise`,
    where the legacy generator is part of the course's contract.
    """

    def standard_normal(self, size: Any = None) -> Array:
        return np.asarray(np.random.standard_normal(size), dtype=np.float64)  # noqa: NPY002

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None) -> Array:
        return np.asarray(np.random.uniform(low, high, size), dtype=np.float64)  # noqa: NPY002

    def random(self, size: Any = None, dtype: Any = np.float64) -> Array:
        return np.asarray(np.random.random_sample(size), dtype=dtype)  # noqa: NPY002

    def permutation(self, x: Any) -> Any:
        return np.random.permutation(x)  # noqa: NPY002

    def __repr__(self) -> str:
        return "<numpy legacy global generator (np.random.seed / randn / rand)>"


LEGACY_RNG = cast(np.random.Generator, _LegacyGlobalRNG())
"""The course's random source, typed as the Generator the core expects."""


def seed_legacy(seed: int) -> None:
    """``np.random.seed(seed)``: the course's seeding of the legacy global generator."""
    np.random.seed(seed)  # noqa: NPY002 - the course's contract, documented above


def to_array(x: Any, name: str, *, ndim: int | None = 2) -> Array:
    """A finite float array (float64 unless already float32), or a clear error naming ``name``."""
    return as_float_array(x, name, ndim=ndim)


def check_same_shape(a: Array, b: Array, name_a: str, name_b: str) -> None:
    """Raise ValueError unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {name_a} {a.shape} "
            f"and {name_b} {b.shape}"
        )


def activation_from_name(activation: Any) -> Activation:
    """The core Activation for the course's ``"relu"`` / ``"sigmoid"``; else a clear error."""
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a string, 'relu' or 'sigmoid'; got {activation!r}")
    if activation not in _ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}: the course's layers use 'relu' or 'sigmoid'"
        )
    return _ACTIVATIONS[activation]


def check_learning_rate(learning_rate: Any, name: str = "learning_rate") -> float:
    """A finite real number ≥ 0."""
    return check_nonneg_float(learning_rate, name)


def layer_count(parameters: Any, name: str = "parameters") -> int:
    """The number of layers L of a course parameter dict.

    The course counts L = len(parameters) // 2; that is the answer for every
    well-formed dict.  For a broken one the largest l of a ``W{l}`` / ``b{l}``
    key is used instead, so that the error names the key that is missing
    rather than a miscounted layer.
    """
    if not isinstance(parameters, Mapping):
        raise TypeError(
            f"{name} must be a dict {{'W1': ..., 'b1': ..., ...}}, got {type(parameters).__name__}"
        )
    indices = [
        int(k[1:]) for k in parameters if isinstance(k, str) and k[:1] in "Wb" and k[1:].isdigit()
    ]
    L = max(indices, default=len(parameters) // 2)
    if L < 1:
        raise ValueError(
            f"{name} must hold at least W1 and b1, got keys {sorted(map(str, parameters))}"
        )
    return L


def check_parameters(
    parameters: Any, name: str = "parameters", n_x: int | None = None, *, chain: bool = True
) -> tuple[list[Array], list[Array]]:
    """Check the course's ``{"W1", "b1", ..., "WL", "bL"}`` dict and return its W and b lists.

    L = len(parameters) // 2 as in the course; every key W1..WL, b1..bL must
    be there and no other, W[l] must be 2-D, b[l] must have shape (n[l], 1)
    with n[l] = W[l].shape[0], and, with ``chain`` (for a forward pass),
    W[l].shape[1] = n[l-1] = W[l-1].shape[0] (``n_x`` for layer 1 when given).
    Updates, which work entry by entry, pass ``chain=False``.

    Returns
    -------
    Ws, bs : lists of L arrays (float64 unless float32 was given)
    """
    L = layer_count(parameters, name)
    expected = [f"{k}{l}" for l in range(1, L + 1) for k in ("W", "b")]
    missing = [k for k in expected if k not in parameters]
    extra = sorted(str(k) for k in parameters if k not in set(expected))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"is missing {', '.join(repr(k) for k in missing)}")
        if extra:
            parts.append(f"has unexpected keys {', '.join(repr(k) for k in extra)}")
        raise ValueError(
            f"{name} {' and '.join(parts)}: a {L}-layer network's dict holds exactly "
            f"W1, b1, ..., W{L}, b{L}"
        )
    Ws: list[Array] = []
    bs: list[Array] = []
    n_prev = n_x
    for l in range(1, L + 1):
        W = to_array(parameters[f"W{l}"], f"{name}['W{l}']")
        n_l = W.shape[0]
        if chain and n_prev is not None and W.shape[1] != n_prev:
            below = "the input X has" if l == 1 else f"W{l - 1} has"
            raise ValueError(
                f"{name}['W{l}'] has shape {W.shape} but {below} {n_prev} rows: "
                f"W{l} must have shape (n[{l}], {n_prev})"
            )
        b = to_array(parameters[f"b{l}"], f"{name}['b{l}']", ndim=None)
        if b.shape != (n_l, 1):
            raise ValueError(
                f"{name}['b{l}'] must have shape ({n_l}, 1) to match W{l} {W.shape}, got {b.shape}"
            )
        Ws.append(W)
        bs.append(b)
        n_prev = n_l
    return Ws, bs


def params_to_lists(parameters: Params) -> tuple[list[Array], list[Array]]:
    """[W1, ..., WL], [b1, ..., bL] from an already checked dict (no copies)."""
    L = len(parameters) // 2
    return [parameters[f"W{l}"] for l in range(1, L + 1)], [
        parameters[f"b{l}"] for l in range(1, L + 1)
    ]


def check_grads_like(
    grads: Any, Ws: list[Array], bs: list[Array], name: str = "grads", prefix: str = "d"
) -> tuple[list[Array], list[Array]]:
    """The dW[l], db[l] of a course grads dict (other keys such as dA[l] are ignored).

    Every ``dW1..dWL``, ``db1..dbL`` must be present with the shape of its parameter.
    """
    if not isinstance(grads, Mapping):
        raise TypeError(f"{name} must be a dict {{'dW1': ..., 'db1': ..., ...}}, got {grads!r}")
    L = len(Ws)
    keys = [f"{prefix}{k}{l}" for l in range(1, L + 1) for k in ("W", "b")]
    missing = [k for k in keys if k not in grads]
    if missing:
        raise ValueError(
            f"{name} is missing {', '.join(repr(k) for k in missing)}: a {L}-layer network needs "
            f"{prefix}W1, {prefix}b1, ..., {prefix}W{L}, {prefix}b{L}"
        )
    dWs: list[Array] = []
    dbs: list[Array] = []
    for l in range(1, L + 1):
        for kind, ref, out in (("W", Ws[l - 1], dWs), ("b", bs[l - 1], dbs)):
            key = f"{prefix}{kind}{l}"
            g = to_array(grads[key], f"{name}[{key!r}]")
            if g.shape != ref.shape:
                raise ValueError(
                    f"{name}[{key!r}] must have the shape of {kind}{l}, {ref.shape}; got {g.shape}"
                )
            out.append(g)
    return dWs, dbs


def check_dims(layer_dims: Any, name: str = "layer_dims") -> list[int]:
    """[n[0], ..., n[L]], all positive integers."""
    return check_layer_dims(layer_dims, name)
