r"""Training: mini-batch gradient descent with the optimizers of :mod:`chainrule.optim`.

One epoch shuffles the examples (from the training Generator), cuts them into
mini-batches of ``batch_size`` columns (the last one may be smaller; ``None``
means full-batch gradient descent, as in the course), and for each batch runs
forward (with dropout when it is on), computes the batch cost J_batch, runs
backward and updates every W[l], b[l] in place.  That step, :meth:`Trainer.step`,
is :func:`chainrule.backprop.forward`, :func:`chainrule.backprop.backward` and
the optimizer's update of the flat parameter vector ``net.theta``, given
preallocated buffers and, where numba is installed, compiled single
operations (:mod:`chainrule._kernels`): the only training loop in chainrule.

What a :class:`History` records per epoch
-----------------------------------------
* ``train_cost``: the average of the mini-batch costs seen during the epoch
  (each computed *before* that batch's update, with dropout on, L2 included),
  weighted by batch size (by the batch's Σ wᵢ with example weights), as Keras
  and scikit-learn report it: it costs no extra pass over the data.  With
  full-batch GD this is exactly J before the update, the value the course
  prints.
* ``train_accuracy``: likewise accumulated from the batches' forward passes.

  (Without example weights the batch costs of an epoch are computed in one
  pass after the epoch, from the batches' recorded outputs: the same
  per-example losses summed in another order, so ``train_cost`` agrees with
  the per-batch sum to rounding.)
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
On a terminal and in Jupyter, ``fit`` shows a bar over the epochs whose postfix
holds the last epoch's numbers (:mod:`chainrule.progress`).

Other array libraries: everything follows X
-------------------------------------------
Given X of another array library (a PyTorch tensor, a CuPy array, ...), ``fit``
trains in that library on X's device (:mod:`chainrule._xp`): Y, the example
weights and the validation data must be arrays of the same library on the same
device (or plain lists); θ and the optimizer's state are copied there once at
the start and back into the (NumPy) network at the end.  The step is the same
:meth:`Trainer.step`, without NumPy's buffers and compiled operations; the
shuffles and dropout masks come from the same host NumPy Generator, and every
batch cost is computed as the batch is trained.  PyTorch's float32 products run
without TF32 (:func:`chainrule._xp.exact_matmul`).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import inspect
import io
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from chainrule import _kernels, _xp, backprop
from chainrule._display import html_table, text_table
from chainrule._threads import blas_threads as blas_threads_limit
from chainrule._threads import training_threads
from chainrule._typing import Array
from chainrule._validation import (
    check_fraction,
    check_nonneg_float,
    check_positive_float,
    check_positive_int,
)
from chainrule.head import accuracy as accuracy_from_output
from chainrule.head import per_example_loss
from chainrule.initializers import resolve_rng
from chainrule.losses import cost as mean_cost
from chainrule.optim import Optimizer, Schedule, get_optimizer
from chainrule.plots import plot_history
from chainrule.progress import ProgressBar, default_show, format_postfix

if TYPE_CHECKING:
    from chainrule.network import Network

__all__ = [
    "DivergenceWarning",
    "History",
    "Trainer",
    "all_finite",
    "epochs_text",
    "fit",
    "format_postfix",
]


class HistoryDict(dict[str, Any]):
    """The dict :meth:`History.to_dict` returns: its ``info`` attribute holds the rest."""

    info: dict[str, Any]


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
    restored_epoch : int or None
        The epoch whose parameters the network ended with when early stopping
        restored them (None: the network holds its last epoch's).
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
    restored_epoch: int | None = None
    stopped_early: bool = False
    diverged: bool = False
    message: str = ""

    def to_dict(self, scalars: bool = False) -> dict[str, Any]:
        """The per-epoch columns as a dict of equal-length lists (NaN kept as float NaN).

        ``epoch``, ``train_cost``, ``train_accuracy``, ``val_cost`` and
        ``val_accuracy`` (only when validation was recorded) and
        ``learning_rate``: one entry per epoch each, so that
        ``pandas.DataFrame(history.to_dict())`` is a table of epochs (Keras's
        ``history.history``).  The values that are not per epoch
        (:attr:`info`) ride along as the returned dict's ``info`` attribute, so
        that ``History.from_dict(history.to_dict())`` gives the same History
        back.

        Parameters
        ----------
        scalars : bool, default=False
            Also put ``best_epoch``, ``restored_epoch``, ``stopped_early``, ``diverged`` and
            ``message`` into the dict itself (every field, the JSON form that
            model files hold).
        """
        if scalars:
            return asdict(self)
        d = HistoryDict({"epoch": list(self.epoch)})
        names = ["train_cost", "train_accuracy"]
        if self.val_cost or self.val_accuracy:
            names += ["val_cost", "val_accuracy"]
        for name in [*names, "learning_rate"]:
            d[name] = list(getattr(self, name))
        d.info = self.info
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        """Inverse of :meth:`to_dict` (either form), and of a model file's history."""
        extra = dict(getattr(d, "info", None) or {})
        extra.pop("stop_reason", None)
        return cls(**{**extra, **d})

    @property
    def info(self) -> dict[str, Any]:
        """What is not per epoch: ``best_epoch``, ``restored_epoch``, ``stopped_early``,
        ``diverged``, ``message``."""
        return {
            "best_epoch": self.best_epoch,
            "restored_epoch": self.restored_epoch,
            "stopped_early": self.stopped_early,
            "diverged": self.diverged,
            "message": self.message,
        }

    def to_frame(self) -> Any:
        """The per-epoch columns as a pandas DataFrame indexed by epoch (pandas needed).

        The values that are not per epoch are in the frame's ``attrs``
        (:attr:`info`).
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("History.to_frame needs pandas: pip install pandas") from exc
        frame = pd.DataFrame(self.to_dict()).set_index("epoch")
        frame.attrs.update(self.info)
        return frame

    def summary(self, rows: int = 6) -> str:
        """A short text table: the first and last epochs, the best one, and how training ended."""
        header, body = self._table(rows)
        lines = [self._title(), text_table(header, body, indent="  ")]
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)

    def _title(self) -> str:
        n = len(self.epoch)
        return f"History: {epochs_text(n)}" + ("" if self.has_validation else ", no validation")

    def _table(self, rows: int) -> tuple[list[str], list[list[str]]]:
        names = [
            k
            for k in ("train_cost", "train_accuracy", "val_cost", "val_accuracy")
            if getattr(self, k) and not all(math.isnan(v) for v in getattr(self, k))
        ]
        header = ["epoch", *names, "learning_rate", ""]
        n = len(self.epoch)
        keep = set(range(min(n, rows // 2))) | set(range(max(0, n - (rows - rows // 2)), n))
        if self.best_epoch is not None and self.best_epoch in self.epoch:
            keep.add(self.epoch.index(self.best_epoch))
        body: list[list[str]] = []
        last = -1
        for i in sorted(keep):
            if i > last + 1:
                body.append(["…"] * len(header))
            body.append(
                [str(self.epoch[i])]
                + [f"{getattr(self, k)[i]:.4g}" for k in names]
                + [f"{self.learning_rate[i]:.3g}" if i < len(self.learning_rate) else ""]
                + ["◀ best" if self.epoch[i] == self.best_epoch else ""]
            )
            last = i
        return header, body

    def _repr_html_(self) -> str:
        header, body = self._table(6)
        parts = [f"<div><strong>{html.escape(self._title())}</strong>"]
        parts.append(html_table(header, body))
        if self.message:
            parts.append(f"<p>{html.escape(self.message)}</p>")
        if self.epoch:
            parts.append(self._curve_img())
        parts.append("</div>")
        return "".join(parts)

    def _curve_img(self) -> str:
        """The learning curve as an inline PNG (not displayed on its own)."""
        fig = plot_history(self, display=False)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        return f'<img alt="learning curve" src="data:image/png;base64,{data}"/>'

    def plot(self, path: Any = None, title: str | None = None) -> Any:
        """Learning-curve figure (see :func:`chainrule.plots.plot_history`)."""
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


def epochs_text(n: int) -> str:
    """``"1 epoch"``, ``"2 epochs"``: a count of epochs for messages."""
    return f"{n} epoch{'' if n == 1 else 's'}"


Index = npt.NDArray[np.integer[Any]]
"""Example indices (a shuffled mini-batch, an epoch's permutation)."""


# --------------------------------------------------------------------------------------
# The step and the epoch: the only training loop
# --------------------------------------------------------------------------------------


class _Record:
    """An epoch's outputs, kept for computing its costs after the epoch."""

    def __init__(self, ZL: Any, AL: Any, argmax: Any, Y_rows: Any) -> None:
        # (n[L], m) Z[L] and A[L], (m,) argmax of A[L], (m, n[L]) targets: None where unused
        self.ZL, self.AL, self.argmax, self.Y_rows = ZL, AL, argmax, Y_rows
        self.sq = 0.0  # Σ over the epoch's batches of (m_b/m_L2) Σₗ ‖W[l]‖² (the L2 term)


class Trainer:
    """Mini-batch gradient descent on one network: :meth:`step` and :meth:`epoch`.

    A step is :func:`chainrule.backprop.forward`, the batch cost,
    :func:`chainrule.backprop.backward` (course convention, no dA[0]) and the
    optimizer's update of the flat parameter vector ``net.theta``, given
    preallocated buffers: one :class:`~chainrule.backprop.Workspace` per
    mini-batch size, a flat gradient vector whose views dW[l], db[l] the
    backward pass writes into, and reused gather buffers.  Where numba is
    installed, compiled implementations of single operations plug in
    (:mod:`chainrule._kernels`); they compute the same numbers.

    Parameters
    ----------
    net : Network
        Trained in place (its ``theta``).
    opt : Optimizer
        Initialised on ``net.theta`` (keeping a fitting state with ``keep_state``).
    X : ndarray of shape (n[0], m)
        Checked training inputs (column-major makes shuffled batches cheap to
        gather: each example is one contiguous column).
    Y : ndarray of shape (n[L], m)
        Checked targets.
    w : ndarray of shape (m,) or None
        Example weights.
    l2_m : float or None
        The m of the L2 term's λ/m (None: the batch's m_b, or Σwᵢ with weights).
    ops : Ops, optional
        Who computes the single operations (default: compiled where numba is,
        :func:`chainrule._kernels.compiled_ops`).
    """

    def __init__(
        self,
        net: Network,
        opt: Optimizer,
        X: Array,
        Y: Array,
        w: Array | None,
        *,
        l2_m: float | None = None,
        ops: backprop.Ops | None = None,
    ) -> None:
        self.net, self.opt = net, opt
        self.X, self.Y, self.w = X, Y, w
        self.m = X.shape[1]
        self.l2_m = l2_m
        # NumPy, or another array library on X's device: no buffers, no compiled kernels
        self.xp, self.is_numpy = _xp.namespace(X)
        if ops is None:
            ops = _kernels.compiled_ops(net.dtype) if self.is_numpy else backprop.NUMPY_OPS
        self.ops = ops
        self.canonical = backprop.is_canonical(net.loss, net.activations[-1])
        self.task = net.task
        # rows of C-ordered (m, n) arrays = columns of the (n, m) F-ordered originals
        self.X_rows = X.T if self.is_numpy and X.flags.f_contiguous else None
        self.Y_rows = Y.T if self.is_numpy and Y.flags.f_contiguous else None
        # multiclass accuracy compares argmax(A) with argmax(Y): argmax(Y) once for all
        self.labels: Index | None = (
            self.xp.argmax(Y, axis=0) if self.task == "multiclass" and self.is_numpy else None
        )
        # g = ∂J/∂θ in θ's layout: dW[l], db[l] are views of it
        self.grad = np.empty_like(net.theta) if self.is_numpy else self.xp.zeros_like(net.theta)
        self.dWs, self.dbs = net.layout.views(self.grad)
        self.grad_views = (self.dWs, self.dbs)  # backward's ``out``
        opt.init(net.theta)
        # what every step reads, looked up once (the network does not change during a run)
        self.Ws, self.bs, self.acts = list(net.Ws), list(net.bs), list(net.activations)
        self.keep_probs = net.keep_probs
        self.defer_scale = self.ops.fuses_scale(opt)  # the compiled update applies the 1/m
        self._ws: dict[int, tuple[backprop.Workspace, _Gather]] = {}
        self._rec: _Record | None = None

    def workspace(self, mb: int) -> tuple[backprop.Workspace, _Gather]:
        """The buffers for a batch of ``mb`` examples (allocated on first use)."""
        got = self._ws.get(mb)
        if got is None:
            net = self.net
            ws = backprop.Workspace(net.layer_dims, mb, net.dtype, self.keep_probs)
            gather = _Gather(
                mb,
                net.layer_dims[0],
                net.layer_dims[-1],
                net.dtype,
                rows=mb < self.m,
                weighted=self.w is not None,
                labels=self.labels is not None,
            )
            got = self._ws[mb] = (ws, gather)
        return got

    def step(
        self,
        idx: Index | slice | None,
        lr: float,
        rng: np.random.Generator,
        *,
        monitor: bool = True,
        record: slice | None = None,
    ) -> tuple[float, float, int, float]:
        """One forward/backward/update step on the mini-batch ``idx``.

        Parameters
        ----------
        idx : None, slice or ndarray of int
            The batch: all examples, a contiguous range, or shuffled indices.
        lr : float
            The learning rate α of this step.
        rng : numpy.random.Generator
            Draws the dropout masks.
        monitor : bool, default=True
            Compute the batch cost and accuracy (False skips both, and the
            check for a non-finite cost).
        record : slice, optional
            With ``monitor=False``: the columns of the epoch record (see
            :meth:`epoch`) where this batch's outputs are kept, so that the
            costs of all batches are computed at once after the epoch.

        Returns
        -------
        J : float
            The batch cost before the update (L2 term included); NaN when not
            monitored.  When it is not finite nothing is updated.
        n_correct : float
            Correct predictions on the batch (NaN for regression or when not
            monitored).
        mb : int
            The batch size.
        m_eff : float
            The batch's weight: mb, or Σ wᵢ with example weights.  A batch of
            zero total weight (J would be 0/0) is skipped: nothing is computed,
            no random number is drawn, and m_eff = 0 is returned.
        """
        net, ops = self.net, self.ops
        # -- the batch: X_b (n[0], mb), Y_b (n[L], mb), w_b (mb,) ----------------------------
        X, Y, w, labels = self.X, self.Y, self.w, self.labels
        ws: backprop.Workspace | None
        if not self.is_numpy:  # another library: gathered on X's device, no buffers
            xp = self.xp
            sel = slice(None) if idx is None else idx
            if isinstance(sel, slice):
                Xb, Yb, wb = X[:, sel], Y[:, sel], None if w is None else w[sel]
            else:  # (idx: indices already on X's device, see epoch())
                Xb, Yb = xp.take(X, sel, axis=1), xp.take(Y, sel, axis=1)
                wb = None if w is None else xp.take(w, sel, axis=0)
            ws = gb = lab = None
        elif idx is None:
            ws, gb = self._ws.get(self.m) or self.workspace(self.m)
            Xb, Yb, wb, lab = X, Y, w, labels
        elif isinstance(idx, slice):
            Xb, Yb = X[:, idx], Y[:, idx]
            ws, gb = self.workspace(Xb.shape[1])
            wb = None if w is None else w[idx]
            lab = None if labels is None else labels[idx]
        else:
            ws, gb = self._ws.get(len(idx)) or self.workspace(len(idx))
            # take(mode="clip"): idx is a permutation's slice, so nothing is clipped, and
            # NumPy skips the extra buffer that out= with mode="raise" copies through
            Xb = X[:, idx] if self.X_rows is None else self.X_rows.take(idx, 0, gb.X_rows, "clip").T
            Yb = Y[:, idx] if self.Y_rows is None else self.Y_rows.take(idx, 0, gb.Y_rows, "clip").T
            wb = None if w is None else w.take(idx, None, gb.w, "clip")
            lab = None
            if labels is not None and monitor:
                lab = labels.take(idx, None, gb.labels, "clip")
        mb = Xb.shape[1] if ws is None else ws.m
        m_eff = mb if wb is None else float(self.xp.sum(wb))
        if m_eff <= 0:
            return math.nan, math.nan, mb, 0.0
        Ws, acts, l2 = self.Ws, self.acts, net.l2
        m_l2 = self.l2_m or m_eff  # the m of λ/m: l2_m, or the batch's own

        # -- forward: Z[l] = W[l] A[l-1] + b[l];  A[l] = g(Z[l]);  inverted dropout ---------
        AL, caches = backprop.forward(
            Xb, Ws, self.bs, acts, keep_probs=self.keep_probs, rng=rng, ws=ws, ops=ops
        )
        ZL = caches[-1].Z

        # -- the batch cost J (before the update) and the number of correct predictions ----
        J = n_correct = math.nan
        if monitor:
            Lb = per_example_loss(net.loss, acts[-1], AL, ZL, Yb)
            J = mean_cost(Lb, wb) + backprop.l2_cost(Ws, l2, m_l2)
            if not math.isfinite(J):
                return J, math.nan, mb, m_eff
            n_correct = self._n_correct(AL, Yb, lab, gb)
        elif record is not None:
            # keep the batch's outputs (and its L2 weight) in the epoch record (epoch())
            rec = self._rec or self._record()
            if rec.ZL is not None:
                rec.ZL[:, record] = ZL
            if rec.AL is not None:
                rec.AL[:, record] = AL
            if rec.argmax is not None:
                AL.argmax(axis=0, out=rec.argmax[record])
            if l2:
                # (m_b / m_L2) ‖W‖² before the update, m_L2 = l2_m or m_b (see epoch())
                sq = sum(float(np.vdot(W, W)) for W in Ws)
                rec.sq += sq if self.l2_m is None else sq * (mb / self.l2_m)

        # -- backward (course convention, no dA[0]) and the update ----------------------------
        grads = backprop.backward(
            caches, Yb, Ws, acts, net.loss,
            l2=l2, l2_m=m_l2, sample_weight=wb, need_dA0=False,
            ws=ws, ops=ops, out=self.grad_views, defer_scale=self.defer_scale,
        )  # fmt: skip
        ops.update(self.opt, net.theta, self.grad, lr, grads.scale)  # θ ← θ − α·(update of g)
        return J, n_correct, mb, m_eff

    def epoch(
        self, perm: Index | None, batch_size: int, lr: float, rng: np.random.Generator
    ) -> tuple[float, float] | None:
        """One pass over the mini-batches: the epoch's (train cost, train accuracy), or None.

        Parameters
        ----------
        perm : ndarray of shape (m,) or None
            The epoch's shuffled order (None: examples in order).
        batch_size : int
        lr : float
        rng : numpy.random.Generator

        Returns
        -------
        (cost, accuracy) or None
            The cost is the batch costs J_b (each before its update, L2 term
            included) averaged with weights m_b (Σwᵢ with example weights);
            the accuracy is the fraction of correct predictions over the
            batches (NaN for regression).  None: a batch cost was not finite
            (divergence).

        Notes
        -----
        Without example weights the batch outputs Z[L] (or A[L]) are kept in
        an (n[L], m) record and every batch cost is computed in one pass
        after the epoch: the same per-example losses, summed in another order.
        A non-finite cost is then found at the end of the epoch instead of at
        its batch; ``fit`` puts back the parameters of the previous epoch
        either way.
        """
        m = self.m
        size = min(batch_size, m)  # (the last batch may be smaller)
        full = size == m
        if not self.is_numpy and perm is not None and not full:
            perm = self.xp.asarray(perm, device=_xp.device(self.X))  # the host's shuffle
        # (stops clamped to m: the array API leaves stops past the end undefined)
        starts = range(0, m, size)
        batches: list[Index | slice | None]
        if full:
            batches = [None]
        elif perm is None:
            batches = [slice(start, min(start + size, m)) for start in starts]
        else:
            batches = [perm[start : min(start + size, m)] for start in starts]

        if self.w is not None or not self.is_numpy:  # batch by batch
            tot_cost = tot_weight = tot_correct = 0.0
            n_seen = 0
            for idx in batches:
                J, n_ok, mb, m_eff = self.step(idx, lr, rng)
                if m_eff <= 0:
                    continue
                if not math.isfinite(J):
                    return None
                tot_cost += J * m_eff
                tot_weight += m_eff
                tot_correct += n_ok
                n_seen += mb
            return tot_cost / tot_weight, tot_correct / n_seen

        rec = self._record()
        rec.sq = 0.0
        step = self.step
        for start, idx in zip(starts, batches, strict=True):
            step(idx, lr, rng, monitor=False, record=slice(start, start + size))
        # the targets in the epoch's order
        Y = self.Y
        if perm is not None and not full:
            Y = (
                Y[:, perm]
                if self.Y_rows is None
                else self.Y_rows.take(perm, 0, rec.Y_rows, "clip").T
            )
        net = self.net
        # (the record keeps Z[L] for canonical pairs, A[L] for the others: what L needs)
        Lall = per_example_loss(net.loss, net.activations[-1], rec.AL, rec.ZL, Y)
        # Σ_b J_b m_b / m = (Σᵢ Lᵢ)/m + (λ/2m) Σ_b (m_b/m_L2) ‖W_b‖²
        # (J_b = mean_b L + (λ/2m_L2)‖W_b‖², m_L2 = l2_m, or m_b by default)
        cost = float(np.add.reduce(Lall, axis=None, dtype=np.float64)) / m
        if self.net.l2:
            cost += self.net.l2 / (2.0 * m) * rec.sq
        if not math.isfinite(cost):
            return None
        if self.task == "regression":
            acc = math.nan
        elif rec.argmax is not None and self.labels is not None:
            labels = self.labels if (perm is None or full) else self.labels[perm]
            acc = np.count_nonzero(np.equal(rec.argmax, labels)) / m
        else:
            acc = accuracy_from_output(rec.AL, Y, self.task)
        return cost, acc

    def _record(self) -> _Record:
        rec = self._rec
        if rec is None:
            nL, m = self.Y.shape
            dt = self.net.dtype
            multiclass = self.labels is not None
            rec = _Record(
                ZL=np.empty((nL, m), dt) if self.canonical else None,
                AL=None
                if (self.canonical and (multiclass or self.task == "regression"))
                else np.empty((nL, m), dt),
                argmax=np.empty(m, np.intp) if multiclass else None,
                Y_rows=np.empty((m, nL), dt) if self.Y_rows is not None else None,
            )
            self._rec = rec
        return rec

    def _n_correct(self, AL: Array, Yb: Array, lab: Index | None, gb: _Gather | None) -> float:
        """Correct predictions on the batch, as ``accuracy_from_output`` × m."""
        if lab is not None and gb is not None:  # multiclass: argmax(A) == argmax(Y), gathered
            AL.argmax(axis=0, out=gb.argmax)
            return float(np.count_nonzero(np.equal(gb.argmax, lab)))
        if self.task == "regression":
            return math.nan
        return accuracy_from_output(AL, Yb, self.task) * AL.shape[1]


class _Gather:
    """Reused buffers a shuffled mini-batch of ``mb`` examples is gathered into.

    ``X_rows.T`` is the (n[0], mb) batch, column-major like ``X[:, idx]``.
    """

    def __init__(
        self, mb: int, n0: int, nL: int, dtype: Any, *, rows: bool, weighted: bool, labels: bool
    ) -> None:
        self.X_rows: Any = np.empty((mb, n0), dtype) if rows else None
        self.Y_rows: Any = np.empty((mb, nL), dtype) if rows else None
        self.w: Any = np.empty(mb, dtype) if (rows and weighted) else None
        self.labels: Any = np.empty(mb, np.intp) if (rows and labels) else None
        self.argmax = np.empty(mb, np.intp)


# --------------------------------------------------------------------------------------
# fit, at its seams: set-up, the epoch loop, early stopping, the divergence guard, progress
# --------------------------------------------------------------------------------------


@dataclass
class _Data:
    """Checked training (and validation) data."""

    X: Array
    Y: Array
    w: Array | None
    Xv: Array | None = None
    Yv: Array | None = None


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
    w_tr = None if w is None else _xp.take_columns(w[None, :], tr)[0, :]
    if w_tr is not None and not float(_xp.namespace(w_tr)[0].sum(w_tr)) > 0:
        raise ValueError(
            "sample_weight is zero on every training example left after the validation split"
        )
    take = _xp.take_columns
    return take(X, tr), take(Y, tr), w_tr, take(X, val), take(Y, val)


def _prepare_data(
    net: Network,
    X: Any,
    Y: Any,
    sample_weight: Any,
    validation_data: tuple[Any, Any] | None,
    validation_fraction: float,
    batch_size: int | None,
    rng: np.random.Generator,
) -> _Data:
    """Check X, Y, the weights and the validation data; split off a validation part."""
    pair = validation_data if isinstance(validation_data, tuple | list) else ()
    X_val, Y_val = pair if len(pair) == 2 else (None, None)  # (a bad pair is refused below)
    _xp.check_same("X", X, Y=Y, sample_weight=sample_weight, X_val=X_val, Y_val=Y_val)
    Xc = net.check_X(X)
    Yc = net.check_Y(Y, Xc.shape[1])
    w = net.check_weights(sample_weight, Xc.shape[1])
    data = _Data(Xc, Yc, w)
    if validation_data is not None:
        if validation_fraction:
            raise ValueError("give validation_data or validation_fraction, not both")
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError("validation_data must be a pair (X_val, Y_val)")
        data.Xv = net.check_X(validation_data[0], "X_val")
        data.Yv = net.check_Y(validation_data[1], data.Xv.shape[1], "Y_val")
    elif validation_fraction:
        data.X, data.Y, data.w, data.Xv, data.Yv = _split_validation(
            Xc, Yc, w, validation_fraction, rng
        )
    m = data.X.shape[1]
    if batch_size is not None and batch_size < m and _xp.is_numpy(data.X):
        # Examples are columns; a column-major (Fortran-ordered) copy keeps each example
        # contiguous, so gathering a shuffled mini-batch is a cheap copy of whole columns.
        data.X = np.asfortranarray(data.X)
        data.Y = np.asfortranarray(data.Y)
    return data


class _EarlyStopping:
    """Patience on the monitored cost, and the best epoch's parameters (to restore)."""

    def __init__(self, patience: int, min_delta: float, restore_best: bool) -> None:
        self.patience, self.min_delta, self.restore_best = patience, min_delta, restore_best
        self.best = math.inf
        self.best_epoch: int | None = None
        self.best_theta: Array | None = None
        self.since_best = 0

    def update(self, epoch: int, monitored: float, theta: Array) -> None:
        """Record epoch ``epoch`` (1-based) with its monitored cost."""
        if monitored < self.best - self.min_delta:
            self.best, self.since_best, self.best_epoch = monitored, 0, epoch
            if self.restore_best:
                if self.best_theta is None:
                    self.best_theta = _xp.copy(theta)
                else:
                    _xp.copyto(self.best_theta, theta)
        else:
            self.since_best += 1

    @property
    def out_of_patience(self) -> bool:
        return self.since_best >= self.patience

    def restore(self, theta: Array, last_epoch: int) -> bool:
        """Put the best epoch's parameters back (unless it was the last); whether it did."""
        if self.best_theta is None or self.best_epoch == last_epoch:
            return False
        _xp.copyto(theta, self.best_theta)
        return True


DIVERGENCE_GROWTH = 1e6
"""An epoch whose training cost exceeds this factor times max(1, the lowest cost so far)
has diverged (the cost is finite but has grown past any sensible bound)."""
DIVERGENCE_COST = 1e100
"""A training cost above this has diverged, whatever came before."""


class _DivergenceGuard:
    """The last good parameters, restored when an epoch ends non-finite or blown up.

    An epoch diverged when its cost or parameters are not finite, or when its cost is
    finite but has grown past any sensible bound: above ``DIVERGENCE_GROWTH`` times
    max(1, the lowest epoch cost so far), or above ``DIVERGENCE_COST``.
    """

    def __init__(self, theta: Array, initial_cost: float = math.inf) -> None:
        self.theta = theta
        self.last_finite = _xp.copy(theta)
        self.lowest = initial_cost if math.isfinite(initial_cost) else math.inf
        self.reason = "non-finite cost or parameters"

    def check(self, stats: tuple[float, float] | None) -> bool:
        """After an epoch: keep its parameters if they are good, else restore the last good.

        Returns whether the epoch diverged.
        """
        if stats is not None and all_finite(self.theta):
            cost = stats[0]
            bound = min(DIVERGENCE_COST, DIVERGENCE_GROWTH * max(1.0, self.lowest))
            if not cost > bound:  # (a NaN cost is caught by all_finite's caller: stats)
                self.lowest = min(self.lowest, cost)
                _xp.copyto(self.last_finite, self.theta)
                return False
            self.reason = f"the cost {cost:.3g} grew past {bound:.3g}"
        _xp.copyto(self.theta, self.last_finite)
        return True


def all_finite(theta: Array) -> bool:
    """Whether every entry of θ (any array) is finite: the divergence guard's test.

    A sum is finite when every term is (an inf or NaN term makes it inf or
    NaN), so one reduction answers for most vectors; only a non-finite sum,
    which finite entries can also give by overflowing, is checked entry by
    entry.
    """
    xp, is_np = _xp.namespace(theta)
    if not is_np:
        return bool(xp.all(xp.isfinite(theta)))
    with np.errstate(over="ignore", invalid="ignore"):  # inf + (−inf) is NaN: no warning
        return math.isfinite(np.add.reduce(theta, axis=None)) or bool(np.isfinite(theta).all())


_F = TypeVar("_F", bound=Callable[..., Any])


@contextlib.contextmanager
def _on_device_of(net: Network, opt: Optimizer, X: Any) -> Iterator[None]:
    """For the run: θ and the optimizer's state on X's device, then back into ``net``.

    The network stays NumPy on the host between calls; inside, ``net.theta``
    (and its views ``net.Ws``, ``net.bs``) is a copy on X's device, made once,
    and so are the state's arrays (a kept state continues: ``keep_state``).
    At the end, however the run ends, the device θ is copied into the host θ
    and the state comes back to the host.
    """

    def moved(state: Any, to: Callable[[Any], Any]) -> Any:
        if state is None:
            return None
        return state.__class__(*(to(a) if hasattr(a, "dtype") else a for a in state))

    host = net.theta
    net.theta = _xp.asarray_like(host, X)
    net._bind_views()
    opt.state = moved(opt.state, lambda a: _xp.asarray_like(a, X))
    try:
        with _xp.exact_matmul(X):
            yield
    finally:
        np.copyto(host, _xp.to_host(net.theta))
        net.theta = host
        net._bind_views()
        opt.state = moved(opt.state, _xp.to_host)


def _follows_X(fit_fn: _F) -> _F:
    """``fit`` on arrays of another library runs inside :func:`_on_device_of` (NumPy: as is)."""
    default_optimizer = inspect.signature(fit_fn).parameters["optimizer"].default

    @functools.wraps(fit_fn)
    def wrapper(net: Network, X: Any, Y: Any, **options: Any) -> History:
        if _xp.is_numpy(X):
            return cast(History, fit_fn(net, X, Y, **options))
        opt = options["optimizer"] = get_optimizer(options.get("optimizer", default_optimizer))
        with _on_device_of(net, opt, X):
            return cast(History, fit_fn(net, X, Y, **options))

    return cast(_F, wrapper)


@_follows_X
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
    blas_threads: int | str | None = "auto",
) -> History:
    """Train ``net`` in place and return its :class:`History`.

    Parameters
    ----------
    net : Network
    X : array_like of shape (n[0], m)
        Training inputs, one example per column.  An array of another library
        (PyTorch, CuPy, ...) trains in that library on X's device, and every
        other array argument must come from there too (module docstring).
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
        X_val of shape (n[0], m_val), Y_val of shape (n[L], m_val).
    validation_fraction : float, default=0.0
        Hold out this fraction of the training examples (seeded) instead.
    early_stopping : bool, default=False
        Stop when the monitored cost (validation if any, else training) has
        not improved by more than ``min_delta`` for ``patience`` epochs.
    patience : int, default=10
    min_delta : float, default=0.0
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
        Show a progress bar; None shows one when stderr is a terminal or in a
        Jupyter kernel (:mod:`chainrule.progress`).
    callback : callable(epoch, logs) -> bool or None, optional
        Called after each completed epoch (before the early-stopping check)
        with that epoch's History values; returning True stops.
    blas_threads : int, "auto" or None, default="auto"
        BLAS threads while training (threadpoolctl).  ``"auto"``: one thread
        for mini-batches of up to 256 examples, whose small products a second
        thread only slows down (on a busy machine, tenfold), and the BLAS
        library's own choice for larger batches and full-batch GD; a number
        sets it (0: the library's choice); None changes nothing.  The CLI's
        ``--threads`` and ``chainrule nielsen`` use the same policy
        (:mod:`chainrule._threads`).

    Returns
    -------
    History
    """
    # -- set-up and validation -------------------------------------------------------------
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size", allow_none=True)
    schedule = Schedule(learning_rate, lr_schedule, decay, decay_interval)
    opt = get_optimizer(optimizer)
    validation_fraction = check_fraction(validation_fraction, "validation_fraction")
    patience = check_positive_int(patience, "patience")
    min_delta = check_nonneg_float(min_delta, "min_delta")
    l2_m = None if l2_m is None else check_positive_float(l2_m, "l2_m")
    threads = training_threads(blas_threads, batch_size)
    rng = net.rng if seed is None else resolve_rng(seed)
    data = _prepare_data(
        net, X, Y, sample_weight, validation_data, validation_fraction, batch_size, rng
    )
    trainer = Trainer(net, opt, data.X, data.Y, data.w, l2_m=l2_m)
    m = data.X.shape[1]
    mb = m if batch_size is None else min(batch_size, m)

    hist = History()
    net.history = hist
    stopper = _EarlyStopping(patience, min_delta, restore_best) if early_stopping else None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        # the scale of the cost before training (on at most 1024 examples), against which
        # the guard judges the first epoch's cost
        k = min(m, 1024)
        w0 = None if data.w is None else data.w[..., :k]
        initial_cost = net.cost_and_output(data.X[:, :k], data.Y[:, :k], w0)[0]
    guard = _DivergenceGuard(net.theta, initial_cost)
    if not math.isfinite(initial_cost):  # not the learning rate's fault: say what is
        with np.errstate(over="ignore", invalid="ignore"):
            xp = _xp.namespace(data.X)[0]
            xmax = float(xp.max(xp.abs(data.X)))
        guard.reason = (
            f"the cost is not finite even before training: {net.dtype.name} arithmetic "
            f"overflows on these inputs (magnitudes up to {xmax:.3g}); scale them"
        )
    show = default_show() if progress is None else bool(progress)
    bar = ProgressBar(show, epochs)
    epoch = 0
    ended = False  # the loop ended by itself (not by an exception)
    with blas_threads_limit(threads):
        try:
            for epoch in range(epochs):
                lr = schedule(epoch)
                perm = rng.permutation(m) if (shuffle and mb < m) else None
                # A diverging run overflows on its way to inf/NaN; NumPy's warnings about that
                # are replaced by one DivergenceWarning below.  The callback runs outside this.
                with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                    stats = trainer.epoch(perm, mb, lr, rng)
                    diverged = guard.check(stats)
                if diverged or stats is None:
                    _diverged(hist, opt, epoch, lr, guard.reason)
                    break
                logs = _record_epoch(hist, net, data, epoch, lr, stats)
                bar.epoch_done(logs)
                if stopper is not None:
                    monitored = hist.val_cost[-1] if hist.val_cost else hist.train_cost[-1]
                    stopper.update(epoch + 1, monitored, net.theta)
                    hist.best_epoch = stopper.best_epoch
                if callback is not None and callback(epoch + 1, logs):
                    hist.message = f"{_CALLBACK_STOP} after epoch {epoch + 1}"
                    break
                if stopper is not None and stopper.out_of_patience:
                    hist.stopped_early = True
                    break
            ended = True
        except KeyboardInterrupt:  # Ctrl-C (or a SIGTERM turned into one): keep finished work
            _interrupted(hist, net, guard, stopper, epoch)
            raise
        finally:
            if not ended:
                bar.close(success=False, note="interrupted")
    _finish(hist, net, stopper, patience)
    bar.close(success=not hist.diverged, note=_bar_note(hist))
    return hist


