"""The playground's state logic, without HTTP: every number is the core's.

A step is compared bit for bit with backprop.forward / backprop.backward / the optimizer
run directly on the same arrays (the same calls on the same layouts).
"""

from __future__ import annotations

import json
import math
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule import backprop
from chainrule.head import per_example_loss
from chainrule.losses import cost as mean_cost
from chainrule.optim import OPTIMIZERS, get_optimizer
from chainrule.playground import datasets as ds
from chainrule.playground.session import Config, Session, SessionError


def _core_step(session: Session, net: chainrule.Network, opt, rng, pos: int = 0):
    """One step the way the core does it, on a separate network (the oracle)."""
    cfg = session.config
    m = session.n_train
    size = session.batch_size
    perm = rng.permutation(m) if size < m else None
    idx = None if perm is None else perm[pos : pos + size]
    X = session.data.X_train if idx is None else session.data.X_train[:, idx]
    Y = session.Y_train if idx is None else session.Y_train[:, idx]
    Ws, bs, acts = list(net.Ws), list(net.bs), list(net.activations)
    AL, caches = backprop.forward(X, Ws, bs, acts)
    L = per_example_loss(net.loss, acts[-1], AL, caches[-1].Z, Y)
    J = mean_cost(L) + backprop.l2_cost(Ws, net.l2, X.shape[1])
    g = np.zeros_like(net.theta)
    dWs, dbs = net.layout.views(g)
    grads = backprop.backward(
        caches,
        Y,
        Ws,
        acts,
        net.loss,
        convention=cfg.convention,
        l2=net.l2,
        need_dA0=False,
        out=(dWs, dbs),
    )
    opt.step(net.theta, g, cfg.lr)
    return caches, grads, J


def _oracle(session: Session):
    """A network and optimizer built like the session's (same init seed), untouched."""
    cfg = session.config
    net = chainrule.Network(
        session.net.layer_dims,
        hidden=cfg.activation,
        output=session.net.activations[-1].name,
        loss=session.net.loss.name,
        init=cfg.init,
        seed=cfg.init_seed,
        l2=cfg.l2,
    )
    opt = get_optimizer(cfg.optimizer)
    opt.init(net.theta)
    return net, opt


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_a_step_is_the_cores_forward_backward_update_bitwise(optimizer):
    s = Session({"optimizer": optimizer, "lr": 0.05, "l2": 0.01, "batch_size": 16})
    net, opt = _oracle(s)
    assert np.array_equal(net.theta, s.net.theta)  # same init seed, same weights
    state = s.step("batch")
    _, _, J = _core_step(s, net, opt, net.rng)
    assert state["iteration"] == 1
    assert np.array_equal(s.net.theta, net.theta)
    assert state["cost"]["J"] == J
    assert state["cost"]["l2"] > 0


def test_an_epoch_of_steps_follows_fits_shuffling_bitwise():
    s = Session({"batch_size": 32, "dataset": "moons", "n_points": 200})
    net, opt = _oracle(s)
    perm = net.rng.permutation(s.n_train)  # fit draws one permutation per epoch
    for pos in range(0, s.n_train, 32):
        idx = perm[pos : pos + 32]
        X, Y = s.data.X_train[:, idx], s.Y_train[:, idx]
        _, caches = backprop.forward(X, list(net.Ws), list(net.bs), list(net.activations))
        g = np.zeros_like(net.theta)
        backprop.backward(
            caches,
            Y,
            list(net.Ws),
            list(net.activations),
            net.loss,
            need_dA0=False,
            out=net.layout.views(g),
        )
        opt.step(net.theta, g, s.config.lr)
    state = s.step("epoch")
    assert state["epochs_done"] == 1
    assert state["iteration"] == math.ceil(s.n_train / 32)
    assert np.array_equal(s.net.theta, net.theta)


