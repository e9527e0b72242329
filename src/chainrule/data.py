r"""Data sets, splits and scalers, with examples as **columns**.

Everything in chainrule follows the course's layout: a design matrix ``X`` has
shape (n_features, m), one example per column, and labels ``y`` have shape
(m,) (class indices) or (k, m) (one-hot or multi-output targets).

Files on disk use the opposite, universal convention -- one example per
**row** (CSV, ``.npz``, scikit-learn, IDX, HDF5) -- and the loaders here
transpose once, on the way in.

What is here
------------
* :class:`Dataset` -- a frozen bundle of train / (validation) / test parts.
* :func:`load_dataset` -- one entry point: a scikit-learn bundled set, the
  course's cat-vs-non-cat set, MNIST, or a user's ``.csv`` / ``.npz`` file.
* :func:`load_sklearn`, :func:`load_catvnoncat`, :func:`load_mnist`,
  :func:`read_idx` -- the individual loaders.
* :func:`train_val_test_split`, :func:`one_hot`, :func:`flatten_images`,
  :class:`Standardizer`, :class:`MinMaxScaler` -- the building blocks.
* :func:`apply_preprocessing`, :func:`scaler_from_metadata` -- a model file's
  stored input scaling, applied to raw features as ``chainrule predict`` does.

Where the real data lives
-------------------------
:func:`default_data_dir` gives the folder: ``$CHAINRULE_DATA`` if set, else
``../shared/data`` (relative to the working directory, then to the
repository). It holds ``catvnoncat/`` (two HDF5 files) and ``mnist/`` (the four
original gzip IDX files).

Memory layout of the image sets
-------------------------------
:func:`load_mnist` and :func:`flatten_images` return ``X`` as the transpose of
a C-ordered (m, n) array, i.e. an **F-ordered** (n, m) array: every example
(column) is contiguous in memory, so a mini-batch ``X[:, k:k + 64]`` is a cheap
view of one contiguous block and no 47-million-element copy is made to change
the layout.  (``np.ascontiguousarray`` would make the *features* contiguous
instead, which costs a full copy and helps nothing here.)
"""

from __future__ import annotations

import csv
import gzip
import html
import math
import os
import struct
import warnings
import zlib
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from chainrule._display import html_table
from chainrule._typing import Array
from chainrule._validation import (
    as_float_array,
    check_choice,
    check_dtype,
    check_fraction,
)
from chainrule.head import one_hot
from chainrule.head import preview_values as _preview

__all__ = [
    "DATA_ENV_VAR",
    "MNIST_FILES",
    "SCALES",
    "SKLEARN_DATASETS",
    "TASKS",
    "Dataset",
    "MinMaxScaler",
    "Standardizer",
    "apply_preprocessing",
    "default_data_dir",
    "flatten_images",
    "load_catvnoncat",
    "load_dataset",
    "load_mnist",
    "load_sklearn",
    "one_hot",
    "read_idx",
    "scaler_from_metadata",
    "train_val_test_split",
]

DATA_ENV_VAR = "CHAINRULE_DATA"
"""Environment variable naming the real-data folder (overrides the default)."""

TASKS = ("binary", "multiclass", "regression")
"""The values of :attr:`Dataset.task`."""

SCALES = ("standard", "minmax", "none")
"""The values of the loaders' ``scale`` argument."""

SKLEARN_DATASETS: dict[str, tuple[str, str]] = {
    "digits": ("load_digits", "multiclass"),
    "breast_cancer": ("load_breast_cancer", "binary"),
    "iris": ("load_iris", "multiclass"),
    "wine": ("load_wine", "multiclass"),
    "diabetes": ("load_diabetes", "regression"),
}
"""Bundled scikit-learn sets: name -> (scikit-learn loader, task)."""

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
"""The four MNIST file names (the uncompressed names, without ``.gz``, also work)."""

_CAT_NAMES = ("catvnoncat", "cat")
_CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")
_IDX_TYPES = {
    0x08: "unsigned byte",
    0x09: "signed byte",
    0x0B: "short (int16)",
    0x0C: "int (int32)",
    0x0D: "float (float32)",
    0x0E: "double (float64)",
}
_IDX_NDIMS = (1, 3)
_IDX_CHUNK = 1 << 22  # bytes per read of an IDX payload
_NIELSEN_VAL = 10_000
_MNIST_IMAGE = (28, 28)  # rows, cols of every MNIST image

IntArray = npt.NDArray[np.integer[Any]]


# --------------------------------------------------------------------------------------
# Where the data lives
# --------------------------------------------------------------------------------------


