"""Activations g and their backward steps, against closed forms, SymPy and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from chainrule.activations import (
    ACTIVATIONS,
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    get_activation,
    log_softmax,
    softmax,
)
from strategies import huge_scores, matrices, scores_and_dtype

ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
ALL = [*ELEMENTWISE, "softmax"]


def _z_away_from_kinks(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Random pre-activations with |z| ≥ 0.05, so relu's kink at 0 is never within reach."""
    Z = rng.uniform(-3, 3, size=shape)
    return np.where(np.abs(Z) < 0.05, np.sign(Z + 1e-12) * 0.05 + Z, Z)


# -- values at hand-picked points ------------------------------------------------------------


def test_sigmoid_closed_form_values() -> None:
    # σ(0) = 1/2;  σ(ln 3) = 1/(1 + 1/3) = 3/4;  σ(−ln 3) = 1/4
    Z = np.array([[0.0, math.log(3.0), -math.log(3.0)]])
    assert_allclose(Sigmoid().forward(Z), [[0.5, 0.75, 0.25]], rtol=1e-15)
    # σ′ = a(1 − a): 1/4, 3/16, 3/16
    A = Sigmoid().forward(Z)
    assert_allclose(Sigmoid().derivative(Z, A), [[0.25, 3 / 16, 3 / 16]], rtol=1e-15)


def test_tanh_closed_form_values() -> None:
    # tanh(ln 2) = (2 − 1/2)/(2 + 1/2) = 3/5;  tanh′ = 1 − 9/25 = 16/25
    Z = np.array([[math.log(2.0), -math.log(2.0), 0.0]])
    A = Tanh().forward(Z)
    assert_allclose(A, [[0.6, -0.6, 0.0]], rtol=1e-15, atol=1e-16)
    assert_allclose(Tanh().derivative(Z, A), [[0.64, 0.64, 1.0]], rtol=1e-15)


def test_relu_and_leaky_relu_values_and_course_convention_at_zero() -> None:
    Z = np.array([[-2.0, 0.0, 3.0]])
    assert_array_equal(ReLU().forward(Z), [[0.0, 0.0, 3.0]])
    # relu′(0) = 0, as the course's relu_backward (dZ[Z <= 0] = 0)
    assert_array_equal(ReLU().derivative(Z, ReLU().forward(Z)), [[0.0, 0.0, 1.0]])
    g = LeakyReLU(alpha=0.1)
    assert_allclose(g.forward(Z), [[-0.2, 0.0, 3.0]], rtol=1e-15)
    assert_allclose(g.derivative(Z, g.forward(Z)), [[0.1, 0.1, 1.0]], rtol=1e-15)


def test_identity_returns_a_copy_and_derivative_one() -> None:
    Z = np.array([[1.5, -2.0]])
    A = Identity().forward(Z)
    assert_array_equal(A, Z)
    assert A is not Z  # writing into A must not change the cache's Z
    assert_array_equal(Identity().derivative(Z, A), [[1.0, 1.0]])


def test_softmax_closed_form_values() -> None:
    # softmax(0, ln 2, ln 5) = (1, 2, 5)/8;  two equal scores give 1/2 each
    Z = np.array([[0.0, 7.0], [math.log(2.0), 7.0], [math.log(5.0), -math.inf + 0 * 7.0]])
    Z[2, 1] = -1e300  # (no infinities: a third class with no chance)
    assert_allclose(softmax(Z), [[1 / 8, 0.5], [2 / 8, 0.5], [5 / 8, 0.0]], rtol=1e-15)


def test_sigmoid_saturates_where_the_issue_says() -> None:
    # float64 rounds σ(z) to exactly 1.0 from z ≈ 36.7; float32 from z ≈ 16.6
    assert Sigmoid().forward(np.array([[36.0]]))[0, 0] < 1.0
    assert Sigmoid().forward(np.array([[37.0]]))[0, 0] == 1.0
    assert Sigmoid().forward(np.array([[16.0]], np.float32))[0, 0] < 1.0
    assert Sigmoid().forward(np.array([[17.0]], np.float32))[0, 0] == 1.0
    # and never overflows on the negative side (no RuntimeWarning: they are errors here)
    assert Sigmoid().forward(np.array([[-800.0]]))[0, 0] == 0.0


# -- derivatives: SymPy and finite differences -----------------------------------------------

_z = sp.Symbol("z", real=True)
_SYMPY = {
    "sigmoid": 1 / (1 + sp.exp(-_z)),
    "tanh": sp.tanh(_z),
    "identity": _z,
}


