"""``fit(..., l2_m=n)``: the m of the L2 term's λ/m, for the gradient and the recorded cost.

Oracles:

* a hand-worked one-weight regression (closed-form cost and update);
* Nielsen's own loop, :func:`chainrule.nielsen.sgd` (his λ/n with n the training-set
  size), which ``fit(optimizer="sgd", l2_m=n)`` must reproduce to rounding;
* a replay of the epoch's mini-batches on a copy of the network *without* L2, whose
  gradients get (λ/l2_m) W added by hand and whose costs get (λ/2 l2_m) Σ‖W‖² by hand
  (so the oracle does not go through the code's ``l2_m`` path at all);
* NumPy's operations only (``chainrule._kernels.ENABLED = False``) against the compiled kernels.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from chainrule import _kernels, nielsen
from chainrule.data import one_hot
from chainrule.network import Network
from chainrule.training import fit


@pytest.fixture(params=[True, False], ids=["compiled", "numpy"])
def path(request, monkeypatch):
    """Run the test with the compiled kernels and with NumPy's operations only (restored after)."""
    monkeypatch.setattr(_kernels, "ENABLED", request.param)
    return request.param


def params_of(net: Network) -> list[np.ndarray]:
    return [p.copy() for pair in zip(net.Ws, net.bs, strict=True) for p in pair]


def assert_same_params(a: Network, b: Network) -> None:
    """Bit for bit the same W[l], b[l]."""
    for p, q in zip(params_of(a), params_of(b), strict=True):
        assert_array_equal(p, q)


def sq_norm(Ws) -> float:
    return sum(float(np.sum(W * W)) for W in Ws)


# -- (c) hand-worked: one weight, full batch ---------------------------------------------------


def one_weight_net(l2: float) -> Network:
    net = Network([1, 1], output="identity", loss="mse", l2=l2, seed=0)
    net.parameters = {"W1": np.array([[2.0]]), "b1": np.array([[0.0]])}
    return net


def test_hand_worked_full_batch(path):
    """a = w x + b, L = ½(a − y)², X = [1, 2], Y = [0, 0], w = 2, b = 0, λ = 1, l2_m = 4.

    Epoch 1: a = [2, 4], L = [2, 8], J = 5 + (1/(2·4))·2² = 5.5;
             dw = mean((a − y) x) + (λ/4) w = 5 + 0.5 = 5.5, db = mean(a − y) = 3;
             α = 0.1: w = 2 − 0.55 = 1.45, b = −0.3.
    Epoch 2: a = [1.15, 2.6], L = [0.66125, 3.38], J = 2.020625 + (1/8)·1.45² = 2.2834375.
    """
    net = one_weight_net(l2=1.0)
    X, Y = np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]])
    hist = fit(net, X, Y, epochs=2, optimizer="sgd", learning_rate=0.1, l2_m=4, progress=False)
    assert hist.train_cost == pytest.approx([5.5, 2.2834375], rel=1e-15)
    # after epoch 2: dw = mean([1.15·1, 2.6·2]) + 0.25·1.45 = 3.175 + 0.3625, db = 1.875
    assert net.Ws[0][0, 0] == pytest.approx(1.45 - 0.1 * (3.175 + 0.3625), rel=1e-15)
    assert net.bs[0][0, 0] == pytest.approx(-0.3 - 0.1 * 1.875, rel=1e-15)


def test_hand_worked_default_is_the_batch_size(path):
    """The same problem with l2_m=None: λ/m with m = 2, J = 5 + (1/4)·4 = 6, dw = 5 + 1 = 6."""
    net = one_weight_net(l2=1.0)
    X, Y = np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]])
    hist = fit(net, X, Y, epochs=1, optimizer="sgd", learning_rate=0.1, progress=False)
    assert hist.train_cost == pytest.approx([6.0], rel=1e-15)
    assert net.Ws[0][0, 0] == pytest.approx(1.4, rel=1e-15)


# -- (a) Nielsen's network2.SGD ----------------------------------------------------------------


