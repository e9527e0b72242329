"""The syntax tree of a formula → a SymPy expression (the meaning of the formula language).

:func:`formula_to_sympy` parses a formula string and evaluates its right-hand
side: names become real SymPy symbols (:func:`sym`, which also records how each
symbol is displayed, ``a_2__1`` as ``a₂⁽¹⁾``), subscripted names and ``Σₖ`` are
unrolled over K units, ``σ``, ``relu``, ``max`` ... become SymPy functions and
``… if z > 0 else …`` a ``Piecewise``.  SymPy is imported when a function runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from chainrule.symbolic.formula.lexer import GREEK, SUBSCRIPT, FormulaSyntaxError
from chainrule.symbolic.formula.parser import Node, parse_formula
from chainrule.symbolic.lazy_sympy import require_sympy

__all__ = ["formula_to_sympy"]

PRETTY: dict[str, tuple[str, str]] = {}
"""SymPy symbol name -> (Unicode, LaTeX) display names, filled by :func:`sym`."""


def sym(base: str, comp: int | None = None, example: int | None = None, **assumptions: Any) -> Any:
    """A real SymPy symbol with an ASCII name and registered display names.

    ``base`` is ASCII (``"a"``, ``"alpha"``); ``comp`` the unit index k
    (1-based), ``example`` the example index i, shown as a⁽ⁱ⁾.
    """
    sp = require_sympy()
    name = (
        base
        + (f"_{comp}" if comp is not None else "")
        + (f"__{example}" if example is not None else "")
    )
    uni = {v: k for k, v in GREEK.items()}.get(base, base)
    tex = (
        "\\" + base
        if base in GREEK.values() and base != "ell"
        else ("\\ell" if base == "ell" else base)
    )
    if comp is not None:
        uni += "".join({v: k for k, v in SUBSCRIPT.items() if v.isdigit()}[d] for d in str(comp))
    if example is not None:
        uni += "⁽" + "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(d)] for d in str(example)) + "⁾"
    sub = f"_{{{comp}}}" if comp is not None else ""
    sup = f"^{{({example})}}" if example is not None else ""
    PRETTY[name] = (uni, tex + sub + sup)
    return sp.Symbol(name, real=True, **assumptions)


@dataclass
class Env:
    """How to evaluate names: vector length, bound indices, substitutions."""

    K: int | None = None
    idx: dict[str, int] = field(default_factory=dict)
    default: int | None = None
    vector: frozenset[str] = frozenset({"a", "y", "z"})
    values: dict[str, Any] = field(default_factory=dict)
    example: int | None = None
    scalar: bool = False


def evaluate(node: Node, env: Env) -> Any:
    """A syntax tree of :mod:`~chainrule.symbolic.formula.parser` as a SymPy expression."""
    sp = require_sympy()
    kind = node[0]
    if kind == "num":
        return sp.Rational(node[1])
    if kind == "E":
        return sp.E
    if kind == "name":
        base: str = GREEK.get(str(node[1]), str(node[1]))
        sub = node[2]
        if base in env.values:
            return env.values[base]
        comp: int | None
        if sub:
            if sub.isdigit():
                comp = int(sub)
            elif sub in env.idx:
                comp = env.idx[sub]
            else:
                raise FormulaSyntaxError(f"index {sub!r} of {node[1]}{sub} is not bound")
        elif base in env.vector and env.default is not None:
            comp = env.default
        else:
            comp = None
        if comp is not None and (env.K is None or env.scalar):
            comp = None
        return sym(base, comp, env.example)
    if kind == "add":
        return sp.Add(*[evaluate(t, env) for t in node[1]])
    if kind == "neg":
        return -evaluate(node[1], env)
    if kind == "mul":
        return sp.Mul(*[evaluate(t, env) for t in node[1]])
    if kind == "div":
        return evaluate(node[1], env) / evaluate(node[2], env)
    if kind == "pow":
        expo = evaluate(node[2], env)
        if node[1] == ("E",):
            return sp.exp(expo)
        return evaluate(node[1], env) ** expo
    if kind == "func":
        args = [evaluate(a, env) for a in node[2]]
        f = node[1]
        if f in ("σ", "sigmoid"):
            return 1 / (1 + sp.exp(-args[0]))
        table: dict[str, Callable[..., Any]] = {
            "log": sp.log,
            "exp": sp.exp,
            "tanh": sp.tanh,
            "max": sp.Max,
            "min": sp.Min,
            "relu": lambda x: sp.Max(0, x),
        }
        if f not in table:
            raise FormulaSyntaxError(f"function {f!r} cannot be evaluated symbolically")
        return table[f](*args)
    if kind == "sum":
        if env.K is None:
            raise FormulaSyntaxError("Σ over units needs a vector length K")
        terms = []
        for c in range(1, env.K + 1):
            terms.append(evaluate(node[2], replace(env, idx={**env.idx, node[1]: c})))
        return sp.Add(*terms)
    if kind == "delta":
        i, j = (env.idx[s] if s in env.idx else int(s) for s in node[1:])
        return sp.Integer(1 if i == j else 0)
    if kind == "cond":
        op, lhs, rhs = node[2]
        relation = {">": sp.Gt, "<": sp.Lt, "≥": sp.Ge, "≤": sp.Le}[op]
        rel = relation(evaluate(lhs, env), evaluate(rhs, env))
        return sp.Piecewise((evaluate(node[1], env), rel), (evaluate(node[3], env), True))
    raise AssertionError(f"unknown node {kind}")  # pragma: no cover


def formula_to_sympy(
    text: str,
    *,
    K: int | None = None,
    idx: dict[str, int] | None = None,
    default: int | None = None,
    values: dict[str, Any] | None = None,
) -> Any:
    """The right-hand side of a formula string as a SymPy expression.

    Parameters
    ----------
    text : str
        A formula string ``"lhs = rhs"``.
    K : int, optional
        Number of units for Σₖ and subscripted names (aₖ -> a_1 ... a_K).
    idx : dict, optional
        Values (1-based) of free index letters, e.g. ``{"k": 2}``.
    default : int, optional
        The unit that bare vector names (a, y, z) stand for.
    values : dict, optional
        Values of parameters (``{"alpha": 0.01}``); those written in the
        string (``α = 0.01``) take precedence.
    """
    _, ast, bindings = parse_formula(text)
    sp = require_sympy()
    vals = {k: sp.Rational(str(v)) for k, v in (values or {}).items()}
    vals.update({k: sp.Rational(v) for k, v in bindings.items()})
    return evaluate(ast, Env(K=K, idx=dict(idx or {}), default=default, values=vals))
