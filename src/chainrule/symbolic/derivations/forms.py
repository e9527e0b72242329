"""The library's activations and losses as SymPy expressions, and the keys they are cached by.

Everything a derivation takes from the library goes through here: the forward
formula a = g(z) (:func:`activation_output`), the library's ∂aₖ/∂zⱼ
(:func:`derivative_matrix`), L(a, y) and the library's ∂L/∂aₖ
(:func:`loss_expr`, :func:`loss_dA`), always parsed from the objects' own
formula strings.  :data:`ACTIVATION_KEYS` and :data:`LOSS_KEYS` file the
objects for :func:`chainrule.symbolic.cache.cached`.
"""

from __future__ import annotations

import json
from typing import Any

from chainrule.activations import Activation
from chainrule.losses import Loss
from chainrule.symbolic.cache import Registry
from chainrule.symbolic.formula.evaluate import Env, evaluate, formula_to_sympy, sym
from chainrule.symbolic.formula.parser import has_sum, parse_formula
from chainrule.symbolic.lazy_sympy import require_sympy

__all__: list[str] = []


def activation_key(act: Activation) -> str:
    """The value key of an activation: its class, config and formula strings, as JSON."""
    return json.dumps(
        [
            type(act).__module__,
            type(act).__qualname__,
            act.config(),
            act.formula,
            act.derivative_formula,
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )


def loss_key(loss: Loss) -> str:
    """The value key of a loss: its class, name and formula strings, as JSON."""
    return json.dumps(
        [
            type(loss).__module__,
            type(loss).__qualname__,
            loss.name,
            loss.formula,
            loss.dA_formula,
            loss.fused_formula,
        ],
        sort_keys=True,
        ensure_ascii=False,
    )


ACTIVATION_KEYS: Registry[Activation] = Registry("activation", activation_key)
"""Activations by value: class, parameters and formula strings."""

LOSS_KEYS: Registry[Loss] = Registry("loss", loss_key)
"""Losses by value: class, name and formula strings."""


def vec(base: str, K: int | None, example: int | None = None) -> list[Any]:
    """The symbols [a₁, …, a_K] of one vector, or [a] when K is None; of example i if given."""
    return (
        [sym(base, None, example)]
        if K is None
        else [sym(base, k, example) for k in range(1, K + 1)]
    )


def activation_values(act: Activation) -> dict[str, Any]:
    """Numeric parameters of an activation (``{"alpha": 0.01}``) from its config."""
    return {
        k: v
        for k, v in act.config().items()
        if k != "name" and isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def activation_output(act: Activation, zs: list[Any]) -> list[Any]:
    """a = g(z) for each unit, from the activation's formula string."""
    values = activation_values(act)
    if act.elementwise:
        g = formula_to_sympy(act.formula, values=values)
        z = sym("z")
        return [g.subs(z, zk) for zk in zs]
    K = len(zs)
    return [
        formula_to_sympy(act.formula, K=K, idx={"k": k}, values=values) for k in range(1, K + 1)
    ]


def derivative_matrix(act: Activation, K: int | None) -> list[list[Any]]:
    """The library's ∂aₖ/∂zⱼ in terms of a (elementwise: diagonal g′)."""
    sp = require_sympy()
    values = activation_values(act)
    if act.elementwise:
        gprime = formula_to_sympy(act.derivative_formula, values=values)
        a, z = sym("a"), sym("z")
        n = 1 if K is None else K
        comps_a = [a] if K is None else [sym("a", k) for k in range(1, n + 1)]
        comps_z = vec("z", K)
        return [
            [
                gprime.subs({a: comps_a[k], z: comps_z[k]}) if k == j else sp.Integer(0)
                for j in range(n)
            ]
            for k in range(n)
        ]
    assert K is not None
    return [
        [
            formula_to_sympy(act.derivative_formula, K=K, idx={"k": k, "j": j}, values=values)
            for j in range(1, K + 1)
        ]
        for k in range(1, K + 1)
    ]


def loss_expr(loss: Loss, K: int | None, example: int | None = None) -> Any:
    """L(a, y) for K units (Σ over units when the formula is per unit)."""
    sp = require_sympy()
    _, ast, bindings = parse_formula(loss.formula)
    values = {k: sp.Rational(v) for k, v in bindings.items()}
    if K is None:
        return evaluate(ast, Env(K=1, values=values, example=example, scalar=True))
    if has_sum(ast):
        return evaluate(ast, Env(K=K, values=values, example=example))
    return sp.Add(
        *[
            evaluate(ast, Env(K=K, default=k, values=values, example=example))
            for k in range(1, K + 1)
        ]
    )


def loss_dA(loss: Loss, K: int | None, k: int | None, example: int | None = None) -> Any:
    """The library's ∂L/∂aₖ (``Loss.dA_formula``) for unit k."""
    sp = require_sympy()
    _, ast, bindings = parse_formula(loss.dA_formula)
    values = {n: sp.Rational(v) for n, v in bindings.items()}
    idx = {"k": k} if k is not None else {}
    return evaluate(ast, Env(K=K, idx=idx, default=k, values=values, example=example))


def loss_units(loss: Loss) -> int | None:
    """Units used to derive a loss: 3 when its formula sums over units, else one scalar."""
    _, ast, _ = parse_formula(loss.formula)
    return 3 if has_sum(ast) or loss.canonical_activation == "softmax" else None