@pytest.mark.parametrize("cost", ["cross_entropy", "quadratic"])
def test_reproduces_nielsen_sgd(path, cost):
    """fit(sgd, l2=λ, l2_m=n, seeded shuffle) is chainrule.nielsen.sgd with his λ/n update.

    n = 23 examples in batches of 5 (the last one has 3), two epochs; the shuffles come
    from the same seed in both loops.
    """
    rng = np.random.default_rng(11)
    n, lam, eta, seed = 23, 4.0, 0.5, 7
    X = rng.standard_normal((5, n))
    y = rng.integers(0, 3, n)
    his = nielsen.make_network([5, 7, 3], cost=cost, seed=1)
    ours = Network.from_config({**his.config(), "l2": lam}, his.parameters)
    other = Network.from_config({**his.config(), "l2": lam}, his.parameters)
    start = params_of(his)

    nielsen.sgd(his, X, y, epochs=2, mini_batch_size=5, eta=eta, lmbda=lam, seed=seed,
                progress=False)  # fmt: skip
    Y = one_hot(y, 3)
    kw = {"epochs": 2, "batch_size": 5, "optimizer": "sgd", "learning_rate": eta, "seed": seed,
          "progress": False}  # fmt: skip
    ours.fit(X, Y, l2_m=n, **kw)
    other.fit(X, Y, **kw)  # the per-batch λ/m_b: a different run

    for p, q, p0 in zip(params_of(his), params_of(ours), start, strict=True):
        assert not np.allclose(p, p0)
        assert_allclose(q, p, rtol=1e-12, atol=1e-14)
    # with the default λ/m_b the weights decay 23/5 times faster: clearly not his update
    diff = max(np.abs(a - b).max() for a, b in zip(params_of(his), params_of(other), strict=True))
    assert diff > 1e-2


# -- (b) the compiled kernels and NumPy's operations ---------------------------------------------


def fit_both(monkeypatch, make_net, X, Y, **kw):
    nets, hists = [], []
    for enabled in (False, True):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        net = make_net()
        hists.append(fit(net, X, Y, progress=False, **kw))
        nets.append(net)
    return nets, hists


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_compiled_kernels_equal_numpy_operations(monkeypatch, dtype, optimizer, weighted):
    """Bit-identical parameters with l2_m set, 60 examples in batches of 8 (the last has 4).

    Costs: with example weights both paths sum the batch costs in the same order, so the
    History is identical; without them the fast path computes the epoch's cost in one pass
    after the epoch (training.py's module docstring), equal to rounding.
    """
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 60)).astype(dtype)
    y = rng.integers(0, 4, 60)
    w = rng.uniform(0.2, 2.0, 60) if weighted else None

    def make_net():
        return Network([6, 9, 5, 4], "relu", "softmax", "cce", seed=0, dtype=dtype, l2=0.3)

    (ref, fast), (h_ref, h_fast) = fit_both(
        monkeypatch, make_net, X, y, epochs=4, batch_size=8, optimizer=optimizer,
        learning_rate=0.05, seed=2, l2_m=60, sample_weight=w,
        validation_data=(X[:, :12], y[:12]),
    )  # fmt: skip
    for p, q in zip(params_of(ref), params_of(fast), strict=True):
        assert p.dtype == np.dtype(dtype)
        assert_array_equal(q, p)
    if weighted:
        assert h_fast.train_cost == h_ref.train_cost
    else:
        rel = 1e-12 if dtype == "float64" else 1e-5
        assert h_fast.train_cost == pytest.approx(h_ref.train_cost, rel=rel)
    assert h_fast.train_accuracy == h_ref.train_accuracy
    assert h_fast.val_cost == h_ref.val_cost
    assert h_fast.val_accuracy == h_ref.val_accuracy


# -- (c) the recorded epoch cost, replayed batch by batch --------------------------------------


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_epoch_cost_and_update_replayed_by_hand(path, weighted):
    """One epoch, 7 examples in batches of 3, 3, 1 (seeded shuffle), λ = 0.3, l2_m = 10.

    For each batch b, before its update:  J_b = mean_b L + (λ/2·l2_m) Σ‖W‖²  (the weighted
    mean Σwᵢ Lᵢ/Σwᵢ with weights); the epoch's cost is Σ_b J_b m_b / Σ_b m_b (m_b = Σ_{i∈b}
    wᵢ with weights).  SGD: W ← W − α (dW_data + (λ/l2_m) W), b ← b − α db.  The data part
    comes from a copy of the network with λ = 0, so the replay never uses ``l2_m`` itself.
    """
    lam, l2_m, lr, seed, bs = 0.3, 10.0, 0.7, 5, 3
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 7))
    Y = (rng.random((1, 7)) < 0.5).astype(float)
    w = rng.uniform(0.5, 2.0, 7) if weighted else None
    net = Network([2, 3, 1], "tanh", "sigmoid", "bce", seed=4, l2=lam)
    clone = Network.from_config({**net.config(), "l2": 0.0}, net.parameters)

    hist = fit(net, X, Y, epochs=1, batch_size=bs, optimizer="sgd", learning_rate=lr,
               seed=seed, l2_m=l2_m, sample_weight=w, progress=False)  # fmt: skip

    perm = np.random.default_rng(seed).permutation(7)
    total = weight = 0.0
    for start in range(0, 7, bs):
        idx = perm[start : start + bs]
        wb = None if w is None else w[idx]
        m_b = len(idx) if wb is None else float(wb.sum())
        J_b = clone.cost(X[:, idx], Y[:, idx], sample_weight=wb) + lam / (2 * l2_m) * sq_norm(
            clone.Ws
        )
        total += J_b * m_b
        weight += m_b
        g = clone.gradients(X[:, idx], Y[:, idx], sample_weight=wb)
        for l in range(clone.L):
            clone.Ws[l] -= lr * (g.dW[l] + (lam / l2_m) * clone.Ws[l])
            clone.bs[l] -= lr * g.db[l]
    assert len({len(perm[s : s + bs]) for s in range(0, 7, bs)}) == 2  # a smaller last batch
    assert hist.train_cost[0] == pytest.approx(total / weight, rel=1e-12)
    for p, q in zip(params_of(net), params_of(clone), strict=True):
        assert_allclose(p, q, rtol=1e-12, atol=1e-15)


