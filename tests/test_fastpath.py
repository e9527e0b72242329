"""The training fast path (chainrule._fast) against the reference path.

The oracle is the readable reference: ``backprop.forward`` → cost →
``backprop.backward(need_dA0=False)`` → ``Optimizer.step`` on the separate
W[l], b[l] arrays, exactly the loop ``fit`` runs when the fast path is off.
The fast path promises the *same floating-point operations* on operands of the
same layout, so after N steps the parameters must be **bit-for-bit equal**
(``assert_array_equal``), not merely close; batch costs likewise.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import chainrule
from chainrule import _fast, backprop
from chainrule.activations import ReLU, Sigmoid, Softmax
from chainrule.losses import cost as mean_cost
from chainrule.network import accuracy_from_output
from chainrule.optim import OPTIMIZERS, SGD, get_optimizer

DTYPES = ["float64", "float32"]

# name: (layer_dims, hidden, output, loss, target kind)
CONFIGS = {
    "relu-softmax": ([6, 9, 5, 4], "relu", "softmax", "cce", "onehot"),
    "relu-softmax10": ([6, 9, 10], "relu", "softmax", "cce", "onehot"),  # ≥ 8 classes
    "tanh-sigmoid": ([6, 8, 1], "tanh", "sigmoid", "bce", "binary"),
    "sigmoid-multilabel": ([6, 7, 3], "sigmoid", "sigmoid", "bce", "multilabel"),
    "leaky-identity": ([6, 8, 5, 2], "leaky_relu", "identity", "mse", "real"),
    "sigmoid-mse-general": ([6, 7, 3], "sigmoid", "sigmoid", "mse", "multilabel"),  # not canonical
}


def make_data(kind: str, n0: int, nL: int, m: int, dtype: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n0, m))
    if kind == "onehot":
        Y = np.eye(nL)[:, rng.integers(0, nL, m)]
    elif kind in ("binary", "multilabel"):
        Y = (rng.random((nL, m)) < 0.4).astype(float)
    else:
        Y = rng.standard_normal((nL, m))
    return X.astype(dtype), Y.astype(dtype)


def batches(m: int, bs: int | None, mode: str, epochs: int, seed: int):
    """The batch sequence fit would use: None (full), slices, or shuffled index arrays."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(epochs):
        if bs is None:
            out.append(None)
            continue
        perm = rng.permutation(m)
        for s in range(0, m, bs):
            out.append(slice(s, s + bs) if mode == "slice" else perm[s : s + bs])
    return out


def reference_run(net, X, Y, w, order, lr, opt, rng, l2_m=None):
    """fit's reference loop: returns the batch costs and correct counts."""
    params = [p for pair in zip(net.Ws, net.bs, strict=True) for p in pair]
    opt.init(params)
    keep = net.keep_probs if any(k < 1 for k in net.keep_probs) else None
    canonical = backprop.is_canonical(net.loss, net.activations[-1])
    costs, correct = [], []
    for idx in order:
        if idx is None:
            Xb, Yb, wb = X, Y, w
        else:
            Xb, Yb, wb = X[:, idx], Y[:, idx], None if w is None else w[idx]
        m_eff = Xb.shape[1] if wb is None else float(wb.sum())
        AL, caches = backprop.forward(Xb, net.Ws, net.bs, net.activations, keep_probs=keep, rng=rng)
        Lb = net.loss.from_logits(caches[-1].Z, Yb) if canonical else net.loss.per_example(AL, Yb)
        costs.append(mean_cost(Lb, wb) + backprop.l2_cost(net.Ws, net.l2, l2_m or m_eff))
        correct.append(
            accuracy_from_output(AL, Yb, net.task) * Xb.shape[1]
            if net.task != "regression"
            else math.nan
        )
        l2m = l2_m if l2_m is not None else (None if wb is None else m_eff)
        g = backprop.backward(
            caches,
            Yb,
            net.Ws,
            net.activations,
            net.loss,
            l2=net.l2,
            l2_m=l2m,
            sample_weight=wb,
            need_dA0=False,
        )
        opt.step(params, [d for pair in zip(g.dW, g.db, strict=True) for d in pair], lr)
    return costs, correct


