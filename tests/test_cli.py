"""``chainrule train`` / ``evaluate`` / ``predict`` through ``chainrule.cli.main``.

The oracles: what the command prints and writes must agree with an
independent path through the library -- the data set loaded by
:func:`chainrule.data.load_dataset` with its own scaling, the model file read
back by :func:`chainrule.load`, the predictions recomputed with
:meth:`Network.forward` -- and every user error must give the documented exit
code and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import chainrule
from _clihelpers import (
    evaluate_json,
    flat,
    one_error_line,
    run_cli,
    run_process,
    train_ok,
)
from chainrule.cli import main
from chainrule.data import load_dataset

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
IRIS_ARGS = ["--dataset", "iris", "--hidden-layers", "16", "--epochs", "30", "--no-progress"]


def table(out: str) -> dict[str, dict[str, float]]:
    """The metrics table ``train`` prints: part -> column -> value."""
    lines = out.splitlines()
    headers = (["cost", "accuracy"], ["cost", "mse", "r2"])
    head = next(i for i, line in enumerate(lines) if line.split() in headers)
    cols = lines[head].split()
    rows = {}
    for line in lines[head + 1 :]:
        parts = line.split()
        if not parts or parts[0] not in ("train", "validation", "test"):
            break
        rows[parts[0]] = {c: float(v) for c, v in zip(cols, parts[1:], strict=True)}
    return rows


def wrote_folder(out: str) -> Path:
    m = re.search(r"^wrote (.+?)/  \(", out, flags=re.M)
    assert m is not None, out
    return Path(m.group(1))


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One small iris training run shared by the evaluate/predict tests."""
    out = tmp_path_factory.mktemp("iris") / "run"
    rc = main(["train", *IRIS_ARGS, "--out", str(out), "--quiet"])
    assert rc == 0
    return out, (out / "metrics.json").read_text()


# -- train ------------------------------------------------------------------------------------


def test_train_iris_files_metrics_and_model_agree(capsys, tmp_path):
    out_dir = tmp_path / "iris-run"
    rc, out, err = run_cli(capsys, "train", *IRIS_ARGS, "--out", str(out_dir))
    assert rc == 0, err
    assert err == ""  # --no-progress: nothing on stderr
    assert wrote_folder(out) == out_dir
    # the header names the data, the network and what was inferred
    assert "iris: multiclass (3 classes), 4 features, train 105 / val 15 / test 30" in flat(out)
    assert "[4, 16, 3]: relu → softmax" in out
    assert "inferred: output and loss from the task" in flat(out)
    for name in ("model.npz", "metrics.json", "learning_curve.png"):
        assert (out_dir / name).is_file()
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]  # no temp files left

    metrics = json.loads((out_dir / "metrics.json").read_text())
    printed = table(out)
    for part in ("train", "validation", "test"):
        for col in ("cost", "accuracy"):
            assert printed[part][col] == pytest.approx(metrics["metrics"][part][col], abs=5e-5)
    assert metrics["epochs_run"] == 30
    assert metrics["metrics"]["test"]["m"] == 30

    # Independent path: the loader's own standard scaling, the saved model read back.
    net = chainrule.load(out_dir / "model.npz")
    assert net.layer_dims == [4, 16, 3]
    assert [a.name for a in net.activations] == ["relu", "softmax"]
    assert net.loss.name == "categorical_crossentropy"
    ds = load_dataset("iris", seed=0, val_size=0.1, scale="standard")
    for part, X, y in (
        ("train", ds.X_train, ds.y_train),
        ("validation", ds.X_val, ds.y_val),
        ("test", ds.X_test, ds.y_test),
    ):
        acc = net.accuracy(X, y)
        assert acc == metrics["metrics"][part]["accuracy"]
        assert acc * y.size == pytest.approx(round(acc * y.size))  # a count of correct examples
        assert net.cost(X, y) == pytest.approx(metrics["metrics"][part]["cost"], rel=1e-12)

    meta = net.metadata
    assert meta["dataset"] == "iris"
    assert meta["class_names"] == ["setosa", "versicolor", "virginica"]
    assert meta["targets"] == "indices"
    assert meta["split"] == {"seed": 0, "test_fraction": 0.2, "val_fraction": 0.1}
    raw = load_dataset("iris", seed=0, val_size=0.1, scale="none").X_train
    assert_allclose(meta["preprocessing"]["mean"], raw.mean(axis=1), rtol=1e-12)
    assert_allclose(meta["preprocessing"]["std"], raw.std(axis=1), rtol=1e-12)
    assert meta["metrics"] == metrics["metrics"]
    assert meta["command"] == metrics["command"]
    assert net.history is not None
    assert len(net.history.epoch) == 30

    png = (out_dir / "learning_curve.png").read_bytes()
    assert png.startswith(PNG_MAGIC)
    assert len(png) > 1000
    import matplotlib.image

    img = matplotlib.image.imread(out_dir / "learning_curve.png")
    assert img.ndim == 3
    assert img.shape[0] > 100
    assert img.shape[1] > 100


def test_stored_command_reproduces_the_run(capsys, iris_run, tmp_path):
    out_dir, text = iris_run
    first = json.loads(text)
    argv = shlex.split(first["command"])
    assert argv[:2] == ["chainrule", "train"]
    rc, _out, err = run_cli(capsys, *argv[1:], "--out", str(tmp_path / "again"), "--quiet")
    assert rc == 0, err
    again = json.loads((tmp_path / "again" / "metrics.json").read_text())
    assert again["metrics"] == first["metrics"]  # same seed, same numbers, bit for bit
    a, b = chainrule.load(out_dir / "model.npz"), chainrule.load(tmp_path / "again" / "model.npz")
    for k, v in a.parameters.items():
        assert_array_equal(v, b.parameters[k])