def test_micro_steps_reveal_exactly_the_cores_arrays_then_update():
    s = Session({"hidden_layers": [3, 2], "batch_size": 8})
    net, opt = _oracle(s)
    caches, grads, J = _core_step(s, net, opt, net.rng)
    L = s.net.L
    names = []
    before = s.net.theta.copy()
    for k in range(2 * L + 1):
        st = s.step("micro")
        names.append((st["phase"]["name"], st["phase"]["layer"]))
        micro = s.micro()
        assert st["iteration"] == 0
        assert np.array_equal(s.net.theta, before)  # nothing applied before the update
        if st["phase"]["name"] == "forward":
            l = st["phase"]["layer"]
            assert np.array_equal(np.array(micro["layers"][l - 1]["Z"]), caches[l - 1].Z)
            assert np.array_equal(np.array(micro["layers"][l - 1]["A"]), caches[l - 1].A)
            if l < L:  # the next layer is not shown yet
                assert micro["layers"][l]["Z"] is None
        if st["phase"]["name"] == "backward":
            l = st["phase"]["layer"]
            lay = micro["layers"][l - 1]
            assert np.array_equal(np.array(lay["dZ"]), grads.dZ[l - 1])
            assert np.array_equal(np.array(lay["dW"]), grads.dW[l - 1])
            assert np.array_equal(np.array(st["layers"][l - 1]["dW"]), grads.dW[l - 1])
            if l > 1:
                assert micro["layers"][l - 2]["dZ"] is None
        if k == L:
            assert micro["cost"]["J"] == J
    assert names == [("forward", l) for l in range(1, L + 1)] + [("loss", None)] + [
        ("backward", l) for l in range(L, 0, -1)
    ]
    st = s.step("micro")
    assert st["phase"]["name"] == "update"
    assert st["iteration"] == 1
    assert np.array_equal(s.net.theta, net.theta)


def test_a_batch_step_half_way_through_micro_steps_applies_that_batchs_update():
    s = Session({"batch_size": 8})
    net, opt = _oracle(s)
    _core_step(s, net, opt, net.rng)
    s.step("micro")
    s.step("micro")
    st = s.step("batch")
    assert st["iteration"] == 1
    assert st["phase"]["name"] == "idle"
    assert np.array_equal(s.net.theta, net.theta)


def test_reset_restores_the_initial_weights_exactly_and_reinit_changes_them():
    s = Session({"optimizer": "adam", "lr": 0.01})
    theta0 = s.net.theta.copy()
    s.step("epoch")
    assert not np.array_equal(s.net.theta, theta0)
    st = s.reset()
    assert st["iteration"] == 0
    assert np.array_equal(s.net.theta, theta0)
    assert s.opt.t == 0
    st = s.reset(reinit=True)
    assert st["config"]["init_seed"] == 1
    assert not np.allclose(s.net.theta, theta0)


def test_data_seed_and_init_seed_are_separate():
    s = Session()
    theta0, X0 = s.net.theta.copy(), s.data.X_train.copy()
    s.reset({"data_seed": 5})
    assert not np.array_equal(s.data.X_train, X0)
    assert np.array_equal(s.net.theta, theta0)  # the weights do not follow the data seed
    s.reset({"init_seed": 5})
    assert not np.array_equal(s.net.theta, theta0)
    s.reset({"data_seed": 0, "init_seed": 0})
    assert np.array_equal(s.data.X_train, X0)
    assert np.array_equal(s.net.theta, theta0)


def test_exported_model_loads_with_chainrule_load(tmp_path):
    s = Session({"dataset": "spiral", "classes": 3, "hidden_layers": [5]})
    s.step("epoch")
    path = s.export_model(tmp_path / "m.npz")
    net = chainrule.load(path)
    assert np.array_equal(net.theta, s.net.theta)
    assert np.array_equal(net.forward(s.data.X_test), s.net.forward(s.data.X_test))
    raw = s.export_model_bytes()
    (tmp_path / "b.npz").write_bytes(raw)
    assert np.array_equal(chainrule.load(tmp_path / "b.npz").theta, s.net.theta)


