r"""``chainrule train``: train a network on a data set and write the model file.

::

    chainrule train                                  # digits, good defaults, about 5 s
    chainrule train --dataset iris --hidden-layers 16,8 --epochs 200 --out runs/iris

``train`` loads a data set (:func:`chainrule.data.load_dataset`), scales the
features on the training part, infers the input size, the number of classes
and -- unless told -- the output activation and loss from the task
(binary: sigmoid + binary cross-entropy; multiclass: softmax + categorical
cross-entropy; regression: identity + squared error), trains a
:class:`chainrule.Network` with :func:`chainrule.training.fit`, prints the
cost and accuracy of the train / validation / test parts, and writes an
output folder with ``model.npz`` (the network plus everything ``evaluate``
and ``predict`` need: data set, split, class names, the feature scaler's
statistics, metrics, the command line), ``metrics.json`` and
``learning_curve.png``.  ``chainrule evaluate`` and ``chainrule predict``
(:mod:`chainrule.cli.predict`) read that model file.

The model file's metadata (``chainrule.load(path).metadata``):

==================  ===========================================================
``dataset``         bundled name, or the absolute path of the data file
``task``            ``binary`` / ``multiclass`` / ``regression``
``class_names``     one name per class index (classification)
``targets``         how labels map to the output layer: ``indices`` (softmax,
                    one unit per class), ``binary`` (one unit, label 0/1),
                    ``one_hot`` (one unit per class, not softmax), ``values``
                    (regression)
``preprocessing``   raw features -> network input: ``{"kind": "standard",
                    "mean": [...], "std": [...]}`` (x − mean) / std, with
                    ``std`` the divisor used (1 for a constant feature);
                    ``{"kind": "minmax", "min": [...], "range": [...]}``;
                    ``{"kind": "divide", "by": 255}`` (image sets);
                    ``{"kind": "none"}``
``target_scaling``  regression only: ``{"mean": [...], "std": [...]}`` of the
                    targets the network was trained on, or null
``split``           ``seed``, ``test_fraction``, ``val_fraction``
``metrics``         the numbers ``train`` printed
``command``         the full ``chainrule train ...`` command that reproduces it
==================  ===========================================================

Exit codes: 0 success; 2 usage error (bad or contradictory options); 1 any
other failure (missing or corrupt file, bad data, training that diverged),
with one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.cli._common import (
    UsageError,
    add_command,
    interrupt_exit_code,
    refuse_overwriting_inputs,
    signal_name,
)
from chainrule.cli.options import (
    DEFAULTS,
    add_data_options,
    add_network_options,
    add_output_options,
    add_training_options,
)
from chainrule.cli.prepare import (
    Prepared,
    check_two_classes,
    column_arg,
    encode_targets,
    fit_target_scaling,
    is_image_set,
    load_prepared,
)
from chainrule.cli.report import describe_net, fmt, json_clean, score, wrap_header, write_json
from chainrule.head import OutputHead
from chainrule.training import epochs_text

if TYPE_CHECKING:
    from chainrule.network import Network

__all__ = ["DEFAULTS", "check_train_options", "register", "run_train"]

_DEFAULT_LR = {"adam": 1e-3, "rmsprop": 1e-3, "sgd": 1e-2, "momentum": 1e-2, "nesterov": 1e-2}
_INFERRED = {
    "task": "output and loss from the task",
    "loss": "output from --loss",
    "output": "loss from --output",
}
_SCALING_TEXT = {
    "standard": "standardised on the training part",
    "minmax": "min-max scaled on the training part",
    "divide": "pixels / 255",
    "none": "not scaled",
}


def register(subparsers: Any) -> None:
    """Add the ``train`` sub-command: its data, network, training and output options."""
    d = DEFAULTS
    p = add_command(
        subparsers,
        "train",
        run_train,
        help="train a network on a bundled data set or a file (default: digits)",
        description=(
            "Train a feed-forward network and write model.npz, metrics.json and "
            "learning_curve.png into an output folder.  With no options: scikit-learn's "
            f"digits, hidden layer(s) {','.join(map(str, d['hidden_layers']))} relu, softmax + "
            f"categorical cross-entropy, Adam, {d['epochs']} epochs of mini-batches of "
            f"{d['batch_size']}, dropout {d['dropout']}, seed {d['seed']}.  Input size, "
            "number of classes, output activation and loss are inferred from the data."
        ),
    )
    add_data_options(p)
    add_network_options(p)
    add_training_options(p)
    add_output_options(p)


# ---------------------------------------------------------------------------------------
# run_train, step by step
# ---------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """The options of one ``chainrule train`` run, with the defaults filled in."""

    args: argparse.Namespace
    hidden_layers: list[int]
    dropout: float | list[float]
    lr: float
    decay: float
    interval: int
    patience: int
    target_column: int | str | None
    is_file: bool


@dataclass
class _Run(_Plan):
    """A run ready to train: its plan, its data, its head and its network."""

    prep: Prepared
    head: OutputHead
    class_names: list[str] | None  # classification: one name per class index
    target_scaling: dict[str, Any] | None  # regression: the targets' mean and std
    net: Network
    T: dict[str, Any]  # part -> the targets as the network trains on them


def run_train(args: argparse.Namespace) -> int:
    """``chainrule train``; returns the exit code."""
    check_train_options(args)
    plan = _resolve(args)
    prep, head, class_names, target_scaling = _load_data(plan)
    net, T = _build_network(plan, prep, head, target_scaling)
    run = _Run(**vars(plan), prep=prep, head=head, class_names=class_names,
               target_scaling=target_scaling, net=net, T=T)  # fmt: skip
    _print_header(run)
    created = args.out is None or not Path(args.out).exists()
    out = _make_out(args.out) if args.out is not None else _default_out(args.dataset)
    seconds, interrupted = _fit(run, out, created)
    result = _write_outputs(run, out, seconds, interrupted)
    _print_results(run, result, out, seconds)
    return _exit_code(run, out, interrupted)


def _resolve(args: argparse.Namespace) -> _Plan:
    """The settings the options leave to defaults, and the schedule's own checks."""
    from chainrule.optim import Schedule

    hidden_layers = DEFAULTS["hidden_layers"] if args.hidden_layers is None else args.hidden_layers
    dropout = args.dropout
    if dropout is None:
        dropout = DEFAULTS["dropout"] if hidden_layers else 0.0
    lr = args.lr if args.lr is not None else _DEFAULT_LR[args.optimizer]
    decay = 0.0 if args.decay is None else args.decay
    interval = 1 if args.decay_interval is None else args.decay_interval
    try:  # contradictory schedule settings (e.g. exponential decay > 1) are usage errors
        Schedule(lr, args.lr_schedule, decay, interval)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return _Plan(
        args=args,
        hidden_layers=hidden_layers,
        dropout=dropout,
        lr=lr,
        decay=decay,
        interval=interval,
        patience=DEFAULTS["patience"] if args.patience is None else args.patience,
        target_column=column_arg(args.target_column),
        is_file=Path(args.dataset).suffix.lower() in (".csv", ".npz"),
    )