def test_default_digits_settings_and_default_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, out, err = run_cli(capsys, "train", "--epochs", "2", "--no-progress")
    assert rc == 0, err
    folder = wrote_folder(out)
    assert re.fullmatch(r"chainrule-runs/digits-\d{8}-\d{6}(-\d+)?", str(folder)), folder
    assert (tmp_path / folder / "model.npz").is_file()
    assert "digits: multiclass (10 classes), 64 features, train 1257 / val 180 / test 360" in flat(
        out
    )
    assert "[64, 256, 10]: relu → softmax" in flat(out)
    assert "adam (α = 0.001, constant), 2 epochs, batch 32, l2 0, dropout 0.2, seed 0" in flat(out)
    net = chainrule.load(tmp_path / folder / "model.npz")
    assert net.dropout == [0.2]
    assert net.loss.name == "categorical_crossentropy"
    # a second run in the same second gets its own folder
    rc, out2, _ = run_cli(capsys, "train", "--epochs", "1", "--quiet")
    assert rc == 0
    assert wrote_folder(out2) != folder


def test_binary_head_and_probabilities(capsys, tmp_path):
    out_dir = tmp_path / "bc"
    rc, out, err = run_cli(
        capsys,
        "train",
        "--dataset",
        "breast_cancer",
        "--hidden-layers",
        "8",
        "--epochs",
        "5",
        "--out",
        str(out_dir),
        "--quiet",
    )
    assert rc == 0, err
    net = chainrule.load(out_dir / "model.npz")
    assert net.layer_dims == [30, 8, 1]
    assert net.activations[-1].name == "sigmoid"
    assert net.loss.name == "binary_crossentropy"
    assert net.metadata["targets"] == "binary"
    raw = load_dataset("breast_cancer", seed=0, val_size=0.1, scale="none")
    scaled = load_dataset("breast_cancer", seed=0, val_size=0.1, scale="standard")
    X_rows = raw.X_test.T
    np.savetxt(tmp_path / "x.csv", X_rows, delimiter=",")
    rc, out, err = run_cli(
        capsys, "predict", str(out_dir / "model.npz"), str(tmp_path / "x.csv"), "--proba"
    )
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "class,label,p_malignant,p_benign"
    rows = [line.split(",") for line in lines[1:]]
    assert len(rows) == raw.m_test
    p1 = np.array([float(r[3]) for r in rows])
    p0 = np.array([float(r[2]) for r in rows])
    A = net.forward(scaled.X_test)[0]
    assert_allclose(p1, A, rtol=1e-5, atol=1e-12)  # printed with 6 significant digits
    assert_allclose(p0 + p1, 1.0, atol=2e-6)
    assert_array_equal([int(r[0]) for r in rows], (A > 0.5).astype(int))
    assert all(r[1] == ("benign" if r[0] == "1" else "malignant") for r in rows)


def test_regression_metrics_in_original_units(capsys, tmp_path):
    out_dir = tmp_path / "diab"
    rc, out, err = run_cli(
        capsys,
        "train",
        "--dataset",
        "diabetes",
        "--hidden-layers",
        "16",
        "--epochs",
        "20",
        "--dropout",
        "0",
        "--out",
        str(out_dir),
    )
    assert rc == 0, err
    assert "identity" in out
    assert "squared_error" in out
    printed = table(out)
    metrics = json.loads((out_dir / "metrics.json").read_text())["metrics"]
    assert printed["test"]["mse"] == pytest.approx(metrics["test"]["mse"], abs=5e-5)
    net = chainrule.load(out_dir / "model.npz")
    assert net.metadata["targets"] == "values"
    assert net.metadata["target_scaling"] is not None
    # Oracle: predict on the raw test rows, compare with the raw targets by hand.
    raw = load_dataset("diabetes", seed=0, val_size=0.1, scale="none")
    np.savez(tmp_path / "x.npz", X=raw.X_test.T)
    pred_csv = tmp_path / "pred.csv"
    rc, out, err = run_cli(
        capsys,
        "predict",
        str(out_dir / "model.npz"),
        str(tmp_path / "x.npz"),
        "--output",
        str(pred_csv),
    )
    assert rc == 0, err
    assert out == ""
    lines = pred_csv.read_text().splitlines()
    assert lines[0] == "prediction"
    pred = np.array([float(v) for v in lines[1:]])
    y = raw.y_test
    mse = np.mean((pred - y) ** 2)
    r2 = 1 - np.sum((pred - y) ** 2) / np.sum((y - y.mean()) ** 2)
    assert mse == pytest.approx(metrics["test"]["mse"], rel=1e-8)
    assert r2 == pytest.approx(metrics["test"]["r2"], rel=1e-7)
    assert y.std() > 50  # the targets really are in the original units (not standardised)
    res = evaluate_json(capsys, out_dir / "model.npz")
    assert res["mse"] == pytest.approx(metrics["test"]["mse"], rel=1e-12)
    assert res["r2"] == pytest.approx(metrics["test"]["r2"], rel=1e-12)


def test_csv_dataset_with_header_and_named_target(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)) * [1, 10, 100] + [0, 5, -50]
    y = np.where(X[:, 0] + X[:, 1] / 10 > 0.5, 7, 3)  # labels 3 and 7, in the middle column
    path = tmp_path / "data.csv"
    with path.open("w") as f:
        f.write("a,label,b,c\n")
        for row, label in zip(X, y, strict=True):
            f.write(f"{row[0]},{label},{row[1]},{row[2]}\n")
    out_dir = tmp_path / "run"
    rc, out, err = run_cli(
        capsys,
        "train",
        "--dataset",
        str(path),
        "--target-column",
        "label",
        "--hidden-layers",
        "none",
        "--epochs",
        "60",
        "--lr",
        "0.05",
        "--out",
        str(out_dir),
        "--no-progress",
    )
    assert rc == 0, err
    assert "data: binary (2 classes), 3 features" in out
    assert "[3, 1]: sigmoid" in out  # logistic regression: no hidden layer
    net = chainrule.load(out_dir / "model.npz")
    assert net.metadata["class_names"] == ["3", "7"]
    assert net.metadata["dataset"] == str(path.resolve())
    # evaluate: by default the test part of the same split (seed and fractions stored)
    res = evaluate_json(capsys, out_dir / "model.npz")
    metrics = json.loads((out_dir / "metrics.json").read_text())["metrics"]
    assert res["m"] == metrics["test"]["m"] == 24
    assert res["accuracy"] == metrics["test"]["accuracy"]
    # --all: the whole file; the stored target column is used
    res = evaluate_json(capsys, out_dir / "model.npz", "--all")
    assert res["m"] == 120
    pre = net.metadata["preprocessing"]
    Xs = (X.T - np.array(pre["mean"])[:, None]) / np.array(pre["std"])[:, None]
    expected = np.mean((net.forward(Xs)[0] > 0.5) == (y == 7))
    assert res["accuracy"] == pytest.approx(expected, abs=1e-12)
    assert res["accuracy"] > 0.8
    # predict drops the label column by name and prints the original labels
    rc, out, err = run_cli(
        capsys, "predict", str(out_dir / "model.npz"), str(path), "--target-column", "label"
    )
    assert rc == 0, err
    labels = [line.split(",")[1] for line in out.splitlines()[1:]]
    assert set(labels) <= {"3", "7"}
    assert len(labels) == 120