def test_nan_guard_pauses_and_names_the_first_non_finite_layer():
    s = Session({"hidden_layers": [4, 3]})
    s.net.Ws[1][...] = np.inf  # layer 1 stays finite, Z[2] does not
    with np.errstate(all="ignore"):
        st = s.step("batch")
    assert st["nan"]["layer"] == 2
    assert st["nan"]["array"] == "Z"
    assert "Z[2]" in st["nan"]["message"]
    assert st["iteration"] == 0  # the update was not applied
    assert st["running"] is False
    with pytest.raises(SessionError, match="non-finite") as exc:
        s.step("batch")
    assert exc.value.status == 409
    with pytest.raises(SessionError):
        s.play(True)
    json.dumps(s.state(), allow_nan=False)  # NaN never reaches the JSON
    s.reset()
    assert s.state()["nan"] is None


def test_a_learning_rate_too_large_trips_the_guard_on_a_named_layer():
    s = Session(
        {
            "dataset": "plane",
            "lr": 10.0,
            "activation": "relu",
            "batch_size": 0,
            "hidden_layers": [8, 8],
        }
    )
    for _ in range(200):
        try:
            s.step("batch")
        except SessionError:
            break
    nan = s.state()["nan"]
    assert nan is not None
    assert 1 <= nan["layer"] <= s.net.L


def test_softmax_for_several_classes():
    s = Session({"dataset": "gauss", "classes": 4})
    st = s.state()
    assert st["task"] == "multiclass"
    assert st["layer_dims"][-1] == 4
    assert st["activations"][-1] == "softmax"
    assert st["loss"] == "categorical_crossentropy"
    assert s.Y_train.shape == (4, s.n_train)
    assert np.array_equal(s.Y_train.argmax(axis=0), s.data.y_train)
    s.step("epoch")
    maps = s.maps(resolution=10, neuron_resolution=4)
    out = np.array(maps["output"])
    assert set(np.unique(out)) <= {0.0, 1.0, 2.0, 3.0}
    assert maps["confidence"] is not None


def test_two_unit_softmax_on_a_binary_set():
    s = Session({"loss": "categorical_crossentropy"})
    assert s.net.layer_dims[-1] == 2
    assert s.net.activations[-1].name == "softmax"
    with pytest.raises(SessionError, match="classes need"):
        s.reset({"dataset": "spiral", "classes": 3, "loss": "binary_crossentropy"})


def test_l2_enters_J_and_the_gradient():
    s = Session({"l2": 0.5, "batch_size": 0})
    Ws = [W.copy() for W in s.net.Ws]
    st = s.step("batch")
    m = s.n_train
    expected_l2 = 0.5 / (2 * m) * sum(float(np.sum(W * W)) for W in Ws)
    assert st["cost"]["l2"] == pytest.approx(expected_l2, rel=1e-12)
    assert st["cost"]["J"] == pytest.approx(st["cost"]["data"] + expected_l2, rel=1e-12)
    f = s.formula(1, 0, 0)
    assert f["l2_term"] == pytest.approx(0.5 / m * Ws[0][0, 0], rel=1e-12)


def test_regression_plane_with_squared_error():
    s = Session({"dataset": "plane", "noise": 0})
    assert s.data.task == "regression"
    assert s.net.activations[-1].name == "identity"
    assert s.net.loss.name == "squared_error"
    raw = s.data.raw_train
    assert np.allclose(s.data.y_train, (raw[0] + raw[1]) / 10.0)
    st = s.step("batch")
    assert st["train"]["accuracy"] is None
    with pytest.raises(SessionError, match="squared_error"):
        s.reset({"loss": "binary_crossentropy"})


def test_features_are_functions_of_the_points():
    feats = list(ds.FEATURES)
    s = Session({"features": feats})
    x1, x2 = s.data.raw_train
    expected = [x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)]
    assert np.allclose(s.data.X_train, np.vstack(expected), rtol=0, atol=0)
    assert s.net.layer_dims[0] == 7
    s.reset({"features": ["sin_x2", "x1"]})  # any order in, the canonical order out
    assert s.config.features == ["x1", "sin_x2"]
    with pytest.raises(SessionError, match=r"config\.features"):
        s.reset({"features": []})


