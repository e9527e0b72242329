"""``chainrule evaluate`` and ``chainrule predict``: use a model file written by ``train``.

::

    chainrule evaluate runs/iris/model.npz           # the test split it was trained with
    chainrule evaluate runs/iris/model.npz --split val --json
    chainrule predict runs/iris/model.npz new.csv --proba --output predictions.csv

``evaluate`` scores a model on the data set it was trained on -- split again with
the seed and fractions stored in the model file, so exactly the examples ``train``
held out, with the same feature scaling -- or on another labelled file, whole.
``predict`` reads the examples of a .csv/.npz file (rows, raw features), applies
the model's stored scaling and writes one CSV row per example: the class
(``head.class_indices``: the largest output, or a sigmoid output above 0.5) and
its name, and with ``--proba`` the probabilities; the predicted values for a
regressor, in the targets' original units.

Files are read by :mod:`chainrule.data` alone: predict's INPUT and another file
given to evaluate by ``chainrule.data.read_table`` (through ``_read_rows``, which
turns ``--target-column`` on a .npz file into a usage error), data sets through
:mod:`chainrule.cli.prepare`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.cli._common import UsageError, add_command, refuse_overwriting_inputs, same_path
from chainrule.cli.options import DEFAULTS, add_data_dir
from chainrule.cli.prepare import (
    Prepared,
    apply_checked,
    column_arg,
    load_prepared,
    unscale_targets,
)
from chainrule.cli.report import (
    describe_net,
    fmt,
    forward_checked,
    json_clean,
    score,
    wrap_header,
)
from chainrule.data import InapplicableArgumentError, read_table
from chainrule.head import OutputHead, class_indices

if TYPE_CHECKING:
    from chainrule.network import Network

__all__ = ["register", "run_evaluate", "run_predict"]


def register(subparsers: Any) -> None:
    """Add the ``evaluate`` and ``predict`` sub-commands."""
    _add_evaluate(subparsers)
    _add_predict(subparsers)


def _add_evaluate(subparsers: Any) -> None:
    p = add_command(
        subparsers,
        "evaluate",
        run_evaluate,
        help="cost and accuracy (or MSE and R²) of a model file on a data set",
        description=(
            "Load a model file and report its cost and accuracy (regression: cost, MSE and "
            "R²) on the test part of the data set it was trained on -- a bundled set or a "
            ".csv/.npz file, split again with the seed and fractions stored in the model "
            "file, so exactly the examples train held out, with the same feature scaling -- "
            "or on another labelled .csv/.npz file given with --dataset, evaluated whole."
        ),
    )
    p.add_argument("model", metavar="MODEL", help="a model file written by chainrule train")
    p.add_argument(
        "--dataset",
        metavar="NAME|FILE",
        default=None,
        help="a bundled set, or a .csv/.npz file with labels, one example per row "
        "(default: the model's own data set)",
    )
    add_data_dir(p, "catvnoncat/ and mnist/")
    part = p.add_mutually_exclusive_group()
    part.add_argument(
        "--split",
        choices=("train", "val", "test"),
        default=None,
        help="which part of the model's own data set, split as train split it (default: test)",
    )
    part.add_argument(
        "--all",
        action="store_true",
        help="score every example of the data set: all parts (the whole file, training "
        "examples included)",
    )
    p.add_argument(
        "--target-column",
        metavar="COL",
        default=None,
        help="another CSV file given with --dataset: the label column (default: the model's, "
        "else the last)",
    )
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")


def _add_predict(subparsers: Any) -> None:
    p = add_command(
        subparsers,
        "predict",
        run_predict,
        help="predictions of a model file for the examples of a .csv/.npz file",
        description=(
            "Predict for every example (row) of INPUT: a .csv file of numbers (optional "
            "header row) or a .npz file with an array 'X' (m, n), features only, raw as in "
            "the original data -- the model's stored scaling is applied.  Writes CSV: "
            "'class' (index) and 'label' (class name) for classifiers, plus one probability "
            "column per class with --proba; the predicted values for regression."
        ),
    )
    p.add_argument("model", metavar="MODEL", help="a model file written by chainrule train")
    p.add_argument("input", metavar="INPUT", help=".csv or .npz file, one example per row")
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        default=None,
        help="write the CSV there (atomically) instead of to stdout",
    )
    p.add_argument(
        "--proba", action="store_true", help="add the class probabilities (p_<label> columns)"
    )
    p.add_argument(
        "--target-column",
        metavar="COL",
        default=None,
        help="drop this column of a CSV INPUT first (e.g. -1 for a trailing label column)",
    )


# ---------------------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------------------


def run_evaluate(args: argparse.Namespace) -> int:
    """``chainrule evaluate``; returns the exit code.

    The model's own data set (``--dataset`` not given, or naming the same data) is
    loaded and split again exactly as ``train`` split it -- bundled set or file --
    from the ``split`` metadata (seed, test and validation fractions), and the
    ``--split`` part (default: test) is scored; ``--all`` scores every part.  Another
    .csv/.npz file given with ``--dataset`` is new data and is scored whole.
    """
    net, meta = _load_model(args.model)
    head = _head_of(net, meta)
    dataset, nielsen_model = _evaluation_dataset(args, meta)
    own = meta.get("dataset")
    is_file = Path(dataset).suffix.lower() in (".csv", ".npz")
    same = (
        own is not None
        and args.dataset is not None
        and same_path(Path(args.dataset), Path(str(own)))
    )
    if is_file and args.dataset is not None and not same:
        X, y, where, split = _score_another_file(args, net, meta, head, dataset)
    else:
        X, y, where, split = _score_own_split(args, net, meta, head, dataset, nielsen_model)
    source = where.split("\n")[0]
    result = score(net, X, y, head, meta.get("target_scaling"), args.model, source)
    if args.json:
        print(
            json.dumps(json_clean({"model": args.model, "data": source, "split": split, **result}))
        )
        return 0
    title = f"model     {args.model}: {describe_net(net)}, {net.loss.name}, {net.dtype.name}"
    print(wrap_header(title))
    print("\n".join(wrap_header(line) for line in f"data      {where}".splitlines()))
    print(f"cost      {fmt(result['cost'])}")
    if "accuracy" in result:
        print(f"accuracy  {fmt(result['accuracy'])}")
    else:
        print(f"mse       {fmt(result['mse'])}")
        print(f"r2        {fmt(result['r2'])}")
    return 0


def _evaluation_dataset(args: argparse.Namespace, meta: dict[str, Any]) -> tuple[str, bool]:
    """The data set to score on, and whether the model is a ``chainrule nielsen`` one."""
    dataset = args.dataset if args.dataset is not None else meta.get("dataset")
    if dataset is None:
        raise UsageError("this model file does not name its data set: pass --dataset")
    if dataset != "mnist-nielsen":
        return str(dataset), False
    # Nielsen's test data are MNIST's 10,000 t10k images, chainrule's "mnist" test split;
    # his training and validation images are his own split of the 60,000 (not ours)
    if args.all or args.split not in (None, "test"):
        raise UsageError(
            "a 'chainrule nielsen' model is scored here on MNIST's 10,000 test images, "
            "Nielsen's test data (drop --split/--all); 'chainrule nielsen' itself scores "
            "his training and validation images (history.json)"
        )
    return "mnist", True


def _score_another_file(
    args: argparse.Namespace, net: Network, meta: dict[str, Any], head: OutputHead, dataset: str
) -> tuple[np.ndarray, np.ndarray, str, str]:
    """X (n[0], m), y, a description and ``file``: every row of another labelled file."""
    if args.split is not None:
        raise UsageError(
            f"--split picks a part of the data set the model was trained on; {dataset} is "
            "another file and is evaluated whole (drop --dataset to score the model's own "
            f"{args.split} split)"
        )
    path = Path(dataset).expanduser()
    target = column_arg(args.target_column)
    if target is None and path.suffix.lower() == ".csv":
        target = meta.get("target_column")  # the label column train read, if it was a CSV
    X_rows, y = _read_rows(path, target, need_target=True)
    assert y is not None
    _check_features(X_rows, net, path, meta.get("target_column"))
    preprocessing = _stored_preprocessing(meta, args.model)
    X = apply_checked(str(path), X_rows.T, preprocessing, net.dtype, rows=True)
    if head.targets != "values":
        names = meta.get("class_names") or [str(i) for i in range(head.n_classes or 2)]
        y = _labels_to_indices(y, names, path)
    return X, y, f"{path} (whole file, {X.shape[1]} examples)", "file"


def _score_own_split(
    args: argparse.Namespace,
    net: Network,
    meta: dict[str, Any],
    head: OutputHead,
    dataset: str,
    nielsen_model: bool,
) -> tuple[np.ndarray, np.ndarray, str, str]:
    """X (n[0], m), y, a description and the part: the model's own data, split as train did."""
    is_file = Path(dataset).suffix.lower() in (".csv", ".npz")
    if args.target_column is not None:
        raise UsageError(
            "--target-column applies to another .csv file given with --dataset; the "
            "model's own data set is read with the label column stored in the model file"
            if is_file
            else "--target-column applies to .csv data files only"
        )
    split = meta.get("split") or {}
    seed = int(split.get("seed", 0))
    test_fraction = float(split.get("test_fraction", DEFAULTS["test_fraction"]))
    val_fraction = float(split.get("val_fraction", 0.0))
    try:
        prep = load_prepared(
            dataset,
            data_dir=args.data,
            seed=seed,
            test_fraction=test_fraction,
            val_fraction=val_fraction,
            dtype=net.dtype.name,
            scale=None,
            preprocessing=_stored_preprocessing(meta, args.model),
            target_column=meta.get("target_column") if is_file else None,
            task=meta.get("task") if is_file else None,
            expect_features=net.layer_dims[0],
        )
    except FileNotFoundError as exc:
        if not is_file:
            raise
        raise FileNotFoundError(
            f"{exc}; the model was trained on this file (to score other data, pass --dataset FILE)"
        ) from None
    _map_labels_by_name(prep, meta, head, dataset)
    if args.all:
        X, y = _concat_parts(prep)
        what = "whole file" if is_file else "all parts"
        where = f"{dataset} ({what}: {X.shape[1]} examples, training examples included)"
        return X, y, where, "all"
    part = args.split or "test"
    if part not in prep.X:
        raise UsageError(f"this model was trained without a validation part: no {part!r} split")
    X, y = prep.X[part], prep.y[part]
    where = f"{dataset} ({part} split: {X.shape[1]} examples, seed {seed})"
    if nielsen_model:
        where = "mnist (the 10,000 t10k test images: Nielsen's test data)"
    if is_file:
        where += (
            f"\n          the split train made: test fraction {test_fraction:g}, "
            f"validation fraction {val_fraction:g}, seed {seed} "
            "(--all scores the whole file)"
        )
    return X, y, where, part