def fast_run(net, X, Y, w, order, lr, opt, rng, l2_m=None):
    if len(order) and order[0] is not None and not isinstance(order[0], slice):
        X, Y = np.asfortranarray(X), np.asfortranarray(Y)  # as fit lays them out
    ft = _fast.FastTrainer(net, opt, X, Y, w, l2_m=l2_m)
    costs, correct = [], []
    for idx in order:
        J, n_ok, _mb, _ = ft.step(idx, lr, rng)
        costs.append(J)
        correct.append(n_ok)
    return costs, correct, ft


def run_both(
    config,
    dtype,
    optimizer,
    *,
    bs=7,
    mode="shuffle",
    dropout=0.0,
    l2=0.0,
    weights=False,
    epochs=3,
    m=45,
    l2_m=None,
    lr=0.05,
):
    dims, hidden, output, loss, kind = CONFIGS[config]
    X, Y = make_data(kind, dims[0], dims[-1], m, dtype)
    w = None
    if weights:
        w = np.random.default_rng(5).random(m).astype(dtype) + 0.1
    nets = [
        chainrule.Network(dims, hidden, output, loss, seed=3, dtype=dtype, dropout=dropout, l2=l2)
        for _ in range(2)
    ]
    order = batches(m, bs, mode, epochs, seed=11)
    ref = reference_run(
        nets[0], X, Y, w, order, lr, get_optimizer(optimizer), np.random.default_rng(7), l2_m
    )
    fast = fast_run(
        nets[1], X, Y, w, order, lr, get_optimizer(optimizer), np.random.default_rng(7), l2_m
    )
    return nets, ref, fast


