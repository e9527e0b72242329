"""Data for the network, as ``train`` and ``evaluate`` prepare it.

A data set is loaded unscaled (:func:`chainrule.data.load_dataset`), the feature
scaling is fitted on the training part (``train``) or taken from the model file
(``evaluate``), and every part is turned into network input X of shape (n[0], m):
:func:`load_prepared`.  Scaling that overflows is named in the user's terms -- the
file, the column, the dtype -- instead of NumPy's warnings (:func:`apply_checked`).
Labels become what the output head trains on (:func:`encode_targets`), and
regression targets are standardised and unscaled again around the network
(:func:`unscale_targets`).

Where the CSV is read: :mod:`chainrule.data` (``chainrule predict``'s rows too:
``chainrule.data.read_table``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.cli._common import UsageError
from chainrule.cli.options import DEFAULTS
from chainrule.data import Standardizer, apply_preprocessing, scaler_from_metadata
from chainrule.data.scalers import SCALES, make_scaler, metadata_keys

if TYPE_CHECKING:
    from chainrule.data import Dataset
    from chainrule.head import OutputHead

__all__ = [
    "IMAGE_SETS",
    "Prepared",
    "apply_checked",
    "check_dataset_name",
    "check_two_classes",
    "column_arg",
    "encode_targets",
    "fit_preprocessing",
    "fit_target_scaling",
    "is_image_set",
    "load_prepared",
    "unscale_targets",
]

IMAGE_SETS = {"catvnoncat": 255.0, "cat": 255.0, "mnist": 255.0}
"""The image sets, and what their pixels are divided by."""


@dataclass
class Prepared:
    """The network-ready parts of a data set (examples as columns)."""

    ds: Dataset  # as loaded (unscaled features for tabular sets)
    X: dict[str, np.ndarray]  # part -> network input, shape (n[0], m_part)
    y: dict[str, np.ndarray]  # part -> raw labels/targets as the loader gave them
    preprocessing: dict[str, Any]


def is_image_set(name: str) -> bool:
    """Is ``name`` one of the image sets (whose pixels the loaders divide by 255)?"""
    return name.lower() in IMAGE_SETS


def check_dataset_name(name: str) -> None:
    """Unknown bare names are usage errors (exit 2), like an invalid choice."""
    from chainrule.data import SKLEARN_DATASETS

    p = Path(name).expanduser()
    known = {*SKLEARN_DATASETS, *IMAGE_SETS}
    if name.lower() in known or p.exists() or p.suffix.lower() in (".csv", ".npz"):
        return
    if "/" in name or "\\" in name:
        return  # a path: the loader reports it as missing (exit 1)
    raise UsageError(
        f"unknown data set {name!r}: not a bundled name and not a .csv/.npz file; "
        f"valid names are: {', '.join(sorted(known - {'cat'}))}"
    )


def column_arg(text: str | None) -> int | str | None:
    """``--target-column``'s text: an index (negative from the end) or a header name."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def _parts(ds: Dataset) -> list[str]:
    return ["train", "val", "test"] if ds.X_val is not None else ["train", "test"]


def load_prepared(
    name: str,
    *,
    data_dir: str | None,
    seed: int,
    test_fraction: float,
    val_fraction: float,
    dtype: str,
    scale: str | None,
    preprocessing: dict[str, Any] | None = None,
    target_column: Any = None,
    task: str | None = None,
    expect_features: int | None = None,
) -> Prepared:
    """Load a data set unscaled, then fit (or apply the stored) feature scaling on train.

    ``expect_features``: the model's input size; a data set with another number of
    features is refused before any scaling is applied.
    """
    from chainrule.data import load_dataset

    check_dataset_name(name)
    image = is_image_set(name)
    ds = load_dataset(
        name,
        data_dir=data_dir,
        seed=seed,
        test_size=test_fraction,
        val_size=val_fraction,
        dtype=dtype,
        scale="none",
        target_column=target_column,
        task=task,
    )
    if expect_features is not None and ds.n_features != expect_features:
        raise ValueError(
            f"the data set {name!r} has {ds.n_features} features but the model expects "
            f"{expect_features}"
        )
    parts = _parts(ds)
    raw = {part: getattr(ds, f"X_{part}") for part in parts}
    y = {part: getattr(ds, f"y_{part}") for part in parts}
    if image:
        # The image loaders already divide the pixels by 255.
        return Prepared(ds, raw, y, {"kind": "divide", "by": IMAGE_SETS[name.lower()]})
    if preprocessing is None:
        preprocessing = fit_preprocessing(scale or DEFAULTS["scale"], raw["train"])
    _check_statistics(name, raw["train"], preprocessing, ds.feature_names)
    X = {
        part: apply_checked(name, raw[part], preprocessing, ds.X_train.dtype, ds.feature_names)
        for part in parts
    }
    return Prepared(ds, X, y, preprocessing)


def fit_preprocessing(kind: str, X_train: np.ndarray) -> dict[str, Any]:
    """The model file's ``preprocessing`` entry of a scaling fitted on X_train (n, m).

    ``standard``: x' = (x − mean) / std, each feature over the m training examples;
    ``minmax``: x' = (x − min) / range; anything else: no scaling.  The entry is the
    scaler's own :meth:`~chainrule.data.AffineScaler.to_metadata` (which
    :func:`~chainrule.data.scaler_from_metadata` reads back).  Statistics that overflow are
    not checked here (:func:`load_prepared` names the column).
    """
    scaler = make_scaler(kind) if kind in SCALES else None
    if scaler is None:
        return {"kind": "none"}
    with np.errstate(all="ignore"):  # overflowing statistics are named by the caller
        scaler.fit(X_train)
    return scaler.to_metadata()


