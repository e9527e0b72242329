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
from chainrule.cli import UsageError
from chainrule.cli._common import one_line_errors

__all__ = ["MODELS", "register", "run"]

MODELS = {
    "two-layer": ("two_layer", (12288, 7, 1)),
    "four-layer": ("four_layer", (12288, 20, 7, 5, 1)),
}
"""--model name -> (file stem, the course's layers_dims)."""


def register(subparsers: Any) -> None:
    """Add the ``course`` sub-command."""
    p = subparsers.add_parser(
        "course",
        help="reproduce the deeplearning.ai course's runs (cat vs non-cat, week 4)",
        description=(
            "Reproduce a published run of the deeplearning.ai course with chainrule.stepwise, "
            "the course's functions: 'cat' trains the two-layer (12288, 7, 1) and four-layer "
            "[12288, 20, 7, 5, 1] models of 'Deep Neural Network - Application' on the "
            "cat-vs-non-cat images, prints the cost trace and the accuracies, and saves the "
            "cost plots."
        ),
        epilog="Exit codes: 0 success, 2 usage error, 1 other failure (one line on stderr).",
    )
    p.add_argument(
        "run_name",
        nargs="?",
        default="cat",
        choices=("cat",),
        metavar="RUN",
        help="which run: cat (the only one, and the default)",
    )
    p.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="folder with train_catvnoncat.h5 and test_catvnoncat.h5 (or its parent); "
        "default: $CHAINRULE_DATA or ../shared/data",
    )
    p.add_argument(
        "--model",
        choices=(*MODELS, "both"),
        default="both",
        help="which model to train (default: both)",
    )
    p.add_argument(
        "--iterations",
        type=int,
        default=2500,
        metavar="N",
        help="gradient-descent iterations (default: 2500, as the notebook)",
    )
    p.add_argument(
        "--learning-rate",
        type=float,
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
        type=int,
        default=0,
        metavar="N",
        help="BLAS threads for the matrix products; 0 (default): the BLAS library's own choice. "
        "On a busy machine, 1 avoids spinning threads that can slow training several-fold",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no cost trace")
    p.set_defaults(func=run)
    one_line_errors(p)


def run(args: argparse.Namespace) -> int:
    """Train the chosen model(s); returns the exit code."""
    import numpy as np

    from chainrule import __version__, stepwise
    from chainrule.io import atomic_write_bytes
    from chainrule.plots import plot_costs
    from chainrule.stepwise.deep_network import _course_accuracy

    if args.iterations < 1:
        raise UsageError(f"--iterations must be a positive integer, got {args.iterations}")
    if not (args.learning_rate > 0 and np.isfinite(args.learning_rate)):
        raise UsageError(f"--learning-rate must be a finite number > 0, got {args.learning_rate}")
    if args.threads < 0:
        raise UsageError(f"--threads must be >= 0, got {args.threads}")

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
    results: dict[str, Any] = {}
    for name in names:
        stem, dims = MODELS[name]
        train = stepwise.two_layer_model if len(dims) == 3 else stepwise.L_layer_model
        print(
            f"\n{name} model, layers_dims {list(dims)}, learning rate {args.learning_rate:g}, "
            f"{args.iterations} iterations ({train.__name__})"
        )
        sys.stdout.flush()
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
        for part, X, y in (("train", train_x, train_y), ("test", test_x, test_y)):
            p = stepwise.predict(X, y, parameters, verbose=False)
            printed = float(_course_accuracy(p, y.reshape(p.shape)))
            exact = stepwise.accuracy(p, y)
            correct = round(exact * y.size)
            print(f"{part:<5} Accuracy: {printed}  ({correct}/{y.size} correct)")
            record[part] = {
                "accuracy": exact,
                "printed_accuracy": printed,
                "correct": correct,
                "m": int(y.size),
            }
        plot_path = out / f"{stem}_costs.png"
        # the cost after the last iteration (the course records one every 100 only)
        AL, _ = stepwise.L_model_forward(train_x, parameters)
        final = (args.iterations, float(stepwise.compute_cost(AL, train_y)))
        plot_costs(costs, args.learning_rate, plot_path, every=100,
                   title=f"{name} model {list(dims)}", final=final)  # fmt: skip
        record["plot"] = str(plot_path)
        print(f"trained in {seconds:.1f} s; cost plot: {plot_path}")
        results[name] = record

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
