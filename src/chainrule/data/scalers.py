r"""Feature scaling: one affine map per feature, x' = (x − shift) / scale.

Both scalers the loaders offer are the same map with other statistics, fitted on
the training part (examples as columns, one row per feature):

* :class:`Standardizer`: shift μ = (1/m) Σᵢ x⁽ⁱ⁾, scale σ = √((1/m) Σᵢ (x⁽ⁱ⁾ − μ)²)
  (a constant feature's σ = 0 becomes 1);
* :class:`MinMaxScaler`: shift min, scale max − min (0 becomes 1).

:class:`AffineScaler` holds the map, its inverse x = x'·scale + shift, the checks,
and the round trip through a model file's ``metadata["preprocessing"]``
(:meth:`AffineScaler.to_metadata`, :func:`scaler_from_metadata`);
:func:`apply_preprocessing` applies a stored scaling to raw features as
``chainrule predict`` does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt

from chainrule._typing import Array
from chainrule._validation import as_float_array, check_choice

__all__ = [
    "SCALES",
    "AffineScaler",
    "MinMaxScaler",
    "Standardizer",
    "apply_preprocessing",
    "make_scaler",
    "metadata_keys",
    "scaler_from_metadata",
]

SCALES = ("standard", "minmax", "none")
"""The values of the loaders' ``scale`` argument."""

Column = npt.NDArray[np.float64]
"""A per-feature statistic: shape (n_features, 1), float64."""


class AffineScaler(ABC):
    """x' = (x − shift) / scale, per feature (row); the base of both scalers.

    A subclass sets :attr:`kind` and :attr:`keys` (the names of its shift and
    scale in a model file's metadata), computes its statistics in ``fit`` and
    stores them with :meth:`_set` (shift, the divisor actually used, and the
    statistics it names itself).

    The statistics are float64; ``transform`` and ``inverse_transform`` keep
    the input's dtype (float32 in, float32 out; integers become float64).

    Attributes
    ----------
    n_features_ : int or None
        Number of features seen in ``fit`` (None before).
    """

    kind: ClassVar[str]
    """The ``"kind"`` written into a model file's preprocessing metadata."""
    keys: ClassVar[tuple[str, str]]
    """The metadata names of (shift, scale)."""

    n_features_: int | None = None

    @abstractmethod
    def _set(self, shift: Column, scale: Column, **stats: Column) -> None:
        """Record the map: ``shift`` and ``scale`` of shape (n_features, 1), plus named stats."""

    @abstractmethod
    def _affine(self) -> tuple[Column, Column]:
        """(shift, scale) of the fitted map, each of shape (n_features, 1)."""

    @abstractmethod
    def fit(self, X: Any) -> Self:
        """Compute the statistics from X of shape (n_features, m); return ``self``."""

    def _check(self, X: Any) -> tuple[Array, Column, Column]:
        """X as a float array fitting this scaler, and (shift, scale) in X's dtype."""
        X = as_float_array(X, "X")
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
        shift, scale = self._affine()
        return X, shift.astype(X.dtype), scale.astype(X.dtype)

    def transform(self, X: Any) -> Array:
        """Return (X − shift) / scale.

        Parameters
        ----------
        X : array_like of shape (n_features, m)
            Inputs, examples as columns.

        Returns
        -------
        ndarray of shape (n_features, m)
            Same dtype as ``X`` (integers become float64).
        """
        X, shift, scale = self._check(X)
        out: Array = (X - shift) / scale
        return out

    def inverse_transform(self, X: Any) -> Array:
        """Undo :meth:`transform`: return X·scale + shift (shape (n_features, m), same dtype)."""
        X, shift, scale = self._check(X)
        out: Array = X * scale + shift
        return out

    def fit_transform(self, X: Any) -> Array:
        """Fit on ``X`` (shape (n_features, m)); return ``transform(X)`` (same shape, dtype)."""
        return self.fit(X).transform(X)

    def to_metadata(self) -> dict[str, Any]:
        """The fitted map as a model file stores it: ``{"kind": ..., shift: [...], scale: [...]}``.

        :func:`scaler_from_metadata` rebuilds the same scaler from it.
        """
        if self.n_features_ is None:
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit(X) first")
        shift, scale = self._affine()
        return {
            "kind": self.kind,
            self.keys[0]: shift.ravel().tolist(),
            self.keys[1]: scale.ravel().tolist(),
        }

    @classmethod
    def from_statistics(cls, shift: Any, scale: Any) -> Self:
        """A fitted scaler whose map has this ``shift`` and ``scale`` (one value per feature)."""
        scaler = cls()
        a = np.asarray(shift, dtype=np.float64).reshape(-1, 1)
        b = np.asarray(scale, dtype=np.float64).reshape(-1, 1)
        scaler._set(a, b)
        return scaler

    def __repr__(self) -> str:
        state = "unfitted" if self.n_features_ is None else f"n_features={self.n_features_}"
        return f"{type(self).__name__}({state})"