def _load_data(
    plan: _Plan,
) -> tuple[Prepared, OutputHead, list[str] | None, dict[str, Any] | None]:
    """The data scaled on its training part, the head, the class names, the target scaling."""
    args = plan.args
    prep = load_prepared(
        args.dataset,
        data_dir=args.data,
        seed=args.seed,
        test_fraction=args.test_fraction,
        val_fraction=args.val_fraction,
        dtype=args.dtype,
        scale=args.scale,
        target_column=plan.target_column,
        task=args.task,
    )
    ds = prep.ds
    check_two_classes(ds, prep, args.dataset)
    y_train = prep.y["train"]
    n_targets = 1 if y_train.ndim == 1 else int(y_train.shape[0])
    head = _choose_head(ds.task, ds.n_classes, n_targets, args.output, args.loss)
    class_names = None
    if ds.task != "regression":
        k = ds.n_classes or 2
        class_names = list(ds.target_names) if ds.target_names else [str(i) for i in range(k)]
    target_scaling = None
    if head.targets == "values" and args.scale_target:
        target_scaling = fit_target_scaling(y_train)
    return prep, head, class_names, target_scaling


def _build_network(
    plan: _Plan, prep: Prepared, head: OutputHead, target_scaling: dict[str, Any] | None
) -> tuple[Network, dict[str, Any]]:
    """The network (n[0] = features, the hidden layers, n[L] = the head's outputs) and
    the targets of each part, encoded for it."""
    from chainrule.network import Network
    from chainrule.optim import get_optimizer

    args = plan.args
    if isinstance(plan.dropout, list) and len(plan.dropout) != len(plan.hidden_layers):
        raise UsageError(
            f"--dropout gives {len(plan.dropout)} rates but there are {len(plan.hidden_layers)} "
            "hidden layers: give one rate, or one per hidden layer"
        )
    layer_dims = [prep.ds.n_features, *plan.hidden_layers, head.n_outputs]
    try:
        net = Network(
            layer_dims,
            hidden=args.hidden,
            output=head.activation,
            loss=head.loss,
            init=args.init,
            seed=args.seed,
            dtype=args.dtype,
            l2=args.l2,
            dropout=plan.dropout,
        )
        get_optimizer(args.optimizer)
    except ValueError as exc:  # options that do not fit together or with the data
        raise UsageError(str(exc)) from None
    T = {part: encode_targets(prep.y[part], head, net.dtype, target_scaling) for part in prep.X}
    return net, T