def _map_labels_by_name(
    prep: Prepared, meta: dict[str, Any], head: OutputHead, dataset: str
) -> None:
    """Labels are indices into the loader's class names: map them to the model's, by name."""
    names = meta.get("class_names")
    target_names = prep.ds.target_names
    if head.targets != "values" and names and target_names and list(target_names) != names:
        for p in prep.y:
            prep.y[p] = _labels_to_indices(
                np.asarray(target_names)[prep.y[p]], names, Path(dataset)
            )


# ---------------------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------------------


def run_predict(args: argparse.Namespace) -> int:
    """``chainrule predict``; returns the exit code."""
    from chainrule.io import atomic_write_bytes

    if args.output is not None:
        refuse_overwriting_inputs(
            "--output", [Path(args.output)], [("MODEL", args.model), ("INPUT", args.input)]
        )
    net, meta = _load_model(args.model)
    head = _head_of(net, meta)
    if args.proba and (head.targets == "values" or not head.gives_probabilities):
        raise UsageError(
            f"--proba needs a classifier with sigmoid or softmax outputs; this model's output is "
            f"{head.activation} ({'regression' if head.targets == 'values' else 'scores'})"
        )
    path = Path(args.input).expanduser()
    X_rows, _ = _read_rows(path, column_arg(args.target_column), need_target=False)
    _check_features(X_rows, net, path, meta.get("target_column"))
    pre = _stored_preprocessing(meta, args.model)
    X = apply_checked(str(path), X_rows.T, pre, net.dtype, rows=True)
    AL = forward_checked(net, X, args.model, str(path))
    if head.targets == "values":
        text = _values_csv(unscale_targets(AL, meta.get("target_scaling")))
    else:
        k = head.n_classes or 2
        class_names = list(meta.get("class_names") or [str(i) for i in range(k)])
        text = _classes_csv(AL, class_names, args.proba)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    data = text.encode()
    atomic_write_bytes(out, lambda f: f.write(data))
    print(f"wrote {len(X_rows)} predictions to {out}", file=sys.stderr)
    return 0


