r"""The math core: forward and backward propagation, in the course's notation.

Notation (one table for the whole library)
------------------------------------------
==================  ===========  ===================  ==========================================
math                code         shape                meaning
==================  ===========  ===================  ==========================================
X = A[0]            ``X``        (n[0], m)            inputs, one example per **column**
Y                   ``Y``        (n[L], m)            targets (one-hot for softmax)
W[l], b[l]          ``W``, ``b``  (n[l], n[l-1]), (n[l], 1)
Z[l]                ``Z``        (n[l], m)            Z[l] = W[l] A[l-1] + b[l]
A[l]                ``A``        (n[l], m)            A[l] = g[l](Z[l])
L                   ``L``        (1, m)               per-example loss L(a⁽ⁱ⁾, y⁽ⁱ⁾)
J                   ``J``        scalar               cost J = (1/m) Σᵢ L⁽ⁱ⁾ (+ L2 term)
dW[l], db[l]        ``dW``, ``db``  like W, b         ∂J/∂W[l], ∂J/∂b[l]  (always of J)
dZ[l], dA[l]        ``dZ``, ``dA``  like Z, A         ∂L/∂· per example (course convention)
                                                      or ∂J/∂· (cost convention)
==================  ===========  ===================  ==========================================

Where 1/m goes — exactly one place, named by ``convention``
-----------------------------------------------------------
Because J = (1/m) Σᵢ L⁽ⁱ⁾, the chain rule gives ∂J/∂A[L] = (1/m) ∂L/∂A[L]; the
factor can be applied at either end of the chain and dW, db come out the same:

* ``convention="course"`` (the default, the course's and scikit-learn's):
  dA[L] = ∂L/∂A[L] per example (the course's ``dAL = −(Y/AL − (1−Y)/(1−AL))``
  has no 1/m), every dZ[l], dA[l] is per example, and the 1/m enters in
  :func:`linear_backward`: dW = (1/m) dZ A_prevᵀ, db = (1/m) Σ dZ.
* ``convention="cost"``: dA[L] = ∂J/∂A[L] already carries the 1/m (with
  squared error, ∂J/∂a = (a − y)/m), every dZ[l], dA[l] is a derivative of J
  (exactly 1/m times the course's), and dW = dZ A_prevᵀ, db = Σ dZ.

In both cases the factor is computed once, by :func:`batch_scale`, and
multiplied in once.  With example weights wᵢ, J = Σ wᵢLᵢ / Σ wᵢ: the per-example
output gradients are multiplied by wᵢ and 1/m becomes 1/Σwᵢ.

Array libraries
---------------
:func:`forward` and :func:`backward` compute in the namespace of their input X
(:mod:`chainrule._xp`): NumPy with the :class:`Workspace` buffers and the
compiled :class:`Ops` of training, or PyTorch, CuPy and other array-API
libraries on their device, without buffers (``ws=None``, the plain
:class:`Ops`).  The formulas are the same lines; dropout masks are drawn from
the host NumPy Generator and copied to the device, so a seed gives the same
masks everywhere.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

from chainrule import _xp
from chainrule._display import html_table
from chainrule._typing import Array
from chainrule.activations import Activation
from chainrule.losses import Loss

if TYPE_CHECKING:
    from chainrule.optim import Optimizer

__all__ = [
    "CONVENTIONS",
    "Gradients",
    "LayerCache",
    "LayerOps",
    "Ops",
    "Workspace",
    "backward",
    "batch_scale",
    "forward",
    "is_canonical",
    "l2_cost",
    "linear_backward",
    "linear_forward",
    "output_delta",
]

Convention = Literal["course", "cost"]
CONVENTIONS = ("course", "cost")


@dataclass(slots=True)
class LayerCache:
    """What layer l's forward step keeps for its backward step.

    Attributes
    ----------
    A_prev : ndarray of shape (n[l-1], m)
        The layer's input A[l-1] (after the previous layer's dropout, if any).
    Z : ndarray of shape (n[l], m)
        Pre-activation Z[l].
    A : ndarray of shape (n[l], m)
        Activation g(Z[l]) **before** dropout (g′ for sigmoid/tanh needs it).
    D : ndarray of shape (n[l], m) or None
        Inverted-dropout mask, already divided by keep_prob (so A_out = A ⊙ D).
    """

    A_prev: Array
    Z: Array
    A: Array
    D: Array | None = None


class Workspace:
    """Every per-step array of one mini-batch size, allocated once.

    :func:`forward` and :func:`backward` given a workspace write Z[l], A[l],
    the dropout masks and dZ[l] into these buffers (with ``out=``) instead of
    allocating them: the same operations on the same layouts, so the same
    numbers, without an allocation per step.  Training keeps one workspace
    per mini-batch size (the last, smaller batch of an epoch gets its own).

    Parameters
    ----------
    layer_dims : sequence of int
        [n[0], ..., n[L]].
    m : int
        Mini-batch size.
    dtype : numpy dtype
    keep_probs : sequence of L float, optional
        Layers with keep_prob < 1 get dropout buffers.

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
        into dZ[l]'s buffer and turned into dZ[l] in place (the activations'
        backward allow ``out=dA``), so dA[l] itself is not kept.
    col : ndarray of shape (m,)
        A per-column work vector (the compiled softmax's maxima and sums).
    """

    def __init__(
        self,
        layer_dims: Sequence[int],
        m: int,
        dtype: Any,
        keep_probs: Sequence[float] | None = None,
    ) -> None:
        sizes = list(layer_dims[1:])
        kps = [1.0] * len(sizes) if keep_probs is None else list(keep_probs)
        self.m = m
        self.dtype = np.dtype(dtype)
        self.Z = [np.empty((n, m), dtype) for n in sizes]
        self.A = [np.empty((n, m), dtype) for n in sizes]
        self.D: list[Array | None] = [
            np.empty((n, m), dtype) if kp < 1.0 else None for n, kp in zip(sizes, kps, strict=True)
        ]
        self.U: list[Array | None] = [None if D is None else np.empty_like(D) for D in self.D]
        self.A_out = [
            A if D is None else np.empty_like(A) for A, D in zip(self.A, self.D, strict=True)
        ]
        self.dZ = [np.empty((n, m), dtype) for n in sizes]
        self.col = np.empty(m, dtype)
        self._W_tmp: dict[int, Array] = {}
        # reused by every forward/backward given this workspace (no new objects per step)
        self.caches = [LayerCache(A, Z, A) for Z, A in zip(self.Z, self.A, strict=True)]
        L = len(sizes)
        self.grads = Gradients([None] * L, [None] * L, [None] * L, [None] * (L + 1), "course")  # type: ignore[list-item]
        self._bound: tuple[Ops, list[Activation], list[LayerOps]] | None = None
        self._delta: tuple[Any, Loss, Any] | None = None

    def bind(
        self, activations: Sequence[Activation], ops: Ops, loss: Loss | None = None
    ) -> tuple[list[LayerOps], Any]:
        """Each layer's operations on these buffers, and the fused output step, chosen once.

        Returns the L :class:`LayerOps` (:meth:`Ops.layer_ops`) and, given the
        ``loss``, the output layer's fused dZ[L] = A[L] − Y with db[L]
        (:meth:`Ops.delta_db`; None where there is none, or without ``loss``).
        Chosen again only when ``ops``, an activation or the loss is another
        object than at the last call.
        """
        bound = self._bound
        if (
            bound is None
            or bound[0] is not ops
            or (bound[1] != activations and bound[1] != list(activations))  # (a tuple too)
        ):
            acts = list(activations)
            bound = self._bound = (
                ops,
                acts,
                [ops.layer_ops(g, self, l) for l, g in enumerate(acts)],
            )
        if loss is None:
            return bound[2], None
        d = self._delta
        if d is None or d[0] is not bound or d[1] is not loss:
            d = self._delta = (bound, loss, ops.delta_db(loss, bound[1][-1], self))
        return bound[2], d[2]

    def W_tmp(self, l: int, W: Array) -> Array:
        """A scratch array shaped like W[l+1] (the L2 term's (λ/m) W)."""
        tmp = self._W_tmp.get(l)
        if tmp is None:
            tmp = self._W_tmp[l] = np.empty_like(W)
        return tmp


class LayerOps(NamedTuple):
    """One layer's operations for one :class:`Workspace`, chosen once by :meth:`Ops.layer_ops`.

    Attributes
    ----------
    forward : callable (Z, b, out)
        Z ← Z + b, then A = g(Z) written into ``out`` (Z, out of shape (n[l], m),
        b of shape (n[l], 1)); what it returns is not used.
    backward : callable (dA, Z, A, out) -> dZ
        dZ = dA ⊙ g′(Z) into ``out`` (which may be ``dA``).
    backward_db : callable (dZ, Z, db) or None
        Where a fused kernel exists: dZ ← dZ ⊙ g′(Z) in place (dZ holding dA)
        and db = Σ over the columns of dZ (no 1/m), written into the (n[l], 1)
        ``db``; the same numbers as ``backward`` followed by ``np.add.reduce``.
    """

    forward: Callable[[Array, Array, Array], Any]
    backward: Callable[[Array, Array, Array, Array | None], Array]
    backward_db: Callable[[Array, Array, Array], Any] | None = None


class Ops:
    """The single operations of a training step, in NumPy.

    :func:`forward`, :func:`backward` and the training loop call these for the
    operations that have compiled alternatives; :class:`chainrule._kernels.
    CompiledOps` overrides them with numba loops that compute the same numbers
    (the same operations in the same order), one operation at a time.  Every
    formula stays with its activation or optimizer; these methods only choose
    who runs it.
    """

    def bias_activation(
        self, g: Activation, Z: Array, b: Array, out: Array | None, col: Array | None
    ) -> Array:
        """Z ← Z + b, then A = g(Z) (into ``out`` when given).

        Z : (n[l], m), b : (n[l], 1); ``col`` is an (m,) work vector or None.
        """
        Z += b  # Z[l] = W[l] A[l-1] + b[l]
        return g.forward(Z, out=out)  # A[l] = g(Z[l])

    def activation_backward(
        self, g: Activation, dA: Array, Z: Array, A: Array, out: Array | None
    ) -> Array:
        """dZ = dA ⊙ g′(Z) (into ``out`` when given; ``out`` may be ``dA``)."""
        return g.backward(dA, Z, A, out=out)

    def layer_ops(self, g: Activation, ws: Workspace | None, l: int) -> LayerOps:
        """Operations for layer ``l + 1`` (activation ``g``) on the buffers of ``ws``, chosen once.

        These: :meth:`bias_activation` and :meth:`activation_backward` for ``g``
        (:class:`chainrule._kernels.CompiledOps` picks its kernels here).
        """
        col = None if ws is None else ws.col
        return LayerOps(
            partial(self.bias_activation, g, col=col), partial(self.activation_backward, g)
        )

    def delta_db(self, loss: Loss, activation: Activation, ws: Workspace) -> Any:
        """A fused output step for ``ws``: callable (A, Y, dZ, db), or None (here: None).

        It writes dZ[L] = A[L] − Y (canonical pairs only) and db[L] = Σ over the
        columns of dZ[L], the numbers of :func:`output_delta` followed by
        ``np.add.reduce``.
        """
        return None

    def fuses_scale(self, opt: Optimizer) -> bool:
        """Whether :meth:`update` multiplies the gradient's 1/m in itself."""
        return False

    def update(self, opt: Optimizer, theta: Array, g: Array, lr: float, scale: float) -> None:
        """θ ← the optimizer's step with gradient ``scale`` · g (θ, g of shape (n,)).

        ``scale`` is the 1/m that :func:`backward` left to the update
        (``defer_scale``), or 1; it is multiplied in first, exactly as
        :func:`linear_backward` would have.
        """
        if scale != 1:
            g *= _xp.scalar(g, scale)
        opt.step(theta, g, lr)


NUMPY_OPS = Ops()
"""The plain implementation of every operation (the default): NumPy's, or that of the
arrays' own library (:mod:`chainrule._xp`)."""


def linear_forward(A_prev: Array, W: Array, b: Array) -> Array:
    """Z = W A_prev + b.

    Parameters
    ----------
    A_prev : ndarray of shape (n[l-1], m)
    W : ndarray of shape (n[l], n[l-1])
    b : ndarray of shape (n[l], 1)

    Returns
    -------
    Z : ndarray of shape (n[l], m)
    """
    Z = W @ A_prev
    Z += b
    return Z


def forward(
    X: Array,
    Ws: Sequence[Array],
    bs: Sequence[Array],
    activations: Sequence[Activation],
    *,
    keep_probs: Sequence[float] | None = None,
    rng: np.random.Generator | None = None,
    ws: Workspace | None = None,
    ops: Ops = NUMPY_OPS,
) -> tuple[Array, list[LayerCache]]:
    """Forward propagation through all L layers.

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
    Ws, bs : sequences of length L
        W[l] of shape (n[l], n[l-1]) and b[l] of shape (n[l], 1).
    activations : sequence of L Activation
    keep_probs : sequence of L floats, optional
        Inverted-dropout keep probability per layer (1.0 = no dropout; the
        output layer must be 1.0).  Needs ``rng``.
    rng : numpy.random.Generator, optional
        Draws the dropout masks.
    ws : Workspace, optional
        Buffers for Z, A and the masks (of m columns); None allocates them.
        With a workspace the returned caches are the workspace's own, filled
        anew by each call.
    ops : Ops, default NUMPY_OPS
        Who computes Z + b and g(Z) (:class:`Ops`).

    Returns
    -------
    AL : ndarray of shape (n[L], m)
    caches : list of L LayerCache
    """
    L = len(Ws)
    if not len(bs) == len(activations) == L:
        raise ValueError(f"Ws, bs and activations must have one entry per layer ({L})")
    kps = (1.0,) * L if keep_probs is None else keep_probs
    # (NumPy, the training step's case, without a call: this runs every step)
    xp, is_np = _xp.NUMPY if type(X) is np.ndarray else _xp.namespace(X)
    Zs: Any  # buffers for Z[l], A[l], A_out[l] (None: allocate)
    As: Any
    A_outs: Any
    if ws is None:
        Zs = As = A_outs = (None,) * L
        layer_ops = [ops.layer_ops(g, None, l) for l, g in enumerate(activations)]
        caches = [LayerCache(X, X, X) for _ in range(L)]  # (every field is set below)
    else:
        # the workspace's buffers, operations and caches: the same objects every step
        Zs, As, A_outs = ws.Z, ws.A, ws.A_out
        bound = ws._bound  # (ops, activations, their LayerOps) of the last bind: reused as is
        if bound is not None and bound[0] is ops and bound[1] == activations:
            layer_ops = bound[2]
        else:
            layer_ops = ws.bind(activations, ops)[0]
        caches = ws.caches
    matmul = xp.matmul
    A = X
    for l in range(L):
        cache = caches[l]
        Z = matmul(Ws[l], A, out=Zs[l])  # W[l] A[l-1]
        # Z[l] = W[l] A[l-1] + b[l];  A[l] = g(Z[l])
        if is_np:
            A_new = np.empty_like(Z) if ws is None else As[l]
            layer_ops[l].forward(Z, bs[l], A_new)
        else:  # another library: its results are new arrays (no buffers, no compiled ops)
            A_new = ops.bias_activation(activations[l], Z, bs[l], None, None)
        cache.A_prev, cache.Z, cache.A, cache.D = A, Z, A_new, None
        kp = kps[l]
        if kp < 1.0:
            if rng is None:
                raise ValueError("dropout needs a random Generator (rng)")
            # inverted dropout: D = (u < keep_prob) / keep_prob, A_out = A ⊙ D
            U: Any
            D: Any
            if ws is None:
                # (drawn on the host, in A's precision, and copied to A's device)
                U = rng.random(A_new.shape, dtype=_xp.host_dtype(A_new))
                U = U if is_np else _xp.asarray_like(U, A_new)
                D = np.empty_like(A_new) if is_np else xp.astype(xp.less(U, kp), A_new.dtype)
            else:
                U, D = ws.U[l], ws.D[l]
                rng.random(out=U, dtype=U.dtype)  # the same draws, into the buffer
            if is_np:
                np.less(U, kp, out=D)
            D /= _xp.scalar(D, kp)
            cache.D = D
            A_new = xp.multiply(A_new, D, out=A_outs[l])
        A = A_new
    return A, caches


def batch_scale(m: int, sample_weight: Array | None = None) -> float:
    """The 1/m of J = (1/m) Σᵢ L⁽ⁱ⁾ (1/Σwᵢ with example weights)."""
    if sample_weight is None:
        return 1.0 / m
    xp, _ = _xp.namespace(sample_weight)
    return float(1.0 / xp.sum(sample_weight))


def linear_backward(
    dZ: Array,
    A_prev: Array,
    W: Array,
    scale: float,
    *,
    need_dA_prev: bool = True,
    out: tuple[Array | None, Array | None, Array | None] = (None, None, None),
    sum_dZ: Array | None = None,
) -> tuple[Array | None, Array, Array]:
    """Backward step of Z = W A_prev + b.

    dW = scale · dZ A_prevᵀ,   db = scale · Σ_columns dZ,   dA_prev = Wᵀ dZ.

    ``scale`` is 1/m under the course convention (dZ per example) and 1 under
    the cost convention (dZ already a derivative of J); dA_prev never gets it.

    Parameters
    ----------
    dZ : ndarray of shape (n[l], m)
    A_prev : ndarray of shape (n[l-1], m)
    W : ndarray of shape (n[l], n[l-1])
    scale : float
    need_dA_prev : bool, default=True
        The first layer's dA[0] is never needed for training; skipping it
        saves the largest matrix product of the backward pass.
    out : (dA_prev, dW, db) buffers, each optional
        Arrays of the result shapes to write into (None allocates).
    sum_dZ : ndarray of shape (n[l], 1), optional
        Σ_columns dZ already formed (by a fused kernel, :attr:`LayerOps.backward_db`):
        it becomes db, multiplied by ``scale`` in place.

    Returns
    -------
    dA_prev : ndarray of shape (n[l-1], m), or None
    dW : ndarray of shape (n[l], n[l-1])
    db : ndarray of shape (n[l], 1)
    """
    dA_out, dW_out, db_out = out
    # (NumPy, the training step's case, without a call: this runs every step)
    xp, is_np = _xp.NUMPY if type(dZ) is np.ndarray else _xp.namespace(dZ)
    into = (dW_out, db_out)  # another library's results are new arrays, copied in below
    if not is_np:
        dA_out = dW_out = db_out = None
    dW = xp.matmul(dZ, A_prev.T, out=dW_out)  # dZ A_prevᵀ
    # Σ over the m columns
    if sum_dZ is not None:
        db = sum_dZ
    elif is_np:
        db = np.add.reduce(dZ, axis=1, keepdims=True, out=db_out)
    else:
        db = xp.sum(dZ, axis=1, keepdims=True)
    if scale != 1.0:
        s = _xp.scalar(dZ, scale)
        dW *= s
        db *= s
    dA_prev = xp.matmul(W.T, dZ, out=dA_out) if need_dA_prev else None
    if not is_np and into[0] is not None:
        into[0][...] = dW
        dW = into[0]
    if not is_np and into[1] is not None:
        into[1][...] = db
        db = into[1]
    return dA_prev, dW, db


def is_canonical(loss: Loss, activation: Activation) -> bool:
    """True for sigmoid + BCE, softmax + CCE, identity + squared error."""
    return loss.canonical_activation == activation.name


def output_delta(
    loss: Loss,
    activation: Activation,
    AL: Array,
    ZL: Array,
    Y: Array,
    *,
    fused: bool | None = None,
    out: Array | None = None,
) -> tuple[Array, Array | None]:
    """Per-example dL/dZ[L] (and dL/dA[L] when the general path computes it).

    Parameters
    ----------
    loss, activation : the output layer's loss and activation
    AL, ZL, Y : ndarray of shape (n[L], m)
    fused : bool or None
        ``None`` (default): fused A − Y for canonical pairs, general otherwise.
        ``True`` on a non-canonical pair is an error; ``False`` forces the
        general path dL/dA ⊙ g′(Z).
    out : ndarray of shape (n[L], m), optional
        Where to write dZ[L] (None allocates it).

    Returns
    -------
    dZL : ndarray of shape (n[L], m)
        ∂L/∂Z[L], per example.
    dAL : ndarray of shape (n[L], m) or None
        ∂L/∂A[L] per example (None on the fused path, which never forms it).
    """
    canonical = is_canonical(loss, activation)
    if fused is None:
        fused = canonical
    if fused:
        if not canonical:
            raise ValueError(
                f"the fused output gradient A − Y holds only for canonical pairs; "
                f"{loss.name} with {activation.name} output is not one "
                "(canonical: sigmoid + binary_crossentropy, softmax + categorical_crossentropy, "
                "identity + squared_error)"
            )
        return loss.fused_dZ(AL, Y, out=out), None  # dZ[L] = A[L] − Y
    dAL = loss.dA(AL, Y)  # ∂L/∂A[L], e.g. −(Y/AL − (1−Y)/(1−AL)): no 1/m
    return activation.backward(dAL, ZL, AL, out=out), dAL  # dZ[L] = ∂L/∂A ⊙ g′(Z[L])


def l2_cost(Ws: Sequence[Array], l2: float, m: float) -> float:
    """The L2 term of J: (λ/2m) Σₗ ‖W[l]‖²_F  (biases are not regularised)."""
    if l2 == 0:
        return 0.0
    return float(l2 / (2.0 * m) * sum(_xp.sumsq(W) for W in Ws))


@dataclass
class Gradients(Mapping[str, Array]):
    """The result of a backward pass.

    Behaves as the course's ``grads`` dict over the keys ``dW1, db1, ...,
    dWL, dbL`` (∂J/∂W[l] and ∂J/∂b[l]: always derivatives of the cost J, L2
    term included).  The intermediate arrays are kept too, with names that
    say what they are derivatives of:

    Attributes
    ----------
    dW, db : lists of L arrays (index 0 is layer 1)
    dZ : list of L arrays, dZ[l-1] of shape (n[l], m)
    dA : list of L+1 arrays (dA[0] may be None when it was not needed)
    convention : "course" or "cost"
    scale : float
        1, or the 1/m that :func:`backward` was asked to leave to the update
        (``defer_scale``): dW, db are then Σ-sums still to be multiplied by it.
    of : str
        ``"L"`` when dZ, dA are per-example derivatives of L (course
        convention), ``"J"`` when they already carry the 1/m (cost convention).
    """

    dW: list[Array]
    db: list[Array]
    dZ: list[Array]
    dA: list[Array | None]
    convention: str
    scale: float = 1.0

    @property
    def of(self) -> str:
        """``"L"`` (course convention: dZ, dA per example) or ``"J"`` (cost convention)."""
        return "L" if self.convention == "course" else "J"

    def __getitem__(self, key: str) -> Array:
        # exactly the keys that __iter__ yields: "dW1" but not "dW01", "dW+1" or 1
        if isinstance(key, str):
            kind, l = key[:2], key[2:]
            if (
                kind in ("dW", "db")
                and l.isdigit()
                and l == str(int(l))
                and 1 <= int(l) <= len(self.dW)
            ):
                return (self.dW if kind == "dW" else self.db)[int(l) - 1]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        for l in range(1, len(self.dW) + 1):
            yield f"dW{l}"
            yield f"db{l}"

    def __len__(self) -> int:
        return 2 * len(self.dW)

    def named(self) -> dict[str, Array]:
        """Every array under a name that says what it is the derivative of.

        ``"dJ/dW[1]"``, ``"dJ/db[1]"``, and ``"dL/dZ[l]"``, ``"dL/dA[l]"``
        (course convention) or ``"dJ/dZ[l]"``, ``"dJ/dA[l]"`` (cost convention).
        """
        out: dict[str, Array] = {}
        o = self.of
        for l in range(len(self.dW), 0, -1):
            dA = self.dA[l]
            if dA is not None:
                out[f"d{o}/dA[{l}]"] = dA
            out[f"d{o}/dZ[{l}]"] = self.dZ[l - 1]
            out[f"dJ/dW[{l}]"] = self.dW[l - 1]
            out[f"dJ/db[{l}]"] = self.db[l - 1]
        if self.dA[0] is not None:
            out[f"d{o}/dA[0]"] = self.dA[0]
        return out

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{self[k].shape}" for k in self)
        return f"Gradients(convention={self.convention!r}, of={self.of!r}: {shapes})"

    def _repr_html_(self) -> str:
        o = self.of
        rows = []
        for l in range(len(self.dW), 0, -1):
            for name, arr in (
                (f"d{o}/dZ[{l}]", self.dZ[l - 1]),
                (f"dJ/dW[{l}]", self.dW[l - 1]),
                (f"dJ/db[{l}]", self.db[l - 1]),
            ):
                a = _xp.to_host(arr)
                key = {"W": f"dW{l}", "b": f"db{l}"}.get(name[4], "")
                norm = float(np.linalg.norm(a)) if a.size else 0.0
                big = float(np.max(np.abs(a))) if a.size else 0.0
                rows.append([name, key, str(a.shape), f"{norm:.4g}", f"{big:.4g}"])
        which = (
            "dZ are per-example ∂L/∂Z (the course's convention); dW, db are ∂J/∂· (the 1/m applied)"
            if o == "L"
            else "dZ already carry the 1/m (cost convention): ∂J/∂Z; dW, db are ∂J/∂·"
        )
        if self.scale != 1.0:
            which += f"; dW, db are sums still to be multiplied by {self.scale:g}"
        table = html_table(["derivative", "key", "shape", "‖·‖₂", "max |·|"], rows)
        title = f"Gradients of a {len(self.dW)}-layer network, convention {self.convention!r}"
        return f"<div><strong>{html.escape(title)}</strong>{table}<p>{html.escape(which)}</p></div>"


def backward(
    caches: Sequence[LayerCache],
    Y: Array,
    Ws: Sequence[Array],
    activations: Sequence[Activation],
    loss: Loss,
    *,
    convention: Convention = "course",
    fused: bool | None = None,
    l2: float = 0.0,
    l2_m: float | None = None,
    sample_weight: Array | None = None,
    need_dA0: bool = True,
    ws: Workspace | None = None,
    ops: Ops = NUMPY_OPS,
    out: tuple[Sequence[Array], Sequence[Array]] | None = None,
    defer_scale: bool = False,
) -> Gradients:
    """Backward propagation: ∂J/∂W[l] and ∂J/∂b[l] for every layer.

    Parameters
    ----------
    caches : the L LayerCache from :func:`forward`
    Y : ndarray of shape (n[L], m)
    Ws : sequence of L arrays, W[l] of shape (n[l], n[l-1])
    activations : sequence of L Activation
    loss : Loss
    convention : "course" or "cost"
        Where 1/m enters (module docstring).  dW and db are the same either way.
    fused : bool or None
        See :func:`output_delta`.
    l2 : float, default=0.0
        λ of the L2 term (λ/2m) Σ‖W‖²; adds (λ/m) W[l] to dW[l].
    l2_m : float, optional
        The m of that term; defaults to the batch size (the course's λ/m).
        Nielsen's λ/n uses the training-set size n here.
    sample_weight : ndarray of shape (m,), optional
    need_dA0 : bool, default=True
        Whether to compute dA[0] = W[1]ᵀ dZ[1] (training does not need it).
    ws : Workspace, optional
        Buffers for dZ[l] (the one the forward pass filled); dA[l] for
        l < L is then formed in dZ[l]'s buffer and not kept (``dA`` holds
        None there), and the returned Gradients is the workspace's own, filled
        anew by each call.  None allocates every array.
    ops : Ops, default NUMPY_OPS
        Who computes dA ⊙ g′(Z) (:class:`Ops`).
    out : (dWs, dbs), optional
        Arrays to write dW[l], db[l] into (views of a flat gradient vector).
    defer_scale : bool, default=False
        Leave the course convention's 1/m out of dW, db and report it as
        ``Gradients.scale`` instead, for an update that multiplies it in
        itself (:meth:`Ops.update`).  Ignored under the cost convention and
        with an L2 term (which must be added after the 1/m).

    Returns
    -------
    Gradients
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    L = len(caches)
    m = Y.shape[1]
    scale = batch_scale(m, sample_weight)  # the 1/m of J, applied once below
    none = (None,) * L
    dW_out, db_out = (none, none) if out is None else out
    last = caches[-1]
    sum_dZ: Array | None = None  # Σ_columns dZ[l] where a fused kernel formed it
    layer_ops, delta_db = (None, None) if ws is None else ws.bind(activations, ops, loss)
    if (
        delta_db is not None  # (canonical pairs only)
        and fused is not False
        and sample_weight is None
        and convention == "course"
        and db_out[-1] is not None
    ):
        # dZ[L] = A[L] − Y and Σ_columns dZ[L], in one pass: output_delta's numbers
        dZ, dAL, sum_dZ = ws.dZ[-1], None, db_out[-1]  # type: ignore[union-attr]
        delta_db(last.A, Y, dZ, sum_dZ)
    else:
        dZ, dAL = output_delta(
            loss, activations[-1], last.A, last.Z, Y, fused=fused,
            out=None if ws is None else ws.dZ[-1],
        )  # fmt: skip
    # (NumPy, the training step's case, without a call: this runs every step)
    xp, _ = _xp.NUMPY if type(dZ) is np.ndarray else _xp.namespace(dZ)
    if sample_weight is not None:
        w = xp.reshape(xp.astype(xp.asarray(sample_weight), dZ.dtype, copy=False), (1, -1))
        dZ *= w
        dAL = None if dAL is None else dAL * w
    pending = 1.0  # the factor left to the update (defer_scale)
    if convention == "cost":
        # 1/m enters at the top of the chain: dZ[L] = ∂J/∂Z[L] = (1/m) ∂L/∂Z[L]
        s = _xp.scalar(dZ, scale)
        dZ *= s
        dAL = None if dAL is None else dAL * s
        layer_scale = 1.0
    elif defer_scale and not l2:
        # 1/m enters in the update: g = (1/m) (dZ A_prevᵀ), multiplied in there first
        layer_scale, pending = 1.0, scale
    else:
        # 1/m enters in linear_backward: dW = (1/m) dZ A_prevᵀ
        layer_scale = scale
    if ws is None:
        grads = Gradients([None] * L, [None] * L, [None] * L, [None] * (L + 1), convention)  # type: ignore[list-item]
        dZ_bufs: Sequence[Array | None] = none
    else:
        # the workspace's Gradients, filled anew (dA[l] for l < L is not kept: None)
        grads = ws.grads
        grads.convention = convention
        dZ_bufs = ws.dZ  # dZ[l]'s buffer, which holds dA[l] first
    grads.scale = pending
    dWs, dbs, dZs, dAs = grads.dW, grads.db, grads.dZ, grads.dA
    dAs[L] = dAL
    l2_scale = 0.0 if l2 == 0 else l2 / (m if l2_m is None else l2_m)
    dA_next: Array | None = None  # W[l+1]ᵀ dZ[l+1]
    for l in range(L, 0, -1):
        cache = caches[l - 1]
        if l < L:
            assert dA_next is not None
            buf = dZ_bufs[l - 1]
            dA = dA_next
            if cache.D is not None:
                # inverted dropout: the same mask, the same 1/keep_prob
                dA = xp.multiply(dA, cache.D, out=buf)
            # dZ[l] = dA[l] ⊙ g′(Z[l])
            if layer_ops is None:
                dZ = ops.activation_backward(activations[l - 1], dA, cache.Z, cache.A, out=buf)
            else:
                lo = layer_ops[l - 1]
                sum_dZ = db_out[l - 1]
                if lo.backward_db is not None and dA is buf and sum_dZ is not None:
                    lo.backward_db(dA, cache.Z, sum_dZ)  # with db[l] = Σ_columns dZ[l]
                    dZ = dA
                else:
                    dZ, sum_dZ = lo.backward(dA, cache.Z, cache.A, buf), None
        W = Ws[l - 1]
        dA_prev, dW, db = linear_backward(
            dZ, cache.A_prev, W, layer_scale, need_dA_prev=l > 1 or need_dA0,
            out=(dZ_bufs[l - 2] if l > 1 else None, dW_out[l - 1], db_out[l - 1]), sum_dZ=sum_dZ,
        )  # fmt: skip
        if l2_scale:
            tmp = None if ws is None else ws.W_tmp(l - 1, W)
            # ∂/∂W (λ/2m)‖W‖² = (λ/m) W
            dW += xp.multiply(W, _xp.scalar(W, l2_scale), out=tmp)
        dWs[l - 1], dbs[l - 1], dZs[l - 1] = dW, db, dZ
        dA_next = dA_prev
        if ws is None:
            dAs[l - 1] = dA_prev
    return grads
