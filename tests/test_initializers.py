"""Initialisers: shapes, scale statistics, seeding and the order of the random draws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from chainrule import Network
from chainrule.initializers import INITIALIZERS, initialize, resolve_rng

DIMS = [300, 200, 100]  # 60 000 and 20 000 weights: sample std within ~1% of the truth

# name -> expected standard deviation of W[l] as a function of (n_in, n_out)
EXPECTED_STD = {
    "scaled_normal": lambda n_in, n_out: 0.01,
    "large_normal": lambda n_in, n_out: 10.0,
    "normal": lambda n_in, n_out: 1.0,
    "lecun": lambda n_in, n_out: math.sqrt(1 / n_in),
    "xavier": lambda n_in, n_out: math.sqrt(1 / n_in),  # the course's "Xavier"
    "he": lambda n_in, n_out: math.sqrt(2 / n_in),
    "glorot_normal": lambda n_in, n_out: math.sqrt(2 / (n_in + n_out)),
    # U(±r) with r = √(6/(n_in + n_out)) has variance r²/3 = 2/(n_in + n_out)
    "glorot_uniform": lambda n_in, n_out: math.sqrt(2 / (n_in + n_out)),
}


def test_every_initializer_has_an_expected_scale() -> None:
    assert set(EXPECTED_STD) | {"zeros"} == set(INITIALIZERS)


@pytest.mark.parametrize("name", sorted(EXPECTED_STD))
def test_scale_statistics(name: str) -> None:
    Ws, bs = initialize(DIMS, name, np.random.default_rng(0))
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        n_in, n_out = DIMS[l - 1], DIMS[l]
        assert W.shape == (n_out, n_in)
        assert b.shape == (n_out, 1)
        assert_array_equal(b, 0.0)
        std = EXPECTED_STD[name](n_in, n_out)
        # the sample std of N ≥ 20 000 draws is within 3% (≫ 4 standard errors) of the truth
        assert W.std() == pytest.approx(std, rel=0.03)
        assert abs(W.mean()) < 4 * std / math.sqrt(W.size)


def test_glorot_uniform_stays_inside_its_bound() -> None:
    (W,), _ = initialize([400, 100], "glorot_uniform", np.random.default_rng(1))
    r = math.sqrt(6 / 500)
    assert W.min() >= -r
    assert W.max() <= r
    assert W.max() > 0.95 * r  # and fills the interval


def test_zeros() -> None:
    Ws, bs = initialize([3, 2, 1], "zeros", np.random.default_rng(0))
    assert all((W == 0).all() for W in Ws + bs)


def test_draw_order_is_W1_then_W2_from_one_generator() -> None:
    # He: W[l] = N(0, 1) · √(2/n[l-1]), drawn for l = 1, 2, 3 in that order
    dims = [4, 3, 2, 1]
    Ws, _ = initialize(dims, "he", np.random.default_rng(42))
    rng = np.random.default_rng(42)
    for l in range(1, 4):
        expected = rng.standard_normal((dims[l], dims[l - 1])) * np.sqrt(2 / dims[l - 1])
        assert_array_equal(Ws[l - 1], expected)


def test_per_layer_names_and_auto() -> None:
    dims = [5, 4, 3]
    Ws, _ = initialize(dims, ["scaled_normal", "lecun"], np.random.default_rng(0))
    rng = np.random.default_rng(0)
    assert_array_equal(Ws[0], rng.standard_normal((4, 5)) * 0.01)
    assert_array_equal(Ws[1], rng.standard_normal((3, 4)) / np.sqrt(4))
    # auto: He for the ReLU family, Glorot uniform otherwise
    auto, _ = initialize(dims, "auto", np.random.default_rng(9), activations=["relu", "sigmoid"])
    he, _ = initialize(dims[:2], "he", np.random.default_rng(9))
    assert_array_equal(auto[0], he[0])
    r = np.random.default_rng(9)
    r.standard_normal((4, 5))  # the first layer's draw
    bound = np.sqrt(6 / 7)
    assert_array_equal(auto[1], r.uniform(-bound, bound, size=(3, 4)))


def test_float32_weights_are_the_float64_draws_rounded() -> None:
    W64, _ = initialize([6, 5, 2], "glorot_normal", np.random.default_rng(3))
    W32, b32 = initialize([6, 5, 2], "glorot_normal", np.random.default_rng(3), np.float32)
    for a, b in zip(W64, W32, strict=True):
        assert b.dtype == np.float32
        assert_array_equal(b, a.astype(np.float32))
    assert all(b.dtype == np.float32 for b in b32)


def test_seeding() -> None:
    a, _ = initialize([3, 4, 2], "he", resolve_rng(7))
    b, _ = initialize([3, 4, 2], "he", resolve_rng(7))
    c, _ = initialize([3, 4, 2], "he", resolve_rng(8))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])
    g = np.random.default_rng(0)
    assert resolve_rng(g) is g
    assert isinstance(resolve_rng(None), np.random.Generator)
    assert isinstance(resolve_rng(np.int32(3)), np.random.Generator)


@pytest.mark.parametrize(("seed", "exc"), [(-1, ValueError), (1.0, TypeError), ("1", TypeError),
                                           (True, TypeError)])  # fmt: skip
def test_resolve_rng_errors(seed, exc) -> None:
    with pytest.raises(exc, match="seed must be"):
        resolve_rng(seed)


def test_unknown_initializer_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown init 'kaiming'") as exc:
        initialize([3, 2], "kaiming", np.random.default_rng(0))
    for name in INITIALIZERS:
        assert name in str(exc.value)
    with pytest.raises(ValueError, match="one name or 2 names"):
        initialize([3, 2, 1], ["he"], np.random.default_rng(0))


def test_network_uses_the_named_initializer() -> None:
    net = Network([5, 4, 1], init="scaled_normal", seed=11)
    rng = np.random.default_rng(11)
    assert_array_equal(net.parameters["W1"], rng.standard_normal((4, 5)) * 0.01)
    assert_array_equal(net.parameters["W2"], rng.standard_normal((1, 4)) * 0.01)
