r"""Per-example losses L and the cost J.

The one distinction this module keeps explicit:

* the **per-example loss** L(a⁽ⁱ⁾, y⁽ⁱ⁾) is a function of one example; the
  functions here return it for all m examples at once, shape (1, m);
* the **cost** J = (1/m) Σᵢ L(a⁽ⁱ⁾, y⁽ⁱ⁾) is their average, a scalar;
  :func:`cost` is the only function in chainrule that averages over examples.

Hence ∂J/∂a⁽ⁱ⁾ = (1/m) ∂L/∂a⁽ⁱ⁾.  The derivatives here (:meth:`Loss.dA`,
:meth:`Loss.fused_dZ`) are of **L**, per example, with no 1/m; the course's
``dAL = −(Y/AL − (1−Y)/(1−AL))`` is exactly :meth:`BinaryCrossEntropy.dA`.
Where the 1/m then enters is decided in :mod:`chainrule.backprop`.

Canonical pairs and the fused output step
-----------------------------------------
For sigmoid + binary cross-entropy, softmax + categorical cross-entropy and
identity + squared error, the chain rule through the output activation
collapses to

    dZ[L] = ∂L/∂Z[L] = A[L] − Y,

which never divides by A (the general path ∂L/∂A ⊙ g′(Z) does, and loses
precision, or produces inf·0, when A saturates).  chainrule uses the fused
form by default for those pairs; every other pair goes through the general
path, which is also tested.

Numerical stability
-------------------
Costs computed from the pre-activation Z (:meth:`Loss.from_logits`) use
``logaddexp`` and log-softmax and never take log(0).  Costs and derivatives
computed from A guard only the points where a log or a division would blow up:
a is kept ≥ the smallest normal number (``tiny``) inside log a and 1/a, and
1 − a ≥ ε/2 (ε the dtype's machine epsilon; 1 − ε/2 is the largest number below
1).  Every representable probability strictly between those keeps its exact
value, so σ(−40) = 4.2e−18 still gives dZ = −1; a saturated A = 1.0 costs
exactly 0 when y = 1 and a large finite −log(ε/2) ≈ 36.7 when y = 0, never inf
or NaN (the course's plain ``−(Y/AL − (1−Y)/(1−AL))`` gives NaN at AL = 1.0,
y = 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import _xp
from chainrule._typing import Array
from chainrule._validation import check_choice
from chainrule.activations import log_softmax

__all__ = [
    "LOSSES",
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "Loss",
    "SquaredError",
    "cost",
    "get_loss",
]


def _tiny(A: Array) -> Any:
    """Smallest positive normal number of A's dtype: the floor for a in log a and 1/a."""
    if isinstance(A, np.ndarray):
        return np.finfo(A.dtype).tiny
    xp, _ = _xp.namespace(A)
    return xp.finfo(A.dtype).smallest_normal


def _below_one(A: Array) -> Any:
    """1 − ε/2, the largest number below 1 in A's dtype: the ceiling for a in log(1 − a)."""
    if isinstance(A, np.ndarray):
        return A.dtype.type(1) - np.finfo(A.dtype).epsneg
    xp, _ = _xp.namespace(A)
    return 1.0 - xp.finfo(A.dtype).eps / 2  # (exact: ε/2 = 2^−53 or 2^−24)


