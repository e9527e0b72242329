"""What the page hands out: the model file, the history, the data, and how to rerun the run.

The model file is chainrule's own format (atomic, no pickle; ``chainrule.load`` reads
it); the history is JSON columns or CSV rows (:mod:`~chainrule.playground.history`); the
data CSV holds the inputs as the network sees them and the target, the file that
:func:`command`'s ``chainrule train`` line reads; the Python snippet rebuilds the same data
and network from their seeds and trains with ``fit``, which shuffles as the page does.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.network import Network
from chainrule.playground import datasets as ds
from chainrule.playground.config import Config, SessionError, output_and_loss
from chainrule.playground.history import History

__all__ = ["command", "data_csv", "history_file", "save_model"]

DATA_FILE = "playground-data.csv"
"""The name the command gives the data CSV (GET /api/export/data downloads it so)."""


def save_model(net: Network, data: ds.PlaygroundData, path: str | Path) -> Path:
    """Write ``net`` as a model file naming the data set (and its classes); the path."""
    meta: dict[str, Any] = {"dataset": f"playground:{data.name}"}
    if data.class_names:
        meta["class_names"] = list(data.class_names)
    return net.save(path, **meta)


def history_file(history: History, L: int, config: dict[str, Any], fmt: str = "json") -> str:
    """The history as JSON (the config and an object of columns) or CSV (one row per point)."""
    if fmt not in ("json", "csv"):
        raise SessionError(f"format must be json or csv, got {fmt!r}")
    if fmt == "json":
        cols = history.columns(0, history.generation)
        return json.dumps({"config": config, "history": cols}, allow_nan=False)
    return history.to_csv(L)


def data_csv(data: ds.PlaygroundData) -> str:
    """The data set as the network sees it: feature columns, then the target; train rows
    first, then test rows (the file ``chainrule train --dataset`` reads)."""
    names = data.feature_names or [f"x{j + 1}" for j in range(data.n_inputs)]
    X = np.hstack([data.X_train, data.X_test]).T
    y = np.concatenate([data.y_train, data.y_test])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*names, "y"])
    integer = data.task != "regression"
    for row, t in zip(X, y, strict=True):
        w.writerow([repr(float(v)) for v in row] + [int(t) if integer else repr(float(t))])
    return buf.getvalue()


def command(
    cfg: Config,
    d: ds.PlaygroundData,
    layer_dims: Sequence[int],
    *,
    epochs_done: int,
    pos: int,
    tuned: list[str],
) -> dict[str, Any]:
    """ "Copy as command" and "copy as Python" (API.md, GET /api/command).

    Parameters
    ----------
    cfg : Config
    d : PlaygroundData
    layer_dims : list of int
        The network's [n[0], ..., n[L]].
    epochs_done, pos : int
        Whole epochs done, and examples into the current one.
    tuned : list of str
        Settings changed during the run (each reproduces with its current value).
    """
    epochs = max(1, epochs_done)
    _, output, loss = output_and_loss(d, cfg.loss)
    hidden = ",".join(map(str, cfg.hidden_layers)) or "none"
    n_train, n_test = d.X_train.shape[1], d.X_test.shape[1]
    test_fraction = n_test / (n_test + n_train)
    parts = [
        "chainrule train",
        f"--dataset {DATA_FILE}",
        f"--task {d.task}",
        f"--test-fraction {test_fraction:.6g}",
        "--val-fraction 0",
        "--scale none",
    ]
    if d.task == "regression":
        parts.append("--no-scale-target")
    parts += [
        f"--hidden-layers {hidden}",
        f"--hidden {cfg.activation}",
        f"--output {output}",
        f"--loss {loss}",
        f"--init {cfg.init}",
        f"--optimizer {cfg.optimizer}",
        f"--lr {cfg.lr:g}",
        f"--epochs {epochs}",
        f"--batch-size {cfg.batch_size if cfg.batch_size else 'full'}",
        f"--l2 {cfg.l2:g}",
        "--dropout 0",
        f"--seed {cfg.init_seed}",
        "--out playground-run",
    ]
    if d.kind == "images":
        preset = {"cat": "catvnoncat", "mnist": "mnist"}[d.name]
        parts[1] = f"--dataset {preset}"
        parts = [p for p in parts if not p.startswith(("--task", "--test-fraction", "--scale"))]
    notes = [
        f"The command trains on {DATA_FILE} (GET /api/export/data): the inputs "
        "as the network sees them (the chosen features, unscaled) and the target. "
        "chainrule train makes its own seeded split of that file, so its train/test "
        "parts differ from the page's; the network, optimizer, learning rate, batch "
        f"size, L2 and the {epochs} epoch(s) are the same.",
        "The Python snippet rebuilds the same data (same data seed) and network (same "
        "init seed) and trains with chainrule's fit, which shuffles as the page does: "
        "it retraces this run to rounding, if no setting was changed during it.",
    ]
    if d.kind == "images":
        notes[0] = (
            f"The command trains on the whole {d.name} set (the page uses "
            + ("a 2000/500 subset" if d.name == "mnist" else "the same files")
            + "), with its own validation split."
        )
    if tuned:
        changed = ", ".join(dict.fromkeys(tuned))
        notes.append(
            f"{changed} changed during the run; both use the current value from the "
            "start, so they do not retrace it exactly."
        )
    if pos:
        notes.append(
            f"The run is {pos} examples into epoch {epochs_done + 1}; "
            f"both reproduce the {epochs} whole epoch(s)."
        )
    return {
        "command": " ".join(parts),
        "python": python_snippet(cfg, d, layer_dims, epochs, output, loss),
        "notes": notes,
        "data_file": DATA_FILE,
    }


def python_snippet(
    cfg: Config,
    d: ds.PlaygroundData,
    layer_dims: Sequence[int],
    epochs: int,
    output: str,
    loss: str,
) -> str:
    """A script that rebuilds the data and network from their seeds and trains with fit."""
    if d.name in ds.TWO_D:
        load = (
            "from chainrule.playground.datasets import make_2d\n\n"
            f"data = make_2d({d.name!r}, n_points={cfg.n_points}, noise={cfg.noise!r}, "
            f"classes={cfg.classes}, features={cfg.features!r},\n"
            f"               train_fraction={cfg.train_fraction!r}, seed={cfg.data_seed})\n"
        )
    elif d.kind == "images":
        load = (
            "from chainrule.playground.datasets import load_preset\n\n"
            f"data = load_preset({d.name!r})  # from chainrule's data folder\n"
        )
    else:
        load = (
            "from chainrule.playground.datasets import read_upload, table_data\n\n"
            "table = read_upload(Path('upload.csv'))  # the file you uploaded\n"
            f"data = table_data(table, features={cfg.features!r}, "
            f"train_fraction={cfg.train_fraction!r}, seed={cfg.data_seed})\n"
        )
    if output == "softmax":
        targets = (
            "from chainrule.data import one_hot\n\n"
            f"Y_train = one_hot(data.y_train, {layer_dims[-1]})\n"
            f"Y_test = one_hot(data.y_test, {layer_dims[-1]})\n"
        )
    else:
        targets = (
            "Y_train = data.y_train.reshape(1, -1).astype(float)\n"
            "Y_test = data.y_test.reshape(1, -1).astype(float)\n"
        )
    batch = "None" if cfg.batch_size == 0 else str(cfg.batch_size)
    return (
        "from pathlib import Path\n\n"
        "import chainrule\n"
        + load
        + targets
        + f"net = chainrule.Network({list(layer_dims)}, hidden={cfg.activation!r}, "
        f"output={output!r}, loss={loss!r},\n"
        f"                        init={cfg.init!r}, seed={cfg.init_seed}, l2={cfg.l2!r})\n"
        f"net.fit(data.X_train, Y_train, epochs={epochs}, batch_size={batch}, "
        f"optimizer={cfg.optimizer!r},\n"
        f"        learning_rate={cfg.lr!r}, progress=False)\n"
        'print("train J:", net.cost(data.X_train, Y_train), '
        '"test J:", net.cost(data.X_test, Y_test))\n'
    )