def _values_csv(P: np.ndarray) -> str:
    """A regressor's predictions P (k, m): one row per example, 10 significant digits."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["prediction"] if P.shape[0] == 1 else [f"y{k}" for k in range(P.shape[0])])
    for col in P.T:
        w.writerow([f"{v:.10g}" for v in col])
    return buf.getvalue()


def _classes_csv(AL: np.ndarray, class_names: list[str], proba: bool) -> str:
    """A classifier's outputs A[L] (n[L], m): the class of each example, its name and
    (``proba``) the probability of each class; a sigmoid unit's p is P(class 1)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    classes = class_indices(AL)  # the decision rule of the head: argmax, or a > 0.5
    P = np.vstack([1.0 - AL[0], AL[0]]) if AL.shape[0] == 1 else AL
    w.writerow(["class", "label"] + ([f"p_{n}" for n in class_names] if proba else []))
    for i, c in enumerate(classes):
        row = [str(int(c)), class_names[int(c)]]
        if proba:
            row += [f"{p:.6g}" for p in P[:, i]]
        w.writerow(row)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------
# the model file and the rows of a file
# ---------------------------------------------------------------------------------------


def _load_model(path: str) -> tuple[Network, dict[str, Any]]:
    from chainrule.network import load

    net = load(path)
    meta = dict(getattr(net, "metadata", {}) or {})
    return net, meta


