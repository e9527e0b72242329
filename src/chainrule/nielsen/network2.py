r"""Nielsen's ``network2.py`` on chainrule's core: costs, initialisers, monitoring, his SGD.

The notation, the two costs, the two initialisers and the two L2 conventions are explained
in :mod:`chainrule.nielsen`; this module is the code: :func:`make_network`, the monitored
quantities (:func:`total_cost`, :func:`accuracy`, :class:`Monitor`) and the training loop
(:func:`update_mini_batch`, :func:`sgd`) through :func:`chainrule.fit`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from chainrule import backprop
from chainrule._typing import Array
from chainrule._validation import (
    check_choice,
    check_dtype,
    check_layer_dims,
    check_nonneg_float,
    check_positive_float,
    check_positive_int,
)
from chainrule.head import decide, encode_labels, per_example_loss
from chainrule.initializers import resolve_rng
from chainrule.losses import cost as mean_cost
from chainrule.network import Network
from chainrule.optim import SGD
from chainrule.training import Trainer, epochs_text, fit

__all__ = [
    "COSTS",
    "L2_CONVENTIONS",
    "WEIGHT_INITS",
    "Monitor",
    "accuracy",
    "batch_l2",
    "evaluate",
    "make_network",
    "sgd",
    "total_cost",
    "update_mini_batch",
]

COSTS: dict[str, str] = {
    "quadratic": "squared_error",
    "cross_entropy": "binary_crossentropy",
}
"""Nielsen's cost name → chainrule's loss (always on sigmoid outputs)."""

WEIGHT_INITS: dict[str, str] = {
    "large": "normal",
    "default": "lecun",
}
"""Nielsen's weight initialiser → chainrule's initialiser (biases: N(0, 1) for both)."""

L2_CONVENTIONS = ("training_set", "batch")
"""``"training_set"``: his λ/n (n = training-set size); ``"batch"``: λ/|mini-batch|."""

_EVAL_CHUNK = 10_000  # columns per forward pass when evaluating (bounds the memory)


# --------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------


def make_network(
    sizes: Sequence[int],
    cost: str = "cross_entropy",
    weight_init: str = "default",
    *,
    seed: int | np.random.Generator | None = None,
    dtype: Any = "float64",
) -> Network:
    """``network2.Network(sizes, cost)`` with one of his initialisers, as a chainrule Network.

    Every layer (hidden and output) is sigmoid.  Weights W[l] are drawn layer
    by layer by chainrule's initialiser (:data:`WEIGHT_INITS`), then the biases
    b[l] ~ N(0, 1) of shape (n[l], 1), layer by layer, from the same Generator.

    Parameters
    ----------
    sizes : list of int
        [n[0], ..., n[L]], e.g. [784, 30, 10].
    cost : {"quadratic", "cross_entropy"}, default="cross_entropy"
        His ``QuadraticCost`` or ``CrossEntropyCost`` (see the module docstring).
    weight_init : {"default", "large"}, default="default"
        ``"default"``: W ~ N(0, 1/n[l-1]); ``"large"``: W ~ N(0, 1) (``network.py``).
    seed : int or numpy.random.Generator, optional
        The only source of randomness; the same seed gives the same network.
    dtype : {"float64", "float32"}, default="float64"

    Returns
    -------
    Network
    """
    dims = check_layer_dims(sizes, "sizes")
    check_choice(cost, COSTS, "cost")
    check_choice(weight_init, WEIGHT_INITS, "weight_init")
    dt = check_dtype(dtype)
    net = Network(
        dims,
        hidden="sigmoid",
        output="sigmoid",
        loss=COSTS[cost],
        init=WEIGHT_INITS[weight_init],
        seed=seed,
        dtype=dt,
    )
    # His biases: np.random.randn(y, 1) for every layer but the input, b[l] ~ N(0, 1),
    # drawn after the weights from the network's own Generator (which later shuffles).
    rng = net.rng
    net.bs = [rng.standard_normal((n, 1)).astype(dt) for n in dims[1:]]
    return net


def batch_l2(lmbda: float, n: int, mini_batch_size: int) -> float:
    """The per-batch λ that gives his λ/n weight decay: λ_batch = λ · |B| / n.

    ``chainrule.fit`` (and the course) regularise each mini-batch's cost with
    (λ_batch / 2|B|) Σ‖W‖², decaying W by (1 − ηλ_batch/|B|) per step; with
    λ_batch = λ|B|/n that is his (1 − ηλ/n) (exactly, for every full mini-batch).

    Parameters
    ----------
    lmbda : float
        His λ (≥ 0).
    n : int
        Training-set size.
    mini_batch_size : int
        |B|.
    """
    lmbda = check_nonneg_float(lmbda, "lmbda")
    n = check_positive_int(n, "n")
    mini_batch_size = check_positive_int(mini_batch_size, "mini_batch_size")
    return lmbda * mini_batch_size / n


# --------------------------------------------------------------------------------------
# Targets and monitoring
# --------------------------------------------------------------------------------------


def _targets(net: Network, X: Array, y: Any, name: str) -> tuple[Array, Any]:
    """(Y one-hot of shape (n[L], m) in the network's dtype, labels of shape (m,)).

    His digits are class labels fed to one sigmoid unit per class (the ``one_hot``
    target encoding of :mod:`chainrule.head`), and a label is the argmax of its column.
    """
    arr = np.asarray(y)
    m, nL = X.shape[1], net.layer_dims[-1]
    if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[0] == 1 and nL > 1):
        labels = arr.reshape(-1)
        if labels.shape[0] != m:
            raise ValueError(
                f"{name} has {labels.shape[0]} labels but X has {m} examples (columns)"
            )
        try:
            Y = encode_labels(labels, "one_hot", nL, net.dtype)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc} (the network has {nL} output units)") from exc
    else:
        Y = net.check_Y(arr, m, name)
    return Y, decide(Y, "multiclass")


def _evaluate(net: Network, X: Array, Y: Array, labels: Any, lmbda: float) -> tuple[float, int]:
    """(his total_cost, number correct) for validated X (n[0], m) and one-hot Y (n[L], m)."""
    m = X.shape[1]
    Ls, correct = [], 0
    for start in range(0, m, _EVAL_CHUNK):
        sl = slice(start, start + _EVAL_CHUNK)
        AL, caches = backprop.forward(X[:, sl], net.Ws, net.bs, net.activations)
        Ls.append(per_example_loss(net.loss, net.activations[-1], AL, caches[-1].Z, Y[:, sl]))
        # his accuracy: the argmax of the 10 outputs is the digit (the multiclass rule)
        correct += int(np.count_nonzero(decide(AL, "multiclass") == labels[sl]))
    # C = (1/n) Σ_x C_x + (λ/2n) Σ‖w‖², n = the size of this data set (as network2.total_cost)
    C = mean_cost(np.concatenate(Ls, axis=1)) + backprop.l2_cost(net.Ws, lmbda, m)
    return C, correct


def evaluate(net: Network, X: Any, y: Any, lmbda: float = 0.0) -> tuple[float, int]:
    """His ``total_cost`` and ``accuracy`` on one data set, in one forward pass.

    Parameters
    ----------
    net : Network
    X : array_like of shape (n[0], m)
    y : array_like of shape (m,) (class indices) or (n[L], m) (one-hot)
    lmbda : float, default=0.0
        λ of the L2 term (λ/2m) Σ‖W‖², m = this data set's size.

    Returns
    -------
    cost : float
        (1/m) Σᵢ L⁽ⁱ⁾ + (λ/2m) Σₗ ‖W[l]‖²_F.
    correct : int
        Number of columns whose arg-max output is the label.
    """
    Xc = net.check_X(X)
    Y, labels = _targets(net, Xc, y, "y")
    return _evaluate(net, Xc, Y, labels, check_nonneg_float(lmbda, "lmbda"))


def total_cost(net: Network, X: Any, y: Any, lmbda: float = 0.0) -> float:
    """``network2.total_cost``: (1/m) Σᵢ C_x⁽ⁱ⁾ + (λ/2m) Σₗ ‖W[l]‖², m = examples given.

    Parameters
    ----------
    net : Network
    X : array_like of shape (n[0], m)
    y : array_like of shape (m,) or (n[L], m)
    lmbda : float, default=0.0
    """
    return evaluate(net, X, y, lmbda)[0]


def accuracy(net: Network, X: Any, y: Any) -> int:
    """``network2.accuracy``: the **number** of examples whose arg-max output is the label.

    Parameters
    ----------
    net : Network
    X : array_like of shape (n[0], m)
    y : array_like of shape (m,) or (n[L], m)
    """
    return evaluate(net, X, y)[1]


@dataclass
class Monitor:
    """What ``network2.SGD`` monitors, one entry per epoch (epoch 0 first).

    Attributes
    ----------
    evaluation_cost, training_cost : list of float
        His ``total_cost`` (L2 term included) after each epoch; empty when
        not monitored.
    evaluation_accuracy, training_accuracy : list of int
        Number of correct classifications after each epoch (his counts, not
        fractions); empty when not monitored.
    n_training, n_evaluation : int
        Sizes of the two data sets (n_evaluation is 0 without evaluation data).
    epoch_seconds : list of float
        Wall time of each epoch's training (the monitoring passes excluded).
    settings : dict
        eta, lmbda, mini_batch_size, l2_convention, epochs, seed.
    message : str
        How training ended.
    """

    evaluation_cost: list[float] = field(default_factory=list)
    evaluation_accuracy: list[int] = field(default_factory=list)
    training_cost: list[float] = field(default_factory=list)
    training_accuracy: list[int] = field(default_factory=list)
    n_training: int = 0
    n_evaluation: int = 0
    epoch_seconds: list[float] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @property
    def epochs_run(self) -> int:
        """Number of completed epochs."""
        return len(self.epoch_seconds)

    def as_tuple(self) -> tuple[list[float], list[int], list[float], list[int]]:
        """What ``network2.SGD`` returns.

        Returns
        -------
        (evaluation_cost, evaluation_accuracy, training_cost, training_accuracy)
        """
        return (
            self.evaluation_cost,
            self.evaluation_accuracy,
            self.training_cost,
            self.training_accuracy,
        )

    def best_evaluation(self) -> tuple[int, int] | None:
        """(epoch, correct) of the best evaluation accuracy (the first such epoch), or None."""
        if not self.evaluation_accuracy:
            return None
        k = int(np.argmax(self.evaluation_accuracy))
        return k, self.evaluation_accuracy[k]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Monitor:
        """Inverse of :meth:`to_dict`."""
        return cls(**d)


# --------------------------------------------------------------------------------------
# Training: his SGD, vectorised over the mini-batch
# --------------------------------------------------------------------------------------


def update_mini_batch(
    net: Network,
    X: Any,
    y: Any,
    eta: float,
    lmbda: float = 0.0,
    n: int | None = None,
) -> None:
    """``network2.update_mini_batch``: one regularised gradient-descent step, in place.

    W[l] ← (1 − ηλ/n) W[l] − (η/|B|) Σ_{x∈B} ∇_W C_x,   b[l] ← b[l] − (η/|B|) Σ_{x∈B} ∇_b C_x.

    Parameters
    ----------
    net : Network
    X : array_like of shape (n[0], |B|)
        The mini-batch, one example per column.
    y : array_like of shape (|B|,) (class indices) or (n[L], |B|) (targets)
    eta : float
        η > 0.
    lmbda : float, default=0.0
        λ ≥ 0.
    n : int, optional
        The training-set size of his λ/n.  ``None`` uses |B| instead: the
        per-batch convention (see the module docstring).
    """
    Xc = net.check_X(X)
    Y, _ = _targets(net, Xc, y, "y")
    eta = check_positive_float(eta, "eta")
    lmbda = check_nonneg_float(lmbda, "lmbda")
    l2_m = None if n is None else check_positive_int(n, "n")
    # dW = (1/|B|) Σ ∇w C_x + (λ/l2_m) W (l2_m = n: his λ/n; None: λ/|B|), db = (1/|B|) Σ ∇b C_x
    # W ← W − η dW = (1 − ηλ/n) W − (η/|B|) Σ ∇w C_x;   b ← b − η db
    with _regularised(net, lmbda), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        Trainer(net, SGD(), Xc, Y, None, l2_m=l2_m).step(None, eta, net.rng, monitor=False)


@contextmanager
def _regularised(net: Network, lmbda: float) -> Iterator[None]:
    """Train ``net`` with λ = ``lmbda`` (his λ belongs to the run): restored after."""
    l2 = net.l2
    net.l2 = lmbda
    try:
        yield
    finally:
        net.l2 = l2


def sgd(
    net: Network,
    X: Any,
    y: Any,
    epochs: int,
    mini_batch_size: int,
    eta: float,
    lmbda: float = 0.0,
    *,
    l2_convention: str = "training_set",
    evaluation_data: tuple[Any, Any] | None = None,
    monitor_evaluation_cost: bool = False,
    monitor_evaluation_accuracy: bool = False,
    monitor_training_cost: bool = False,
    monitor_training_accuracy: bool = False,
    seed: int | np.random.Generator | None = None,
    progress: bool | None = None,
    callback: Callable[[int, dict[str, Any]], bool | None] | None = None,
    blas_threads: int | str | None = "auto",
) -> Monitor:
    """``network2.SGD``: mini-batch stochastic gradient descent with his λ/n update.

    Each epoch shuffles the n training examples (from the seeded Generator),
    cuts them into mini-batches of ``mini_batch_size`` columns (the last one
    may be smaller) and applies :func:`update_mini_batch` to each, vectorised
    over the batch.  After the epoch the requested quantities are measured.
    Nothing is printed: pass ``callback`` to see each epoch.

    Parameters
    ----------
    net : Network
        Trained in place (e.g. from :func:`make_network`).
    X : array_like of shape (n[0], n)
        Training inputs, one example per column.
    y : array_like of shape (n,) (class indices) or (n[L], n) (one-hot)
    epochs : int
    mini_batch_size : int
        |B|.
    eta : float
        η.
    lmbda : float, default=0.0
        λ.
    l2_convention : {"training_set", "batch"}, default="training_set"
        ``"training_set"``: his decay (1 − ηλ/n), n = the training-set size;
        ``"batch"``: (1 − ηλ/|B|), the per-mini-batch cost's (as ``chainrule.fit``).
    evaluation_data : (X_eval, y_eval), optional
        X_eval of shape (n[0], m_eval); y_eval of shape (m_eval,) or (n[L], m_eval).
    monitor_evaluation_cost, monitor_evaluation_accuracy : bool, default=False
    monitor_training_cost, monitor_training_accuracy : bool, default=False
        What to measure after every epoch (see :class:`Monitor`).
    seed : int or Generator, optional
        The shuffling; default: the network's own Generator.
    progress : bool or None
        A tqdm progress bar over the mini-batches; None shows one when stderr
        is a terminal.
    callback : callable(epoch, record) -> bool or None, optional
        Called after each epoch (counted from 0) with a dict holding the
        monitored values of that epoch (keys ``evaluation_cost``,
        ``evaluation_accuracy``, ``training_cost``, ``training_accuracy`` when
        monitored, and ``n_evaluation``, ``n_training``, ``seconds``);
        returning True stops training.
    blas_threads : int, "auto" or None, default="auto"
        BLAS threads during training, as :func:`chainrule.fit`'s option (one
        policy for both): ``"auto"`` uses one thread for mini-batches of up to
        256 columns, whose products are small enough that a second BLAS thread
        only adds synchronisation (on a busy 2-core machine it made one
        chapter-3 epoch 15× slower), and leaves larger batches to the BLAS
        library; a number sets it; ``None`` never changes the setting.

    Returns
    -------
    Monitor
        Also what ``network2.SGD`` returns, via :meth:`Monitor.as_tuple`.
    """
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(mini_batch_size, "mini_batch_size")
    eta = check_positive_float(eta, "eta")
    lmbda = check_nonneg_float(lmbda, "lmbda")
    check_choice(l2_convention, L2_CONVENTIONS, "l2_convention")
    rng = net.rng if seed is None else resolve_rng(seed)

    Xc = net.check_X(X)
    Y, labels = _targets(net, Xc, y, "y")
    n = Xc.shape[1]
    want_eval = monitor_evaluation_cost or monitor_evaluation_accuracy
    if evaluation_data is not None:
        if not (isinstance(evaluation_data, (tuple, list)) and len(evaluation_data) == 2):
            raise TypeError("evaluation_data must be a pair (X_eval, y_eval)")
        Xe = net.check_X(evaluation_data[0], "X_eval")
        Ye, labels_e = _targets(net, Xe, evaluation_data[1], "y_eval")
    elif want_eval:
        raise ValueError("monitoring the evaluation cost or accuracy needs evaluation_data")

    mon = Monitor(
        n_training=n,
        n_evaluation=0 if evaluation_data is None else Xe.shape[1],
        settings={
            "epochs": epochs,
            "mini_batch_size": batch_size,
            "eta": eta,
            "lmbda": lmbda,
            "l2_convention": l2_convention,
            "seed": seed if isinstance(seed, int) else net.seed,
        },
    )
    clock = [time.perf_counter()]

    def monitor(epoch: int, logs: dict[str, float]) -> bool | None:
        """His monitoring after each epoch (fit's callback; his epochs count from 0)."""
        seconds = time.perf_counter() - clock[0]
        mon.epoch_seconds.append(seconds)
        record: dict[str, Any] = {"seconds": seconds, "n_training": n}
        if want_eval:
            c, a = _evaluate(net, Xe, Ye, labels_e, lmbda)
            record["n_evaluation"] = Xe.shape[1]
            if monitor_evaluation_cost:
                mon.evaluation_cost.append(c)
                record["evaluation_cost"] = c
            if monitor_evaluation_accuracy:
                mon.evaluation_accuracy.append(a)
                record["evaluation_accuracy"] = a
        # the evaluation block's twin: his four monitor_* flags, each spelled out as he names it
        if monitor_training_cost or monitor_training_accuracy:
            c, a = _evaluate(net, Xc, Y, labels, lmbda)
            if monitor_training_cost:
                mon.training_cost.append(c)
                record["training_cost"] = c
            if monitor_training_accuracy:
                mon.training_accuracy.append(a)
                record["training_accuracy"] = a
        stop = callback is not None and callback(epoch - 1, record)
        clock[0] = time.perf_counter()
        return stop

    # His SGD is fit's loop with plain SGD and his λ/n (l2_m = n; "batch": λ/|B|), no
    # validation split, the network's λ set to his for the run.
    with _regularised(net, lmbda):
        hist = fit(
            net,
            Xc,
            Y,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=SGD(),
            learning_rate=eta,
            l2_m=float(n) if l2_convention == "training_set" else None,
            seed=rng,
            progress=progress,
            callback=monitor,
            blas_threads=blas_threads,
        )
    if hist.diverged:
        mon.message = (
            f"training diverged in epoch {len(hist.epoch)} (non-finite weights); "
            f"kept the last finite weights; try a smaller learning rate (now eta = {eta:g})"
        )
    elif hist.stop_reason == "callback":
        mon.message = f"stopped by callback after epoch {len(hist.epoch) - 1}"
    else:
        mon.message = f"finished {epochs_text(mon.epochs_run)}"
    return mon
