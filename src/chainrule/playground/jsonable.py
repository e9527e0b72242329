"""Numbers as the page's JSON: arrays as nested lists, NaN and ±inf as ``null``.

JSON has no NaN, and the page must show where a value went non-finite rather than fail to
parse the reply, so every number the playground sends goes through :func:`floats` or
:func:`num`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["floats", "num"]


def floats(a: Any) -> Any:
    """An array (or number) as JSON-able nested lists, non-finite values as None."""
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 0:
        v = float(arr)
        return v if math.isfinite(v) else None
    if np.isfinite(arr).all():
        return arr.tolist()
    obj = arr.astype(object)
    obj[~np.isfinite(arr)] = None
    return obj.tolist()


def num(v: float | None) -> float | None:
    """A number, or None where it is missing or non-finite."""
    return None if v is None or not math.isfinite(v) else float(v)
