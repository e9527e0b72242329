"""One mini-batch through the core, computed before its update and kept to be shown.

:func:`compute` is the step's forward and backward pass: ``backprop.forward`` on the batch
X_b (n[0], m_b), the batch cost J_b = (1/m_b) Σ L⁽ⁱ⁾ + (λ/2m_b) Σₗ ‖W[l]‖²
(``head.per_example_loss``, ``losses.cost``, ``backprop.l2_cost``) and
``backprop.backward`` into the views dW[l], db[l] of the session's flat gradient g: the
arrays and calls of :class:`chainrule.training.Trainer`'s step, without its buffers, so
that every array stays there to be shown.  The update itself is the session's
(``Session._apply``), so that micro-steps can stop before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule import backprop
from chainrule._typing import Array
from chainrule.backprop import LayerCache
from chainrule.head import accuracy as head_accuracy
from chainrule.head import per_example_loss
from chainrule.losses import cost as mean_cost
from chainrule.network import Network

__all__ = [
    "Batch",
    "compute",
    "evaluate",
    "first_non_finite",
    "forward",
    "norm",
    "phases",
    "update_ratios",
]


def phases(L: int) -> list[tuple[str, int | None]]:
    """The micro-steps of one batch: forward 1..L, loss, backward L..1, update."""
    out: list[tuple[str, int | None]] = [("forward", l) for l in range(1, L + 1)]
    out.append(("loss", None))
    out += [("backward", l) for l in range(L, 0, -1)]
    out.append(("update", None))
    return out


@dataclass
class Batch:
    """One mini-batch's forward and backward pass, computed before its update.

    ``caches`` are the core's LayerCache (A_prev, Z, A) of each layer; ``grads`` its
    Gradients (dZ, dA per layer; dW, db views of the session's flat gradient g).
    """

    idx: Any  # None (all examples) or ndarray of int
    X: Array  # (n[0], m_b)
    Y: Array  # (n[L], m_b)
    caches: list[LayerCache]
    L: Array  # (1, m_b) per-example losses
    J_data: float  # (1/m_b) Σ L
    J_l2: float  # (λ/2m_b) Σ ‖W‖²
    grads: backprop.Gradients
    convention: str
    bad: dict[str, Any] | None  # the first non-finite array, if any
    applied: bool = False
    revealed: int = 0  # phases shown (index into phases(L))
    whole: bool = False  # stepped as a whole batch (not micro-stepped): the phase is idle
    theta_before: Array | None = None  # θ before the update (once applied)
    kept: tuple[list[Array], list[Array]] | None = None  # dW, db copied out of g when applied

    def dW_db(self, l: int) -> tuple[Array, Array]:
        """dW[l], db[l] of this batch (g's views are the next batch's once it is computed)."""
        if self.kept is not None:
            return self.kept[0][l - 1], self.kept[1][l - 1]
        return self.grads.dW[l - 1], self.grads.db[l - 1]

    @property
    def m(self) -> int:
        return int(self.X.shape[1])


def forward(net: Network, X: Array) -> tuple[Array, list[LayerCache]]:
    """A[L] (n[L], m) and the layer caches for X (n[0], m): ``backprop.forward``, no checks."""
    return backprop.forward(X, list(net.Ws), list(net.bs), list(net.activations))


def compute(
    net: Network,
    X: Array,
    Y: Array,
    idx: Any,
    convention: str,
    out: tuple[list[Array], list[Array]],
) -> Batch:
    """The batch's forward and backward pass (nothing applied).

    Parameters
    ----------
    net : Network
    X : ndarray of shape (n[0], m_b)
    Y : ndarray of shape (n[L], m_b)
    idx : ndarray of int of shape (m_b,), or None
        The batch's columns of the training part (None: all of them).
    convention : {"course", "cost"}
        Where 1/m enters (``backprop.backward``).
    out : (list of dW[l], list of db[l])
        The views of the flat gradient g that the backward pass writes.
    """
    Ws, bs, acts = list(net.Ws), list(net.bs), list(net.activations)
    m = X.shape[1]
    with np.errstate(all="ignore"):
        # Z[l] = W[l] A[l-1] + b[l];  A[l] = g(Z[l])
        AL, caches = backprop.forward(X, Ws, bs, acts)
        # J = (1/m) Σ L⁽ⁱ⁾ + (λ/2m) Σ ‖W[l]‖²
        Lb = per_example_loss(net.loss, acts[-1], AL, caches[-1].Z, Y)
        J_data = mean_cost(Lb)
        J_l2 = backprop.l2_cost(Ws, net.l2, m)
        grads = backprop.backward(
            caches,
            Y,
            Ws,
            acts,
            net.loss,
            convention=convention,  # type: ignore[arg-type]
            l2=net.l2,
            need_dA0=False,
            out=out,
        )
    bad = first_non_finite(caches, J_data + J_l2, grads)
    return Batch(idx, X, Y, caches, Lb, J_data, J_l2, grads, convention, bad)


def first_non_finite(
    caches: list[LayerCache], J: float, grads: backprop.Gradients
) -> dict[str, Any] | None:
    """The first array of the pass (in the order computed) with a NaN or ±inf."""
    for l, c in enumerate(caches, 1):
        for name, a in (("Z", c.Z), ("A", c.A)):
            if not np.isfinite(a).all():
                return {"layer": l, "array": name, "phase": "forward"}
    if not math.isfinite(J):
        return {"layer": len(caches), "array": "J", "phase": "loss"}
    for l in range(len(caches), 0, -1):
        for name, a in (
            ("dZ", grads.dZ[l - 1]),
            ("dW", grads.dW[l - 1]),
            ("db", grads.db[l - 1]),
        ):
            if not np.isfinite(a).all():
                return {"layer": l, "array": name, "phase": "backward"}
    return None


def evaluate(net: Network, X: Array, Y: Array) -> dict[str, float]:
    """J (with the L2 term), the mean loss and the accuracy on a whole part.

    Parameters
    ----------
    net : Network
    X : ndarray of shape (n[0], m)
    Y : ndarray of shape (n[L], m)
    """
    if X.shape[1] == 0:
        return {"J": math.nan, "loss": math.nan, "accuracy": math.nan}
    with np.errstate(all="ignore"):
        AL, caches = forward(net, X)
        loss = mean_cost(per_example_loss(net.loss, net.activations[-1], AL, caches[-1].Z, Y))
        J = loss + backprop.l2_cost(list(net.Ws), net.l2, X.shape[1])
        acc = head_accuracy(AL, Y, net.task)  # the decision rule of chainrule.head
    return {"J": J, "loss": loss, "accuracy": acc}


def norm(a: Array | None) -> float:
    """‖a‖_F (inf where it overflows, NaN for None)."""
    if a is None:
        return math.nan
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(a))


def update_ratios(net: Network, before: Array, delta: Array) -> list[float]:
    """‖ΔW[l]‖ / ‖W[l]‖ of one update, per layer (NaN where W[l] was zero).

    ``before`` is θ before the update and ``delta`` θ after minus θ before, both in the
    network's layout (shape of θ).
    """
    dW_views, _ = net.layout.views(delta)
    W_before, _ = net.layout.views(before)
    return [
        norm(d) / norm(W) if norm(W) > 0 else math.nan
        for d, W in zip(dW_views, W_before, strict=True)
    ]
