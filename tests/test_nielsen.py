"""chainrule.nielsen against Nielsen's network.py / network2.py, written independently here.

The oracles:

* a single sigmoid neuron worked by hand (plain ``math``), one mini-batch step
  with his λ/n update and with the per-batch λ/|B| update;
* his per-example ``backprop`` and ``update_mini_batch`` transcribed into
  NumPy in this file (a Python loop over the examples, as his code does) and
  compared with chainrule's vectorised step;
* his output deltas (a − y)σ′(z) and a − y, and his ``total_cost``;
* the statistics of his two initialisers;
* a short real run on MNIST (skipped without the data).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from chainrule import backprop
from chainrule.cli import main
from chainrule.network import Network
from chainrule.nielsen import (
    RECIPES,
    Monitor,
    accuracy,
    batch_l2,
    evaluate,
    get_recipe,
    make_network,
    reproduce,
    sgd,
    total_cost,
    update_mini_batch,
)

# --------------------------------------------------------------------------------------
# Nielsen's network2.py, transcribed (one example at a time, his variable names)
# --------------------------------------------------------------------------------------


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_prime(z):
    return _sigmoid(z) * (1 - _sigmoid(z))


def _quadratic_delta(z, a, y):
    return (a - y) * _sigmoid_prime(z)


def _cross_entropy_delta(z, a, y):
    return a - y


def _his_backprop(weights, biases, x, y, delta_fn):
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(w.shape) for w in weights]
    activation = x
    activations = [x]
    zs = []
    for b, w in zip(biases, weights, strict=True):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = _sigmoid(z)
        activations.append(activation)
    delta = delta_fn(zs[-1], activations[-1], y)
    nabla_b[-1] = delta
    nabla_w[-1] = np.dot(delta, activations[-2].transpose())
    for l in range(2, len(weights) + 1):
        z = zs[-l]
        sp = _sigmoid_prime(z)
        delta = np.dot(weights[-l + 1].transpose(), delta) * sp
        nabla_b[-l] = delta
        nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
    return nabla_b, nabla_w


def _his_update_mini_batch(weights, biases, mini_batch, eta, lmbda, n, delta_fn):
    nabla_b = [np.zeros(b.shape) for b in biases]
    nabla_w = [np.zeros(w.shape) for w in weights]
    for x, y in mini_batch:
        dnb, dnw = _his_backprop(weights, biases, x, y, delta_fn)
        nabla_b = [nb + d for nb, d in zip(nabla_b, dnb, strict=True)]
        nabla_w = [nw + d for nw, d in zip(nabla_w, dnw, strict=True)]
    weights = [
        (1 - eta * (lmbda / n)) * w - (eta / len(mini_batch)) * nw
        for w, nw in zip(weights, nabla_w, strict=True)
    ]
    biases = [b - (eta / len(mini_batch)) * nb for b, nb in zip(biases, nabla_b, strict=True)]
    return weights, biases


def _random_problem(sizes, m, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((sizes[0], m))
    labels = rng.integers(0, sizes[-1], size=m)
    Y = np.zeros((sizes[-1], m))
    Y[labels, np.arange(m)] = 1.0
    return X, Y, labels


# --------------------------------------------------------------------------------------
# The update rule
# --------------------------------------------------------------------------------------


class TestUpdateByHand:
    """One sigmoid neuron, quadratic cost, a batch of two examples, worked with ``math``."""

    # w = 0.5, b = −0.25, η = 0.8, λ = 3, n = 60 (training-set size), |B| = 2
    # x = (1.0, −2.0), y = (1, 0)
    # z1 = 0.5·1 − 0.25 = 0.25;      a1 = σ(0.25)  = 0.5621765008857981
    # z2 = 0.5·(−2) − 0.25 = −1.25;  a2 = σ(−1.25) = 0.22270013882530884
    # δ = (a − y) a (1 − a):
    #   δ1 = (0.56217650 − 1)·0.56217650·0.43782350 = −0.10776328535543979
    #   δ2 = 0.22270014·0.22270014·0.77729986       =  0.0385504600945546
    # Σ∇w = δ1·1 + δ2·(−2) = −0.184864205544549;  Σ∇b = δ1 + δ2 = −0.06921282526088518
    # his rule:  w' = (1 − ηλ/n) w − (η/|B|) Σ∇w = 0.96·0.5 − 0.4·Σ∇w = 0.5539456822178196
    #            b' = b − (η/|B|) Σ∇b = −0.25 − 0.4·Σ∇b            = −0.22231486989564592
    # per batch: w' = (1 − ηλ/|B|) w − 0.4·Σ∇w = −0.2·0.5 − 0.4·Σ∇w = −0.026054317782180494
    w, b, eta, lmbda, n = 0.5, -0.25, 0.8, 3.0, 60
    xs, ys = (1.0, -2.0), (1.0, 0.0)

    def _expected(self, decay_m):
        sig = lambda z: 1.0 / (1.0 + math.exp(-z))  # noqa: E731
        deltas = []
        for x, y in zip(self.xs, self.ys, strict=True):
            a = sig(self.w * x + self.b)
            deltas.append((a - y) * a * (1 - a))
        gw = sum(d * x for d, x in zip(deltas, self.xs, strict=True))
        gb = sum(deltas)
        w_new = (1 - self.eta * self.lmbda / decay_m) * self.w - (self.eta / 2) * gw
        b_new = self.b - (self.eta / 2) * gb
        return w_new, b_new

    def _net(self):
        net = make_network([1, 1], cost="quadratic", seed=0)
        net.Ws = [np.array([[self.w]])]
        net.bs = [np.array([[self.b]])]
        return net

    def test_hand_numbers(self):
        # the independent computation reproduces the numbers worked in the comment above
        assert self._expected(self.n) == pytest.approx(
            (0.5539456822178196, -0.22231486989564592), abs=1e-15
        )
        assert self._expected(2) == pytest.approx(
            (-0.026054317782180494, -0.22231486989564592), abs=1e-15
        )

    def test_lambda_over_n(self):
        net = self._net()
        update_mini_batch(
            net, np.array([self.xs]), np.array([self.ys]), self.eta, self.lmbda, n=self.n
        )
        w_new, b_new = self._expected(self.n)  # 0.5539456822178196, −0.22231486989564592
        assert net.Ws[0][0, 0] == pytest.approx(w_new, abs=1e-15)
        assert net.bs[0][0, 0] == pytest.approx(b_new, abs=1e-15)

    def test_lambda_over_batch(self):
        net = self._net()
        update_mini_batch(net, np.array([self.xs]), np.array([self.ys]), self.eta, self.lmbda)
        w_new, b_new = self._expected(2)  # decay (1 − ηλ/|B|)
        assert net.Ws[0][0, 0] == pytest.approx(w_new, abs=1e-15)
        assert net.bs[0][0, 0] == pytest.approx(b_new, abs=1e-15)


@pytest.mark.parametrize(
    ("cost", "delta_fn"),
    [("quadratic", _quadratic_delta), ("cross_entropy", _cross_entropy_delta)],
)
@pytest.mark.parametrize("lmbda", [0.0, 5.0])
def test_step_matches_his_loop(cost, delta_fn, lmbda):
    sizes, m, n, eta = [6, 5, 4, 3], 7, 1000, 0.7
    net = make_network(sizes, cost=cost, weight_init="large", seed=3)
    weights = [W.copy() for W in net.Ws]
    biases = [b.copy() for b in net.bs]
    X, Y, labels = _random_problem(sizes, m, 11)
    batch = [(X[:, [i]], Y[:, [i]]) for i in range(m)]
    w_exp, b_exp = _his_update_mini_batch(weights, biases, batch, eta, lmbda, n, delta_fn)
    update_mini_batch(net, X, labels, eta, lmbda, n=n)
    for W, We in zip(net.Ws, w_exp, strict=True):
        np.testing.assert_allclose(W, We, rtol=1e-12, atol=1e-13)
    for b, be in zip(net.bs, b_exp, strict=True):
        np.testing.assert_allclose(b, be, rtol=1e-12, atol=1e-13)


def test_batch_l2_equivalence():
    # λ_batch = λ|B|/n under the per-batch convention reproduces his λ/n update
    sizes, m, n, eta, lmbda = [5, 4, 3], 8, 400, 0.5, 5.0
    X, _, labels = _random_problem(sizes, m, 2)
    a = make_network(sizes, seed=1)
    b = make_network(sizes, seed=1)
    update_mini_batch(a, X, labels, eta, lmbda, n=n)
    update_mini_batch(b, X, labels, eta, batch_l2(lmbda, n=n, mini_batch_size=m))
    for Wa, Wb in zip(a.Ws, b.Ws, strict=True):
        np.testing.assert_allclose(Wa, Wb, rtol=1e-13, atol=1e-15)
    assert batch_l2(5.0, n=50_000, mini_batch_size=10) == pytest.approx(0.001)


def test_sgd_epoch_is_his_epoch():
    # a whole epoch (shuffle, cut into batches, last batch smaller) equals his loop run on
    # the same permutation, for both conventions
    sizes, n, bs, eta, lmbda = [4, 6, 3], 23, 5, 0.9, 2.0
    X, Y, labels = _random_problem(sizes, n, 5)
    for conv, decay_n in (("training_set", n), ("batch", None)):
        net = make_network(sizes, cost="cross_entropy", seed=7)
        weights = [W.copy() for W in net.Ws]
        biases = [b.copy() for b in net.bs]
        perm = np.random.default_rng(99).permutation(n)
        for k in range(0, n, bs):
            idx = perm[k : k + bs]
            batch = [(X[:, [i]], Y[:, [i]]) for i in idx]
            weights, biases = _his_update_mini_batch(
                weights,
                biases,
                batch,
                eta,
                lmbda,
                decay_n if decay_n is not None else len(batch),
                _cross_entropy_delta,
            )
        mon = sgd(net, X, labels, 1, bs, eta, lmbda, l2_convention=conv, seed=99)
        assert mon.epochs_run == 1
        for W, We in zip(net.Ws, weights, strict=True):
            np.testing.assert_allclose(W, We, rtol=1e-12, atol=1e-13)
        for b, be in zip(net.bs, biases, strict=True):
            np.testing.assert_allclose(b, be, rtol=1e-12, atol=1e-13)


# --------------------------------------------------------------------------------------
# Deltas and costs
# --------------------------------------------------------------------------------------


def _output_delta(net, X, Y):
    _, caches = backprop.forward(X, net.Ws, net.bs, net.activations)
    g = backprop.backward(caches, Y, net.Ws, net.activations, net.loss)
    return g.dZ[-1], caches[-1].Z


def test_quadratic_delta_is_a_minus_y_times_sigma_prime():
    sizes = [5, 4, 3]
    net = make_network(sizes, cost="quadratic", seed=2)
    X, Y, _ = _random_problem(sizes, 9, 3)
    dZ, Z = _output_delta(net, X, Y)
    a = _sigmoid(Z)
    np.testing.assert_allclose(dZ, (a - Y) * _sigmoid_prime(Z), rtol=1e-12, atol=1e-15)
    # the general path (σ′ present): not the fused a − y
    assert not np.allclose(dZ, a - Y)
    assert not backprop.is_canonical(net.loss, net.activations[-1])


def test_cross_entropy_delta_is_a_minus_y():
    sizes = [5, 4, 3]
    net = make_network(sizes, cost="cross_entropy", seed=2)
    X, Y, _ = _random_problem(sizes, 9, 3)
    dZ, Z = _output_delta(net, X, Y)
    np.testing.assert_allclose(dZ, _sigmoid(Z) - Y, rtol=1e-12, atol=1e-15)
    assert backprop.is_canonical(net.loss, net.activations[-1])


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
def test_total_cost_and_accuracy_are_his(cost):
    sizes, m, lmbda = [6, 5, 4], 13, 2.5
    net = make_network(sizes, cost=cost, seed=4)
    X, Y, labels = _random_problem(sizes, m, 8)
    A = X
    for W, b in zip(net.Ws, net.bs, strict=True):
        A = _sigmoid(W @ A + b)
    per_example = []
    for i in range(m):
        a, y = A[:, i], Y[:, i]
        if cost == "quadratic":
            per_example.append(0.5 * np.linalg.norm(a - y) ** 2)
        else:
            per_example.append(np.sum(-y * np.log(a) - (1 - y) * np.log(1 - a)))
    expected = sum(per_example) / m + 0.5 * (lmbda / m) * sum(
        np.linalg.norm(W) ** 2 for W in net.Ws
    )
    assert total_cost(net, X, labels, lmbda) == pytest.approx(expected, rel=1e-12)
    assert total_cost(net, X, Y, lmbda) == pytest.approx(expected, rel=1e-12)  # one-hot too
    correct = int(sum(int(np.argmax(A[:, i]) == labels[i]) for i in range(m)))
    assert accuracy(net, X, labels) == correct
    assert evaluate(net, X, labels, lmbda) == (pytest.approx(expected, rel=1e-12), correct)


def test_evaluate_in_chunks(monkeypatch):
    # the chunked forward pass gives the same cost and count as one pass
    import chainrule.nielsen.network2 as nl  # where evaluate reads _EVAL_CHUNK

    sizes = [5, 4, 3]
    net = make_network(sizes, seed=0)
    X, _, labels = _random_problem(sizes, 25, 1)
    whole = evaluate(net, X, labels, 1.0)
    monkeypatch.setattr(nl, "_EVAL_CHUNK", 4)
    chunked = evaluate(net, X, labels, 1.0)
    assert chunked[1] == whole[1]
    assert chunked[0] == pytest.approx(whole[0], rel=1e-14)


# --------------------------------------------------------------------------------------
# Initialisers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("weight_init", "scale"), [("large", 1.0), ("default", None)])
def test_init_statistics(weight_init, scale):
    sizes = [400, 300, 200]
    net = make_network(sizes, weight_init=weight_init, seed=0)
    for W, n_in in zip(net.Ws, sizes[:-1], strict=True):
        std = scale if scale is not None else 1 / math.sqrt(n_in)
        z = (W / std).ravel()  # should be N(0, 1) draws
        N = z.size
        assert abs(z.mean()) < 4 / math.sqrt(N)
        assert abs(z.std() - 1) < 4 / math.sqrt(2 * N)
        assert stats.kstest(z, "norm").pvalue > 1e-4
    b = np.concatenate([b.ravel() for b in net.bs])  # biases N(0, 1) for both initialisers
    assert abs(b.mean()) < 4 / math.sqrt(b.size)
    assert abs(b.std() - 1) < 4 / math.sqrt(2 * b.size)
    assert stats.kstest(b, "norm").pvalue > 1e-4
    assert all(bb.shape == (n, 1) for bb, n in zip(net.bs, sizes[1:], strict=True))


def test_init_is_seeded_and_sigmoid():
    a = make_network([10, 8, 3], seed=5)
    b = make_network([10, 8, 3], seed=5)
    c = make_network([10, 8, 3], seed=6)
    for x, y in zip(a.Ws + a.bs, b.Ws + b.bs, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.bs[0], c.bs[0])
    assert [g.name for g in a.activations] == ["sigmoid", "sigmoid"]
    assert a.seed == 5
    f32 = make_network([10, 8, 3], seed=5, dtype="float32")
    assert all(p.dtype == np.float32 for p in f32.Ws + f32.bs)
    np.testing.assert_allclose(f32.bs[0], a.bs[0], rtol=1e-6)


# --------------------------------------------------------------------------------------
# Input checks and small behaviours
# --------------------------------------------------------------------------------------


def test_bad_input():
    net = make_network([4, 3, 2], seed=0)
    X, _, labels = _random_problem([4, 3, 2], 6, 0)
    with pytest.raises(ValueError, match="cost"):
        make_network([4, 2], cost="hinge")
    with pytest.raises(ValueError, match="weight_init"):
        make_network([4, 2], weight_init="he")
    with pytest.raises(ValueError, match="eta"):
        sgd(net, X, labels, 1, 2, -1.0)
    with pytest.raises(ValueError, match="lmbda"):
        sgd(net, X, labels, 1, 2, 0.1, -0.5)
    with pytest.raises(ValueError, match="l2_convention"):
        sgd(net, X, labels, 1, 2, 0.1, l2_convention="per_example")
    with pytest.raises(ValueError, match="evaluation_data"):
        sgd(net, X, labels, 1, 2, 0.1, monitor_evaluation_accuracy=True)
    with pytest.raises(ValueError, match="5 labels but X has 6"):
        sgd(net, X, labels[:5], 1, 2, 0.1)
    with pytest.raises(ValueError, match="output units"):
        sgd(net, X, labels + 5, 1, 2, 0.1)
    with pytest.raises(ValueError, match=r"X\.T"):
        sgd(net, X.T, labels, 1, 2, 0.1)
    with pytest.raises(ValueError, match="recipe"):
        get_recipe("ch2")
    with pytest.raises(TypeError, match="unknown recipe settings"):
        get_recipe("ch1", momentum=0.9)


def test_sgd_monitors_and_callback():
    sizes = [5, 6, 3]
    X, _, labels = _random_problem(sizes, 40, 0)
    Xe, _, le = _random_problem(sizes, 15, 1)
    net = make_network(sizes, seed=0)
    seen = []

    def cb(epoch, rec):
        seen.append((epoch, rec))
        return epoch == 2  # stop after the third epoch

    mon = sgd(
        net,
        X,
        labels,
        10,
        8,
        0.5,
        1.0,
        evaluation_data=(Xe, le),
        monitor_evaluation_accuracy=True,
        monitor_training_cost=True,
        seed=0,
        callback=cb,
    )
    assert mon.epochs_run == 3
    assert [e for e, _ in seen] == [0, 1, 2]
    assert "stopped by callback" in mon.message
    assert mon.evaluation_cost == []
    assert mon.training_accuracy == []
    assert len(mon.evaluation_accuracy) == len(mon.training_cost) == 3
    # the recorded values are his total_cost / accuracy of the final network
    assert mon.training_cost[-1] == pytest.approx(total_cost(net, X, labels, 1.0), rel=1e-12)
    assert mon.evaluation_accuracy[-1] == accuracy(net, Xe, le)
    assert seen[-1][1]["evaluation_accuracy"] == mon.evaluation_accuracy[-1]
    assert mon.n_training == 40
    assert mon.n_evaluation == 15
    back = Monitor.from_dict(json.loads(json.dumps(mon.to_dict())))
    assert back.as_tuple() == mon.as_tuple()


def test_sgd_reduces_training_cost():
    # a separable toy problem: the cost must fall and accuracy reach 100%
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=300)
    centres = np.array([[3.0, 0.0], [-3.0, 3.0], [0.0, -3.0]]).T
    X = centres[:, labels] + 0.5 * rng.standard_normal((2, 300))
    net = make_network([2, 8, 3], seed=1)
    mon = sgd(net, X, labels, 15, 10, 1.0, monitor_training_cost=True, seed=1)
    mon_acc = accuracy(net, X, labels)
    assert mon.training_cost[-1] < 0.5 * mon.training_cost[0]
    assert mon_acc >= 297


def test_divergence_stops_with_warning():
    from chainrule.training import DivergenceWarning

    sizes = [3, 4, 2]
    X, _, labels = _random_problem(sizes, 10, 0)
    net = make_network(sizes, cost="quadratic", seed=0)
    net.Ws[0][0, 0] = np.inf
    with pytest.warns(DivergenceWarning, match="diverged"):
        mon = sgd(net, X, labels, 3, 5, 0.1, seed=0)
    assert mon.epochs_run == 0


def test_recipes_are_the_books():
    ch1, ch3 = RECIPES["ch1"], RECIPES["ch3"]
    assert (ch1.sizes, ch1.cost, ch1.epochs, ch1.mini_batch_size, ch1.eta, ch1.lmbda) == (
        (784, 30, 10),
        "quadratic",
        30,
        10,
        3.0,
        0.0,
    )
    assert (ch3.sizes, ch3.cost, ch3.epochs, ch3.mini_batch_size, ch3.eta, ch3.lmbda) == (
        (784, 100, 10),
        "cross_entropy",
        60,
        10,
        0.1,
        5.0,
    )
    assert ch1.weight_init == ch3.weight_init == "large"  # network.py; large_weight_initializer
    assert get_recipe("ch3", epochs=2, eta=None).epochs == 2
    assert get_recipe("ch3", epochs=2, eta=None).eta == 0.1


def test_make_network_is_a_network():
    net = make_network([784, 30, 10], cost="quadratic", weight_init="large", seed=0)
    assert isinstance(net, Network)
    assert net.loss.name == "squared_error"
    assert net.layer_dims == [784, 30, 10]


# --------------------------------------------------------------------------------------
# The command line (no data needed for these)
# --------------------------------------------------------------------------------------


def test_cli_missing_data(tmp_path, capsys):
    code = main(["nielsen", "ch1", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "train-images-idx3-ubyte.gz not found" in err
    assert err.count("\n") == 1  # one line, no traceback


@pytest.mark.parametrize(
    "argv",
    [
        ["nielsen", "ch2"],
        ["nielsen", "ch1", "--epochs", "0"],
        ["nielsen", "ch1", "--eta", "-1"],
        ["nielsen", "ch1", "--seed", "-3"],
        ["nielsen", "ch1", "--hidden", "0"],
    ],
)
def test_cli_usage_errors(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors exit from parse_args
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule nielsen: error: "), err
    assert err.count("\n") == 1, err  # one line: not argparse's whole usage block
    assert "usage:" not in err


def test_cli_corrupt_idx_header_is_one_line(tmp_path, capsys):
    """A label file whose magic number claims 3-D (an image file's 0x00000803) makes the header
    claim ~10^17 bytes: refused from the payload's real length, without allocating, in one
    line (review item 3: it was a MemoryError traceback)."""
    import gzip
    import struct

    rng = np.random.default_rng(0)
    files = {
        "train-images-idx3-ubyte.gz": (3, (12, 28, 28)),
        "train-labels-idx1-ubyte.gz": (3, (12,)),  # corrupt: 3 dims announced, 1 present
        "t10k-images-idx3-ubyte.gz": (3, (5, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": (1, (5,)),
    }
    for name, (ndim, shape) in files.items():
        payload = rng.integers(0, 10, size=shape, dtype=np.uint8).tobytes()
        head = bytes([0, 0, 8, ndim]) + struct.pack(f">{len(shape)}I", *shape)
        (tmp_path / name).write_bytes(gzip.compress(head + payload))
    code = main(["nielsen", "ch1", "--data", str(tmp_path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1, err
    assert err.startswith("chainrule nielsen: error: ")
    assert "train-labels-idx1-ubyte.gz: truncated IDX payload" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------------------
# Real MNIST
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_nielsen():
    from chainrule.data import default_data_dir, load_mnist

    folder = default_data_dir() / "mnist"
    if not folder.is_dir():
        pytest.skip(
            f"real data folder 'mnist' not found at {folder}; set CHAINRULE_DATA to the folder "
            "that holds mnist/"
        )
    return load_mnist(split="nielsen")


@pytest.mark.data("mnist")
def test_mnist_short_run_climbs_above_chance(mnist_nielsen):
    # 3000 training images, 2 epochs of chapter 3's network (default init, η = 0.5,
    # λ = 5 with n = 3000): chance is 10%; after 2 epochs it is well above 80%
    ds = mnist_nielsen
    res = reproduce(
        "ch3",
        dataset=ds,
        seed=0,
        epochs=2,
        train_size=3000,
        eta=0.5,
        weight_init="default",
        progress=False,
    )
    mon = res.monitor
    assert mon.n_training == 3000
    assert mon.n_evaluation == 10_000
    assert len(mon.evaluation_accuracy) == 2
    assert mon.evaluation_accuracy[-1] > 8000
    assert res.validation == (mon.evaluation_accuracy[-1], 10_000)
    assert res.test[0] > 8000
    # the training cost monitored is his total_cost, L2 term with n = 3000
    assert mon.training_cost[-1] == pytest.approx(
        total_cost(res.net, ds.X_train[:, :3000], ds.y_train[:3000], 5.0), rel=1e-12
    )


@pytest.mark.slow
@pytest.mark.data("mnist")
def test_cli_mnist(mnist_nielsen, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "nielsen",
            "ch1",
            "--train-size",
            "2000",
            "--epochs",
            "2",
            "--seed",
            "3",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    lines = [ln for ln in text.splitlines() if ln.startswith("Epoch ")]
    assert [ln.split(":")[0] for ln in lines] == ["Epoch 0", "Epoch 1"]
    assert all(" / 10000" in ln and "training cost" in ln for ln in lines)
    hist = json.loads((out / "history.json").read_text())
    assert hist["seed"] == 3
    assert hist["recipe"]["name"] == "ch1"
    count = int(lines[-1].split(":")[1].split("/")[0])
    assert hist["monitor"]["evaluation_accuracy"][-1] == count
    assert hist["final_test"] == [count, 10000]  # ch1 monitors the test data
    assert count > 5000  # chance is 1000
    assert (out / "learning_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from chainrule import load

    net = load(out / "model.npz")
    assert accuracy(net, mnist_nielsen.X_test, mnist_nielsen.y_test) == count
    assert net.metadata["nielsen"]["recipe"]["cost"] == "quadratic"
    # the model stores its input scaling (pixels / 255): chainrule predict takes raw
    # 0-255 pixels, as for every image-set model, with no note about missing scaling
    pixels = tmp_path / "pixels.npz"
    Xt = mnist_nielsen.X_test[:, :20]
    np.savez(pixels, X=np.rint(Xt.T * 255.0))
    assert main(["predict", str(out / "model.npz"), str(pixels)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    classes = [int(ln.split(",")[0]) for ln in captured.out.splitlines()[1:]]
    assert classes == net.forward(np.rint(Xt * 255.0) / 255.0).argmax(axis=0).tolist()


def test_cli_is_registered():
    from chainrule.cli import build_parser

    assert "nielsen" in build_parser().format_help()


def test_plot_monitor_writes_png(tmp_path):
    import matplotlib.pyplot as plt

    from chainrule.nielsen import plot_monitor

    mon = Monitor(
        evaluation_cost=[2.0, 1.0],
        evaluation_accuracy=[800, 900],
        training_cost=[1.5, 0.5],
        training_accuracy=[4000, 4500],
        n_training=5000,
        n_evaluation=1000,
        epoch_seconds=[1.0, 1.0],
    )
    before = plt.get_fignums()
    path = plot_monitor(mon, tmp_path / "curves.png", title="t", evaluation_name="validation")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png"]  # no temporary left
    assert plt.get_fignums() == before  # no pyplot figure left open
