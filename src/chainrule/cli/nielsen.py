"""``chainrule nielsen``: the runs of Nielsen's book, on the original MNIST files.

::

    chainrule nielsen ch1 --data ../shared/data          # network.py, chapter 1
    chainrule nielsen ch3 --data ../shared/data --seed 1 # network2.py, chapter 3

Prints one line per epoch as the book does (``Epoch 0: 9129 / 10000``, plus
the costs when they are monitored), a progress bar on a terminal, and a final
summary; writes ``history.json``, ``learning_curves.png`` and ``model.npz``
into the output folder.  See :mod:`chainrule.nielsen` and ``docs/nielsen.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

from chainrule.cli._common import UsageError, add_command
from chainrule.cli.options import (
    DTYPES,
    add_data_dir,
    add_progress_options,
    add_seed,
    nonneg_float,
    positive_float,
    positive_int,
)
from chainrule.training import epochs_text

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``nielsen`` sub-command."""
    from chainrule.nielsen import RECIPES

    p = add_command(
        subparsers,
        "nielsen",
        run,
        help="reproduce Nielsen's network.py (ch1) / network2.py (ch3) runs on MNIST",
        description=(
            "Reproduce the headline runs of Michael Nielsen's 'Neural Networks and Deep "
            "Learning' on the original MNIST IDX files, with his split (50,000 training, "
            "10,000 validation, 10,000 test images), his costs, initialisers and λ/n "
            "regularised mini-batch SGD.  ch1: "
            + RECIPES["ch1"].describe()
            + ", monitored on the test data.  ch3: "
            + RECIPES["ch3"].describe()
            + ", monitored on the validation data."
        ),
    )
    p.add_argument("recipe", choices=sorted(RECIPES), help="which run of the book")
    add_data_dir(p, "the four MNIST IDX .gz files")
    p.add_argument(
        "--epochs",
        type=positive_int("--epochs"),
        default=None,
        metavar="N",
        help="epochs (default: the book's)",
    )
    add_seed(p, "the weights, biases and shuffling")
    p.add_argument(
        "--train-size",
        type=positive_int("--train-size"),
        default=None,
        metavar="N",
        help="train on the first N of the 50,000 training images (n of λ/n becomes N)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="output folder (created); default: nielsen-<recipe>-seed<S>",
    )
    _add_book_options(p)
    p.add_argument(
        "--dtype",
        choices=DTYPES,
        default="float64",
        help="float64 (default, as the book's NumPy code) or float32",
    )
    add_progress_options(p, "no per-epoch lines")


def _add_book_options(p: argparse.ArgumentParser) -> None:
    """The settings of the book's runs, each default to the recipe's."""
    from chainrule.nielsen import COSTS, L2_CONVENTIONS, WEIGHT_INITS

    g = p.add_argument_group("the book's settings (default: the recipe's)")
    g.add_argument(
        "--eta", type=positive_float("--eta"), default=None, metavar="η", help="learning rate η"
    )
    g.add_argument(
        "--lmbda",
        type=nonneg_float("--lmbda"),
        default=None,
        metavar="λ",
        help="L2 regularisation λ",
    )
    g.add_argument(
        "--mini-batch-size",
        type=positive_int("--mini-batch-size"),
        default=None,
        metavar="B",
        help="mini-batch size |B|",
    )
    g.add_argument(
        "--hidden",
        type=positive_int("--hidden"),
        nargs="+",
        default=None,
        metavar="N",
        help="hidden layer sizes, e.g. --hidden 100",
    )
    g.add_argument("--cost", choices=sorted(COSTS), default=None, help="his cost function")
    g.add_argument(
        "--weight-init",
        choices=sorted(WEIGHT_INITS),
        default=None,
        help="large: N(0, 1); default: N(0, 1/n_in) (biases N(0, 1) either way)",
    )
    g.add_argument(
        "--evaluation",
        choices=("test", "validation"),
        default=None,
        help="the data monitored each epoch",
    )
    g.add_argument(
        "--l2-convention",
        choices=L2_CONVENTIONS,
        default="training_set",
        help="training_set (default): his decay (1 − ηλ/n); batch: (1 − ηλ/|B|), as chainrule.fit",
    )
    g.add_argument(
        "--monitor",
        choices=("all", "accuracy"),
        default="all",
        help="all (default): training and evaluation cost and accuracy; "
        "accuracy: the evaluation accuracy only, as the book prints",
    )


def _line(epoch: int, rec: dict[str, Any]) -> str:
    parts = [f"Epoch {epoch}:"]
    if "evaluation_accuracy" in rec:
        parts.append(f"{rec['evaluation_accuracy']} / {rec['n_evaluation']}")
    extra = []
    if "evaluation_cost" in rec:
        extra.append(f"evaluation cost {rec['evaluation_cost']:.4f}")
    if "training_cost" in rec:
        extra.append(f"training cost {rec['training_cost']:.4f}")
    if "training_accuracy" in rec:
        extra.append(f"training {rec['training_accuracy']} / {rec['n_training']}")
    extra.append(f"{rec['seconds']:.1f} s")
    return " ".join(parts) + "  (" + ", ".join(extra) + ")"


