"""Plots that tell the truth (issue 18, items 10-13), read from the figure's artists."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.lines import Line2D

import chainrule
from chainrule.plots import plot_costs, plot_history
from chainrule.training import History


def _vlines(ax):
    return [a for a in ax.get_lines() if isinstance(a, Line2D) and a.get_linestyle() == "--"]


def _fit_breast_cancer(**kw):
    from chainrule.data import load_dataset

    ds = load_dataset("breast_cancer", seed=0, val_size=0.1)
    net = chainrule.Network([30, 16, 1], seed=0)
    return net.fit(
        ds.X_train, ds.y_train, validation_data=(ds.X_val, ds.y_val), epochs=40, batch_size=32,
        learning_rate=0.01, early_stopping=True, progress=False, **kw,
    )  # fmt: skip


def test_the_kept_epoch_is_marked_whenever_parameters_were_restored():
    h = _fit_breast_cancer(patience=100)  # reaches its last epoch, then restores the best
    assert not h.stopped_early
    assert h.restored_epoch == h.best_epoch != h.epoch[-1]
    fig = plot_history(h)
    for ax in fig.axes:
        (line,) = _vlines(ax)
        assert line.get_xdata()[0] == h.restored_epoch
        assert line.get_label() == f"kept epoch {h.restored_epoch} (restored)"
    assert f"restored the parameters of epoch {h.restored_epoch}" in fig._suptitle.get_text()


def test_the_validation_legend_gives_the_kept_epochs_value():
    h = _fit_breast_cancer(patience=100)
    k = h.epoch.index(h.restored_epoch)
    labels = [t.get_text() for t in plot_history(h).axes[1].get_legend().get_texts()]
    assert f"validation (kept epoch {h.restored_epoch}: {h.val_accuracy[k]:.4f})" in labels


def test_no_marker_without_a_restore_and_the_best_is_named_with_its_epoch():
    h = History(epoch=[1, 2, 3], train_cost=[0.9, 0.5, 0.4], train_accuracy=[0.5, 0.7, 0.8],
                val_cost=[1.0, 0.6, 0.7], val_accuracy=[0.4, 0.9, 0.8])  # fmt: skip
    fig = plot_history(h)
    assert not _vlines(fig.axes[0])
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "validation (best 0.9000, epoch 2)" in labels


def test_a_model_file_history_without_restored_epoch_still_shows_its_kept_epoch():
    d = {
        "epoch": [1, 2, 3], "train_cost": [0.9, 0.5, 0.4], "train_accuracy": [0.5, 0.7, 0.8],
        "best_epoch": 2, "message": "finished 3 epochs; restored the parameters of epoch 2",
    }  # fmt: skip
    (line,) = _vlines(plot_history(d).axes[0])
    assert line.get_xdata()[0] == 2


def test_a_diverged_run_keeps_its_title_inside_the_figure_and_shows_only_epoch_1():
    message = (
        "training diverged in epoch 2 (non-finite cost or parameters); kept the parameters "
        "from the end of epoch 1. Try a smaller learning rate (now 10000)."
    )
    h = History(epoch=[1], train_cost=[0.5], train_accuracy=[0.8], val_cost=[float("nan")],
                val_accuracy=[0.7], diverged=True, message=message)  # fmt: skip
    fig = plot_history(h, title="iris · [4, 256, 3]: relu → softmax")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig._suptitle.get_window_extent(renderer)
    assert box.x0 >= 0
    assert box.x1 <= fig.bbox.width
    for ax in fig.axes:
        assert [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]] == [1]
    notes = [t.get_text() for t in fig.axes[0].texts]
    assert "validation cost not finite from epoch 1 (not drawn)" in notes


def test_log_cost_axis_labels_at_most_three_per_decade():
    h = History(epoch=list(range(1, 41)), train_cost=list(np.geomspace(0.7, 0.011, 40)),
                train_accuracy=[0.9] * 40)  # fmt: skip
    fig = plot_history(h)
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    lo, hi = ax.get_ylim()
    shown = [
        t.get_text() for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)
        if t.get_text() and lo <= y <= hi
    ]  # fmt: skip
    assert 0 < len(shown) <= 3 * (np.log10(hi / lo) + 1)
    assert all(s in {"0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"} for s in shown), shown
    assert not [t for t in ax.get_yticklabels(minor=True) if t.get_text()]


@pytest.mark.parametrize("final", [None, (2500, 0.05)])
def test_course_plot_names_the_model_and_draws_the_last_iteration(final):
    costs = np.linspace(0.7, 0.1, 25)
    fig = plot_costs(costs, 0.0075, title="four-layer model [12288, 20, 7, 5, 1]", final=final)
    ax = fig.axes[0]
    assert ax.get_title() == "four-layer model [12288, 20, 7, 5, 1], learning rate = 0.0075"
    (line,) = ax.get_lines()
    x = line.get_xdata()
    assert x[-1] == (2400 if final is None else 2500)