class Loss:
    """Base class of a per-example loss L(a, y).

    Attributes
    ----------
    name : str
        Registry name.
    canonical_activation : str
        The output activation for which dL/dZ = A − Y.
    formula, dA_formula, fused_formula : str
        The math, in Unicode, for :mod:`chainrule.explain` and the docs.
    """

    name: str = ""
    canonical_activation: str = ""
    formula: str = ""
    dA_formula: str = ""
    fused_formula: str = "∂L/∂z = a − y"

    def per_example(self, A: Array, Y: Array) -> Array:
        """Return L for every example.

        Parameters
        ----------
        A : ndarray of shape (n[L], m)
            Network output.
        Y : ndarray of shape (n[L], m)
            Targets.

        Returns
        -------
        L : ndarray of shape (1, m)
        """
        raise NotImplementedError

    def from_logits(self, Z: Array, Y: Array) -> Array:
        """Return L from the output pre-activation Z (canonical activation only).

        Exact even where the activation saturates (no log(0)).

        Parameters
        ----------
        Z : ndarray of shape (n[L], m)
        Y : ndarray of shape (n[L], m)

        Returns
        -------
        L : ndarray of shape (1, m)
        """
        raise NotImplementedError

    def dA(self, A: Array, Y: Array) -> Array:
        """Return ∂L/∂A per example (no 1/m), shape (n[L], m)."""
        raise NotImplementedError

    def fused_dZ(self, A: Array, Y: Array, out: Array | None = None) -> Array:
        """Return ∂L/∂Z = A − Y for the canonical activation, per example (no 1/m).

        Parameters
        ----------
        A : ndarray of shape (n[L], m)
        Y : ndarray of shape (n[L], m)
        out : ndarray of shape (n[L], m), optional
        """
        xp, _ = _xp.namespace(A)
        return xp.subtract(A, Y, out=out)

    def check_targets(self, Y: Array, name: str = "Y") -> None:
        """Raise ValueError if Y cannot be a target of this loss."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(self.name)


class BinaryCrossEntropy(Loss):
    """L = −Σₖ [yₖ log aₖ + (1 − yₖ) log(1 − aₖ)] (summed over output units).

    With one output unit this is the course's loss; with several sigmoid
    outputs it is the multi-label loss (and Nielsen's ``CrossEntropyCost``).
    """

    name = "binary_crossentropy"
    canonical_activation = "sigmoid"
    formula = "L(a, y) = −[y log a + (1 − y) log(1 − a)]"
    dA_formula = "∂L/∂a = −(y/a − (1 − y)/(1 − a))"

    def per_example(self, A: Array, Y: Array) -> Array:
        # Each log is guarded only where it would be log(0): log a uses max(a, tiny) and
        # log(1 − a) uses min(a, 1 − ε/2).  A confident correct answer (a = 1.0 exactly,
        # y = 1) therefore costs exactly 0, and a confident wrong one (a = 1.0, y = 0) a
        # large finite −log(ε/2) ≈ 36.7 (float64), never inf or NaN.
        xp, _ = _xp.namespace(A)
        L = -(
            Y * xp.log(xp.maximum(A, _tiny(A))) + (1 - Y) * xp.log1p(-xp.minimum(A, _below_one(A)))
        )
        return xp.sum(L, axis=0, keepdims=True)

    def from_logits(self, Z: Array, Y: Array) -> Array:
        # −[y log σ(z) + (1−y) log(1−σ(z))] = log(1 + e^z) − y z, via logaddexp
        xp, _ = _xp.namespace(Z)
        L = xp.logaddexp(_xp.scalar(Z, 0), Z) - Y * Z
        return xp.sum(L, axis=0, keepdims=True)

    def dA(self, A: Array, Y: Array) -> Array:
        # The course's −(y/a − (1 − y)/(1 − a)), guarded only where it would divide by
        # zero: a = 0 (or a subnormal) uses tiny, a = 1 uses 1 − ε/2.  At a = 1.0, y = 1
        # it is exactly −1 (the plain formula gives 0·∞ = NaN in its second term); every
        # other a, even one outside [0, 1], gets the plain formula's value.
        xp, _ = _xp.namespace(A)
        tiny = _tiny(A)
        a = xp.where(xp.abs(A) < tiny, tiny, A)
        one_minus_a = xp.where(A == 1, 1 - _below_one(A), 1 - A)
        return -(Y / a - (1 - Y) / one_minus_a)

    def check_targets(self, Y: Array, name: str = "Y") -> None:
        bad = (Y != 0) & (Y != 1)
        if bad.any():
            vals = np.unique(Y[bad])[:5]
            raise ValueError(
                f"{name} must hold labels 0 or 1 for binary cross-entropy, found {vals.tolist()}"
            )


class CategoricalCrossEntropy(Loss):
    """L = −Σₖ yₖ log aₖ, with a = softmax(z) and y one-hot (one column per example)."""

    name = "categorical_crossentropy"
    canonical_activation = "softmax"
    formula = "L(a, y) = −Σₖ yₖ log aₖ"
    dA_formula = "∂L/∂aₖ = −yₖ/aₖ"

    def per_example(self, A: Array, Y: Array) -> Array:
        xp, _ = _xp.namespace(A)
        Ac = xp.maximum(A, _tiny(A))  # log a, guarded only at a = 0
        return -xp.sum(Y * xp.log(Ac), axis=0, keepdims=True)

    def from_logits(self, Z: Array, Y: Array) -> Array:
        xp, _ = _xp.namespace(Z)
        return -xp.sum(Y * log_softmax(Z), axis=0, keepdims=True)

    def dA(self, A: Array, Y: Array) -> Array:
        xp, _ = _xp.namespace(A)
        tiny = _tiny(A)
        return -Y / xp.where(xp.abs(A) < tiny, tiny, A)  # guarded only at a = 0

    def check_targets(self, Y: Array, name: str = "Y") -> None:
        if Y.shape[0] < 2:
            raise ValueError(
                f"{name} for categorical cross-entropy must be one-hot with one row per class "
                f"(at least 2), got shape {Y.shape}"
            )
        if ((Y < 0) | (Y > 1)).any() or not np.allclose(Y.sum(axis=0), 1, atol=1e-4):
            raise ValueError(
                f"{name} for categorical cross-entropy must be one-hot (or probability) "
                "columns: entries in [0, 1], each column summing to 1"
            )


class SquaredError(Loss):
    """L = ½ Σₖ (aₖ − yₖ)², with the ½ convention (Nielsen's, scikit-learn's).

    The ½ makes ∂L/∂a = a − y.  Without it (L = (a − y)²) every gradient would
    double; J = (1/2m) Σᵢ ‖a⁽ⁱ⁾ − y⁽ⁱ⁾‖² gives ∂J/∂a⁽ⁱ⁾ = (a⁽ⁱ⁾ − y⁽ⁱ⁾)/m.
    """

    name = "squared_error"
    canonical_activation = "identity"
    formula = "L(a, y) = ½ Σₖ (aₖ − yₖ)²"
    dA_formula = "∂L/∂a = a − y"

    def per_example(self, A: Array, Y: Array) -> Array:
        xp, _ = _xp.namespace(A)
        D = A - Y
        return 0.5 * xp.sum(D * D, axis=0, keepdims=True)

    def from_logits(self, Z: Array, Y: Array) -> Array:
        return self.per_example(Z, Y)

    def dA(self, A: Array, Y: Array) -> Array:
        return A - Y


LOSSES: dict[str, type[Loss]] = {
    "binary_crossentropy": BinaryCrossEntropy,
    "categorical_crossentropy": CategoricalCrossEntropy,
    "squared_error": SquaredError,
}
"""Every loss by name; see ``LOSS_ALIASES`` for the short names."""

LOSS_ALIASES = {
    "bce": "binary_crossentropy",
    "binary_cross_entropy": "binary_crossentropy",
    "log_loss": "binary_crossentropy",
    "cce": "categorical_crossentropy",
    "categorical_cross_entropy": "categorical_crossentropy",
    "cross_entropy": "categorical_crossentropy",
    "mse": "squared_error",
    "quadratic": "squared_error",
}


def get_loss(spec: str | Loss, name: str = "loss") -> Loss:
    """Turn a name (or alias such as ``"bce"``, ``"cce"``, ``"mse"``) into a :class:`Loss`."""
    if isinstance(spec, Loss):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"{name} must be a loss name or a Loss, got {spec!r}")
    key = LOSS_ALIASES.get(spec.lower(), spec.lower())
    check_choice(key, set(LOSSES) | set(LOSS_ALIASES), name)
    return LOSSES[key]()


def cost(L: Array, sample_weight: Array | None = None) -> float:
    """Return the cost J = (1/m) Σᵢ L⁽ⁱ⁾ (or Σᵢ wᵢ L⁽ⁱ⁾ / Σᵢ wᵢ with weights).

    The only place in chainrule where per-example losses are averaged.

    Parameters
    ----------
    L : ndarray of shape (1, m)
        Per-example losses.
    sample_weight : ndarray of shape (m,), optional
        Non-negative example weights.

    Returns
    -------
    J : float
    """
    xp, _ = _xp.namespace(L)
    if sample_weight is None:
        return float(xp.mean(L))
    w = xp.reshape(xp.astype(xp.asarray(sample_weight), L.dtype, copy=False), (1, -1))
    return float(xp.sum(L * w) / xp.sum(w))
