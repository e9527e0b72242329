r"""Compiled single operations of the training step (optional: numba).

With `numba <https://numba.pydata.org>`_ installed (a dependency of
chainrule wherever numba publishes wheels; set ``CHAINRULE_NUMBA=0`` to
refuse it), :class:`CompiledOps` replaces these operations of
:class:`chainrule.backprop.Ops` by one fused loop each:

* the SGD and Adam updates over the flat parameter vector θ (three and
  thirteen NumPy passes, counting the gradient's 1/m, become one);
* a ReLU layer's Z += b, A = max(Z, 0), and its dZ = dA ⊙ [Z > 0];
* a softmax output's bias, shift and normalisation (two passes around NumPy's
  exponential), for batches of two or more examples.

Each kernel restates one formula of :mod:`chainrule.optim` or
:mod:`chainrule.activations` and computes **the same operations in the same
order** in the arrays' dtype (no fast-math: no reassociation, no FMA
contraction), so a step with these kernels gives bit for bit the numbers of
the NumPy step on the same inputs (±inf and signed zeros included; NaN
wherever NumPy gives NaN, its sign bit aside): ``tests/test_kernels.py``
compares them.  Every other operation, and every operation numba cannot
compile here, stays NumPy's.  The kernels are compiled once per machine and
cached on disk.
"""

from __future__ import annotations

import math
import os
from typing import Any, cast

import numpy as np

from chainrule._typing import Array
from chainrule.activations import Activation, ReLU, Softmax
from chainrule.backprop import NUMPY_OPS, LayerOps, Ops, Workspace, is_canonical
from chainrule.losses import Loss
from chainrule.optim import SGD, Adam, Optimizer

__all__ = ["ENABLED", "CompiledOps", "available", "compiled_ops"]

ENABLED = True
"""Switch for :func:`compiled_ops`: False trains with NumPy's operations only (tests compare)."""


_kernels: dict[str, Any] = {}

FUSED_DB_MAX = 8192
"""The largest layer (n[l] · m entries) whose dZ and db one fused kernel forms.

Below it the fused loop saves calls (tiny batches, where a step is mostly call
overhead: several times faster at 32 × 32); above it NumPy's separately vectorised
product and pairwise sum are as fast or faster (measured on 64..256 × 128 layers)."""