_SCALING_VERB = {
    "standard": "standardising",
    "minmax": "min-max scaling",
    "divide": "dividing",
    "none": "conversion",
}


def _column(names: Any, j: int) -> str:
    """A feature's name for messages: its header name, else its index."""
    if names is not None and j < len(names):
        return f"{j} ({names[j]!r})"
    return str(j)


def _check_statistics(
    source: str, raw: np.ndarray, preprocessing: dict[str, Any], names: Any
) -> None:
    """Scaling statistics fitted on ``raw`` (n, m) that overflowed: name the column."""
    kind = preprocessing.get("kind")
    keys = metadata_keys(str(kind))
    if keys is None:
        return
    a, b = (np.asarray(preprocessing[k], dtype=np.float64) for k in keys)
    bad = ~(np.isfinite(a) & np.isfinite(b))
    if bad.any():
        j = int(np.argmax(bad))
        big = float(np.max(np.abs(raw[j])))
        raise ValueError(
            f"{source}, column {_column(names, j)}: values up to {big:.3g} overflow float64 "
            f"when {'standardised' if kind == 'standard' else 'min-max scaled'} (the "
            f"{keys[1]} of the column exceeds {np.finfo(np.float64).max:.3g}); rescale that "
            "column"
        )


def apply_checked(
    source: str,
    raw: np.ndarray,
    preprocessing: dict[str, Any],
    dtype: Any,
    names: Any = None,
    *,
    rows: bool = False,
) -> np.ndarray:
    """``apply_preprocessing`` with overflow named in the user's terms (file, column, dtype).

    ``raw`` is (n, m) and finite; a value that the scaling or the cast to ``dtype`` turns
    into inf or NaN is a ValueError naming ``source``, the column (and with ``rows``, the
    row), the value and what overflowed, instead of NumPy's RuntimeWarnings followed by an
    error about NaN values that the file does not contain.
    """
    dt = np.dtype(dtype)
    with np.errstate(all="ignore"):
        try:
            X = apply_preprocessing(raw, preprocessing, dt)
            if np.isfinite(X).all():
                return X
        except ValueError:  # e.g. "X contains NaN" from the scaler: located below
            pass
        # where did it overflow: in the scaling (float64) or in the cast to dtype?
        X64 = apply_preprocessing(np.asarray(raw, dtype=np.float64), preprocessing, np.float64)
        finite = np.isfinite(X64)
        if finite.all():
            dt64 = X64.astype(dt)
            finite = np.isfinite(dt64)
        else:
            dt = np.dtype(np.float64)
    if finite.all():  # nothing overflowed: the scaling's own error, as it was
        return apply_preprocessing(raw, preprocessing, dtype)
    j, i = (int(v) for v in np.argwhere(~finite)[0])
    kind = str(preprocessing.get("kind", "none"))
    verb = _SCALING_VERB.get(kind, "scaling")
    if kind == "divide":
        verb += f" by {preprocessing.get('by')}"
    where = f", row {i}" if rows else ""
    stored = " with the model's stored scaling" if rows else ""
    raise ValueError(
        f"{source}, column {_column(names, j)}{where}: the value {float(raw[j, i]):.3g} overflows "
        f"{dt.name} after {verb}{stored} ({dt.name} holds magnitudes up to "
        f"{float(np.finfo(dt).max):.3g}); rescale that column"
        + ("" if dt == np.float64 or rows else " or use float64 (--dtype float64)")
    )


def check_two_classes(ds: Dataset, prep: Prepared, dataset: str) -> None:
    """A classifier needs examples of two classes at least (all the data's parts together)."""
    if ds.task == "regression":
        return
    ys = [np.asarray(prep.y[p]) for p in prep.y]
    if any(y.ndim != 1 for y in ys):  # one-hot targets from a loader: classes by construction
        return
    present = np.unique(np.concatenate(ys))
    if present.size >= 2:
        return
    names = list(ds.target_names or [])
    only = present[0] if present.size else None
    label = names[int(only)] if only is not None and int(only) < len(names) else only
    raise ValueError(
        f"{dataset}: every example has the label {str(label)!r}: a classifier needs examples of "
        "at least two classes (with --task regression the labels are taken as numbers)"
    )


def encode_targets(
    y: np.ndarray, head: OutputHead, dtype: Any, target_scaling: dict[str, Any] | None
) -> Any:
    """Labels as the loader gives them -> what Network.fit/cost take for this head."""
    Y = head.encode_labels(y, dtype)
    if head.targets == "values" and target_scaling:
        Y = _target_scaler(target_scaling).transform(Y)
    return Y


def fit_target_scaling(y_train: np.ndarray) -> dict[str, Any]:
    """Regression targets' ``{"mean": [...], "std": [...]}``, fitted on y_train (m,) or (k, m)."""
    Y = np.asarray(y_train, dtype=np.float64)
    fitted = fit_preprocessing("standard", Y.reshape(1, -1) if Y.ndim == 1 else Y)
    return {key: fitted[key] for key in Standardizer.keys}


def _target_scaler(target_scaling: dict[str, Any]) -> Any:
    """The Standardizer of regression targets, rebuilt from the stored mean and std."""
    scaler = scaler_from_metadata({"kind": "standard", **target_scaling})
    assert scaler is not None
    return scaler


def unscale_targets(AL: np.ndarray, target_scaling: dict[str, Any] | None) -> np.ndarray:
    """Network outputs -> predictions in the original units of the targets."""
    if not target_scaling:
        return AL
    return np.asarray(_target_scaler(target_scaling).inverse_transform(AL))
