"""fit(): against hand-rolled gradient-descent loops, plus early stopping, divergence, History."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from chainrule import DivergenceWarning, History, Network, backprop, fit
from chainrule.optim import OPTIMIZERS, Adam, get_optimizer


def blobs(m: int = 60, sep: float = 5.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two separable Gaussian blobs in 2-D, examples as columns; labels shape (1, m)."""
    rng = np.random.default_rng(seed)
    X = np.hstack([rng.normal(-sep / 2, 1, (2, m // 2)), rng.normal(sep / 2, 1, (2, m // 2))])
    Y = np.hstack([np.zeros((1, m // 2)), np.ones((1, m // 2))])
    return X, Y


def params_of(net: Network) -> list[np.ndarray]:
    return [p.copy() for p in net.parameters.values()]


def snapshotter(net: Network, store: dict[int, list[np.ndarray]]):
    """A callback that records the parameters at the end of every epoch."""

    def callback(epoch: int, logs: dict[str, float]) -> None:
        store[epoch] = params_of(net)

    return callback


def assert_same_params(a: list[np.ndarray], b: list[np.ndarray], rtol: float = 0.0) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if rtol:
            assert_allclose(x, y, rtol=rtol, atol=1e-15)
        else:
            assert_array_equal(x, y)


# -- it learns ------------------------------------------------------------------------------------


def test_full_batch_gd_decreases_the_cost_monotonically_and_separates() -> None:
    X, Y = blobs()
    net = Network([2, 6, 1], hidden="tanh", seed=0)
    hist = net.fit(X, Y, epochs=150, optimizer="sgd", learning_rate=0.5, progress=False)
    cost = np.array(hist.train_cost)
    assert np.all(np.diff(cost) < 0)  # small-enough steps on a smooth cost: always down
    assert cost[-1] < 0.2 * cost[0]
    assert hist.train_accuracy[-1] == 1.0
    assert net.accuracy(X, Y) == 1.0
    assert hist.message == "finished 150 epochs"
    assert net.history is hist


def test_mini_batch_adam_learns_too() -> None:
    X, Y = blobs(m=64)
    net = Network([2, 8, 1], hidden="relu", seed=1)
    hist = net.fit(X, Y, epochs=40, batch_size=16, learning_rate=0.05, progress=False)
    assert hist.train_cost[-1] < 0.2 * hist.train_cost[0]
    assert net.accuracy(X, Y) == 1.0


# -- against hand-rolled loops (the oracles) --------------------------------------------------


def test_full_batch_sgd_is_theta_minus_lr_times_the_gradient() -> None:
    X, Y = blobs(m=20)
    net = Network([2, 4, 1], hidden="tanh", l2=0.1, seed=0)
    ref = net.copy()
    net.fit(X, Y, epochs=3, optimizer="sgd", learning_rate=0.3, progress=False)
    for _ in range(3):
        g = ref.gradients(X, Y)
        ref.parameters = {k: v - 0.3 * g["d" + k] for k, v in ref.parameters.items()}
    assert_same_params(params_of(net), params_of(ref), rtol=1e-14)


def test_mini_batches_without_shuffling_are_consecutive_column_slices() -> None:
    X, Y = blobs(m=10)
    net = Network([2, 3, 1], hidden="sigmoid", seed=0)
    ref = net.copy()
    net.fit(X, Y, epochs=2, batch_size=4, shuffle=False, optimizer="sgd", learning_rate=0.2,
            progress=False)  # fmt: skip
    for _ in range(2):
        for sl in (slice(0, 4), slice(4, 8), slice(8, 10)):  # the last batch has 2 columns
            g = ref.gradients(X[:, sl], Y[:, sl])
            ref.parameters = {k: v - 0.2 * g["d" + k] for k, v in ref.parameters.items()}
    assert_same_params(params_of(net), params_of(ref), rtol=1e-14)


def test_shuffled_mini_batches_follow_the_seeded_permutations() -> None:
    X, Y = blobs(m=12)
    net = Network([2, 3, 1], hidden="tanh", seed=0)
    ref = net.copy()
    net.fit(X, Y, epochs=3, batch_size=5, optimizer="momentum", learning_rate=0.2, seed=123,
            progress=False)  # fmt: skip
    rng = np.random.default_rng(123)
    opt = get_optimizer("momentum")
    opt.init(ref.theta)
    for _ in range(3):
        perm = rng.permutation(12)
        for start in range(0, 12, 5):
            idx = perm[start : start + 5]
            g = ref.gradients(X[:, idx], Y[:, idx])
            opt.step(ref.theta, ref.layout.flatten(g.dW, g.db), 0.2)
    assert_same_params(params_of(net), params_of(ref), rtol=1e-13)


def test_dropout_masks_come_from_the_training_generator() -> None:
    # Full batch (no shuffling draws): each epoch draws D[1], D[2] in order from the Generator.
    X, Y = blobs(m=16)
    net = Network([2, 8, 6, 1], hidden="relu", dropout=[0.5, 0.25], seed=0)
    ref = net.copy()
    net.fit(X, Y, epochs=3, optimizer="sgd", learning_rate=0.1, seed=7, progress=False)
    rng = np.random.default_rng(7)
    for _ in range(3):
        _, caches = backprop.forward(X, ref.Ws, ref.bs, ref.activations,
                                     keep_probs=[0.5, 0.75, 1.0], rng=rng)  # fmt: skip
        g = backprop.backward(caches, Y, ref.Ws, ref.activations, ref.loss)
        for W, b, dW, db in zip(ref.Ws, ref.bs, g.dW, g.db, strict=True):
            W -= 0.1 * dW
            b -= 0.1 * db
    assert_same_params(params_of(net), params_of(ref), rtol=1e-14)
    assert not np.array_equal(params_of(net)[0], params_of(_trained_without_dropout())[0])


def _trained_without_dropout() -> Network:
    X, Y = blobs(m=16)
    net = Network([2, 8, 6, 1], hidden="relu", seed=0)
    net.fit(X, Y, epochs=3, optimizer="sgd", learning_rate=0.1, seed=7, progress=False)
    return net


def test_batch_size_none_m_and_larger_are_the_same_full_batch() -> None:
    X, Y = blobs(m=20)
    runs = []
    for batch_size in (None, 20, 1000):
        net = Network([2, 4, 1], seed=0)
        hist = net.fit(X, Y, epochs=5, batch_size=batch_size, learning_rate=0.01, progress=False)
        runs.append((params_of(net), hist.train_cost))
    for params, costs in runs[1:]:
        assert_same_params(params, runs[0][0])
        assert costs == runs[0][1]


def test_integer_sample_weights_equal_repeating_examples() -> None:
    X, Y = blobs(m=12)
    w = np.array([1, 2, 3, 1, 1, 2, 1, 1, 3, 1, 2, 1])
    Xr, Yr = np.repeat(X, w, axis=1), np.repeat(Y, w, axis=1)
    a = Network([2, 4, 1], hidden="tanh", l2=0.2, seed=0)
    b = a.copy()
    ha = a.fit(X, Y, sample_weight=w, epochs=4, optimizer="rmsprop", learning_rate=0.01,
               progress=False)  # fmt: skip
    hb = b.fit(Xr, Yr, epochs=4, optimizer="rmsprop", learning_rate=0.01, progress=False)
    assert_same_params(params_of(a), params_of(b), rtol=1e-11)
    assert_allclose(ha.train_cost, hb.train_cost, rtol=1e-13)


def test_a_mini_batch_of_zero_weights_makes_no_update() -> None:
    X, Y = blobs(m=8)
    w = np.array([0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    a = Network([2, 3, 1], seed=0)
    b = a.copy()
    ha = a.fit(X, Y, sample_weight=w, batch_size=2, shuffle=False, optimizer="sgd",
               learning_rate=0.1, epochs=2, progress=False)  # fmt: skip
    hb = b.fit(X[:, 2:], Y[:, 2:], batch_size=2, shuffle=False, optimizer="sgd",
               learning_rate=0.1, epochs=2, progress=False)  # fmt: skip
    assert_same_params(params_of(a), params_of(b))
    assert_allclose(ha.train_cost, hb.train_cost, rtol=1e-15)


def test_same_seed_gives_bit_identical_training() -> None:
    X, Y = blobs(m=30)

    def run(seed):
        net = Network([2, 6, 6, 1], hidden="relu", dropout=0.2, seed=seed)
        hist = net.fit(X, Y, epochs=5, batch_size=7, validation_fraction=0.2, progress=False)
        return params_of(net), hist.to_dict()

    p1, h1 = run(4)
    p2, h2 = run(4)
    assert_same_params(p1, p2)
    assert h1 == h2
    p3, _ = run(5)
    assert not np.array_equal(p1[0], p3[0])


# -- validation ------------------------------------------------------------------------------------


def test_validation_curves_are_recorded() -> None:
    X, Y = blobs(m=40)
    Xv, Yv = blobs(m=20, seed=1)
    net = Network([2, 4, 1], hidden="tanh", seed=0, l2=0.05)
    hist = net.fit(X, Y, epochs=6, validation_data=(Xv, Yv), learning_rate=0.05, progress=False)
    assert hist.has_validation
    assert len(hist.val_cost) == len(hist.val_accuracy) == len(hist.epoch) == 6
    assert hist.val_cost[-1] == pytest.approx(net.cost(Xv, Yv), rel=1e-15)  # after the update
    assert hist.val_accuracy[-1] == net.accuracy(Xv, Yv)
    assert hist.epoch == [1, 2, 3, 4, 5, 6]
    assert not Network([2, 1]).fit(X, Y, epochs=1, progress=False).has_validation


def test_validation_fraction_holds_out_a_seeded_split() -> None:
    X, Y = blobs(m=20)
    a = Network([2, 3, 1], seed=0)
    b = a.copy()
    ha = a.fit(X, Y, epochs=3, batch_size=4, validation_fraction=0.25, seed=9, progress=False)
    # by hand: the first draw of the Generator picks round(0.25 · 20) = 5 validation columns
    rng = np.random.default_rng(9)
    perm = rng.permutation(20)
    val, tr = np.sort(perm[:5]), np.sort(perm[5:])
    hb = b.fit(
        X[:, tr],
        Y[:, tr],
        epochs=3,
        batch_size=4,
        validation_data=(X[:, val], Y[:, val]),
        seed=rng,
        progress=False,
    )  # fmt: skip  (the same Generator, after the split)
    assert_same_params(params_of(a), params_of(b))
    assert ha.val_cost == hb.val_cost
    assert ha.train_cost == hb.train_cost


def test_validation_fraction_with_sample_weight_splits_the_weights() -> None:
    X, Y = blobs(m=20)
    w = np.linspace(0.5, 2.0, 20)
    a = Network([2, 3, 1], seed=0)
    b = a.copy()
    a.fit(X, Y, epochs=2, validation_fraction=0.2, sample_weight=w, seed=3, progress=False)
    rng = np.random.default_rng(3)
    perm = rng.permutation(20)
    val, tr = np.sort(perm[:4]), np.sort(perm[4:])
    b.fit(X[:, tr], Y[:, tr], epochs=2, validation_data=(X[:, val], Y[:, val]),
          sample_weight=w[tr], seed=rng, progress=False)  # fmt: skip
    assert_same_params(params_of(a), params_of(b))


# -- early stopping --------------------------------------------------------------------------------


def _early_stopping_problem():
    # The validation labels are the training labels flipped, so every improvement on the
    # training data makes the validation cost worse: the best epoch is the first.
    X, Y = blobs(m=30)
    return X, Y, (X, 1 - Y)


@pytest.mark.parametrize("restore_best", [True, False])
def test_early_stopping_with_patience_and_restore_best(restore_best) -> None:
    X, Y, val = _early_stopping_problem()
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    snaps: dict[int, list[np.ndarray]] = {}
    hist = net.fit(X, Y, epochs=50, validation_data=val, learning_rate=0.05, early_stopping=True,
                   patience=3, restore_best=restore_best, callback=snapshotter(net, snaps),
                   progress=False)  # fmt: skip
    assert hist.stopped_early
    assert hist.best_epoch == 1
    assert hist.epoch == [1, 2, 3, 4]  # epochs 2, 3, 4 brought no improvement
    assert all(hist.val_cost[i] > hist.val_cost[0] for i in (1, 2, 3))
    if restore_best:
        assert_same_params(params_of(net), snaps[1])
        assert hist.message == (
            "early stopping after epoch 4: no improvement for 3 epochs; "
            "restored the parameters of epoch 1"
        )
    else:
        assert_same_params(params_of(net), snaps[4])
        assert hist.message == "early stopping after epoch 4: no improvement for 3 epochs"


def test_restore_best_also_applies_when_patience_never_runs_out() -> None:
    X, Y, val = _early_stopping_problem()
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    snaps: dict[int, list[np.ndarray]] = {}
    hist = net.fit(X, Y, epochs=5, validation_data=val, learning_rate=0.05, early_stopping=True,
                   patience=10, callback=snapshotter(net, snaps), progress=False)  # fmt: skip
    assert not hist.stopped_early
    assert hist.best_epoch == 1
    assert_same_params(params_of(net), snaps[1])
    assert hist.message == "finished 5 epochs; restored the parameters of epoch 1"


def test_early_stopping_monitors_the_training_cost_without_validation_data() -> None:
    X, Y = blobs(m=20)
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    # min_delta larger than any single improvement: never "improves" after epoch 1
    hist = net.fit(X, Y, epochs=20, learning_rate=0.001, early_stopping=True, patience=2,
                   min_delta=10.0, progress=False)  # fmt: skip
    assert hist.best_epoch == 1
    assert hist.epoch == [1, 2, 3]
    assert hist.stopped_early


def test_callback_can_stop_training() -> None:
    X, Y = blobs(m=10)
    seen: list[tuple[int, set[str]]] = []

    def callback(epoch, logs):
        seen.append((epoch, set(logs)))
        return epoch == 3

    hist = Network([2, 3, 1], seed=0).fit(X, Y, epochs=10, callback=callback, progress=False)
    assert hist.epoch == [1, 2, 3]
    assert hist.message == "stopped by callback after epoch 3"
    assert seen[0] == (1, {"cost", "accuracy"})


# -- divergence ------------------------------------------------------------------------------------


def test_divergence_stops_with_a_warning_and_keeps_the_last_finite_parameters() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 30))
    Y = X[:1] * 3 - X[1:] + 0.5
    net = Network([2, 8, 1], hidden="relu", output="identity", loss="mse", seed=0)
    snaps: dict[int, list[np.ndarray]] = {}
    with pytest.warns(DivergenceWarning, match=r"training diverged in epoch \d+ .* learning rate"):
        hist = net.fit(X, Y, epochs=100, optimizer="sgd", learning_rate=10.0,
                       callback=snapshotter(net, snaps), progress=False)  # fmt: skip
    assert hist.diverged
    assert not hist.stopped_early
    last = hist.epoch[-1]
    assert 1 <= last < 100
    assert f"diverged in epoch {last + 1}" in hist.message
    assert f"kept the parameters from the end of epoch {last}" in hist.message
    assert all(np.isfinite(p).all() for p in params_of(net))
    assert_same_params(params_of(net), snaps[last])
    assert all(math.isfinite(c) for c in hist.train_cost)
    assert len(hist.train_cost) == last


def test_divergence_in_the_first_epoch_keeps_the_initial_parameters() -> None:
    X, Y = blobs(m=20)
    net = Network([2, 8, 1], hidden="relu", output="identity", loss="mse", seed=0)
    before = params_of(net)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hist = net.fit(X, Y * 1e200, epochs=5, optimizer="sgd", learning_rate=1.0,
                       progress=False)  # fmt: skip
    assert [w.category for w in caught] == [DivergenceWarning]  # and no NumPy overflow noise
    assert hist.diverged
    assert hist.epoch == []
    assert "kept the initial parameters" in hist.message
    assert_same_params(params_of(net), before)


# -- dtypes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize(
    ("schedule", "decay"), [("constant", 0.0), ("inverse_time", 0.5), ("stepwise", 0.5),
                            ("exponential", 0.9)]
)  # fmt: skip
def test_float32_training_stays_float32(optimizer, schedule, decay) -> None:
    X, _ = blobs(m=24)
    labels = np.arange(24) % 3  # integer class indices
    net = Network([2, 5, 5, 3], hidden="tanh", output="softmax", loss="cce", dtype="float32",
                  l2=0.1, dropout=0.2, seed=0)  # fmt: skip
    opt = get_optimizer(optimizer)
    hist = net.fit(X, labels, epochs=3, batch_size=10, optimizer=opt, learning_rate=0.01,
                   lr_schedule=schedule, decay=decay, validation_fraction=0.25,
                   sample_weight=np.linspace(0.5, 1.5, 24), progress=False)  # fmt: skip
    assert all(p.dtype == np.float32 for p in net.parameters.values())
    assert all(s.dtype == np.float32 for s in opt.state[1:])
    assert all(math.isfinite(c) for c in hist.train_cost + hist.val_cost)
    assert net.predict_proba(X).dtype == np.float32


def test_learning_rate_schedule_is_recorded_per_epoch() -> None:
    X, Y = blobs(m=10)
    hist = Network([2, 1], seed=0).fit(X, Y, epochs=5, learning_rate=0.4, lr_schedule="stepwise",
                                       decay=1.0, decay_interval=2, progress=False)  # fmt: skip
    assert hist.learning_rate == pytest.approx([0.4, 0.4, 0.2, 0.2, 0.4 / 3], rel=1e-15)


# -- History ------------------------------------------------------------------------------------


def test_history_round_trip_and_regression_accuracy_is_nan() -> None:
    X = np.random.default_rng(0).standard_normal((2, 10))
    net = Network([2, 3, 1], output="identity", loss="mse", seed=0)
    hist = net.fit(X, X[:1] + X[1:], epochs=3, validation_fraction=0.2, progress=False)
    assert all(math.isnan(a) for a in hist.train_accuracy + hist.val_accuracy)
    d = hist.to_dict()
    back = History.from_dict(d)
    assert back.epoch == hist.epoch
    assert back.train_cost == hist.train_cost
    assert back.message == hist.message


def test_progress_bar_only_when_asked(capsys) -> None:
    X, Y = blobs(m=10)
    Network([2, 1], seed=0).fit(X, Y, epochs=2, progress=False)
    assert capsys.readouterr().err == ""
    Network([2, 1], seed=0).fit(X, Y, epochs=2)  # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    Network([2, 1], seed=0).fit(X, Y, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err
    assert " J=" in err  # the compact postfix (tests/test_history_repr.py checks its format)


# -- bad input: refused before any training ------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"epochs": 0}, ValueError, r"epochs must be a positive integer \(>= 1\), got 0"),
        ({"epochs": 2.5}, TypeError, "epochs must be a positive integer"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive integer"),
        ({"batch_size": -4}, ValueError, "batch_size must be a positive integer"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be a finite number > 0"),
        ({"learning_rate": -0.1}, ValueError, "learning_rate must be a finite number > 0"),
        ({"optimizer": "adagrad"}, ValueError, "unknown optimizer 'adagrad'; valid names are"),
        ({"lr_schedule": "cosine"}, ValueError, "unknown lr_schedule 'cosine'"),
        ({"validation_fraction": 1.0}, ValueError, r"validation_fraction must be in \[0, 1\)"),
        ({"validation_fraction": 0.99}, ValueError, "leaves no training examples"),
        ({"patience": 0}, ValueError, "patience must be a positive integer"),
        ({"min_delta": -1.0}, ValueError, "min_delta must be a finite number >= 0"),
        ({"seed": -3}, ValueError, "seed must be a non-negative integer"),
        ({"validation_data": (np.zeros((2, 3)),)}, TypeError, "validation_data must be a pair"),
        ({"validation_data": (np.zeros((3, 3)), np.zeros((1, 3)))}, ValueError,
         r"X_val has 3 rows .* expects n\[0\] = 2"),
        ({"validation_data": (np.zeros((2, 3)), np.full((1, 3), 2))}, ValueError,
         "Y_val must hold labels 0 or 1"),
        ({"validation_data": (np.zeros((2, 3)), np.zeros((1, 3))), "validation_fraction": 0.2},
         ValueError, "not both"),
        ({"sample_weight": np.ones(3)}, ValueError, "sample_weight has 3 entries"),
        ({"X": np.zeros((3, 10))}, ValueError, r"X must have shape \(2, m\), got \(3, 10\)"),
        ({"X": np.full((2, 10), np.nan)}, ValueError, "X contains 20 NaN or infinite"),
        ({"X": np.zeros((2, 0)), "Y": np.zeros((1, 0))}, ValueError, "X is empty"),
        ({"Y": np.full((1, 10), 3.0)}, ValueError, r"labels 0 or 1 for binary cross-entropy"),
        ({"Y": np.zeros((1, 9))}, ValueError, "Y has 9 examples"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_before_training(kwargs, exc, match) -> None:
    X, Y = blobs(m=10)
    net = Network([2, 3, 1], seed=0)
    before = params_of(net)
    args = {"X": X, "Y": Y, **kwargs}
    with pytest.raises(exc, match=match):
        fit(net, args.pop("X"), args.pop("Y"), progress=False, **args)
    assert_same_params(params_of(net), before)
    assert net.history is None


def test_adam_instance_can_be_passed_with_its_settings() -> None:
    X, Y = blobs(m=10)
    opt = Adam(beta1=0.5)
    Network([2, 3, 1], seed=0).fit(X, Y, epochs=2, optimizer=opt, progress=False)
    assert opt.t == 2  # one step per epoch (full batch)
