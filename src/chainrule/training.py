r"""Training: mini-batch gradient descent with the optimizers of :mod:`chainrule.optim`.

One epoch shuffles the examples (from the training Generator), cuts them into
mini-batches of ``batch_size`` columns (the last one may be smaller; ``None``
means full-batch gradient descent, as in the course), and for each batch runs
forward (with dropout when it is on), computes the batch cost J_batch, runs
backward and updates every W[l], b[l] in place.

What a :class:`History` records per epoch
-----------------------------------------
* ``train_cost``: the average of the mini-batch costs seen during the epoch
  (each computed *before* that batch's update, with dropout on, L2 included),
  weighted by batch size (by the batch's Σ wᵢ with example weights), as Keras
  and scikit-learn report it: it costs no extra pass over the data.  With
  full-batch GD this is exactly J before the update, the value the course
  prints.
* ``train_accuracy``: likewise accumulated from the batches' forward passes.

(Speed: ``fit`` runs this loop through :mod:`chainrule._fast` whenever the
network uses chainrule's own activations and losses: the same arithmetic on
preallocated buffers and one flat parameter vector, giving bit-for-bit the
parameters of the readable loop in ``_run_epoch``.  Without example weights it
computes the batch costs of an epoch in one pass after the epoch, so
``train_cost`` then agrees with the per-batch sum to rounding.)
* ``val_cost``/``val_accuracy``: J and accuracy on the validation data after
  the epoch (dropout off, L2 term included in the cost).
* ``learning_rate``: the rate used during the epoch.

The m of the L2 term
--------------------
By default each mini-batch b (of m_b examples) is regularised by its own
cost's (λ/2m_b) Σₗ ‖W[l]‖², the course's convention.  ``fit(..., l2_m=n)``
uses λ/n for every batch instead, in the gradient and in the recorded cost,
as Nielsen's ``network2.py`` does with n the training-set size (see
:func:`fit` and :mod:`chainrule.nielsen`).

The progress bar
----------------
On a terminal, ``fit`` shows a tqdm bar over the epochs whose postfix holds
the last epoch's numbers under short keys (:func:`format_postfix`):
``J`` (training cost), ``acc``, ``val_J``, ``val_acc``, to 4 significant
digits.  When the terminal is too narrow for all of them next to a bar of
at least ten columns, the least important are left out (training accuracy
first, then validation accuracy, then the training cost).
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule import _fast, backprop
from chainrule._typing import Array
from chainrule._validation import (
    check_fraction,
    check_nonneg_float,
    check_positive_float,
    check_positive_int,
)
from chainrule.initializers import resolve_rng
from chainrule.losses import cost as mean_cost
from chainrule.network import accuracy_from_output
from chainrule.optim import Optimizer, Schedule, get_optimizer

if TYPE_CHECKING:
    from chainrule.network import Network

__all__ = ["DivergenceWarning", "History", "epochs_text", "fit", "format_postfix"]


class DivergenceWarning(RuntimeWarning):
    """Training met a non-finite cost and stopped (the last finite parameters are kept)."""


@dataclass(repr=False)
class History:
    """Per-epoch learning curves and how training ended.

    ``repr(history)`` is one short line with the number of epochs, the last
    epoch's values, the best epoch and why training stopped early, e.g.
    ``History(epochs=50, train_cost=0.02131, train_accuracy=0.991,
    val_cost=0.04812, val_accuracy=0.982, best_epoch=38,
    stopped='early_stopping')``; the full curves are the attributes below
    (and :meth:`to_dict`).

    Attributes
    ----------
    epoch : list of int
        1-based epoch numbers.
    train_cost, train_accuracy, val_cost, val_accuracy, learning_rate : list of float
        One entry per completed epoch (accuracies are NaN for regression,
        validation lists are empty without validation data).
    best_epoch : int or None
        The epoch with the best monitored value (when early stopping monitors).
    stopped_early : bool
    diverged : bool
    message : str
        One line saying why training ended.
    """

    epoch: list[int] = field(default_factory=list)
    train_cost: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_cost: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged: bool = False
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (NaN kept as float NaN)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        """Inverse of :meth:`to_dict`."""
        return cls(**d)

    def plot(self, path: Any = None, title: str | None = None) -> Any:
        """Learning-curve figure (see :func:`chainrule.plots.plot_history`)."""
        from chainrule.plots import plot_history

        return plot_history(self, path, title=title)

    @property
    def has_validation(self) -> bool:
        """Whether validation curves were recorded."""
        return bool(self.val_cost)

    @property
    def stop_reason(self) -> str | None:
        """Why training ended, as one word.

        ``"diverged"`` (a non-finite cost or parameter), ``"early_stopping"``
        (patience ran out), ``"callback"`` (the callback returned True),
        ``"completed"`` (every epoch ran), or None for a History that no
        training has filled.
        """
        if self.diverged:
            return "diverged"
        if self.stopped_early:
            return "early_stopping"
        if self.message.startswith(_CALLBACK_STOP):
            return "callback"
        if self.epoch or self.message:
            return "completed"
        return None

    def __repr__(self) -> str:
        parts = [f"epochs={len(self.epoch)}"]
        for name in ("train_cost", "train_accuracy", "val_cost", "val_accuracy"):
            values: list[float] = getattr(self, name)
            if values and not math.isnan(values[-1]):  # NaN: accuracy of a regression
                parts.append(f"{name}={values[-1]:.4g}")
        if self.best_epoch is not None:
            parts.append(f"best_epoch={self.best_epoch}")
        reason = self.stop_reason
        if reason not in (None, "completed"):
            parts.append(f"stopped={reason!r}")
        return f"History({', '.join(parts)})"


_CALLBACK_STOP = "stopped by callback"

# The progress bar: percentage, bar, epochs done/total, elapsed<remaining, postfix.
# (tqdm's default also shows a description and the rate, which leave no room for the
# numbers on an 80-column terminal; the remaining time says what the rate would.)
_BAR_FORMAT = "{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]"
_MIN_BAR = 10  # columns the bar keeps before numbers are left out of the postfix

# logs key -> (postfix key, importance: the lowest is left out first when space is short)
_POSTFIX_KEYS: dict[str, tuple[str, int]] = {
    "cost": ("J", 2),
    "accuracy": ("acc", 0),
    "val_cost": ("val_J", 3),
    "val_accuracy": ("val_acc", 1),
}


def epochs_text(n: int) -> str:
    """``"1 epoch"``, ``"2 epochs"``: a count of epochs for messages."""
    return f"{n} epoch{'' if n == 1 else 's'}"


def format_postfix(logs: Mapping[str, float], width: int | None = None) -> str:
    """The progress bar's postfix for one epoch's ``logs``: ``"J=0.2134 acc=0.991 ..."``.

    Parameters
    ----------
    logs : mapping of str to float
        The values ``fit`` hands to its callback: ``cost``, ``accuracy`` and,
        with validation data, ``val_cost``, ``val_accuracy``.  They are shown
        as ``J``, ``acc``, ``val_J``, ``val_acc`` (other keys under their own
        names), in the order of ``logs``, to 4 significant digits; NaN values (the
        accuracy of a regression) are left out.
    width : int, optional
        The most characters the postfix may take.  When all the values do not
        fit, the least important are left out: other keys first, then the
        training accuracy, the validation accuracy and the training cost; the
        most important one (``val_J``, else ``J``) is always kept, even if it
        alone is wider.  None: no limit.

    Returns
    -------
    str
        ``"key=value"`` items separated by single spaces (empty for no values).

    Examples
    --------
    >>> format_postfix({"cost": 0.213456, "accuracy": 0.9125})
    'J=0.2135 acc=0.9125'
    >>> logs = {"cost": 0.2, "accuracy": 0.9, "val_cost": 0.31, "val_accuracy": 0.875}
    >>> format_postfix(logs, width=30)
    'J=0.2 val_J=0.31 val_acc=0.875'
    """
    items: list[tuple[int, int, str]] = []  # (importance, position, "key=value")
    for pos, (key, value) in enumerate(logs.items()):
        v = float(value)
        if math.isnan(v):
            continue
        short, importance = _POSTFIX_KEYS.get(key, (key, -1))
        items.append((importance, pos, f"{short}={v:.4g}"))
    while width is not None and len(items) > 1 and len(" ".join(t for *_, t in items)) > width:
        items.remove(min(items, key=lambda t: (t[0], -t[1])))  # least important, latest
    return " ".join(t for *_, t in items)


def _postfix_width(bar: Any) -> int | None:
    """Columns left for the postfix when the bar keeps ``_MIN_BAR`` columns (None: no limit).

    The terminal's width (tqdm re-reads it with ``dynamic_ncols``) less the
    rest of the line, as tqdm itself would format it without a bar.
    """
    try:
        fd = dict(bar.format_dict)
        ncols = fd.get("ncols")
        if not ncols:  # a notebook widget, or a stream of unknown width
            return None
        fd.update(ncols=None, postfix=None, bar_format=_BAR_FORMAT.replace("{bar}", ""))
        rest = len(bar.format_meter(**fd))
    except (AttributeError, KeyError, TypeError, ValueError):  # another tqdm flavour
        return None
    return max(0, int(ncols) - rest - len(", ") - _MIN_BAR)


def _split_validation(
    X: Array, Y: Array, w: Array | None, fraction: float, rng: np.random.Generator
) -> tuple[Array, Array, Array | None, Array, Array]:
    """Hold out round(fraction · m) (at least 1) random columns, drawn from ``rng``.

    Returns X_train, Y_train, w_train (the training examples' weights, or None),
    X_val, Y_val; both parts keep the examples' original order.
    """
    m = X.shape[1]
    n_val = max(1, round(m * fraction))
    if n_val >= m:
        raise ValueError(
            f"validation_fraction={fraction} leaves no training examples (m = {m}, "
            f"{n_val} held out)"
        )
    perm = rng.permutation(m)
    val, tr = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    w_tr = None if w is None else w[tr]
    if w_tr is not None and not w_tr.sum() > 0:
        raise ValueError(
            "sample_weight is zero on every training example left after the validation split"
        )
    return X[:, tr], Y[:, tr], w_tr, X[:, val], Y[:, val]


def _all_finite(arrays: list[Array]) -> bool:
    """Whether every entry of every array is finite.

    A sum is finite when every term is (an inf or NaN term makes it inf or
    NaN), so one reduction answers for most arrays; only a non-finite sum,
    which finite entries can also give by overflowing, is checked entry by
    entry.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # inf + (−inf) is NaN: no warning
        for p in arrays:
            if not math.isfinite(np.add.reduce(p, axis=None)) and not np.isfinite(p).all():
                return False
    return True


def fit(
    net: Network,
    X: Any,
    Y: Any,
    *,
    epochs: int = 100,
    batch_size: int | None = None,
    optimizer: str | Optimizer | dict[str, Any] = "adam",
    learning_rate: float = 0.001,
    lr_schedule: str = "constant",
    decay: float = 0.0,
    decay_interval: int = 1,
    shuffle: bool = True,
    validation_data: tuple[Any, Any] | None = None,
    validation_fraction: float = 0.0,
    early_stopping: bool = False,
    patience: int = 10,
    min_delta: float = 0.0,
    restore_best: bool = True,
    sample_weight: Any = None,
    l2_m: float | None = None,
    seed: int | np.random.Generator | None = None,
    progress: bool | None = None,
    callback: Callable[[int, dict[str, float]], bool | None] | None = None,
) -> History:
    """Train ``net`` in place and return its :class:`History`.

    Parameters
    ----------
    net : Network
    X : array_like of shape (n[0], m)
        Training inputs, one example per column.
    Y : array_like of shape (n[L], m)
        Targets (class indices are accepted for softmax outputs).
    epochs : int, default=100
        Passes over the training data (with full-batch GD: iterations).
    batch_size : int or None, default=None
        Mini-batch size; None trains full-batch.
    optimizer : str, Optimizer or dict, default="adam"
        ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"rmsprop"``, ``"adam"`` (or an
        instance / ``{"name": ..., **settings}`` for β's and ε).
    learning_rate : float, default=0.001
        α₀.
    lr_schedule : {"constant", "inverse_time", "stepwise", "exponential"}
    decay, decay_interval : float, int
        Schedule settings (:class:`chainrule.optim.Schedule`).
    shuffle : bool, default=True
        Reshuffle the examples every epoch (mini-batch mode).
    validation_data : (X_val, Y_val), optional
    validation_fraction : float, default=0.0
        Hold out this fraction of the training examples (seeded) instead.
    early_stopping : bool, default=False
        Stop when the monitored cost (validation if any, else training) has
        not improved by more than ``min_delta`` for ``patience`` epochs.
    restore_best : bool, default=True
        With early stopping, end with the parameters of the best epoch (the
        one with the lowest monitored cost), however training ended: by
        patience, by the callback or after the last epoch.  (A diverged run
        keeps its last finite parameters instead.)
    sample_weight : array_like of shape (m,), optional
        Non-negative example weights: J = Σ wᵢ Lᵢ / Σ wᵢ (+ (λ/2Σwᵢ) Σ‖W‖²).
        With ``validation_fraction`` the held-out examples' weights are dropped.
    l2_m : float, optional
        The m of the L2 term's λ/m (λ is ``net.l2``; nothing changes when it
        is 0).  None (the default) regularises each mini-batch b of m_b
        examples by its own cost's term, the course's convention:

            J_b = (1/m_b) Σ_{i∈b} Lᵢ + (λ/2m_b) Σₗ ‖W[l]‖²,   dW[l] += (λ/m_b) W[l]

        (m_b becomes Σ_{i∈b} wᵢ with example weights).  A positive number n
        puts λ/n in its place for every batch, in the gradient and in the
        recorded ``train_cost``:

            J_b = (1/m_b) Σ_{i∈b} Lᵢ + (λ/2n) Σₗ ‖W[l]‖²,      dW[l] += (λ/n) W[l]

        (with example weights too: an explicit ``l2_m`` replaces Σwᵢ in the
        L2 term).  With n the number of training examples,
        ``l2_m=X.shape[1]``, every mini-batch gradient is an unbiased estimate
        of the gradient of the whole-set cost
        J = (1/n) Σᵢ Lᵢ + (λ/2n) Σₗ ‖W[l]‖², and plain SGD is the update of
        Nielsen's ``network2.py`` (*Neural Networks and Deep Learning*,
        chapter 3), W ← (1 − αλ/n) W − (α/m_b) Σ_{i∈b} ∂Lᵢ/∂W; see
        :mod:`chainrule.nielsen`.  The same λ then regularises n/m_b times
        less per step than with the default.  ``val_cost`` stays
        :meth:`Network.cost` of the validation data (its own size in λ/2m).
    seed : int or Generator, optional
        Shuffling, dropout and the validation split; defaults to the
        network's own Generator (so ``Network(seed=s)`` trains reproducibly).
    progress : bool or None
        Show a tqdm progress bar; None shows one when stderr is a terminal.
    callback : callable(epoch, logs) -> bool or None, optional
        Called after each completed epoch (before the early-stopping check)
        with that epoch's History values; returning True stops.

    Returns
    -------
    History
    """
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size", allow_none=True)
    schedule = Schedule(learning_rate, lr_schedule, decay, decay_interval)
    opt = get_optimizer(optimizer)
    validation_fraction = check_fraction(validation_fraction, "validation_fraction")
    patience = check_positive_int(patience, "patience")
    min_delta = check_nonneg_float(min_delta, "min_delta")
    l2_m = None if l2_m is None else check_positive_float(l2_m, "l2_m")
    rng = net._rng if seed is None else resolve_rng(seed)

    Xc = net.check_X(X)
    Yc = net.check_Y(Y, Xc.shape[1])
    w = net._check_weights(sample_weight, Xc.shape[1])
    Xv: Array | None = None
    Yv: Array | None = None
    if validation_data is not None:
        if validation_fraction:
            raise ValueError("give validation_data or validation_fraction, not both")
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError("validation_data must be a pair (X_val, Y_val)")
        Xv = net.check_X(validation_data[0], "X_val")
        Yv = net.check_Y(validation_data[1], Xv.shape[1], "Y_val")
    elif validation_fraction:
        Xc, Yc, w, Xv, Yv = _split_validation(Xc, Yc, w, validation_fraction, rng)

    m = Xc.shape[1]
    bs = m if batch_size is None else min(batch_size, m)
    # Examples are columns; a column-major (Fortran-ordered) copy keeps each example
    # contiguous, so gathering a shuffled mini-batch is a cheap copy of whole columns.
    if bs < m and not Xc.flags.f_contiguous:
        Xc = np.asfortranarray(Xc)
    if bs < m and not Yc.flags.f_contiguous:
        Yc = np.asfortranarray(Yc)

    # The fast path (chainrule._fast) runs the same arithmetic on preallocated buffers and
    # one flat parameter vector; it is bit-for-bit the reference loop of _run_epoch.
    fast = (
        _fast.FastTrainer(net, opt, Xc, Yc, w, l2_m=l2_m)
        if _fast.supported(net.activations, net.loss, opt)
        else None
    )
    params = [p for pair in zip(net.Ws, net.bs, strict=True) for p in pair]
    if fast is None:
        opt.init(params)
    # what the divergence check and its snapshot look at: the one flat vector on the
    # fast path (net.Ws, net.bs are its views), else every W[l], b[l]
    watched = [fast.flat] if fast is not None else params
    hist = History()
    net.history = hist
    task = net.task
    keep_probs = net.keep_probs
    use_dropout = any(k < 1.0 for k in keep_probs)
    canonical = backprop.is_canonical(net.loss, net.activations[-1])

    best = math.inf
    best_params: list[Array] | None = None
    since_best = 0
    last_finite = [p.copy() for p in watched]

    show = sys.stderr.isatty() if progress is None else bool(progress)
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=epochs, unit="epoch", leave=True, dynamic_ncols=True, bar_format=_BAR_FORMAT
        )

    try:
        for epoch in range(epochs):
            lr = schedule(epoch)
            perm = rng.permutation(m) if (shuffle and bs < m) else None
            # A diverging run overflows on its way to inf/NaN; NumPy's warnings about that
            # are replaced by one DivergenceWarning below (the cost is checked every batch,
            # the parameters every epoch).  The user's callback runs outside this.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                if fast is not None:
                    cost, accuracy, bad = fast.epoch(perm, bs, lr, rng)
                    stats = None if bad else (cost, accuracy)
                else:
                    stats = _run_epoch(
                        net, Xc, Yc, w, perm, bs, lr, opt, params,
                        keep_probs if use_dropout else None, rng, canonical, task, l2_m,
                    )  # fmt: skip
                finite = stats is not None and _all_finite(watched)
            if stats is None or not finite:
                for p, q in zip(watched, last_finite, strict=True):
                    np.copyto(p, q)
                hist.diverged = True
                # the optimizer's state went non-finite with the parameters: discard it, so
                # that a later fit keeping it (Optimizer.keep_state, partial_fit) starts afresh
                opt.state, opt.t = [], 0
                kept = (
                    "the initial parameters"
                    if epoch == 0
                    else f"the parameters from the end of epoch {epoch}"
                )
                hist.message = (
                    f"training diverged in epoch {epoch + 1} (non-finite cost or parameters); "
                    f"kept {kept}. Try a smaller learning rate (now {lr:g})."
                )
                warnings.warn(hist.message, DivergenceWarning, stacklevel=2)
                break
            for p, q in zip(watched, last_finite, strict=True):
                np.copyto(q, p)

            train_cost, train_accuracy = stats
            hist.epoch.append(epoch + 1)
            hist.train_cost.append(train_cost)
            hist.train_accuracy.append(train_accuracy)
            hist.learning_rate.append(lr)
            logs = {"cost": hist.train_cost[-1], "accuracy": hist.train_accuracy[-1]}
            if Xv is not None and Yv is not None:
                with np.errstate(over="ignore", invalid="ignore"):  # (as for training)
                    vc, ALv = net._cost_and_output(Xv, Yv)
                va = accuracy_from_output(ALv, Yv, task) if task != "regression" else math.nan
                hist.val_cost.append(vc)
                hist.val_accuracy.append(va)
                logs.update(val_cost=vc, val_accuracy=va)
            if bar is not None:
                bar.set_postfix_str(format_postfix(logs, _postfix_width(bar)), refresh=False)
                bar.update(1)

            if early_stopping:
                monitored = hist.val_cost[-1] if hist.val_cost else hist.train_cost[-1]
                if monitored < best - min_delta:
                    best, since_best = monitored, 0
                    hist.best_epoch = epoch + 1
                    if restore_best:
                        best_params = [p.copy() for p in params]
                else:
                    since_best += 1
            if callback is not None and callback(epoch + 1, logs):
                hist.message = f"{_CALLBACK_STOP} after epoch {epoch + 1}"
                break
            if early_stopping and since_best >= patience:
                hist.stopped_early = True
                break
    except BaseException:
        if fast is not None:
            fast.release()
        raise
    finally:
        if bar is not None:
            bar.close()

    restored = ""
    if (
        early_stopping
        and restore_best
        and not hist.diverged
        and best_params is not None
        and hist.best_epoch != hist.epoch[-1]
    ):
        # Restore the best epoch's weights however training ended (patience, callback or
        # the last epoch), as Keras's ``restore_best_weights`` does since Keras 3.
        for p, q in zip(params, best_params, strict=True):
            p[...] = q
        restored = f"; restored the parameters of epoch {hist.best_epoch}"
    if fast is not None:
        fast.release()  # the trained values back into the network's own arrays
    if hist.stopped_early:
        hist.message = (
            f"early stopping after epoch {hist.epoch[-1]}: no improvement for "
            f"{epochs_text(patience)}"
            f"{restored}"
        )
    elif not hist.message:
        n = len(hist.epoch)
        hist.message = f"finished {epochs_text(n)}{restored}"
    elif restored:
        hist.message += restored
    return hist


