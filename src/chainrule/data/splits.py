"""Splitting examples into train, validation and test parts.

:func:`train_val_test_split` is the public, NumPy-only split of column-layout data
(stratified by class with largest-remainder rounding, :func:`allocate`);
:func:`split_indices` is the seeded scikit-learn split the loaders use for the
bundled sets and files (so that ``seed`` means what ``random_state`` means there);
:func:`carve_validation` moves part of a :class:`Dataset`'s training part into a
validation part.  Every part gets ``ceil(size * m)`` examples (:func:`part_size`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from chainrule._validation import check_fraction
from chainrule.data.dataset import Dataset

__all__ = ["allocate", "carve_validation", "part_size", "split_indices", "train_val_test_split"]

IntArray = npt.NDArray[np.integer[Any]]


def part_size(fraction: float, m: int) -> int:
    """Examples given to a part of size ``fraction`` of m (rounded up, like scikit-learn)."""
    return math.ceil(fraction * m) if fraction > 0 else 0


def allocate(n: int, weights: IntArray, caps: IntArray) -> IntArray:
    """Share ``n`` among classes in proportion to ``weights``, at most ``caps`` each.

    Largest-remainder rounding, so the shares sum to exactly ``n``.
    """
    total = int(weights.sum())
    quota = n * weights / total
    take = np.minimum(np.floor(quota).astype(np.int64), caps)
    while take.sum() < n:
        room = take < caps
        # the class most under its quota (ties: the first class) gets one more
        deficit = np.where(room, quota - take, -np.inf)
        take[int(np.argmax(deficit))] += 1
    return take


def train_val_test_split(
    X: Any,
    y: Any,
    *,
    val_size: float = 0.0,
    test_size: float = 0.2,
    seed: int | None = 0,
    stratify: bool = True,
) -> tuple[
    npt.NDArray[Any],
    npt.NDArray[Any],
    npt.NDArray[Any],
    npt.NDArray[Any],
    npt.NDArray[Any],
    npt.NDArray[Any],
]:
    """Split column-layout data into train, validation and test parts.

    Parameters
    ----------
    X : array_like of shape (n_features, m)
        Inputs, examples as columns (any numeric dtype; it is kept).
    y : array_like of shape (m,) or (k, m)
        Targets, one per column of X.
    val_size : float in [0, 1), default=0.0
        Fraction of **all** m examples for the validation part.
    test_size : float in [0, 1), default=0.2
        Fraction of **all** m examples for the test part.  Each part gets
        ``ceil(size * m)`` examples; the training part gets the rest and must
        not be empty.
    seed : int or None, default=0
        Seed for ``np.random.default_rng``; the same seed gives the same split.
    stratify : bool, default=True
        If y holds integer class labels (an integer or boolean array of shape
        (m,) or (1, m)), keep each class's share in every part as closely as
        whole numbers allow (largest-remainder rounding).  Ignored for other y.

    Returns
    -------
    X_train : ndarray of shape (n_features, m_train)
    y_train : ndarray of shape (m_train,) or (k, m_train)
    X_val : ndarray of shape (n_features, m_val)
        Zero columns when ``val_size == 0``.
    y_val : ndarray of shape (m_val,) or (k, m_val)
    X_test : ndarray of shape (n_features, m_test)
    y_test : ndarray of shape (m_test,) or (k, m_test)

    Each part's columns are in a random order.  The parts are disjoint and
    together hold every example exactly once.

    Raises
    ------
    ValueError
        If a size is outside [0, 1), if the sizes leave no training example,
        or if X and y have different numbers of examples (naming both shapes).
    """
    val_size = check_fraction(val_size, "val_size")
    test_size = check_fraction(test_size, "test_size")
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D with shape (n_features, m), got shape {X.shape}")
    if y.ndim not in (1, 2):
        raise ValueError(f"y must have shape (m,) or (k, m), got shape {y.shape}")
    m = X.shape[1]
    if y.shape[-1] != m:
        raise ValueError(
            f"X and y have different numbers of examples (columns): X has shape {X.shape} "
            f"(m={m}), y has shape {y.shape} (m={y.shape[-1]}); examples must be columns"
        )
    n_test = part_size(test_size, m)
    n_val = part_size(val_size, m)
    if m - n_test - n_val < 1:
        raise ValueError(
            f"val_size={val_size} and test_size={test_size} leave no training example "
            f"out of m={m} (val {n_val}, test {n_test})"
        )
    rng = np.random.default_rng(seed)
    labels = y[0] if (y.ndim == 2 and y.shape[0] == 1) else y
    if stratify and labels.ndim == 1 and labels.dtype.kind in "iub":
        classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
        t_c = allocate(n_test, counts, counts)
        v_c = allocate(n_val, counts, counts - t_c)
        parts: list[list[npt.NDArray[np.intp]]] = [[], [], []]
        for c in range(classes.size):
            members = rng.permutation(np.flatnonzero(inverse == c))
            t, v = int(t_c[c]), int(v_c[c])
            parts[2].append(members[:t])
            parts[1].append(members[t : t + v])
            parts[0].append(members[t + v :])
        tr, va, te = (rng.permutation(np.concatenate(p)) for p in parts)
    else:
        perm = rng.permutation(m)
        te, va, tr = perm[:n_test], perm[n_test : n_test + n_val], perm[n_test + n_val :]
    return (X[:, tr], y[..., tr], X[:, va], y[..., va], X[:, te], y[..., te])


def split_indices(
    y: npt.NDArray[Any] | None,
    m: int,
    *,
    test_size: float,
    val_size: float,
    seed: int,
    source: str,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Seeded (stratified when ``y`` is given) train/val/test indices via scikit-learn."""
    from sklearn.model_selection import train_test_split

    # the same sizes as train_val_test_split's, checked with the loader's name in front
    n_test = part_size(test_size, m)
    n_val = part_size(val_size, m)
    if m - n_test - n_val < 1:
        raise ValueError(
            f"{source}: test_size={test_size} and val_size={val_size} leave no training "
            f"example out of m={m}"
        )
    idx = np.arange(m)
    try:
        tr, te = train_test_split(idx, test_size=n_test, random_state=seed, stratify=y)
        va = np.empty(0, dtype=idx.dtype)
        if n_val:
            tr, va = train_test_split(
                tr, test_size=n_val, random_state=seed, stratify=None if y is None else y[tr]
            )
    except ValueError as exc:
        hint = (
            ""
            if y is None
            else "; pass task='regression' (--task regression on the command line) if the "
            "target is continuous"
        )
        raise ValueError(f"{source}: cannot make a stratified split: {exc}{hint}") from exc
    return tr, va, te


def carve_validation(ds: Dataset, val_size: float, seed: int) -> Dataset:
    """Move a seeded, stratified ``val_size`` fraction of ``ds``'s training part to validation."""
    if val_size == 0:
        return ds
    m = ds.m_train
    if part_size(val_size, m) >= m:
        raise ValueError(f"val_size={val_size} leaves no training example out of {m}")
    y = ds.y_train
    labels = y.argmax(axis=0) if (y.ndim == 2 and y.shape[0] > 1) else y
    # Split the column indices (stratified on the labels), then index X and y with them.
    tr, _, _, _, va, _ = train_val_test_split(
        np.arange(m)[None, :], labels, test_size=val_size, seed=seed
    )
    tr, va = tr[0], va[0]
    return Dataset(
        X_train=ds.X_train[:, tr],
        y_train=y[..., tr],
        X_test=ds.X_test,
        y_test=ds.y_test,
        feature_names=ds.feature_names,
        target_names=ds.target_names,
        task=ds.task,
        name=ds.name,
        X_val=ds.X_train[:, va],
        y_val=y[..., va],
    )