def _print_header(run: _Run) -> None:
    """The header: data, network and training, each line wrapped under its 10-column label."""
    from chainrule import __version__

    args, prep, head, net = run.args, run.prep, run.head, run.net
    if args.quiet:
        return
    inferred = f" (inferred: {_INFERRED[head.inferred_from]})" if head.inferred_from else ""
    schedule = args.lr_schedule
    if args.lr_schedule != "constant":
        schedule += f", decay {run.decay:g}" + (
            f" every {epochs_text(run.interval)}" if args.lr_schedule == "stepwise" else ""
        )
    dropout = run.dropout if isinstance(run.dropout, list) else f"{run.dropout:g}"
    batch = "full batch" if args.batch_size is None else f"batch {args.batch_size}"
    lines = [
        f"chainrule {__version__} · train",
        f"data      {prep.ds.summary()}",
        f"          split seed {args.seed}; features {_SCALING_TEXT[prep.preprocessing['kind']]}",
    ]
    if run.target_scaling:
        lines.append("          targets standardised for training (MSE reported in original units)")
    lines += [
        f"network   {describe_net(net)}, {net.n_params:,} parameters, init {args.init}",
        f"          loss {net.loss.name}, output {head.activation}{inferred}",
        f"training  {args.optimizer} (α = {run.lr:g}, {schedule}), {epochs_text(args.epochs)}, "
        f"{batch}, l2 {args.l2:g}, dropout {dropout}, seed {args.seed}"
        + (f", early stopping (patience {run.patience})" if args.early_stopping else ""),
    ]
    for line in lines:
        print(wrap_header(line), flush=True)


