r"""The book's runs: :data:`RECIPES` (chapters 1 and 3), :func:`reproduce` on MNIST, the plots.

``chainrule nielsen ch1|ch3`` calls :func:`reproduce`; the network and the training loop
are :mod:`chainrule.nielsen.network2`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from chainrule._validation import (
    check_choice,
    check_layer_dims,
    check_nonneg_float,
    check_positive_float,
    check_positive_int,
)
from chainrule.network import Network
from chainrule.nielsen.network2 import COSTS, WEIGHT_INITS, Monitor, accuracy, make_network, sgd
from chainrule.training import epochs_text

__all__ = [
    "RECIPES",
    "Recipe",
    "Reproduction",
    "get_recipe",
    "plot_monitor",
    "reproduce",
]


@dataclass(frozen=True)
class Recipe:
    """One of the book's training runs.

    Attributes
    ----------
    name : str
    sizes : tuple of int
    cost : {"quadratic", "cross_entropy"}
    weight_init : {"default", "large"}
    epochs, mini_batch_size : int
    eta, lmbda : float
    evaluation : {"test", "validation"}
        The data the book monitors each epoch.
    book_code : str
        The book's own lines.
    book_result : str
        What the book reports.
    """

    name: str
    sizes: tuple[int, ...]
    cost: str
    weight_init: str
    epochs: int
    mini_batch_size: int
    eta: float
    lmbda: float
    evaluation: str
    book_code: str
    book_result: str

    def describe(self) -> str:
        """One line: the architecture and hyper-parameters."""
        reg = f", λ = {self.lmbda:g}" if self.lmbda else ""
        law = "N(0, 1)" if self.weight_init == "large" else "N(0, 1/n_in)"
        return (
            f"{list(self.sizes)} sigmoid, {self.cost.replace('_', '-')} cost, "
            f"weights {self.weight_init} {law}, "
            f"η = {self.eta:g}{reg}, mini-batch {self.mini_batch_size}, {epochs_text(self.epochs)}"
        )


# a table written as code: the two entries have the same fields by design (one per run)
RECIPES: dict[str, Recipe] = {
    "ch1": Recipe(
        name="ch1",
        sizes=(784, 30, 10),
        cost="quadratic",
        weight_init="large",
        epochs=30,
        mini_batch_size=10,
        eta=3.0,
        lmbda=0.0,
        evaluation="test",
        book_code=(
            "net = network.Network([784, 30, 10]); "
            "net.SGD(training_data, 30, 10, 3.0, test_data=test_data)"
        ),
        book_result="about 95% test accuracy (95.42% at its peak, best of three runs)",
    ),
    "ch3": Recipe(
        name="ch3",
        sizes=(784, 100, 10),
        cost="cross_entropy",
        weight_init="large",
        epochs=60,
        mini_batch_size=10,
        eta=0.1,
        lmbda=5.0,
        evaluation="validation",
        book_code=(
            "net = network2.Network([784, 100, 10], cost=network2.CrossEntropyCost); "
            "net.large_weight_initializer(); "
            "net.SGD(training_data, 60, 10, 0.1, lmbda=5.0, evaluation_data=validation_data, "
            "monitor_evaluation_accuracy=True)"
        ),
        book_result="98.04% on the validation data",
    ),
}
"""The book's chapter-1 (``network.py``) and chapter-3 (``network2.py``) headline runs."""


