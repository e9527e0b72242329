"""The compiled kernels (chainrule._kernels) against NumPy's operations.

The kernels promise the *same floating-point operations in the same order* as
the NumPy operation each replaces, so on identical inputs and layouts the
results are **bit for bit equal** on every CPU and BLAS kernel (both sides
make the same BLAS calls; the kernels only replace elementwise passes).
Skipped, with the reason, where numba is not installed or is refused.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from numpy.testing import assert_array_equal, assert_equal

import chainrule
from chainrule import _kernels, backprop
from chainrule.activations import ReLU, Softmax, softmax
from chainrule.optim import OPTIMIZERS, get_optimizer
from chainrule.training import Trainer

from ._trainhelpers import CONFIGS, DTYPES, assert_same_params, make_data

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("CHAINRULE_NUMBA") == "0", reason="CHAINRULE_NUMBA=0 refuses the kernels"
    ),
]


@pytest.fixture(autouse=True)
def _numba():
    pytest.importorskip("numba", reason="numba (the compiled kernels) is not installed")
    assert _kernels.available()


def ops(dtype):
    return _kernels.CompiledOps(dtype)


# every kind of float the activations can meet: signed zeros, subnormals, huge, inf, NaN
_SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 0.5, -0.5, 3.0, -3.0, 1e308, -1e308]
_SPECIAL += [np.inf, -np.inf, np.nan]


def _special(dtype):
    """_SPECIAL in ``dtype`` (float32 turns ±1e308 into ±inf and 5e-324 into ±0)."""
    with np.errstate(over="ignore"):
        return np.array(_SPECIAL, dtype=dtype)


# -- single operations ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_bias_relu_equals_numpy(dtype):
    """Z + b then max(Z, 0) in one compiled pass: NumPy's values (NaN, ±inf, −0 included)."""
    vals = _special(dtype)
    Z0, b = (a.astype(dtype) for a in np.meshgrid(vals, vals, indexing="ij"))
    b = np.ascontiguousarray(b[:, :1] * 0 + vals[:, None])  # (n, 1): row i adds vals[i]
    with np.errstate(all="ignore"):
        Zn = Z0.copy()
        An = backprop.NUMPY_OPS.bias_activation(ReLU(), Zn, b, np.empty_like(Z0), None)
        Zk, Ak = Z0.copy(), np.empty_like(Z0)
        got = ops(dtype).bias_activation(ReLU(), Zk, b, Ak, None)
    assert got is Ak
    assert_array_equal(Zk, Zn)
    assert_array_equal(Ak, An)  # NaN where NumPy has NaN, 0 for every negative
    assert not np.signbit(Ak[np.isfinite(Ak) & (Zn < 0)]).any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_backward_equals_numpy(dtype):
    """dA ⊙ relu′(Z) in place, compiled: bit for bit NumPy's product (inf·0 = NaN, −x·0 = −0)."""
    vals = _special(dtype)
    dA, Z = (a.astype(dtype) for a in np.meshgrid(vals, vals, indexing="ij"))
    with np.errstate(all="ignore"):
        expected = ReLU().backward(dA, Z, np.maximum(Z, 0))
        dZ = dA.copy()
        got = ops(dtype).activation_backward(ReLU(), dZ, Z, Z, out=dZ)
    assert got is dZ
    assert_array_equal(dZ, expected)
    same_sign = np.signbit(dZ) == np.signbit(expected)
    assert same_sign[~np.isnan(expected)].all()


def _numpy_db(dZ):
    """db = Σ over the columns of dZ, as backprop.linear_backward forms it."""
    return np.add.reduce(dZ, axis=1, keepdims=True, out=np.empty((dZ.shape[0], 1), dZ.dtype))


