r"""The training fast path: the reference math, with preallocated buffers.

:func:`chainrule.training.fit` trains through this module whenever it can
(:func:`supported`: chainrule's own activations and losses).  It performs
**exactly the floating-point operations** of the reference path --
:func:`chainrule.backprop.forward`, :func:`chainrule.backprop.backward`
(course convention, ``need_dA0=False``) and
:meth:`chainrule.optim.Optimizer.step` -- in the same order and on operands
of the same memory layout, so both paths give bit-for-bit the same
parameters (``tests/test_fastpath.py`` checks this for every optimizer, both
dtypes, every activation and loss, dropout, L2 and sample weights).  What it
saves is everything around the math:

* **no allocation per step.**  Z[l], A[l], the dropout masks D[l], dZ[l],
  dA[l] and the gathered mini-batch live in a :class:`Workspace`, one per
  mini-batch size (the last, smaller batch of an epoch gets its own), and
  every NumPy call writes into them with ``out=``;
* **dA[0] is never formed** (training does not need W[1]ᵀ dZ[1]);
* **one flat parameter vector.**  W[1], b[1], ..., W[L], b[L] become views of
  one contiguous buffer, and dW[l], db[l] views of a second one, so the 1/m
  of every dW[l], db[l] is one multiplication and chainrule's optimizers
  update every parameter with a dozen NumPy calls in all instead of a dozen
  per array (elementwise operations give the same numbers either way);
* **cheap mini-batch gathering**: the examples of X (one per column, stored
  column-major, i.e. as the rows of a C-ordered (m, n[0]) array) are gathered
  with ``ndarray.take(..., out=, mode="clip")`` into a reused buffer whose
  transpose is the (n[0], mb) batch -- the very layout the reference path
  gets from ``X[:, idx]``.  (The indices are a permutation of range(m), so
  "clip" never clips; it spares NumPy the extra buffer it copies through
  when ``out=`` is given with the default mode="raise");
* **the epoch's costs in one pass** (:meth:`FastTrainer.epoch`, without example
  weights): each batch's Z[L] (or A[L]) is copied into an (n[L], m) record and
  the batch costs ``fit`` reports are computed after the epoch by one call of
  the loss, instead of a dozen small NumPy calls per batch;
* **optionally, compiled kernels**: with `numba <https://numba.pydata.org>`_
  installed (the ``fast`` extra; set ``CHAINRULE_NUMBA=0`` to refuse it),
  the SGD and Adam updates' passes over the parameters (thirteen for Adam,
  three for SGD, counting the 1/m) become one fused, vectorised loop, and a
  relu layer's Z += b, A = max(Z, 0) and its dZ = dA ⊙ [Z > 0] one pass each,
  and a softmax output's bias, shift and normalisation two passes around
  NumPy's exponential, computing the same operations in the same order (the
  NumPy calls are always the fallback).  The kernels are compiled once per machine and
  cached on disk; fused, they save 3-5× on these passes and most of the
  per-step call overhead that dominates small networks.

Every formula still lives in one place: the activations' ``forward``/
``backward``, the losses' ``fused_dZ``/``dA``/``from_logits``, the
optimizers' updates; this module only calls them with ``out=`` arrays and
applies the linear steps of :mod:`chainrule.backprop` (Z = W A + b,
dW = (1/m) dZ A_prevᵀ, db = (1/m) Σ dZ, dA_prev = Wᵀ dZ) into buffers.  The
one exception is the compiled loops, which restate
:meth:`chainrule.optim.SGD._update`, :meth:`chainrule.optim.Adam._update`
and :class:`chainrule.activations.ReLU`'s ``forward``/``backward`` and
:func:`chainrule.activations.softmax` (all but its exponential) and are
tested bit-for-bit against them (±inf and signed zeros included; NaN wherever
NumPy gives NaN, its sign bit aside).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from chainrule import backprop
from chainrule._typing import Array
from chainrule.activations import ACTIVATIONS, Activation
from chainrule.losses import LOSSES, Loss
from chainrule.losses import cost as mean_cost
from chainrule.optim import OPTIMIZERS, Optimizer

if TYPE_CHECKING:
    from chainrule.network import Network

Index = npt.NDArray[np.integer[Any]]
"""Example indices (a shuffled mini-batch, an epoch's permutation)."""

__all__ = ["ENABLED", "FastTrainer", "Workspace", "flat_parameters", "supported"]

ENABLED = True
"""Switch for :func:`chainrule.training.fit`: False trains through the reference path."""


def supported(activations: Sequence[Activation], loss: Loss, opt: Optimizer) -> bool:
    """Whether the fast path reproduces the reference path for these parts.

    True (while :data:`ENABLED`) for chainrule's own activation and loss
    classes, whose ``out=`` arguments are known to compute exactly what the
    allocating calls compute; a user-defined subclass trains through the
    reference path.  Any :class:`~chainrule.optim.Optimizer` works (it is
    called as in the reference path); chainrule's own optimizers, whose
    updates are elementwise, are moreover run once over the flat parameter
    vector instead of once per array.
    """
    return (
        ENABLED
        and isinstance(opt, Optimizer)
        and all(type(g) in ACTIVATIONS.values() for g in activations)
        and type(loss) in LOSSES.values()
    )


# --------------------------------------------------------------------------------------
# Optional compiled kernels (numba): the SGD and Adam updates, ReLU layers, softmax output
# --------------------------------------------------------------------------------------


_kernels: dict[str, Any] = {}


def _numba_kernels() -> dict[str, Any]:
    """The compiled updates over flat vectors ({} without numba), compiled once.

    Bit-for-bit the operations of :meth:`chainrule.optim.SGD._update` and
    :meth:`chainrule.optim.Adam._update`, element by element, in the same order
    and in the parameters' dtype (every scalar is passed in that dtype; no
    fast-math, so no reassociation or FMA contraction), with the gradient's
    1/m multiplied in first: ``tests/test_fastpath.py`` compares them.
    """
    if _kernels or os.environ.get("CHAINRULE_NUMBA", "1") == "0":
        return _kernels
    try:
        import numba
    except ImportError:
        return _kernels
    # error_model="numpy": no ZeroDivisionError check, so the loops vectorise.  Caching
    # needs a writable cache directory (next to this file, or the user's cache); where
    # there is none, numba refuses cache=True at decoration: compile per process instead.
    for cache in (True, False):
        try:
            kernels = _define_kernels(numba.njit(cache=cache, nogil=True, error_model="numpy"))
        except Exception:  # pragma: no cover - depends on the file system / numba install
            continue
        _kernels.update(kernels)
        break
    return _kernels


def _define_kernels(jit: Any) -> dict[str, Any]:
    """The compiled kernels, decorated with ``jit`` (see :func:`_numba_kernels`)."""

    @jit
    def sgd(p, g, s, lr):
        for i in range(p.size):
            p[i] = p[i] - lr * (g[i] * s)  # θ ← θ − α g,  g = (1/m)·(dZ A_prevᵀ …)

    @jit
    def adam(p, g, s, m, v, omb1, b2, omb2, k, eps, step):
        for i in range(p.size):
            gi = g[i] * s  # the gradient's 1/m (s = 1 when already applied)
            mi = m[i] + (gi - m[i]) * omb1  # m ← m + (1 − β₁)(g − m)
            vi = v[i] * b2 + (gi * gi) * omb2  # v ← β₂ v + (1 − β₂) g²
            m[i] = mi
            v[i] = vi
            # θ ← θ − (α/(1 − β₁ᵗ)) m / (√v · (1/√(1 − β₂ᵗ)) + ε)
            p[i] = p[i] - (mi / (np.sqrt(vi) * k + eps)) * step

    @jit
    def bias_relu(Z, b, A, zero):
        # Z ← Z + b;  A = relu(Z) = max(Z, 0)  (NaN propagates, as np.maximum;
        # ``zero`` is 0 in the arrays' dtype, so float32 stays float32)
        n, m = Z.shape
        for i in range(n):
            bi = b[i, 0]
            for j in range(m):
                z = Z[i, j] + bi
                Z[i, j] = z
                A[i, j] = z if not z < zero else zero  # ≡ np.maximum(z, 0), z = −0 included

    @jit
    def relu_backward(dZ, Z, zero, one):
        # dZ[l] = dA[l] ⊙ relu′(Z[l]), in place, relu′(z) = 1 if z > 0 else 0
        # (the product with 0 is formed, as NumPy does: inf · 0 = NaN, −x · 0 = −0)
        n, m = Z.shape
        for i in range(n):
            for j in range(m):
                dZ[i, j] = dZ[i, j] * (one if Z[i, j] > zero else zero)

    @jit
    def bias_softmax_shift(Z, b, A, c):
        # Z ← Z + b;  A = Z − max over each column (the stable softmax's shift, ≤ 0).
        # c: (m,) work vector.  Unlike np.maximum.reduce this max skips a NaN after the
        # first row, and a zero maximum's sign may differ; neither changes the softmax:
        # a NaN in a column makes its sum, so every entry, NaN either way, and
        # z − (±0) differs only for z = ±0, where e⁰ = 1 either way.
        n, m = Z.shape
        for i in range(n):  # Z[i] += b[i] and the running column maximum, in one pass
            bi = b[i, 0]
            for j in range(m):
                z = Z[i, j] + bi
                Z[i, j] = z
                if i == 0 or z > c[j]:
                    c[j] = z
        for i in range(n):
            for j in range(m):
                A[i, j] = Z[i, j] - c[j]

    @jit
    def softmax_normalize(A, c):
        # A[:, j] ← A[:, j] / Σᵢ A[i, j], the sums added row after row, in the order
        # of np.add.reduce(A, axis=0) over a C-ordered A with m ≥ 2 columns (the
        # reduced axis is not the contiguous one, so NumPy adds whole rows in turn;
        # a single column is contiguous, and NumPy sums it pairwise: not used there)
        n, m = A.shape
        for j in range(m):
            c[j] = A[0, j]
        for i in range(1, n):
            for j in range(m):
                c[j] = c[j] + A[i, j]
        for i in range(n):
            for j in range(m):
                A[i, j] = A[i, j] / c[j]

    return {
        "sgd": sgd,
        "adam": adam,
        "bias_relu": bias_relu,
        "relu_backward": relu_backward,
        "bias_softmax_shift": bias_softmax_shift,
        "softmax_normalize": softmax_normalize,
    }


def _compiled_update(opt: Optimizer, flat: Array) -> Any:
    """A function (params, grads, lr, s) applying ``opt``'s step to the flat vector, or None.

    ``s`` is the dtype's 1/m, multiplied into each gradient entry first (the
    same rounding as ``grad *= s`` before the update), or 1.
    """
    from chainrule.optim import SGD, Adam

    if type(opt) not in (SGD, Adam):
        return None
    kernels = _numba_kernels()
    if not kernels:
        return None
    dt = flat.dtype.type
    try:  # compile for this dtype now (cached on disk); any failure: the NumPy update
        one = np.ones(1, flat.dtype)
        kernels["sgd"](one.copy(), one, dt(1), dt(0))
        kernels["adam"](one.copy(), one, dt(1), one.copy(), one.copy(), *[dt(0.5)] * 6)
    except Exception:  # pragma: no cover - a broken numba install
        return None

    if type(opt) is SGD:
        sgd = kernels["sgd"]

        def update_sgd(params: list[Array], grads: list[Array], lr: float, s: Any) -> None:
            opt.t += 1
            sgd(params[0], grads[0], s, dt(lr))

        return update_sgd

    assert isinstance(opt, Adam)
    adam = kernels["adam"]
    b1, b2 = dt(opt.beta1), dt(opt.beta2)
    omb1, omb2, eps = 1 - b1, 1 - b2, dt(opt.epsilon)

    def update(params: list[Array], grads: list[Array], lr: float, s: Any) -> None:
        if len(opt.state) != 1:
            opt.init(params)
        opt.t += 1
        (p,), (g,), (m, v, _) = params, grads, opt.state[0]
        c1 = 1.0 - opt.beta1**opt.t
        c2 = 1.0 - opt.beta2**opt.t
        adam(p, g, s, m, v, omb1, b2, omb2, dt(1.0 / math.sqrt(c2)), eps, dt(lr) / dt(c1))

    return update


def _compiled_relu(acts: Sequence[Activation], dtype: Any) -> Any:
    """The compiled (bias + relu, relu backward) pair for ``dtype``, or None.

    None without numba, without a :class:`~chainrule.activations.ReLU` layer,
    or if compiling fails (the NumPy calls are then used).
    """
    from chainrule.activations import ReLU

    if not any(type(g) is ReLU for g in acts):
        return None
    kernels = _numba_kernels()
    if not kernels:
        return None
    dt = np.dtype(dtype).type
    try:  # compile for this dtype now (cached on disk)
        Z, b = np.zeros((1, 1), dtype), np.zeros((1, 1), dtype)
        kernels["bias_relu"](Z, b, Z.copy(), dt(0))
        kernels["relu_backward"](Z.copy(), Z, dt(0), dt(1))
    except Exception:  # pragma: no cover - a broken numba install
        return None
    return kernels["bias_relu"], kernels["relu_backward"]


def _compiled_softmax(acts: Sequence[Activation], dtype: Any) -> Any:
    """The compiled (bias + shift, normalise) pair around NumPy's exp, or None.

    For a softmax output layer: ``A = softmax(Z + b)`` as :func:`chainrule.
    activations.softmax` computes it, in three calls instead of six (the
    exponential stays NumPy's, so the values are its bits), for batches of
    two or more examples.  None without numba, for another output
    activation, or if compiling fails.
    """
    from chainrule.activations import Softmax

    if not acts or type(acts[-1]) is not Softmax:
        return None
    kernels = _numba_kernels()
    if not kernels:
        return None
    try:  # compile for this dtype now (cached on disk)
        Z, b, c = np.zeros((1, 1), dtype), np.zeros((1, 1), dtype), np.zeros(1, dtype)
        kernels["bias_softmax_shift"](Z, b, Z.copy(), c)
        kernels["softmax_normalize"](np.ones((1, 1), dtype), c)
    except Exception:  # pragma: no cover - a broken numba install
        return None
    return kernels["bias_softmax_shift"], kernels["softmax_normalize"]


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
        dZ[L] has its own buffer; for l < L, dA[l] = W[l+1]ᵀ dZ[l+1] is written
        here and turned into dZ[l] in place (the activations' backward allows
        ``out=dA``).
    X_rows, Y_rows, w : gather buffers (or None)
        ``X_rows.T`` is the (n[0], m) batch, column-major like ``X[:, idx]``.
    scale : numpy scalar
        1/m in the dtype (unweighted batches).
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
        labels: bool,
    ) -> None:
        sizes = layer_dims[1:]
        self.m = mb
        self.Z = [np.empty((n, mb), dtype) for n in sizes]
        self.A = [np.empty((n, mb), dtype) for n in sizes]
        self.D: list[Array | None] = [
            np.empty((n, mb), dtype) if kp < 1.0 else None
            for n, kp in zip(sizes, keep_probs, strict=True)
        ]
        self.U: list[Array | None] = [None if D is None else np.empty_like(D) for D in self.D]
        self.A_out = [
            A if D is None else np.empty_like(A) for A, D in zip(self.A, self.D, strict=True)
        ]
        self.dZ = [np.empty((n, mb), dtype) for n in sizes]
        # gather buffers (None where unused)
        self.X_rows: Any = np.empty((mb, layer_dims[0]), dtype) if gather else None
        self.Y_rows: Any = np.empty((mb, layer_dims[-1]), dtype) if gather else None
        self.w: Any = np.empty(mb, dtype) if (gather and weighted) else None
        self.labels: Any = np.empty(mb, np.intp) if (gather and labels) else None
        self.argmax = np.empty(mb, np.intp)
        self.col = np.empty(mb, dtype)  # a per-column work vector (the compiled softmax)
        self.scale = np.dtype(dtype).type(backprop.batch_scale(mb))