def _fit(run: _Run, out: Path, created: bool) -> tuple[float, KeyboardInterrupt | None]:
    """Train; (seconds, the interruption that ended it early, if any).

    Ctrl-C or SIGTERM after the first epoch keeps what was trained (the caller writes
    it); before it, the new empty output folder is removed and the interruption
    raised.  NumPy's overflow warnings and the divergence warning are not shown: the
    history says what happened.
    """
    from chainrule.training import DivergenceWarning

    args, prep, net, T = run.args, run.prep, run.net, run.T
    interrupted: KeyboardInterrupt | None = None
    t0 = time.perf_counter()
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"),
    ):
        warnings.simplefilter("always")
        try:
            net.fit(
                prep.X["train"],
                T["train"],
                epochs=args.epochs,
                batch_size=args.batch_size,
                optimizer=args.optimizer,
                learning_rate=run.lr,
                lr_schedule=args.lr_schedule,
                decay=run.decay,
                decay_interval=run.interval,
                validation_data=(prep.X["val"], T["val"]) if "val" in prep.X else None,
                early_stopping=args.early_stopping,
                patience=run.patience,
                seed=args.seed,
                progress=False if args.quiet else args.progress,
                blas_threads="auto" if args.threads is None else args.threads,
            )
        except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: write what was trained
            if net.history is None:  # nothing trained yet: leave no empty folder behind
                if created and not any(out.iterdir()):
                    out.rmdir()
                raise
            interrupted = exc
            _ignore_interrupts()  # the files below are written whole; a second signal waits
    seconds = time.perf_counter() - t0
    for w in caught:
        if not issubclass(w.category, (DivergenceWarning, RuntimeWarning)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return seconds, interrupted


def _settings(run: _Run) -> dict[str, Any]:
    """Every setting of the run, explicit (metrics.json's ``settings``)."""
    args, prep, head, net = run.args, run.prep, run.head, run.net
    dataset = args.dataset
    return {
        "dataset": str(Path(dataset).expanduser().resolve()) if run.is_file else dataset,
        "target_column": run.target_column,
        "task_option": args.task,
        "test_fraction": args.test_fraction,
        "val_fraction": args.val_fraction,
        "scale": None
        if prep.preprocessing["kind"] == "divide"
        else (args.scale or DEFAULTS["scale"]),
        "scale_target": bool(args.scale_target),
        "hidden_layers": list(run.hidden_layers),
        "hidden": args.hidden,
        "output": head.activation,
        "loss": net.loss.name,
        "init": args.init,
        "dtype": args.dtype,
        "optimizer": args.optimizer,
        "learning_rate": run.lr,
        "lr_schedule": args.lr_schedule,
        "decay": run.decay,
        "decay_interval": run.interval,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "l2": args.l2,
        "dropout": run.dropout,
        "early_stopping": bool(args.early_stopping),
        "patience": run.patience,
        "seed": args.seed,
    }


def _write_outputs(
    run: _Run, out: Path, seconds: float, interrupted: KeyboardInterrupt | None
) -> dict[str, Any]:
    """model.npz (network + metadata), metrics.json and learning_curve.png; the result."""
    from chainrule import __version__
    from chainrule.plots import plot_history

    args, prep, head, net = run.args, run.prep, run.head, run.net
    history = net.history
    assert history is not None
    metrics: dict[str, Any] = {
        part_name: score(net, prep.X[part], prep.y[part], head, run.target_scaling)
        for part, part_name in (("train", "train"), ("val", "validation"), ("test", "test"))
        if part in prep.X
    }
    settings = _settings(run)
    command = _command(args, settings)
    result = {
        "dataset": settings["dataset"],
        "task": prep.ds.task,
        "layer_dims": net.layer_dims,
        "metrics": metrics,
        "epochs_run": len(history.epoch),
        "best_epoch": history.best_epoch,
        "stopped_early": history.stopped_early,
        "diverged": history.diverged,
        "interrupted": None if interrupted is None else signal_name(interrupted),
        "message": history.message,
        "train_seconds": round(seconds, 3),
        "chainrule_version": __version__,
        "settings": settings,
        "command": command,
    }
    net.save(
        out / "model.npz",
        dataset=settings["dataset"],
        task=prep.ds.task,
        class_names=run.class_names,
        targets=head.targets,
        target_column=run.target_column,
        preprocessing=prep.preprocessing,
        target_scaling=run.target_scaling,
        split={
            "seed": args.seed,
            "test_fraction": args.test_fraction,
            "val_fraction": args.val_fraction,
        },
        metrics=json_clean(metrics),
        command=command,
    )
    write_json(out / "metrics.json", result)
    if not args.no_plot:
        title = f"{prep.ds.name} · {describe_net(net)}"
        plot_history(history, out / "learning_curve.png", title=title)
    return result


def _print_results(run: _Run, result: dict[str, Any], out: Path, seconds: float) -> None:
    """The metrics table, how training ended, and the files written."""
    history = run.net.history
    assert history is not None
    cols = ("cost", "mse", "r2") if run.head.targets == "values" else ("cost", "accuracy")
    print(f"{'':12}" + "".join(f"{c:>12}" for c in cols))
    for part_name, m in result["metrics"].items():
        print(f"{part_name:12}" + "".join(f"{fmt(m[c]):>12}" for c in cols))
    if history.diverged:
        done = epochs_text(len(history.epoch))
        print(f"training diverged after {done} completed ({seconds:.1f} s)")
    else:
        print(f"{history.message} ({seconds:.1f} s)")
    files = ["model.npz", "metrics.json"] + ([] if run.args.no_plot else ["learning_curve.png"])
    print(f"wrote {out}{'' if str(out).endswith('/') else '/'}  ({', '.join(files)})")


def _exit_code(run: _Run, out: Path, interrupted: KeyboardInterrupt | None) -> int:
    """0; 130 or 143 after an interruption; 1 after a divergence (one line on stderr each)."""
    history = run.net.history
    assert history is not None
    if interrupted is not None:
        print(
            "chainrule train: "
            + history.message.replace(
                "interrupted", f"interrupted by {signal_name(interrupted)}", 1
            )
            + f"; wrote them to {out} (metrics.json says interrupted)",
            file=sys.stderr,
            flush=True,
        )
        return interrupt_exit_code(interrupted)
    if history.diverged:
        print(
            f"chainrule train: error: {history.message} (the model file holds those parameters)",
            file=sys.stderr,
        )
        return 1
    return 0


# ---------------------------------------------------------------------------------------
# the steps' helpers: the head, the output folder, the options' cross-checks
# ---------------------------------------------------------------------------------------


def _choose_head(
    task: str, n_classes: int | None, n_targets: int, output: str | None, loss: str | None
) -> OutputHead:
    """Infer the output activation and loss from the task and the options given."""
    try:
        return OutputHead.infer(
            task, n_classes=n_classes, n_targets=n_targets, output=output, loss=loss, style="cli"
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _default_out(dataset: str) -> Path:
    """Create and return a new folder ``chainrule-runs/<dataset>-<date-time>[-k]``.

    Each candidate is created with an exclusive ``mkdir`` (no check-then-create), so two
    runs started in the same second never share a folder.
    """
    stem = Path(dataset).stem if Path(dataset).suffix else dataset.lower()
    base = Path("chainrule-runs") / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}"
    try:
        base.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(
            f"cannot create the output folder {str(base.parent)!r}: {exc.strerror or exc}; "
            "pass --out DIR"
        ) from None
    out, k = base, 2
    while True:
        try:
            out.mkdir()
            return out
        except FileExistsError:
            out, k = base.with_name(f"{base.name}-{k}"), k + 1
        except OSError as exc:
            raise OSError(
                f"cannot create the output folder {str(out)!r}: {exc.strerror or exc}; "
                "pass --out DIR"
            ) from None


def _make_out(given: str) -> Path:
    """Create ``--out`` (with its parents) and check that files can be written in it."""
    out = Path(given)
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".chainrule-probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OSError(
            f"--out {given}: cannot create or write to this folder "
            f"({exc.strerror or exc}); choose a folder you can write to"
        ) from None
    return out


