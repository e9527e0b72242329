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
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from chainrule._typing import Array
from chainrule.activations import Activation
from chainrule.losses import Loss

__all__ = [
    "CONVENTIONS",
    "Gradients",
    "LayerCache",
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


@dataclass
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

    Returns
    -------
    AL : ndarray of shape (n[L], m)
    caches : list of L LayerCache
    """
    caches: list[LayerCache] = []
    A = X
    for l, (W, b, g) in enumerate(zip(Ws, bs, activations, strict=True)):
        Z = linear_forward(A, W, b)  # Z[l] = W[l] A[l-1] + b[l]
        A_new = g.forward(Z)  # A[l] = g(Z[l])
        cache = LayerCache(A_prev=A, Z=Z, A=A_new)
        kp = 1.0 if keep_probs is None else keep_probs[l]
        if kp < 1.0:
            if rng is None:
                raise ValueError("dropout needs a random Generator (rng)")
            # inverted dropout: D = (u < keep_prob) / keep_prob, A_out = A ⊙ D
            D = (rng.random(A_new.shape, dtype=A_new.dtype) < kp).astype(A_new.dtype)
            D /= A_new.dtype.type(kp)
            cache.D = D
            A_new = A_new * D
        caches.append(cache)
        A = A_new
    return A, caches


def batch_scale(m: int, sample_weight: Array | None = None) -> float:
    """The 1/m of J = (1/m) Σᵢ L⁽ⁱ⁾ (1/Σwᵢ with example weights)."""
    if sample_weight is None:
        return 1.0 / m
    return float(1.0 / np.sum(sample_weight))


def linear_backward(
    dZ: Array, A_prev: Array, W: Array, scale: float, *, need_dA_prev: bool = True
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

    Returns
    -------
    dA_prev : ndarray of shape (n[l-1], m), or None
    dW : ndarray of shape (n[l], n[l-1])
    db : ndarray of shape (n[l], 1)
    """
    dW = dZ @ A_prev.T
    db = dZ.sum(axis=1, keepdims=True)
    if scale != 1.0:
        s = dZ.dtype.type(scale)
        dW *= s
        db *= s
    dA_prev = W.T @ dZ if need_dA_prev else None
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
        return loss.fused_dZ(AL, Y), None
    dAL = loss.dA(AL, Y)  # ∂L/∂A[L], e.g. −(Y/AL − (1−Y)/(1−AL)): no 1/m
    return activation.backward(dAL, ZL, AL), dAL


def l2_cost(Ws: Sequence[Array], l2: float, m: float) -> float:
    """The L2 term of J: (λ/2m) Σₗ ‖W[l]‖²_F  (biases are not regularised)."""
    if l2 == 0:
        return 0.0
    return float(l2 / (2.0 * m) * sum(float(np.vdot(W, W)) for W in Ws))


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
    of : str
        ``"L"`` when dZ, dA are per-example derivatives of L (course
        convention), ``"J"`` when they already carry the 1/m (cost convention).
    """

    dW: list[Array]
    db: list[Array]
    dZ: list[Array]
    dA: list[Array | None]
    convention: str
    of: str = field(init=False)

    def __post_init__(self) -> None:
        self.of = "L" if self.convention == "course" else "J"

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

    Returns
    -------
    Gradients
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    L = len(caches)
    m = Y.shape[1]
    scale = batch_scale(m, sample_weight)  # the 1/m of J, applied once below
    last = caches[-1]
    dZ, dAL = output_delta(loss, activations[-1], last.A, last.Z, Y, fused=fused)
    if sample_weight is not None:
        w = np.asarray(sample_weight, dtype=dZ.dtype).reshape(1, -1)
        dZ = dZ * w
        dAL = None if dAL is None else dAL * w
    if convention == "cost":
        # 1/m enters at the top of the chain: dZ[L] = ∂J/∂Z[L] = (1/m) ∂L/∂Z[L]
        s = dZ.dtype.type(scale)
        dZ = dZ * s
        dAL = None if dAL is None else dAL * s
        layer_scale = 1.0
    else:
        # 1/m enters in linear_backward: dW = (1/m) dZ A_prevᵀ
        layer_scale = scale
    dWs: list[Array] = [None] * L  # type: ignore[list-item]
    dbs: list[Array] = [None] * L  # type: ignore[list-item]
    dZs: list[Array] = [None] * L  # type: ignore[list-item]
    dAs: list[Array | None] = [None] * (L + 1)
    dAs[L] = dAL
    l2_scale = 0.0 if l2 == 0 else l2 / (m if l2_m is None else l2_m)
    for l in range(L, 0, -1):
        cache = caches[l - 1]
        if l < L:
            dA = dAs[l]
            assert dA is not None
            if cache.D is not None:
                dA = dA * cache.D  # inverted dropout: the same mask, the same 1/keep_prob
            dZ = activations[l - 1].backward(dA, cache.Z, cache.A)  # dZ = dA ⊙ g′(Z)
        dA_prev, dW, db = linear_backward(
            dZ, cache.A_prev, Ws[l - 1], layer_scale, need_dA_prev=(l > 1 or need_dA0)
        )
        if l2_scale:
            dW += dW.dtype.type(l2_scale) * Ws[l - 1]  # ∂/∂W of (λ/2m) ‖W‖² = (λ/m) W
        dWs[l - 1], dbs[l - 1], dZs[l - 1] = dW, db, dZ
        dAs[l - 1] = dA_prev
    return Gradients(dW=dWs, db=dbs, dZ=dZs, dA=dAs, convention=convention)
