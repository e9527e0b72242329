"""How a derivation decides: symbolic zero tests, and comparison with the NumPy code.

A derivation *holds symbolically* when SymPy's derivative minus the library's
closed form is 0 (:func:`is_zero`; across kinks :func:`is_zero_piecewise`, on
each side), and *holds numerically* when the library's NumPy code agrees with
the SymPy expression, turned into a NumPy function (:func:`lambdify`), at
``N_POINTS`` random points to ``RTOL`` (:func:`rel_error`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from chainrule.losses import Loss
from chainrule.symbolic.lazy_sympy import require_sympy

__all__: list[str] = []

N_POINTS = 64
"""Random points at which each derivation is compared with the NumPy code."""

RTOL = 1e-10
"""Tolerance of the numerical comparisons (relative to max(1, |value|))."""


def is_zero(expr: Any, exp_vars: Iterable[Any] = ()) -> bool:
    """Decide expr == 0: exponentials become rational functions, then cancel; else simplify."""
    sp = require_sympy()
    if expr == 0:
        return True
    e = expr.rewrite(sp.exp) if expr.has(sp.tanh) else expr
    subs = {v: sp.log(sp.Symbol(f"_u{k}", positive=True)) for k, v in enumerate(exp_vars)}
    try:
        r = sp.cancel(sp.together(e.subs(subs)))
    except (sp.PolynomialError, TypeError):  # pragma: no cover - defensive
        r = None
    if r == 0:
        return True
    return bool(sp.simplify(expr) == 0)


def mat_zero(M: Any) -> bool:
    """Every entry of a SymPy matrix expands to 0."""
    sp = require_sympy()
    return all(sp.expand(e) == 0 for e in M)


def nonsmooth(expr: Any) -> bool:
    """Whether ``expr`` has a kink (max, min, a piecewise branch, a step, |·|)."""
    sp = require_sympy()
    return bool(expr.has(sp.Max, sp.Min, sp.Piecewise, sp.Heaviside, sp.Abs))


def is_zero_piecewise(expr: Any, zs: Sequence[Any]) -> bool:
    """expr == 0 on every open orthant of ``zs`` (both sides of each kink)."""
    sp = require_sympy()
    ps = [sp.Symbol(f"_p{k}", positive=True) for k in range(len(zs))]
    for signs in itertools.product((1, -1), repeat=len(zs)):
        e = expr.subs({z: s * p for z, s, p in zip(zs, signs, ps, strict=True)})
        # exponentials of ±p: substitute p = log(u) as well
        if not is_zero(e, ()) and not is_zero(e, ps):
            return False
    return True


def lambdify(args: Sequence[Any], expr: Any) -> Callable[..., Any]:
    """``expr`` as a NumPy function of ``args``; a constant broadcasts to the first one's shape."""
    sp = require_sympy()
    f = sp.lambdify(list(args), expr, modules="numpy")

    def call(*vals: Any) -> Any:
        out = f(*vals)
        return np.broadcast_to(np.asarray(out, dtype=np.float64), np.shape(vals[0]))

    return call


def rel_error(got: Any, want: Any) -> float:
    """max |got − want| / max(1, |want|); inf for other shapes or a value that is not finite."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return float("inf")
    if not (np.isfinite(got).all() and np.isfinite(want).all()):
        return float("inf")
    return float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)), initial=0.0))


def random_targets(loss: Loss, K: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Targets Y of shape (K, n) the loss accepts: probability columns, values in [0, 1], or any."""
    if loss.name == "categorical_crossentropy":
        return rng.dirichlet(np.ones(K), size=n).T
    if loss.name == "binary_crossentropy":
        return rng.uniform(0.0, 1.0, size=(K, n))
    return rng.standard_normal((K, n))