def test_noise_split_and_seeds_of_the_2d_sets():
    for name in ds.TWO_D:

        def make(noise: float, name: str = name) -> ds.PlaygroundData:
            return ds.make_2d(
                name,
                n_points=300,
                noise=noise,
                classes=2,
                features=["x1", "x2"],
                train_fraction=0.7,
                seed=1,
            )

        a, b, c = make(0), make(30), make(0)
        assert a.X_train.shape[1] + a.X_test.shape[1] == 300
        assert a.X_train.shape[1] == 210
        assert np.array_equal(a.X_train, c.X_train)  # same seed, same data
        if name == "plane":  # noise moves the targets
            assert not np.array_equal(a.y_train, b.y_train)
        else:  # noise moves the points
            assert not np.array_equal(a.X_train, b.X_train)
        assert np.abs(b.X_train).max() <= ds.EXTENT


def test_bad_config_names_the_field():
    s = Session()
    with pytest.raises(SessionError, match=r"config\.lr"):
        s.reset({"lr": -1})
    with pytest.raises(SessionError, match=r"config\.hidden_layers"):
        s.reset({"hidden_layers": [9]})
    with pytest.raises(SessionError, match="unknown field"):
        s.reset({"bogus": 1})
    with pytest.raises(SessionError, match=r"config\.activation"):
        s.reset({"activation": "softmax"})
    assert s.config == Config()  # a refused reset changes nothing


def test_tune_keeps_the_weights():
    s = Session()
    s.step("batch")
    theta = s.net.theta.copy()
    st = s.tune({"lr": 0.1, "convention": "cost"})
    assert st["iteration"] == 1
    assert np.array_equal(s.net.theta, theta)
    with pytest.raises(SessionError):
        s.tune({"hidden_layers": [2]})
    assert any("lr, convention changed" in n for n in s.command()["notes"])


def test_points_carry_each_examples_loss_and_J_is_their_mean():
    s = Session({"l2": 0.1})
    s.step("batch")
    p = s.points()
    rows = np.array(p["train"])
    assert rows.shape == (s.n_train, 4)
    L = s.net.losses(s.data.X_train, s.Y_train)[0]
    assert np.array_equal(rows[:, 3], L)
    assert p["J"] == pytest.approx(s.net.cost(s.data.X_train, s.Y_train), rel=1e-12)


def test_formula_course_and_cost_give_the_same_dW_as_the_core():
    for convention in ("course", "cost"):
        s = Session({"convention": convention, "l2": 0.2})
        with pytest.raises(SessionError, match="no gradient yet"):
            s.formula(1, 0, 0)
        st = s.step("batch")
        f = s.formula(2, 1, 0)
        core = st["layers"][1]["dW"][1][0]
        assert f["core"] == core
        assert f["course"]["value"] == pytest.approx(core, rel=1e-12, abs=1e-15)
        assert f["cost"]["value"] == pytest.approx(core, rel=1e-12, abs=1e-15)
        assert f["equal"]
        assert f["update"]["delta"] == pytest.approx(-s.config.lr * core, rel=1e-9)
        fb = s.formula(1, 0)
        assert fb["core"] == st["layers"][0]["db"][0]


def test_explain_marks_where_one_over_m_enters():
    s = Session()
    course = s.explain("course")
    marked = [
        b["formula"] for sec in course["sections"] for b in sec["blocks"] if b.get("one_over_m")
    ]
    assert marked
    assert all(f.startswith(("dW", "db")) for f in marked)
    cost = s.explain("cost")
    marked = [
        b["formula"] for sec in cost["sections"] for b in sec["blocks"] if b.get("one_over_m")
    ]
    assert marked == [f"dZ[{s.net.L}] = (1/m)(A[{s.net.L}] − Y)"]
    assert "Backward" in course["text"]


