"""Tests for the affine scaler base: x' = (x − shift) / scale, its inverse and its metadata.

The hand values are chosen so that every step is exact in binary floating point
(shifts and scales that are small integers or powers of two), so inverting is
checked for equality, not closeness.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.data import (
    AffineScaler,
    MinMaxScaler,
    Standardizer,
    apply_preprocessing,
    scaler_from_metadata,
)


def test_standardizer_on_hand_values_inverts_exactly():
    X = np.array([[1.0, 3.0, 1.0, 3.0], [10.0, 10.0, 10.0, 10.0]])  # μ = (2, 10), σ = (1, 0)
    s = Standardizer().fit(X)
    assert s.to_metadata() == {"kind": "standard", "mean": [2.0, 10.0], "std": [1.0, 1.0]}
    np.testing.assert_array_equal(s.std_, [[1.0], [0.0]])  # σ as computed; its divisor is 1
    Z = s.transform(X)
    np.testing.assert_array_equal(Z, [[-1, 1, -1, 1], [0, 0, 0, 0]])
    np.testing.assert_array_equal(s.inverse_transform(Z), X)


def test_minmax_on_hand_values_inverts_exactly():
    X = np.array([[0.0, 4.0, 2.0], [5.0, 5.0, 5.0], [-1.0, 1.0, 0.0]])
    s = MinMaxScaler().fit(X)
    assert s.to_metadata() == {"kind": "minmax", "min": [0.0, 5.0, -1.0], "range": [4.0, 1.0, 2.0]}
    np.testing.assert_array_equal(s.max_, [[4.0], [5.0], [1.0]])
    Z = s.transform(X)
    np.testing.assert_array_equal(Z, [[0, 1, 0.5], [0, 0, 0], [0, 1, 0.5]])
    np.testing.assert_array_equal(s.inverse_transform(Z), X)


@pytest.mark.parametrize("cls", [Standardizer, MinMaxScaler])
def test_metadata_round_trip(cls):
    rng = np.random.default_rng(4)
    X = rng.normal(loc=3.0, scale=2.0, size=(3, 50))
    s = cls().fit(X)
    assert isinstance(s, AffineScaler)
    meta = s.to_metadata()
    back = scaler_from_metadata(meta)
    assert type(back) is cls
    assert back.to_metadata() == meta
    new = rng.normal(size=(3, 7))
    np.testing.assert_array_equal(back.transform(new), s.transform(new))
    np.testing.assert_array_equal(back.inverse_transform(new), s.inverse_transform(new))
    np.testing.assert_array_equal(apply_preprocessing(new, meta), s.transform(new))


def test_from_statistics_is_the_affine_map():
    s = Standardizer.from_statistics([1.0, -2.0], [2.0, 4.0])
    np.testing.assert_array_equal(s.transform([[5.0], [6.0]]), [[2.0], [2.0]])  # (x − shift)/scale
    m = MinMaxScaler.from_statistics([1.0], [4.0])
    np.testing.assert_array_equal(m.max_, [[5.0]])
    np.testing.assert_array_equal(m.inverse_transform([[0.5]]), [[3.0]])


def test_the_base_needs_a_fit_and_statistics():
    with pytest.raises(TypeError):
        AffineScaler()  # type: ignore[abstract]
    with pytest.raises(RuntimeError, match="Standardizer is not fitted yet"):
        Standardizer().to_metadata()


def test_the_cli_writes_the_scalers_own_metadata():
    """chainrule train's preprocessing entry is the scaler's to_metadata, keys from one place."""
    from chainrule.cli.prepare import fit_preprocessing, fit_target_scaling
    from chainrule.data.scalers import metadata_keys

    X = np.array([[1.0, 3.0, 1.0, 3.0], [0.0, 4.0, 2.0, 2.0]])
    assert fit_preprocessing("standard", X) == Standardizer().fit(X).to_metadata()
    assert fit_preprocessing("minmax", X) == {"kind": "minmax", "min": [1, 0], "range": [2, 4]}
    assert fit_preprocessing("none", X) == {"kind": "none"}
    assert metadata_keys("standard") == ("mean", "std")
    assert metadata_keys("minmax") == ("min", "range")
    assert metadata_keys("divide") is None
    assert fit_target_scaling(np.array([1.0, 3.0])) == {"mean": [2.0], "std": [1.0]}
