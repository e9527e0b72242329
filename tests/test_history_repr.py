"""``History``'s one-line repr, ``History.stop_reason`` and the progress-bar postfix.

Oracles: hand-written expected strings for hand-built Histories and logs; real ``fit``
runs for the ways training ends; hypothesis properties for ``format_postfix``'s width
rule; and tqdm's own formatter, run at a fixed width of 80 columns on a StringIO (no
terminal involved), for the room the bar keeps.
"""

from __future__ import annotations

import io
import math
import warnings
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.network import Network
from chainrule.progress import BAR_FORMAT, MIN_BAR, format_postfix, postfix_width
from chainrule.training import DivergenceWarning, History


def blobs(m: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, m))
    return X, (X[0:1] + X[1:2] > 0).astype(float)


# -- History's repr --------------------------------------------------------------------------


def test_repr_of_an_empty_history():
    assert repr(History()) == "History(epochs=0)"
    assert History().stop_reason is None


def test_repr_shows_the_last_values_to_four_significant_digits():
    h = History(
        epoch=[1, 2, 3],
        train_cost=[0.9, 0.5, 0.123456],
        train_accuracy=[0.5, 0.6, 0.75],
        val_cost=[1.0, 0.6, 1 / 3],
        val_accuracy=[0.4, 0.5, 2 / 3],
        learning_rate=[0.1, 0.1, 0.1],
        best_epoch=2,
        stopped_early=True,
        message="early stopping after epoch 3: no improvement for 1 epochs",
    )
    assert repr(h) == (
        "History(epochs=3, train_cost=0.1235, train_accuracy=0.75, val_cost=0.3333, "
        "val_accuracy=0.6667, best_epoch=2, stopped='early_stopping')"
    )
    assert str(h) == repr(h)


def test_repr_leaves_out_nan_accuracy_and_absent_validation():
    h = History(epoch=[1, 2], train_cost=[3.0, 2.5e-7], train_accuracy=[math.nan] * 2,
                learning_rate=[0.01] * 2, message="finished 2 epochs")  # fmt: skip
    assert repr(h) == "History(epochs=2, train_cost=2.5e-07)"
    assert h.stop_reason == "completed"


def test_repr_stays_short_for_a_long_run_and_the_data_stays_reachable():
    n = 5000
    costs = list(np.linspace(1.0, 0.01, n))
    h = History(epoch=list(range(1, n + 1)), train_cost=costs, train_accuracy=[0.5] * n,
                val_cost=costs, val_accuracy=[0.5] * n, learning_rate=[0.1] * n,
                message=f"finished {n} epochs")  # fmt: skip
    r = repr(h)
    assert len(r) < 120
    assert r.startswith("History(epochs=5000, train_cost=0.01, ")
    assert "0.999" not in r  # no early epoch's value
    # every number is still there, in the attributes and in to_dict()
    assert h.train_cost == costs
    d = h.to_dict()
    assert d["val_cost"] == costs
    assert len(d["epoch"]) == n
    back = History.from_dict(d)
    assert back == h
    assert repr(back) == r


def test_repr_and_stop_reason_of_real_runs():
    X, Y = blobs()
    # every epoch ran
    h = Network([2, 3, 1], seed=0).fit(X, Y, epochs=3, progress=False)
    assert h.stop_reason == "completed"
    assert repr(h) == (
        f"History(epochs=3, train_cost={h.train_cost[-1]:.4g}, "
        f"train_accuracy={h.train_accuracy[-1]:.4g})"
    )
    # the callback stopped it
    h = Network([2, 3, 1], seed=0).fit(X, Y, epochs=9, progress=False,
                                        callback=lambda epoch, logs: epoch == 2)  # fmt: skip
    assert h.stop_reason == "callback"
    assert repr(h).endswith("stopped='callback')")
    assert repr(h).startswith("History(epochs=2, ")
    # patience ran out: the cost never improves by min_delta = 1 after the first epoch
    h = Network([2, 3, 1], seed=0).fit(
        X, Y, epochs=50, learning_rate=1e-3, optimizer="sgd", early_stopping=True, patience=2,
        min_delta=1.0, validation_data=(X, Y), progress=False,
    )  # fmt: skip
    assert h.stop_reason == "early_stopping"
    assert repr(h) == (
        f"History(epochs=3, train_cost={h.train_cost[-1]:.4g}, "
        f"train_accuracy={h.train_accuracy[-1]:.4g}, val_cost={h.val_cost[-1]:.4g}, "
        f"val_accuracy={h.val_accuracy[-1]:.4g}, best_epoch=1, stopped='early_stopping')"
    )


def test_repr_of_a_diverged_run():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 30))
    Y = 100 * rng.standard_normal((2, 30))
    net = Network([4, 8, 2], "relu", "identity", "mse", seed=0, init="normal")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        h = net.fit(X, Y, epochs=20, optimizer="sgd", learning_rate=5.0, progress=False)
    assert h.diverged
    assert h.stop_reason == "diverged"
    assert repr(h).endswith("stopped='diverged')")
    assert f"epochs={len(h.epoch)}" in repr(h)