def test_gradcheck_passes_with_the_course_thresholds():
    s = Session()
    s.step("batch")
    g = s.gradcheck()
    assert g["status"] == "pass"
    assert g["thresholds"] == [1e-7, 1e-5, 1e-3]
    assert g["difference"] < 1e-7


def test_history_is_incremental_and_thinned():
    s = Session()
    for _ in range(5):
        s.step("batch")
    st = s.state()
    h = st["history"]
    assert h["iteration"] == [0, 1, 2, 3, 4, 5]
    h2 = s.state(since=4, generation=h["generation"])["history"]
    assert h2["start"] == 4
    assert h2["iteration"] == [4, 5]
    h3 = s.state(since=4, generation=h["generation"] - 1)["history"]
    assert h3["start"] == 0  # a stale generation gets everything
    s.run_for(0.0)
    s.history.rows = s.history.rows * 400  # past MAX_HISTORY: thin on the next point
    gen = s.history.generation
    s.step("batch")
    assert s.history.generation == gen + 1
    assert s.history.every == 2
    csv_text = s.export_history("csv")
    assert csv_text.splitlines()[0].startswith("iteration,epoch,J")
    json.loads(s.export_history("json"))


def test_play_trains_in_the_background_and_stops():
    import time

    s = Session()
    s.play(True)
    deadline = time.monotonic() + 10
    while s.state()["iteration"] < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    s.play(False)
    it = s.state()["iteration"]
    assert it >= 5
    assert s.state()["running"] is False
    time.sleep(0.05)
    assert s.state()["iteration"] == it


