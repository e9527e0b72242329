"""Both placements of 1/m: the course's (in dW, db) and the cost's (at the top of the chain).

Properties over hypothesis-generated networks (random depth, widths,
activations, every loss/output pairing Network accepts, fused or general
output step, L2 on or off, any m):

* dW[l] and db[l] are the same under both conventions (to rounding; bit for
  bit when m is a power of two, since scaling by 2⁻ᵏ is exact);
* every dZ[l] and dA[l] of the course convention is exactly m times the cost
  convention's;
* the names say what each array is a derivative of (dL/… vs dJ/…).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.activations import ACTIVATIONS
from chainrule.gradcheck import random_data
from chainrule.network import Network


def _allowed_pairings() -> list[tuple[str, str]]:
    out = []
    for lname in ("binary_crossentropy", "categorical_crossentropy", "squared_error"):
        for aname in ACTIVATIONS:
            try:
                Network([2, 3], output=aname, loss=lname, seed=0)
            except ValueError:
                continue
            out.append((lname, aname))
    return out


PAIRS = _allowed_pairings()


@st.composite
def problems(draw):
    L = draw(st.integers(1, 4))
    loss, out = draw(st.sampled_from(PAIRS))
    hidden = [draw(st.sampled_from(sorted(ACTIVATIONS))) for _ in range(L - 1)]
    n_out_min = 2 if (out == "softmax" or loss == "categorical_crossentropy") else 1
    dims = [draw(st.integers(1, 5)) for _ in range(L)] + [draw(st.integers(n_out_min, 4))]
    m = draw(st.integers(1, 9))
    l2 = draw(st.sampled_from([0.0, 0.3]))
    fused = draw(st.sampled_from([None, False]))
    seed = draw(st.integers(0, 2**16))
    net = Network(dims, activations=[*hidden, out], loss=loss, l2=l2, seed=seed)
    X, Y = random_data(net, m, seed=seed)
    return net, X, Y, fused


@settings(max_examples=60, deadline=None)
@given(problems())
def test_dW_db_identical_and_dZ_dA_differ_by_exactly_m(problem):
    net, X, Y, fused = problem
    m = X.shape[1]
    gc = net.gradients(X, Y, convention="course", fused=fused)
    gj = net.gradients(X, Y, convention="cost", fused=fused)
    exact = (m & (m - 1)) == 0  # a power of two: 1/m is exact in binary
    for l in range(net.L):
        for a, b in ((gc.dW[l], gj.dW[l]), (gc.db[l], gj.db[l])):
            if exact:
                np.testing.assert_array_equal(a, b)
            else:
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15 * (np.abs(a).max() + 1))
        pairs = [(gc.dZ[l], gj.dZ[l]), (gc.dA[l + 1], gj.dA[l + 1])]
        if l == 0:
            pairs.append((gc.dA[0], gj.dA[0]))
        for a, b in pairs:
            if a is None:
                assert b is None
                continue
            if exact:
                np.testing.assert_array_equal(a, m * b)
            else:
                np.testing.assert_allclose(a, m * b, rtol=1e-12, atol=1e-15 * (np.abs(a).max() + 1))


@settings(max_examples=25, deadline=None)
@given(problems())
def test_names_say_what_each_array_is_a_derivative_of(problem):
    net, X, Y, fused = problem
    gc = net.gradients(X, Y, convention="course", fused=fused)
    gj = net.gradients(X, Y, convention="cost", fused=fused)
    assert gc.of == "L"
    assert gj.of == "J"
    nc, nj = gc.named(), gj.named()
    for l in range(1, net.L + 1):
        assert f"dL/dZ[{l}]" in nc
        assert f"dJ/dZ[{l}]" in nj
        assert f"dJ/dW[{l}]" in nc
        assert f"dJ/dW[{l}]" in nj
        assert f"dJ/db[{l}]" in nc
        assert f"dJ/db[{l}]" in nj
        assert not any(k.startswith("dJ/dZ") for k in nc)
        assert not any(k.startswith("dL/") for k in nj)
    # the grads dict (dW1, db1, ...) is the same mapping under both
    assert list(gc) == list(gj) == [f"d{k}{l}" for l in range(1, net.L + 1) for k in "Wb"]


# -- hand-worked values at the top of the chain ---------------------------------------------------


def test_output_step_by_hand_sigmoid_bce():
    net = chainrule.Network([2, 1], output="sigmoid", loss="bce", seed=0)
    X = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    A = 1 / (1 + np.exp(-(net.parameters["W1"] @ X + net.parameters["b1"])))
    m = 4
    gc = net.gradients(X, Y, convention="course")
    gj = net.gradients(X, Y, convention="cost")
    np.testing.assert_allclose(gc.dZ[-1], A - Y, rtol=1e-14)  # ∂L/∂Z, no 1/m
    np.testing.assert_allclose(gj.dZ[-1], (A - Y) / m, rtol=1e-14)  # ∂J/∂Z
    np.testing.assert_allclose(gc.dW[0], (A - Y) @ X.T / m, rtol=1e-14)
    # the general path gives the course's dAL = −(Y/AL − (1−Y)/(1−AL)), with no 1/m
    gg = net.gradients(X, Y, convention="course", fused=False)
    np.testing.assert_allclose(gg.dA[-1], -(Y / A - (1 - Y) / (1 - A)), rtol=1e-12)
    np.testing.assert_allclose(gg.dW[0], gc.dW[0], rtol=1e-12)


def test_squared_error_cost_convention_is_a_minus_y_over_m():
    """J = (1/2m) Σ (a − y)²: under the cost convention dA[L] = (A − Y)/m (the sign is a − y)."""
    net = chainrule.Network([3, 2], output="identity", loss="mse", seed=0)
    X = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 1.0], [-1.0, 1.0, 2.0]])
    Y = np.array([[0.0, 1.0, 2.0], [1.0, -1.0, 0.5]])
    A = net.forward(X)
    gj = net.gradients(X, Y, convention="cost", fused=False)
    np.testing.assert_allclose(gj.dA[-1], (A - Y) / 3, rtol=1e-14)
    gc = net.gradients(X, Y, convention="course", fused=False)
    np.testing.assert_allclose(gc.dA[-1], A - Y, rtol=1e-14)


@pytest.mark.parametrize("m", [1, 2, 4, 8, 16])
def test_powers_of_two_agree_bit_for_bit_on_a_deep_network(m):
    net = chainrule.Network(
        [5, 7, 6, 4, 3], hidden="tanh", output="softmax", loss="cce", l2=0.1, seed=m
    )
    X, Y = random_data(net, m, seed=m)
    gc = net.gradients(X, Y, convention="course")
    gj = net.gradients(X, Y, convention="cost")
    for k in gc:
        np.testing.assert_array_equal(gc[k], gj[k])
    for a, b in zip(gc.dZ, gj.dZ, strict=True):
        np.testing.assert_array_equal(a, m * b)