@pytest.mark.parametrize("name", sorted(_SYMPY))
def test_derivative_matches_sympy(name: str, rng: np.random.Generator) -> None:
    dg = sp.lambdify(_z, sp.diff(_SYMPY[name], _z), "numpy")
    Z = rng.uniform(-6, 6, size=(4, 7))
    g = get_activation(name)
    expected = np.broadcast_to(dg(Z), Z.shape)
    assert_allclose(g.derivative(Z, g.forward(Z)), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.3])
def test_leaky_relu_derivative_matches_sympy_piecewise(alpha: float, rng) -> None:
    expr = sp.Piecewise((_z, _z > 0), (alpha * _z, True))
    dg = sp.lambdify(_z, sp.diff(expr, _z), "numpy")
    Z = _z_away_from_kinks(rng, (3, 9))
    g = LeakyReLU(alpha)
    assert_allclose(g.derivative(Z, g.forward(Z)), dg(Z), rtol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_derivative_matches_central_differences(name: str, rng) -> None:
    g = get_activation(name)
    Z = _z_away_from_kinks(rng, (5, 6))
    h = 1e-6
    numeric = (g.forward(Z + h) - g.forward(Z - h)) / (2 * h)
    assert_allclose(g.derivative(Z, g.forward(Z)), numeric, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_is_dA_times_derivative_and_writes_into_out(name: str, rng) -> None:
    g = get_activation(name)
    Z = _z_away_from_kinks(rng, (3, 4))
    A = g.forward(Z)
    dA = rng.standard_normal(Z.shape)
    expected = dA * g.derivative(Z, A)
    assert_allclose(g.backward(dA, Z, A), expected, rtol=1e-15)
    dA_copy = dA.copy()
    g.backward(dA, Z, A)
    assert_array_equal(dA, dA_copy)  # no out: the input is untouched
    out = g.backward(dA, Z, A, out=dA)  # in place, as the training loop does
    assert out is dA
    assert_allclose(dA, expected, rtol=1e-15)


def test_softmax_backward_is_the_jacobian_vector_product(rng) -> None:
    # dZ = Jᵀ dA with J = diag(a) − a aᵀ; check it against central differences of
    # φ(Z) = Σ dA ⊙ softmax(Z), whose gradient with respect to Z is exactly that dZ.
    Z = rng.standard_normal((4, 3))
    dA = rng.standard_normal((4, 3))
    g = Softmax()
    dZ = g.backward(dA, Z, g.forward(Z))
    h = 1e-6
    numeric = np.zeros_like(Z)
    for idx in np.ndindex(*Z.shape):
        E = np.zeros_like(Z)
        E[idx] = h
        numeric[idx] = (np.sum(dA * softmax(Z + E)) - np.sum(dA * softmax(Z - E))) / (2 * h)
    assert_allclose(dZ, numeric, rtol=1e-7, atol=1e-10)
    # and explicitly, column by column, (diag(a) − a aᵀ) dA
    for j in range(Z.shape[1]):
        a = softmax(Z[:, [j]])
        J = np.diag(a[:, 0]) - a @ a.T
        assert_allclose(dZ[:, [j]], J @ dA[:, [j]], rtol=1e-12, atol=1e-15)


def test_softmax_has_no_elementwise_derivative() -> None:
    with pytest.raises(NotImplementedError, match="softmax"):
        Softmax().derivative(np.zeros((2, 1)), np.full((2, 1), 0.5))


# -- properties (hypothesis) ------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(scores_and_dtype())
def test_softmax_columns_are_probability_vectors(case) -> None:
    Z, dtype = case
    A = softmax(Z)
    assert A.dtype == dtype
    assert np.all(A >= 0)
    assert np.all(A <= 1)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    assert_allclose(A.sum(axis=0), 1.0, rtol=0, atol=tol * Z.shape[0])


@settings(max_examples=60, deadline=None)
@given(huge_scores())
def test_softmax_is_stable_for_huge_inputs(Z) -> None:
    A = softmax(Z)  # e^(1e300) overflows; e^(z − max z) never does
    assert np.isfinite(A).all()
    assert_allclose(A.sum(axis=0), 1.0, atol=1e-12)
    # the largest score of each column keeps the largest probability
    assert_array_equal(A[Z.argmax(axis=0), np.arange(Z.shape[1])], A.max(axis=0))
    logA = log_softmax(Z)
    assert not np.isnan(logA).any()
    assert np.all(logA <= 0)


@settings(max_examples=60, deadline=None)
@given(matrices(st.integers(2, 6), st.integers(1, 6), -30, 30), st.floats(-500, 500))
def test_softmax_is_shift_invariant_and_log_softmax_consistent(Z, c) -> None:
    A = softmax(Z)
    assert_allclose(softmax(Z + c), A, rtol=1e-10, atol=1e-15)
    logA = log_softmax(Z)
    assert_allclose(np.exp(logA), A, rtol=1e-12, atol=1e-300)
    # log-sum-exp identity: log_softmax(z) = z − log Σ e^z (safe here: |z| ≤ 30)
    assert_allclose(logA, Z - np.log(np.exp(Z).sum(axis=0, keepdims=True)), atol=1e-12)


def test_log_softmax_never_takes_log_of_zero() -> None:
    # softmax underflows to exactly 0 for the second class; its log-probability does not
    Z = np.array([[0.0], [-1000.0]])
    assert softmax(Z)[1, 0] == 0.0
    assert_allclose(log_softmax(Z), [[0.0], [-1000.0]], rtol=1e-15)


@settings(max_examples=40, deadline=None)
@given(scores_and_dtype(-20, 20), st.sampled_from(ALL))
def test_every_activation_keeps_the_dtype(case, name) -> None:
    Z, dtype = case
    if name == "softmax" and Z.shape[0] < 2:
        Z = np.vstack([Z, Z])
    g = get_activation(name)
    A = g.forward(Z)
    dA = np.ones_like(Z)
    assert A.dtype == dtype
    assert g.backward(dA, Z, A).dtype == dtype
    if g.elementwise:
        assert g.derivative(Z, A).dtype == dtype


@settings(max_examples=40, deadline=None)
@given(matrices(low=-40, high=40))
def test_sigmoid_stays_in_the_unit_interval(Z) -> None:
    A = Sigmoid().forward(Z)
    assert np.all((A >= 0) & (A <= 1))
    # σ(−z) = 1 − σ(z)
    assert_allclose(Sigmoid().forward(-Z), 1 - A, atol=1e-15)


# -- the registry -------------------------------------------------------------------------------


def test_registry_lists_the_six_activations() -> None:
    assert sorted(ACTIVATIONS) == sorted(ALL)
    for name, cls in ACTIVATIONS.items():
        g = cls()
        assert g.name == name
        assert isinstance(g, Activation)
        assert g.formula
        assert g.derivative_formula
        assert get_activation(g.config()) == g  # config round trip


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("relu", ReLU()),
        ("ReLU", ReLU()),
        ("linear", Identity()),
        ("logistic", Sigmoid()),
        ("leakyrelu", LeakyReLU()),
        ({"name": "leaky_relu", "alpha": 0.2}, LeakyReLU(0.2)),
    ],
)
def test_get_activation_accepts_names_aliases_and_configs(spec, expected) -> None:
    assert get_activation(spec) == expected


