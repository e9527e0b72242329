r"""Activation functions g and their derivatives g′, in the course's notation.

Each activation maps the pre-activation ``Z`` of shape (n[l], m) to
``A = g(Z)`` of the same shape, and back-propagates with

    dZ = dA ⊙ g′(Z)                      (elementwise activations)
    dZ = A ⊙ (dA − 1ᵀ(A ⊙ dA))           (softmax: the Jacobian–vector product)

where ``dA`` is ∂L/∂A (course convention: per example, no 1/m) or ∂J/∂A (cost
convention: with the 1/m); the activation does not care which, it only applies
the chain rule.

Numerical notes
---------------
* sigmoid is computed with SciPy's ``expit``, which never overflows; in float64
  it rounds to exactly 1.0 for z ≳ 36.7 (float32: z ≳ 16.6), which is why the
  losses never divide by A or 1 − A on the default (fused) path.
* softmax subtracts the column maximum before exponentiating, so it is exact
  for any finite Z; :func:`log_softmax` uses the log-sum-exp form.
* every function keeps the dtype of its input (float32 stays float32).

Array libraries
---------------
Every formula is written against the input's namespace ``xp``
(:mod:`chainrule._xp`): NumPy arrays compute in NumPy (with ``out=`` buffers
and SciPy's ``expit``), PyTorch, CuPy or other array-API arrays in their own
library on their own device.  Only sigmoid has a second spelling, since
``expit`` is NumPy-only: e^(−|z|) ≤ 1, so neither branch of its stable form
overflows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from chainrule import _xp
from chainrule._typing import Array
from chainrule._validation import check_choice, check_fraction

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Identity",
    "LeakyReLU",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "get_activation",
    "log_softmax",
    "softmax",
]


class Activation:
    """Base class: an activation ``A = g(Z)`` and its backward step.

    Subclasses define :meth:`forward` and either :meth:`derivative` (elementwise
    activations) or :meth:`backward` (softmax).
    """

    name: str = ""
    formula: str = ""
    """g(z) in Unicode math."""
    derivative_formula: str = ""
    """g′(z) in Unicode math, in terms of z and a = g(z)."""
    elementwise: bool = True

    def __call__(self, Z: Array) -> Array:
        return self.forward(Z)

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        """Return A = g(Z).

        Parameters
        ----------
        Z : ndarray of shape (n[l], m)
            Pre-activations.
        out : ndarray of shape (n[l], m), optional
            Where to write A (may be ``Z`` itself).
        """
        raise NotImplementedError

    def derivative(self, Z: Array, A: Array) -> Array:
        """Return g′(Z) elementwise (shape (n[l], m)), given Z and A = g(Z)."""
        raise NotImplementedError(f"{self.name} has no elementwise derivative")

    def backward(self, dA: Array, Z: Array, A: Array, out: Array | None = None) -> Array:
        """Return dZ = dA ⊙ g′(Z).

        Parameters
        ----------
        dA : ndarray of shape (n[l], m)
            Gradient with respect to this layer's output A.
        Z : ndarray of shape (n[l], m)
            This layer's pre-activation.
        A : ndarray of shape (n[l], m)
            This layer's output g(Z).
        out : ndarray of shape (n[l], m), optional
            Where to write dZ (may be ``dA`` itself).
        """
        xp, _ = _xp.namespace(dA)
        return xp.multiply(dA, self.derivative(Z, A), out=out)

    def config(self) -> dict[str, Any]:
        """A JSON-able description, inverted by :func:`get_activation`."""
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Activation) and self.config() == other.config()

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.config().items())))


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^(−z)),  σ′(z) = σ(z)(1 − σ(z))."""

    name = "sigmoid"
    formula = "σ(z) = 1 / (1 + e^(−z))"
    derivative_formula = "σ′(z) = a(1 − a)"

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        if isinstance(Z, np.ndarray):
            return expit(Z, out=out)
        xp, _ = _xp.namespace(Z)
        # σ(z) = 1/(1 + e^(−z)) for z ≥ 0, e^z/(1 + e^z) for z < 0: both with e^(−|z|) ≤ 1
        e = xp.exp(-xp.abs(Z))
        return xp.where(Z >= 0, 1 / (1 + e), e / (1 + e))

    def derivative(self, Z: Array, A: Array) -> Array:
        return A * (1 - A)

    def backward(self, dA: Array, Z: Array, A: Array, out: Array | None = None) -> Array:
        # dZ = dA ⊙ a(1 − a), written without a temporary for a(1 − a)
        xp, _ = _xp.namespace(dA)
        dZ = xp.multiply(dA, A, out=out)
        dZ -= dZ * A
        return dZ