def test_csv_upload_through_read_table(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    body = "a,b,label\n" + "".join(f"{p},{q},{t}\n" for (p, q), t in zip(X, y, strict=True))
    s = Session()
    out = s.upload(body.encode(), "mine.csv")
    assert (out["n_rows"], out["n_features"], out["task"]) == (60, 2, "binary")
    assert s.config.dataset == "upload"
    assert s.data.two_d
    # the columns standardised with the training part's μ and σ: x′ = (x − μ) / σ
    train = s.data.raw_train
    assert np.allclose(train.mean(axis=1), 0.0, atol=1e-12)
    assert np.allclose(train.std(axis=1), 1.0, rtol=1e-12)
    both = np.sort(np.hstack([train[0], s.data.raw_test[0]]))
    slope, shift = np.polyfit(np.sort(X[:, 0]), both, 1)
    np.testing.assert_allclose(slope * np.sort(X[:, 0]) + shift, both, rtol=0, atol=1e-12)
    assert slope > 0
    s.step("epoch")
    with pytest.raises(SessionError, match="upload"):
        s.upload(b"1,2,3\nx,y\n\x00\x01", "bad.csv")
    assert s.config.dataset == "upload"  # the old upload stays
    wide = "".join(f"{p},{q},{p * q},{t}\n" for (p, q), t in zip(X, y, strict=True))
    s.upload(wide.encode(), "wide.csv")
    assert s.data.kind == "table"
    assert s.maps()["kind"] == "none"


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"dataset": "plane"},
        {"dataset": "spiral", "classes": 3, "batch_size": 0},
        {"loss": "squared_error", "features": ["x1", "x2", "x1sq", "sin_x2"]},
        {"loss": "categorical_crossentropy", "hidden_layers": [], "optimizer": "adam"},
    ],
)
def test_command_is_accepted_by_chainrule_train_and_python_snippet_runs(tmp_path, capsys, config):
    s = Session({"n_points": 100, "batch_size": 20, "hidden_layers": [3], **config})
    s.step("epoch")
    s.step("epoch")
    (tmp_path / "playground-data.csv").write_text(s.export_data_csv())
    cmd = s.command()
    assert cmd["command"].startswith("chainrule train ")
    argv = shlex.split(cmd["command"])[1:]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(
        [sys.executable, "-m", "chainrule", *argv, "--no-plot", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    model = chainrule.load(tmp_path / "playground-run" / "model.npz")
    assert model.layer_dims == s.net.layer_dims
    assert [a.name for a in model.activations] == [a.name for a in s.net.activations]
    assert model.loss.name == s.net.loss.name
    # the snippet, run as it is shown, retraces the run (to rounding)
    scope: dict = {}
    exec(compile(cmd["python"], "<snippet>", "exec"), scope)
    assert "train J:" in capsys.readouterr().out
    net = scope["net"]
    np.testing.assert_allclose(net.theta, s.net.theta, rtol=1e-9, atol=1e-12)


def test_the_data_file_holds_the_features_and_targets():
    s = Session({"features": ["x1", "x1x2"], "n_points": 60})
    lines = s.export_data_csv().splitlines()
    assert lines[0] == "x1,x1x2,y"
    assert len(lines) == 61
    first = [float(v) for v in lines[1].split(",")]
    assert first[:2] == list(s.data.X_train[:, 0])
    assert first[2] == s.data.y_train[0]


@pytest.mark.data("catvnoncat")
def test_cat_preset_with_image_views(data_dir):
    s = Session({"dataset": "cat", "hidden_layers": [7], "lr": 0.0075}, data_dir=data_dir)
    assert s.net.layer_dims == [12288, 7, 1]
    assert s.n_train == 209
    st = s.step("batch")
    assert st["layers"][0]["W"] is None
    assert st["layers"][0]["W_shape"] == [7, 12288]
    maps = s.maps()
    assert maps["kind"] == "images"
    assert maps["shape"] == [64, 64, 3]
    assert len(maps["samples"][0]["pixels"]) == 12288
    assert len(maps["first_layer"]) == 7
    k = maps["samples"][0]["index"]
    p = s.net.forward(s.data.X_test[:, [k]])[0, 0]
    assert maps["samples"][0]["probs"] == pytest.approx([1.0 - p, p], rel=1e-12)  # other m
    # one sigmoid output unit: P(cat), its mean over the samples shown
    (out,) = maps["outputs"]
    assert (out["unit"], out["label"]) == (0, "cat")
    assert out["mean"] == pytest.approx(np.mean([x["probs"][1] for x in maps["samples"]]))
    mean_image = np.rint(s.data.X_train.mean(axis=1) * 255.0)
    assert maps["mean_image"] == mean_image.astype(int).tolist()
    assert "catvnoncat" in s.command()["command"]


@pytest.mark.data("mnist")
def test_mnist_preset_is_a_subset_with_softmax(data_dir):
    s = Session(
        {
            "dataset": "mnist",
            "hidden_layers": [16],
            "optimizer": "adam",
            "lr": 0.003,
            "batch_size": 64,
        },
        data_dir=data_dir,
    )
    assert (s.n_train, s.data.X_test.shape[1]) == ds.MNIST_SUBSET
    assert s.net.layer_dims == [784, 16, 10]
    s.step("batch")
    maps = s.maps()
    assert maps["shape"] == [28, 28]
    assert len(maps["samples"][0]["probs"]) == 10
    assert sum(maps["samples"][0]["probs"]) == pytest.approx(1.0)
    # the ten softmax units, labelled 0..9, each with its mean probability over the samples
    assert [o["label"] for o in maps["outputs"]] == [str(d) for d in range(10)]
    probs = np.array([x["probs"] for x in maps["samples"]])  # (16, 10)
    means = [o["mean"] for o in maps["outputs"]]
    assert means == pytest.approx(probs.mean(axis=0), rel=1e-12)
    assert sum(means) == pytest.approx(1.0)
    assert [len(a) for a in maps["layer_means"]] == [16, 10]
    assert maps["layer_means"][-1] == means
    X = s.data.X_test[:, [x["index"] for x in maps["samples"]]]
    A1 = s.net.activations[0](s.net.Ws[0] @ X + s.net.bs[0])  # relu of layer 1, 16 samples
    assert maps["layer_means"][0] == pytest.approx(A1.mean(axis=1), rel=1e-12, abs=1e-15)
    mean_image = np.rint(s.data.X_train.mean(axis=1) * 255.0).astype(int)  # (784,)
    assert maps["mean_image"] == mean_image.tolist()
    for _ in range(11):
        s.step("batch")
    # on a large set the whole parts are evaluated every 10th step: only those are points
    assert s.state()["history"]["iteration"] == [0, 10]


def test_missing_preset_files_are_a_clear_error(tmp_path):
    with pytest.raises(SessionError, match="dataset cat"):
        Session({"dataset": "cat"}, data_dir=tmp_path)
    d = {x["name"]: x for x in Session(data_dir=tmp_path).describe()["datasets"]}
    assert d["cat"]["available"] is False
    assert "not found" in d["cat"]["reason"]


def test_describe_lists_every_optimizer_and_feature():
    c = Session().describe()
    assert [o["name"] for o in c["optimizers"]] == list(OPTIMIZERS)
    assert [f["name"] for f in c["features"]] == list(ds.FEATURES)
    assert c["defaults"] == Config().to_dict()
    json.dumps(c, allow_nan=False)


def test_state_is_json_without_nan():
    s = Session()
    text = json.dumps(s.state(), allow_nan=False)  # before any step: NaNs sent as null
    assert '"norm_dW": null' in text
    s.step("micro")
    json.dumps(s.micro(), allow_nan=False)
    json.dumps(s.maps(), allow_nan=False)
    json.dumps(s.points(), allow_nan=False)


def test_upload_file_at_start(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(40)))
    s = Session(upload=path)
    assert s.config.dataset == "upload"
    assert Path(s.command()["data_file"]).name == "playground-data.csv"


def test_formula_while_micro_stepping_shows_the_last_batch_until_its_layer_is_revealed():
    s = Session({"batch_size": 8})
    st = s.step("batch")
    first = st["layers"][0]["dW"][0][1]
    s.step("micro")  # the next batch: computed, g overwritten, nothing backward shown yet
    f = s.formula(1, 0, 1)
    assert f["core"] == first
    assert f["course"]["value"] == pytest.approx(first, rel=1e-12, abs=1e-15)
    while s.state()["phase"] != {"name": "backward", "layer": 1, "index": 7, "count": 8}:
        s.step("micro")
    new = s.formula(1, 0, 1)
    assert new["core"] == s.state()["layers"][0]["dW"][0][1]
    assert new["core"] != first
    assert new["update"]["applied"] is False


def test_play_at_a_rate_takes_at_most_that_many_batches():
    import time

    s = Session()
    with pytest.raises(SessionError, match="rate"):
        s.play(True, rate=0)
    s.play(True, rate=2.0)  # one batch at once, the next after 0.5 s
    time.sleep(0.3)
    s.play(False)
    # a slow machine can only take fewer; more would mean the rate is not kept
    assert 1 <= s.state()["iteration"] <= 2
    assert s.state()["rate"] == 2.0


@pytest.mark.parametrize("config", [{}, {"dataset": "spiral", "classes": 3}])
def test_shown_losses_and_accuracies_are_the_networks_own(config):
    s = Session(config)
    st = s.step("epoch")
    for part, X, Y in (("train", s.data.X_train, s.Y_train), ("test", s.data.X_test, s.Y_test)):
        assert st[part]["accuracy"] == s.net.accuracy(X, Y)
        assert st[part]["J"] == pytest.approx(s.net.cost(X, Y), rel=1e-12)


def test_micro_steps_trip_the_nan_guard_at_the_layer_that_goes_non_finite():
    s = Session({"hidden_layers": [4, 3]})
    s.net.Ws[1][...] = np.inf
    with np.errstate(all="ignore"):
        st = s.step("micro")  # forward 1: finite
        assert st["nan"] is None
        st = s.step("micro")  # forward 2: Z[2] is not
    assert st["nan"]["layer"] == 2
    assert st["phase"] == {"name": "forward", "layer": 2, "index": 2, "count": 8}
    with pytest.raises(SessionError):
        s.step("micro")