def assert_same_params(a, b):
    for l, (Wa, Wb, ba, bb) in enumerate(zip(a.Ws, b.Ws, a.bs, b.bs, strict=True), start=1):
        assert Wa.dtype == Wb.dtype == a.dtype
        assert_array_equal(Wa, Wb, err_msg=f"W{l}")
        assert_array_equal(ba, bb, err_msg=f"b{l}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_bitwise_equal(dtype, optimizer):
    nets, (c_ref, ok_ref), (c_fast, ok_fast, _) = run_both("relu-softmax", dtype, optimizer)
    assert_same_params(*nets)
    assert c_fast == c_ref
    assert ok_fast == pytest.approx(ok_ref, abs=1e-9)
    # and training did move the parameters (the comparison is not vacuous)
    fresh = chainrule.Network([6, 9, 5, 4], "relu", "softmax", "cce", seed=3, dtype=dtype)
    assert not np.array_equal(fresh.Ws[0], nets[1].Ws[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_activation_and_loss_with_dropout_l2_weights(dtype, config):
    nets, (c_ref, _), (c_fast, _, _) = run_both(
        config, dtype, "adam", dropout=0.25, l2=0.3, weights=True
    )
    assert_same_params(*nets)
    assert c_fast == c_ref


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("bs", "mode"), [(None, "full"), (8, "slice"), (45, "shuffle"), (1, "shuffle")]
)
def test_batch_modes(dtype, bs, mode):
    """Full batch (X as given), contiguous slices (views), shuffled gathers, single examples."""
    nets, (c_ref, _), (c_fast, _, _) = run_both(
        "tanh-sigmoid", dtype, "momentum", bs=bs, mode=mode, l2=0.1, epochs=2
    )
    assert_same_params(*nets)
    assert c_fast == c_ref


@pytest.mark.parametrize("dtype", DTYPES)
def test_nielsen_training_set_l2(dtype):
    """l2_m = n (Nielsen's λ/n) reaches backward and the cost the same way."""
    nets, (c_ref, _), (c_fast, _, _) = run_both(
        "sigmoid-multilabel", dtype, "sgd", bs=10, l2=5.0, l2_m=45.0
    )
    assert_same_params(*nets)
    assert c_fast == c_ref


def test_float32_stays_float32():
    """No float64 upcast anywhere in a float32 run (labels, scales, buffers, state)."""
    dims = [6, 9, 5, 4]
    X, Y = make_data("onehot", 6, 4, 30, "float32")
    net = chainrule.Network(
        dims, "relu", "softmax", "cce", seed=0, dtype="float32", dropout=0.2, l2=0.1
    )
    opt = get_optimizer("adam")
    w = np.linspace(0.5, 1.5, 30).astype("float32")
    ft = _fast.FastTrainer(net, opt, np.asfortranarray(X), np.asfortranarray(Y), w)
    ft.step(np.arange(8), 0.01, np.random.default_rng(0))
    arrays = [ft.flat, ft.grad, *net.Ws, *net.bs, *(s for st in opt.state for s in st)]
    for ws in ft._ws.values():
        arrays += ws.Z + ws.A + ws.dZ + [D for D in ws.D if D is not None]
    assert all(a.dtype == np.float32 for a in arrays)


def test_parameters_become_views_of_one_vector():
    net = chainrule.Network([3, 4, 2], "relu", "softmax", "cce", seed=0)
    before = {k: v.copy() for k, v in net.parameters.items()}
    X, Y = make_data("onehot", 3, 2, 10, "float64")
    ft = _fast.FastTrainer(net, SGD(), X, Y, None)
    for k, v in net.parameters.items():
        assert_array_equal(v, before[k])  # same values
        assert v.base is ft.flat  # ... now living in the flat vector
    assert ft.flat.size == net.n_params
    ft.flat[0] = 123.0
    assert net.Ws[0].flat[0] == 123.0


def test_zero_weight_batch_is_skipped():
    X, Y = make_data("binary", 6, 1, 12, "float64")
    net = chainrule.Network([6, 8, 1], "tanh", "sigmoid", "bce", seed=0, dropout=0.5)
    w = np.ones(12)
    w[:4] = 0.0
    before = net.Ws[0].copy()
    ft = _fast.FastTrainer(net, SGD(), X, Y, w)
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    J, n_ok, mb, m_eff = ft.step(slice(0, 4), 0.1, rng)
    assert (mb, m_eff) == (4, 0.0)
    assert math.isnan(J)
    assert math.isnan(n_ok)
    assert_array_equal(net.Ws[0], before)
    assert rng.bit_generator.state == state  # no dropout mask was drawn


def test_nonfinite_cost_leaves_parameters_unchanged():
    X, Y = make_data("real", 6, 2, 10, "float64")
    X[0, 0] = 1e300
    net = chainrule.Network([6, 8, 2], "relu", "identity", "mse", seed=0, init="normal")
    before = [p.copy() for p in net.Ws]
    ft = _fast.FastTrainer(net, SGD(), X, Y, None)
    with np.errstate(all="ignore"):
        J, *_ = ft.step(None, 0.1, np.random.default_rng(0))
    assert not math.isfinite(J)
    for a, b in zip(before, net.Ws, strict=True):
        assert_array_equal(a, b)


def test_unmonitored_step_same_parameters():
    dims, hidden, output, loss, kind = CONFIGS["relu-softmax"]
    X, Y = make_data(kind, dims[0], dims[-1], 40, "float64")
    nets = [chainrule.Network(dims, hidden, output, loss, seed=1) for _ in range(2)]
    fts = [_fast.FastTrainer(n, get_optimizer("adam"), X, Y, None) for n in nets]
    for k in range(5):
        idx = np.arange(k, k + 8)
        J, n_ok, *_ = fts[0].step(idx, 0.01, np.random.default_rng(k), monitor=False)
        assert math.isnan(J)
        assert math.isnan(n_ok)
        fts[1].step(idx, 0.01, np.random.default_rng(k))
    assert_same_params(*nets)


def test_supported_only_for_builtin_activations_and_losses():
    class MyReLU(ReLU):
        pass

    net = chainrule.Network([3, 4, 2], "relu", "softmax", "cce")
    assert _fast.supported(net.activations, net.loss, get_optimizer("adam"))
    assert not _fast.supported([MyReLU(), net.activations[1]], net.loss, get_optimizer("adam"))


def test_custom_optimizer_is_called_per_array():
    """A user's Optimizer subclass gets the per-array lists, as in the reference path."""

    class ClippedSGD(SGD):
        def _update(self, p, g, s, lr):  # not elementwise: a per-array norm
            norm = float(np.sqrt(np.vdot(g, g)))
            p -= lr * g / max(1.0, norm)

    dims, hidden, output, loss, kind = CONFIGS["relu-softmax"]
    X, Y = make_data(kind, dims[0], dims[-1], 30, "float64")
    nets = [chainrule.Network(dims, hidden, output, loss, seed=2) for _ in range(2)]
    order = batches(30, 8, "shuffle", 2, seed=0)
    reference_run(nets[0], X, Y, None, order, 0.5, ClippedSGD(), np.random.default_rng(0))
    _, _, ft = fast_run(nets[1], X, Y, None, order, 0.5, ClippedSGD(), np.random.default_rng(0))
    assert len(ft.params) == 2 * len(dims[1:])
    assert_same_params(*nets)


def test_release_writes_back_into_the_original_arrays():
    net = chainrule.Network([3, 4, 2], "relu", "softmax", "cce", seed=0)
    W1 = net.Ws[0]
    X, Y = make_data("onehot", 3, 2, 10, "float64")
    ft = _fast.FastTrainer(net, SGD(), X, Y, None)
    ft.step(None, 0.5, np.random.default_rng(0))
    trained = net.Ws[0].copy()
    assert net.Ws[0] is not W1
    assert not np.array_equal(W1, trained)
    ft.release()
    assert net.Ws[0] is W1
    assert_array_equal(W1, trained)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize(("l2", "weights"), [(0.0, False), (0.3, False), (0.0, True)])
def test_compiled_update_bitwise_equal(dtype, optimizer, l2, weights):
    """With numba installed, the fused update loops (1/m included) give the NumPy bits."""
    pytest.importorskip("numba", reason="numba (the optional compiled helper) is not installed")
    if os.environ.get("CHAINRULE_NUMBA") == "0":
        pytest.skip("CHAINRULE_NUMBA=0 turns the compiled updates off")
    nets, (c_ref, _), (c_fast, _, ft) = run_both(
        "relu-softmax", dtype, optimizer, epochs=4, l2=l2, weights=weights, dropout=0.2
    )
    assert ft._update is not None
    assert_same_params(*nets)
    assert c_fast == c_ref


def _numba_or_skip():
    pytest.importorskip("numba", reason="numba (the optional compiled helper) is not installed")
    if os.environ.get("CHAINRULE_NUMBA") == "0":
        pytest.skip("CHAINRULE_NUMBA=0 turns the compiled kernels off")


# every kind of float the activations can meet: signed zeros, subnormals, huge, inf, NaN
_SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 0.5, -0.5, 3.0, -3.0, 1e308, -1e308]
_SPECIAL += [np.inf, -np.inf, np.nan]


def _special(dtype):
    """_SPECIAL in ``dtype`` (float32 turns ±1e308 into ±inf and 5e-324 into ±0)."""
    with np.errstate(over="ignore"):
        return np.array(_SPECIAL, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_compiled_bias_relu_equals_numpy(dtype):
    """Z + b then max(Z, 0) in one compiled pass: NumPy's values (NaN, ±inf, −0 included)."""
    _numba_or_skip()
    kernel, _ = _fast._compiled_relu([ReLU()], dtype)
    vals = _special(dtype)
    b, Z0 = (a.astype(dtype) for a in np.meshgrid(vals, vals, indexing="ij"))
    b = np.ascontiguousarray(b[:, :1])  # (n, 1): row i adds vals[i] to every z
    with np.errstate(all="ignore"):
        Zn = Z0 + b
        An = np.maximum(Zn, 0)
        Zk, Ak = Z0.copy(), np.empty_like(Z0)
        kernel(Zk, b, Ak, np.dtype(dtype).type(0))
    assert_array_equal(Zk, Zn)
    assert_array_equal(Ak, An)  # NaN where NumPy has NaN, 0 for every negative
    assert not np.signbit(Ak[np.isfinite(Ak) & (Zn < 0)]).any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_compiled_relu_backward_equals_numpy(dtype):
    """dA ⊙ relu′(Z) in place, compiled: bit for bit NumPy's product (inf·0 = NaN, −x·0 = −0)."""
    _numba_or_skip()
    _, kernel = _fast._compiled_relu([ReLU()], dtype)
    vals = _special(dtype)
    dA, Z = (a.astype(dtype) for a in np.meshgrid(vals, vals, indexing="ij"))
    with np.errstate(all="ignore"):
        expected = ReLU().backward(dA, Z, np.maximum(Z, 0))
        dZ = dA.copy()
        kernel(dZ, Z, np.dtype(dtype).type(0), np.dtype(dtype).type(1))
    assert_array_equal(dZ, expected)
    same_sign = np.signbit(dZ) == np.signbit(expected)
    assert same_sign[~np.isnan(expected)].all()


def test_no_relu_layer_no_relu_kernels():
    assert _fast._compiled_relu([Sigmoid(), Softmax()], "float64") is None


def test_all_finite_answers_like_isfinite():
    """One sum per array decides, except where finite entries overflow the sum."""
    from chainrule.training import _all_finite

    big = np.array([1e308, 1e308, -1.0])  # finite entries whose sum overflows to inf
    assert _all_finite([np.ones(3), big])
    assert not _all_finite([np.ones(3), np.array([1.0, np.nan])])
    assert not _all_finite([np.array([np.inf, -np.inf])])  # sums to NaN
    assert not _all_finite([np.array([1.0, np.inf]), np.ones(2)])
    assert _all_finite([np.zeros((2, 2), np.float32)])


def reference_epochs(net, X, Y, w, perms, bs, lr, opt, rng):
    """fit's reference epoch loop: per-epoch (cost, accuracy, diverged)."""
    out = []
    m = X.shape[1]
    params = [p for pair in zip(net.Ws, net.bs, strict=True) for p in pair]
    opt.init(params)
    for perm in perms:
        order = (
            [None]
            if bs >= m
            else [slice(s, s + bs) if perm is None else perm[s : s + bs] for s in range(0, m, bs)]
        )
        tot_c = tot_w = tot_ok = n = 0.0
        keep = net.keep_probs if any(k < 1 for k in net.keep_probs) else None
        for idx in order:
            Xb, Yb = (X, Y) if idx is None else (X[:, idx], Y[:, idx])
            wb = w if (w is None or idx is None) else w[idx]
            m_eff = Xb.shape[1] if wb is None else float(wb.sum())
            if m_eff <= 0:
                continue
            AL, caches = backprop.forward(Xb, net.Ws, net.bs, net.activations, keep_probs=keep,
                                          rng=rng)  # fmt: skip
            canonical = backprop.is_canonical(net.loss, net.activations[-1])
            Lb = net.loss.from_logits(caches[-1].Z, Yb) if canonical else net.loss.per_example(
                AL, Yb)  # fmt: skip
            J = mean_cost(Lb, wb) + backprop.l2_cost(net.Ws, net.l2, m_eff)
            tot_c += J * m_eff
            tot_w += m_eff
            if net.task != "regression":
                tot_ok += accuracy_from_output(AL, Yb, net.task) * Xb.shape[1]
            n += Xb.shape[1]
            g = backprop.backward(caches, Yb, net.Ws, net.activations, net.loss, l2=net.l2,
                                  l2_m=None if wb is None else m_eff, sample_weight=wb,
                                  need_dA0=False)  # fmt: skip
            opt.step(params, [d for pair in zip(g.dW, g.db, strict=True) for d in pair], lr)
        out.append((tot_c / tot_w, tot_ok / n if net.task != "regression" else math.nan))
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("config", "bs", "shuffle", "dropout", "l2", "weights"),
    [
        ("relu-softmax", 8, True, 0.0, 0.0, False),
        ("relu-softmax", 8, False, 0.3, 0.2, False),
        ("tanh-sigmoid", None, False, 0.0, 0.5, False),
        ("sigmoid-multilabel", 10, True, 0.2, 0.0, False),
        ("leaky-identity", 16, True, 0.0, 0.1, False),
        ("sigmoid-mse-general", 7, True, 0.0, 0.0, False),
        ("relu-softmax", 8, True, 0.0, 0.2, True),
    ],
)
def test_epoch_matches_fit_reference_loop(dtype, config, bs, shuffle, dropout, l2, weights):
    """Epoch costs (deferred to the epoch's end) agree to rounding; parameters exactly."""
    dims, hidden, output, loss, kind = CONFIGS[config]
    m = 45
    X, Y = make_data(kind, dims[0], dims[-1], m, dtype)
    w = np.random.default_rng(5).random(m).astype(dtype) + 0.1 if weights else None
    nets = [chainrule.Network(dims, hidden, output, loss, seed=3, dtype=dtype, dropout=dropout,
                              l2=l2) for _ in range(2)]  # fmt: skip
    prng = np.random.default_rng(0)
    perms = [prng.permutation(m) if shuffle else None for _ in range(3)]
    ref = reference_epochs(nets[0], X, Y, w, perms, bs or m, 0.05, get_optimizer("adam"),
                           np.random.default_rng(7))  # fmt: skip
    ft = _fast.FastTrainer(nets[1], get_optimizer("adam"), np.asfortranarray(X),
                           np.asfortranarray(Y), w)  # fmt: skip
    rng = np.random.default_rng(7)
    got = [ft.epoch(p, bs or m, 0.05, rng) for p in perms]
    assert_same_params(*nets)
    rtol = 1e-12 if dtype == "float64" else 1e-5
    for (c_ref, a_ref), (c, a, diverged) in zip(ref, got, strict=True):
        assert not diverged
        assert c == pytest.approx(c_ref, rel=rtol)
        if math.isnan(a_ref):
            assert math.isnan(a)
        else:
            assert a == pytest.approx(a_ref, abs=1e-12)


def test_epoch_reports_divergence():
    X, Y = make_data("real", 6, 2, 20, "float64")
    net = chainrule.Network([6, 8, 2], "relu", "identity", "mse", seed=0, init="normal")
    ft = _fast.FastTrainer(net, SGD(), X, Y, None)
    with np.errstate(all="ignore"):
        cost, _, diverged = ft.epoch(None, 5, 1e30, np.random.default_rng(0))
    assert diverged
    assert not math.isfinite(cost)


# -- fit: the fast path against the reference path, end to end ---------------------------


def fit_both(monkeypatch, make_net, X, Y, **kw):
    nets = [make_net(), make_net()]
    hists = []
    for enabled, net in zip((False, True), nets, strict=True):
        monkeypatch.setattr(_fast, "ENABLED", enabled)
        hists.append(net.fit(X, Y, progress=False, **kw))
    return nets, hists


def assert_same_history(h_ref, h_fast, rel):
    assert h_fast.epoch == h_ref.epoch
    assert h_fast.train_cost == pytest.approx(h_ref.train_cost, rel=rel)
    assert h_fast.train_accuracy == pytest.approx(h_ref.train_accuracy, abs=1e-9, nan_ok=True)
    assert h_fast.val_cost == h_ref.val_cost  # computed after the epoch from equal parameters
    assert h_fast.val_accuracy == h_ref.val_accuracy
    assert (h_fast.best_epoch, h_fast.stopped_early, h_fast.diverged, h_fast.message) == (
        h_ref.best_epoch, h_ref.stopped_early, h_ref.diverged, h_ref.message,
    )  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kw",
    [
        {"batch_size": 8, "optimizer": "adam", "validation_fraction": 0.2,
         "early_stopping": True, "patience": 2},
        {"batch_size": 16, "optimizer": "nesterov", "shuffle": False, "lr_schedule": "stepwise",
         "decay": 0.5},
        {"batch_size": None, "optimizer": "rmsprop"},
        {"batch_size": 10, "optimizer": "momentum", "sample_weight": "w"},
    ],
    ids=["adam-valfrac-early", "nesterov-noshuffle", "fullbatch-rmsprop", "momentum-weights"],
)  # fmt: skip
def test_fit_fast_equals_reference(monkeypatch, dtype, kw):
    X, Y = make_data("onehot", 6, 4, 60, dtype)
    kw = dict(kw)
    if kw.get("sample_weight") == "w":
        kw["sample_weight"] = np.linspace(0.0, 2.0, 60)

    def make_net():
        return chainrule.Network([6, 9, 5, 4], "relu", "softmax", "cce", seed=0, dtype=dtype,
                                 dropout=0.2, l2=0.05)  # fmt: skip

    nets, (h_ref, h_fast) = fit_both(
        monkeypatch, make_net, X, Y.argmax(axis=0), epochs=6, learning_rate=0.02, seed=4, **kw
    )
    assert_same_params(*nets)
    assert_same_history(h_ref, h_fast, rel=1e-12 if dtype == "float64" else 1e-5)


