"""The training step: one implementation, with and without preallocated buffers.

``Trainer.step`` is ``backprop.forward`` → batch cost → ``backprop.backward`` →
the optimizer's update of θ, given a ``Workspace`` and a flat gradient vector.
The oracle for each step is the same functions called without buffers (every
array allocated) and ``Optimizer.step`` on ``layout.flatten(dW, db)``, on
batches of the same values **and the same memory layout**: both sides then
make the same BLAS calls, so the parameters must be bit for bit equal on any
CPU.  NumPy's operations are used on both sides (the compiled kernels have
their own comparison in test_kernels.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import chainrule
from chainrule import _kernels, backprop
from chainrule.activations import ReLU
from chainrule.losses import cost as mean_cost
from chainrule.optim import OPTIMIZERS, SGD, get_optimizer
from chainrule.training import DivergenceWarning, Trainer, all_finite

from ._trainhelpers import CONFIGS, DTYPES, assert_same_params, make_data


@pytest.fixture(autouse=True)
def _numpy_ops(monkeypatch):
    monkeypatch.setattr(_kernels, "ENABLED", False)


def oracle_step(net, opt, Xb, Yb, wb, lr, rng, l2_m=None):
    """One step from the core functions, allocating every array: the batch cost J."""
    m_eff = Xb.shape[1] if wb is None else float(wb.sum())
    m_l2 = l2_m or m_eff
    AL, caches = backprop.forward(
        Xb, net.Ws, net.bs, net.activations, keep_probs=net.keep_probs, rng=rng
    )
    canonical = backprop.is_canonical(net.loss, net.activations[-1])
    Lb = net.loss.from_logits(caches[-1].Z, Yb) if canonical else net.loss.per_example(AL, Yb)
    J = mean_cost(Lb, wb) + backprop.l2_cost(net.Ws, net.l2, m_l2)
    g = backprop.backward(caches, Yb, net.Ws, net.activations, net.loss, l2=net.l2, l2_m=m_l2,
                          sample_weight=wb, need_dA0=False)  # fmt: skip
    opt.step(net.theta, net.layout.flatten(g.dW, g.db), lr)
    return J


def run_both(config, dtype, optimizer, *, bs=7, dropout=0.0, l2=0.0, weights=False, steps=12,
             m=30, l2_m=None):  # fmt: skip
    """``steps`` shuffled mini-batch steps by the Trainer and by the oracle."""
    dims, hidden, output, loss, kind = CONFIGS[config]
    X, Y = make_data(kind, dims[0], dims[-1], m, dtype)
    X, Y = np.asfortranarray(X), np.asfortranarray(Y)
    w = np.random.default_rng(5).random(m).astype(dtype) + 0.1 if weights else None
    nets = [chainrule.Network(dims, hidden, output, loss, seed=3, dtype=dtype, dropout=dropout,
                              l2=l2) for _ in range(2)]  # fmt: skip
    prng = np.random.default_rng(0)
    idxs = [prng.permutation(m)[:bs] for _ in range(steps)]
    tr = Trainer(nets[0], get_optimizer(optimizer), X, Y, w, l2_m=l2_m)
    rng = np.random.default_rng(9)
    got = [tr.step(idx, 0.05, rng)[0] for idx in idxs]
    opt, rng = get_optimizer(optimizer), np.random.default_rng(9)
    want = []
    for idx in idxs:
        # the batch as the trainer gathers it: the rows X.T[idx], transposed (F order)
        Xb, Yb = X.T[idx].T, Y.T[idx].T
        wb = None if w is None else w[idx]
        want.append(oracle_step(nets[1], opt, Xb, Yb, wb, 0.05, rng, l2_m))
    return nets, got, want


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_bitwise_equal(dtype, optimizer):
    nets, got, want = run_both("relu-softmax", dtype, optimizer, dropout=0.2)
    assert_same_params(*nets)
    assert got == want


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_activation_and_loss_with_dropout_l2_weights(dtype, config):
    nets, got, want = run_both(config, dtype, "adam", dropout=0.2, l2=0.3, weights=True)
    assert_same_params(*nets)
    assert got == want


@pytest.mark.parametrize("dtype", DTYPES)
def test_nielsen_training_set_l2(dtype):
    nets, got, want = run_both("sigmoid-multilabel", dtype, "sgd", bs=10, l2=5.0, l2_m=30.0)
    assert_same_params(*nets)
    assert got == want


def test_full_batch_step_is_the_course_loop():
    """A full-batch step on X as given: forward, backward, θ ← θ − α g, exactly."""
    X, Y = make_data("binary", 6, 1, 20, "float64")
    nets = [chainrule.Network([6, 8, 1], "tanh", "sigmoid", "bce", seed=0) for _ in range(2)]
    tr = Trainer(nets[0], SGD(), X, Y, None)
    for _ in range(3):
        tr.step(None, 0.5, np.random.default_rng(0))
        g = nets[1].gradients(X, Y)  # course convention, 1/m in dW = (1/m) dZ A_prevᵀ
        for l in range(nets[1].L):
            nets[1].Ws[l] -= 0.5 * g.dW[l]
            nets[1].bs[l] -= 0.5 * g.db[l]
    assert_same_params(*nets)


@pytest.mark.parametrize("convention", ["course", "cost"])
def test_workspace_changes_nothing_but_the_allocations(convention):
    """forward/backward into a Workspace and flat gradient views: the same dW, db, dZ bits."""
    dims = [5, 7, 6, 3]
    X, Y = make_data("onehot", 5, 3, 11, "float64")
    net = chainrule.Network(dims, "relu", "softmax", "cce", seed=1, dropout=0.3, l2=0.2)
    outs = []
    for use_ws in (False, True):
        ws = backprop.Workspace(dims, 11, net.dtype, net.keep_probs) if use_ws else None
        grad = np.empty_like(net.theta)
        dWs, dbs = net.layout.views(grad)
        AL, caches = backprop.forward(X, net.Ws, net.bs, net.activations,
                                      keep_probs=net.keep_probs, rng=np.random.default_rng(2),
                                      ws=ws)  # fmt: skip
        g = backprop.backward(caches, Y, net.Ws, net.activations, net.loss, l2=net.l2,
                              convention=convention, need_dA0=False, ws=ws,
                              out=(dWs, dbs) if use_ws else None)  # fmt: skip
        outs.append((AL.copy(), [d.copy() for d in g.dW + g.db + g.dZ]))
        if use_ws:
            assert all(d.base is grad for d in g.dW + g.db)  # written into the flat vector
            assert g.dZ[0] is ws.dZ[0]
    assert_array_equal(outs[1][0], outs[0][0])
    for a, b in zip(outs[0][1], outs[1][1], strict=True):
        assert_array_equal(b, a)


def test_defer_scale_leaves_the_1_over_m_to_the_update():
    X, Y = make_data("onehot", 5, 3, 8, "float64")
    net = chainrule.Network([5, 4, 3], "relu", "softmax", "cce", seed=1)
    _, caches = backprop.forward(X, net.Ws, net.bs, net.activations)
    g = backprop.backward(caches, Y, net.Ws, net.activations, net.loss)
    _, caches = backprop.forward(X, net.Ws, net.bs, net.activations)
    d = backprop.backward(caches, Y, net.Ws, net.activations, net.loss, defer_scale=True)
    assert g.scale == 1.0
    assert d.scale == 1 / 8
    for a, b in zip(g.dW + g.db, d.dW + d.db, strict=True):
        assert_array_equal(b * np.float64(1 / 8), a)  # (1/m)·Σ: the same rounding as in place


def test_same_seed_same_bits_on_this_machine():
    """Reproducibility on one machine and BLAS build: the same seed gives the same bits."""
    X, y = make_data("onehot", 6, 4, 80, "float64")
    y = y.argmax(axis=0)
    runs = []
    for _ in range(2):
        net = chainrule.Network([6, 16, 4], "relu", "softmax", "cce", seed=5, dropout=0.2)
        h = net.fit(X, y, epochs=4, batch_size=16, validation_fraction=0.25, progress=False)
        runs.append((net.theta.copy(), h.to_dict()))
    assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_float32_stays_float32():
    """No float64 upcast anywhere in a float32 run (labels, scales, buffers, state)."""
    X, Y = make_data("onehot", 6, 4, 30, "float32")
    net = chainrule.Network([6, 9, 5, 4], "relu", "softmax", "cce", seed=0, dtype="float32",
                            dropout=0.2, l2=0.1)  # fmt: skip
    opt = get_optimizer("adam")
    w = np.linspace(0.5, 1.5, 30).astype("float32")
    tr = Trainer(net, opt, np.asfortranarray(X), np.asfortranarray(Y), w)
    tr.step(np.arange(8), 0.01, np.random.default_rng(0))
    arrays = [net.theta, tr.grad, *net.Ws, *net.bs, opt.state.m, opt.state.v]
    ws, _ = tr.workspace(8)
    arrays += ws.Z + ws.A + ws.dZ + [D for D in ws.D if D is not None]
    assert all(a.dtype == np.float32 for a in arrays)


def test_parameters_are_views_of_theta():
    net = chainrule.Network([3, 4, 2], "relu", "softmax", "cce", seed=0)
    for v in net.parameters.values():
        assert v.base is net.theta
    assert net.theta.size == net.n_params == 3 * 4 + 4 + 4 * 2 + 2
    net.theta[0] = 123.0
    assert net.Ws[0][0, 0] == 123.0
    net.Ws[1] = np.ones((2, 4))  # assignment copies into the view
    assert net.Ws[1].base is net.theta
    assert_array_equal(net.theta[16:24], np.ones(8))
    with pytest.raises(ValueError, match=r"W2 must have shape \(2, 4\), got \(4, 2\)"):
        net.Ws[1] = np.ones((4, 2))
    W1 = net.Ws[0]
    X, Y = make_data("onehot", 3, 2, 10, "float64")
    net.fit(X, Y, epochs=2, progress=False)
    assert net.Ws[0] is W1  # code holding W[1] sees the training


def test_pickle_and_deepcopy_keep_the_views():
    import copy
    import pickle

    net = chainrule.Network([3, 4, 2], "relu", "softmax", "cce", seed=0)
    for other in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        assert_array_equal(other.theta, net.theta)
        assert all(p.base is other.theta for p in other.parameters.values())
        other.theta[:] = 0.0
        assert not other.Ws[0].any()
        assert net.Ws[0].any()


def test_zero_weight_batch_is_skipped():
    X, Y = make_data("binary", 6, 1, 12, "float64")
    net = chainrule.Network([6, 8, 1], "tanh", "sigmoid", "bce", seed=0, dropout=0.5)
    w = np.ones(12)
    w[:4] = 0.0
    before = net.theta.copy()
    tr = Trainer(net, SGD(), X, Y, w)
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    J, n_ok, mb, m_eff = tr.step(slice(0, 4), 0.1, rng)
    assert (mb, m_eff) == (4, 0.0)
    assert math.isnan(J)
    assert math.isnan(n_ok)
    assert_array_equal(net.theta, before)
    assert rng.bit_generator.state == state  # no dropout mask was drawn


def test_nonfinite_cost_leaves_parameters_unchanged():
    X, Y = make_data("real", 6, 2, 10, "float64")
    X[0, 0] = 1e300
    net = chainrule.Network([6, 8, 2], "relu", "identity", "mse", seed=0, init="normal")
    before = net.theta.copy()
    tr = Trainer(net, SGD(), X, Y, None)
    with np.errstate(all="ignore"):
        J, *_ = tr.step(None, 0.1, np.random.default_rng(0))
    assert not math.isfinite(J)
    assert_array_equal(net.theta, before)


def test_unmonitored_step_same_parameters():
    dims, hidden, output, loss, kind = CONFIGS["relu-softmax"]
    X, Y = make_data(kind, dims[0], dims[-1], 40, "float64")
    nets = [chainrule.Network(dims, hidden, output, loss, seed=1) for _ in range(2)]
    trs = [Trainer(n, get_optimizer("adam"), X, Y, None) for n in nets]
    for k in range(5):
        idx = np.arange(k, k + 8)
        J, n_ok, *_ = trs[0].step(idx, 0.01, np.random.default_rng(k), monitor=False)
        assert math.isnan(J)
        assert math.isnan(n_ok)
        trs[1].step(idx, 0.01, np.random.default_rng(k))
    assert_same_params(*nets)


def test_epoch_cost_is_the_mean_of_the_batch_costs():
    """Deferred to the epoch's end (no weights) or batch by batch (weights): the same J."""
    X, Y = make_data("onehot", 6, 4, 45, "float64")
    X, Y = np.asfortranarray(X), np.asfortranarray(Y)
    perm = np.random.default_rng(0).permutation(45)
    stats = []
    for w in (None, np.ones(45)):
        net = chainrule.Network([6, 9, 4], "relu", "softmax", "cce", seed=3, l2=0.2)
        stats.append(Trainer(net, SGD(), X, Y, w).epoch(perm, 8, 0.1, np.random.default_rng(1)))
    assert stats[0][0] == pytest.approx(stats[1][0], rel=1e-12)
    assert stats[0][1] == stats[1][1]


