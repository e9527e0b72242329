"""The :class:`Dataset`: train / (validation) / test parts of one data set, examples as columns."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from chainrule._display import html_table
from chainrule._typing import Array
from chainrule._validation import check_choice

__all__ = ["TASKS", "Dataset"]

TASKS = ("binary", "multiclass", "regression")
"""The values of :attr:`Dataset.task`."""


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