def test_fit_updates_the_networks_own_arrays(monkeypatch):
    """As the reference path: W[l], b[l] are trained in place (code holding them sees it)."""
    monkeypatch.setattr(_fast, "ENABLED", True)
    X, Y = make_data("binary", 6, 1, 40, "float64")
    net = chainrule.Network([6, 8, 1], "tanh", "sigmoid", "bce", seed=0)
    W1, b2 = net.Ws[0], net.bs[1]
    W1_before = W1.copy()
    net.fit(X, Y, epochs=3, batch_size=8, progress=False)
    assert net.Ws[0] is W1
    assert net.bs[1] is b2
    assert W1.base is None  # not a view of a training buffer
    assert not np.array_equal(W1, W1_before)


def test_fit_divergence_same_outcome(monkeypatch):
    X, Y = make_data("real", 6, 2, 40, "float64")

    def make_net():
        return chainrule.Network([6, 8, 2], "relu", "identity", "mse", seed=0, init="normal")

    with pytest.warns(chainrule.training.DivergenceWarning):
        nets, (h_ref, h_fast) = fit_both(
            monkeypatch, make_net, X, Y, epochs=5, batch_size=8, optimizer="sgd",
            learning_rate=5.0, seed=1,
        )  # fmt: skip
    assert h_ref.diverged
    assert h_fast.diverged
    assert_same_params(*nets)
    assert_same_history(h_ref, h_fast, rel=1e-12)


