r"""Data sets, splits and scalers, with examples as **columns**.

Everything in chainrule follows the course's layout: a design matrix ``X`` has
shape (n_features, m), one example per column, and labels ``y`` have shape
(m,) (class indices) or (k, m) (one-hot or multi-output targets).

Files on disk use the opposite, universal convention -- one example per
**row** (CSV, ``.npz``, scikit-learn, IDX, HDF5) -- and the loaders here
transpose once, on the way in.

What is where
-------------
* ``data.paths`` -- :func:`default_data_dir`; the errors ``DataFileError``,
  ``DataNotFoundError``, ``InapplicableArgumentError``.
* ``data.dataset`` -- :class:`Dataset`, a frozen bundle of train / (val) / test parts.
* ``data.scalers`` -- x' = (x − shift) / scale: :class:`AffineScaler`,
  :class:`Standardizer`, :class:`MinMaxScaler`; :func:`scaler_from_metadata` and
  :func:`apply_preprocessing`, a model file's stored input scaling.
* ``data.splits`` -- :func:`train_val_test_split` and the loaders' seeded splits.
* ``data.from_rows`` -- row-layout arrays -> a split, scaled, transposed Dataset.
* ``data.readers`` -- a user's ``.csv`` / ``.npz`` file: :func:`read_table`.
* ``data.sklearn_sets`` -- :func:`load_sklearn`, scikit-learn's bundled sets.
* ``data.catvnoncat`` -- :func:`load_catvnoncat`, :func:`flatten_images` (HDF5).
* ``data.mnist`` -- :func:`read_idx`, :func:`load_mnist` (IDX).
* ``data.load`` -- :func:`load_dataset`: one entry point, by name or by file.

Each module imports only those before it in this list.  Everything public is
importable from ``chainrule.data`` itself (:func:`one_hot` comes from
:mod:`chainrule.head`).

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

from chainrule.data.catvnoncat import flatten_images, load_catvnoncat
from chainrule.data.dataset import TASKS, Dataset
from chainrule.data.load import load_dataset
from chainrule.data.mnist import MNIST_FILES, load_mnist, read_idx
from chainrule.data.paths import (
    DATA_ENV_VAR,
    DataFileError,
    DataNotFoundError,
    InapplicableArgumentError,
    default_data_dir,
)
from chainrule.data.readers import MISSING_ADVICE, read_table
from chainrule.data.scalers import (
    SCALES,
    AffineScaler,
    MinMaxScaler,
    Standardizer,
    apply_preprocessing,
    scaler_from_metadata,
)
from chainrule.data.sklearn_sets import SKLEARN_DATASETS, load_sklearn
from chainrule.data.splits import train_val_test_split
from chainrule.head import one_hot

__all__ = [
    "DATA_ENV_VAR",
    "MISSING_ADVICE",
    "MNIST_FILES",
    "SCALES",
    "SKLEARN_DATASETS",
    "TASKS",
    "AffineScaler",
    "DataFileError",
    "DataNotFoundError",
    "Dataset",
    "InapplicableArgumentError",
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
    "read_table",
    "scaler_from_metadata",
    "train_val_test_split",
]
