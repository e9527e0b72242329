"""The cat-vs-non-cat application of the course, reproduced with chainrule.stepwise.

The published numbers of "Deep Neural Network - Application" (course 1, week 4):

==================  ===================  =====================  ==================
model               cost at iteration 0  train                  test
==================  ===================  =====================  ==================
(12288, 7, 1)       0.693049735659989    209/209 (1.0)          36/50 (0.72)
[12288,20,7,5,1]    0.7717493284237686   206/209, printed as    40/50 (0.8)
                                         0.9856459330143539
==================  ===================  =====================  ==================

(The notebook's ``predict`` prints np.sum((p == y) / m), a sum of m terms 1/m:
206 of 209 prints 0.9856459330143539 where 206/209 is 0.9856459330143541, and
209 of 209 prints 0.9999999999999998.)

Each reproduction is 2500 full-batch iterations over X of shape (12288, 209);
they run with one BLAS thread, which on a shared 2-core machine is the fast
and predictable choice (a second, oversubscribed thread made them ~4× slower).
Skipped, with the reason, when ``../shared/data/catvnoncat`` is absent.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from chainrule import stepwise as sw
from chainrule.cli import main
from chainrule.stepwise.application import _course_accuracy

DATA = pytest.mark.data("catvnoncat")


@pytest.fixture(scope="module")
def cat() -> dict[str, np.ndarray]:
    from chainrule.data import DATA_ENV_VAR, default_data_dir

    folder = default_data_dir() / "catvnoncat"
    if not folder.is_dir():
        pytest.skip(
            f"cat-vs-non-cat data not found at {folder}; set {DATA_ENV_VAR} to the folder "
            "that holds catvnoncat/"
        )
    train_x_orig, train_y, test_x_orig, test_y, classes = sw.load_data(folder)
    return {
        "train_x_orig": train_x_orig,
        "train_x": sw.flatten_images(train_x_orig),
        "train_y": train_y,
        "test_x": sw.flatten_images(test_x_orig),
        "test_y": test_y,
        "classes": classes,
    }


@DATA
def test_load_data_gives_the_course_arrays(cat):
    assert cat["train_x_orig"].shape == (209, 64, 64, 3)
    assert cat["train_x_orig"].dtype == np.uint8
    assert cat["train_y"].shape == (1, 209)
    assert int(cat["train_y"].sum()) == 72
    assert cat["test_y"].shape == (1, 50)
    assert int(cat["test_y"].sum()) == 33
    assert [c.decode() for c in cat["classes"]] == ["non-cat", "cat"]
    assert cat["train_x"].shape == (12288, 209)
    assert cat["test_x"].shape == (12288, 50)
    # the course's flatten-and-scale: column j is image j, row-major (row, column, channel)
    np.testing.assert_array_equal(
        cat["train_x"][:, 25], cat["train_x_orig"][25].reshape(-1) / 255.0
    )
    assert cat["train_x"].min() >= 0.0
    assert cat["train_x"].max() <= 1.0


def _accuracies(cat, parameters, capsys):
    out = {}
    for part in ("train", "test"):
        X, y = cat[f"{part}_x"], cat[f"{part}_y"]
        p = sw.predict(X, y, parameters)
        printed = capsys.readouterr().out
        assert printed == f"Accuracy: {_course_accuracy(p, y)}\n"
        out[part] = (round(sw.accuracy(p, y) * y.size), float(printed.split(": ")[1]))
    return out


@DATA
@pytest.mark.slow
def test_two_layer_model_reproduces_the_course(cat, capsys):
    with threadpool_limits(limits=1, user_api="blas"):
        parameters, costs = sw.two_layer_model(
            cat["train_x"], cat["train_y"], (12288, 7, 1), num_iterations=2500, print_cost=True
        )
        lines = capsys.readouterr().out.splitlines()
        acc = _accuracies(cat, parameters, capsys)
    assert float(costs[0]) == pytest.approx(0.693049735659989, rel=1e-12)
    assert lines[0].startswith("Cost after iteration 0: 0.69304973565998")
    assert lines[-1].startswith("Cost after iteration 2499: ")
    assert len(costs) == 25
    assert len(lines) == 26
    assert costs[-1] < 0.05 < costs[0]
    assert acc["train"] == (209, 0.9999999999999998)  # 1.0 exactly: 209 of 209
    assert acc["test"] == (36, 0.72)


@DATA
@pytest.mark.slow
def test_four_layer_model_reproduces_the_course(cat, capsys):
    with threadpool_limits(limits=1, user_api="blas"):
        parameters, costs = sw.L_layer_model(
            cat["train_x"], cat["train_y"], [12288, 20, 7, 5, 1], num_iterations=2500
        )
        acc = _accuracies(cat, parameters, capsys)
    assert float(costs[0]) == pytest.approx(0.7717493284237686, rel=1e-12)
    assert len(costs) == 25
    assert costs[-1] < 0.1 < costs[0]
    assert acc["train"] == (206, 0.9856459330143539)
    assert acc["test"] == (40, 0.8)


# --------------------------------------------------------------------------------------
# chainrule course cat
# --------------------------------------------------------------------------------------


@DATA
def test_cli_prints_the_trace_and_writes_plot_and_results(cat, tmp_path, capsys):
    from chainrule.data import default_data_dir

    out = tmp_path / "run"
    code = main(
        [
            "course",
            "cat",
            "--data",
            str(default_data_dir()),
            "--model",
            "two-layer",
            "--iterations",
            "101",
            "--out",
            str(out),
            "--threads",
            "1",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "Cost after iteration 0: 0.69304973565998" in text
    assert "Cost after iteration 100: " in text
    assert "four-layer" not in text
    results = json.loads((out / "results.json").read_text())
    two = results["models"]["two-layer"]
    assert two["layers_dims"] == [12288, 7, 1]
    assert two["costs_every_100"][0] == pytest.approx(0.693049735659989, rel=1e-12)
    assert len(two["costs_every_100"]) == 2
    for part, m in (("train", 209), ("test", 50)):
        rec = two[part]
        assert rec["m"] == m
        assert rec["accuracy"] == rec["correct"] / m
        assert (
            f"{part:<5} Accuracy: {rec['printed_accuracy']}  ({rec['correct']}/{m} correct)" in text
        )
    png = (out / "two_layer_costs.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_without_the_data_files_says_which_file_and_where(tmp_path, capsys):
    code = main(["course", "cat", "--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("chainrule course: error: train_catvnoncat.h5 not found in ")
    assert str(tmp_path) in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--iterations", "0"], "--iterations must be a positive integer, got 0"),
        (["--learning-rate", "-0.1"], "--learning-rate must be a finite number > 0"),
        (["--threads", "-1"], "--threads must be >= 0, got -1"),
    ],
)
def test_cli_usage_errors(args, message, capsys):
    assert main(["course", "cat", *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["course", "dog"], "argument RUN: invalid choice: 'dog'"),
        (["course", "cat", "--model", "bogus"], "argument --model: invalid choice: 'bogus'"),
        (["course", "cat", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_cli_argparse_errors_are_one_line(argv, message, capsys):
    """argparse's own errors: one line naming the command, not the usage block (review item 4)."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"chainrule course: error: {message}"), err
