"""Rich display in Jupyter: the MIME bundles and reprs of what a learner looks at.

Oracles: the numbers each display shows are recomputed here from the objects
themselves (shapes from layer_dims, parameter counts n[l]·n[l-1] + n[l], norms
with NumPy, the History's own lists); the bundles are read the way IPython's
formatter reads them (``_repr_html_``, ``_repr_markdown_``, ``repr``).  The
behaviour inside a real kernel is tested in ``test_notebooks.py``.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest

import chainrule
from chainrule import backprop
from chainrule.data import load_dataset
from chainrule.gradcheck import gradcheck, random_data
from chainrule.plots import plot_costs, plot_history
from chainrule.training import History


def blobs(m: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, m))
    return X, (X[0:1] + X[1:2] > 0).astype(float)


def cells(table_html: str) -> list[list[str]]:
    """The rows of the first HTML table, as unescaped cell texts."""
    body = table_html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body)
    ]


# -- Network -----------------------------------------------------------------------------------


def test_network_summary_lists_every_layer_with_shapes_and_counts():
    dims = [30, 16, 8, 1]
    net = chainrule.Network(dims, hidden="relu", output="sigmoid", loss="bce", seed=0, l2=0.1)
    text = net.summary()
    for l in range(1, len(dims)):
        n, p = dims[l], dims[l - 1]
        row = next(line for line in text.splitlines() if line.strip().startswith(f"{l} "))
        assert f"({n}, {p})" in row
        assert f"({n}, 1)" in row
        assert f"{n * p + n:,}" in row
        assert net.activations[l - 1].name in row
    assert sum(d * p + d for d, p in zip(dims[1:], dims[:-1], strict=True)) == net.n_params
    assert f"total parameters: {net.n_params:,}" in text
    assert "binary_crossentropy" in text
    assert "(1/m)" in text
    assert "λ = 0.1" in text
    assert "dZ[L] = A[L] − Y (fused)" in text


def test_network_html_is_the_same_table():
    dims = [4, 5, 3]
    net = chainrule.Network(dims, output="softmax", loss="cce", seed=0, dropout=0.25)
    page = net._repr_html_()
    rows = cells(page)
    assert rows[0][:2] == ["0 (input)", "4"]
    assert rows[1][:6] == ["1", "5", "relu, dropout 0.25", "(5, 4)", "(5, 1)", "25"]
    assert rows[2][:6] == ["2", "3", "softmax", "(3, 5)", "(3, 1)", "18"]
    assert rows[-1][0] == "total"
    assert rows[-1][5] == str(net.n_params) == "43"
    assert "categorical_crossentropy" in page
    assert "1/m" in page
    # the plain repr stays one short line
    assert "\n" not in repr(net)
    assert len(repr(net)) < 200


def test_network_summary_says_it_was_trained():
    X, Y = blobs()
    net = chainrule.Network([2, 3, 1], seed=0)
    assert "trained" not in net.summary()
    net.fit(X, Y, epochs=2, progress=False)
    assert "trained: finished 2 epochs" in net.summary()


# -- History -----------------------------------------------------------------------------------


@pytest.mark.parametrize("validation", [False, True])
def test_history_to_dict_has_equal_columns_and_makes_a_dataframe(validation):
    pd = pytest.importorskip("pandas")
    X, Y = blobs()
    net = chainrule.Network([2, 3, 1], seed=0)
    h = net.fit(X, Y, epochs=4, progress=False, validation_fraction=0.25 if validation else 0.0)
    d = h.to_dict()
    expected = ["epoch", "train_cost", "train_accuracy"]
    expected += ["val_cost", "val_accuracy"] if validation else []
    assert list(d) == [*expected, "learning_rate"]
    assert {len(v) for v in d.values()} == {4}
    frame = pd.DataFrame(d)  # the Keras habit
    assert frame.shape == (4, len(d))
    assert list(frame["train_cost"]) == h.train_cost
    # the scalars are kept apart, not repeated on every row
    assert (
        d.info
        == h.info
        == {  # type: ignore[attr-defined]
            "best_epoch": None,
            "restored_epoch": None,
            "stopped_early": False,
            "diverged": False,
            "message": "finished 4 epochs",
        }
    )
    assert History.from_dict(d) == h


def test_history_to_frame_is_indexed_by_epoch_with_the_scalars_in_attrs():
    pytest.importorskip("pandas")
    X, Y = blobs()
    h = chainrule.Network([2, 3, 1], seed=0).fit(
        X, Y, epochs=30, learning_rate=0.5, validation_fraction=0.25, early_stopping=True,
        patience=2, min_delta=1e-2, progress=False,
    )  # fmt: skip
    assert h.stopped_early
    frame = h.to_frame()
    assert list(frame.index) == h.epoch
    assert list(frame["val_cost"]) == h.val_cost
    assert frame.attrs["best_epoch"] == h.best_epoch
    assert frame.attrs["stopped_early"] is True


def test_history_dict_forms_round_trip_and_old_files_load(tmp_path):
    h = History(epoch=[1, 2], train_cost=[0.7, 0.5], train_accuracy=[0.5, 0.8],
                learning_rate=[0.1, 0.1], best_epoch=2, stopped_early=True,
                message="early stopping after epoch 2")  # fmt: skip
    full = h.to_dict(scalars=True)  # every field: the model file's form (and the old to_dict)
    assert full["best_epoch"] == 2
    assert full["val_cost"] == []
    assert History.from_dict(full) == h
    assert History.from_dict(json.loads(json.dumps(full))) == h
    assert History.from_dict(h.to_dict()) == h
    # columns alone (a dict from elsewhere) make a History with the defaults for the rest
    cols = dict(h.to_dict())
    back = History.from_dict(cols)
    assert back.train_cost == h.train_cost
    assert back.best_epoch is None
    # a saved model keeps the scalars
    net = chainrule.Network([2, 3, 1], seed=0)
    net.history = h
    path = net.save(tmp_path / "m.npz")
    assert chainrule.load(path).history == h
    # plot_history reads either dict form
    for d in (full, h.to_dict()):
        fig = plot_history(d, display=False)
        assert "early stopping" in fig.get_suptitle()


def test_history_html_has_a_short_table_and_the_learning_curve():
    n = 200
    costs = list(np.linspace(1.0, 0.1, n))
    h = History(epoch=list(range(1, n + 1)), train_cost=costs, train_accuracy=[0.5] * n,
                val_cost=costs, val_accuracy=[0.6] * n, learning_rate=[0.01] * n,
                best_epoch=150, message="finished 200 epochs")  # fmt: skip
    page = h._repr_html_()
    rows = cells(page)
    epochs = [r[0] for r in rows]
    assert epochs == ["1", "2", "3", "…", "150", "…", "198", "199", "200"]
    best = rows[epochs.index("150")]
    assert best[1] == f"{costs[149]:.4g}"
    assert best[-1] == "◀ best"
    assert "finished 200 epochs" in page
    png = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    assert png is not None
    assert base64.b64decode(png.group(1))[:8] == b"\x89PNG\r\n\x1a\n"
    # the text form has the same rows
    text = h.summary()
    assert "◀ best" in text
    assert "200" in text
    assert "…" in text
    # regression: NaN accuracies are left out of the table
    r = History(epoch=[1], train_cost=[0.3], train_accuracy=[math.nan], learning_rate=[0.1])
    assert "train_accuracy" not in r._repr_html_()


def test_an_empty_history_displays():
    assert "0 epochs" in History()._repr_html_()
    assert "<img" not in History()._repr_html_()


# -- Dataset, Gradients ------------------------------------------------------------------------


def test_dataset_html_lists_each_part():
    ds = load_dataset("iris", seed=0, val_size=0.2)
    page = ds._repr_html_()
    rows = cells(page)
    assert [r[0] for r in rows] == ["train", "val", "test"]
    for r, X in zip(rows, (ds.X_train, ds.X_val, ds.X_test), strict=True):
        assert r[1] == str(X.shape[1])
        assert r[2] == str(X.shape)
    assert "3 classes" in page
    assert "setosa" in page


def test_gradients_html_names_each_derivative_with_its_norm():
    net = chainrule.Network([3, 4, 2], output="softmax", loss="cce", seed=0)
    X, Y = random_data(net, 5, seed=0)
    for convention, of in (("course", "L"), ("cost", "J")):
        g = net.gradients(X, Y, convention=convention)
        rows = {r[0]: r for r in cells(g._repr_html_())}
        assert set(rows) == {f"d{of}/dZ[2]", "dJ/dW[2]", "dJ/db[2]", f"d{of}/dZ[1]", "dJ/dW[1]",
                             "dJ/db[1]"}  # fmt: skip
        assert rows["dJ/dW[1]"][1:3] == ["dW1", "(4, 3)"]
        assert rows["dJ/dW[1]"][3] == f"{np.linalg.norm(g['dW1']):.4g}"
        assert rows[f"d{of}/dZ[2]"][4] == f"{np.max(np.abs(g.dZ[1])):.4g}"


# -- GradCheckReport, Explanation, Derivation -------------------------------------------------


class _WrongTanh(chainrule.activations.Tanh):
    def derivative(self, Z, A):
        return 1 - A


def _failed_report():
    net = chainrule.Network([3, 4, 4, 1], hidden="tanh", seed=1)
    X, Y = random_data(net, 8, seed=1)

    def buggy(params, X, Y):
        Ws = [params[f"W{l}"] for l in range(1, 4)]
        bs = [params[f"b{l}"] for l in range(1, 4)]
        acts = list(net.activations)
        acts[1] = _WrongTanh()  # layer 2's g′ is wrong
        _, caches = backprop.forward(X, Ws, bs, net.activations)
        return dict(backprop.backward(caches, Y, Ws, acts, net.loss))

    return gradcheck(net, X, Y, grad_fn=buggy)


def test_failed_gradcheck_markdown_has_the_worst_entries_and_the_suspect_layer():
    r = _failed_report()
    assert r.status != "pass"
    assert r.suspect_layer == 2
    md = r._repr_markdown_()
    assert "Worst entries" in md
    for e in r.worst:
        assert f"| {e.parameter} | {e.index} | {e.analytic:.8e} | {e.numeric:.8e} |" in md
    assert "layer 2" in md.split("Worst entries")[1]
    assert "**the highest layer with a wrong gradient is layer 2" in md
    # the plain repr is one short line that names the status and the layer
    assert repr(r) == (
        f"GradCheckReport(status={r.status!r}, difference={r.difference:.2e}, "
        f"checked={r.n_checked} of {r.n_total}, m=8, suspect_layer=2)"
    )
    assert len(repr([r, r])) < 300


def test_passing_gradcheck_names_no_suspect():
    net = chainrule.Network([3, 4, 1], hidden="tanh", seed=1)
    X, Y = random_data(net, 8, seed=1)
    r = gradcheck(net, X, Y)
    assert r.passed
    assert "suspect" not in repr(r)
    assert "highest layer" not in r._repr_markdown_()


def test_derivation_and_explanation_reprs_are_short():
    pytest.importorskip("sympy")
    from chainrule.symbolic import derive_activation

    d = derive_activation("sigmoid")
    assert repr(d) == "Derivation('activation:sigmoid', ok=True)"
    assert "$" in d._repr_markdown_()
    e = chainrule.explain(chainrule.Network([2, 3, 1], seed=0), m=4)
    assert len(repr(e)) < 250
    assert "\n" not in repr(e)
    assert "$" in e._repr_markdown_()


# -- figures and the import surface ------------------------------------------------------------


def test_plots_return_notebook_figures_outside_a_kernel_too(tmp_path):
    from matplotlib.figure import Figure

    h = History(epoch=[1, 2], train_cost=[0.7, 0.5], train_accuracy=[0.5, 0.8],
                learning_rate=[0.01, 0.01])  # fmt: skip
    for fig in (h.plot(tmp_path / "h.png"), plot_costs([0.7, 0.6], 0.1, tmp_path / "c.png")):
        assert isinstance(fig, Figure)
        assert type(fig).__name__ == "NotebookFigure"
        assert isinstance(fig, chainrule.plots.NotebookFigure)
    assert (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_import_chainrule_reaches_plots_without_importing_ipython_or_matplotlib():
    code = (
        "import sys, chainrule; print(callable(chainrule.plots.plot_history)); "
        "print(sorted(m for m in ('IPython', 'matplotlib', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "[]"]


def test_in_kernel_is_false_in_a_plain_ipython_shell():
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell

    from chainrule._display import in_kernel

    assert not in_kernel()
    InteractiveShell.instance()  # a terminal-like shell: no kernel
    try:
        assert not in_kernel()
    finally:
        InteractiveShell.clear_instance()