def test_epoch_reports_divergence():
    X, Y = make_data("real", 6, 2, 20, "float64")
    net = chainrule.Network([6, 8, 2], "relu", "identity", "mse", seed=0, init="normal")
    tr = Trainer(net, SGD(), X, Y, None)
    with np.errstate(all="ignore"):
        assert tr.epoch(None, 5, 1e30, np.random.default_rng(0)) is None


def test_fit_divergence_keeps_the_last_finite_parameters():
    X, Y = make_data("real", 6, 2, 40, "float64")
    net = chainrule.Network([6, 8, 2], "relu", "identity", "mse", seed=0, init="normal")
    snapshots = [net.theta.copy()]  # (a cost blown up in epoch 1 keeps the initial ones)

    def keep(epoch, logs):
        snapshots.append(net.theta.copy())

    with pytest.warns(DivergenceWarning, match="training diverged in epoch"):
        h = net.fit(X, Y, epochs=30, batch_size=8, optimizer="sgd", learning_rate=0.5, seed=1,
                    progress=False, callback=keep)  # fmt: skip
    assert h.diverged
    assert np.isfinite(net.theta).all()
    assert_array_equal(net.theta, snapshots[-1])


def test_custom_optimizer_and_activation_train():
    """A user's Optimizer subclass and Activation subclass take the NumPy operations."""

    class ClippedSGD(SGD):
        def update(self, state, theta, g, lr):  # not elementwise: a norm over all of θ
            theta -= lr * g / max(1.0, float(np.sqrt(np.vdot(g, g))))

    class MyReLU(ReLU):
        pass

    X, Y = make_data("onehot", 6, 4, 30, "float64")
    net = chainrule.Network([6, 9, 4], activations=[MyReLU(), "softmax"], loss="cce", seed=2)
    before = net.cost(X, Y)
    net.fit(X, Y, epochs=20, batch_size=10, optimizer=ClippedSGD(), learning_rate=0.5,
            progress=False)  # fmt: skip
    assert net.cost(X, Y) < before


def testall_finite_answers_like_isfinite():
    """One sum decides, except where finite entries overflow the sum."""
    assert all_finite(np.array([1e308, 1e308, -1.0]))  # finite entries whose sum overflows
    assert not all_finite(np.array([1.0, np.nan]))
    assert not all_finite(np.array([np.inf, -np.inf]))  # sums to NaN
    assert not all_finite(np.array([1.0, np.inf]))
    assert all_finite(np.zeros(4, np.float32))