def _head_of(net: Network, meta: dict[str, Any]) -> OutputHead:
    """The head of a loaded model (from its metadata, else from its architecture)."""
    return OutputHead.of_model(
        net.activations[-1], net.loss, net.layer_dims[-1], meta.get("targets")
    )


def _read_rows(
    path: Path, target_column: Any, *, need_target: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`chainrule.data.read_table`, with ``--target-column`` on a .npz file a usage error."""
    try:
        return read_table(path, target_column, need_target=need_target)
    except InapplicableArgumentError as exc:
        raise UsageError(exc.for_cli()) from None


def _stored_preprocessing(meta: dict[str, Any], model: Any) -> dict[str, Any]:
    """The input scaling stored in the model file; a note on stderr when there is none.

    ``chainrule train`` and ``chainrule nielsen`` always store it
    (``{"kind": "none"}`` included); a model saved from Python with
    ``Network.save`` stores none, and its inputs must then already be scaled as
    they were in training.
    """
    pre = meta.get("preprocessing")
    if pre is None:
        print(
            f"note: {model} stores no input scaling (it was not written by 'chainrule train'): "
            "the inputs are used as given, so scale them as they were for training",
            file=sys.stderr,
        )
        return {"kind": "none"}
    return dict(pre)


def _check_features(X_rows: np.ndarray, net: Network, path: Path, label_column: Any = None) -> None:
    """X_rows must have the model's n[0] columns (``label_column``: train's label column)."""
    n0, n = net.layer_dims[0], X_rows.shape[1]
    if n != n0:
        hint = ""
        if n == n0 + 1 and label_column is not None:
            hint = (
                f"; if one column is the label, drop it with --target-column {label_column} "
                "(the label column the model was trained with)"
            )
        elif n == n0 + 1:
            hint = "; if one column is the label, drop it with --target-column (e.g. -1)"
        raise ValueError(
            f"{path} has {n} features (columns) per example but the model expects {n0} "
            f"(one example per row){hint}"
        )


def _labels_to_indices(y: np.ndarray, class_names: list[str], path: Path) -> np.ndarray:
    """Raw labels of a file -> class indices of the model (by name, else as indices)."""

    def name(v: Any) -> str:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    lookup = {n: i for i, n in enumerate(class_names)}
    raw = [v.item() if hasattr(v, "item") else v for v in np.asarray(y).reshape(-1)]
    names = [name(v) for v in raw]
    if all(n in lookup for n in names):
        return np.array([lookup[n] for n in names], dtype=np.int64)
    try:
        idx = np.array([float(v) for v in raw])
    except (TypeError, ValueError):
        idx = np.array([np.nan])
    k = len(class_names)
    if np.isfinite(idx).all() and (idx == np.round(idx)).all() and ((idx >= 0) & (idx < k)).all():
        return idx.astype(np.int64)
    unknown = sorted({n for n in names if n not in lookup})[:5]
    raise ValueError(
        f"{path}: labels {unknown} are not classes of this model ({', '.join(class_names)})"
    )


def _concat_parts(prep: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Every part of a prepared data set, side by side: X (n, m), y (m,) or (k, m)."""
    parts = list(prep.X)
    X = np.concatenate([prep.X[p] for p in parts], axis=1)
    y = np.concatenate([prep.y[p] for p in parts], axis=-1)
    return X, y
