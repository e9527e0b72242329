"""Per-example losses L, the cost J = (1/m) Σ L, dL/dA and the fused A − Y."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from chainrule.activations import Identity, Sigmoid, Softmax, get_activation, softmax
from chainrule.losses import (
    LOSS_ALIASES,
    LOSSES,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Loss,
    SquaredError,
    cost,
    get_loss,
)
from strategies import binary_labels, matrices, one_hot, permutations

BCE, CCE, MSE = BinaryCrossEntropy(), CategoricalCrossEntropy(), SquaredError()
CANONICAL = [(BCE, Sigmoid()), (CCE, Softmax()), (MSE, Identity())]


def _targets(loss: Loss, n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    if loss is BCE or isinstance(loss, BinaryCrossEntropy):
        return (rng.random((n, m)) < 0.5).astype(float)
    if isinstance(loss, CategoricalCrossEntropy):
        Y = np.zeros((n, m))
        Y[rng.integers(0, n, m), np.arange(m)] = 1
        return Y
    return rng.standard_normal((n, m))


# -- values by hand ------------------------------------------------------------------------


def test_bce_by_hand() -> None:
    # L = −[y log a + (1 − y) log(1 − a)]:  a = 0.8, y = 1 → −ln 0.8 = 0.2231435513142097
    #                                        a = 0.8, y = 0 → −ln 0.2 = 1.6094379124341003
    A = np.array([[0.8, 0.8]])
    Y = np.array([[1.0, 0.0]])
    L = BCE.per_example(A, Y)
    assert L.shape == (1, 2)
    assert_allclose(L, [[0.2231435513142097, 1.6094379124341003]], rtol=1e-14)
    # dL/da = −(y/a − (1 − y)/(1 − a)):  −1/0.8 = −1.25;  1/0.2 = 5
    assert_allclose(BCE.dA(A, Y), [[-1.25, 5.0]], rtol=1e-14)


def test_bce_with_several_outputs_sums_over_units() -> None:
    # two sigmoid units (multi-label): L = −ln 0.8 − ln(1 − 0.4) = 0.2231435513 + 0.5108256238
    A = np.array([[0.8], [0.4]])
    Y = np.array([[1.0], [0.0]])
    assert_allclose(BCE.per_example(A, Y), [[0.2231435513142097 + 0.5108256237659907]])


def test_cce_by_hand() -> None:
    # a = (0.2, 0.7, 0.1), y = (0, 1, 0): L = −ln 0.7 = 0.35667494393873245
    A = np.array([[0.2, 0.5], [0.7, 0.25], [0.1, 0.25]])
    Y = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert_allclose(CCE.per_example(A, Y), [[0.35667494393873245, math.log(4)]], rtol=1e-14)
    # dL/da_k = −y_k / a_k
    assert_allclose(CCE.dA(A, Y), [[0, 0], [-1 / 0.7, 0], [0, -4.0]], rtol=1e-14)


def test_squared_error_uses_the_half_convention() -> None:
    # L = ½ Σ_k (a_k − y_k)²: a = (1, 2), y = (0, 0) → ½ (1 + 4) = 2.5; dL/da = a − y
    A = np.array([[1.0, 3.0], [2.0, 3.0]])
    Y = np.array([[0.0, 3.0], [0.0, 1.0]])
    assert_allclose(MSE.per_example(A, Y), [[2.5, 2.0]])
    assert_array_equal(MSE.dA(A, Y), A - Y)
    assert "½" in MSE.formula


# -- the cost: the one place that averages --------------------------------------------------------


def test_cost_is_the_mean_and_weights_are_a_weighted_mean() -> None:
    L = np.array([[1.0, 2.0, 6.0]])
    assert cost(L) == 3.0
    # Σ wᵢ Lᵢ / Σ wᵢ = (1·1 + 0·2 + 3·6) / 4 = 19/4
    assert cost(L, np.array([1.0, 0.0, 3.0])) == pytest.approx(19 / 4, rel=1e-15)
    assert isinstance(cost(L.astype(np.float32)), float)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 9).flatmap(
        lambda m: st.tuples(matrices(1, m, 0, 50), permutations(m), st.just(m))
    )
)
def test_cost_equals_mean_of_L_and_is_invariant_to_permuting_examples(case) -> None:
    L, perm, m = case
    assert cost(L) == pytest.approx(float(np.sum(L)) / m, rel=1e-12, abs=1e-300)
    assert cost(L[:, perm]) == pytest.approx(cost(L), rel=1e-12, abs=1e-300)
    w = np.arange(1.0, m + 1)
    assert cost(L[:, perm], w[perm]) == pytest.approx(cost(L, w), rel=1e-12, abs=1e-300)


def test_integer_weights_equal_repeating_examples() -> None:
    L = np.array([[0.5, 2.0, 4.0]])
    repeated = np.array([[0.5, 0.5, 2.0, 4.0, 4.0, 4.0]])
    assert cost(L, np.array([2, 1, 3])) == pytest.approx(cost(repeated), rel=1e-15)


# -- derivatives ----------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", [BCE, CCE, MSE], ids=lambda l: l.name)
def test_dA_matches_central_differences(loss: Loss, rng) -> None:
    n, m = (3, 5)
    A = rng.uniform(0.1, 0.9, (n, m))
    if isinstance(loss, CategoricalCrossEntropy):
        A /= A.sum(axis=0, keepdims=True)  # a point on the simplex (dL/dA is still free)
    Y = _targets(loss, n, m, rng)
    h = 1e-6
    numeric = np.zeros_like(A)
    for idx in np.ndindex(*A.shape):
        E = np.zeros_like(A)
        E[idx] = h
        numeric[idx] = (loss.per_example(A + E, Y).sum() - loss.per_example(A - E, Y).sum()) / (
            2 * h
        )
    assert_allclose(loss.dA(A, Y), numeric, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize(("loss", "g"), CANONICAL, ids=lambda x: x.name)
def test_fused_A_minus_Y_is_dL_dZ_and_equals_the_general_path(loss: Loss, g, rng) -> None:
    n, m = (3, 4)
    Z = rng.uniform(-3, 3, (n, m))
    Y = _targets(loss, n, m, rng)
    A = g.forward(Z)
    fused = loss.fused_dZ(A, Y)
    assert_array_equal(fused, A - Y)
    # the general chain rule dL/dA ⊙ g′(Z) (softmax: its Jacobian) gives the same
    assert_allclose(g.backward(loss.dA(A, Y), Z, A), fused, rtol=1e-12, atol=1e-14)
    # and both are the derivative of L(g(Z), Y) with respect to Z
    h = 1e-6
    numeric = np.zeros_like(Z)
    for idx in np.ndindex(*Z.shape):
        E = np.zeros_like(Z)
        E[idx] = h
        numeric[idx] = (loss.from_logits(Z + E, Y).sum() - loss.from_logits(Z - E, Y).sum()) / (
            2 * h
        )
    assert_allclose(fused, numeric, rtol=1e-7, atol=1e-9)


# -- numerical stability at saturation -----------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_at_a_equal_one_is_finite_where_the_course_formula_is_nan(dtype) -> None:
    # sigmoid(40) rounds to exactly 1.0; with y = 1 the prediction is right: L = 0
    A = Sigmoid().forward(np.array([[40.0]], dtype))
    Y = np.array([[1.0]], dtype)
    assert A[0, 0] == 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        plain = -(Y / A - (1 - Y) / (1 - A))  # the course's dAL: 1 − 1 − 0/0
    assert np.isnan(plain).all()
    assert BCE.per_example(A, Y)[0, 0] == 0.0
    dA = BCE.dA(A, Y)
    assert np.isfinite(dA).all()
    assert dA[0, 0] == -1.0  # −y/a = −1 exactly
    dZ = Sigmoid().backward(dA, np.array([[40.0]], dtype), A)  # general path
    assert np.isfinite(dZ).all()
    assert dZ.dtype == dtype
    # a confidently wrong answer is large but finite: −log(1 − (1 − ε/2)) = −log(ε/2),
    # where 1 − ε/2 is the largest number below 1 (numpy's finfo.epsneg is ε/2)
    wrong = BCE.per_example(A, np.array([[0.0]], dtype))[0, 0]
    assert wrong == pytest.approx(-math.log(np.finfo(dtype).eps / 2), rel=1e-6)


def test_bce_keeps_tiny_but_representable_probabilities_exact() -> None:
    # σ(−40) = 4.2e−18 is far below ε but representable: dL/da = −1/a exactly, so the
    # general path gives dZ = dA·a(1 − a) = −(1 − a) ≈ −1, the true value (clipping a at ε
    # would give −a/ε ≈ −0.019)
    Z = np.array([[-40.0]])
    A = Sigmoid().forward(Z)
    Y = np.array([[1.0]])
    dA = BCE.dA(A, Y)
    assert dA[0, 0] == -1.0 / A[0, 0]
    dZ = Sigmoid().backward(dA, Z, A)
    assert dZ[0, 0] == pytest.approx(-1.0, rel=1e-12)
    assert BCE.per_example(A, Y)[0, 0] == pytest.approx(40.0, rel=1e-12)  # −log σ(−40) ≈ 40
    # and values outside [0, 1] get the plain formula (the course's randn test cases)
    A2 = np.array([[1.79, 0.44]])
    Y2 = np.array([[1.0, 0.0]])
    assert_allclose(BCE.dA(A2, Y2), -(Y2 / A2 - (1 - Y2) / (1 - A2)), rtol=0, atol=0)


def test_bce_from_logits_is_exact_far_beyond_saturation() -> None:
    # L = log(1 + e^z) − y z:  z = 1000, y = 1 → 0;  y = 0 → 1000;  z = −1000, y = 1 → 1000
    Z = np.array([[1000.0, 1000.0, -1000.0, -1000.0, 40.0]])
    Y = np.array([[1.0, 0.0, 1.0, 0.0, 1.0]])
    L = BCE.from_logits(Z, Y)
    assert_allclose(L[0, :4], [0.0, 1000.0, 1000.0, 0.0], atol=0)
    assert L[0, 4] == pytest.approx(math.exp(-40.0), rel=1e-10)  # log(1 + e^−40) ≈ e^−40


def test_cce_never_takes_log_of_zero() -> None:
    A = np.array([[1.0, 0.0], [0.0, 1.0]])
    Y = np.array([[1.0, 1.0], [0.0, 0.0]])
    L = CCE.per_example(A, Y)
    assert L[0, 0] == 0.0
    assert L[0, 1] == pytest.approx(-math.log(np.finfo(float).tiny))  # log a guarded at tiny
    assert np.isfinite(CCE.dA(A, Y)).all()
    # from the logits it is exact: z = (0, −1000) → L = 1000 for class 1... and 0 for class 0
    Z = np.array([[0.0, 0.0], [-1000.0, -1000.0]])
    Y2 = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert_allclose(CCE.from_logits(Z, Y2), [[0.0, 1000.0]], atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(st.integers(1, 4), st.integers(1, 6)).flatmap(
        lambda s: st.tuples(matrices(s[0], s[1], -10, 10), binary_labels(s[0], s[1]))
    )
)
def test_bce_from_logits_equals_bce_from_probabilities_where_not_saturated(case) -> None:
    Z, Y = case
    A = Sigmoid().forward(Z)
    # |z| ≤ 10 keeps σ(z) at least 4.5e-5 away from 0 and 1, so log(1 − a) computed from a
    # loses at most ε/4.5e-5 ≈ 5e-12 (beyond that only from_logits stays exact)
    assert_allclose(BCE.from_logits(Z, Y), BCE.per_example(A, Y), rtol=1e-9, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(st.integers(2, 5), st.integers(1, 6)).flatmap(
        lambda s: st.tuples(matrices(s[0], s[1], -10, 10), one_hot(s[0], s[1]))
    )
)
def test_cce_from_logits_equals_cce_from_softmax(case) -> None:
    Z, Y = case  # |z| ≤ 10: every probability ≥ e^−20/5 ≫ ε, so the clip never acts
    assert_allclose(CCE.from_logits(Z, Y), CCE.per_example(softmax(Z), Y), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("loss", "g"), CANONICAL, ids=lambda x: x.name)
def test_losses_keep_float32(loss: Loss, g, rng) -> None:
    Z = rng.standard_normal((3, 4)).astype(np.float32)
    Y = _targets(loss, 3, 4, rng).astype(np.float32)
    A = g.forward(Z)
    for out in (
        loss.per_example(A, Y),
        loss.from_logits(Z, Y),
        loss.dA(A, Y),
        loss.fused_dZ(A, Y),
    ):
        assert out.dtype == np.float32


# -- targets and the registry ----------------------------------------------------------------


def test_bce_refuses_labels_outside_zero_one() -> None:
    with pytest.raises(ValueError, match=r"Y must hold labels 0 or 1 .* found \[0\.5, 2\.0\]"):
        BCE.check_targets(np.array([[0.0, 0.5, 1.0, 2.0]]))
    BCE.check_targets(np.array([[0.0, 1.0]]))


def test_cce_refuses_non_one_hot_targets() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        CCE.check_targets(np.array([[1.0, 1.0]]))
    with pytest.raises(ValueError, match="one-hot"):
        CCE.check_targets(np.array([[1.0, 1.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="one-hot"):
        CCE.check_targets(np.array([[1.5, 0.0], [-0.5, 1.0]]))
    CCE.check_targets(np.array([[0.3, 0.0], [0.7, 1.0]]))  # probability columns are fine


def test_registry_and_aliases() -> None:
    assert sorted(LOSSES) == ["binary_crossentropy", "categorical_crossentropy", "squared_error"]
    for alias, name in LOSS_ALIASES.items():
        assert get_loss(alias).name == name
        assert get_loss(alias.upper()).name == name
    for name, cls in LOSSES.items():
        loss = cls()
        assert get_loss(name) == loss
        assert hash(loss) == hash(get_loss(name))
        assert get_loss(loss) is loss
        assert get_activation(loss.canonical_activation).name == loss.canonical_activation
        assert loss.formula
        assert loss.dA_formula


def test_unknown_loss_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown loss 'hinge'") as exc:
        get_loss("hinge")
    for name in LOSSES:
        assert name in str(exc.value)


def test_get_loss_refuses_other_types() -> None:
    with pytest.raises(TypeError, match="loss must be a loss name"):
        get_loss(3)  # type: ignore[arg-type]
