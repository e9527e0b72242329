"""scikit-learn's bundled data sets (no network): digits, breast_cancer, iris, wine, diabetes."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule._validation import check_choice, check_dtype, check_fraction
from chainrule.data.dataset import Dataset
from chainrule.data.from_rows import dataset_from_rows

__all__ = ["SKLEARN_DATASETS", "load_sklearn"]

SKLEARN_DATASETS: dict[str, tuple[str, str]] = {
    "digits": ("load_digits", "multiclass"),
    "breast_cancer": ("load_breast_cancer", "binary"),
    "iris": ("load_iris", "multiclass"),
    "wine": ("load_wine", "multiclass"),
    "diabetes": ("load_diabetes", "regression"),
}
"""Bundled scikit-learn sets: name -> (scikit-learn loader, task)."""


def load_sklearn(
    name: str,
    *,
    test_size: float = 0.2,
    seed: int = 0,
    dtype: Any = "float64",
    scale: str = "standard",
    val_size: float = 0.0,
) -> Dataset:
    """Load one of scikit-learn's bundled data sets (no network), split and scaled.

    Parameters
    ----------
    name : {"digits", "breast_cancer", "iris", "wine", "diabetes"}
        The set.  digits: 1797 examples × 64 features, 10 classes;
        breast_cancer: 569 × 30, binary (0 = malignant, 1 = benign);
        iris: 150 × 4, 3 classes; wine: 178 × 13, 3 classes;
        diabetes: 442 × 10, regression (loaded with ``scaled=False``, the raw
        values, so that any scaling is fitted on the training part only).
    test_size : float in (0, 1), default=0.2
        Fraction of examples in the test part (``ceil(test_size * m)``).
    seed : int, default=0
        ``random_state`` of :func:`sklearn.model_selection.train_test_split`.
    dtype : {"float64", "float32"}, default="float64"
        dtype of X (and of y for regression).
    scale : {"standard", "minmax", "none"}, default="standard"
        Feature scaling, fitted on the training part only and applied to all
        parts (:class:`Standardizer` / :class:`MinMaxScaler`).  Constant
        features (e.g. the always-blank corner pixels of digits) map to 0.
    val_size : float in [0, 1), default=0.0
        Fraction of all examples moved from the training part into a
        validation part (``ceil(val_size * m)``), with the same seed.

    Returns
    -------
    Dataset
        X parts of shape (n_features, m_part); y int64 of shape (m_part,) for
        classification (split stratified by class), float of shape (m_part,)
        for diabetes.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid names) or bad sizes.
    """
    check_choice(name, SKLEARN_DATASETS, "dataset name")
    test_size = check_fraction(test_size, "test_size", low_open=True)
    val_size = check_fraction(val_size, "val_size")
    dt = check_dtype(dtype)
    import sklearn.datasets

    loader_name, task = SKLEARN_DATASETS[name]
    loader = getattr(sklearn.datasets, loader_name)
    bunch = loader(scaled=False) if name == "diabetes" else loader()
    feature_names = getattr(bunch, "feature_names", None)
    target_names = getattr(bunch, "target_names", None)
    return dataset_from_rows(
        np.asarray(bunch.data),
        np.asarray(bunch.target),
        name=name,
        task=task,
        feature_names=None if feature_names is None else [str(f) for f in feature_names],
        target_names=None if target_names is None else [str(t) for t in target_names],
        test_size=test_size,
        val_size=val_size,
        seed=seed,
        dtype=dt,
        scale=scale,
    )
