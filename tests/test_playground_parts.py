"""The playground's parts on their own: JSON numbers, the history, one batch's pass, the
output a task needs (the session's tests drive them together)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule
from chainrule.playground import batch
from chainrule.playground import datasets as ds
from chainrule.playground.config import SessionError, output_and_loss
from chainrule.playground.history import COLUMNS, MAX_HISTORY, History
from chainrule.playground.jsonable import floats, num


def test_non_finite_numbers_become_null():
    assert floats([[1.0, math.nan], [-math.inf, 2.5]]) == [[1.0, None], [None, 2.5]]
    assert floats(np.float64(math.inf)) is None
    assert floats(np.arange(3.0)) == [0.0, 1.0, 2.0]
    assert num(None) is None
    assert num(math.nan) is None
    assert num(3) == 3.0


def _row(i: int, L: int = 2) -> dict:
    row = {k: float(i) for k in COLUMNS}
    row["iteration"] = i
    row.update(norm_dZ=[1.0] * L, norm_dW=[math.nan] * L, ratio=[0.5] * L)
    return row


def test_history_thins_past_its_limit_and_sends_columns_from_since():
    h = History()
    for i in range(MAX_HISTORY + 1):
        h.add(_row(i))
    # every other point dropped: 0, 2, 4, ...; the spacing doubles, the generation changes
    assert h.every == 2
    assert h.generation == 1
    assert [r["iteration"] for r in h.rows[:3]] == [0, 2, 4]
    assert len(h.rows) == (MAX_HISTORY + 2) // 2
    cols = h.columns(since=len(h.rows) - 2, generation=1)
    assert cols["start"] == len(h.rows) - 2
    assert len(cols["J"]) == 2
    assert cols["norm_dW"][0] == [None, None]  # NaN is null
    assert h.columns(since=5, generation=0)["start"] == 0  # a stale generation: all of it


def test_history_csv_has_a_column_per_layer_and_empty_non_finite_cells():
    h = History()
    h.add(_row(7, L=2))
    header, first = h.to_csv(2).splitlines()
    assert header.split(",")[-6:] == [
        "norm_dZ[1]",
        "norm_dZ[2]",
        "norm_dW[1]",
        "norm_dW[2]",
        "ratio[1]",
        "ratio[2]",
    ]
    assert first.split(",")[0] == "7"
    assert first.split(",")[-6:] == ["1.0", "1.0", "", "", "0.5", "0.5"]


def test_phases_go_forward_then_loss_then_backward_then_update():
    assert batch.phases(2) == [
        ("forward", 1),
        ("forward", 2),
        ("loss", None),
        ("backward", 2),
        ("backward", 1),
        ("update", None),
    ]


def _net() -> chainrule.Network:
    return chainrule.Network([2, 3, 1], hidden="tanh", output="sigmoid", loss="bce", seed=0)


def _one_batch(net: chainrule.Network) -> batch.Batch:
    """A batch of 5 examples through ``net``, dW[l], db[l] written into a fresh g."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 5))
    Y = (rng.random((1, 5)) > 0.5).astype(np.float64)
    return batch.compute(net, X, Y, None, "course", net.layout.views(np.zeros_like(net.theta)))


def test_a_finite_batch_matches_the_networks_gradients():
    net = _net()
    b = _one_batch(net)
    assert b.bad is None
    assert b.m == 5
    ref = net.gradients(b.X, b.Y)
    for l in (1, 2):
        np.testing.assert_allclose(b.grads.dW[l - 1], ref[f"dW{l}"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(b.grads.db[l - 1], ref[f"db{l}"], rtol=1e-12, atol=1e-15)
    assert b.J_data == pytest.approx(net.cost(b.X, b.Y), rel=1e-12)


def test_the_first_non_finite_array_is_named_in_the_order_computed():
    # W[2] = NaN: Z[2] is the first array to go non-finite (layer 1's pass stays finite)
    net = _net()
    net.Ws[1][0, 0] = math.nan
    assert _one_batch(net).bad == {"layer": 2, "array": "Z", "phase": "forward"}


@pytest.mark.parametrize(
    ("task", "classes", "loss", "expected"),
    [
        ("binary", 2, "auto", (1, "sigmoid", "binary_crossentropy")),
        ("binary", 2, "categorical_crossentropy", (2, "softmax", "categorical_crossentropy")),
        ("multiclass", 3, "auto", (3, "softmax", "categorical_crossentropy")),
        ("regression", 0, "auto", (1, "identity", "squared_error")),
    ],
)
def test_the_output_and_loss_a_task_needs(task, classes, loss, expected):
    data = ds.make_2d(
        "plane" if task == "regression" else "spiral",
        n_points=60,
        noise=0,
        classes=max(classes, 2),
        features=["x1", "x2"],
        train_fraction=0.5,
        seed=0,
    )
    assert data.task == task
    assert output_and_loss(data, loss) == expected


def test_a_loss_that_does_not_fit_the_task_is_refused():
    plane = ds.make_2d(
        "plane", n_points=60, noise=0, classes=2, features=["x1", "x2"], train_fraction=0.5, seed=0
    )
    with pytest.raises(SessionError, match="regression set needs squared_error"):
        output_and_loss(plane, "binary_crossentropy")