def test_float32_full_batch_and_schedule(capsys, tmp_path):
    out_dir = tmp_path / "f32"
    rc, _out, err = run_cli(
        capsys,
        "train",
        "--dataset",
        "wine",
        "--dtype",
        "float32",
        "--batch-size",
        "full",
        "--optimizer",
        "momentum",
        "--lr-schedule",
        "stepwise",
        "--decay",
        "1",
        "--decay-interval",
        "10",
        "--epochs",
        "20",
        "--hidden-layers",
        "8,8",
        "--hidden",
        "tanh",
        "--out",
        str(out_dir),
        "--quiet",
    )
    assert rc == 0, err
    net = chainrule.load(out_dir / "model.npz")
    assert net.dtype == np.float32
    assert all(W.dtype == np.float32 for W in net.parameters.values())
    hist = net.history
    assert hist is not None
    # stepwise: α₀ / (1 + decay·⌊epoch/10⌋) with α₀ = 0.01 (momentum's default)
    assert hist.learning_rate[:10] == [0.01] * 10
    assert hist.learning_rate[10:] == pytest.approx([0.005] * 10)
    settings = json.loads((out_dir / "metrics.json").read_text())["settings"]
    assert settings["batch_size"] is None


def test_early_stopping_restores_best_epoch(capsys, tmp_path):
    out_dir = tmp_path / "es"
    rc, out, err = run_cli(
        capsys,
        "train",
        *IRIS_ARGS[:4],
        "--epochs",
        "400",
        "--lr",
        "0.05",
        "--early-stopping",
        "--patience",
        "3",
        "--out",
        str(out_dir),
        "--no-progress",
    )
    assert rc == 0, err
    res = json.loads((out_dir / "metrics.json").read_text())
    assert res["stopped_early"] is True
    assert res["epochs_run"] == res["best_epoch"] + 3
    assert "early stopping after epoch" in out
    net = chainrule.load(out_dir / "model.npz")
    ds = load_dataset("iris", seed=0, val_size=0.1, scale="standard")
    best = min(net.history.val_cost)
    assert net.cost(ds.X_val, ds.y_val) == pytest.approx(best, rel=1e-12)  # the best weights


def test_progress_bar_and_quiet(capsys, tmp_path):
    rc, out, err = run_cli(
        capsys, "train", *IRIS_ARGS[:4], "--epochs", "3", "--progress", "--out", str(tmp_path / "a")
    )
    assert rc == 0
    assert "3/3" in err  # tqdm's counter
    rc, out, err = run_cli(capsys, "train", *IRIS_ARGS, "--quiet", "--out", str(tmp_path / "b"))
    assert rc == 0
    assert err == ""
    assert "chainrule" not in out.splitlines()[0]  # no header: the table comes first
    assert "accuracy" in out.splitlines()[0]


def test_divergence_is_a_failure_that_keeps_finite_parameters(capsys, tmp_path):
    out_dir = tmp_path / "div"
    rc, _out, err = run_cli(
        capsys,
        "train",
        "--dataset",
        "diabetes",
        "--optimizer",
        "sgd",
        "--lr",
        "50",
        "--no-scale-target",
        "--epochs",
        "5",
        "--quiet",
        "--out",
        str(out_dir),
    )
    assert rc == 1
    line = one_error_line(err, "train")
    assert "diverged" in line
    net = chainrule.load(out_dir / "model.npz")  # load refuses non-finite arrays
    assert all(np.isfinite(v).all() for v in net.parameters.values())


# -- evaluate and predict ---------------------------------------------------------------------


def test_evaluate_matches_training_metrics(capsys, iris_run):
    out_dir, text = iris_run
    metrics = json.loads(text)["metrics"]
    model = str(out_dir / "model.npz")
    rc, out, err = run_cli(capsys, "evaluate", model)
    assert rc == 0, err
    assert f"accuracy  {metrics['test']['accuracy']:.4f}" in out
    assert f"cost      {metrics['test']['cost']:.4f}" in out
    assert "iris (test split: 30 examples, seed 0)" in out


@pytest.mark.parametrize(("split", "part"), [("val", "validation"), ("train", "train")])
def test_evaluate_each_split_matches_training_metrics(capsys, iris_run, split, part):
    out_dir, text = iris_run
    metrics = json.loads(text)["metrics"]
    res = evaluate_json(capsys, out_dir / "model.npz", "--split", split)
    assert res["accuracy"] == metrics[part]["accuracy"]
    assert res["cost"] == pytest.approx(metrics[part]["cost"], rel=1e-12)