def _same_bits(a, b):
    """Equal bit patterns (NaNs compared as NaN: their sign bits aside)."""
    a, b = np.asarray(a), np.asarray(b)
    nan = np.isnan(a)
    if a.dtype != b.dtype or not np.array_equal(nan, np.isnan(b)):
        return False
    return np.array_equal(
        a[~nan].view(f"u{a.dtype.itemsize}"), b[~nan].view(f"u{a.dtype.itemsize}")
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_row_sums_follow_numpys_pairwise_summation_for_every_width(dtype):
    """db = Σ_columns dZ, compiled: NumPy's bits for every width 1..9000.

    NumPy adds a contiguous row pairwise (8 running sums in blocks of up to 128,
    longer rows split in halves rounded to multiples of 8); terms of mixed sign and
    magnitude make any other order show in the last bits.
    """
    row_sums = ops(dtype).kernel("row_sums")
    rng = np.random.default_rng(11)
    big = rng.standard_normal(9000) * 10.0 ** rng.integers(-6, 7, 9000)
    big = big.astype(dtype)
    db = np.empty((1, 1), dtype)
    differ = []
    for m in range(1, 9001):
        dZ = big[None, :m]  # one C-ordered row of m columns
        row_sums(dZ, db)
        if not _same_bits(db, _numpy_db(dZ)):
            differ.append(m)
    assert differ == []


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m", [1, 2, 7, 8, 9, 16, 127, 128, 129, 255, 256, 1000, 8191, 8193, 8999])
def test_fused_backward_db_kernels_equal_numpy(dtype, m):
    """relu_backward_db and subtract_db: NumPy's dZ and db (= Σ_columns dZ) bit for bit."""
    rng = np.random.default_rng(m)
    n = 5
    Z = (rng.standard_normal((n, m)) * 10.0 ** rng.integers(-4, 5, (n, m))).astype(dtype)
    dA = (rng.standard_normal((n, m)) * 10.0 ** rng.integers(-4, 5, (n, m))).astype(dtype)
    Z[0, : min(m, 3)] = -0.0  # relu′(−0) = 0
    dA[1] = -0.0  # a row of −0: its sum is +0, as NumPy's add.reduce (identity 0) gives
    k = ops(dtype)
    dZ, db = dA.copy(), np.empty((n, 1), dtype)
    k.kernel("relu_backward_db")(dZ, Z, db)
    want = ReLU().backward(dA, Z, np.maximum(Z, 0))
    assert _same_bits(dZ, want)
    assert _same_bits(db, _numpy_db(want))
    # dZ[L] = A − Y with its db, Y column-major as a gathered batch is
    A = rng.random((n, m)).astype(dtype)
    Y = np.asfortranarray((rng.random((n, m)) < 0.3).astype(dtype))
    dZ, db = np.empty((n, m), dtype), np.empty((n, 1), dtype)
    k.kernel("subtract_db")(A, Y, dZ, db)
    want = A - Y
    assert _same_bits(dZ, want)
    assert _same_bits(db, _numpy_db(want))


@pytest.mark.parametrize("dtype", DTYPES)
def test_fused_backward_db_special_values(dtype):
    """NaN, ±inf, ±0, huge and subnormal dA and Z: NumPy's dZ, and db where NumPy's."""
    vals = _special(dtype)
    dA, Z = (np.ascontiguousarray(a) for a in np.meshgrid(vals, vals, indexing="ij"))
    with np.errstate(all="ignore"):
        want = ReLU().backward(dA, Z, np.maximum(Z, 0))
        want_db = _numpy_db(want)
        dZ, db = dA.copy(), np.empty((len(vals), 1), dtype)
        ops(dtype).kernel("relu_backward_db")(dZ, Z, db)
    assert _same_bits(dZ, want)
    assert _same_bits(db, want_db)


@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_ops_choose_the_fused_kernels_once(dtype):
    """A workspace binds ReLU to the fused kernels, softmax + CCE to the fused output step."""
    from chainrule.activations import Sigmoid
    from chainrule.losses import get_loss

    ws = backprop.Workspace([4, 6, 3], 8, dtype)
    o = ops(dtype)
    acts = [ReLU(), Softmax()]
    cce, mse = get_loss("cce"), get_loss("mse")
    first, delta = ws.bind(acts, o, cce)
    assert ws.bind(acts, o)[0] is first  # chosen once
    assert ws.bind(tuple(acts), o)[0] is first  # (the same activations in a tuple)
    assert first[0].backward_db is o.kernel("relu_backward_db")
    assert first[1].backward_db is None
    assert delta is o.kernel("subtract_db")
    assert ws.bind(acts, o, mse)[1] is None  # not a canonical pair
    assert ws.bind([Sigmoid(), Softmax()], o)[0][0].backward_db is None
    # a layer above FUSED_DB_MAX entries keeps NumPy's product and sum (as fast there)
    big = backprop.Workspace([4, _kernels.FUSED_DB_MAX // 64 + 1, 3], 64, dtype)
    big_ops, big_delta = big.bind(acts, o, cce)
    assert big_ops[0].backward_db is None
    assert big_delta is o.kernel("subtract_db")  # (the 3 × 64 output layer is small)
    numpy_ops, numpy_delta = ws.bind(acts, backprop.NUMPY_OPS, cce)
    assert numpy_ops[0].backward_db is None
    assert numpy_delta is None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape", [(10, 128), (2, 3), (37, 9), (300, 4), (4, 1000), (129, 2), (8, 7)]
)
@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_bias_softmax_equals_numpy(dtype, shape, scale):
    """Z + b, then softmax around NumPy's exp: activations.softmax's bits, m ≥ 2 columns.

    (At scale 1 no single term dominates a column's sum, so an order of summation
    other than NumPy's would show in the last bits.)
    """
    rng = np.random.default_rng(sum(shape))
    n, m = shape
    Z0 = (rng.standard_normal(shape) * scale).astype(dtype)
    b = (rng.standard_normal((n, 1)) * 5).astype(dtype)
    Zn = Z0 + b
    An = softmax(Zn)
    Zk, Ak, col = Z0.copy(), np.empty_like(Z0), np.empty(m, dtype)
    ops(dtype).bias_activation(Softmax(), Zk, b, Ak, col)
    assert_array_equal(Zk, Zn)
    assert_array_equal(Ak, An)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bias_softmax_special_values(dtype):
    """NaN, ±inf, huge and signed-zero scores: the same values (and NaNs) as NumPy."""
    vals = _special(dtype)
    a, b_ = np.meshgrid(vals, vals, indexing="ij")
    cols = np.stack([a.ravel(), b_.ravel()])
    cols = np.concatenate([cols, np.stack([vals, np.full_like(vals, 0.25)])], axis=1)
    Z0 = np.ascontiguousarray(cols.astype(dtype))
    b = np.zeros((2, 1), dtype)
    with np.errstate(all="ignore"):
        An = softmax(Z0 + b)
        Zk, Ak, col = Z0.copy(), np.empty_like(Z0), np.empty(Z0.shape[1], dtype)
        ops(dtype).bias_activation(Softmax(), Zk, b, Ak, col)
    assert_array_equal(Ak, An)


def test_softmax_kernel_only_for_two_or_more_columns(monkeypatch):
    """One example: NumPy sums an (n, 1) column pairwise, which the kernel does not restate."""
    o = ops("float64")
    calls = []
    shift = o.kernel("bias_softmax_shift")
    o._compiled["bias_softmax_shift"] = lambda *a: (calls.append(a[0].shape), shift(*a))
    for m in (5, 1):
        Z, b = np.ones((10, m)), np.zeros((10, 1))
        o.bias_activation(Softmax(), Z, b, np.empty_like(Z), np.empty(m))
    assert calls == [(10, 5)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["sgd", "adam"])
@pytest.mark.parametrize("scale", [1.0, 1 / 7])
def test_update_equals_numpy(dtype, name, scale):
    """The fused update (the gradient's 1/m multiplied in first): the NumPy update's bits."""
    rng = np.random.default_rng(0)
    theta0 = rng.standard_normal(257).astype(dtype)
    grads = [rng.standard_normal(257).astype(dtype) for _ in range(5)]
    results = []
    for o in (backprop.NUMPY_OPS, ops(dtype)):
        theta, opt = theta0.copy(), get_optimizer(name)
        for g in grads:
            o.update(opt, theta, g.copy(), 0.01, scale)
        results.append((theta, opt.state))
    (a, sa), (b, sb) = results
    assert_array_equal(b, a)
    assert sa.t == sb.t == 5
    for x, y in zip(sa[1:], sb[1:], strict=True):
        assert_array_equal(y, x)


def test_other_optimizers_and_dtypes_fall_back_to_numpy():
    o = ops("float64")
    assert o.fuses_scale(get_optimizer("adam"))
    assert o.fuses_scale(get_optimizer("sgd"))
    for name in ("momentum", "nesterov", "rmsprop"):
        assert not o.fuses_scale(get_optimizer(name))

    class MySGD(type(get_optimizer("sgd"))):
        pass

    assert not o.fuses_scale(MySGD())  # a subclass may change the rule: NumPy's path


# -- whole steps and epochs: compiled kernels against NumPy's operations ----------------------


def train_both(config, dtype, optimizer, *, bs=7, shuffle=True, dropout=0.0, l2=0.0,
               weights=False, epochs=3, m=45, l2_m=None):  # fmt: skip
    """The same epochs through Trainer with NumPy's operations and with the kernels."""
    dims, hidden, output, loss, kind = CONFIGS[config]
    X, Y = make_data(kind, dims[0], dims[-1], m, dtype)
    X, Y = np.asfortranarray(X), np.asfortranarray(Y)  # as fit lays them out for mini-batches
    w = np.random.default_rng(5).random(m).astype(dtype) + 0.1 if weights else None
    prng = np.random.default_rng(0)
    perms = [prng.permutation(m) if shuffle else None for _ in range(epochs)]
    nets, stats = [], []
    for o in (backprop.NUMPY_OPS, ops(dtype)):
        net = chainrule.Network(dims, hidden, output, loss, seed=3, dtype=dtype,
                                dropout=dropout, l2=l2)  # fmt: skip
        tr = Trainer(net, get_optimizer(optimizer), X, Y, w, l2_m=l2_m, ops=o)
        rng = np.random.default_rng(7)
        stats.append([tr.epoch(p, bs or m, 0.05, rng) for p in perms])
        nets.append(net)
    return nets, stats


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer(dtype, optimizer):
    nets, (a, b) = train_both("relu-softmax", dtype, optimizer, dropout=0.2)
    assert_same_params(*nets)
    assert_equal(a, b)  # (NaN accuracies of regressions compare equal)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize(
    ("bs", "shuffle", "dropout", "l2", "weights"),
    [(7, True, 0.2, 0.3, False), (None, False, 0.0, 0.1, True), (1, True, 0.0, 0.0, False),
     (8, False, 0.3, 0.0, True)],
    ids=["shuffled-dropout-l2", "fullbatch-l2-weights", "one-example", "slices-weights"],
)  # fmt: skip
def test_every_activation_and_loss(dtype, config, bs, shuffle, dropout, l2, weights):
    nets, (a, b) = train_both(config, dtype, "adam", bs=bs, shuffle=shuffle, dropout=dropout,
                              l2=l2, weights=weights, m=24)  # fmt: skip
    assert_same_params(*nets)
    assert_equal(a, b)  # (NaN accuracies of regressions compare equal)


@pytest.mark.parametrize("dtype", DTYPES)
def test_nielsen_training_set_l2(dtype):
    nets, (a, b) = train_both("sigmoid-multilabel", dtype, "sgd", bs=10, l2=5.0, l2_m=45.0)
    assert_same_params(*nets)
    assert_equal(a, b)  # (NaN accuracies of regressions compare equal)


def test_fit_uses_the_kernels_and_equals_numpy(monkeypatch):
    """End to end: fit with the kernels switched on and off gives the same network and History."""
    X, y = make_data("onehot", 6, 4, 60, "float64")
    hists, nets = [], []
    for enabled in (False, True):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        net = chainrule.Network([6, 9, 5, 4], "relu", "softmax", "cce", seed=0, dropout=0.2)
        hists.append(net.fit(X, y.argmax(axis=0), epochs=5, batch_size=8, learning_rate=0.02,
                             validation_fraction=0.2, early_stopping=True, patience=2, seed=4,
                             progress=False))  # fmt: skip
        nets.append(net)
    assert isinstance(_kernels.compiled_ops("float64"), _kernels.CompiledOps)
    assert_same_params(*nets)
    assert hists[0].to_dict() == hists[1].to_dict()
    assert all(math.isfinite(c) for c in hists[1].train_cost)


def test_the_shared_ops_keep_no_optimizer_or_state_alive():
    """compiled_ops(dtype) is shared by every fit: it must not hold a run's state arrays."""
    import gc
    import weakref

    o = _kernels.compiled_ops("float64")
    opt = get_optimizer("adam")
    theta, g = np.ones(1000), np.full(1000, 0.5)
    o.update(opt, theta, g, 0.01, 1.0)
    ref_opt, ref_m = weakref.ref(opt), weakref.ref(opt.state.m)
    del opt
    gc.collect()
    assert ref_opt() is None
    assert ref_m() is None