def test_fit_callback_stop_and_restore_best(monkeypatch):
    X, Y = make_data("multilabel", 6, 3, 50, "float32")

    def make_net():
        return chainrule.Network([6, 7, 3], "sigmoid", "sigmoid", "bce", seed=2, dtype="float32")

    nets, (h_ref, h_fast) = fit_both(
        monkeypatch, make_net, X, Y, epochs=8, batch_size=8, learning_rate=0.05, seed=3,
        validation_data=(X[:, :10], Y[:, :10]), early_stopping=True, patience=50,
        callback=lambda epoch, logs: epoch == 5,
    )  # fmt: skip
    assert h_fast.epoch == [1, 2, 3, 4, 5]
    assert_same_params(*nets)
    assert_same_history(h_ref, h_fast, rel=1e-5)


def test_l2_given_to_the_trainer_instead_of_the_network():
    """FastTrainer(l2=λ, l2_m=n) is backward(l2=λ, l2_m=n) on a network without l2
    (how chainrule.nielsen passes his λ/n)."""
    dims, hidden, output, loss, kind = CONFIGS["sigmoid-multilabel"]
    X, Y = make_data(kind, dims[0], dims[-1], 40, "float64")
    nets = [chainrule.Network(dims, hidden, output, loss, seed=4) for _ in range(2)]
    order = batches(40, 10, "shuffle", 2, seed=0)
    params = [p for pair in zip(nets[0].Ws, nets[0].bs, strict=True) for p in pair]
    opt = SGD()
    for idx in order:
        _, caches = backprop.forward(X[:, idx], nets[0].Ws, nets[0].bs, nets[0].activations)
        g = backprop.backward(caches, Y[:, idx], nets[0].Ws, nets[0].activations, nets[0].loss,
                              l2=5.0, l2_m=40.0, need_dA0=False)  # fmt: skip
        opt.step(params, [d for pair in zip(g.dW, g.db, strict=True) for d in pair], 0.1)
    ft = _fast.FastTrainer(nets[1], SGD(), np.asfortranarray(X), np.asfortranarray(Y), None,
                           l2_m=40.0, l2=5.0)  # fmt: skip
    for idx in order:
        ft.step(idx, 0.1, np.random.default_rng(0), monitor=False)
    ft.release()
    assert_same_params(*nets)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape", [(10, 128), (1, 5), (2, 3), (37, 9), (300, 4), (4, 1000), (129, 2), (8, 7)]
)
@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_compiled_softmax_equals_numpy(dtype, shape, scale):
    """Z + b, then softmax around NumPy's exp: activations.softmax's bits, m ≥ 2 columns.

    (At scale 1 no single term dominates a column's sum, so an order of summation
    other than NumPy's shows in the last bits.)
    """
    _numba_or_skip()
    from chainrule.activations import softmax

    shift, normalize = _fast._compiled_softmax([ReLU(), Softmax()], dtype)
    rng = np.random.default_rng(sum(shape))
    n, m = shape
    Z0 = (rng.standard_normal(shape) * scale).astype(dtype)
    b = (rng.standard_normal((n, 1)) * 5).astype(dtype)
    Zn = Z0 + b
    An = softmax(Zn)
    Zk, Ak, c = Z0.copy(), np.empty_like(Z0), np.empty(m, dtype)
    shift(Zk, b, Ak, c)
    np.exp(Ak, out=Ak)
    normalize(Ak, c)
    assert_array_equal(Zk, Zn)
    assert_array_equal(Ak, An)


