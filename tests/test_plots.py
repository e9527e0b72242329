"""Learning-curve figures: what is drawn is exactly the History, files are whole images."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import chainrule
from chainrule.plots import plot_costs, plot_history, save_figure
from chainrule.training import History

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def history(n: int = 12, *, val: bool = True, regression: bool = False) -> History:
    e = np.arange(1, n + 1)
    acc = [math.nan] * n if regression else list(1 - 0.5 / e)
    return History(
        epoch=e.tolist(),
        train_cost=list(2.0 / e),
        train_accuracy=acc,
        val_cost=list(2.5 / e + 0.01 * e) if val else [],
        val_accuracy=(list(0.9 - 0.5 / e) if not regression else [math.nan] * n) if val else [],
        learning_rate=[0.01] * n,
    )


def lines(ax) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {
        ln.get_label().split(" (")[0]: (np.asarray(ln.get_xdata()), np.asarray(ln.get_ydata()))
        for ln in ax.get_lines()
    }


def test_two_panels_hold_exactly_the_history():
    h = history()
    fig = plot_history(h, title="iris")
    cost_ax, acc_ax = fig.axes
    assert cost_ax.get_ylabel() == "cost J"
    assert acc_ax.get_ylabel() == "accuracy"
    assert cost_ax.get_xlabel() == acc_ax.get_xlabel() == "epoch"
    c = lines(cost_ax)
    assert set(c) == {"train", "validation"}
    assert_array_equal(c["train"][0], h.epoch)
    assert_array_equal(c["train"][1], h.train_cost)
    assert_array_equal(c["validation"][1], h.val_cost)
    a = lines(acc_ax)
    assert_array_equal(a["train"][1], h.train_accuracy)
    assert_array_equal(a["validation"][1], h.val_accuracy)
    best = max(h.val_accuracy)
    assert any(f"best {best:.4f}" in ln.get_label() for ln in acc_ax.get_lines())
    assert fig._suptitle is not None
    assert fig._suptitle.get_text() == "iris"


def test_without_validation_only_training_curves():
    fig = plot_history(history(val=False))
    for ax in fig.axes:
        assert set(lines(ax)) == {"train"}


def test_regression_has_no_accuracy_panel():
    fig = plot_history(history(regression=True))
    assert len(fig.axes) == 1
    assert fig.axes[0].get_ylabel() == "cost J"
    assert set(lines(fig.axes[0])) == {"train", "validation"}


def test_dict_input_draws_the_same_figure():
    h = history()
    a, b = plot_history(h), plot_history(h.to_dict())
    for ax_a, ax_b in zip(a.axes, b.axes, strict=True):
        la, lb = lines(ax_a), lines(ax_b)
        assert la.keys() == lb.keys()
        for k in la:
            assert_array_equal(la[k][1], lb[k][1])


def test_early_stopping_marks_the_kept_epoch_and_says_why():
    h = history()
    h.best_epoch, h.stopped_early = 9, True
    h.message = (
        "early stopping after epoch 12: no improvement for 3 epochs; restored the parameters "
        "of epoch 9"
    )
    fig = plot_history(h, title="run")
    for ax in fig.axes:
        marks = [ln for ln in ax.get_lines() if ln.get_label() == "kept epoch 9 (restored)"]
        assert len(marks) == 1
        assert_array_equal(marks[0].get_xdata(), [9, 9])
    assert " ".join(fig._suptitle.get_text().split()) == f"run {h.message}"  # (wrapped)


def test_log_scale_only_when_costs_span_orders_of_magnitude():
    wide = history(40)
    wide.train_cost = list(np.geomspace(2.0, 0.001, 40))
    assert plot_history(wide).axes[0].get_yscale() == "log"
    narrow = history(10)
    assert plot_history(narrow).axes[0].get_yscale() == "linear"
    assert plot_history(wide, log_cost=False).axes[0].get_yscale() == "linear"
    assert plot_history(narrow, log_cost=True).axes[0].get_yscale() == "log"
    negative = history(10, regression=True)
    negative.train_cost[0] = -1.0  # cannot be drawn on a log axis
    assert plot_history(negative).axes[0].get_yscale() == "linear"


def test_empty_history_draws_a_placeholder():
    fig = plot_history(History())
    assert len(fig.axes) == 1
    assert any("no completed epoch" in t.get_text() for t in fig.axes[0].texts)


def test_inconsistent_history_is_refused():
    h = history()
    h.train_cost = h.train_cost[:-1]
    with pytest.raises(ValueError, match="12 epochs but 11 training costs"):
        plot_history(h)
    h = history()
    h.val_cost = h.val_cost[:3]
    with pytest.raises(ValueError, match="validation costs"):
        plot_history(h)
    with pytest.raises(TypeError, match="History or a dict"):
        plot_history([1, 2, 3])  # type: ignore[arg-type]


def test_png_written_atomically_and_readable(tmp_path):
    path = tmp_path / "curve.png"
    fig = plot_history(history(), path)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert [p.name for p in tmp_path.iterdir()] == ["curve.png"]  # no temporary file left
    import matplotlib.image

    img = matplotlib.image.imread(path)
    w, h = fig.get_size_inches() * 120
    assert img.shape[:2] == (round(h), round(w))


def test_other_formats_by_suffix(tmp_path):
    fig = plot_costs([0.7, 0.6], 0.01)
    assert save_figure(fig, tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")
    assert save_figure(fig, tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match=r"unsupported image type '\.bmp'"):
        save_figure(fig, tmp_path / "c.bmp")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_figure(fig, tmp_path / "missing" / "c.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pdf", "c.svg"]


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "curve.png"
    path.write_bytes(b"the previous plot")
    fig = plot_history(history())

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_figure(fig, path)
    assert path.read_bytes() == b"the previous plot"
    assert [p.name for p in tmp_path.iterdir()] == ["curve.png"]


def test_no_pyplot_state_and_backend_untouched(tmp_path):
    backend = matplotlib.get_backend()
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    for _ in range(3):
        plot_history(history(), tmp_path / "a.png")
        plot_costs([1.0, 0.5], 0.1, tmp_path / "b.png")
    assert plt.get_fignums() == before  # nothing registered in pyplot: no leak in loops
    assert matplotlib.get_backend() == backend


def test_history_plot_method_delegates(tmp_path):
    h = history()
    fig = h.plot(tmp_path / "h.png", title="t")
    assert (tmp_path / "h.png").read_bytes().startswith(PNG_MAGIC)
    assert_array_equal(lines(fig.axes[0])["train"][1], h.train_cost)


def test_history_from_a_real_fit_plots(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 40))
    y = (X[0] > X[1]).astype(int)
    net = chainrule.Network([2, 4, 1], seed=0)
    h = net.fit(X, y, epochs=5, learning_rate=0.05, validation_fraction=0.25, progress=False)
    fig = plot_history(h, tmp_path / "fit.png")
    assert_array_equal(lines(fig.axes[0])["validation"][1], h.val_cost)


# -- plot_costs ---------------------------------------------------------------------------------


def test_plot_costs_course_figure():
    costs = [0.693, 0.52, 0.41, 0.35]
    fig = plot_costs(costs, 0.0075)
    (ax,) = fig.axes
    ((x, y),) = lines(ax).values()
    assert_array_equal(x, [0, 100, 200, 300])
    assert_array_equal(y, costs)
    assert ax.get_title() == "Learning rate = 0.0075"
    assert ax.get_ylabel() == "cost J"
    assert "every 100" in ax.get_xlabel()


def test_plot_costs_every_and_course_shapes(tmp_path):
    costs = [np.array([[0.9]]), np.array(0.5), 0.25]  # the course appends 0-d or (1, 1) costs
    fig = plot_costs(costs, 0.1, tmp_path / "c.png", every=10)
    ((x, y),) = lines(fig.axes[0]).values()
    assert_array_equal(x, [0, 10, 20])
    assert_array_equal(y, [0.9, 0.5, 0.25])
    assert (tmp_path / "c.png").read_bytes().startswith(PNG_MAGIC)


def test_plot_costs_marks_a_non_finite_cost():
    fig = plot_costs([1.0, 0.5, math.inf], 5.0)
    assert any("non-finite cost from iteration 200" in t.get_text() for t in fig.axes[0].texts)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"costs": []}, ValueError, "costs is empty"),
        ({"learning_rate": 0}, ValueError, "learning_rate"),
        ({"learning_rate": -1}, ValueError, "learning_rate"),
        ({"every": 0}, ValueError, "every"),
        ({"every": 1.5}, TypeError, "every"),
        ({"costs": ["a", "b"]}, TypeError, r"costs\[0\] must be numbers"),
        ({"costs": [1.0, [0.5, 0.4]]}, ValueError, r"costs\[1\] must be one number"),
    ],
)
def test_plot_costs_rejects_bad_input(kwargs, exc, match):
    args = {"costs": [1.0, 0.5], "learning_rate": 0.01, **kwargs}
    with pytest.raises(exc, match=match):
        plot_costs(**args)