# -- properties: when l2_m changes nothing ----------------------------------------------------


def test_l2_m_equal_to_m_full_batch_is_the_default(path):
    """Full batch: l2_m = m is the default λ/m, bit for bit (the same float division)."""
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((3, 20)), (rng.random((1, 20)) < 0.5).astype(float)
    nets = [Network([3, 4, 1], "tanh", seed=0, l2=0.7) for _ in range(2)]
    h0 = nets[0].fit(X, Y, epochs=5, optimizer="momentum", learning_rate=0.1, progress=False)
    h1 = nets[1].fit(X, Y, epochs=5, optimizer="momentum", learning_rate=0.1, l2_m=20,
                     progress=False)  # fmt: skip
    assert_same_params(nets[0], nets[1])
    assert h0.train_cost == h1.train_cost


def test_l2_m_equal_to_the_weight_sum_full_batch_is_the_default(path):
    """With example weights the default m of the L2 term is Σwᵢ."""
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((3, 20)), (rng.random((1, 20)) < 0.5).astype(float)
    w = rng.uniform(0.1, 3.0, 20)
    nets = [Network([3, 4, 1], "tanh", seed=0, l2=0.7) for _ in range(2)]
    kw = {
        "epochs": 4,
        "optimizer": "sgd",
        "learning_rate": 0.1,
        "sample_weight": w,
        "progress": False,
    }
    h0 = nets[0].fit(X, Y, **kw)
    h1 = nets[1].fit(X, Y, l2_m=float(w.sum()), **kw)
    assert_same_params(nets[0], nets[1])
    assert h0.train_cost == h1.train_cost


def test_l2_m_without_l2_changes_nothing(path):
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((3, 20)), (rng.random((1, 20)) < 0.5).astype(float)
    nets = [Network([3, 4, 1], seed=0) for _ in range(2)]
    h0 = nets[0].fit(X, Y, epochs=3, batch_size=6, seed=1, progress=False)
    h1 = nets[1].fit(X, Y, epochs=3, batch_size=6, seed=1, l2_m=1e-3, progress=False)
    assert_same_params(nets[0], nets[1])
    assert h0.train_cost == h1.train_cost


def test_validation_cost_keeps_its_own_m():
    """val_cost is Network.cost of the validation data (λ/2m_val), whatever l2_m is."""
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((3, 30)), (rng.random((1, 30)) < 0.5).astype(float)
    net = Network([3, 4, 1], seed=0, l2=2.0)
    hist = net.fit(X[:, :20], Y[:, :20], epochs=2, validation_data=(X[:, 20:], Y[:, 20:]),
                   l2_m=1000, progress=False)  # fmt: skip
    assert hist.val_cost[-1] == net.cost(X[:, 20:], Y[:, 20:])


# -- (d) bad values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "exc"),
    [
        (0, ValueError),
        (-5.0, ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        (-math.inf, ValueError),
        ("100", TypeError),
        (True, TypeError),
        ([100], TypeError),
    ],
)
@pytest.mark.parametrize("via", ["function", "method"])
def test_bad_l2_m_is_refused_before_training(value, exc, via):
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((3, 10)), (rng.random((1, 10)) < 0.5).astype(float)
    net = Network([3, 1], seed=0, l2=1.0)
    before = params_of(net)
    train = (lambda **kw: fit(net, X, Y, **kw)) if via == "function" else net.fit
    kwargs = {} if via == "function" else {"X": X, "Y": Y}
    with pytest.raises(exc, match=r"l2_m") as info:
        train(epochs=1, l2_m=value, progress=False, **kwargs)
    assert repr(value) in str(info.value)  # says what was given
    for p, q in zip(before, params_of(net), strict=True):
        assert_array_equal(p, q)
    assert net.history is None


def test_numpy_scalars_are_accepted():
    rng = np.random.default_rng(6)
    X, Y = rng.standard_normal((3, 10)), (rng.random((1, 10)) < 0.5).astype(float)
    nets = [Network([3, 1], seed=0, l2=1.0) for _ in range(2)]
    nets[0].fit(X, Y, epochs=2, optimizer="sgd", l2_m=np.int64(40), progress=False)
    nets[1].fit(X, Y, epochs=2, optimizer="sgd", l2_m=40.0, progress=False)
    assert_same_params(nets[0], nets[1])