@pytest.mark.parametrize("dtype", DTYPES)
def test_compiled_softmax_special_values(dtype):
    """NaN, ±inf, huge and signed-zero scores: the same values (and NaNs) as NumPy."""
    _numba_or_skip()
    from chainrule.activations import softmax

    shift, normalize = _fast._compiled_softmax([Softmax()], dtype)
    vals = _special(dtype)
    # every ordered pair of special values as one 2-row column, and every value alone
    # next to ordinary scores
    a, b_ = np.meshgrid(vals, vals, indexing="ij")
    cols = np.stack([a.ravel(), b_.ravel()])
    cols = np.concatenate([cols, np.stack([vals, np.full_like(vals, 0.25)])], axis=1)
    Z0 = np.ascontiguousarray(cols.astype(dtype))
    b = np.zeros((2, 1), dtype)
    with np.errstate(all="ignore"):
        An = softmax(Z0 + b)
        Zk, Ak, c = Z0.copy(), np.empty_like(Z0), np.empty(Z0.shape[1], dtype)
        shift(Zk, b, Ak, c)
        np.exp(Ak, out=Ak)
        normalize(Ak, c)
    assert_array_equal(Ak, An)


def test_no_softmax_output_no_softmax_kernels():
    assert _fast._compiled_softmax([Softmax(), Sigmoid()], "float64") is None
    assert _fast._compiled_softmax([], "float64") is None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("bs", "m", "mode"),
    [(1, 12, "shuffle"), (12, 12, "full"), (64, 65, "shuffle"), (8, 40, "slice")],
)
def test_softmax_output_ten_classes_bitwise_equal(dtype, bs, m, mode):
    """Ten classes, one-example batches included (where NumPy sums a column pairwise)."""
    nets, (c_ref, _), (c_fast, _, ft) = run_both(
        "relu-softmax10", dtype, "adam", bs=None if mode == "full" else bs, mode=mode, m=m,
        dropout=0.2, l2=0.1, weights=True, epochs=2,
    )  # fmt: skip
    assert_same_params(*nets)
    assert c_fast == c_ref
    if _fast._numba_kernels():
        assert ft._softmax is not None  # the compiled softmax took part (for m ≥ 2)


def test_compiled_softmax_is_used_for_batches_of_two_or_more():
    """The step calls the compiled pair for m ≥ 2 and NumPy's softmax for m = 1."""
    _numba_or_skip()
    net = chainrule.Network([6, 9, 10], "relu", "softmax", "cce", seed=3)
    X, Y = make_data("onehot", 6, 10, 12, "float64")
    ft = _fast.FastTrainer(net, get_optimizer("adam"), np.asfortranarray(X),
                           np.asfortranarray(Y), None)  # fmt: skip
    assert ft._softmax is not None
    calls = []
    shift, normalize = ft._softmax

    def counted(name, fn):
        def call(*args):
            calls.append((name, args[0].shape[1]))
            return fn(*args)

        return call

    ft._softmax = (counted("shift", shift), counted("normalize", normalize))
    rng = np.random.default_rng(0)
    ft.step(np.arange(5), 0.01, rng)
    assert calls == [("shift", 5), ("normalize", 5)]
    ft.step(np.arange(1), 0.01, rng)  # one example: the NumPy softmax
    assert len(calls) == 2
