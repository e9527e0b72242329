"""``chainrule course``: the deeplearning.ai course's published runs, reproduced.

::

    chainrule course cat --data ../shared/data              # both models, as the notebook
    chainrule course cat --data DIR --model four-layer --out runs/cat

``cat`` is "Deep Neural Network - Application" (course 1, week 4): the
two-layer model (12288, 7, 1) and the four-layer model [12288, 20, 7, 5, 1],
trained by :func:`chainrule.stepwise.two_layer_model` and
:func:`chainrule.stepwise.L_layer_model` (batch gradient descent, learning
rate 0.0075, 2500 iterations, the course's seeds) on the cat-vs-non-cat
images.  It prints the cost every 100 iterations and at the last one
(``Cost after iteration i: J``), the train and test accuracy as the course
prints them (``Accuracy: ...``) with the exact counts, and writes into the
output folder one cost plot per model (``two_layer_costs.png``,
``four_layer_costs.png``) and ``results.json`` (costs, accuracies, settings).

The course's numbers: two-layer, cost 0.693049735659989 at iteration 0, train
209/209, test 36/50 = 0.72; four-layer, cost 0.7717493284237686 at iteration
0, train 206/209 (printed 0.9856459330143539), test 40/50 = 0.8.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from chainrule._threads import blas_threads
from chainrule.cli._common import add_command
from chainrule.cli.options import add_data_dir, nonneg_int, positive_float, positive_int

__all__ = ["MODELS", "register", "run"]

MODELS = {
    "two-layer": ("two_layer", (12288, 7, 1)),
    "four-layer": ("four_layer", (12288, 20, 7, 5, 1)),
}
"""--model name -> (file stem, the course's layers_dims)."""


def register(subparsers: Any) -> None:
    """Add the ``course`` sub-command."""
    p = add_command(
        subparsers,
        "course",
        run,
        help="reproduce the deeplearning.ai course's runs (cat vs non-cat, week 4)",
        description=(
            "Reproduce a published run of the deeplearning.ai course with chainrule.stepwise, "
            "the course's functions: 'cat' trains the two-layer (12288, 7, 1) and four-layer "
            "[12288, 20, 7, 5, 1] models of 'Deep Neural Network - Application' on the "
            "cat-vs-non-cat images, prints the cost trace and the accuracies, and saves the "
            "cost plots."
        ),
    )
    p.add_argument(
        "run_name",
        nargs="?",
        default="cat",
        choices=("cat",),
        metavar="RUN",
        help="which run: cat (the only one, and the default)",
    )
    add_data_dir(p, "train_catvnoncat.h5 and test_catvnoncat.h5")
    p.add_argument(
        "--model",
        choices=(*MODELS, "both"),
        default="both",
        help="which model to train (default: both)",
    )
    p.add_argument(
        "--iterations",
        type=positive_int("--iterations"),
        default=2500,
        metavar="N",
        help="gradient-descent iterations (default: 2500, as the notebook)",
    )
    p.add_argument(
        "--learning-rate",
        type=positive_float("--learning-rate", "a finite number > 0"),
        default=0.0075,
        metavar="α",
        help="learning rate (default: 0.0075)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default="course-cat",
        help="output folder for the plots and results.json (created; default: course-cat)",
    )
    p.add_argument(
        "--threads",
        type=nonneg_int("--threads"),
        default=0,
        metavar="N",
        help="BLAS threads for the matrix products; 0 (default): the BLAS library's own choice. "
        "On a busy machine, 1 avoids spinning threads that can slow training several-fold",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no cost trace")


def run(args: argparse.Namespace) -> int:
    """Train the chosen model(s); returns the exit code."""
    import numpy as np

    from chainrule import __version__, stepwise
    from chainrule.io import atomic_write_bytes

    train_x_orig, train_y, test_x_orig, test_y, classes = stepwise.load_data(args.data)
    train_x = stepwise.flatten_images(train_x_orig)
    test_x = stepwise.flatten_images(test_x_orig)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(
        "chainrule course cat: 'Deep Neural Network - Application' (deeplearning.ai, "
        "course 1, week 4)"
    )
    print(
        f"data: {train_x.shape[1]} training and {test_x.shape[1]} test images of "
        f"{'×'.join(map(str, train_x_orig.shape[1:]))}, flattened and scaled to X of shape "
        f"{train_x.shape} (classes: {', '.join(c.decode() for c in classes)})"
    )
    names = list(MODELS) if args.model == "both" else [args.model]
    data = {"train": (train_x, train_y), "test": (test_x, test_y)}
    results = {name: _train_model(name, args, data, out) for name in names}
    summary = {
        "run": "cat",
        "chainrule": __version__,
        "numpy": np.__version__,
        "learning_rate": args.learning_rate,
        "num_iterations": args.iterations,
        "models": results,
    }
    text = json.dumps(summary, indent=2).encode()
    atomic_write_bytes(out / "results.json", lambda f: f.write(text))
    print(f"\nwrote {out / 'results.json'}")
    return 0


def _train_model(
    name: str, args: argparse.Namespace, data: dict[str, tuple[Any, Any]], out: Path
) -> dict[str, Any]:
    """Train one model as the notebook does, print its accuracies, plot its costs.

    ``data``: part -> (X (12288, m), Y (1, m)).  Returns its record of results.json.
    """
    from chainrule import stepwise
    from chainrule.plots import plot_costs

    stem, dims = MODELS[name]
    train = stepwise.two_layer_model if len(dims) == 3 else stepwise.L_layer_model
    print(
        f"\n{name} model, layers_dims {list(dims)}, learning rate {args.learning_rate:g}, "
        f"{args.iterations} iterations ({train.__name__})"
    )
    sys.stdout.flush()
    train_x, train_y = data["train"]
    start = time.perf_counter()
    with blas_threads(args.threads):
        parameters, costs = train(
            train_x,
            train_y,
            dims,
            learning_rate=args.learning_rate,
            num_iterations=args.iterations,
            print_cost=not args.quiet,
        )
    seconds = time.perf_counter() - start
    record: dict[str, Any] = {
        "layers_dims": list(dims),
        "costs_every_100": [float(c) for c in costs],
        "seconds": seconds,
    }
    for part, (X, y) in data.items():
        record[part] = _accuracy(stepwise.predict(X, y, parameters, verbose=False), y, part)
    plot_path = out / f"{stem}_costs.png"
    # the cost after the last iteration (the course records one every 100 only)
    AL, _ = stepwise.L_model_forward(train_x, parameters)
    final = (args.iterations, float(stepwise.compute_cost(AL, train_y)))
    plot_costs(costs, args.learning_rate, plot_path, every=100,
               title=f"{name} model {list(dims)}", final=final)  # fmt: skip
    record["plot"] = str(plot_path)
    print(f"trained in {seconds:.1f} s; cost plot: {plot_path}")
    return record


def _accuracy(p: Any, y: Any, part: str) -> dict[str, Any]:
    """The accuracy of predictions p (1, m) for labels y (1, m), printed as the course does."""
    from chainrule import stepwise
    from chainrule.stepwise.application import _course_accuracy

    printed = float(_course_accuracy(p, y.reshape(p.shape)))
    exact = stepwise.accuracy(p, y)
    correct = round(exact * y.size)
    print(f"{part:<5} Accuracy: {printed}  ({correct}/{y.size} correct)")
    return {"accuracy": exact, "printed_accuracy": printed, "correct": correct, "m": int(y.size)}