def default_data_dir() -> Path:
    """Return the folder that holds the real data sets.

    The first of these that applies:

    1. ``$CHAINRULE_DATA`` if that environment variable is set (and not empty),
       whether or not the folder exists;
    2. ``../shared/data`` relative to the current working directory, if it exists;
    3. ``<repository root>/../shared/data``, found from this file's location
       (``src/chainrule/data.py``), if it exists;
    4. otherwise the working-directory-relative path of 2., which does not
       exist -- the loaders then report the missing file and where they looked.

    Returns
    -------
    pathlib.Path
        An absolute path.
    """
    env = os.environ.get(DATA_ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    cwd_candidate = (Path.cwd() / ".." / "shared" / "data").resolve()
    candidates = [cwd_candidate]
    here = Path(__file__).resolve()
    if len(here.parents) > 3:
        candidates.append(here.parents[3] / "shared" / "data")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return cwd_candidate


class DataFileError(ValueError):
    """A problem with a data file, worded for Python code and for the command line.

    ``str(error)`` ends with the way forward in Python's words (``target_column=``);
    :meth:`for_cli` gives the same facts with the option (``--target-column``).
    """

    def __init__(self, message: str, *, python: str = "", cli: str = "") -> None:
        self.message, self._python, self._cli = message, python, cli
        super().__init__(message + python)

    def for_cli(self) -> str:
        """The message in the command line's words."""
        return self.message + self._cli


_LABEL_NAMES = ("target", "label", "labels", "class", "y", "species", "category")

_MISSING_CELLS = {"", "na", "n/a", "nan", "null", "none", "?", "-"}
"""CSV cells that spreadsheets and pandas write for a missing value."""

MISSING_ADVICE = (
    "chainrule trains on complete examples only: drop the incomplete "
    "rows or fill in the gaps first, e.g. with pandas: "
    "pd.read_csv(FILE).dropna().to_csv(NEW_FILE, index=False)"
)
"""What to do about missing values (said with every missing-value error)."""


def _label_guess(header: list[str]) -> str:
    """The header name most likely to be the label column (a common name, else the last)."""
    lower = [h.lower() for h in header]
    return next((header[lower.index(n)] for n in _LABEL_NAMES if n in lower), header[-1])


class DataNotFoundError(FileNotFoundError):
    """A real data set's file is not where chainrule looked.

    ``str(error)`` speaks to Python code (``data_dir=``); :meth:`for_cli`
    words the same facts for the command line (``--data DIR``).

    Attributes
    ----------
    file : str
        The missing file.
    looked : list of Path
        The folders searched.
    """

    def __init__(self, file: str, folder: Path, looked: list[Path]) -> None:
        self.file, self.looked = file, list(looked)
        where = folder if len(looked) <= 1 else " and ".join(str(p) for p in looked)
        exists = "" if folder.is_dir() else " (that folder does not exist)"
        self._where = f"{file} not found in {where}{exists}"
        super().__init__(f"{self._where}; {self.hint('python')}")

    @staticmethod
    def hint(style: str) -> str:
        """How to point chainrule at the data, for Python code or the command line."""
        how = "pass data_dir=DIR" if style == "python" else "give --data DIR"
        return f"{how} or set the {DATA_ENV_VAR} environment variable to the folder that holds it"

    def for_cli(self) -> str:
        """The message in the command line's words."""
        return f"{self._where}; {self.hint('cli')}"


# --------------------------------------------------------------------------------------
# Dataset
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train / test (and optional validation) parts of one data set, examples as columns.

    Attributes
    ----------
    X_train : ndarray of shape (n_features, m_train)
        Training inputs, float64 or float32.
    y_train : ndarray of shape (m_train,) or (k, m_train)
        Training targets: int64 class indices 0..n_classes-1 of shape (m,) for
        classification (or a one-hot (n_classes, m) float array when a loader
        was asked for one), floats of shape (m,) or (n_outputs, m) for regression.
    X_test : ndarray of shape (n_features, m_test)
        Test inputs.
    y_test : ndarray of shape (m_test,) or (k, m_test)
        Test targets, same layout as ``y_train``.
    feature_names : list of str or None
        One name per feature (row of X), if known.
    target_names : list of str or None
        Class names, index = class label (classification), or output names
        (regression), if known.
    task : {"binary", "multiclass", "regression"}
        What the targets are.
    name : str
        A short name, e.g. ``"digits"`` or the file's stem.
    X_val : ndarray of shape (n_features, m_val) or None
        Validation inputs, if a validation part was made.
    y_val : ndarray of shape (m_val,) or (k, m_val) or None
        Validation targets.

    Notes
    -----
    The dataclass is frozen (its fields cannot be reassigned; the arrays
    themselves are ordinary NumPy arrays) and compares by identity, because
    ``==`` on arrays is elementwise.
    """

    X_train: Array
    y_train: npt.NDArray[Any]
    X_test: Array
    y_test: npt.NDArray[Any]
    feature_names: list[str] | None
    target_names: list[str] | None
    task: str
    name: str
    X_val: Array | None = None
    y_val: npt.NDArray[Any] | None = None

    def __post_init__(self) -> None:
        check_choice(self.task, TASKS, "task")
        if (self.X_val is None) != (self.y_val is None):
            raise ValueError("X_val and y_val must be given together (or both left None)")
        n = None
        for part in ("train", "val", "test"):
            X = getattr(self, f"X_{part}")
            y = getattr(self, f"y_{part}")
            if X is None:
                continue
            if np.ndim(X) != 2:
                raise ValueError(f"X_{part} must be 2-D (n_features, m), got shape {np.shape(X)}")
            if np.ndim(y) not in (1, 2) or np.shape(y)[-1] != X.shape[1]:
                raise ValueError(
                    f"y_{part} must have shape (m,) or (k, m) with m = X_{part}.shape[1]; "
                    f"got X_{part} {X.shape} and y_{part} {np.shape(y)}"
                )
            if n is not None and X.shape[0] != n:
                raise ValueError(f"X_{part} has {X.shape[0]} features (rows) but X_train has {n}")
            n = X.shape[0]
        if self.feature_names is not None and len(self.feature_names) != n:
            raise ValueError(f"feature_names has {len(self.feature_names)} names for {n} features")

    @property
    def n_features(self) -> int:
        """Number of input features n[0] (rows of X)."""
        return int(self.X_train.shape[0])

    @property
    def n_classes(self) -> int | None:
        """Number of classes (2 for a binary task); ``None`` for regression."""
        if self.task == "regression":
            return None
        if self.task == "binary":
            return 2
        if self.target_names is not None:
            return len(self.target_names)
        ys = [y for y in (self.y_train, self.y_val, self.y_test) if y is not None and y.size]
        if any(y.ndim == 2 and y.shape[0] > 1 for y in ys):  # one-hot
            return int(self.y_train.shape[0])
        return int(max(int(np.max(y)) for y in ys)) + 1 if ys else 0

    @property
    def m_train(self) -> int:
        """Number of training examples."""
        return int(self.X_train.shape[1])

    @property
    def m_val(self) -> int:
        """Number of validation examples (0 without a validation part)."""
        return 0 if self.X_val is None else int(self.X_val.shape[1])

    @property
    def m_test(self) -> int:
        """Number of test examples."""
        return int(self.X_test.shape[1])

    def summary(self) -> str:
        """One line: name, task, sizes and dtype.

        Examples
        --------
        ``'digits: multiclass (10 classes), 64 features, train 1437 / val 0 / test 360, float64'``
        """
        kind = self.task
        if self.n_classes is not None:
            kind += f" ({self.n_classes} classes)"
        return (
            f"{self.name}: {kind}, {self.n_features} features, train {self.m_train} / "
            f"val {self.m_val} / test {self.m_test}, {self.X_train.dtype}"
        )

    def __repr__(self) -> str:
        return f"Dataset<{self.summary()}>"

    def _repr_html_(self) -> str:
        kind = self.task + (f", {self.n_classes} classes" if self.n_classes is not None else "")
        rows = []
        for part in ("train", "val", "test"):
            X, y = getattr(self, f"X_{part}"), getattr(self, f"y_{part}")
            if X is not None:
                rows.append([part, f"{X.shape[1]:,}", str(X.shape), str(np.shape(y)), str(X.dtype)])
        table = html_table(["part", "examples m", "X", "y", "dtype"], rows)
        names = ""
        if self.target_names is not None:
            shown = ", ".join(str(t) for t in self.target_names[:10])
            more = ", …" if len(self.target_names) > 10 else ""
            names = f"<p>classes: {html.escape(shown + more)}</p>"
        title = f"Dataset {self.name}: {kind}, {self.n_features} features (rows of X)"
        return f"<div><strong>{html.escape(title)}</strong>{table}{names}</div>"


# --------------------------------------------------------------------------------------
# Scalers
# --------------------------------------------------------------------------------------


class _Scaler:
    """Shared checks: fitted state and the feature count."""

    n_features_: int | None = None

    def _check_X(self, X: Any, what: str) -> Array:
        return as_float_array(X, "X")

    def _check_fitted(self, X: Array) -> None:
        name = type(self).__name__
        if self.n_features_ is None:
            raise RuntimeError(
                f"this {name} is not fitted yet; call fit(X) before {name}.transform"
            )
        if X.shape[0] != self.n_features_:
            hint = ""
            if X.shape[1] == self.n_features_:
                hint = " (X looks transposed: examples must be columns, shape (n_features, m))"
            raise ValueError(
                f"{name} was fitted on {self.n_features_} features (rows) but X has shape "
                f"{X.shape}, i.e. {X.shape[0]} features{hint}"
            )

    def fit_transform(self, X: Any) -> Array:
        """Fit on ``X`` (shape (n_features, m)); return ``transform(X)`` (same shape, dtype)."""
        return self.fit(X).transform(X)

    def fit(self, X: Any) -> _Scaler:  # pragma: no cover - overridden
        raise NotImplementedError

    def transform(self, X: Any) -> Array:  # pragma: no cover - overridden
        raise NotImplementedError


class Standardizer(_Scaler):
    r"""Standardise each feature (row) to mean 0 and standard deviation 1.

    ``fit(X)`` computes, for X of shape (n_features, m) with examples as columns,

        μ = (1/m) Σᵢ x⁽ⁱ⁾,   σ² = (1/m) Σᵢ (x⁽ⁱ⁾ − μ)²     (per row, axis=1)

    and ``transform`` returns (X − μ) / σ.  A constant feature (σ = 0, or σ at
    rounding level relative to |μ|) gets σ = 1, so it maps to 0 and never to
    NaN.  The statistics are computed in float64; the output keeps the input's
    dtype (float32 in, float32 out).  Fit on the training part only and apply
    the same transform to validation and test data.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features, 1), float64
        μ.
    std_ : ndarray of shape (n_features, 1), float64
        σ as computed (0 for a constant feature).
    scale_ : ndarray of shape (n_features, 1), float64
        The divisor actually used (σ, with 0 replaced by 1).
    n_features_ : int
        Number of features seen in ``fit``.
    """

    def __init__(self) -> None:
        self.mean_: npt.NDArray[np.float64] | None = None
        self.std_: npt.NDArray[np.float64] | None = None
        self.scale_: npt.NDArray[np.float64] | None = None
        self.n_features_ = None

    def fit(self, X: Any) -> Standardizer:
        """Compute per-feature mean and standard deviation.

        Parameters
        ----------
        X : array_like of shape (n_features, m)
            Training inputs, examples as columns.

        Returns
        -------
        Standardizer
            ``self``.
        """
        X = self._check_X(X, "fit")
        mean = X.mean(axis=1, dtype=np.float64, keepdims=True)
        std = np.sqrt(np.mean(np.square(X.astype(np.float64) - mean), axis=1, keepdims=True))
        # σ at rounding-noise level (e.g. a constant float32 column) counts as 0.
        tiny = std <= 10 * np.finfo(X.dtype).eps * np.abs(mean)
        self.mean_ = mean
        self.std_ = std
        self.scale_ = np.where((std == 0) | tiny, 1.0, std)
        self.n_features_ = int(X.shape[0])
        return self

    def transform(self, X: Any) -> Array:
        """Return (X − μ) / σ.

        Parameters
        ----------
        X : array_like of shape (n_features, m)
            Inputs, examples as columns.

        Returns
        -------
        ndarray of shape (n_features, m)
            Same dtype as ``X`` (integers become float64).
        """
        X = self._check_X(X, "transform")
        self._check_fitted(X)
        assert self.mean_ is not None
        assert self.scale_ is not None
        dt = X.dtype
        out: Array = (X - self.mean_.astype(dt)) / self.scale_.astype(dt)
        return out

    def inverse_transform(self, X: Any) -> Array:
        """Undo :meth:`transform`: return X·σ + μ (shape (n_features, m), same dtype)."""
        X = self._check_X(X, "inverse_transform")
        self._check_fitted(X)
        assert self.mean_ is not None
        assert self.scale_ is not None
        dt = X.dtype
        out: Array = X * self.scale_.astype(dt) + self.mean_.astype(dt)
        return out

    def __repr__(self) -> str:
        state = "unfitted" if self.n_features_ is None else f"n_features={self.n_features_}"
        return f"Standardizer({state})"


class MinMaxScaler(_Scaler):
    """Rescale each feature (row) linearly to [0, 1] on the data it was fitted on.

    ``transform`` returns (X − min) / (max − min), per row; a constant feature
    (max = min) uses a range of 1 and maps to 0.  Values outside the fitted
    range (e.g. in test data) map outside [0, 1]; they are not clipped.  The
    output keeps the input's dtype.

    Attributes
    ----------
    min_ : ndarray of shape (n_features, 1), float64
        Per-feature minimum.
    max_ : ndarray of shape (n_features, 1), float64
        Per-feature maximum.
    range_ : ndarray of shape (n_features, 1), float64
        The divisor used (max − min, with 0 replaced by 1).
    n_features_ : int
        Number of features seen in ``fit``.
    """

    def __init__(self) -> None:
        self.min_: npt.NDArray[np.float64] | None = None
        self.max_: npt.NDArray[np.float64] | None = None
        self.range_: npt.NDArray[np.float64] | None = None
        self.n_features_ = None

    def fit(self, X: Any) -> MinMaxScaler:
        """Record per-feature minimum and maximum.

        Parameters
        ----------
        X : array_like of shape (n_features, m)
            Training inputs, examples as columns.

        Returns
        -------
        MinMaxScaler
            ``self``.
        """
        X = self._check_X(X, "fit")
        lo = X.min(axis=1, keepdims=True).astype(np.float64)
        hi = X.max(axis=1, keepdims=True).astype(np.float64)
        rng = hi - lo
        self.min_, self.max_ = lo, hi
        self.range_ = np.where(rng == 0, 1.0, rng)
        self.n_features_ = int(X.shape[0])
        return self

    def transform(self, X: Any) -> Array:
        """Return (X − min) / (max − min).

        Parameters
        ----------
        X : array_like of shape (n_features, m)
            Inputs, examples as columns.

        Returns
        -------
        ndarray of shape (n_features, m)
            Same dtype as ``X`` (integers become float64).
        """
        X = self._check_X(X, "transform")
        self._check_fitted(X)
        assert self.min_ is not None
        assert self.range_ is not None
        dt = X.dtype
        out: Array = (X - self.min_.astype(dt)) / self.range_.astype(dt)
        return out

    def inverse_transform(self, X: Any) -> Array:
        """Undo :meth:`transform`: X·(max − min) + min (shape (n_features, m), same dtype)."""
        X = self._check_X(X, "inverse_transform")
        self._check_fitted(X)
        assert self.min_ is not None
        assert self.range_ is not None
        dt = X.dtype
        out: Array = X * self.range_.astype(dt) + self.min_.astype(dt)
        return out

    def __repr__(self) -> str:
        state = "unfitted" if self.n_features_ is None else f"n_features={self.n_features_}"
        return f"MinMaxScaler({state})"


def _make_scaler(scale: str) -> _Scaler | None:
    check_choice(scale, SCALES, "scale")
    if scale == "standard":
        return Standardizer()
    if scale == "minmax":
        return MinMaxScaler()
    return None


# --------------------------------------------------------------------------------------
# Labels and splits
# --------------------------------------------------------------------------------------


def scaler_from_metadata(preprocessing: Mapping[str, Any]) -> Standardizer | MinMaxScaler | None:
    """A fitted scaler rebuilt from the statistics a model file stores (None: no scaling).

    Parameters
    ----------
    preprocessing : mapping
        ``{"kind": "standard", "mean": [...], "std": [...]}`` or
        ``{"kind": "minmax", "min": [...], "range": [...]}`` (one entry per
        feature), as ``chainrule train`` writes into the model's metadata; any
        other kind gives None.

    Returns
    -------
    Standardizer, MinMaxScaler or None

    Raises
    ------
    ValueError
        For an unknown kind, missing statistics, lists of different lengths, or
        a non-positive ``std``/``range``.
    """
    kind = preprocessing.get("kind", "none")
    if kind not in ("standard", "minmax", "divide", "none"):
        raise ValueError(
            f"preprocessing kind must be 'standard', 'minmax', 'divide' or 'none', got {kind!r}"
        )
    need = {"standard": ("mean", "std"), "minmax": ("min", "range")}.get(kind, ())
    if need:
        missing = [k for k in need if k not in preprocessing]
        if missing:
            raise ValueError(f"preprocessing of kind {kind!r} needs {need}; missing {missing}")
        a, b = (np.asarray(preprocessing[k], dtype=np.float64).reshape(-1) for k in need)
        if a.size != b.size or not (np.isfinite(a).all() and np.isfinite(b).all()):
            raise ValueError(
                f"preprocessing {need[0]!r} and {need[1]!r} must be finite lists of equal "
                f"length, got lengths {a.size} and {b.size}"
            )
        if (b <= 0).any():
            raise ValueError(f"preprocessing {need[1]!r} must be > 0 for every feature")
    scaler: Standardizer | MinMaxScaler
    if kind == "standard":
        st = Standardizer()
        st.mean_ = np.asarray(preprocessing["mean"], dtype=np.float64).reshape(-1, 1)
        st.scale_ = np.asarray(preprocessing["std"], dtype=np.float64).reshape(-1, 1)
        st.std_ = st.scale_
        st.n_features_ = int(st.mean_.size)
        scaler = st
    elif kind == "minmax":
        mm = MinMaxScaler()
        mm.min_ = np.asarray(preprocessing["min"], dtype=np.float64).reshape(-1, 1)
        mm.range_ = np.asarray(preprocessing["range"], dtype=np.float64).reshape(-1, 1)
        mm.max_ = mm.min_ + mm.range_
        mm.n_features_ = int(mm.min_.size)
        scaler = mm
    else:
        return None
    return scaler


def apply_preprocessing(
    X: Any, preprocessing: Mapping[str, Any] | None, dtype: Any = "float64"
) -> Array:
    """Raw features -> network input, as a model file's stored preprocessing says.

    ``chainrule train`` stores the input scaling it fitted on the training part
    in the model's ``metadata["preprocessing"]``; this applies it, as
    ``chainrule predict`` and ``chainrule evaluate`` do::

        net = chainrule.load("run/model.npz")
        A = net.forward(apply_preprocessing(X_raw.T, net.metadata.get("preprocessing"), net.dtype))

    Parameters
    ----------
    X : array_like of shape (n[0], m)
        Raw features, one example per column.
    preprocessing : mapping or None
        ``{"kind": "standard" | "minmax" | "divide" | "none", ...}`` (see
        :func:`scaler_from_metadata`; "divide" is ``{"kind": "divide", "by":
        255.0}`` for pixels); None means no scaling.
    dtype : dtype, default "float64"
        The result's dtype (the network's).

    Returns
    -------
    ndarray of shape (n[0], m)
    """
    pre = preprocessing or {"kind": "none"}
    scaler = scaler_from_metadata(pre)  # (checks the kind and the statistics)
    if pre.get("kind", "none") == "divide":
        by = pre.get("by")
        if not isinstance(by, (int, float)) or not by > 0:
            raise ValueError(f"preprocessing of kind 'divide' needs 'by' > 0, got {by!r}")
        return (np.asarray(X, dtype=np.float64) / float(by)).astype(dtype)
    X = np.asarray(X).astype(dtype, copy=False)
    return X if scaler is None else scaler.transform(X)


_one_hot = one_hot  # load_mnist's ``one_hot`` flag shadows the function's name


def _n_part(fraction: float, m: int) -> int:
    """Examples given to a part of size ``fraction`` of m (rounded up, like scikit-learn)."""
    return math.ceil(fraction * m) if fraction > 0 else 0


def _allocate(n: int, weights: IntArray, caps: IntArray) -> IntArray:
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
    n_test = _n_part(test_size, m)
    n_val = _n_part(val_size, m)
    if m - n_test - n_val < 1:
        raise ValueError(
            f"val_size={val_size} and test_size={test_size} leave no training example "
            f"out of m={m} (val {n_val}, test {n_test})"
        )
    rng = np.random.default_rng(seed)
    labels = y[0] if (y.ndim == 2 and y.shape[0] == 1) else y
    if stratify and labels.ndim == 1 and labels.dtype.kind in "iub":
        classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
        t_c = _allocate(n_test, counts, counts)
        v_c = _allocate(n_val, counts, counts - t_c)
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


# --------------------------------------------------------------------------------------
# Building a Dataset from row-layout arrays
# --------------------------------------------------------------------------------------


def _encode_classes(
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


def _sk_split_indices(
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

    n_test = _n_part(test_size, m)
    n_val = _n_part(val_size, m)
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


def _dataset_from_rows(
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
    scaler = _make_scaler(scale)
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
        y, target_names = _encode_classes(y, target_names, name)
        if task == "binary" and len(np.unique(y)) > 2:
            raise ValueError(
                f"{name}: task='binary' (--task binary on the command line) but y has "
                f"{len(np.unique(y))} classes; use task='multiclass' (--task multiclass)"
            )
    tr, va, te = _sk_split_indices(
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


# --------------------------------------------------------------------------------------
# scikit-learn bundled sets
# --------------------------------------------------------------------------------------


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
    return _dataset_from_rows(
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


# --------------------------------------------------------------------------------------
# Cat vs non-cat (the course's HDF5 files)
# --------------------------------------------------------------------------------------


def _find_folder(data_dir: Any, sub: str, files: Sequence[str]) -> tuple[Path, list[Path]]:
    """The folder holding ``files``: data_dir itself or data_dir/sub (default: default/sub)."""
    if data_dir is None:
        folder = default_data_dir() / sub
        return folder, [folder]
    base = Path(data_dir).expanduser()
    looked = [base, base / sub]
    for folder in looked:
        if any((folder / f).exists() or (folder / f.removesuffix(".gz")).exists() for f in files):
            return folder, looked
    return (base / sub if (base / sub).is_dir() else base), looked


def _missing(file: str, folder: Path, looked: list[Path]) -> DataNotFoundError:
    return DataNotFoundError(file, folder, looked)


def flatten_images(x_orig: Any) -> npt.NDArray[np.float64]:
    """Flatten images to columns and scale to [0, 1] -- the course's preprocessing.

    Computes ``x_orig.reshape(m, -1).T / 255.``: each image is flattened in C
    order (row, column, channel) into one column.

    Parameters
    ----------
    x_orig : array_like of shape (m, height, width[, channels])
        Images, values 0..255 (any numeric dtype, e.g. uint8).

    Returns
    -------
    ndarray of shape (height*width*channels, m), float64
        An F-ordered array (the transpose of a C-ordered (m, n) one): each
        example is contiguous, so column batches are cheap views.
    """
    x = np.asarray(x_orig)
    if x.ndim < 2:
        raise ValueError(f"x_orig must have shape (m, ...) with one image per row, got {x.shape}")
    flat: npt.NDArray[np.float64] = x.reshape(x.shape[0], -1).T / 255.0
    return flat


def _read_h5(path: Path, keys: Sequence[str]) -> dict[str, npt.NDArray[Any]]:
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(
            f"{path} is not a readable HDF5 file (corrupt or truncated?): {exc}"
        ) from exc
    out: dict[str, npt.NDArray[Any]] = {}
    with f:
        for key in keys:
            if key not in f:
                continue
            try:
                out[key] = np.array(f[key][()])
            except (OSError, TypeError) as exc:
                raise ValueError(f"{path}: cannot read dataset {key!r}: {exc}") from exc
        found = sorted(f.keys())
    for key in keys[:2]:
        if key not in out:
            raise ValueError(f"{path} has no dataset {key!r} (it holds {found})")
    return out


def load_catvnoncat(
    data_dir: Any = None,
) -> tuple[
    npt.NDArray[np.uint8],
    npt.NDArray[np.int64],
    npt.NDArray[np.uint8],
    npt.NDArray[np.int64],
    npt.NDArray[np.bytes_],
]:
    """Load the course's cat-vs-non-cat images, exactly like the course's ``load_data()``.

    Parameters
    ----------
    data_dir : str or path-like, optional
        The folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``,
        or a folder with a ``catvnoncat/`` subfolder holding them.  Default:
        ``default_data_dir() / "catvnoncat"``.

    Returns
    -------
    train_x_orig : ndarray of shape (209, 64, 64, 3), uint8
        Training images, RGB, 0..255.
    train_y : ndarray of shape (1, 209), int64
        Training labels, 1 = cat (72 of 209), 0 = non-cat.
    test_x_orig : ndarray of shape (50, 64, 64, 3), uint8
        Test images.
    test_y : ndarray of shape (1, 50), int64
        Test labels (33 cats of 50).
    classes : ndarray of shape (2,), bytes
        ``[b'non-cat', b'cat']`` (from the test file, as in the course).

    Raises
    ------
    FileNotFoundError
        Naming the missing file and the folder(s) searched.
    ValueError
        If a file is not valid HDF5 or lacks the expected data sets (naming the file).

    See Also
    --------
    flatten_images : to (12288, m) float64 columns in [0, 1].
    """
    folder, looked = _find_folder(data_dir, "catvnoncat", _CAT_FILES)
    paths = [folder / f for f in _CAT_FILES]
    for f, p in zip(_CAT_FILES, paths, strict=True):
        if not p.is_file():
            raise _missing(f, folder, looked)
    parts = []
    for part, p in zip(("train", "test"), paths, strict=True):
        d = _read_h5(p, (f"{part}_set_x", f"{part}_set_y", "list_classes"))
        x, y = d[f"{part}_set_x"], d[f"{part}_set_y"]
        if x.ndim != 4 or y.size != x.shape[0]:
            raise ValueError(
                f"{p}: expected {part}_set_x of shape (m, 64, 64, 3) and m labels, got "
                f"{part}_set_x {x.shape} and {part}_set_y {y.shape}"
            )
        parts.append((x, y.reshape(1, -1).astype(np.int64), d.get("list_classes")))
    (train_x, train_y, train_cls), (test_x, test_y, test_cls) = parts
    classes = test_cls if test_cls is not None else train_cls
    if classes is None:
        raise ValueError(f"neither {paths[0]} nor {paths[1]} has a 'list_classes' dataset")
    return train_x, train_y, test_x, test_y, np.asarray(classes)


# --------------------------------------------------------------------------------------
# MNIST (IDX files)
# --------------------------------------------------------------------------------------


def _read_exact(f: IO[bytes], n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = f.read(n - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_idx(path: Any) -> npt.NDArray[np.uint8]:
    """Read an IDX file (gzip-compressed or raw), e.g. one of the MNIST files.

    The format: a big-endian header -- the magic number, bytes
    ``00 00 <type code> <ndim>``, then ``ndim`` unsigned 32-bit dimensions --
    followed by the values in C order.  Only type code ``0x08`` (unsigned
    byte) and 1 or 3 dimensions (labels, images) are supported, which covers
    MNIST and its look-alikes.  Compression is detected from the file's first
    bytes, not its name.  Nothing is unpickled.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    ndarray of shape dims, uint8
        ``(count,)`` for a label file, ``(count, rows, cols)`` for images.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        Naming the file: a bad magic number, an unsupported type code or
        dimension count, a payload shorter than the header says (with the
        expected and actual byte counts), trailing bytes, or broken gzip data.

    Notes
    -----
    Memory is never allocated from the header's dimensions alone (a corrupt
    header can claim terabytes): a raw file's size is compared with the
    header first, and a gzip stream is read into a buffer that grows only with
    the bytes actually decompressed, up to one byte more than the header's
    size, before the lengths are compared.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    with open(path, "rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        f: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if is_gzip else raw  # type: ignore[assignment]
        try:
            return _parse_idx(f, path, None if is_gzip else os.fstat(raw.fileno()).st_size)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: corrupt or truncated gzip data: {exc}") from exc
        finally:
            if is_gzip:
                f.close()


def _parse_idx(f: IO[bytes], path: Path, size: int | None) -> npt.NDArray[np.uint8]:
    """Parse an IDX stream; ``size`` is the file's length in bytes (None for gzip data)."""
    magic = _read_exact(f, 4)
    if len(magic) < 4:
        raise ValueError(f"{path}: too short for an IDX header ({len(magic)} bytes)")
    if magic[:2] != b"\x00\x00":
        raise ValueError(
            f"{path}: bad IDX magic number 0x{magic.hex()} (the first two bytes must be 00 00; "
            "is this an IDX file?)"
        )
    code, ndim = magic[2], magic[3]
    if code != 0x08:
        kind = _IDX_TYPES.get(code, "unknown")
        raise ValueError(
            f"{path}: unsupported IDX type code 0x{code:02x} ({kind}); only 0x08 (unsigned "
            "byte) is supported"
        )
    if ndim not in _IDX_NDIMS:
        raise ValueError(
            f"{path}: unsupported number of dimensions {ndim} in the IDX magic number "
            f"0x{magic.hex()}; only 1 (labels) or 3 (images) are supported"
        )
    head = _read_exact(f, 4 * ndim)
    if len(head) < 4 * ndim:
        raise ValueError(
            f"{path}: truncated IDX header: expected {4 * ndim} bytes of dimensions, "
            f"got {len(head)}"
        )
    dims = struct.unpack(f">{ndim}I", head)
    n = math.prod(dims)
    header = 4 + 4 * ndim
    # Never allocate from the header's numbers alone: a corrupt header can claim terabytes.
    # The payload is read into a buffer that grows only with the bytes really present
    # (a raw file's size is checked first), and its length is compared with n.
    if size is not None and size - header != n:
        raise _payload_error(path, dims, n, header, size - header)
    buf = bytearray()
    while len(buf) <= n:  # at most n + 1 bytes: one more than expected means trailing bytes
        chunk = f.read(min(_IDX_CHUNK, n + 1 - len(buf)))
        if not chunk:
            break
        buf += chunk
    got = len(buf)
    if got > n:  # count the rest without keeping it
        while chunk := f.read(_IDX_CHUNK):
            got += len(chunk)
    if got != n:
        raise _payload_error(path, dims, n, header, got)
    return np.frombuffer(buf, dtype=np.uint8).reshape(dims)


def _payload_error(path: Path, dims: tuple[int, ...], n: int, header: int, got: int) -> ValueError:
    """The message for an IDX payload whose length does not match the header's dims."""
    if got < n:
        return ValueError(
            f"{path}: truncated IDX payload: dims {dims} need {n} bytes after the "
            f"{header}-byte header, but only {got} are present (a truncated file, or a corrupt "
            "header claiming implausible dims)"
        )
    return ValueError(
        f"{path}: {got - n} unexpected trailing byte(s) after the {n}-byte payload of dims {dims} "
        f"({got} bytes follow the {header}-byte header)"
    )


def _mnist_file(folder: Path, looked: list[Path], name: str) -> Path:
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    raise _missing(name, folder, looked)


def load_mnist(
    data_dir: Any = None,
    *,
    split: str = "standard",
    dtype: Any = "float64",
    one_hot: bool = False,
) -> Dataset:
    """Load MNIST from the four original IDX files.

    Parameters
    ----------
    data_dir : str or path-like, optional
        The folder with ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
        ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz`` (or the
        same names without ``.gz``, uncompressed), or a folder with an ``mnist/``
        subfolder holding them.  Default: ``default_data_dir() / "mnist"``.
    split : {"standard", "nielsen"}, default="standard"
        "standard": the 60,000 training images for training, the 10,000 t10k
        images as test.  "nielsen": the first 50,000 training images for
        training, the last 10,000 as the validation part (``X_val``,
        ``y_val``), t10k as test -- the shape of Nielsen's ``mnist.pkl.gz``.
    dtype : {"float64", "float32"}, default="float64"
        dtype of X.
    one_hot : bool, default=False
        Return y as one-hot (10, m) arrays of ``dtype`` instead of int64 (m,).

    Returns
    -------
    Dataset
        ``X_train`` of shape (784, 60000) (or (784, 50000)), ``X_test`` (784,
        10000), pixels divided by 255 into [0, 1].  X is the transpose of a
        C-ordered (m, 784) array (F-ordered): each image is a contiguous
        column, so ``X[:, k:k+b]`` mini-batches are views.  With "nielsen",
        ``X_train`` and ``X_val`` are views into one array.

    Raises
    ------
    FileNotFoundError
        Naming the missing file and the folder(s) searched.
    ValueError
        For a corrupt file (see :func:`read_idx`), images that are not 3-D
        or not 28×28, labels that are not 1-D, or different image and label
        counts.
    """
    check_choice(split, ("standard", "nielsen"), "split")
    dt = check_dtype(dtype)
    folder, looked = _find_folder(data_dir, "mnist", list(MNIST_FILES.values()))
    files = {k: _mnist_file(folder, looked, v) for k, v in MNIST_FILES.items()}
    parts = {}
    for part in ("train", "test"):
        img_path, lab_path = files[f"{part}_images"], files[f"{part}_labels"]
        images = read_idx(img_path)
        labels = read_idx(lab_path)
        if images.ndim != 3:
            raise ValueError(
                f"{img_path}: expected 3-D images (count, rows, cols), got {images.shape}"
            )
        if images.shape[1:] != _MNIST_IMAGE:
            rows, cols = images.shape[1:]
            want = "×".join(map(str, _MNIST_IMAGE))
            raise ValueError(
                f"{img_path}: MNIST images are {want} pixels, but this file holds {rows}×{cols} "
                f"images (dims {images.shape}); is it an MNIST file?"
            )
        if labels.ndim != 1:
            raise ValueError(
                f"{lab_path}: expected 1-D labels (count,), got dims {labels.shape}; "
                "is this a label file (magic number 0x00000801)?"
            )
        if images.shape[0] != labels.shape[0]:
            raise ValueError(
                f"MNIST {part} image and label counts differ: {img_path.name} has "
                f"{images.shape[0]} images but {lab_path.name} has {labels.shape[0]} labels"
            )
        m = images.shape[0]
        X_rows = np.empty((m, images.shape[1] * images.shape[2]), dtype=dt)
        np.divide(images.reshape(m, -1), 255, out=X_rows, dtype=dt)
        parts[part] = (X_rows.T, labels.astype(np.int64))
    X_train, y_train = parts["train"]
    X_test, y_test = parts["test"]
    n_classes = max(10, int(max(y_train.max(initial=0), y_test.max(initial=0))) + 1)
    X_val = y_val = None
    if split == "nielsen":
        m = X_train.shape[1]
        if m <= _NIELSEN_VAL:
            raise ValueError(
                f"split='nielsen' keeps the last {_NIELSEN_VAL} training images for validation, "
                f"but {files['train_images']} has only {m}"
            )
        X_val, y_val = X_train[:, m - _NIELSEN_VAL :], y_train[m - _NIELSEN_VAL :]
        X_train, y_train = X_train[:, : m - _NIELSEN_VAL], y_train[: m - _NIELSEN_VAL]
    ys: list[npt.NDArray[Any] | None] = [y_train, y_val, y_test]
    if one_hot:
        ys = [None if y is None else _one_hot(y, n_classes, dt) for y in ys]
    assert ys[0] is not None
    assert ys[2] is not None
    return Dataset(
        X_train=X_train,
        y_train=ys[0],
        X_test=X_test,
        y_test=ys[2],
        feature_names=None,
        target_names=[str(k) for k in range(n_classes)],
        task="multiclass",
        name="mnist" if split == "standard" else "mnist-nielsen",
        X_val=X_val,
        y_val=ys[1],
    )


# --------------------------------------------------------------------------------------
# User files and the dispatcher
# --------------------------------------------------------------------------------------


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_rows(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    """(line number, stripped cells) of every CSV row that is not blank or a ``#`` comment."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            for row in reader:
                cells = [cell.strip() for cell in row]
                if not any(cells) or cells[0].startswith("#"):
                    continue
                yield reader.line_num, cells
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text CSV file (it is not valid UTF-8: {exc})") from None
    except csv.Error as exc:
        raise ValueError(f"{path}: not a readable CSV file: {exc}") from None


def _is_header(first: list[str], second: list[str] | None) -> bool:
    """Is ``first`` a header row?  Yes if it holds no number at all, or text where the next
    row has a number; a row of numbers with a text class label (``1.5,2,cat``) is data."""
    text = [not _is_number(cell) for cell in first]
    if not any(text):
        return False
    if all(text):
        return True
    return second is not None and any(
        t and _is_number(cell) for t, cell in zip(text, second, strict=False)
    )


def _preview_row(cells: list[str], limit: int = 60) -> str:
    text = ",".join(cells)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _read_csv(
    path: Path, target_column: Any = None, *, has_target: bool = True
) -> tuple[npt.NDArray[np.float64], npt.NDArray[Any] | None, list[str] | None, int | None]:
    """Read a CSV file of examples as rows: features are numbers, the label may be class names.

    Parameters
    ----------
    path : Path
        The file: comma-separated, one example per row, an optional header row
        (detected, see :func:`_is_header`), blank lines and ``#`` lines skipped.
    target_column : int or str, optional
        The label column, by index or header name; default the last one.
    has_target : bool, default=True
        False: every column is a feature (``target_column`` is dropped if given).

    Returns
    -------
    X_rows : ndarray of shape (m, n), float64
        The feature columns, one example per row.
    y : ndarray of shape (m,) or None
        The label column: float64 if every value is a number, else str
        (class names).  None when there is no target column.
    header : list of str or None
        The header row (all columns), if there is one.
    col : int or None
        The index of the label column in the file.
    """
    rows = _csv_rows(path)
    first = next(rows, None)
    second = next(rows, None)
    rows.close()
    if first is None:
        raise ValueError(f"{path}: no data rows (the file is empty)")
    header = first[1] if _is_header(first[1], None if second is None else second[1]) else None
    if header is not None and second is None:
        raise ValueError(
            f"{path}: no data rows: the only row, {_preview_row(header)}, has no numbers, so it "
            "was read as the header row (data rows hold numbers"
            + (", except a class-label column)" if has_target else ")")
        )
    n_cols = len(first[1])
    col: int | None = None
    if has_target or target_column is not None:
        if has_target and n_cols < 2:
            raise ValueError(
                f"{path}: need at least one feature column and one label column, found {n_cols} "
                "column"
            )
        col = _column_index(target_column, n_cols, header, path)
    # Fast path: a file of numbers only, read by NumPy's C parser.  NumPy warns on a file
    # without data; every such case is reported below in our own words, so silence it.
    data: npt.NDArray[np.float64] | None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            data = np.loadtxt(
                path,
                delimiter=",",
                skiprows=1 if header else 0,
                ndmin=2,
                dtype=np.float64,
                encoding="utf-8-sig",
            )
        except ValueError:
            data = None
    if data is None or data.shape[0] == 0 or data.shape[1] != n_cols:
        # Slow path: text labels, quoted cells, comments before the header, or an error
        # to report (ragged rows, text in a feature column) with its line and column.
        data, labels = _parse_csv_cells(path, header, n_cols, col, has_target)
    else:
        labels = None if col is None else data[:, col]
    X_rows = data if col is None else np.delete(data, col, axis=1)
    return X_rows, (labels if has_target else None), header, col


def _parse_csv_cells(
    path: Path, header: list[str] | None, n_cols: int, col: int | None, has_target: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[Any] | None]:
    """Every row's cells -> (all columns as float64 with the label column NaN, labels)."""
    rows = _csv_rows(path)
    if header is not None:
        next(rows)
    cells: list[list[str]] = []
    lines: list[int] = []
    for line, row in rows:
        if len(row) != n_cols:
            first = "header row" if header is not None else "first row"
            raise ValueError(
                f"{path}, line {line}: {len(row)} comma-separated values, but the {first} has "
                f"{n_cols}; every row needs the same number of values"
            )
        cells.append(row)
        lines.append(line)
    table = np.array(cells, dtype=str).reshape(len(cells), n_cols)
    features = [j for j in range(n_cols) if j != col]
    try:
        X = table[:, features].astype(np.float64)
    except ValueError:
        i, j = next(
            (i, j) for i, row in enumerate(cells) for j in features if not _is_number(row[j])
        )
        name = f"{header[j]!r} (index {j})" if header is not None else f"index {j}"
        rule = (
            "feature columns must hold numbers (only the label column may hold class names)"
            if has_target
            else "every column must hold numbers"
        )
        cell = cells[i][j]
        if cell.strip().lower() in _MISSING_CELLS:
            n_missing = sum(
                row[k].strip().lower() in _MISSING_CELLS for row in cells for k in features
            )
            raise DataFileError(
                f"{path}, line {lines[i]}, column {name}: {cell!r} is a missing value "
                f"({n_missing} in the feature columns); {MISSING_ADVICE}"
            ) from None
        message = f"{path}, line {lines[i]}, column {name}: {cell!r} is not a number; {rule}"
        python = cli = ""
        if all(not _is_number(row[j]) for row in cells):
            # a column of text in every row is most likely the labels: say how to name it
            ref = header[j] if header is not None else j
            verb = "read it as the labels" if has_target else "drop it"
            python = f" (column {ref!r} holds text in every row; to {verb}: target_column={ref!r})"
            cli = f" (column {ref!r} holds text in every row; to {verb}: --target-column {ref})"
        raise DataFileError(message, python=python, cli=cli) from None
    data = np.full((len(cells), n_cols), np.nan)
    data[:, features] = X
    labels: npt.NDArray[Any] | None = None
    if col is not None:
        labels = table[:, col]
        if all(_is_number(v) for v in labels):
            labels = labels.astype(np.float64)
            data[:, col] = labels
    return data, labels


def _column_index(target_column: Any, n_cols: int, header: list[str] | None, path: Path) -> int:
    """The label column's index in a CSV file of ``n_cols`` columns (default: the last)."""
    if target_column is None:
        return n_cols - 1
    what = f"target_column={target_column!r} (--target-column on the command line)"
    if isinstance(target_column, str):
        if header is None:
            raise ValueError(
                f"{path} has no header row, so {what} cannot be found by name; give a column "
                f"index (0 to {n_cols - 1}, or negative from the end)"
            )
        if target_column not in header:
            guess = _label_guess(header)
            raise DataFileError(
                f"{path}: no column named {target_column!r}; columns are {header}",
                python=f" (pass one as target_column=, e.g. target_column={guess!r})",
                cli=f" (pass one with --target-column, e.g. --target-column {guess})",
            )
        return header.index(target_column)
    if isinstance(target_column, bool) or not isinstance(target_column, int | np.integer):
        raise TypeError(f"target_column must be a column index or name, got {target_column!r}")
    if not -n_cols <= target_column < n_cols:
        raise ValueError(
            f"{path}: {what} is out of range for {n_cols} columns (valid: {-n_cols} to "
            f"{n_cols - 1})"
        )
    return int(target_column) % n_cols


def _guess_task(y: npt.NDArray[Any]) -> str:
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


def _load_file(
    path: Path,
    *,
    target_column: Any,
    task: str | None,
    test_size: float,
    val_size: float,
    seed: int,
    dtype: np.dtype[Any],
    scale: str,
) -> Dataset:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".npz"):
        raise ValueError(f"{path}: unsupported file type {suffix!r}; use a .csv or .npz file")
    if not path.is_file():
        raise FileNotFoundError(f"data file not found: {path}")
    feature_names: list[str] | None
    target_names: list[str] | None = None
    if suffix == ".csv":
        X_rows, y_csv, header, col = _read_csv(path, target_column)
        assert y_csv is not None
        y = y_csv
        feature_names = None if header is None else [h for i, h in enumerate(header) if i != col]
    else:
        if target_column is not None:
            raise ValueError(
                "target_column applies to .csv files; a .npz file has arrays 'X' and 'y'"
            )
        try:
            with np.load(path, allow_pickle=False) as npz:
                keys = list(npz.keys())
                if "X" not in keys or "y" not in keys:
                    raise ValueError(
                        f"{path} must hold arrays 'X' (m, n) and 'y' (m,); it holds {keys}"
                    )
                X_rows, y = npz["X"], npz["y"]
                names = {
                    k: [str(s) for s in npz[k].reshape(-1)]
                    for k in ("feature_names", "target_names")
                    if k in keys
                }
        except ValueError as exc:
            if str(path) in str(exc):
                raise
            raise ValueError(f"{path}: cannot read this .npz file: {exc}") from exc
        except (OSError, EOFError) as exc:  # not a zip archive, truncated, ...
            raise ValueError(f"{path}: cannot read this .npz file: {exc}") from exc
        if X_rows.ndim != 2:
            raise ValueError(
                f"{path}: 'X' must be 2-D (m, n), one example per row; got shape {X_rows.shape}"
            )
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim not in (1, 2):
            raise ValueError(f"{path}: 'y' must have shape (m,) or (m, k); got {y.shape}")
        feature_names = names.get("feature_names")
        target_names = names.get("target_names")
        if y.dtype == np.bool_:
            y = y.astype(np.int64)
        elif y.dtype.kind == "S":  # byte strings: class names
            y = y.astype(str)
    if y.shape[0] != X_rows.shape[0]:
        raise ValueError(
            f"{path}: X has {X_rows.shape[0]} examples (rows) but y has {y.shape[0]} "
            f"(X {X_rows.shape}, y {y.shape}); files hold one example per row"
        )
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
        text = next(v for v in y.reshape(-1) if not _is_number(str(v)))
        raise ValueError(
            f"{path}: task='regression' (--task regression on the command line) needs numeric "
            f"targets, but the labels hold text such as {str(text)!r}; text labels are class "
            "names: use task='binary' or 'multiclass' (--task), or leave the task to be guessed"
        )
    if task != "regression" and y.ndim != 1:
        raise ValueError(
            f"{path}: classification needs one label per example, y has shape {y.shape}"
        )
    return _dataset_from_rows(
        X_rows,
        y,
        name=path.stem,
        task=task,
        feature_names=feature_names,
        target_names=target_names,
        test_size=test_size,
        val_size=val_size,
        seed=seed,
        dtype=dtype,
        scale=scale,
    )


def _carve_val(ds: Dataset, val_size: float, seed: int) -> Dataset:
    """Move a seeded, stratified ``val_size`` fraction of ``ds``'s training part to validation."""
    if val_size == 0:
        return ds
    m = ds.m_train
    if _n_part(val_size, m) >= m:
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
        return _carve_val(ds, val_size, seed)
    if key is not None and key.lower() == "mnist":
        return _carve_val(load_mnist(data_dir, split=split, dtype=dt), val_size, seed)
    path = Path(name_or_path).expanduser()
    if (
        path.suffix.lower() not in (".csv", ".npz")
        and not path.exists()
        and os.sep not in str(name_or_path)
    ):
        valid = sorted([*SKLEARN_DATASETS, *_CAT_NAMES, "mnist"])
        raise ValueError(
            f"unknown data set {name_or_path!r}: not a known name and not a .csv/.npz file; "
            f"valid names are: {', '.join(valid)}"
        )
    return _load_file(
        path,
        target_column=target_column,
        task=task,
        test_size=test_size,
        val_size=val_size,
        seed=seed,
        dtype=dt,
        scale=scale,
    )
