"""Type aliases shared by the whole package.

Shapes follow the course: examples are **columns**.  ``Array`` is any floating
NumPy array (float64 or float32: a float32 network stays float32 end to end).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.floating[Any]]
"""A floating-point array (float64 or float32)."""

Params = dict[str, Array]
"""The course's parameter dict: ``{"W1": (n[1], n[0]), "b1": (n[1], 1), ...}``."""

DTypeLike = npt.DTypeLike

__all__ = ["Array", "DTypeLike", "Params"]
