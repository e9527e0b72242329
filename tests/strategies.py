"""Hypothesis strategies shared by the core's property tests.

Everything follows the course's layout: examples are **columns**, so a batch of
m examples with n features is an array of shape (n, m).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

DTYPES = (np.float64, np.float32)

#: Small sizes keep every property test fast; 1 is always included (one unit / one example).
units = st.integers(min_value=1, max_value=6)
examples = st.integers(min_value=1, max_value=8)
dtypes = st.sampled_from(DTYPES)


def floats(low: float = -10.0, high: float = 10.0, dtype: Any = np.float64) -> st.SearchStrategy:
    """Finite floats in [low, high], representable in ``dtype``."""
    width = 32 if np.dtype(dtype) == np.float32 else 64
    return st.floats(
        min_value=low, max_value=high, allow_nan=False, allow_infinity=False, width=width
    )


def matrices(
    n: int | st.SearchStrategy = units,
    m: int | st.SearchStrategy = examples,
    low: float = -10.0,
    high: float = 10.0,
    dtype: Any = np.float64,
) -> st.SearchStrategy:
    """Finite arrays of shape (n, m) with entries in [low, high]."""
    n_s = n if isinstance(n, st.SearchStrategy) else st.just(n)
    m_s = m if isinstance(m, st.SearchStrategy) else st.just(m)
    return st.tuples(n_s, m_s).flatmap(
        lambda shape: hnp.arrays(dtype, shape, elements=floats(low, high, dtype))
    )


@st.composite
def scores_and_dtype(draw: Any, low: float = -50.0, high: float = 50.0) -> tuple[np.ndarray, Any]:
    """A (dtype, Z) pair: pre-activations Z of shape (n, m) in that dtype."""
    dtype = draw(dtypes)
    Z = draw(matrices(units, examples, low, high, dtype))
    return Z, dtype


@st.composite
def huge_scores(draw: Any) -> np.ndarray:
    """Score columns with entries up to ±1e300: exp() of any of them overflows."""
    n = draw(st.integers(2, 5))
    m = draw(examples)
    return draw(hnp.arrays(np.float64, (n, m), elements=floats(-1e300, 1e300)))


@st.composite
def binary_labels(draw: Any, n: int, m: int, dtype: Any = np.float64) -> np.ndarray:
    """0/1 labels of shape (n, m)."""
    return draw(hnp.arrays(dtype, (n, m), elements=st.sampled_from([0.0, 1.0])))


@st.composite
def one_hot(draw: Any, n: int, m: int, dtype: Any = np.float64) -> np.ndarray:
    """One-hot columns of shape (n, m) (n ≥ 2 classes)."""
    classes = draw(hnp.arrays(np.int64, (m,), elements=st.integers(0, n - 1)))
    Y = np.zeros((n, m), dtype=dtype)
    Y[classes, np.arange(m)] = 1
    return Y


@st.composite
def permutations(draw: Any, m: int) -> np.ndarray:
    """A permutation of range(m)."""
    return np.array(draw(st.permutations(list(range(m)))), dtype=np.intp)
