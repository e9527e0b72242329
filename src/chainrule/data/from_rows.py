"""Row-layout arrays (X (m, n), y) -> a :class:`Dataset`, examples as columns.

Every loader that splits its data here (the bundled scikit-learn sets, a user's
.csv/.npz file) ends in :func:`dataset_from_rows`: class labels are encoded as
0..K-1 (:func:`encode_classes`), the examples split (seeded, stratified for
classification), the scaler fitted on the training part only and applied to every
part, and each part transposed once to chainrule's columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from chainrule._validation import as_float_array
from chainrule.data.dataset import Dataset
from chainrule.data.scalers import make_scaler
from chainrule.data.splits import split_indices
from chainrule.head import preview_values as _preview

__all__ = ["dataset_from_rows", "encode_classes"]


def encode_classes(
    y: npt.NDArray[Any], target_names: list[str] | None, source: str
) -> tuple[npt.NDArray[np.int64], list[str] | None]:
    """Map integer-valued labels or class names to 0..K-1, in sorted order (names kept)."""
    if y.ndim != 1:
        raise ValueError(
            f"{source}: class labels must be one value per example, got shape {y.shape}"
        )
    if np.issubdtype(y.dtype, np.floating):
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            raise ValueError(
                f"{source}: class labels must be whole numbers (or names), found "
                f"{_preview(y[bad])}; pass task='regression' (--task regression on the command "
                "line) for a continuous target"
            )
    classes, y_enc = np.unique(y, return_inverse=True)
    if target_names is None or len(target_names) != classes.size:
        if np.array_equal(classes, np.arange(classes.size)):
            target_names = None  # already 0..K-1: nothing to record
        else:
            target_names = [str(int(c)) if c.dtype.kind == "f" else str(c.item()) for c in classes]
    return y_enc.astype(np.int64), target_names


def dataset_from_rows(
    X_rows: npt.NDArray[Any],
    y: npt.NDArray[Any],
    *,
    name: str,
    task: str,
    feature_names: list[str] | None,
    target_names: list[str] | None,
    test_size: float,
    val_size: float,
    seed: int,
    dtype: np.dtype[Any],
    scale: str,
) -> Dataset:
    """Split row-layout data (X (m, n), y (m,) or (m, k)), scale on train, transpose."""
    scaler = make_scaler(scale)
    X_rows = as_float_array(X_rows, f"{name}: X", dtype)
    m = X_rows.shape[0]
    if y.shape[0] != m:
        raise ValueError(
            f"{name}: X has {m} examples (rows) but y has {y.shape[0]} (shapes {X_rows.shape} "
            f"and {y.shape})"
        )
    if task == "regression":
        y = as_float_array(y, f"{name}: y", dtype, ndim=y.ndim)
    else:
        y, target_names = encode_classes(y, target_names, name)
        if task == "binary" and len(np.unique(y)) > 2:
            raise ValueError(
                f"{name}: task='binary' (--task binary on the command line) but y has "
                f"{len(np.unique(y))} classes; use task='multiclass' (--task multiclass)"
            )
    tr, va, te = split_indices(
        None if task == "regression" else y,
        m,
        test_size=test_size,
        val_size=val_size,
        seed=seed,
        source=name,
    )
    X_tr, X_va, X_te = (X_rows[i].T for i in (tr, va, te))
    if scaler is not None:
        scaler.fit(X_tr)
        X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
        if va.size:
            X_va = scaler.transform(X_va)
    y_tr, y_va, y_te = (y[i].T for i in (tr, va, te))
    return Dataset(
        X_train=X_tr,
        y_train=y_tr,
        X_test=X_te,
        y_test=y_te,
        feature_names=feature_names,
        target_names=target_names,
        task=task,
        name=name,
        X_val=X_va if va.size else None,
        y_val=y_va if va.size else None,
    )
