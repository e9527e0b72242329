r"""The training fast path: the reference math, with preallocated buffers.

:func:`chainrule.training.fit` trains through this module whenever it can
(:func:`supported`).  It performs **exactly the floating-point operations** of
the reference path -- :func:`chainrule.backprop.forward`,
:func:`chainrule.backprop.backward` (course convention, ``need_dA0=False``) and
:meth:`chainrule.optim.Optimizer.step` -- in the same order and on operands of
the same memory layout, so both paths give bit-for-bit the same parameters
(``tests/test_fastpath.py`` checks this for every optimizer, both dtypes,
dropout, L2 and sample weights).  What it saves is everything around the math:

* **no allocation per step.**  Z[l], A[l], the dropout masks D[l], dZ[l],
  dA[l] and the gathered mini-batch live in a :class:`Workspace`, one per
  mini-batch size (the last, smaller batch of an epoch gets its own), and
  every NumPy call writes into them with ``out=``;
* **dA[0] is never formed** (training does not need W[1]ᵀ dZ[1]);
* **one flat parameter vector.**  W[1], b[1], ..., W[L], b[L] become views of
  one contiguous buffer, and dW[l], db[l] views of a second one, so the
  optimizer updates every parameter with a dozen NumPy calls in all instead of
  a dozen per array (an elementwise update gives the same numbers either way);
* **cheap mini-batch gathering**: the examples of X (one per column, stored
  column-major, i.e. as the rows of a C-ordered (m, n[0]) array) are gathered
  with ``np.take(..., out=)`` into a reused buffer whose transpose is the
  (n[0], mb) batch -- the very layout the reference path gets from
  ``X[:, idx]``.

Every formula still lives in one place: the activations' ``forward``/
``backward``, the losses' ``fused_dZ``/``dA``/``from_logits``, the
optimizers' updates; this module only calls them with ``out=`` arrays and
applies the linear steps of :mod:`chainrule.backprop` (Z = W A + b,
dW = (1/m) dZ A_prevᵀ, db = (1/m) Σ dZ, dA_prev = Wᵀ dZ) into buffers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule import backprop
from chainrule._typing import Array
from chainrule.activations import ACTIVATIONS, Activation
from chainrule.losses import LOSSES, Loss
from chainrule.losses import cost as mean_cost
from chainrule.optim import OPTIMIZERS, Optimizer

if TYPE_CHECKING:
    from chainrule.network import Network

__all__ = ["FastTrainer", "Workspace", "flat_parameters", "supported"]


def supported(activations: Sequence[Activation], loss: Loss, opt: Optimizer) -> bool:
    """Whether the fast path reproduces the reference path for these parts.

    True for chainrule's own activation, loss and optimizer classes (whose
    ``out=`` arguments and elementwise updates are known to be safe); a
    user-defined subclass trains through the reference path.
    """
    return (
        all(type(g) in ACTIVATIONS.values() for g in activations)
        and type(loss) in LOSSES.values()
        and type(opt) in OPTIMIZERS.values()
    )


def flat_parameters(Ws: list[Array], bs: list[Array]) -> tuple[Array, list[Array], list[Array]]:
    """Copy W[1], b[1], ..., W[L], b[L] into one contiguous vector.

    Parameters
    ----------
    Ws : list of L arrays, W[l] of shape (n[l], n[l-1])
    bs : list of L arrays, b[l] of shape (n[l], 1)

    Returns
    -------
    flat : ndarray of shape (n_params,)
    Wv, bv : lists of L views of ``flat`` with the shapes (and C order) of Ws, bs
    """
    dtype = Ws[0].dtype
    n = sum(W.size + b.size for W, b in zip(Ws, bs, strict=True))
    flat = np.empty(n, dtype=dtype)
    Wv, bv = _views(flat, [W.shape for W in Ws], [b.shape for b in bs])
    for dst, src in zip(Wv + bv, Ws + bs, strict=True):
        dst[...] = src
    return flat, Wv, bv


def _views(
    flat: Array, W_shapes: Sequence[tuple[int, ...]], b_shapes: Sequence[tuple[int, ...]]
) -> tuple[list[Array], list[Array]]:
    Wv, bv = [], []
    i = 0
    for ws, bsh in zip(W_shapes, b_shapes, strict=True):
        k = math.prod(ws)
        Wv.append(flat[i : i + k].reshape(ws))
        i += k
        k = math.prod(bsh)
        bv.append(flat[i : i + k].reshape(bsh))
        i += k
    return Wv, bv


class Workspace:
    """Every per-step array of one mini-batch size, allocated once.

    Parameters
    ----------
    layer_dims : list of int
        [n[0], ..., n[L]].
    mb : int
        Mini-batch size m.
    dtype : numpy dtype
    keep_probs : list of L float
        Layers with keep_prob < 1 get dropout buffers.
    gather : bool
        Whether to allocate the (m, n[0]) and (m, n[L]) buffers a shuffled
        mini-batch is gathered into.
    weighted : bool
        Whether to allocate the (m,) sample-weight buffer.

    Attributes
    ----------
    Z, A : lists of L arrays of shape (n[l], m)
        A[l] is g(Z[l]) before dropout.
    A_out : list of L arrays
        The layer's output after dropout (``A[l]`` itself without dropout).
    D, U : lists of L arrays or None
        Dropout mask (already divided by keep_prob) and its uniform draws.
    dZ : list of L arrays of shape (n[l], m)
        dZ[L] has its own buffer; for l < L, dZ[l] is computed in place of dA[l].
    X_rows, Y_rows, w : gather buffers (or None)
        X_rows.T is the (n[0], m) batch, column-major like ``X[:, idx]``.
    """

    def __init__(
        self,
        layer_dims: Sequence[int],
        mb: int,
        dtype: Any,
        keep_probs: Sequence[float],
        *,
        gather: bool,
        weighted: bool,
    ) -> None:
        L = len(layer_dims) - 1
        sizes = layer_dims[1:]
        self.m = mb
        self.Z = [np.empty((n, mb), dtype) for n in sizes]
        self.A = [np.empty((n, mb), dtype) for n in sizes]
        self.D: list[Array | None] = [
            np.empty((n, mb), dtype) if kp < 1.0 else None
            for n, kp in zip(sizes, keep_probs, strict=True)
        ]
        self.A_out = [A if D is None else np.empty_like(A) for A, D in zip(self.A, self.D, strict=True)]
        # dZ[l] for l < L is written over dA[l] (the activations' backward allows out=dA)
        self.dZ = [np.empty((n, mb), dtype) for n in sizes]
        self.X_rows = np.empty((mb, layer_dims[0]), dtype) if gather else None
        self.Y_rows = np.empty((mb, layer_dims[L]), dtype) if gather else None
        self.w = np.empty(mb, dtype) if (gather and weighted) else None


class FastTrainer:
    """Mini-batch training steps on preallocated buffers (module docstring).

    Construction rebinds ``net.Ws[l]``, ``net.bs[l]`` to views of one flat
    parameter vector (same values, same shapes) for the whole training run.

    Parameters
    ----------
    net : Network
    opt : Optimizer
        Already initialised or not; it is (re)initialised on the flat vector.
    X : ndarray of shape (n[0], m)
        Checked training inputs.
    Y : ndarray of shape (n[L], m)
    w : ndarray of shape (m,) or None
        Example weights.
    batch_size : int
        Mini-batch size (m for full-batch).
    """

    def __init__(
        self, net: Network, opt: Optimizer, X: Array, Y: Array, w: Array | None, batch_size: int
    ) -> None:
        self.net = net
        self.opt = opt
        self.L = net.L
        self.acts = list(net.activations)
        self.loss = net.loss
        self.dtype = net.dtype
        self.keep_probs = net.keep_probs
        self.use_dropout = any(k < 1.0 for k in self.keep_probs)
        self.canonical = backprop.is_canonical(net.loss, net.activations[-1])
        self.task = net.task
        self.l2 = net.l2
        self.X, self.Y, self.w = X, Y, w
        self.m = X.shape[1]
        self.bs = batch_size
        # rows of C-ordered (m, n) arrays = columns of the (n, m) F-ordered originals
        self.X_rows = X.T if X.flags.f_contiguous else None
        self.Y_rows = Y.T if Y.flags.f_contiguous else None
        self.flat, Wv, bv = flat_parameters(net.Ws, net.bs)
        net.Ws[:], net.bs[:] = Wv, bv
        self.Ws, self.bs_ = Wv, bv
        self.grad = np.empty_like(self.flat)
        self.dWs, self.dbs = _views(self.grad, [W.shape for W in Wv], [b.shape for b in bv])
        self.params = [self.flat]
        self.grads = [self.grad]
        self.opt.init(self.params)
        self._tmp = [np.empty_like(W) for W in Wv] if self.l2 else []
        self._ws: dict[int, Workspace] = {}

    def workspace(self, mb: int) -> Workspace:
        """The buffers for a batch of ``mb`` examples (allocated on first use)."""
        ws = self._ws.get(mb)
        if ws is None:
            ws = Workspace(
                self.net.layer_dims,
                mb,
                self.dtype,
                self.keep_probs,
                gather=mb < self.m,
                weighted=self.w is not None,
            )
            self._ws[mb] = ws
        return ws

    def batch(self, ws: Workspace, idx: Array | slice | None) -> tuple[Array, Array, Array | None]:
        """The mini-batch (X_b, Y_b, w_b): ``idx`` = None (all), a slice, or indices."""
        X, Y, w = self.X, self.Y, self.w
        if idx is None:
            return X, Y, w
        if isinstance(idx, slice):
            return X[:, idx], Y[:, idx], None if w is None else w[idx]
        assert ws.X_rows is not None and ws.Y_rows is not None
        if self.X_rows is not None:
            Xb = np.take(self.X_rows, idx, axis=0, out=ws.X_rows).T
        else:
            Xb = X[:, idx]
        if self.Y_rows is not None:
            Yb = np.take(self.Y_rows, idx, axis=0, out=ws.Y_rows).T
        else:
            Yb = Y[:, idx]
        wb = None if w is None else np.take(w, idx, out=ws.w)
        return Xb, Yb, wb

    def step(
        self, idx: Array | slice | None, lr: float, rng: np.random.Generator
    ) -> tuple[float, float, int]:
        """One forward/backward/update step on the batch ``idx``.

        Returns
        -------
        J : float
            The batch cost before the update (L2 term included); when it is
            not finite the parameters are left unchanged.
        accuracy : float
            On the batch (NaN for regression).
        mb : int
            The batch size.
        """
        mb = self.m if idx is None else (len(range(self.m)[idx]) if isinstance(idx, slice) else len(idx))
        ws = self.workspace(mb)
        Xb, Yb, wb = self.batch(ws, idx)
        Ws, bs, acts, L = self.Ws, self.bs_, self.acts, self.L
        dt = self.dtype.type

        # forward: Z[l] = W[l] A[l-1] + b[l];  A[l] = g(Z[l]);  inverted dropout
        A = Xb
        for l in range(L):
            Z = np.matmul(Ws[l], A, out=ws.Z[l])
            Z += bs[l]
            acts[l].forward(Z, out=ws.A[l])
            D = ws.D[l]
            if D is not None:
                kp = self.keep_probs[l]
                U = rng.random(D.shape, dtype=D.dtype)
                np.less(U, kp, out=D)
                D /= dt(kp)
                np.multiply(ws.A[l], D, out=ws.A_out[l])
            A = ws.A_out[l]
        AL, ZL = ws.A[L - 1], ws.Z[L - 1]

        # the batch cost J (before the update) and accuracy, as the reference path
        Lb = self.loss.from_logits(ZL, Yb) if self.canonical else self.loss.per_example(AL, Yb)
        m_eff = mb if wb is None else float(wb.sum())
        J = mean_cost(Lb, wb) + backprop.l2_cost(Ws, self.l2, m_eff)
        if not math.isfinite(J):
            return J, math.nan, mb
        if self.task != "regression":
            from chainrule.network import accuracy_from_output

            acc = accuracy_from_output(AL, Yb, self.task)
        else:
            acc = math.nan

        # backward (course convention): dZ[L], then dW, db, dA_prev layer by layer
        scale = backprop.batch_scale(mb, wb)
        s = dt(scale)
        dZ = ws.dZ[L - 1]
        if self.canonical:
            self.loss.fused_dZ(AL, Yb, out=dZ)
        else:
            acts[L - 1].backward(self.loss.dA(AL, Yb), ZL, AL, out=dZ)
        if wb is not None:
            dZ *= wb.reshape(1, -1)
        l2_scale = 0.0 if self.l2 == 0 else self.l2 / (mb if wb is None else m_eff)
        for l in range(L - 1, -1, -1):
            if l < L - 1:
                dZ = ws.dZ[l]  # holds dA[l] = W[l+1]ᵀ dZ[l+1]
                D = ws.D[l]
                if D is not None:
                    dZ *= D
                acts[l].backward(dZ, ws.Z[l], ws.A[l], out=dZ)
            A_prev = Xb if l == 0 else ws.A_out[l - 1]
            dW = np.matmul(dZ, A_prev.T, out=self.dWs[l])
            db = np.sum(dZ, axis=1, keepdims=True, out=self.dbs[l])
            if scale != 1.0:
                dW *= s
                db *= s
            if l2_scale:
                dW += np.multiply(dt(l2_scale), Ws[l], out=self._tmp[l])
            if l > 0:
                np.matmul(Ws[l].T, dZ, out=ws.dZ[l - 1])
        self.opt.step(self.params, self.grads, lr)
        return J, acc, mb
