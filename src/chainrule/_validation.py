"""Input checks that turn bad input into a clear error.

Every check raises :class:`ValueError` or :class:`TypeError` naming the
argument, what was given and what was expected, *before* any computation, so a
user never meets a NumPy broadcasting accident or a silent NaN.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import Any, Literal, overload

import numpy as np

from chainrule._typing import Array


def check_dtype(dtype: Any, name: str = "dtype") -> np.dtype[Any]:
    """Return ``np.dtype(float64)`` or ``np.dtype(float32)``, else raise."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{name} must be 'float64' or 'float32', got {dtype!r}") from exc
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"{name} must be 'float64' or 'float32', got {dt.name!r}")
    return dt


def check_choice(value: Any, choices: Iterable[str], name: str) -> str:
    """Check that ``value`` is one of ``choices`` (strings); the error lists them."""
    options = sorted(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {options}; got {value!r}")
    if value not in options:
        raise ValueError(f"unknown {name} {value!r}; valid names are: {', '.join(options)}")
    return value


@overload
def check_positive_int(value: Any, name: str, *, allow_none: Literal[False] = ...) -> int: ...
@overload
def check_positive_int(value: Any, name: str, *, allow_none: bool) -> int | None: ...
def check_positive_int(value: Any, name: str, *, allow_none: bool = False) -> int | None:
    """Check that ``value`` is an integer ≥ 1 (bools are refused); ``None`` if allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    return int(value)


def check_positive_float(value: Any, name: str) -> float:
    """Check that ``value`` is a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a positive number, got {value!r}")
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def check_nonneg_float(value: Any, name: str) -> float:
    """Check that ``value`` is a finite real number ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a non-negative number, got {value!r}")
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def check_fraction(
    value: Any, name: str, *, low_open: bool = False, high_open: bool = True
) -> float:
    """Check that ``value`` lies in [0, 1) (or the interval the flags say)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}")
    v = float(value)
    lo_ok = v > 0 if low_open else v >= 0
    hi_ok = v < 1 if high_open else v <= 1
    if not (np.isfinite(v) and lo_ok and hi_ok):
        interval = ("(" if low_open else "[") + "0, 1" + (")" if high_open else "]")
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return v


def check_layer_dims(layer_dims: Any, name: str = "layer_dims") -> list[int]:
    """Check a list of layer sizes ``[n[0], n[1], ..., n[L]]`` (at least two, all ≥ 1)."""
    if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, Sequence | np.ndarray):
        raise TypeError(f"{name} must be a list of positive integers, got {layer_dims!r}")
    dims = list(layer_dims)
    if len(dims) < 2:
        raise ValueError(
            f"{name} must list at least the input and output sizes [n[0], ..., n[L]], got {dims}"
        )
    out = []
    for l, n in enumerate(dims):
        if isinstance(n, bool) or not isinstance(n, Integral):
            raise TypeError(f"{name}[{l}] must be a positive integer, got {n!r}")
        if n < 1:
            raise ValueError(f"{name}[{l}] must be a positive integer (>= 1), got {n}")
        out.append(int(n))
    return out


def _memory_bytes() -> int | None:
    """The machine's physical memory in bytes, where the OS says (None elsewhere)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


def check_parameter_count(
    layer_dims: Sequence[int], itemsize: int = 8, name: str = "layer_dims"
) -> int:
    """Refuse layer sizes whose parameters could not even be held in memory.

    Returns the parameter count Σₗ n[l] (n[l-1] + 1).  More than the machine's physical
    memory (at ``itemsize`` bytes each) is a ValueError naming ``name``, where NumPy would
    otherwise fail with a MemoryError part-way through building the network.
    """
    dims = list(layer_dims)
    n = sum(dims[l] * (dims[l - 1] + 1) for l in range(1, len(dims)))
    need = n * itemsize
    have = _memory_bytes()
    if have is not None and need > have:
        raise ValueError(
            f"{name} {dims} gives {n:,} parameters ({need / 2**30:,.1f} GiB at {itemsize} "
            f"bytes each), more than this machine's memory ({have / 2**30:,.1f} GiB); "
            "use smaller layers"
        )
    return n


def as_float_array(
    X: Any,
    name: str,
    dtype: np.dtype[Any] | None = None,
    *,
    ndim: int | None = 2,
    allow_empty: bool = False,
) -> Array:
    """Convert ``X`` to a finite floating array, or raise a clear error.

    Parameters
    ----------
    X : array_like
        The input.
    name : str
        The argument's name, used in error messages.
    dtype : numpy dtype, optional
        Target dtype (float64 or float32).  ``None`` keeps a floating input's
        dtype and turns anything else into float64.
    ndim : int or None, default=2
        Required number of dimensions.
    allow_empty : bool, default=False
        Whether a zero-size array is acceptable.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got a string")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array: {exc}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty (shape {arr.shape}); at least one example is needed")
    if dtype is None:
        dtype = arr.dtype if np.issubdtype(arr.dtype, np.floating) else np.dtype(np.float64)
        if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
            dtype = np.dtype(np.float64)
    out = np.asarray(arr, dtype=dtype)
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(out).all():
        bad = int((~np.isfinite(out)).sum())
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); all values must be finite"
        )
    return out
