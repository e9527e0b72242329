""":func:`load_dataset`: one entry point for every data set, by name or by file.

A name picks a loader (:mod:`~chainrule.data.sklearn_sets`,
:mod:`~chainrule.data.catvnoncat`, :mod:`~chainrule.data.mnist`); a ``.csv`` or
``.npz`` path is read by :func:`chainrule.data.readers.read_rows`, checked as a
training set (finite values, labels that fit the task) and split and scaled by
:func:`chainrule.data.from_rows.dataset_from_rows`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from chainrule._validation import check_choice, check_dtype, check_fraction
from chainrule.data.catvnoncat import flatten_images, load_catvnoncat
from chainrule.data.dataset import TASKS, Dataset
from chainrule.data.from_rows import dataset_from_rows
from chainrule.data.mnist import load_mnist
from chainrule.data.readers import (
    MISSING_ADVICE,
    SUFFIXES,
    check_lengths,
    is_number,
    read_rows,
)
from chainrule.data.scalers import SCALES
from chainrule.data.sklearn_sets import SKLEARN_DATASETS, load_sklearn
from chainrule.data.splits import carve_validation

__all__ = ["load_dataset"]

_CAT_NAMES = ("catvnoncat", "cat")


def _guess_task(y: npt.NDArray[Any]) -> str:
    """Class names or whole-number labels: classification (binary for two), else regression."""
    if y.ndim == 2 and y.shape[1] > 1:
        return "regression"
    y = y.reshape(-1)
    if y.dtype.kind in "US":  # text labels are class names
        return "binary" if np.unique(y).size <= 2 else "multiclass"
    if y.dtype.kind in "iub" or (
        y.dtype.kind == "f" and np.isfinite(y).all() and np.array_equal(y, np.round(y))
    ):
        return "binary" if np.unique(y).size <= 2 else "multiclass"
    return "regression"


def _read_training_file(
    path: Path, target_column: Any, task: str | None, dtype: np.dtype[Any]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], str, list[str] | None, list[str] | None]:
    """A user's .csv/.npz file, checked as a training set.

    Returns (X_rows (m, n), y (m,) or (m, k), task, feature_names, target_names):
    finite values that fit ``dtype``, labels that fit the task (guessed if None).
    """
    X_rows, y_read, feature_names, target_names = read_rows(path, target_column, names=True)
    assert y_read is not None
    y = y_read
    if X_rows.ndim != 2:  # (a CSV file's arrays always fit; a .npz file's may not)
        raise ValueError(
            f"{path}: 'X' must be 2-D (m, n), one example per row; got shape {X_rows.shape}"
        )
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim not in (1, 2):
        raise ValueError(f"{path}: 'y' must have shape (m,) or (m, k); got {y.shape}")
    if y.dtype == np.bool_:
        y = y.astype(np.int64)
    elif y.dtype.kind == "S":  # byte strings: class names
        y = y.astype(str)
    check_lengths(path, X_rows, y)
    if X_rows.dtype.kind == "f":  # name the file and the first bad entry
        bad = ~np.isfinite(X_rows)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            advice = f"; {MISSING_ADVICE}" if np.isnan(X_rows[r, c]) else ""
            raise ValueError(
                f"{path}: X contains {int(bad.sum())} NaN or infinite value(s), the first in "
                f"example (row) {r}, column {c}; all values must be finite{advice}"
            )
    dt = np.dtype(dtype)
    if X_rows.dtype.kind in "fiu" and dt.kind == "f" and dt.itemsize < 8:
        limit = float(np.finfo(dt).max)
        with np.errstate(all="ignore"):
            too_big = np.abs(X_rows.astype(np.float64)) > limit
        if too_big.any():
            r, c = np.argwhere(too_big)[0]
            raise ValueError(
                f"{path}: the value {float(X_rows[r, c]):.3g} in example (row) {r}, column {c} "
                f"overflows {dt.name} (magnitudes up to {limit:.3g}); use float64 "
                "(--dtype float64) or rescale that column"
            )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        r = int(np.argwhere(~np.isfinite(y.reshape(len(y), -1)))[0, 0])
        raise ValueError(
            f"{path}: y contains a NaN or infinite label, the first in example (row) {r}; "
            "all labels must be finite"
        )
    task = _guess_task(y) if task is None else check_choice(task, TASKS, "task")
    if task == "regression" and y.dtype.kind not in "biuf":
        text = next(v for v in y.reshape(-1) if not is_number(str(v)))
        raise ValueError(
            f"{path}: task='regression' (--task regression on the command line) needs numeric "
            f"targets, but the labels hold text such as {str(text)!r}; text labels are class "
            "names: use task='binary' or 'multiclass' (--task), or leave the task to be guessed"
        )
    if task != "regression" and y.ndim != 1:
        raise ValueError(
            f"{path}: classification needs one label per example, y has shape {y.shape}"
        )
    return X_rows, y, task, feature_names, target_names


def load_dataset(
    name_or_path: str | os.PathLike[str],
    *,
    data_dir: Any = None,
    test_size: float = 0.2,
    seed: int = 0,
    dtype: Any = "float64",
    scale: str = "standard",
    val_size: float = 0.0,
    target_column: int | str | None = None,
    task: str | None = None,
    split: str = "standard",
) -> Dataset:
    """Load a data set by name, or a user's file, as a :class:`Dataset` (examples as columns).

    Parameters
    ----------
    name_or_path : str or path-like
        One of

        * a scikit-learn bundled set: "digits", "breast_cancer", "iris",
          "wine", "diabetes" (see :func:`load_sklearn`);
        * "catvnoncat" or "cat": the course's images (:func:`load_catvnoncat`),
          flattened to (12288, m) and divided by 255; the files' own train
          (209) / test (50) split is kept and ``test_size``/``scale`` are ignored;
        * "mnist": :func:`load_mnist`, the files' own split, pixels in [0, 1];
          ``test_size`` and ``scale`` are ignored;
        * a path to a ``.csv`` file: comma-separated, one example per
          **row**, an optional header row (detected: a first row with no
          numbers, or with text where the next row has numbers); the feature
          columns hold numbers, the label column numbers or class names
          (``cat``, ``dog``, ...); the label is the last column unless
          ``target_column`` says otherwise; blank lines and lines starting
          with ``#`` are skipped;
        * a path to a ``.npz`` file with arrays ``"X"`` of shape (m, n) and
          ``"y"`` of shape (m,) or (m, k) -- **rows are examples**, as in every
          other tool; the loader transposes to chainrule's columns.  Optional
          string arrays ``"feature_names"`` and ``"target_names"`` are used.

        File data are split like the bundled sets (seeded, stratified for
        classification) and scaled on the training part.
    data_dir : str or path-like, optional
        Where the cat and MNIST files are (default :func:`default_data_dir`).
    test_size : float in (0, 1), default=0.2
        Test fraction for data sets split here.
    seed : int, default=0
        Seed of the split(s).
    dtype : {"float64", "float32"}, default="float64"
        dtype of X (and of regression targets).
    scale : {"standard", "minmax", "none"}, default="standard"
        Feature scaling fitted on the training part (ignored for the image sets).
    val_size : float in [0, 1), default=0.0
        Size of a seeded (stratified) validation part carved out of the
        training part.  For sets split here it is a fraction of **all**
        examples (``test_size=0.2, val_size=0.2`` gives 60/20/20); for the
        image sets with a fixed test set it is a fraction of the training part.
    target_column : int or str, optional
        CSV only: the label column, by index (negative counts from the end)
        or by header name.  Default: the last column.
    task : {"binary", "multiclass", "regression"}, optional
        Files only: what the label is.  Default: guessed -- class names
        (text) or whole-number labels mean classification (relabelled to
        0..K-1 in sorted order, the original names or values kept as
        ``target_names``), anything else regression.
    split : {"standard", "nielsen"}, default="standard"
        MNIST only: see :func:`load_mnist`.

    Returns
    -------
    Dataset

    Raises
    ------
    FileNotFoundError
        For a missing file (naming it).
    ValueError
        For an unknown name (listing the valid ones), an unsupported file
        type, malformed file contents, or bad sizes.
    """
    dt = check_dtype(dtype)
    check_choice(scale, SCALES, "scale")
    val_size = check_fraction(val_size, "val_size")
    test_size = check_fraction(test_size, "test_size", low_open=True)
    key = str(name_or_path) if isinstance(name_or_path, str) else None
    if key is not None and key.lower() in SKLEARN_DATASETS:
        return load_sklearn(
            key.lower(), test_size=test_size, seed=seed, dtype=dt, scale=scale, val_size=val_size
        )
    if key is not None and key.lower() in _CAT_NAMES:
        train_x, train_y, test_x, test_y, classes = load_catvnoncat(data_dir)
        ds = Dataset(
            X_train=flatten_images(train_x).astype(dt, copy=False),
            y_train=train_y.reshape(-1),
            X_test=flatten_images(test_x).astype(dt, copy=False),
            y_test=test_y.reshape(-1),
            feature_names=None,
            target_names=[c.decode() if isinstance(c, bytes) else str(c) for c in classes],
            task="binary",
            name="catvnoncat",
        )
        return carve_validation(ds, val_size, seed)
    if key is not None and key.lower() == "mnist":
        return carve_validation(load_mnist(data_dir, split=split, dtype=dt), val_size, seed)
    path = Path(name_or_path).expanduser()
    if (
        path.suffix.lower() not in SUFFIXES
        and not path.exists()
        and os.sep not in str(name_or_path)
    ):
        valid = sorted([*SKLEARN_DATASETS, *_CAT_NAMES, "mnist"])
        raise ValueError(
            f"unknown data set {name_or_path!r}: not a known name and not a .csv/.npz file; "
            f"valid names are: {', '.join(valid)}"
        )
    X_rows, y, task, feature_names, target_names = _read_training_file(
        path, target_column, task, dt
    )
    return dataset_from_rows(
        X_rows,
        y,
        name=path.stem,
        task=task,
        feature_names=feature_names,
        target_names=target_names,
        test_size=test_size,
        val_size=val_size,
        seed=seed,
        dtype=dt,
        scale=scale,
    )