def _bar_note(hist: History) -> str:
    """How training ended, in a few words after the progress bar's numbers."""
    if hist.diverged:
        return "diverged"
    if hist.stopped_early:
        best = f", best epoch {hist.best_epoch}" if hist.best_epoch is not None else ""
        return f"early stopping{best}"
    if hist.message.startswith(_CALLBACK_STOP):
        return "stopped by the callback"
    return ""


def _record_epoch(
    hist: History, net: Network, data: _Data, epoch: int, lr: float, stats: tuple[float, float]
) -> dict[str, float]:
    """Append the epoch's values to the History (validation measured now); its logs."""
    train_cost, train_accuracy = stats
    hist.epoch.append(epoch + 1)
    hist.train_cost.append(train_cost)
    hist.train_accuracy.append(train_accuracy)
    hist.learning_rate.append(lr)
    logs = {"cost": train_cost, "accuracy": train_accuracy}
    if data.Xv is not None and data.Yv is not None:
        with np.errstate(over="ignore", invalid="ignore"):  # (as for training)
            vc, ALv = net.cost_and_output(data.Xv, data.Yv)
        task = net.task
        va = accuracy_from_output(ALv, data.Yv, task) if task != "regression" else math.nan
        hist.val_cost.append(vc)
        hist.val_accuracy.append(va)
        logs.update(val_cost=vc, val_accuracy=va)
    return logs


