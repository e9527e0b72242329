"""Shared data and comparisons for the training-step tests (test_step.py, test_kernels.py)."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_array_equal

DTYPES = ["float64", "float32"]

# name: (layer_dims, hidden, output, loss, target kind)
CONFIGS = {
    "relu-softmax": ([6, 9, 5, 4], "relu", "softmax", "cce", "onehot"),
    "relu-softmax10": ([6, 9, 10], "relu", "softmax", "cce", "onehot"),  # ≥ 8 classes
    "tanh-sigmoid": ([6, 8, 1], "tanh", "sigmoid", "bce", "binary"),
    "sigmoid-multilabel": ([6, 7, 3], "sigmoid", "sigmoid", "bce", "multilabel"),
    "leaky-identity": ([6, 8, 5, 2], "leaky_relu", "identity", "mse", "real"),
    "relu-relu-mse": ([6, 8, 2], "relu", "relu", "mse", "real"),  # relu output, not canonical
    "sigmoid-mse-general": ([6, 7, 3], "sigmoid", "sigmoid", "mse", "multilabel"),  # general
}


def make_data(kind: str, n0: int, nL: int, m: int, dtype: str, seed: int = 0):
    """X (n0, m) and targets Y (nL, m) of the given kind, in ``dtype``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n0, m))
    if kind == "onehot":
        Y = np.eye(nL)[:, rng.integers(0, nL, m)]
    elif kind in ("binary", "multilabel"):
        Y = (rng.random((nL, m)) < 0.4).astype(float)
    else:
        Y = np.abs(rng.standard_normal((nL, m)))
    return X.astype(dtype), Y.astype(dtype)


def assert_same_params(a, b) -> None:
    """Bit for bit the same θ (every W[l], b[l]), same dtype."""
    assert a.theta.dtype == b.theta.dtype
    assert_array_equal(a.theta, b.theta)