def test_evaluate_on_a_labelled_file_uses_indices_when_names_differ(capsys, iris_run, tmp_path):
    out_dir, _ = iris_run
    net = chainrule.load(out_dir / "model.npz")
    raw = load_dataset("iris", seed=0, scale="none")  # all 150 examples across the parts
    X_rows = np.vstack([raw.X_train.T, raw.X_test.T])
    y = np.concatenate([raw.y_train, raw.y_test])
    np.savez(tmp_path / "all.npz", X=X_rows, y=y)
    res = evaluate_json(capsys, out_dir / "model.npz", "--dataset", str(tmp_path / "all.npz"))
    pre = net.metadata["preprocessing"]
    Xs = (X_rows.T - np.array(pre["mean"])[:, None]) / np.array(pre["std"])[:, None]
    assert res["m"] == 150
    assert res["accuracy"] == pytest.approx(np.mean(net.predict(Xs) == y), abs=1e-12)
    # the same examples with their labels as class names map to the same indices
    names = np.array(net.metadata["class_names"])[y]
    np.savez(tmp_path / "named.npz", X=X_rows, y=names)
    named_res = evaluate_json(
        capsys, out_dir / "model.npz", "--dataset", str(tmp_path / "named.npz")
    )
    assert named_res["accuracy"] == res["accuracy"]
    # labels that are neither class names nor class indices are refused, naming them
    np.savez(tmp_path / "alien.npz", X=X_rows[:2], y=np.array(["setosa", "rose"]))
    rc, _out, err = run_cli(
        capsys, "evaluate", str(out_dir / "model.npz"), "--dataset", str(tmp_path / "alien.npz")
    )
    assert rc == 1
    assert "['rose'] are not classes of this model" in one_error_line(err, "evaluate")


def test_predict_matches_network_on_loader_scaling(capsys, iris_run, tmp_path):
    out_dir, _ = iris_run
    net = chainrule.load(out_dir / "model.npz")
    raw = load_dataset("iris", seed=0, val_size=0.1, scale="none")
    scaled = load_dataset("iris", seed=0, val_size=0.1, scale="standard")
    path = tmp_path / "x.csv"
    np.savetxt(path, raw.X_test.T, delimiter=",", header="a,b,c,d", comments="")
    rc, out, err = run_cli(capsys, "predict", str(out_dir / "model.npz"), str(path), "--proba")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "class,label,p_setosa,p_versicolor,p_virginica"
    rows = [line.split(",") for line in lines[1:]]
    assert_array_equal([int(r[0]) for r in rows], net.predict(scaled.X_test))
    P = np.array([[float(v) for v in r[2:]] for r in rows])
    assert_allclose(P.T, net.forward(scaled.X_test), rtol=1e-5, atol=1e-9)
    assert_allclose(P.sum(axis=1), 1, atol=1e-5)
    # written atomically to --output; the same CSV
    target = tmp_path / "pred.csv"
    target.write_text("old content\n")
    rc, out2, err = run_cli(
        capsys, "predict", str(out_dir / "model.npz"), str(path), "--proba", "-o", str(target)
    )
    assert rc == 0
    assert out2 == ""
    assert target.read_text() == out
    assert "wrote 30 predictions" in err


# -- errors -----------------------------------------------------------------------------------

Builder = Callable[[Path, Path], list[str]]


def _corrupt(tmp: Path, model: Path) -> list[str]:
    bad = tmp / "corrupt.npz"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    return ["evaluate", str(bad)]