def test_get_activation_passes_instances_through() -> None:
    g = LeakyReLU(0.3)
    assert get_activation(g) is g


def test_leaky_relu_alpha_is_part_of_equality_and_hash() -> None:
    assert LeakyReLU(0.1) != LeakyReLU(0.2)
    assert LeakyReLU(0.1) == LeakyReLU(0.1)
    assert hash(LeakyReLU(0.1)) == hash(LeakyReLU(0.1))
    assert Sigmoid() != Tanh()
    assert repr(LeakyReLU(0.1)) == "LeakyReLU(alpha=0.1)"


def test_unknown_activation_name_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown hidden 'swish'") as exc:
        get_activation("swish", "hidden")
    for name in ALL:
        assert name in str(exc.value)


@pytest.mark.parametrize("spec", [3, None, 1.5, ["relu"]])
def test_get_activation_refuses_other_types(spec) -> None:
    with pytest.raises(TypeError, match="activation must be a name"):
        get_activation(spec)


def test_get_activation_config_errors() -> None:
    with pytest.raises(ValueError, match="must have a 'name'"):
        get_activation({"alpha": 0.1})
    with pytest.raises(ValueError, match="bad activation config"):
        get_activation({"name": "relu", "alpha": 0.1})
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        LeakyReLU(-0.1)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        LeakyReLU(2.0)  # max(z, αz) would no longer be z if z > 0 else αz
    assert LeakyReLU(1.0).alpha == 1.0