def _numba_kernels() -> dict[str, Any]:
    """The compiled updates over flat vectors ({} without numba), compiled once.

    Bit-for-bit the operations of :meth:`chainrule.optim.SGD.update` and
    :meth:`chainrule.optim.Adam.update`, element by element, in the same order
    and in the parameters' dtype (every scalar is passed in that dtype; no
    fast-math, so no reassociation or FMA contraction), with the gradient's
    1/m multiplied in first: ``tests/test_kernels.py`` compares them.
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
    def bias_relu(Z, b, A):
        # Z ← Z + b;  A = relu(Z) = max(Z, 0)  (NaN propagates, as np.maximum)
        n, m = Z.shape
        for i in range(n):
            bi = b[i, 0]
            for j in range(m):
                z = Z[i, j] + bi
                Z[i, j] = z
                if z < 0:  # ≡ np.maximum(z, 0), z = −0 and NaN included
                    A[i, j] = 0.0  # (+0 in A's dtype)
                else:
                    A[i, j] = z

    @jit
    def block_sum(a, r, lo, n):
        # Σ a[r, lo : lo + n] for 1 ≤ n ≤ 128 as NumPy's pairwise_sum adds a block: fewer
        # than 8 terms left to right; else 8 running sums over the multiples of 8, combined
        # ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the rest left to right
        # (in a's dtype: the accumulators take the element type)
        if n < 8:
            res = a[r, lo]
            for j in range(lo + 1, lo + n):
                res += a[r, j]
            return res
        r0, r1, r2, r3 = a[r, lo], a[r, lo + 1], a[r, lo + 2], a[r, lo + 3]
        r4, r5, r6, r7 = a[r, lo + 4], a[r, lo + 5], a[r, lo + 6], a[r, lo + 7]
        for j in range(lo + 8, lo + n - n % 8, 8):
            r0 += a[r, j]
            r1 += a[r, j + 1]
            r2 += a[r, j + 2]
            r3 += a[r, j + 3]
            r4 += a[r, j + 4]
            r5 += a[r, j + 5]
            r6 += a[r, j + 6]
            r7 += a[r, j + 7]
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        for j in range(lo + n - n % 8, lo + n):
            res += a[r, j]
        return res

    @jit
    def pairwise_sum(a, r, lo, n):
        # Σ a[r, lo : lo + n] (n ≥ 1) in the order of NumPy's pairwise summation: blocks of
        # at most 128, a longer range split at half its length rounded down to a multiple of 8
        if n <= 128:
            return block_sum(a, r, lo, n)
        n2 = n // 2
        n2 -= n2 % 8
        return pairwise_sum(a, r, lo, n2) + pairwise_sum(a, r, lo + n2, n - n2)

    @jit
    def row_sums(dZ, db):
        # db = Σ over the columns of dZ, ≡ np.add.reduce(dZ, axis=1, keepdims=True, out=db)
        # for a C-ordered dZ: each row pairwise-summed, then added to the identity +0
        n, m = dZ.shape
        for i in range(n):
            if m == 0:
                db[i, 0] = 0.0
            elif m <= 128:  # (one block: no recursion, so the compiler inlines it)
                db[i, 0] = 0.0 + block_sum(dZ, i, 0, m)
            else:
                db[i, 0] = 0.0 + pairwise_sum(dZ, i, 0, m)

    @jit
    def relu_backward_db(dZ, Z, db):
        # dZ[l] = dA[l] ⊙ relu′(Z[l]) in place (dZ holds dA[l]), relu′(z) = 1 if z > 0 else 0
        # (the product with 0 is formed, as NumPy does: inf · 0 = NaN, −x · 0 = −0), then
        # db[l] = Σ over the columns of dZ[l] (row_sums)
        n, m = Z.shape
        for i in range(n):
            for j in range(m):
                if not Z[i, j] > 0:
                    dZ[i, j] = dZ[i, j] * 0.0
        row_sums(dZ, db)

    @jit
    def subtract_db(A, Y, dZ, db):
        # dZ[L] = A[L] − Y (the canonical pairs' ∂L/∂Z[L]), then db[L] = Σ over its columns
        n, m = A.shape
        for i in range(n):
            for j in range(m):
                dZ[i, j] = A[i, j] - Y[i, j]
        row_sums(dZ, db)

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
        "row_sums": row_sums,
        "relu_backward_db": relu_backward_db,
        "subtract_db": subtract_db,
        "bias_softmax_shift": bias_softmax_shift,
        "softmax_normalize": softmax_normalize,
    }


def available() -> bool:
    """Whether the compiled kernels can be used here (numba importable, not refused)."""
    return bool(_numba_kernels())


class CompiledOps(Ops):
    """:class:`~chainrule.backprop.Ops` with compiled kernels for one dtype (module docs).

    Parameters
    ----------
    dtype : numpy dtype
        The parameters' and activations' dtype (each kernel is compiled for it).
    """

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)
        dt = self.dtype.type
        self._zero, self._one = dt(0), dt(1)
        self._compiled: dict[str, Any] = {}
        self._opt: Any = None  # the key of the optimizer update() saw last, its kernel, constants
        self._opt_kernel: Any = None
        self._opt_constants: Any = None

    def kernel(self, name: str) -> Any:
        """The kernel ``name`` compiled for this dtype (on first use; cached on disk), or None.

        None where numba is missing or refused, or compiling failed: the
        operation then stays NumPy's.
        """
        try:
            return self._compiled[name]
        except KeyError:
            pass
        k = _numba_kernels().get(name)
        if k is not None:
            try:  # compile now, for this dtype, on arguments of the real types
                k(*_warmup(name, self.dtype))
            except Exception:  # pragma: no cover - a broken numba install
                k = None
        self._compiled[name] = k
        return k

    def bias_activation(
        self, g: Activation, Z: Array, b: Array, out: Array | None, col: Array | None
    ) -> Array:
        kind = type(g)
        same = Z.dtype is self.dtype  # (NumPy's dtypes of the built-in types are singletons)
        if kind is ReLU and same:
            bias_relu = self.kernel("bias_relu")
            if bias_relu is not None:
                A = np.empty_like(Z) if out is None else out
                bias_relu(Z, b, A)  # Z += b; A = max(Z, 0), one pass
                return A
        # (not for a one-example batch: NumPy sums an (n, 1) column pairwise, not restated here)
        if kind is Softmax and same and col is not None and out is not None and Z.shape[1] > 1:
            shift, normalize = self._softmax_pair()
            if shift is not None:
                # Z += b; A = e^(Z − max Z) / Σ e^(Z − max Z): activations.softmax, fewer passes
                shift(Z, b, out, col)
                np.exp(out, out=out)
                normalize(out, col)
                return out
        return super().bias_activation(g, Z, b, out, col)

    def layer_ops(self, g: Activation, ws: Workspace | None, l: int) -> LayerOps:
        """The kernels for ``g`` on the buffers of ``ws``, chosen once (NumPy's otherwise).

        ReLU: the compiled Z += b with max(Z, 0), and dZ = dA ⊙ [Z > 0] fused
        with db = Σ_columns dZ; softmax (batches of two or more): the compiled
        bias, shift and normalisation around NumPy's exp.
        """
        generic = super().layer_ops(g, ws, l)
        if ws is None or ws.dtype is not self.dtype:
            return generic
        kind = type(g)
        if kind is ReLU:
            bias_relu, relu_db = self.kernel("bias_relu"), self.kernel("relu_backward_db")
            return LayerOps(
                generic.forward if bias_relu is None else bias_relu,  # Z += b; A = max(Z, 0)
                generic.backward,
                relu_db if _fuse_db(ws.dZ[l]) else None,
            )
        if kind is Softmax and ws.m > 1:
            shift, normalize = self._softmax_pair()
            if shift is not None:
                col, exp = ws.col, np.exp

                def softmax(Z: Array, b: Array, out: Array) -> None:
                    # Z += b; A = e^(Z − max Z) / Σ e^(Z − max Z): activations.softmax
                    shift(Z, b, out, col)
                    exp(out, out=out)
                    normalize(out, col)

                return LayerOps(softmax, generic.backward)
        return generic

    def delta_db(self, loss: Loss, activation: Activation, ws: Workspace) -> Any:
        """The compiled dZ[L] = A[L] − Y with db[L] = Σ_columns dZ[L], for canonical pairs."""
        if (
            ws.dtype is not self.dtype
            or not is_canonical(loss, activation)
            or type(loss).fused_dZ is not Loss.fused_dZ  # (a subclass may change it)
            or not _fuse_db(ws.dZ[-1])
        ):
            return None
        return self.kernel("subtract_db")

    def _softmax_pair(self) -> tuple[Any, Any]:
        """The (bias + shift, normalise) kernels, both or (None, None)."""
        pair = self._compiled.get("softmax pair")
        if pair is None:
            shift, normalize = self.kernel("bias_softmax_shift"), self.kernel("softmax_normalize")
            pair = (
                (shift, normalize) if shift is not None and normalize is not None else (None,) * 2
            )
            self._compiled["softmax pair"] = pair
        return pair

    def activation_backward(
        self, g: Activation, dA: Array, Z: Array, A: Array, out: Array | None
    ) -> Array:
        if type(g) is ReLU and out is dA and Z.dtype is self.dtype:
            relu_backward = self.kernel("relu_backward")
            if relu_backward is not None:
                relu_backward(out, Z, self._zero, self._one)  # dZ = dA ⊙ [Z > 0], in place
                return out
        return super().activation_backward(g, dA, Z, A, out)

    def fuses_scale(self, opt: Optimizer) -> bool:
        return self._kernel_for(opt) is not None

    def _kernel_for(self, opt: Optimizer) -> Any:
        # exactly these classes: a subclass may change the rule
        if type(opt) is SGD:
            return self.kernel("sgd")
        if type(opt) is Adam:
            return self.kernel("adam")
        return None

    def update(self, opt: Optimizer, theta: Array, g: Array, lr: float, scale: float) -> None:
        # the kernel depends on the class, Adam's constants on β₁, β₂, ε: looked up once per
        # such key (no reference to the optimizer or its state is kept here)
        kind = type(opt)
        adam = cast(Adam, opt)  # (used only where kind is Adam)
        key = (kind, adam.beta1, adam.beta2, adam.epsilon) if kind is Adam else kind
        if key != self._opt:
            self._opt, self._opt_kernel = key, self._kernel_for(opt)
            self._opt_constants = adam.constants(self.dtype.type) if kind is Adam else None
        kernel = self._opt_kernel
        if kernel is None or theta.dtype is not self.dtype:
            super().update(opt, theta, g, lr, scale)
            return
        dt = self.dtype.type
        state = opt.advance(theta)
        s = dt(scale)  # the gradient's 1/m, multiplied into each entry first (or 1)
        if kind is SGD:
            kernel(theta, g, s, dt(lr))
            return
        b2, omb1, omb2, eps = self._opt_constants  # Adam.constants in θ's dtype
        c1, c2 = adam.corrections(state.t)
        kernel(theta, g, s, state.m, state.v, omb1, b2, omb2, dt(1.0 / math.sqrt(c2)), eps,
               dt(lr) / dt(c1))  # fmt: skip


def _fuse_db(dZ: Array) -> bool:
    """Whether a layer whose dZ buffer is ``dZ`` gets a fused db kernel: a C-ordered
    buffer (whose rows NumPy sums pairwise) of at most :data:`FUSED_DB_MAX` entries."""
    return bool(dZ.flags.c_contiguous and dZ.size <= FUSED_DB_MAX)


def _warmup(name: str, dtype: np.dtype[Any]) -> tuple[Any, ...]:
    """Arguments of the kernel ``name``'s real types (dtype, layout), to compile it on."""
    dt = dtype.type
    one = np.ones(1, dtype)
    Z, b, c = np.zeros((1, 1), dtype), np.zeros((1, 1), dtype), np.zeros(1, dtype)
    return {
        "sgd": (one.copy(), one, dt(1), dt(0)),
        "adam": (one.copy(), one, dt(1), one.copy(), one.copy(), *[dt(0.5)] * 6),
        "bias_relu": (Z.copy(), b, Z.copy()),
        "relu_backward": (Z.copy(), Z, dt(0), dt(1)),
        "row_sums": (Z, Z.copy()),
        "relu_backward_db": (Z.copy(), Z, Z.copy()),
        "subtract_db": (Z, Z, Z.copy(), Z.copy()),
        "bias_softmax_shift": (Z.copy(), b, Z.copy(), c),
        "softmax_normalize": (np.ones((1, 1), dtype), c),
    }[name]


_ops: dict[Any, Ops] = {}


def compiled_ops(dtype: Any) -> Ops:
    """The operations for ``dtype``: :class:`CompiledOps` where numba is usable, else NumPy's."""
    if not ENABLED:
        return NUMPY_OPS
    key = np.dtype(dtype)
    ops = _ops.get(key)
    if ops is None:
        ops = _ops[key] = CompiledOps(key) if available() else NUMPY_OPS
    return ops
