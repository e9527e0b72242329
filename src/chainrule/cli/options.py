"""The command line's options: argument types and option groups, each defined once.

**One validation style.**  Every option value is checked while parsing, by an
argparse ``type=`` function made here for that option (``positive_int("--epochs")``):
it returns the value or raises :class:`argparse.ArgumentTypeError` whose message
names the option, ``--epochs must be a positive integer, got 0``.  The parser
(:func:`chainrule.cli._common.one_line_errors`) reports it as one line and ``main``
returns 2.  What a single type cannot express -- options that contradict each other,
a value that must fit the data -- is checked after parsing by the command, as a
:class:`~chainrule.cli._common.UsageError` (same exit code).

**Option groups.**  ``add_*_options(parser)`` add a group of options to a command's
parser: the data, network, training and output options of ``train``; the
network-from-options group and ``--convention`` of ``gradcheck`` and ``explain``;
and the options several commands share (``--seed``, ``--data``, ``--progress`` and
``--quiet``).

The ``add_argument`` calls here and in the commands' ``register`` are alike in
shape by nature (a duplicate-code scan pairs them); each option is defined once.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "DEFAULTS",
    "DTYPES",
    "add_convention",
    "add_data_dir",
    "add_data_options",
    "add_network_options",
    "add_network_spec_options",
    "add_output_options",
    "add_progress_options",
    "add_seed",
    "add_training_options",
    "batch_size",
    "fraction",
    "hidden_layers",
    "layer_sizes",
    "nonneg_float",
    "nonneg_int",
    "open_fraction",
    "positive_float",
    "positive_int",
    "rates",
]

T = TypeVar("T")

DEFAULTS: dict[str, Any] = {
    "dataset": "digits",
    "hidden_layers": [256],
    "hidden": "relu",
    "optimizer": "adam",
    "epochs": 40,
    "batch_size": 32,
    "dropout": 0.2,
    "l2": 0.0,
    "seed": 0,
    "val_fraction": 0.1,
    "test_fraction": 0.2,
    "scale": "standard",
    "patience": 10,
}
"""The defaults of ``chainrule train`` (tuned on digits: ≥ 0.97 test accuracy)."""

DTYPES = ("float64", "float32")
"""The ``--dtype`` choices."""


# ---------------------------------------------------------------------------------------
# argument types: text -> value, or ArgumentTypeError naming the option
# ---------------------------------------------------------------------------------------


def _float(option: str, text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{option} must be a number, got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"{option} must be a finite number, got {text!r}")
    return v


def _int(option: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{option} must be an integer, got {text!r}") from None


def _checked(
    option: str,
    convert: Callable[[str, str], T],
    ok: Callable[[T], bool],
    expected: str,
) -> Callable[[str], T]:
    """An argument type: ``convert`` the text, then ``{option} must be {expected}`` unless ok."""

    def parse(text: str) -> T:
        value = convert(option, text)
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{option} must be {expected}, got {value}")
        return value

    return parse


def positive_float(option: str, expected: str = "a number > 0") -> Callable[[str], float]:
    """A finite number > 0."""
    return _checked(option, _float, lambda v: v > 0, expected)


def nonneg_float(option: str) -> Callable[[str], float]:
    """A finite number >= 0."""
    return _checked(option, _float, lambda v: v >= 0, "a number >= 0")


def fraction(option: str) -> Callable[[str], float]:
    """A fraction in [0, 1)."""
    return _checked(option, _float, lambda v: 0 <= v < 1, "a fraction in [0, 1)")


def open_fraction(option: str) -> Callable[[str], float]:
    """A fraction in (0, 1)."""
    return _checked(option, _float, lambda v: 0 < v < 1, "a fraction in (0, 1)")


def positive_int(option: str) -> Callable[[str], int]:
    """An integer >= 1."""
    return _checked(option, _int, lambda v: v >= 1, "a positive integer")


def nonneg_int(option: str) -> Callable[[str], int]:
    """An integer >= 0."""
    return _checked(option, _int, lambda v: v >= 0, ">= 0")


def batch_size(option: str) -> Callable[[str], int | None]:
    """A mini-batch size; ``full`` or ``0`` means full-batch gradient descent (None)."""

    def parse(text: str) -> int | None:
        if text.strip().lower() in ("full", "0"):
            return None
        try:
            return positive_int(option)(text)
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"{option} must be a positive integer, or 0 or 'full' for full-batch gradient "
                f"descent; got {text!r}"
            ) from None

    return parse


def hidden_layers(option: str) -> Callable[[str], list[int]]:
    """Comma-separated hidden-layer sizes; ``none`` (or empty) for no hidden layer."""

    def parse(text: str) -> list[int]:
        t = text.strip().lower()
        if t in ("", "none"):
            return []
        sizes = []
        for part in t.split(","):
            try:
                n = int(part)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"{option}: expected comma-separated positive integers such as 128,64 "
                    f"(or 'none'), got {text!r}"
                ) from None
            if n < 1:
                raise argparse.ArgumentTypeError(
                    f"{option}: layer sizes must be >= 1, got {n} in {text!r}"
                )
            sizes.append(n)
        return sizes

    return parse


def layer_sizes(option: str) -> Callable[[str], list[int]]:
    """All the layer sizes n[0],...,n[L]: two positive integers at least."""

    def parse(text: str) -> list[int]:
        try:
            dims = [int(t) for t in text.replace(" ", "").split(",") if t != ""]
        except ValueError:
            dims = []
        if len(dims) < 2 or any(d < 1 for d in dims):
            raise argparse.ArgumentTypeError(
                f"{option} must list at least two positive integers n[0],...,n[L] separated by "
                f"commas (e.g. 12288,20,7,5,1), got {text!r}"
            )
        return dims

    return parse


def rates(option: str) -> Callable[[str], float | list[float]]:
    """One drop rate for every hidden layer, or a comma-separated rate per hidden layer."""
    one = fraction(option)

    def parse(text: str) -> float | list[float]:
        values = [one(part) for part in text.split(",")]
        return values[0] if len(values) == 1 else values

    return parse


# ---------------------------------------------------------------------------------------
# options several commands share
# ---------------------------------------------------------------------------------------


def add_seed(p: Any, seeds: str, default: int | None = 0) -> None:
    """``--seed S``: what it ``seeds``, e.g. "the weights and shuffling"."""
    p.add_argument(
        "--seed",
        type=nonneg_int("--seed"),
        default=default,
        metavar="S",
        help=f"seeds {seeds} (default: {default})",
    )


def add_data_dir(p: Any, holding: str) -> None:
    """``--data DIR``: the real-data folder, ``holding`` what the command reads."""
    p.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help=f"folder with {holding} (or its parent); default: $CHAINRULE_DATA or ../shared/data",
    )


def add_progress_options(p: Any, quiet: str) -> None:
    """``--progress/--no-progress`` and ``-q/--quiet`` (``quiet``: what it leaves out)."""
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help=quiet)


# ---------------------------------------------------------------------------------------
# chainrule train
# ---------------------------------------------------------------------------------------


def add_data_options(p: argparse.ArgumentParser) -> None:
    """The data set, its split and its scaling (``train``)."""
    from chainrule.data import SCALES, SKLEARN_DATASETS, TASKS

    d = DEFAULTS
    names = ", ".join([*SKLEARN_DATASETS, "catvnoncat", "mnist"])
    g = p.add_argument_group("data")
    g.add_argument(
        "--dataset",
        default=d["dataset"],
        metavar="NAME|FILE",
        help=f"a bundled set ({names}) or a .csv/.npz file with one example per row "
        f"(default: {d['dataset']})",
    )
    add_data_dir(g, "catvnoncat/ and mnist/")
    g.add_argument(
        "--target-column",
        metavar="COL",
        default=None,
        help="CSV files: the label column, by index (negative from the end) or header name "
        "(default: the last column)",
    )
    g.add_argument(
        "--task",
        choices=TASKS,
        default=None,
        help="files: what the label is (default: guessed; whole numbers mean classes)",
    )
    g.add_argument(
        "--test-fraction",
        type=open_fraction("--test-fraction"),
        default=d["test_fraction"],
        metavar="F",
        help=f"test part of data split here (default: {d['test_fraction']}; the image sets "
        "keep their own test files)",
    )
    g.add_argument(
        "--val-fraction",
        type=fraction("--val-fraction"),
        default=d["val_fraction"],
        metavar="F",
        help=f"validation part, a fraction of all examples (default: {d['val_fraction']}; "
        "image sets: of the training part; 0: no validation)",
    )
    g.add_argument(
        "--scale",
        choices=SCALES,
        default=None,
        help=f"feature scaling fitted on the training part (default: {d['scale']}; the image "
        "sets are always divided by 255)",
    )
    g.add_argument(
        "--scale-target",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="regression: train on standardised targets; predictions and MSE are reported "
        "in the original units (default: on)",
    )


def add_network_options(p: argparse.ArgumentParser) -> None:
    """Hidden layers, activations, loss, initialiser and dtype (``train``)."""
    from chainrule.activations import ACTIVATIONS
    from chainrule.initializers import INITIALIZERS
    from chainrule.losses import LOSS_ALIASES, LOSSES

    d = DEFAULTS
    acts = sorted(ACTIVATIONS)
    g = p.add_argument_group("network")
    g.add_argument(
        "--hidden-layers",
        type=hidden_layers("--hidden-layers"),
        default=None,
        metavar="N,N,...",
        help="hidden-layer sizes only; input and output sizes come from the data "
        f"(default: {','.join(map(str, d['hidden_layers']))}; 'none': no hidden layer)",
    )
    g.add_argument(
        "--hidden",
        choices=acts,
        default=d["hidden"],
        help=f"activation of every hidden layer (default: {d['hidden']})",
    )
    g.add_argument(
        "--output",
        choices=acts,
        default=None,
        help="output activation (default: from the loss, or from the task: sigmoid for "
        "binary, softmax for multiclass, identity for regression)",
    )
    g.add_argument(
        "--loss",
        choices=sorted([*LOSSES, *LOSS_ALIASES]),
        default=None,
        metavar="LOSS",
        help="binary_crossentropy (bce), categorical_crossentropy (cce) or squared_error (mse) "
        "(default: the output's canonical loss, or from the task)",
    )
    g.add_argument(
        "--init",
        choices=["auto", *sorted(INITIALIZERS)],
        default="auto",
        help="weight initialiser (default: auto = he for relu layers, glorot_uniform otherwise)",
    )
    g.add_argument(
        "--dtype", choices=DTYPES, default="float64", help="float64 (default) or float32 end to end"
    )


def add_training_options(p: argparse.ArgumentParser) -> None:
    """Optimizer, learning-rate schedule, epochs, batches, regularisation, seed (``train``)."""
    from chainrule.optim import OPTIMIZERS, SCHEDULES

    d = DEFAULTS
    g = p.add_argument_group("training")
    g.add_argument(
        "--optimizer",
        choices=sorted(OPTIMIZERS),
        default=d["optimizer"],
        help=f"(default: {d['optimizer']}; Adam is Kingma & Ba's Algorithm 1 with bias correction)",
    )
    g.add_argument(
        "--lr",
        "--learning-rate",
        dest="lr",
        type=positive_float("--lr"),
        default=None,
        metavar="α",
        help="learning rate α₀ (default: 0.001 for adam/rmsprop, 0.01 for sgd/momentum/nesterov)",
    )
    g.add_argument(
        "--lr-schedule",
        choices=SCHEDULES,
        default="constant",
        help="constant (default); inverse_time: α₀/(1 + decay·epoch); stepwise: "
        "α₀/(1 + decay·⌊epoch/interval⌋); exponential: α₀·decay^epoch",
    )
    g.add_argument(
        "--decay",
        type=nonneg_float("--decay"),
        default=None,
        metavar="K",
        help="decay rate of the --lr-schedule (required with it; exponential: in (0, 1])",
    )
    g.add_argument(
        "--decay-interval",
        type=positive_int("--decay-interval"),
        default=None,
        metavar="N",
        help="epochs per step of the stepwise schedule (default: 1)",
    )
    g.add_argument(
        "--epochs",
        type=positive_int("--epochs"),
        default=d["epochs"],
        metavar="N",
        help=f"passes over the training data (default: {d['epochs']})",
    )
    g.add_argument(
        "--batch-size",
        type=batch_size("--batch-size"),
        default=d["batch_size"],
        metavar="B",
        help=f"mini-batch size; 0 or 'full' for full-batch gradient descent "
        f"(default: {d['batch_size']})",
    )
    g.add_argument(
        "--l2",
        type=nonneg_float("--l2"),
        default=d["l2"],
        metavar="λ",
        help="L2 penalty λ: J = (1/m) Σ L + (λ/2m) Σ ‖W‖² (default: 0)",
    )
    g.add_argument(
        "--dropout",
        type=rates("--dropout"),
        default=None,
        metavar="P",
        help=f"inverted-dropout drop rate of the hidden layers, one rate or one per hidden "
        f"layer (default: {d['dropout']}; 0 with no hidden layer)",
    )
    g.add_argument(
        "--early-stopping",
        action="store_true",
        help="stop when the validation cost (training cost without validation) has not "
        "improved for --patience epochs, and keep the best epoch's weights",
    )
    g.add_argument(
        "--patience",
        type=positive_int("--patience"),
        default=None,
        metavar="N",
        help=f"epochs without improvement before early stopping (default: {d['patience']})",
    )
    g.add_argument(
        "--threads",
        type=nonneg_int("--threads"),
        default=None,
        metavar="N",
        help="BLAS threads; 0: the BLAS library's own choice (default: 1 for mini-batches of "
        "up to 256 examples, where one thread is fastest, 0 otherwise)",
    )
    add_seed(g, "the split, the initial weights, shuffling and dropout", d["seed"])


def add_output_options(p: argparse.ArgumentParser) -> None:
    """The output folder, the plot, the progress bar and the header (``train``)."""
    g = p.add_argument_group("output")
    g.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="output folder, created if needed (default: chainrule-runs/<dataset>-<date-time>)",
    )
    g.add_argument("--no-plot", action="store_true", help="do not write learning_curve.png")
    add_progress_options(g, "no header and no progress bar")


# ---------------------------------------------------------------------------------------
# chainrule gradcheck and chainrule explain
# ---------------------------------------------------------------------------------------


def add_network_spec_options(p: argparse.ArgumentParser, *, dropout: bool = False) -> None:
    """A network as MODEL.npz or by options (``--layers`` ...), and ``--seed``."""
    p.add_argument(
        "model",
        nargs="?",
        metavar="MODEL.npz",
        help="a saved chainrule model (instead of --layers)",
    )
    g = p.add_argument_group("network from options (instead of MODEL.npz)")
    g.add_argument(
        "--layers",
        type=layer_sizes("--layers"),
        metavar="N0,...,NL",
        help="layer sizes n[0],n[1],...,n[L], e.g. 12288,20,7,5,1",
    )
    g.add_argument("--hidden", metavar="NAME", help="hidden activation (default: relu)")
    g.add_argument("--output", metavar="NAME", help="output activation (default: sigmoid)")
    g.add_argument(
        "--loss",
        metavar="NAME",
        help="loss: bce, cce, mse or a full name (default: the output's canonical loss)",
    )
    g.add_argument(
        "--activations",
        metavar="G1,...,GL",
        help="one activation per layer (overrides --hidden/--output)",
    )
    g.add_argument(
        "--l2", type=nonneg_float("--l2"), metavar="λ", help="L2 regularisation λ (default: 0)"
    )
    g.add_argument("--init", metavar="NAME", help="weight initialiser (default: auto)")
    g.add_argument("--dtype", choices=DTYPES, help="default: float64")
    if dropout:
        g.add_argument(
            "--dropout",
            type=fraction("--dropout"),
            metavar="RATE",
            help="hidden-layer drop rate (default: 0)",
        )
    add_seed(p, "the weights (with --layers) and the random check data")


def add_convention(p: argparse.ArgumentParser) -> None:
    """``--convention``: where the 1/m enters the backward pass."""
    p.add_argument(
        "--convention",
        choices=("course", "cost"),
        default="course",
        help="where the 1/m enters: course (default) takes dA[L] = ∂L/∂A[L] per example and "
        "puts 1/m into dW = (1/m) dZ A_prevᵀ; cost starts from ∂J/∂A[L], already divided by m. "
        "dW and db are the same either way",
    )