def _ignore_interrupts() -> None:
    """Ignore SIGINT and SIGTERM from now on (while an interrupted run writes its files)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def check_train_options(args: argparse.Namespace) -> None:
    """The options' cross-checks: contradictions no single option's type can see (exit 2)."""
    if args.quiet and args.progress:
        raise UsageError("--quiet and --progress contradict each other")
    if args.patience is not None and not args.early_stopping:
        raise UsageError("--patience needs --early-stopping")
    if args.decay is not None and args.lr_schedule == "constant":
        raise UsageError("--decay needs --lr-schedule inverse_time, stepwise or exponential")
    if args.decay_interval is not None and args.lr_schedule != "stepwise":
        raise UsageError("--decay-interval applies to --lr-schedule stepwise only")
    if args.lr_schedule != "constant" and args.decay is None:
        raise UsageError(f"--lr-schedule {args.lr_schedule} needs --decay")
    if is_image_set(args.dataset) and args.scale is not None:
        raise UsageError(f"--scale does not apply to {args.dataset}: its pixels are divided by 255")
    is_file = Path(args.dataset).suffix.lower() in (".csv", ".npz")
    if not is_file and (args.target_column is not None or args.task is not None):
        raise UsageError("--target-column and --task apply to .csv/.npz data files only")
    if Path(args.dataset).suffix.lower() == ".npz" and args.target_column is not None:
        raise UsageError("--target-column applies to .csv files; a .npz file has arrays X and y")
    if not is_image_set(args.dataset) and args.test_fraction + args.val_fraction >= 1:
        raise UsageError(
            f"--test-fraction {args.test_fraction} and --val-fraction {args.val_fraction} leave "
            "no training examples: their sum must be below 1"
        )
    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--out {args.out!r} exists and is not a folder")
    if args.out is not None and is_file:
        names = ["model.npz", "metrics.json"] + ([] if args.no_plot else ["learning_curve.png"])
        refuse_overwriting_inputs(
            "--out", [Path(args.out) / n for n in names], [("--dataset", args.dataset)]
        )


def _command(args: argparse.Namespace, settings: dict[str, Any]) -> str:
    """The full command line that reproduces this run (every setting explicit)."""
    s = settings
    parts = ["chainrule", "train", "--dataset", s["dataset"]]
    if args.data is not None:
        parts += ["--data", str(args.data)]
    if s["target_column"] is not None:
        parts += ["--target-column", str(s["target_column"])]
    if s["task_option"] is not None:
        parts += ["--task", s["task_option"]]
    parts += [
        "--test-fraction",
        repr(s["test_fraction"]),
        "--val-fraction",
        repr(s["val_fraction"]),
    ]
    if s["scale"] is not None:
        parts += ["--scale", s["scale"]]
    if not s["scale_target"]:
        parts += ["--no-scale-target"]
    hl = ",".join(map(str, s["hidden_layers"])) or "none"
    parts += ["--hidden-layers", hl, "--hidden", s["hidden"], "--output", s["output"]]
    parts += ["--loss", s["loss"], "--init", s["init"], "--dtype", s["dtype"]]
    parts += ["--optimizer", s["optimizer"], "--lr", repr(s["learning_rate"])]
    if s["lr_schedule"] != "constant":
        parts += ["--lr-schedule", s["lr_schedule"], "--decay", repr(s["decay"])]
        if s["lr_schedule"] == "stepwise":
            parts += ["--decay-interval", str(s["decay_interval"])]
    batch = "full" if s["batch_size"] is None else str(s["batch_size"])
    parts += ["--epochs", str(s["epochs"]), "--batch-size", batch, "--l2", repr(s["l2"])]
    drop = s["dropout"]
    parts += ["--dropout", ",".join(map(repr, drop)) if isinstance(drop, list) else repr(drop)]
    if s["early_stopping"]:
        parts += ["--early-stopping", "--patience", str(s["patience"])]
    parts += ["--seed", str(s["seed"])]
    return shlex.join(parts)
