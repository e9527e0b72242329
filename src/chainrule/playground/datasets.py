"""The playground's data: six 2-D sets, the input features, the image presets, an upload.

The 2-D sets live in x = (x₁, x₂) ∈ [-6, 6]², as in TensorFlow Playground, and are
drawn from one ``data_seed`` (the points, then the split), never from the network's
seed.  The network sees the chosen *features* of (x₁, x₂), unscaled, as its inputs
A[0] of shape (n[0], m):

    x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂

Classes are indices 0..K-1 (binary sets: 1 = the orange class of TF Playground),
regression targets are numbers.  ``noise`` is a percentage, 0..50.

The image presets come from chainrule.data (the course's cat HDF5 files, MNIST's
IDX files; a 2000 / 500 subset of MNIST keeps a step quick), pixels / 255.  An upload
is a CSV file read by :func:`chainrule.data.read_table`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from chainrule._typing import Array
from chainrule.data import (
    Standardizer,
    flatten_images,
    load_catvnoncat,
    load_mnist,
    read_table,
    train_val_test_split,
)
from chainrule.data.paths import find_folder

__all__ = [
    "DATASETS",
    "EXTENT",
    "FEATURES",
    "IMAGE_PRESETS",
    "MNIST_SUBSET",
    "TWO_D",
    "PlaygroundData",
    "Table",
    "feature_matrix",
    "load_preset",
    "make_2d",
    "preset_available",
    "read_upload",
    "table_data",
]


EXTENT = 6.0
"""The 2-D sets and the decision map cover [-EXTENT, EXTENT]² (TF Playground's square)."""

# name -> (label, f(x₁, x₂)); x₁, x₂ are arrays of shape (m,)
FEATURES: dict[str, tuple[str, Callable[[Array, Array], Array]]] = {
    "x1": ("x₁", lambda x1, x2: x1),
    "x2": ("x₂", lambda x1, x2: x2),
    "x1sq": ("x₁²", lambda x1, x2: x1 * x1),
    "x2sq": ("x₂²", lambda x1, x2: x2 * x2),
    "x1x2": ("x₁x₂", lambda x1, x2: x1 * x2),
    "sin_x1": ("sin x₁", lambda x1, x2: np.sin(x1)),
    "sin_x2": ("sin x₂", lambda x1, x2: np.sin(x2)),
}
"""The input features of the 2-D sets, in the order the network's inputs take them."""

TWO_D = ("circle", "xor", "gauss", "spiral", "moons", "plane")
"""The 2-D sets (``plane`` is the regression set)."""
IMAGE_PRESETS = ("cat", "mnist")
MULTICLASS_2D = ("gauss", "spiral")
"""The 2-D sets that take ``classes`` > 2."""

DATASETS: dict[str, dict[str, str]] = {
    "circle": {"label": "Circle", "kind": "2d", "task": "binary"},
    "xor": {"label": "Exclusive or", "kind": "2d", "task": "binary"},
    "gauss": {"label": "Gaussian blobs", "kind": "2d", "task": "binary"},
    "spiral": {"label": "Spiral", "kind": "2d", "task": "binary"},
    "moons": {"label": "Two moons", "kind": "2d", "task": "binary"},
    "plane": {"label": "Plane (regression)", "kind": "2d", "task": "regression"},
    "cat": {"label": "Cat vs non-cat (64×64 images)", "kind": "images", "task": "binary"},
    "mnist": {"label": "MNIST digits (2000 of them)", "kind": "images", "task": "multiclass"},
    "upload": {"label": "Uploaded CSV", "kind": "upload", "task": "binary"},
}
"""What /api/config lists; ``task`` is the default (gauss and spiral with classes > 2 are
multiclass, an upload's task is read from its target column)."""

MNIST_SUBSET = (2000, 500)
"""MNIST in the playground: the first 2000 training and first 500 test images."""


@dataclass
class PlaygroundData:
    """One data set as the network sees it (examples as columns).

    Attributes
    ----------
    X_train : ndarray of shape (n[0], m_train)
    y_train : ndarray of shape (m_train,)
        Class indices 0..K-1 (int64), or targets (float64) for regression.
    X_test, y_test : the same for the test part (m_test columns)
    raw_train, raw_test : ndarray of shape (2, m) or None
        (x₁, x₂) of each example, for the 2-D views (None for images and wide tables).
    """

    name: str
    kind: str  # "2d" | "images" | "table"
    task: str  # "binary" | "multiclass" | "regression"
    n_classes: int  # 1 for regression
    X_train: Array
    y_train: npt.NDArray[Any]
    X_test: Array
    y_test: npt.NDArray[Any]
    raw_train: Array | None = None
    raw_test: Array | None = None
    feature_names: list[str] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)
    image_shape: tuple[int, ...] | None = None

    @property
    def n_inputs(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def two_d(self) -> bool:
        """Whether the examples are points (x₁, x₂) (a decision map can be drawn)."""
        return self.raw_train is not None


def feature_matrix(raw: Array, features: list[str]) -> Array:
    """The network's inputs A[0] from the points.

    Parameters
    ----------
    raw : ndarray of shape (2, m)
        Rows x₁ and x₂.
    features : list of names of :data:`FEATURES`

    Returns
    -------
    ndarray of shape (len(features), m)
    """
    x1, x2 = raw[0], raw[1]
    return np.stack([FEATURES[f][1](x1, x2) for f in features]).astype(np.float64)


# -- the 2-D sets: points as rows (m, 2), then labels (m,) ----------------------------------


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Class 1 inside radius 2.5, class 0 in the ring 3.5..5 (TF Playground's circle)."""
    n_in = n // 2
    r = np.concatenate([rng.uniform(0.0, 2.5, n_in), rng.uniform(3.5, 5.0, n - n_in)])
    angle = rng.uniform(0.0, 2.0 * math.pi, n)
    pts = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    pts += rng.normal(0.0, 5.0 * noise, pts.shape)
    # the label is the region the noisy point lies in, as TF Playground does
    y = (np.hypot(pts[:, 0], pts[:, 1]) < 3.0).astype(np.int64)
    return pts, y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Class 1 where x₁x₂ ≥ 0; points kept a margin 0.3 away from the axes."""
    pts = rng.uniform(0.3, 5.0, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    y = (pts[:, 0] * pts[:, 1] >= 0).astype(np.int64)
    pts += rng.normal(0.0, 5.0 * noise, pts.shape)
    return pts, y


def _gauss(n: int, noise: float, rng: np.random.Generator, k: int) -> tuple[Array, Array]:
    """k Gaussian blobs with centres on a circle of radius 3 (two: at (2, 2) and (-2, -2))."""
    from sklearn.datasets import make_blobs

    if k == 2:
        centers = np.array([[-2.0, -2.0], [2.0, 2.0]])
    else:
        a = 2.0 * math.pi * np.arange(k) / k
        centers = 3.0 * np.column_stack([np.cos(a), np.sin(a)])
    seed = int(rng.integers(2**31 - 1))
    pts, y = make_blobs(n, centers=centers, cluster_std=0.6 + 4.0 * noise, random_state=seed)
    return pts.astype(np.float64), y.astype(np.int64)


def _spiral(n: int, noise: float, rng: np.random.Generator, k: int) -> tuple[Array, Array]:
    """k interleaved arms r = 5t, angle = 1.75·2πt + 2πc/k, t ∈ [0, 1)."""
    y = np.arange(n) % k
    t = rng.uniform(0.0, 1.0, n)
    angle = 1.75 * 2.0 * math.pi * t + 2.0 * math.pi * y / k
    r = 5.0 * t
    pts = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    pts += rng.normal(0.0, 5.0 * noise, pts.shape)
    return pts, y.astype(np.int64)


def _moons(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """scikit-learn's two moons, stretched from [-1, 2] × [-0.5, 1] to about [-5, 5]²."""
    from sklearn.datasets import make_moons

    seed = int(rng.integers(2**31 - 1))
    pts, y = make_moons(n, noise=noise, random_state=seed)
    pts = (pts - np.array([0.5, 0.25])) * np.array([3.3, 6.0])
    return pts.astype(np.float64), y.astype(np.int64)


def _plane(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Regression: y = (x₁ + x₂) / 10 (in [-1.2, 1.2]) plus Gaussian noise of σ = noise."""
    pts = rng.uniform(-EXTENT, EXTENT, (n, 2))
    y = (pts[:, 0] + pts[:, 1]) / 10.0 + rng.normal(0.0, noise, n)
    return pts, y


def make_2d(
    name: str,
    *,
    n_points: int,
    noise: float,
    classes: int,
    features: list[str],
    train_fraction: float,
    seed: int,
) -> PlaygroundData:
    """Draw a 2-D set and split it; everything from ``seed`` (the data seed).

    Parameters
    ----------
    name : one of :data:`TWO_D`
    n_points : int, all examples (train + test)
    noise : float, a percentage 0..50
    classes : int, 2.. (gauss and spiral only; the others have 2)
    features : list of names of :data:`FEATURES`
    train_fraction : float in (0, 1)
    seed : int
    """
    rng = np.random.default_rng(seed)
    p = noise / 100.0
    k = classes if name in MULTICLASS_2D else 2
    if name == "circle":
        pts, y = _circle(n_points, p, rng)
    elif name == "xor":
        pts, y = _xor(n_points, p, rng)
    elif name == "gauss":
        pts, y = _gauss(n_points, p, rng, k)
    elif name == "spiral":
        pts, y = _spiral(n_points, p, rng, k)
    elif name == "moons":
        pts, y = _moons(n_points, p, rng)
    elif name == "plane":
        pts, y = _plane(n_points, p, rng)
    else:
        raise ValueError(f"dataset must be one of {', '.join(TWO_D)}, got {name!r}")
    pts = np.clip(pts, -EXTENT, EXTENT)
    task = "regression" if name == "plane" else ("binary" if k == 2 else "multiclass")
    raw_train, y_train, _, _, raw_test, y_test = train_val_test_split(
        pts.T, y, test_size=round(1.0 - train_fraction, 12), seed=seed
    )
    return PlaygroundData(
        name=name,
        kind="2d",
        task=task,
        n_classes=1 if task == "regression" else k,
        X_train=feature_matrix(raw_train, features),
        y_train=y_train,
        X_test=feature_matrix(raw_test, features),
        y_test=y_test,
        raw_train=np.ascontiguousarray(raw_train, dtype=np.float64),
        raw_test=np.ascontiguousarray(raw_test, dtype=np.float64),
        feature_names=list(features),
        class_names=[] if task == "regression" else [str(c) for c in range(k)],
    )


def load_preset(name: str, data_dir: Any = None) -> PlaygroundData:
    """The cat or MNIST preset (raises FileNotFoundError naming the missing file).

    cat: 209 training and 50 test images of 64×64×3, inputs (12288, m) in [0, 1];
    mnist: the first 2000 training and 500 test images, inputs (784, m) in [0, 1].
    """
    if name == "cat":
        train_x, train_y, test_x, test_y, classes = load_catvnoncat(data_dir)
        return PlaygroundData(
            name="cat",
            kind="images",
            task="binary",
            n_classes=2,
            X_train=flatten_images(train_x),
            y_train=train_y.ravel().astype(np.int64),
            X_test=flatten_images(test_x),
            y_test=test_y.ravel().astype(np.int64),
            class_names=[c.decode() for c in classes],
            image_shape=tuple(train_x.shape[1:]),
        )
    if name == "mnist":
        ds = load_mnist(data_dir)
        n_tr, n_te = MNIST_SUBSET
        return PlaygroundData(
            name="mnist",
            kind="images",
            task="multiclass",
            n_classes=10,
            X_train=np.ascontiguousarray(ds.X_train[:, :n_tr]),
            y_train=np.asarray(ds.y_train[:n_tr], dtype=np.int64),
            X_test=np.ascontiguousarray(ds.X_test[:, :n_te]),
            y_test=np.asarray(ds.y_test[:n_te], dtype=np.int64),
            class_names=[str(d) for d in range(10)],
            image_shape=(28, 28),
        )
    raise ValueError(f"dataset must be one of {', '.join(IMAGE_PRESETS)}, got {name!r}")


def preset_available(name: str, data_dir: Any = None) -> str:
    """'' if the preset's files are found, else the reason they are not."""
    files = {
        "cat": ["train_catvnoncat.h5", "test_catvnoncat.h5"],
        "mnist": ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"],
    }[name]
    sub = "catvnoncat" if name == "cat" else "mnist"
    folder, looked = find_folder(data_dir, sub, files)
    plain = [f.removesuffix(".gz") for f in files]
    if all(
        (folder / f).is_file() or (folder / p).is_file() for f, p in zip(files, plain, strict=True)
    ):
        return ""
    return f"{sub} files not found in {', '.join(str(p) for p in looked) or folder}"


@dataclass
class Table:
    """An uploaded table: rows of features and one target, as read from the file."""

    X_rows: Array  # (m, n)
    y: npt.NDArray[Any]  # (m,) class indices or values
    task: str
    class_names: list[str]
    name: str


def read_upload(path: Path, name: str = "upload") -> Table:
    """Read an uploaded CSV with :func:`chainrule.data.read_table` (last column the target).

    Whole-number targets (or text) are classes, encoded 0..K-1 in sorted order; other
    numbers are a regression target.  Raises ValueError with the reader's message.
    """
    X_rows, y = read_table(path, need_target=True)
    assert y is not None  # need_target=True
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name}: expected one target column, got shape {y.shape}")
    if X_rows.shape[0] < 4:
        raise ValueError(f"{name}: needs at least 4 examples, got {X_rows.shape[0]}")
    if y.dtype.kind in "biuU" or (y.dtype.kind == "f" and np.all(y == np.round(y))):
        values, codes = np.unique(y, return_inverse=True)
        if len(values) < 2:
            raise ValueError(f"{name}: the target column has one class only ({values[0]})")
        if len(values) > 20:
            if y.dtype.kind in "f":  # many whole numbers: a numeric target after all
                return Table(X_rows, y.astype(np.float64), "regression", [], name)
            raise ValueError(f"{name}: {len(values)} classes in the target column, at most 20")
        task = "binary" if len(values) == 2 else "multiclass"
        names = [str(v.item() if hasattr(v, "item") else v) for v in values]
        return Table(X_rows, codes.astype(np.int64), task, names, name)
    return Table(X_rows, y.astype(np.float64), "regression", [], name)


def table_data(
    table: Table, *, features: list[str], train_fraction: float, seed: int
) -> PlaygroundData:
    """An uploaded table split into train and test (``seed``: the data seed).

    The columns are standardised, x′ = (x − μ) / σ with μ, σ of the training part
    (:class:`chainrule.data.Standardizer`), so that any file lands on the playground's
    scale.  With exactly two columns the table is a 2-D set: its standardised columns are
    (x₁, x₂) and the features apply; otherwise its columns are the inputs.
    """
    two_d = table.X_rows.shape[1] == 2
    raw = np.ascontiguousarray(table.X_rows.T)
    raw_train, y_train, _, _, raw_test, y_test = train_val_test_split(
        raw, table.y, test_size=round(1.0 - train_fraction, 12), seed=seed
    )
    scaler = Standardizer().fit(raw_train)
    raw_train, raw_test = scaler.transform(raw_train), scaler.transform(raw_test)
    if two_d:
        X_train, X_test = feature_matrix(raw_train, features), feature_matrix(raw_test, features)
        names = list(features)
    else:
        X_train, X_test = np.asarray(raw_train, np.float64), np.asarray(raw_test, np.float64)
        names = [f"x{j + 1}" for j in range(raw.shape[0])]
    return PlaygroundData(
        name="upload",
        kind="2d" if two_d else "table",
        task=table.task,
        n_classes=1 if table.task == "regression" else len(table.class_names),
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        raw_train=np.asarray(raw_train, np.float64) if two_d else None,
        raw_test=np.asarray(raw_test, np.float64) if two_d else None,
        feature_names=names,
        class_names=table.class_names,
    )
