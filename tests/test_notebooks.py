"""chainrule inside a real Jupyter kernel, and the tutorial notebooks executed.

A kernel (ipykernel, started by nbclient with this checkout's ``src`` on its
PYTHONPATH) runs cells the way a learner would; the oracle is what the kernel
sends back: the outputs a saved notebook keeps.  Skipped where nbclient or
ipykernel is not installed (``pip install -e ".[notebook]"``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import chainrule

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
SRC = Path(chainrule.__file__).resolve().parents[1]  # the chainrule under test


def execute(nb: Any, monkeypatch: pytest.MonkeyPatch, cwd: Path, timeout: int = 300) -> Any:
    """Run every cell of ``nb`` in a fresh kernel that imports the chainrule under test."""
    path = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(SRC), path) if p))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # as in a learner's Jupyter
    client = nbclient.NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    return nb


def run_cells(sources: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    return [c.outputs for c in execute(nb, monkeypatch, tmp_path).cells]


def mimes(outputs: list[Any], mime: str) -> list[Any]:
    return [o["data"][mime] for o in outputs if mime in o.get("data", {})]


SETUP = """
import numpy as np, chainrule
print(chainrule.__file__)
rng = np.random.default_rng(0)
X = rng.standard_normal((2, 200)); Y = (X[:1] + X[1:] > 0) * 1.0
"""


def test_progress_figures_and_tables_in_a_kernel(monkeypatch, tmp_path):
    out = run_cells(
        [
            SETUP,
            # 1: early stopping ends training before `epochs`: a bar, ending green
            "net = chainrule.Network([2, 8, 1], seed=0)\n"
            "h = net.fit(X, Y, epochs=300, learning_rate=0.5, validation_fraction=0.2,\n"
            "            early_stopping=True, patience=3, min_delta=1e-3)",
            # 2: every epoch: green, 100 %
            "h2 = chainrule.Network([2, 8, 1], seed=0).fit(X, Y, epochs=5)",
            # 3: divergence: red
            "import warnings; warnings.simplefilter('ignore')\n"
            "h3 = chainrule.Network([2, 8, 2], 'relu', 'identity', 'mse', seed=0, init='normal')"
            ".fit(X[:, :30], 100 * rng.standard_normal((2, 30)), epochs=20, optimizer='sgd',"
            " learning_rate=5.0)\n"
            "assert h3.diverged",
            # 4, 5, 6: a figure that is not the last expression, one that is, and a later cell
            "h.plot();",
            "fig = h.plot()\nfig",
            "fig",
            # 7, 8: rich tables
            "net",
            "h",
            # 9: no bar when asked for none
            "chainrule.Network([2, 3, 1], seed=0).fit(X, Y, epochs=3, progress=False);",
        ],
        monkeypatch,
        tmp_path,
    )
    assert out[0][0]["text"].strip() == str(SRC / "chainrule" / "__init__.py")
    (bar,) = mimes(out[1], "text/html")
    assert 'data-state="success"' in bar
    assert "width:100.0%" in bar
    (line,) = mimes(out[1], "text/plain")  # what a saved notebook keeps
    assert line.startswith("11/300 epochs [")
    assert "val_J=" in line
    assert line.endswith("early stopping, best epoch 8")
    (line2,) = mimes(out[2], "text/plain")
    assert line2.startswith("100%|")
    assert "5/5" in line2
    assert 'data-state="success"' in mimes(out[2], "text/html")[0]
    assert 'data-state="danger"' in mimes(out[3], "text/html")[0]
    assert mimes(out[3], "text/plain")[0].endswith("diverged")
    for k in (4, 5, 6):  # each figure exactly once
        assert len(mimes(out[k], "image/png")) == 1, (k, out[k])
    assert "Network [2, 8, 1]" in mimes(out[7], "text/html")[0]
    assert "<img" in mimes(out[8], "text/html")[0]
    assert out[9] == []


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_tutorial_notebook_runs(path, monkeypatch, tmp_path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # the course's 2500 iterations take minutes on a busy CI machine
        cell.source = cell.source.replace("iterations = 2500", "iterations = 300")
    nb = execute(nb, monkeypatch, path.parent, timeout=600)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []


def test_the_tutorials_exist_and_are_saved_without_outputs():
    names = [p.stem for p in NOTEBOOKS]
    assert len(names) >= 4, names
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path