class Tanh(Activation):
    """tanh(z),  tanh′(z) = 1 − tanh²(z)."""

    name = "tanh"
    formula = "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))"
    derivative_formula = "tanh′(z) = 1 − a²"

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        xp, _ = _xp.namespace(Z)
        return xp.tanh(Z, out=out)

    def derivative(self, Z: Array, A: Array) -> Array:
        return 1 - A * A


class ReLU(Activation):
    """relu(z) = max(0, z),  relu′(z) = 1 if z > 0 else 0 (0 at z = 0, as the course)."""

    name = "relu"
    formula = "relu(z) = max(0, z)"
    derivative_formula = "relu′(z) = 1 if z > 0 else 0"

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        xp, _ = _xp.namespace(Z)
        return xp.maximum(Z, 0, out=out)

    def derivative(self, Z: Array, A: Array) -> Array:
        xp, _ = _xp.namespace(Z)
        return xp.astype(Z > 0, Z.dtype)

    def backward(self, dA: Array, Z: Array, A: Array, out: Array | None = None) -> Array:
        xp, is_np = _xp.namespace(dA)
        # dZ = dA ⊙ [z > 0] (NumPy multiplies by the booleans; the array API wants floats)
        return xp.multiply(dA, Z > 0 if is_np else xp.astype(Z > 0, dA.dtype), out=out)


class LeakyReLU(Activation):
    """leaky_relu(z) = z if z > 0 else α z = max(z, α z),  derivative 1 or α.

    Parameters
    ----------
    alpha : float, default=0.01
        The slope for z ≤ 0, in [0, 1] (where z if z > 0 else αz equals
        max(z, αz), the formula this class states; α = 0 is relu).
    """

    name = "leaky_relu"
    derivative_formula = "leaky_relu′(z) = 1 if z > 0 else α"

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = check_fraction(alpha, "alpha", high_open=False)
        self.formula = f"leaky_relu(z) = max(z, αz), α = {self.alpha:g}"

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        xp, _ = _xp.namespace(Z)
        A = xp.where(Z > 0, Z, _xp.scalar(Z, self.alpha) * Z)
        if out is None:
            return A
        np.copyto(out, A)
        return out

    def derivative(self, Z: Array, A: Array) -> Array:
        xp, _ = _xp.namespace(Z)
        return xp.where(Z > 0, xp.ones_like(Z), xp.full_like(Z, self.alpha))

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha:g})"


class Identity(Activation):
    """identity(z) = z,  derivative 1 (the regression output)."""

    name = "identity"
    formula = "g(z) = z"
    derivative_formula = "g′(z) = 1"

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        if out is None:
            return _xp.copy(Z)
        if out is not Z:
            np.copyto(out, Z)
        return out

    def derivative(self, Z: Array, A: Array) -> Array:
        return np.ones_like(Z)

    def backward(self, dA: Array, Z: Array, A: Array, out: Array | None = None) -> Array:
        if out is None:
            return _xp.copy(dA)
        if out is not dA:
            np.copyto(out, dA)
        return out


