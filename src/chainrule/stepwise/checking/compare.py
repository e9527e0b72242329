"""Comparing the learner's outputs with the reference's, to a tolerance from the dtypes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chainrule._typing import Array
from chainrule.stepwise.checking.functions import _Spec


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