def _pct(pair: tuple[int, int]) -> str:
    return f"{pair[0]} / {pair[1]} ({100.0 * pair[0] / pair[1]:.2f}%)"


def run(args: argparse.Namespace) -> int:
    """Run one recipe; returns the exit code."""
    from tqdm.auto import tqdm

    from chainrule.data import load_mnist
    from chainrule.nielsen import get_recipe, reproduce

    recipe = get_recipe(
        args.recipe,
        epochs=args.epochs,
        eta=args.eta,
        lmbda=args.lmbda,
        mini_batch_size=args.mini_batch_size,
        sizes=None if args.hidden is None else (784, *args.hidden, 10),
        cost=args.cost,
        weight_init=args.weight_init,
        evaluation=args.evaluation,
    )
    out = Path(args.out if args.out is not None else f"nielsen-{args.recipe}-seed{args.seed}")
    dataset = load_mnist(args.data, split="nielsen", dtype=args.dtype)
    n_train = dataset.m_train if args.train_size is None else args.train_size
    if n_train > dataset.m_train:  # a rule between an option and the data: after parsing
        raise UsageError(
            f"--train-size {n_train} is more than the {dataset.m_train} training images"
        )
    out.mkdir(parents=True, exist_ok=True)

    def on_epoch(epoch: int, rec: dict[str, Any]) -> None:
        if not args.quiet:
            # tqdm.write keeps the line above a running progress bar
            tqdm.write(_line(epoch, rec), file=sys.stdout)
            sys.stdout.flush()

    _print_start(args, recipe, dataset, n_train)
    result = reproduce(
        recipe,
        dataset=dataset,
        seed=args.seed,
        train_size=args.train_size,
        l2_convention=args.l2_convention,
        monitor=args.monitor,
        dtype=args.dtype,
        progress=args.progress,
        callback=on_epoch,
    )
    best = _print_summary(result)
    _write_outputs(args, result, best, out)
    return 0


def _print_start(args: argparse.Namespace, recipe: Any, dataset: Any, n_train: int) -> None:
    """The recipe, the L2 convention, and the images trained on and monitored."""
    reg = ""
    if recipe.lmbda:
        reg = (
            f"; L2: λ/n with n = {n_train}"
            if args.l2_convention == "training_set"
            else f"; L2: λ/|B| with |B| = {recipe.mini_batch_size}"
        )
    m_eval = dataset.m_val if recipe.evaluation == "validation" else dataset.m_test
    print(f"chainrule nielsen {args.recipe}: {recipe.describe()}{reg}")
    print(
        f"training on {n_train} images, monitoring the {recipe.evaluation} data "
        f"({m_eval} images), seed {args.seed}, {args.dtype}"
    )
    sys.stdout.flush()


def _print_summary(result: Any) -> tuple[int, int] | None:
    """How the run ended, its best epoch and the final network; the best (epoch, correct)."""
    import numpy as np

    mon = result.monitor
    best = mon.best_evaluation()
    if mon.message and not mon.message.startswith("finished"):
        print(mon.message)
    if best is not None:
        print(
            f"best {result.recipe.evaluation} accuracy: "
            f"{_pct((best[1], mon.n_evaluation))} at epoch {best[0]}"
        )
    print(
        f"final network: validation {_pct(result.validation)}, test {_pct(result.test)}; "
        f"{epochs_text(mon.epochs_run)} in {result.seconds:.1f} s "
        f"(median {float(np.median(mon.epoch_seconds)) if mon.epoch_seconds else 0:.2f} s "
        "of training per epoch)"
    )
    return best


def _write_outputs(
    args: argparse.Namespace, result: Any, best: tuple[int, int] | None, out: Path
) -> None:
    """history.json, learning_curves.png and model.npz (pixels / 255 as its input scaling)."""
    import numpy as np

    from chainrule import __version__
    from chainrule.io import atomic_write_bytes, save
    from chainrule.nielsen import plot_monitor

    summary = result.to_dict()
    summary["arguments"] = {k: v for k, v in vars(args).items() if k != "func"}
    summary["environment"] = {
        "chainrule": __version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor(),
    }
    if best is not None:
        summary["best_evaluation"] = {"epoch": best[0], "correct": best[1]}
    text = json.dumps(summary, indent=2, allow_nan=True).encode()
    atomic_write_bytes(out / "history.json", lambda f: f.write(text))
    plot_monitor(
        result.monitor,
        out / "learning_curves.png",
        title=f"Nielsen {args.recipe}: {result.recipe.describe()} (seed {args.seed})",
        evaluation_name=result.recipe.evaluation,
    )
    save(
        result.net,
        out / "model.npz",
        dataset="mnist-nielsen",
        preprocessing={"kind": "divide", "by": 255.0},  # trained on pixels / 255
        class_names=[str(d) for d in range(10)],
        nielsen=summary | {"monitor": None},
    )
    print(f"wrote {out / 'history.json'}, {out / 'learning_curves.png'}, {out / 'model.npz'}")