def _diverged(
    hist: History,
    opt: Optimizer,
    epoch: int,
    lr: float,
    reason: str = "non-finite cost or parameters",
) -> None:
    """Say that epoch ``epoch`` (0-based) diverged; its parameters were already put back."""
    hist.diverged = True
    # the optimizer's state went non-finite with the parameters: discard it, so that a
    # later fit keeping it (Optimizer.keep_state, partial_fit) starts afresh
    opt.reset()
    kept = (
        "the initial parameters" if epoch == 0 else f"the parameters from the end of epoch {epoch}"
    )
    hint = "" if "before training" in reason else f" Try a smaller learning rate (now {lr:g})."
    hist.message = f"training diverged in epoch {epoch + 1} ({reason}); kept {kept}.{hint}"
    warnings.warn(hist.message, DivergenceWarning, stacklevel=3)


def _interrupted(
    hist: History,
    net: Network,
    guard: _DivergenceGuard,
    stopper: _EarlyStopping | None,
    epoch: int,
) -> None:
    """Training was interrupted in epoch ``epoch`` (0-based): put back finished work.

    The parameters become those of the last finished epoch (the guard's copy), or the
    best epoch's with early stopping; ``hist.message`` says so.  The caller re-raises
    the KeyboardInterrupt, so an interrupt still stops the program.
    """
    _xp.copyto(net.theta, guard.last_finite)
    done = len(hist.epoch)
    kept = f"the parameters of epoch {done}" if done else "the initial parameters"
    if stopper is not None and done and stopper.restore(net.theta, hist.epoch[-1]):
        kept = f"the parameters of epoch {hist.best_epoch} (the best)"
    hist.message = f"interrupted during epoch {epoch + 1}; kept {kept}"


def _finish(hist: History, net: Network, stopper: _EarlyStopping | None, patience: int) -> None:
    """Restore the best epoch's parameters where asked, and say how training ended."""
    restored = ""
    # Restore the best epoch's weights however training ended (patience, callback or the
    # last epoch), as Keras's ``restore_best_weights`` does since Keras 3.
    if stopper is not None and not hist.diverged and stopper.restore(net.theta, hist.epoch[-1]):
        restored = f"; restored the parameters of epoch {hist.best_epoch}"
        hist.restored_epoch = hist.best_epoch
    if hist.stopped_early:
        hist.message = (
            f"early stopping after epoch {hist.epoch[-1]}: no improvement for "
            f"{epochs_text(patience)}{restored}"
        )
    elif not hist.message:
        hist.message = f"finished {epochs_text(len(hist.epoch))}{restored}"
    elif restored:
        hist.message += restored
