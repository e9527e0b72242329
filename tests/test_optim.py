"""Optimizers and learning-rate schedules against their closed forms, step by step."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from chainrule.optim import (
    OPTIMIZERS,
    SGD,
    Adam,
    AdamState,
    Momentum,
    MomentumState,
    Nesterov,
    Optimizer,
    RMSprop,
    RMSpropState,
    Schedule,
    SGDState,
    get_optimizer,
)

GRADS = [0.5, -1.0, 2.0]  # g₁, g₂, g₃ for a scalar θ₀ = 1
LR = 0.1


def _run(opt: Optimizer, grads=GRADS, theta0=1.0, lr=LR) -> list[float]:
    """θ after each step, for one scalar parameter held in a flat (1,) vector."""
    p = np.array([theta0])
    opt.init(p)
    out = []
    for g in grads:
        opt.step(p, np.array([g]), lr)
        out.append(float(p[0]))
    return out


def test_sgd_closed_form() -> None:
    # θ ← θ − α g: 1 − 0.05 = 0.95;  0.95 + 0.1 = 1.05;  1.05 − 0.2 = 0.85
    assert_allclose(_run(SGD()), [0.95, 1.05, 0.85], rtol=1e-15)


def test_momentum_closed_form() -> None:
    # v ← β v + (1 − β) g;  θ ← θ − α v      (β = 0.9)
    # v₁ = 0.05,   θ₁ = 1 − 0.005 = 0.995
    # v₂ = 0.045 − 0.1 = −0.055,   θ₂ = 0.995 + 0.0055 = 1.0005
    # v₃ = −0.0495 + 0.2 = 0.1505, θ₃ = 1.0005 − 0.01505 = 0.98545
    assert_allclose(_run(Momentum(0.9)), [0.995, 1.0005, 0.98545], rtol=1e-14)


def test_nesterov_closed_form() -> None:
    # v ← β v + (1 − β) g;  θ ← θ − α (β v + (1 − β) g)
    # v₁ = 0.05:    step 0.045 + 0.05 = 0.095,        θ₁ = 0.9905
    # v₂ = −0.055:  step −0.0495 − 0.1 = −0.1495,     θ₂ = 1.00545
    # v₃ = 0.1505:  step 0.13545 + 0.2 = 0.33545,     θ₃ = 0.971905
    assert_allclose(_run(Nesterov(0.9)), [0.9905, 1.00545, 0.971905], rtol=1e-14)


def test_rmsprop_closed_form() -> None:
    # s ← β s + (1 − β) g²;  θ ← θ − α g / (√s + ε)
    # s₁ = 0.025, θ₁ = 1 − 0.05/(0.15811388 + 1e-8) = 1 − 0.31622775 = 0.68377225
    # s₂ = 0.0225 + 0.1 = 0.1225 (√ = 0.35), θ₂ = θ₁ + 0.1/(0.35 + 1e-8) = 0.96948653
    beta, eps = 0.9, 1e-8
    s, theta, expected = 0.0, 1.0, []
    for g in GRADS:
        s = beta * s + (1 - beta) * g * g
        theta -= LR * g / (math.sqrt(s) + eps)
        expected.append(theta)
    assert expected[0] == pytest.approx(0.68377225, abs=1e-8)
    assert expected[1] == pytest.approx(0.96948653, abs=1e-8)
    assert_allclose(_run(RMSprop(beta, eps)), expected, rtol=1e-14)


@pytest.mark.parametrize("eps", [1e-8, 0.1])
def test_adam_is_algorithm_1_with_bias_correction(eps) -> None:
    # m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  m̂ = m/(1 − β₁ᵗ);  v̂ = v/(1 − β₂ᵗ)
    # θ ← θ − α m̂/(√v̂ + ε).   Step 1: m̂ = g, v̂ = g², so θ₁ = 1 − 0.1·0.5/(0.5 + ε) ≈ 0.9.
    # ε = 0.1 tells ε-outside-√v̂ (Algorithm 1) from the folded step size
    # α√(1 − β₂ᵗ)/(1 − β₁ᵗ) of scikit-learn, which moves ε by √(1 − β₂ᵗ).
    b1, b2 = 0.9, 0.999
    m = v = 0.0
    theta, expected = 1.0, []
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        theta -= LR * m_hat / (math.sqrt(v_hat) + eps)
        expected.append(theta)
    if eps == 1e-8:
        assert expected[0] == pytest.approx(0.9, abs=1e-8)
    got = _run(Adam(b1, b2, eps))
    assert_allclose(got, expected, rtol=1e-13)
    if eps == 0.1:  # the folded form really is different
        folded = 1.0 - LR * math.sqrt(1 - b2) / (1 - b1) * (0.1 * 0.5) / (
            math.sqrt(0.001 * 0.25) + eps
        )
        assert abs(got[0] - folded) > 1e-3


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_updates_are_elementwise_and_in_place(name) -> None:
    # Each entry of θ follows the scalar closed form of its own gradient sequence.
    opt = get_optimizer(name)
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(7)
    grads_seq = [rng.standard_normal(7) for _ in range(3)]
    buf = theta.ctypes.data
    opt.init(theta)
    start = theta.copy()
    for g in grads_seq:
        opt.step(theta, g, LR)
    assert theta.ctypes.data == buf  # updated in place
    for i in range(7):
        scalar = _run(get_optimizer(name), [float(g[i]) for g in grads_seq], float(start[i]))
        assert theta[i] == pytest.approx(scalar[-1], rel=1e-12)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_float32_parameters_and_state_stay_float32(name) -> None:
    opt = get_optimizer(name)
    p = np.ones(4, np.float32)
    opt.init(p)
    for _ in range(3):
        opt.step(p, np.full(4, 0.5, np.float32), 0.01)
    assert p.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt.state[1:])
    assert opt.t == opt.state.t == 3


@pytest.mark.parametrize(
    ("name", "state_type", "fields"),
    [
        ("sgd", SGDState, ("t",)),
        ("momentum", MomentumState, ("t", "v")),
        ("nesterov", MomentumState, ("t", "v")),
        ("rmsprop", RMSpropState, ("t", "s")),
        ("adam", AdamState, ("t", "m", "v")),
    ],
)
def test_state_is_named(name, state_type, fields) -> None:
    """Each optimizer's state is its NamedTuple over θ's layout; step 1 of Adam: m = (1 − β₁) g."""
    opt = get_optimizer(name)
    theta = np.zeros(3)
    opt.step(theta, np.array([1.0, -2.0, 0.5]), 0.1)
    assert type(opt.state) is state_type
    assert opt.state._fields == fields
    assert opt.state.t == 1
    if name == "adam":
        assert_allclose(opt.state.m, [0.1, -0.2, 0.05], rtol=1e-15)
        assert_allclose(opt.state.v, [0.001, 0.004, 0.00025], rtol=1e-12)


def test_init_resets_the_state_and_the_step_count() -> None:
    opt = Adam()
    first = _run(opt)
    assert _run(opt) == first  # _run calls init(): a fresh start gives the same steps
    p = np.zeros(2)
    opt.step(p, np.ones(2), 0.1)  # parameters of another size: re-initialised
    assert opt.t == 1


def test_registry_and_get_optimizer() -> None:
    assert sorted(OPTIMIZERS) == ["adam", "momentum", "nesterov", "rmsprop", "sgd"]
    for name, cls in OPTIMIZERS.items():
        assert type(get_optimizer(name)) is cls
        assert type(get_optimizer(name.upper())) is cls
        assert get_optimizer(cls().config()).config() == cls().config()
    adam = get_optimizer({"name": "adam", "beta1": 0.8, "epsilon": 1e-7})
    assert isinstance(adam, Adam)
    assert (adam.beta1, adam.beta2, adam.epsilon) == (0.8, 0.999, 1e-7)
    assert repr(adam) == "Adam(beta1=0.8, beta2=0.999, epsilon=1e-07)"
    inst = Momentum(0.5)
    assert get_optimizer(inst) is inst


def test_get_optimizer_errors_list_the_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'; valid names are: adam, "):
        get_optimizer("adagrad")
    with pytest.raises(ValueError, match="unknown optimizer name 'lbfgs'"):
        get_optimizer({"name": "lbfgs"})
    with pytest.raises(TypeError, match="optimizer must be a name"):
        get_optimizer(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bad optimizer settings"):
        get_optimizer({"name": "sgd", "beta": 0.9})


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Momentum(1.0), r"beta must be in \[0, 1\)"),
        (lambda: Momentum(-0.1), r"beta must be in \[0, 1\)"),
        (lambda: Adam(beta2=1.0), r"beta2 must be in \[0, 1\)"),
        (lambda: Adam(epsilon=0.0), "epsilon must be a finite number > 0"),
        (lambda: RMSprop(epsilon=-1e-8), "epsilon must be a finite number > 0"),
    ],
)
def test_hyperparameter_errors(make, match) -> None:
    with pytest.raises(ValueError, match=match):
        make()


# -- schedules ------------------------------------------------------------------------------------


def test_schedules_closed_forms() -> None:
    epochs = range(7)
    assert [Schedule(0.5)(e) for e in epochs] == [0.5] * 7
    # the course's update_lr: α₀ / (1 + decay · epoch)
    inv = Schedule(0.5, "inverse_time", decay=1.0)
    assert [inv(e) for e in epochs] == pytest.approx([0.5 / (1 + e) for e in epochs], rel=1e-15)
    # the course's schedule_lr_decay: α₀ / (1 + decay · ⌊epoch / interval⌋)
    step = Schedule(0.5, "stepwise", decay=1.0, interval=3)
    assert [step(e) for e in epochs] == pytest.approx(
        [0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.5 / 3], rel=1e-15
    )
    # exponential: α₀ · decayᵉᵖᵒᶜʰ
    exp = Schedule(0.5, "exponential", decay=0.9)
    assert [exp(e) for e in epochs] == pytest.approx([0.5 * 0.9**e for e in epochs], rel=1e-15)
    assert Schedule(0.5, "stepwise", 1.0, 3).config() == {
        "learning_rate": 0.5, "kind": "stepwise", "decay": 1.0, "interval": 3,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        ((0.0,), {}, ValueError, "learning_rate must be a finite number > 0, got 0.0"),
        ((-0.1,), {}, ValueError, "learning_rate must be a finite number > 0"),
        ((float("inf"),), {}, ValueError, "learning_rate must be a finite number > 0"),
        (("0.1",), {}, TypeError, "learning_rate must be a positive number"),
        ((0.1, "cosine"), {}, ValueError, "unknown lr_schedule 'cosine'; valid names are: "),
        ((0.1, "inverse_time"), {"decay": -1.0}, ValueError, "decay must be a finite number >= 0"),
        ((0.1, "exponential"), {"decay": 0.0}, ValueError, r"exponential schedule .* \(0, 1\]"),
        ((0.1, "exponential"), {"decay": 1.5}, ValueError, r"\(0, 1\]"),
        ((0.1, "stepwise"), {"decay": 1.0, "interval": 0}, ValueError, "decay_interval must be"),
    ],
)
def test_schedule_errors(args, kwargs, exc, match) -> None:
    with pytest.raises(exc, match=match):
        Schedule(*args, **kwargs)


# --- keep_state: a new fit continues the previous one's optimizer (partial_fit) ------------


def test_init_resets_without_keep_state():
    opt = get_optimizer("adam")
    p = np.ones(6)
    opt.step(p, np.full(6, 0.5), 0.1)
    opt.init(p)
    assert opt.t == 0
    assert not opt.state.m.any()


@pytest.mark.parametrize("name", ["adam", "momentum", "rmsprop", "sgd"])
def test_keep_state_keeps_matching_state_and_t(name):
    opt = get_optimizer(name)
    opt.keep_state = True
    p = np.ones(8)
    opt.step(p, np.linspace(-1, 1, 8), 0.1)
    before = [a.copy() for a in opt.state[1:]]
    opt.init(p)
    assert opt.t == 1
    for a, c in zip(opt.state[1:], before, strict=True):
        assert_array_equal(a, c)


def test_keep_state_continues_bit_for_bit():
    """Three steps, init with keep_state, three more: the six steps of one run."""
    rng = np.random.default_rng(0)
    theta0 = rng.standard_normal(10)
    grads = [rng.standard_normal(10) for _ in range(6)]
    ref, opt_ref = theta0.copy(), get_optimizer("adam")
    for g in grads:
        opt_ref.step(ref, g, 0.01)
    split, opt = theta0.copy(), get_optimizer("adam")
    opt.keep_state = True
    for g in grads[:3]:
        opt.step(split, g, 0.01)
    opt.init(split)
    assert opt.t == 3
    for g in grads[3:]:
        opt.step(split, g, 0.01)
    assert_array_equal(split, ref)


def test_keep_state_restarts_when_the_parameters_change():
    opt = get_optimizer("adam")
    opt.keep_state = True
    opt.step(np.ones(4), np.ones(4), 0.1)
    opt.init(np.ones(5))  # another size: nothing to continue
    assert opt.t == 0
    assert opt.state.m.shape == (5,)
    opt.step(np.ones(5), np.ones(5), 0.1)
    opt.init(np.ones(5, np.float32))  # another dtype
    assert opt.t == 0
    assert opt.state.m.dtype == np.float32


def test_a_subclass_that_skips_init_still_works():
    """keep_state has a class default: an optimizer without super().__init__() still trains."""

    class Plain(Optimizer):
        name = "plain"

        def __init__(self) -> None:  # no super().__init__()
            pass

        def update(self, state, theta, g, lr):
            theta -= lr * g

    opt = Plain()
    p = np.ones(3)
    opt.init(p)  # as fit does
    opt.step(p, np.ones(3), 0.5)
    assert_array_equal(p, np.full(3, 0.5))
    assert opt.t == 1