def softmax(Z: Array, out: Array | None = None) -> Array:
    """Column-wise softmax, stable: aₖ = e^(zₖ − max z) / Σⱼ e^(zⱼ − max z).

    Parameters
    ----------
    Z : ndarray of shape (n, m)
        One column of scores per example.

    Returns
    -------
    A : ndarray of shape (n, m)
        Each column is a probability vector (sums to 1).
    """
    # z − max z ≤ 0, so e^(z − max z) ∈ [0, 1] never overflows; the subtraction itself
    # can only overflow for |z| ~ 1e308, to −inf, whose exponential is the right 0.
    # (np.maximum.reduce / np.add.reduce are Z.max / A.sum without their Python wrappers)
    xp, is_np = _xp.namespace(Z)
    col_max = np.maximum.reduce if is_np else xp.max
    col_sum = np.add.reduce if is_np else xp.sum
    with np.errstate(over="ignore"):
        A = xp.subtract(Z, col_max(Z, axis=0, keepdims=True), out=out)
    A = xp.exp(A, out=A if is_np else None)
    A /= col_sum(A, axis=0, keepdims=True)
    return A


def log_softmax(Z: Array) -> Array:
    """Column-wise log-softmax, log aₖ = zₖ − logsumexp(z), never log(0).

    Parameters
    ----------
    Z : ndarray of shape (n, m)

    Returns
    -------
    ndarray of shape (n, m)
    """
    xp, _ = _xp.namespace(Z)
    with np.errstate(over="ignore"):  # as in softmax: only |z| ~ 1e308 overflows, to −inf
        shifted = Z - xp.max(Z, axis=0, keepdims=True)
    # the column maximum contributes e⁰ = 1, so the sum is ≥ 1 and its log is ≥ 0: no log(0)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=0, keepdims=True))


class Softmax(Activation):
    """softmax over each column; its Jacobian is diag(a) − a aᵀ."""

    name = "softmax"
    formula = "softmax(z)ₖ = e^(zₖ) / Σⱼ e^(zⱼ)"
    derivative_formula = "∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ)"
    elementwise = False

    def forward(self, Z: Array, out: Array | None = None) -> Array:
        return softmax(Z, out=out)

    def backward(self, dA: Array, Z: Array, A: Array, out: Array | None = None) -> Array:
        # dZ = (diag(a) − a aᵀ) dA = a ⊙ (dA − Σₖ aₖ dAₖ), column by column
        xp, _ = _xp.namespace(dA)
        s = xp.sum(A * dA, axis=0, keepdims=True)
        dZ = xp.subtract(dA, s, out=out)
        dZ *= A
        return dZ


ACTIVATIONS: dict[str, type[Activation]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "identity": Identity,
    "softmax": Softmax,
}
"""Every activation by name.  ``"linear"`` and ``"logistic"`` are accepted aliases."""

_ALIASES = {"linear": "identity", "logistic": "sigmoid", "leakyrelu": "leaky_relu"}


def get_activation(spec: str | Activation | dict[str, Any], name: str = "activation") -> Activation:
    """Turn a name (``"relu"``), a config dict or an instance into an :class:`Activation`.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.
    TypeError
        For anything that is neither a string, a dict nor an Activation.
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, dict):
        cfg = dict(spec)
        key = cfg.pop("name", None)
        if not isinstance(key, str):
            raise ValueError(f"{name} config must have a 'name', got {spec!r}")
        key = _ALIASES.get(key, key)
        check_choice(key, ACTIVATIONS, name)
        try:
            return ACTIVATIONS[key](**cfg)
        except TypeError as exc:
            raise ValueError(f"bad {name} config {spec!r}: {exc}") from exc
    if not isinstance(spec, str):
        raise TypeError(
            f"{name} must be a name ({', '.join(sorted(ACTIVATIONS))}) or an Activation, "
            f"got {spec!r}"
        )
    key = _ALIASES.get(spec.lower(), spec.lower())
    check_choice(key, ACTIVATIONS, name)
    return ACTIVATIONS[key]()