def _run_epoch(
    net: Network,
    X: Array,
    Y: Array,
    w: Array | None,
    perm: np.ndarray | None,
    bs: int,
    lr: float,
    opt: Optimizer,
    params: list[Array],
    keep_probs: list[float] | None,
    rng: np.random.Generator,
    canonical: bool,
    task: str,
    l2_m: float | None = None,
) -> tuple[float, float] | None:
    """One pass over the mini-batches: the epoch's (train cost, train accuracy), or None.

    None means a batch cost was not finite (divergence); the parameters then hold the
    updates of the batches before it.  ``perm`` is the epoch's shuffling (None: the
    columns in order).  The train cost is the mean of the batch costs (each taken
    before its batch's update) weighted by the batches' m_b (Σ wᵢ with example
    weights); the accuracy is the m_b-weighted mean of the batch accuracies.
    ``l2_m`` is the m of the L2 term's λ/m (None: each batch's m_b, or Σwᵢ).
    """
    m = X.shape[1]
    tot_cost = 0.0  # Σ_batches J_batch · (batch weight)
    tot_cost_weight = 0.0  # Σ_batches (batch weight): m_b, or Σ wᵢ with example weights
    tot_correct = 0.0  # Σ_batches accuracy · m_b
    tot_examples = 0
    for start in range(0, m, bs):
        if bs == m:
            Xb, Yb, wb = X, Y, w
        elif perm is None:
            sl = slice(start, start + bs)
            Xb, Yb = X[:, sl], Y[:, sl]
            wb = None if w is None else w[sl]
        else:
            idx = perm[start : start + bs]
            Xb, Yb = X[:, idx], Y[:, idx]
            wb = None if w is None else w[idx]
        mb = Xb.shape[1]
        m_eff = mb if wb is None else float(wb.sum())
        if m_eff <= 0:  # a mini-batch of zero-weight examples: J_batch would be 0/0
            continue
        AL, caches = backprop.forward(
            Xb, net.Ws, net.bs, net.activations, keep_probs=keep_probs, rng=rng
        )
        Lb = net.loss.from_logits(caches[-1].Z, Yb) if canonical else net.loss.per_example(AL, Yb)
        # J_b = mean_b L + (λ/2m_L2) Σ‖W‖²,  m_L2 = l2_m if given, else the batch's m_eff
        m_l2 = m_eff if l2_m is None else l2_m
        Jb = mean_cost(Lb, wb) + backprop.l2_cost(net.Ws, net.l2, m_l2)
        if not math.isfinite(Jb):
            return None
        tot_cost += Jb * m_eff
        tot_cost_weight += m_eff
        if task != "regression":
            tot_correct += accuracy_from_output(AL, Yb, task) * mb
        tot_examples += mb
        grads = backprop.backward(
            caches,
            Yb,
            net.Ws,
            net.activations,
            net.loss,
            l2=net.l2,
            l2_m=m_l2,  # dW[l] += (λ/m_L2) W[l]
            sample_weight=wb,
            need_dA0=False,
        )
        opt.step(params, [g for pair in zip(grads.dW, grads.db, strict=True) for g in pair], lr)
    accuracy = tot_correct / tot_examples if task != "regression" else math.nan
    return tot_cost / tot_cost_weight, accuracy