class Standardizer(AffineScaler):
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

    # _set and _affine mirror MinMaxScaler's on purpose: each scaler names its own
    # public statistics (mean_/scale_ here, min_/range_ there); the map is the base's.
    kind = "standard"
    keys = ("mean", "std")

    def __init__(self) -> None:
        self.mean_: Column | None = None
        self.std_: Column | None = None
        self.scale_: Column | None = None
        self.n_features_ = None

    def _set(self, shift: Column, scale: Column, **stats: Column) -> None:
        self.mean_, self.scale_ = shift, scale
        self.std_ = stats.get("std", scale)
        self.n_features_ = int(shift.size)

    def _affine(self) -> tuple[Column, Column]:
        assert self.mean_ is not None
        assert self.scale_ is not None
        return self.mean_, self.scale_

    def fit(self, X: Any) -> Self:
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
        X = as_float_array(X, "X")
        mean = X.mean(axis=1, dtype=np.float64, keepdims=True)
        std = np.sqrt(np.mean(np.square(X.astype(np.float64) - mean), axis=1, keepdims=True))
        # σ at rounding-noise level (e.g. a constant float32 column) counts as 0.
        tiny = std <= 10 * np.finfo(X.dtype).eps * np.abs(mean)
        self._set(mean, np.where((std == 0) | tiny, 1.0, std), std=std)
        return self


class MinMaxScaler(AffineScaler):
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

    kind = "minmax"
    keys = ("min", "range")

    def __init__(self) -> None:
        self.min_: Column | None = None
        self.max_: Column | None = None
        self.range_: Column | None = None
        self.n_features_ = None

    def _set(self, shift: Column, scale: Column, **stats: Column) -> None:
        self.min_, self.range_ = shift, scale
        self.max_ = stats.get("max", shift + scale)
        self.n_features_ = int(shift.size)

    def _affine(self) -> tuple[Column, Column]:
        assert self.min_ is not None
        assert self.range_ is not None
        return self.min_, self.range_

    def fit(self, X: Any) -> Self:
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
        X = as_float_array(X, "X")
        lo = X.min(axis=1, keepdims=True).astype(np.float64)
        hi = X.max(axis=1, keepdims=True).astype(np.float64)
        rng = hi - lo
        self._set(lo, np.where(rng == 0, 1.0, rng), max=hi)
        return self


_SCALERS: dict[str, type[Standardizer] | type[MinMaxScaler]] = {
    cls.kind: cls for cls in (Standardizer, MinMaxScaler)
}


def make_scaler(scale: str) -> Standardizer | MinMaxScaler | None:
    """An unfitted scaler for a loader's ``scale`` argument (None for "none")."""
    check_choice(scale, SCALES, "scale")
    return _SCALERS[scale]() if scale in _SCALERS else None


def metadata_keys(kind: str) -> tuple[str, str] | None:
    """The metadata names of (shift, scale) for a scaling ``kind`` (None: not an affine scaler).

    ``"standard"`` → ``("mean", "std")``, ``"minmax"`` → ``("min", "range")``: the keys that
    :meth:`AffineScaler.to_metadata` writes and :func:`scaler_from_metadata` reads.
    """
    cls = _SCALERS.get(kind)
    return None if cls is None else cls.keys


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
    cls = _SCALERS.get(kind)
    if cls is None:
        return None
    need = cls.keys
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
    return cls.from_statistics(a, b)


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