class _Record:
    """An epoch's outputs, kept for computing its costs after the epoch."""

    def __init__(self, ZL: Any, AL: Any, argmax: Any, Y_rows: Any) -> None:
        # (n[L], m) Z[L] and A[L], (m,) argmax of A[L], (m, n[L]) targets: None where unused
        self.ZL, self.AL, self.argmax, self.Y_rows = ZL, AL, argmax, Y_rows
        self.sq = 0.0  # Σ over the epoch's batches of Σₗ ‖W[l]‖² (for the L2 term)


class FastTrainer:
    """Mini-batch training steps on preallocated buffers (module docstring).

    Construction rebinds ``net.Ws[l]``, ``net.bs[l]`` to views of one flat
    parameter vector (same values, same shapes) for the training run;
    :meth:`release` writes the values back into the original arrays and puts
    them back.

    Parameters
    ----------
    net : Network
    opt : Optimizer
        (Re)initialised on the flat parameter vector.
    X : ndarray of shape (n[0], m)
        Checked training inputs (column-major for cheap gathering).
    Y : ndarray of shape (n[L], m)
        Checked targets.
    w : ndarray of shape (m,) or None
        Example weights.
    l2_m : float or None
        The m of the L2 term's λ/m (None: the batch's m, or Σwᵢ with weights),
        as ``backprop.backward``'s ``l2_m``.
    l2 : float or None
        λ, as ``backprop.backward``'s ``l2`` (None: the network's ``l2``).
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
        l2: float | None = None,
    ) -> None:
        self.net = net
        self.opt = opt
        self.L = net.L
        self.acts = list(net.activations)
        self.loss = net.loss
        self.dtype = net.dtype
        self.keep_probs = net.keep_probs
        self.canonical = backprop.is_canonical(net.loss, net.activations[-1])
        self.task = net.task
        self.l2 = net.l2 if l2 is None else l2
        self.l2_m = l2_m
        self.X, self.Y, self.w = X, Y, w
        self.m = X.shape[1]
        # rows of C-ordered (m, n) arrays = columns of the (n, m) F-ordered originals
        self.X_rows = X.T if X.flags.f_contiguous else None
        self.Y_rows = Y.T if Y.flags.f_contiguous else None
        # multiclass accuracy compares argmax(A) with argmax(Y): argmax(Y) once for all
        self.labels: Index | None = Y.argmax(axis=0) if self.task == "multiclass" else None
        self.originals = (list(net.Ws), list(net.bs))
        self.flat, Wv, bv = flat_parameters(net.Ws, net.bs)
        net.Ws[:], net.bs[:] = Wv, bv
        self.Ws, self.bs = Wv, bv
        self.grad = np.empty_like(self.flat)
        self.dWs, self.dbs = _views(self.grad, [W.shape for W in Wv], [b.shape for b in bv])
        if type(opt) in OPTIMIZERS.values():
            # elementwise updates: one call over the flat vectors, same numbers
            self.params, self.grads = [self.flat], [self.grad]
        else:
            self.params = [p for pair in zip(Wv, bv, strict=True) for p in pair]
            self.grads = [d for pair in zip(self.dWs, self.dbs, strict=True) for d in pair]
        self.opt.init(self.params)
        self._update = _compiled_update(opt, self.flat) if len(self.params) == 1 else None
        # compiled bias + relu / relu backward (one pass each instead of two), where numba is
        from chainrule.activations import ReLU

        relu = _compiled_relu(self.acts, self.dtype)
        self._bias_relu: Any = None
        self._relu_backward: Any = None
        if relu is not None:
            self._bias_relu, self._relu_backward = relu
        self._is_relu = [relu is not None and type(g) is ReLU for g in self.acts]
        self._softmax: Any = _compiled_softmax(self.acts, self.dtype)
        self._zero = self.dtype.type(0)
        from chainrule.network import accuracy_from_output  # (network imports training)

        self._accuracy = accuracy_from_output
        self._one = self.dtype.type(1)
        self._tmp = [np.empty_like(W) for W in Wv] if self.l2 else []
        self._ws: dict[int, Workspace] = {}

    def release(self) -> None:
        """Write the trained values back into the network's original arrays.

        The reference path updates ``net.Ws[l]``, ``net.bs[l]`` in place, so
        code holding those arrays sees the training; this restores that
        contract after training on the flat vector.
        """
        Wo, bo = self.originals
        for dst, src in zip(Wo + bo, self.Ws + self.bs, strict=True):
            dst[...] = src
        self.net.Ws[:], self.net.bs[:] = Wo, bo

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
                labels=self.labels is not None,
            )
            self._ws[mb] = ws
        return ws

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
            Compute the batch cost and accuracy (``fit`` records them; False
            skips both, and the check for a non-finite cost).
        record : slice, optional
            With ``monitor=False``: the columns of the epoch record (see
            :meth:`epoch`) where this batch's outputs are kept, so that the
            costs of all batches are computed at once after the epoch.

        Returns
        -------
        J : float
            The batch cost before the update (L2 term included), as
            ``fit`` records it (NaN when not monitored); when it is not finite
            nothing is updated.
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
        # -- the batch: X_b (n[0], mb), Y_b (n[L], mb), w_b (mb,) ----------------------------
        X, Y, w = self.X, self.Y, self.w
        labels = self.labels
        if idx is None:
            ws = self.workspace(self.m)
            Xb, Yb, wb, lab = X, Y, w, labels
        elif isinstance(idx, slice):
            Xb, Yb = X[:, idx], Y[:, idx]
            ws = self.workspace(Xb.shape[1])
            wb = None if w is None else w[idx]
            lab = None if labels is None else labels[idx]
        else:
            ws = self.workspace(len(idx))
            if self.X_rows is not None:
                Xb = self.X_rows.take(idx, 0, ws.X_rows, "clip").T
            else:
                Xb = X[:, idx]
            if self.Y_rows is not None:
                Yb = self.Y_rows.take(idx, 0, ws.Y_rows, "clip").T
            else:
                Yb = Y[:, idx]
            wb = None if w is None else w.take(idx, None, ws.w, "clip")
            lab = (
                None
                if (labels is None or not monitor)
                else labels.take(idx, None, ws.labels, "clip")
            )
        mb = ws.m
        m_eff = mb if wb is None else float(wb.sum())
        if m_eff <= 0:
            return math.nan, math.nan, mb, 0.0
        Ws, bs, acts = self.Ws, self.bs, self.acts
        dt = self.dtype.type
        matmul = np.matmul

        # -- forward: Z[l] = W[l] A[l-1] + b[l];  A[l] = g(Z[l]);  inverted dropout ---------
        A = Xb
        is_relu, zero, one = self._is_relu, self._zero, self._one
        last = self.L - 1
        for l, (W, b, g, Z, Al, D) in enumerate(zip(Ws, bs, acts, ws.Z, ws.A, ws.D, strict=True)):
            matmul(W, A, out=Z)
            if is_relu[l]:
                self._bias_relu(Z, b, Al, zero)  # Z += b; A = max(Z, 0), compiled, one pass
            elif l == last and self._softmax is not None and ws.m > 1:
                # Z += b; A = e^(Z − max Z) / Σ e^(Z − max Z): softmax(), with fewer calls.
                # (Not for a one-example batch: NumPy sums an (n, 1) column pairwise.)
                shift, normalize = self._softmax
                shift(Z, b, Al, ws.col)
                np.exp(Al, out=Al)
                normalize(Al, ws.col)
            else:
                Z += b
                g.forward(Z, out=Al)
            if D is not None:
                kp = self.keep_probs[l]
                # D = (u < keep_prob) / keep_prob;  A_out = A ⊙ D
                np.less(rng.random(out=ws.U[l], dtype=D.dtype), kp, out=D)
                D /= dt(kp)
                Al = np.multiply(Al, D, out=ws.A_out[l])
            A = Al
        AL, ZL = ws.A[-1], ws.Z[-1]

        # -- the batch cost J (before the update) and the number of correct predictions ----
        loss = self.loss
        J = n_correct = math.nan
        if monitor:
            Lb = loss.from_logits(ZL, Yb) if self.canonical else loss.per_example(AL, Yb)
            J = mean_cost(Lb, wb)
            if self.l2:
                J += backprop.l2_cost(Ws, self.l2, self.l2_m or m_eff)
            if not math.isfinite(J):
                return J, math.nan, mb, m_eff
            n_correct = self._n_correct(AL, Yb, lab, ws)
        elif record is not None:
            rec = self._rec
            if rec.ZL is not None:
                rec.ZL[:, record] = ZL
            if rec.AL is not None:
                rec.AL[:, record] = AL
            if rec.argmax is not None:
                AL.argmax(axis=0, out=rec.argmax[record])
            if self.l2:
                # (m_b / m_L2) ‖W‖² before the update, m_L2 = l2_m or m_b (see epoch())
                sq = sum(float(np.vdot(W, W)) for W in Ws)
                rec.sq += sq if self.l2_m is None else sq * (mb / self.l2_m)

        # -- backward (course convention, backprop.backward with need_dA0=False) -----------
        s = ws.scale if wb is None else dt(backprop.batch_scale(mb, wb))
        dZ = ws.dZ[-1]
        if self.canonical:
            loss.fused_dZ(AL, Yb, out=dZ)  # dZ[L] = A[L] − Y
        else:
            acts[-1].backward(loss.dA(AL, Yb), ZL, AL, out=dZ)  # dZ[L] = ∂L/∂A ⊙ g′(Z[L])
        if wb is not None:
            dZ *= wb.reshape(1, -1)
        l2_scale = 0.0
        if self.l2:
            l2_scale = self.l2 / (self.l2_m or (mb if wb is None else m_eff))
        add_reduce = np.add.reduce
        for l in range(self.L - 1, -1, -1):
            dZ = ws.dZ[l]
            if l < self.L - 1:  # dZ holds dA[l] = W[l+1]ᵀ dZ[l+1]
                D = ws.D[l]
                if D is not None:
                    dZ *= D
                if is_relu[l]:
                    self._relu_backward(dZ, ws.Z[l], zero, one)  # the same, compiled
                else:
                    acts[l].backward(dZ, ws.Z[l], ws.A[l], out=dZ)  # dZ[l] = dA[l] ⊙ g′(Z[l])
            A_prev = Xb if l == 0 else ws.A_out[l - 1]
            matmul(dZ, A_prev.T, out=self.dWs[l])  # dW[l] = (1/m) dZ[l] A[l-1]ᵀ
            add_reduce(dZ, axis=1, keepdims=True, out=self.dbs[l])  # db[l] = (1/m) Σ dZ[l]
            if l:
                matmul(Ws[l].T, dZ, out=ws.dZ[l - 1])  # dA[l-1] = W[l]ᵀ dZ[l]
        # the 1/m of every dW[l], db[l] at once: they are views of one flat vector
        # (the compiled update applies it itself, when no L2 term comes after it)
        fused_scale = self._update is not None and not l2_scale
        if s != 1 and not fused_scale:
            self.grad *= s
        if l2_scale:
            for dW, W, tmp in zip(self.dWs, Ws, self._tmp, strict=True):
                dW += np.multiply(dt(l2_scale), W, out=tmp)  # + (λ/m) W[l]
        if self._update is not None:
            self._update(self.params, self.grads, lr, s if fused_scale else self._one)
        else:
            self.opt.step(self.params, self.grads, lr)
        return J, n_correct, mb, m_eff

    def epoch(
        self, perm: Index | None, batch_size: int, lr: float, rng: np.random.Generator
    ) -> tuple[float, float, bool]:
        """One epoch of mini-batch steps, as ``fit``'s batch loop.

        Parameters
        ----------
        perm : ndarray of shape (m,) or None
            The epoch's shuffled order (None: examples in order).
        batch_size : int
        lr : float
        rng : numpy.random.Generator

        Returns
        -------
        cost : float
            The epoch's training cost: the batch costs J_b (before each
            update, L2 term included) averaged with weights m_b (Σwᵢ with
            example weights), as the reference loop in ``fit`` records it.
        accuracy : float
            The fraction of correct predictions over the epoch's batches (NaN
            for regression).
        diverged : bool
            Whether a batch cost was not finite.

        Notes
        -----
        Without example weights the batch outputs Z[L] (or A[L]) are kept in
        an (n[L], m) record and every batch cost is computed in one pass
        after the epoch: the same per-example losses, summed in another order
        (so the epoch cost agrees with the per-batch sum to rounding).  A
        non-finite cost is then found at the end of the epoch instead of at
        its batch; ``fit`` puts back the parameters of the previous epoch
        either way.
        """
        m = self.m
        bs = min(batch_size, m)
        full = bs == m

        def batch(start: int) -> Index | slice | None:
            if full:
                return None
            if perm is None:
                return slice(start, start + bs)
            return perm[start : start + bs]

        if self.w is not None:  # batch by batch, as the reference loop
            tot_cost = tot_weight = tot_correct = 0.0
            n_seen = 0
            for start in range(0, m, bs):
                J, n_ok, mb, m_eff = self.step(batch(start), lr, rng)
                if m_eff <= 0:
                    continue
                if not math.isfinite(J):
                    return J, math.nan, True
                tot_cost += J * m_eff
                tot_weight += m_eff
                tot_correct += n_ok
                n_seen += mb
            return tot_cost / tot_weight, tot_correct / n_seen, False

        rec = self._record()
        rec.sq = 0.0
        for start in range(0, m, bs):
            self.step(batch(start), lr, rng, monitor=False, record=slice(start, start + bs))
        # the targets in the epoch's order
        Y = self.Y
        if perm is not None and not full:
            Y = (
                np.take(self.Y_rows, perm, axis=0, out=rec.Y_rows, mode="clip").T
                if self.Y_rows is not None
                else Y[:, perm]
            )
        loss = self.loss
        Lall = loss.from_logits(rec.ZL, Y) if self.canonical else loss.per_example(rec.AL, Y)
        # Σ_b J_b m_b / m = (Σᵢ Lᵢ)/m + (λ/2m) Σ_b (m_b/m_L2) ‖W_b‖²
        # (J_b = mean_b L + (λ/2m_L2)‖W_b‖², m_L2 = l2_m, or m_b by default)
        cost = float(np.add.reduce(Lall, axis=None, dtype=np.float64)) / m
        if self.l2:
            cost += self.l2 / (2.0 * m) * rec.sq
        if not math.isfinite(cost):
            return cost, math.nan, True
        if self.task == "regression":
            acc = math.nan
        elif rec.argmax is not None and self.labels is not None:
            labels = self.labels if (perm is None or full) else self.labels[perm]
            acc = np.count_nonzero(np.equal(rec.argmax, labels)) / m
        else:
            acc = self._accuracy(rec.AL, Y, self.task)
        return cost, acc, False

    def _record(self) -> _Record:
        rec = getattr(self, "_rec", None)
        if rec is None:
            nL, m = self.Y.shape
            dt = self.dtype
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

    def _n_correct(self, AL: Array, Yb: Array, lab: Index | None, ws: Workspace) -> float:
        """Correct predictions on the batch, as ``accuracy_from_output`` × m."""
        if lab is not None:  # multiclass: argmax(A) == argmax(Y), argmax(Y) gathered
            AL.argmax(axis=0, out=ws.argmax)
            return float(np.count_nonzero(np.equal(ws.argmax, lab)))
        if self.task == "regression":
            return math.nan
        return self._accuracy(AL, Yb, self.task) * AL.shape[1]