# -- format_postfix ------------------------------------------------------------------------------

LOGS = {"cost": 0.213456, "accuracy": 0.991234, "val_cost": 0.30125, "val_accuracy": 0.95}


def test_postfix_short_keys_and_four_significant_digits():
    assert format_postfix(LOGS) == "J=0.2135 acc=0.9912 val_J=0.3013 val_acc=0.95"
    assert format_postfix({"cost": 1.234567e-5, "accuracy": 1.0}) == "J=1.235e-05 acc=1"
    assert format_postfix({"cost": 12345.678}) == "J=1.235e+04"
    assert format_postfix({}) == ""


def test_postfix_leaves_out_nan():
    logs = {"cost": 0.5, "accuracy": math.nan, "val_cost": 0.25, "val_accuracy": math.nan}
    assert format_postfix(logs) == "J=0.5 val_J=0.25"


def test_postfix_leaves_out_the_least_important_first():
    full = "J=0.2135 acc=0.9912 val_J=0.3013 val_acc=0.95"
    assert format_postfix(LOGS, width=len(full)) == full
    assert format_postfix(LOGS, width=len(full) - 1) == "J=0.2135 val_J=0.3013 val_acc=0.95"
    assert format_postfix(LOGS, width=33) == "J=0.2135 val_J=0.3013"
    assert format_postfix(LOGS, width=20) == "val_J=0.3013"
    assert format_postfix(LOGS, width=0) == "val_J=0.3013"  # the most important stays
    train_only = {"cost": 0.5, "accuracy": 0.75}
    assert format_postfix(train_only, width=14) == "J=0.5 acc=0.75"
    assert format_postfix(train_only, width=13) == "J=0.5"
    # other keys: under their own names, after the known ones' order, left out first
    other = {"cost": 0.5, "lr": 0.001}
    assert format_postfix(other) == "J=0.5 lr=0.001"
    assert format_postfix(other, width=10) == "J=0.5"


KEYS = ["cost", "accuracy", "val_cost", "val_accuracy"]
values = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.just(math.nan))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(KEYS), unique=True, min_size=1),
    st.lists(values, min_size=4, max_size=4),
    st.integers(0, 80),
)
def testpostfix_width_rule(keys, vals, width):
    logs = dict(zip(keys, vals, strict=False))
    full = format_postfix(logs)
    out = format_postfix(logs, width)
    items, full_items = out.split(), full.split()
    assert all(i in full_items for i in items)  # a subsequence of the full postfix ...
    assert [i for i in full_items if i in items] == items  # ... in the same order
    assert len(out) <= width or len(items) <= 1
    if len(full) <= width:
        assert out == full
    if full_items:  # the most important value is always shown
        present = [k for k in ("val_cost", "cost", "val_accuracy", "accuracy")
                   if k in logs and not math.isnan(logs[k])]  # fmt: skip
        short = {"cost": "J", "accuracy": "acc", "val_cost": "val_J", "val_accuracy": "val_acc"}
        assert any(i.startswith(short[present[0]] + "=") for i in items)


# -- the bar at 80 columns -------------------------------------------------------------------


@pytest.mark.parametrize("total", [100, 10_000])
@pytest.mark.parametrize("with_validation", [True, False])
def test_bar_keeps_its_columns_and_the_numbers_at_80(total, with_validation):
    """tqdm's own layout at a fixed 80 columns: the whole postfix fits, no truncation."""
    from tqdm import tqdm

    logs = dict(LOGS) if with_validation else {"cost": 0.213456, "accuracy": 0.991234}
    bar = tqdm(total=total, file=io.StringIO(), ncols=80, bar_format=BAR_FORMAT)
    try:
        bar.update(total // 3)
        postfix = format_postfix(logs, postfix_width(bar))
        line = bar.format_meter(**{**bar.format_dict, "postfix": postfix})
    finally:
        bar.close()
    assert len(line) <= 80
    assert line.endswith(postfix + "]")  # not cut off
    assert "val_J=0.3013" in postfix if with_validation else postfix == "J=0.2135 acc=0.9912"
    # the bar itself (between the first two '|') keeps at least MIN_BAR columns
    assert len(line.split("|")[1]) >= MIN_BAR


def testpostfix_width_is_none_without_a_known_width():
    class NoWidth:
        format_dict: ClassVar[dict[str, int | None]] = {"ncols": None}

    assert postfix_width(NoWidth()) is None
    assert postfix_width(object()) is None


def test_fit_shows_the_compact_postfix(capsys):
    X, Y = blobs()
    Network([2, 3, 1], seed=0).fit(X, Y, epochs=2, validation_data=(X, Y), progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err
    for key in (" J=", " acc=", " val_J=", " val_acc="):
        assert key in err
    assert "cost=" not in err  # the long keys are gone