@dataclass
class Reproduction:
    """The result of :func:`reproduce`.

    Attributes
    ----------
    recipe : Recipe
        The settings actually used (overrides applied).
    net : Network
        The trained network.
    monitor : Monitor
    seed : int
    l2_convention : str
    validation : tuple of (int, int)
        (correct, total) of the final network on the 10,000 validation images.
    test : tuple of (int, int)
        (correct, total) on the 10,000 test images.
    seconds : float
        Wall time of training and monitoring.
    """

    recipe: Recipe
    net: Network
    monitor: Monitor
    seed: int
    l2_convention: str
    validation: tuple[int, int]
    test: tuple[int, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary (the network's weights excluded)."""
        return {
            "recipe": asdict(self.recipe),
            "seed": self.seed,
            "l2_convention": self.l2_convention,
            "final_validation": list(self.validation),
            "final_test": list(self.test),
            "seconds": self.seconds,
            "monitor": self.monitor.to_dict(),
        }


_RECIPE_FIELDS = (
    "sizes",
    "cost",
    "weight_init",
    "epochs",
    "mini_batch_size",
    "eta",
    "lmbda",
    "evaluation",
)


def get_recipe(recipe: str | Recipe, **overrides: Any) -> Recipe:
    """A recipe by name (or as given) with some of its settings replaced.

    Parameters
    ----------
    recipe : "ch1", "ch3" or Recipe
    **overrides
        ``sizes``, ``cost``, ``weight_init``, ``epochs``, ``mini_batch_size``,
        ``eta``, ``lmbda``, ``evaluation``; ``None`` values are ignored.

    Returns
    -------
    Recipe
    """
    if isinstance(recipe, str):
        check_choice(recipe, RECIPES, "recipe")
        rec = RECIPES[recipe]
    elif isinstance(recipe, Recipe):
        rec = recipe
    else:
        raise TypeError(f"recipe must be one of {sorted(RECIPES)} or a Recipe, got {recipe!r}")
    unknown = set(overrides) - set(_RECIPE_FIELDS)
    if unknown:
        raise TypeError(
            f"unknown recipe settings {sorted(unknown)}; valid: {', '.join(_RECIPE_FIELDS)}"
        )
    new = {k: v for k, v in overrides.items() if v is not None}
    if "sizes" in new:
        new["sizes"] = tuple(check_layer_dims(new["sizes"], "sizes"))
    for key in ("epochs", "mini_batch_size"):
        if key in new:
            new[key] = check_positive_int(new[key], key)
    if "eta" in new:
        new["eta"] = check_positive_float(new["eta"], "eta")
    if "lmbda" in new:
        new["lmbda"] = check_nonneg_float(new["lmbda"], "lmbda")
    if "cost" in new:
        check_choice(new["cost"], COSTS, "cost")
    if "weight_init" in new:
        check_choice(new["weight_init"], WEIGHT_INITS, "weight_init")
    if "evaluation" in new:
        check_choice(new["evaluation"], ("test", "validation"), "evaluation")
    return replace(rec, **new)


def reproduce(
    recipe: str | Recipe,
    data_dir: Any = None,
    *,
    seed: int = 0,
    epochs: int | None = None,
    train_size: int | None = None,
    l2_convention: str = "training_set",
    monitor: str = "all",
    dtype: Any = "float64",
    progress: bool | None = None,
    callback: Callable[[int, dict[str, Any]], bool | None] | None = None,
    dataset: Any = None,
    **overrides: Any,
) -> Reproduction:
    """Run one of the book's recipes on MNIST (Nielsen's 50,000 / 10,000 / 10,000 split).

    Parameters
    ----------
    recipe : "ch1", "ch3" or Recipe
    data_dir : str or path-like, optional
        The folder with the four MNIST IDX files (or its parent); default
        :func:`chainrule.data.default_data_dir`.
    seed : int, default=0
        Seeds the initial weights and biases and the shuffling.
    epochs : int, optional
        Overrides the recipe's epochs.
    train_size : int, optional
        Train on the first ``train_size`` of the 50,000 training images (his
        ``training_data[:1000]`` experiments); n of λ/n is then this size.
    l2_convention : {"training_set", "batch"}, default="training_set"
    monitor : {"all", "accuracy"}, default="all"
        ``"all"``: evaluation and training cost and accuracy (the learning
        curves); ``"accuracy"``: only the evaluation accuracy the book prints.
    dtype : {"float64", "float32"}, default="float64"
    progress : bool or None
    callback : see :func:`sgd`
    dataset : chainrule.data.Dataset, optional
        An already loaded ``load_mnist(split="nielsen")`` (skips reading the files).
    **overrides
        Any other :class:`Recipe` field (``sizes``, ``cost``, ``weight_init``,
        ``mini_batch_size``, ``eta``, ``lmbda``, ``evaluation``).

    Returns
    -------
    Reproduction
    """
    rec = get_recipe(recipe, epochs=epochs, **overrides)
    check_choice(monitor, ("all", "accuracy"), "monitor")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")

    if dataset is None:
        from chainrule.data import load_mnist

        dataset = load_mnist(data_dir, split="nielsen", dtype=dtype)
    if dataset.X_val is None:
        raise ValueError("reproduce needs the 'nielsen' split (a validation part)")
    X, y = dataset.X_train, dataset.y_train
    if train_size is not None:
        train_size = check_positive_int(train_size, "train_size")
        if train_size > X.shape[1]:
            raise ValueError(
                f"train_size={train_size} is more than the {X.shape[1]} training images"
            )
        X, y = X[:, :train_size], y[..., :train_size]
    if rec.sizes[0] != X.shape[0] or rec.sizes[-1] != 10:
        raise ValueError(
            f"sizes must start with {X.shape[0]} inputs and end with 10 outputs for MNIST, "
            f"got {list(rec.sizes)}"
        )
    net = make_network(rec.sizes, rec.cost, rec.weight_init, seed=int(seed), dtype=dtype)
    ev = (
        (dataset.X_val, dataset.y_val)
        if rec.evaluation == "validation"
        else (dataset.X_test, dataset.y_test)
    )
    every = monitor == "all"
    t0 = time.perf_counter()
    mon = sgd(
        net,
        X,
        y,
        rec.epochs,
        rec.mini_batch_size,
        rec.eta,
        rec.lmbda,
        l2_convention=l2_convention,
        evaluation_data=ev,
        monitor_evaluation_cost=every,
        monitor_evaluation_accuracy=True,
        monitor_training_cost=every,
        monitor_training_accuracy=every,
        progress=progress,
        callback=callback,
    )
    seconds = time.perf_counter() - t0
    m_val, m_test = dataset.X_val.shape[1], dataset.X_test.shape[1]
    return Reproduction(
        recipe=rec,
        net=net,
        monitor=mon,
        seed=int(seed),
        l2_convention=l2_convention,
        validation=(accuracy(net, dataset.X_val, dataset.y_val), m_val),
        test=(accuracy(net, dataset.X_test, dataset.y_test), m_test),
        seconds=seconds,
    )


def plot_monitor(
    monitor: Monitor,
    path: str | Path | None = None,
    title: str | None = None,
    evaluation_name: str = "evaluation",
) -> Any:
    """Learning curves of a :class:`Monitor`: cost and accuracy (%) per epoch.

    Parameters
    ----------
    monitor : Monitor
    path : str or Path, optional
        Write a PNG there (atomically) and close the figure.
    title : str, optional
    evaluation_name : str, default="evaluation"
        The legend's name for the evaluation data (e.g. "validation", "test").

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure (no ``path``), else the written file.
    """
    from chainrule.io import atomic_write_bytes
    from chainrule.plots import _new_figure, show

    # a bare Figure: no backend switch, no global pyplot state; shown at once in Jupyter
    fig = _new_figure((11, 4), layout=None)
    ax_c, ax_a = fig.subplots(1, 2)
    for values, label in (
        (monitor.training_cost, "training"),
        (monitor.evaluation_cost, evaluation_name),
    ):
        if values:
            ax_c.plot(range(len(values)), values, label=label)
    ax_c.set_xlabel("epoch")
    ax_c.set_ylabel("cost (L2 term included)")
    for counts, total, label in (
        (monitor.training_accuracy, monitor.n_training, "training"),
        (monitor.evaluation_accuracy, monitor.n_evaluation, evaluation_name),
    ):
        if counts and total:
            ax_a.plot(range(len(counts)), [100.0 * c / total for c in counts], label=label)
    ax_a.set_xlabel("epoch")
    ax_a.set_ylabel("accuracy (%)")
    for ax in (ax_c, ax_a):
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    show(fig)
    if path is None:
        return fig
    return atomic_write_bytes(path, lambda f: fig.savefig(f, format="png", dpi=100))