def _truncated(tmp: Path, model: Path) -> list[str]:
    data = model.read_bytes()
    bad = tmp / "truncated.npz"
    bad.write_bytes(data[: len(data) // 2])
    return ["predict", str(bad), str(model)]


def _wrong_features(tmp: Path, model: Path) -> list[str]:
    path = tmp / "five.csv"
    np.savetxt(path, np.ones((3, 5)), delimiter=",")
    return ["predict", str(model), str(path)]


def _nan_input(tmp: Path, model: Path) -> list[str]:
    path = tmp / "nan.csv"
    path.write_text("1,2,3,4\n1,nan,3,4\n")
    return ["predict", str(model), str(path)]


def _text_input(tmp: Path, model: Path) -> list[str]:
    path = tmp / "words.csv"
    path.write_text("a,b,c,d\n1,2,x,4\n")
    return ["predict", str(model), str(path)]


def _bad_suffix(tmp: Path, model: Path) -> list[str]:
    path = tmp / "x.txt"
    path.write_text("1,2,3,4\n")
    return ["predict", str(model), str(path)]


ERRORS: list[tuple[str, Builder, int, str]] = [
    ("unknown dataset", lambda t, m: ["train", "--dataset", "nope"], 2, "unknown data set 'nope'"),
    ("missing data file", lambda t, m: ["train", "--dataset", str(t / "no.csv")], 1, "not found"),
    ("bad hidden layers", lambda t, m: ["train", "--hidden-layers", "12,x"], 2, "--hidden-layers"),
    ("zero layer size", lambda t, m: ["train", "--hidden-layers", "8,0"], 2, "must be >= 1"),
    ("negative lr", lambda t, m: ["train", "--lr", "-1"], 2, "must be a number > 0"),
    ("zero epochs", lambda t, m: ["train", "--epochs", "0"], 2, "--epochs"),
    ("bad batch size", lambda t, m: ["train", "--batch-size", "-3"], 2, "--batch-size"),
    ("dropout 1.5", lambda t, m: ["train", "--dropout", "1.5"], 2, "fraction in [0, 1)"),
    ("dropout per layer", lambda t, m: ["train", "--dropout", "0.1,0.2"], 2, "2 rates"),
    ("nan lr", lambda t, m: ["train", "--lr", "nan"], 2, "finite"),
    ("unknown optimizer", lambda t, m: ["train", "--optimizer", "adamw"], 2, "invalid choice"),
    ("patience alone", lambda t, m: ["train", "--patience", "3"], 2, "--early-stopping"),
    ("schedule w/o decay", lambda t, m: ["train", "--lr-schedule", "inverse_time"], 2, "--decay"),
    ("decay w/o schedule", lambda t, m: ["train", "--decay", "0.1"], 2, "--lr-schedule"),
    (
        "exp decay > 1",
        lambda t, m: ["train", "--lr-schedule", "exponential", "--decay", "2"],
        2,
        "(0, 1]",
    ),
    (
        "bce + identity",
        lambda t, m: ["train", "--loss", "bce", "--output", "identity"],
        2,
        "needs outputs in (0, 1)",
    ),
    (
        "cce on regression",
        lambda t, m: ["train", "--dataset", "diabetes", "--loss", "cce"],
        2,
        "regression",
    ),
    ("quiet + progress", lambda t, m: ["train", "--quiet", "--progress"], 2, "contradict"),
    ("task on a bundled set", lambda t, m: ["train", "--task", "binary"], 2, ".csv/.npz"),
    (
        "fractions",
        lambda t, m: ["train", "--test-fraction", "0.5", "--val-fraction", "0.5"],
        2,
        "sum must be below 1",
    ),
    ("out is a file", lambda t, m: ["train", "--out", str(m)], 2, "not a folder"),
    ("missing model", lambda t, m: ["evaluate", str(t / "nope.npz")], 1, "does not exist"),
    ("corrupt model", _corrupt, 1, "corrupt.npz"),
    ("truncated model", _truncated, 1, "truncated.npz"),
    (
        "wrong feature count",
        _wrong_features,
        1,
        "has 5 features (columns) per example but the model expects 4",
    ),
    ("nan in input", _nan_input, 1, "non-finite"),
    ("text in input", _text_input, 1, "words.csv"),
    ("unsupported input", _bad_suffix, 1, "unsupported file type"),
    ("missing input", lambda t, m: ["predict", str(m), str(t / "none.csv")], 1, "not found"),
    ("bad split", lambda t, m: ["evaluate", str(m), "--split", "everything"], 2, "invalid choice"),
    ("split and all", lambda t, m: ["evaluate", str(m), "--split", "val", "--all"], 2, "--all"),
    (
        "bundled set with other features",
        lambda t, m: ["evaluate", str(m), "--dataset", "digits"],
        1,
        "the data set 'digits' has 64 features but the model expects 4",
    ),
    (
        "split of a file",
        lambda t, m: [
            "evaluate",
            str(m),
            "--dataset",
            str(m.with_suffix(".csv")),
            "--split",
            "test",
        ],
        2,
        "--split",
    ),
    ("missing arguments", lambda t, m: ["predict"], 2, "required"),
    ("unknown option", lambda t, m: ["train", "--layers", "3"], 2, "unrecognized arguments"),
]


@pytest.mark.parametrize(("case", "build", "code", "fragment"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_exit_code_and_one_line(capsys, iris_run, tmp_path, case, build, code, fragment):
    model = iris_run[0] / "model.npz"
    argv = build(tmp_path, model)
    before = sorted(p.name for p in tmp_path.iterdir())
    if argv[0] == "train" and case != "out is a file":
        argv += ["--out", str(tmp_path / "never")]
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        rc = exc.code
    out, err = capsys.readouterr()
    assert rc == code, (out, err)
    line = one_error_line(err, argv[0])
    assert fragment in line
    assert not (tmp_path / "never").exists()  # usage errors stop before anything is written
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# -- evaluate on the file a model was trained on (review item 6) --------------------------------


@pytest.fixture(scope="module")
def file_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A regression model trained on a CSV file (200 rows, default 70/10/20 split)."""
    tmp = tmp_path_factory.mktemp("file")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, 2.0, -1.0] + 0.5 * rng.normal(size=200)
    path = tmp / "reg.csv"
    np.savetxt(path, np.c_[X, y], delimiter=",", header="a,b,c,t", comments="")
    out = tmp / "run"
    argv = ["train", "--dataset", str(path), "--hidden-layers", "8", "--epochs", "5"]
    assert main([*argv, "--out", str(out), "--quiet", "--no-plot"]) == 0
    return out / "model.npz", path


def test_evaluate_a_file_model_scores_the_test_split_it_was_trained_with(capsys, file_run):
    model, path = file_run
    metrics = json.loads((model.parent / "metrics.json").read_text())["metrics"]
    rc, out, err = run_cli(capsys, "evaluate", str(model))
    assert rc == 0, err
    assert f"{path} (test split: 40 examples, seed 0)" in flat(out)
    assert "the split train made: test fraction 0.2, validation fraction 0.1, seed 0" in flat(out)
    assert f"mse       {metrics['test']['mse']:.4f}" in out
    # naming the same file (another spelling of its path) is the same data: the same split
    rel = os.path.relpath(path)
    res = evaluate_json(capsys, model, "--dataset", rel)
    assert res["mse"] == pytest.approx(metrics["test"]["mse"], rel=1e-12)


@pytest.mark.parametrize(("split", "part"), [("test", "test"), ("val", "validation"),
                                             ("train", "train")])  # fmt: skip
def test_evaluate_a_file_model_scores_each_split_it_was_trained_with(capsys, file_run, split, part):
    model, _ = file_run
    metrics = json.loads((model.parent / "metrics.json").read_text())["metrics"]
    res = evaluate_json(capsys, model, "--split", split)
    assert res["split"] == split
    assert res["m"] == metrics[part]["m"]
    assert res["mse"] == pytest.approx(metrics[part]["mse"], rel=1e-12)
    assert res["cost"] == pytest.approx(metrics[part]["cost"], rel=1e-12)


def test_evaluate_all_and_another_file_score_every_row(capsys, file_run, tmp_path):
    model, path = file_run
    net = chainrule.load(model)
    rows = np.loadtxt(path, delimiter=",", skiprows=1)
    pre, ts = net.metadata["preprocessing"], net.metadata["target_scaling"]
    Xs = (rows[:, :3].T - np.array(pre["mean"])[:, None]) / np.array(pre["std"])[:, None]
    pred = net.forward(Xs)[0] * ts["std"][0] + ts["mean"][0]
    mse = np.mean((pred - rows[:, 3]) ** 2)  # the oracle: every row of the file, by hand
    rc, out, err = run_cli(capsys, "evaluate", str(model), "--all")
    assert rc == 0, err
    assert "(whole file: 200 examples, training examples included)" in flat(out)
    res = evaluate_json(capsys, model, "--all")
    assert (res["split"], res["m"]) == ("all", 200)
    assert res["mse"] == pytest.approx(mse, rel=1e-10)
    copy = tmp_path / "copy.csv"
    shutil.copy(path, copy)  # another file: new data, scored whole
    res = evaluate_json(capsys, model, "--dataset", str(copy))
    assert (res["split"], res["m"]) == ("file", 200)
    assert res["mse"] == pytest.approx(mse, rel=1e-10)
    rc, out, err = run_cli(capsys, "evaluate", str(model), "--dataset", str(copy), "--split", "val")
    assert rc == 2
    assert "is another file and is evaluated whole" in one_error_line(err, "evaluate")
    rc, out, err = run_cli(capsys, "evaluate", str(model), "--target-column", "0")
    assert rc == 2
    assert "label column stored in the model file" in one_error_line(err, "evaluate")


def test_evaluate_another_csv_reads_the_models_label_column(capsys, tmp_path):
    """A model trained with --target-column reads another file's labels from that column."""
    rng = np.random.default_rng(3)
    names = np.array(["ant", "bee"])[np.arange(60) % 2]
    X = np.where((names == "ant")[:, None], -2.0, 2.0) + 0.5 * rng.normal(size=(60, 2))
    body = "".join(f"{n},{a},{b}\n" for n, (a, b) in zip(names, X, strict=True))
    train, other = tmp_path / "train.csv", tmp_path / "other.csv"
    train.write_text("species,x1,x2\n" + body)  # the label is the FIRST column
    other.write_text("species,x1,x2\n" + body[: body.index("\n", 200) + 1])
    argv = ["--dataset", str(train), "--target-column", "species", "--epochs", "3"]
    model = train_ok(capsys, tmp_path / "run", *argv, "--quiet", "--no-plot")
    m_other = len(other.read_text().splitlines()) - 1
    res = evaluate_json(capsys, model, "--dataset", str(other))
    assert (res["split"], res["m"]) == ("file", m_other)
    # the same as naming the column: the stored one is the default
    named = evaluate_json(capsys, model, "--dataset", str(other), "--target-column", "species")
    assert named["accuracy"] == res["accuracy"]


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (
            ["--output", "sigmoid"],
            "loss binary_crossentropy, output sigmoid (inferred: loss from --output)",
        ),
        (["--loss", "mse"], "loss squared_error, output identity (inferred: output from --loss)"),
        (
            ["--output", "softmax", "--loss", "cce"],
            "loss categorical_crossentropy, output softmax\n",
        ),
    ],
)
def test_train_header_says_what_was_inferred_from_what(capsys, tmp_path, option, said):
    argv = ["train", "--dataset", "iris", "--epochs", "1", "--no-plot", "--no-progress"]
    rc, out, err = run_cli(capsys, *argv, *option, "--out", str(tmp_path / "r"))
    assert rc == 0, err
    if said.endswith("\n"):  # nothing was inferred: the (short) line ends there
        assert said in out
    else:
        assert said in flat(out)
    assert "), 1 epoch, batch 32" in flat(out)  # one epoch, not "1 epochs"
    assert "finished 1 epoch (" in out


def test_predict_with_a_python_saved_model_notes_the_missing_scaling(capsys, tmp_path, iris_run):
    net = chainrule.Network([3, 4, 2], "relu", "softmax", "cce", seed=0)
    model = tmp_path / "py.npz"
    net.save(model)
    rows = tmp_path / "rows.csv"
    np.savetxt(rows, np.arange(6.0).reshape(2, 3), delimiter=",")
    rc, out, err = run_cli(capsys, "predict", str(model), str(rows))
    assert rc == 0, err
    assert "stores no input scaling" in err
    assert "used as given" in err
    expected = net.forward(np.arange(6.0).reshape(2, 3).T).argmax(axis=0)
    assert [int(line.split(",")[0]) for line in out.splitlines()[1:]] == expected.tolist()
    # a model written by chainrule train stores its scaling: no note, and the public
    # helper applies it as predict does
    iris_out, _ = iris_run
    raw = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    iris_rows = tmp_path / "iris.csv"
    np.savetxt(iris_rows, raw, delimiter=",")
    rc, out, err = run_cli(
        capsys, "predict", str(iris_out / "model.npz"), str(iris_rows), "--proba"
    )
    assert rc == 0, err
    assert err == ""
    iris_net = chainrule.load(iris_out / "model.npz")
    from chainrule.data import apply_preprocessing

    X = apply_preprocessing(raw.T, iris_net.metadata.get("preprocessing"), iris_net.dtype)
    P = iris_net.forward(X)
    got = np.array([[float(v) for v in line.split(",")[2:]] for line in out.splitlines()[1:]])
    assert_allclose(got, P.T, rtol=1e-5)  # predict prints 6 significant digits


def test_train_header_counts_one_decay_interval_as_one_epoch(capsys, tmp_path):
    argv = ["train", "--dataset", "iris", "--epochs", "2", "--no-plot", "--no-progress"]
    argv += ["--lr-schedule", "stepwise", "--decay", "0.5", "--decay-interval", "1"]
    rc, out, err = run_cli(capsys, *argv, "--out", str(tmp_path / "r"))
    assert rc == 0, err
    assert "stepwise, decay 0.5 every 1 epoch), 2 epochs," in out


# -- text class labels, data-file messages (review items 10, 5) ---------------------------------


def test_data_file_errors_name_the_file_and_the_entry(capsys, tmp_path):
    """A NaN in a training CSV, and X/y of different lengths given to evaluate."""
    rng = np.random.default_rng(0)
    rows = np.c_[rng.normal(size=(30, 3)), np.arange(30) % 2]
    rows[5, 1] = np.nan
    bad = tmp_path / "holes.csv"
    np.savetxt(bad, rows, delimiter=",")
    rc, _, err = run_cli(capsys, "train", "--dataset", str(bad), "--out", str(tmp_path / "a"))
    assert rc == 1
    msg = one_error_line(err, "train")
    assert f"{bad}: X contains 1 NaN or infinite value(s)" in msg
    assert "example (row) 5, column 1" in msg

    good = tmp_path / "good.npz"
    np.savez(good, X=np.nan_to_num(rows[:, :3]), y=rows[:, 3].astype(int))
    train_ok(
        capsys, tmp_path / "run", "--dataset", str(good), "--epochs", "1", "--no-plot", "--quiet"
    )
    short = tmp_path / "short.npz"
    np.savez(short, X=np.zeros((10, 3)), y=rows[:, 3].astype(int))
    model = str(tmp_path / "run" / "model.npz")
    rc, _, err = run_cli(capsys, "evaluate", model, "--dataset", str(short))
    assert rc == 1
    msg = one_error_line(err, "evaluate")
    assert f"{short}: X has 10 examples (rows) but y has 30" in msg

    # a NaN label: named with its file and row, in train and in evaluate
    labels = tmp_path / "labels.csv"
    reg = np.c_[rng.normal(size=(30, 3)), rng.normal(size=30)]
    reg[7, 3] = np.nan
    np.savetxt(labels, reg, delimiter=",")
    rc, _, err = run_cli(capsys, "train", "--dataset", str(labels), "--out", str(tmp_path / "b"))
    assert rc == 1
    assert f"{labels}: y contains a NaN or infinite label, the first in example (row) 7" in (
        one_error_line(err, "train")
    )
    nan_y = tmp_path / "nan_y.npz"
    np.savez(nan_y, X=np.zeros((30, 3)), y=np.where(np.arange(30) == 4, np.nan, 1.0))
    rc, _, err = run_cli(capsys, "evaluate", model, "--dataset", str(nan_y))
    assert rc == 1
    assert f"{nan_y}: non-finite label nan in example (row) 4" in one_error_line(err, "evaluate")


def test_csv_with_text_class_labels_trains_predicts_and_evaluates(capsys, tmp_path):
    rng = np.random.default_rng(1)
    centres = {"cat": (0.0, 3.0), "dog": (3.0, 0.0), "eel": (-3.0, -3.0)}
    names = np.array(list(centres))[np.arange(90) % 3]
    X = np.array([centres[n] for n in names]) + 0.5 * rng.normal(size=(90, 2))
    path = tmp_path / "animals.csv"
    body = "".join(f"{a},{b},{n}\n" for (a, b), n in zip(X, names, strict=True))
    path.write_text("x1,x2,species\n" + body)
    out_dir = tmp_path / "run"
    argv = [
        "train",
        "--dataset",
        str(path),
        "--hidden-layers",
        "8",
        "--epochs",
        "60",
        "--lr",
        "0.03",
    ]
    rc, out, err = run_cli(capsys, *argv, "--out", str(out_dir), "--no-progress", "--no-plot")
    assert rc == 0, err
    assert "multiclass (3 classes)" in out
    net = chainrule.load(out_dir / "model.npz")
    assert net.metadata["class_names"] == ["cat", "dog", "eel"]
    test_acc = json.loads((out_dir / "metrics.json").read_text())["metrics"]["test"]["accuracy"]
    assert test_acc > 0.9  # well-separated blobs
    # predict (dropping the label column by name) prints the names; they match the file
    rc, out, err = run_cli(
        capsys, "predict", str(out_dir / "model.npz"), str(path), "--target-column", "species"
    )
    assert rc == 0, err
    predicted = [line.split(",")[1] for line in out.splitlines()[1:]]
    assert np.mean(np.array(predicted) == names) > 0.9
    # evaluate: the stored split; another file with the same names: labels mapped by name
    assert evaluate_json(capsys, out_dir / "model.npz")["accuracy"] == test_acc
    other = tmp_path / "other.csv"
    other.write_text("x1,x2,species\n" + body)
    res = evaluate_json(capsys, out_dir / "model.npz", "--dataset", str(other))
    assert res["accuracy"] == pytest.approx(np.mean(np.array(predicted) == names))
    # a label column left in the input of predict: named, with the option to drop it
    rc, out, err = run_cli(capsys, "predict", str(out_dir / "model.npz"), str(path))
    assert rc == 1
    line = one_error_line(err, "predict")
    assert "column 'species' (index 2): 'cat' is not a number" in line
    assert "--target-column" in line


def _csv(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


FILE_MESSAGES = [
    ("empty", "", ["train"], "no data rows (the file is empty)"),
    ("header only", "x1,x2,y\n", ["train"], "the only row, 'x1,x2,y', has no numbers"),
    ("ragged", "a,b,c\n1,2,3\n4,5\n", ["train"], "line 3: 2 comma-separated values"),
    (
        "continuous as binary",
        "".join(f"{k},{k * 0.37}\n" for k in range(20)),
        ["train", "--task", "binary"],
        "--task regression on the command line",
    ),
    (
        "names as regression",
        "".join(f"{k},{'ab'[k % 2]}\n" for k in range(20)),
        ["train", "--task", "regression"],
        "--task regression on the command line) needs numeric targets",
    ),
    ("predict empty", "", ["predict"], "no data rows (the file is empty)"),
    ("predict header only", "a,b,c,d\n", ["predict"], "the only row, 'a,b,c,d', has no numbers"),
    ("predict text row", "a,a,a,a\n", ["predict"], "so it was read as the header row"),
]


@pytest.mark.parametrize(
    ("case", "text", "argv", "fragment"), FILE_MESSAGES, ids=[c[0] for c in FILE_MESSAGES]
)
def test_data_file_errors_are_one_line_in_our_words(
    capsys, iris_run, tmp_path, case, text, argv, fragment
):
    path = _csv(tmp_path, "f.csv", text)
    model = str(iris_run[0] / "model.npz")
    if argv[0] == "train":
        full = [*argv, "--dataset", str(path), "--out", str(tmp_path / "o"), "--quiet"]
    else:
        full = ["predict", model, str(path)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's loadtxt warning would surface here
        rc, _out, err = run_cli(capsys, *full)
    assert rc == 1
    line = one_error_line(err, argv[0])
    assert fragment in line
    assert "usecols" not in line
    assert "task='regression' (" in line or "task=" not in line


def test_empty_csv_prints_no_numpy_warning_in_a_real_process(tmp_path):
    """Review item 5, as the user saw it: stderr had loadtxt's UserWarning and its source line."""
    path = _csv(tmp_path, "empty.csv", "")
    proc = run_process(tmp_path, "train", "--dataset", str(path), "--quiet")
    assert proc.returncode == 1
    assert proc.stderr == f"chainrule train: error: {path}: no data rows (the file is empty)\n"


# -- every sub-command: usage errors are one line (review item 4) -------------------------------

USAGE_ERRORS = [
    (["gradcheck", "--convention", "bogus"], "argument --convention: invalid choice: 'bogus'"),
    (["explain", "--format", "html"], "argument --format: invalid choice: 'html'"),
    (["course", "dog"], "argument RUN: invalid choice: 'dog'"),
    (["course", "cat", "--model", "bogus"], "argument --model: invalid choice: 'bogus'"),
    (["nielsen", "ch2"], "argument recipe: invalid choice: 'ch2'"),
    (["derive", "--bogus"], "unrecognized arguments: --bogus"),
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["evaluate"], "the following arguments are required: MODEL"),
    (["predict", "m.npz", "x.csv", "--proba", "yes"], "unrecognized arguments: yes"),
]


@pytest.mark.parametrize(
    "argv", [u[0] for u in USAGE_ERRORS], ids=[" ".join(u[0]) for u in USAGE_ERRORS]
)
def test_usage_errors_of_every_command_are_one_line(capsys, argv):
    message = {tuple(a): m for a, m in USAGE_ERRORS}[tuple(argv)]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    line = one_error_line(err, argv[0])
    assert line.startswith(f"chainrule {argv[0]}: error: {message}")
    assert line.endswith(f"(see 'chainrule {argv[0]} --help')")


BAD_VALUES = [
    (["train", "--epochs", "0"], "--epochs must be a positive integer, got 0"),
    (["train", "--test-fraction", "1"], "--test-fraction must be a fraction in (0, 1), got 1.0"),
    (["train", "--seed", "-1"], "--seed must be >= 0, got -1"),
    (["train", "--threads", "two"], "--threads must be an integer, got 'two'"),
    (["gradcheck", "--layers", "3,4,1", "--worst", "-1"], "--worst must be >= 0, got -1"),
    (["gradcheck", "--layers", "3,4,1", "--epsilon", "inf"], "--epsilon must be a finite number"),
    (["explain", "--layers", "3,4,1", "--dropout", "1"], "--dropout must be a fraction in [0, 1)"),
    (["nielsen", "ch1", "--eta", "0"], "--eta must be a number > 0, got 0.0"),
    (["nielsen", "ch1", "--lmbda", "-1"], "--lmbda must be a number >= 0, got -1.0"),
    (["check", "f.py", "--seed", "-2"], "--seed must be >= 0, got -2"),
]


@pytest.mark.parametrize(
    "argv", [b[0] for b in BAD_VALUES], ids=[" ".join(b[0]) for b in BAD_VALUES]
)
def test_a_bad_option_value_names_the_option_and_exits_2(capsys, argv):
    """One style for every command: the value is refused while parsing, naming its option."""
    message = {tuple(a): m for a, m in BAD_VALUES}[tuple(argv)]
    rc, out, err = run_cli(capsys, *argv)
    assert rc == 2
    assert out == ""
    line = one_error_line(err, argv[0])
    assert line.startswith(f"chainrule {argv[0]}: error: {message}")
    assert line.endswith(f"(see 'chainrule {argv[0]} --help')")


def _commands() -> list[str]:
    from chainrule.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _commands())
def test_an_unknown_option_names_its_command(capsys, command):
    """Every registered sub-command (new ones too) answers one line that names it."""
    with pytest.raises(SystemExit) as exc:
        main([command, "--no-such-option"])
    assert exc.value.code == 2
    line = one_error_line(capsys.readouterr().err, command)
    assert "usage:" not in line


def test_predict_proba_of_a_regression_model_is_a_usage_error(capsys, tmp_path):
    argv = ["--dataset", "diabetes", "--epochs", "1", "--hidden-layers", "4", "--quiet"]
    model = train_ok(capsys, tmp_path / "reg", *argv)
    np.savetxt(tmp_path / "x.csv", np.zeros((2, 10)), delimiter=",")
    rc, _out, err = run_cli(capsys, "predict", str(model), str(tmp_path / "x.csv"), "--proba")
    assert rc == 2
    assert "--proba needs a classifier" in one_error_line(err, "predict")


@pytest.mark.parametrize("command", ["train", "evaluate", "predict"])
def test_help_exits_zero(capsys, command):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: chainrule {command}")
    assert "Exit codes: 0 success, 2 usage error, 1 other failure" in out


def test_top_level_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("train", "evaluate", "predict"):
        assert re.search(rf"^\s+{command}\s", out, flags=re.M), out


# -- real processes ---------------------------------------------------------------------------


@pytest.mark.slow
def test_python_dash_m_train_subprocess(tmp_path):
    out_dir = tmp_path / "run"
    proc = run_process(tmp_path, "train", "--epochs", "2", "--out", str(out_dir))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert wrote_folder(proc.stdout) == out_dir
    assert "training" not in proc.stderr  # not a terminal: no progress bar
    for name in ("model.npz", "metrics.json", "learning_curve.png"):
        assert (out_dir / name).stat().st_size > 0
    assert chainrule.load(out_dir / "model.npz").layer_dims == [64, 256, 10]


@pytest.mark.slow
def test_console_script_subprocess(tmp_path):
    exe = shutil.which("chainrule")
    if exe is None:
        pytest.skip("the 'chainrule' console script is not on PATH (pip install -e . installs it)")
    proc = run_process(tmp_path, "train", "--dataset", "iris", "--epochs", "2", "--quiet",
                       "--out", "r", exe=exe)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "r" / "model.npz").is_file()
    proc = run_process(tmp_path, "evaluate", "r/model.npz", "--dataset", "nope", exe=exe)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


def test_an_unknown_top_level_command_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "invalid choice: 'bogus'" in err
    assert "Traceback" not in err
