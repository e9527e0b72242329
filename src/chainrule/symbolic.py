r"""Symbolic proofs (SymPy) of every derivative chainrule uses.

chainrule writes each formula twice: once as NumPy code and once as a Unicode
string (``Activation.formula``, ``Activation.derivative_formula``,
``Loss.formula``, ``Loss.dA_formula``, ``Loss.fused_formula``) that
:mod:`chainrule.explain` prints and the docs show.  This module closes the loop:

1. it **parses the library's own formula strings** into SymPy (a small parser
   for the Unicode math they are written in: ``σ(z) = 1 / (1 + e^(−z))``,
   ``∂L/∂aₖ = −yₖ/aₖ``, ``½ Σₖ (aₖ − yₖ)²`` ...), so the printed math is what
   gets proven;
2. it **derives** each derivative from the forward formula with SymPy
   (``diff``) and shows that the difference to the library's closed form
   simplifies to 0 (for ReLU-type kinks: on each side of the kink, plus a
   check that the library's value at the kink is a subgradient);
3. it **evaluates** the SymPy derivative at random points and compares it with
   the library's NumPy code (``Activation.forward/derivative/backward``,
   softmax's Jacobian, ``Loss.per_example/dA``, ``backprop.output_delta``,
   ``backprop.linear_backward``, ``losses.cost``).

Every entry of :data:`chainrule.activations.ACTIVATIONS` and
:data:`chainrule.losses.LOSSES` is covered by :func:`all_derivations` (it
iterates the registries, so a new activation or loss cannot be forgotten), as
is every output pairing that :class:`~chainrule.network.Network` accepts:
dL/dz through the chain rule, equal to the fused ``a − y`` exactly for the
canonical pairs and provably *not* equal for the others.  The cost
J = (1/m) Σᵢ L⁽ⁱ⁾ gives ∂J/∂a⁽ⁱ⁾ = (1/m) ∂L/∂a⁽ⁱ⁾ (with a symbolic m, and
concretely for each loss with m = 3); the L2 term, the linear layer and the two
placements of 1/m are derived too.

SymPy is an optional dependency (``pip install chainrule[symbolic]``); it is
imported only when a derivation is requested, and the core never imports this
module.  Results are cached: each derivation is computed once per process.

>>> from chainrule import symbolic
>>> d = symbolic.derive_activation("sigmoid")      # doctest: +SKIP
>>> d.ok, d.claim                                   # doctest: +SKIP
(True, 'σ′(z) = a(1 − a)')
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from chainrule import backprop
from chainrule.activations import ACTIVATIONS, Activation, get_activation
from chainrule.losses import LOSSES, Loss, cost, get_loss

__all__ = [
    "INSTALL_HINT",
    "Derivation",
    "FormulaSyntaxError",
    "Step",
    "all_derivations",
    "allowed_pairings",
    "available",
    "derivations_for",
    "derive",
    "derive_activation",
    "derive_convention",
    "derive_cost",
    "derive_cost_general",
    "derive_l2",
    "derive_linear",
    "derive_loss",
    "derive_pairing",
    "formula_to_sympy",
    "parse_formula",
    "require_sympy",
    "unicode_to_latex",
]

INSTALL_HINT = "pip install chainrule[symbolic]"
"""How to install the optional SymPy dependency."""

N_POINTS = 64
"""Random points at which each derivation is compared with the NumPy code."""

RTOL = 1e-10
"""Tolerance of the numerical comparisons (relative to max(1, |value|))."""


# ---------------------------------------------------------------------------------------------
# SymPy, lazily
# ---------------------------------------------------------------------------------------------


def require_sympy() -> ModuleType:
    """Import and return SymPy, or raise ImportError with the install hint."""
    try:
        return importlib.import_module("sympy")
    except ImportError as exc:
        raise ImportError(
            f"chainrule.symbolic needs SymPy, an optional dependency: {INSTALL_HINT}"
        ) from exc


def available() -> bool:
    """Whether SymPy can be imported (the symbolic checks can run)."""
    try:
        require_sympy()
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# The Unicode math of the formula strings: tokens, LaTeX, SymPy
# ---------------------------------------------------------------------------------------------

_SUBSCRIPT = {
    **{chr(0x2080 + d): str(d) for d in range(10)},
    "ₖ": "k",
    "ⱼ": "j",
    "ᵢ": "i",
    "ₗ": "l",
    "ₘ": "m",
    "ₙ": "n",
    "ₓ": "x",
}
_SUPERSCRIPT = {
    "²": "2",
    "³": "3",
    "¹": "1",
    "⁰": "0",
    "ⁱ": "i",
    "ʲ": "j",
    "ⁿ": "n",
    "ᵐ": "m",
    "ˡ": "l",
    "⁽": "(",
    "⁾": ")",
    "⁻": "-",
    "ᵀ": r"\top",
}
_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "θ": "theta",
    "λ": "lambda",
    "μ": "mu",
    "σ": "sigma",
    "Σ": "Sigma",
    "ℓ": "ell",
}
_FUNCTIONS = ("leaky_relu", "softmax", "sigmoid", "relu", "tanh", "log", "exp", "max", "min")
_WORDS = (*_FUNCTIONS, "if", "else")


class FormulaSyntaxError(ValueError):
    """A formula string that the Unicode-math parser cannot read."""


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, name, op, word, sum, delta, sup
    text: str
    sub: str = ""


def _tokenize(s: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
            continue
        if c in "0123456789" or (c == "." and i + 1 < n and s[i + 1] in "0123456789"):
            m = re.match(r"\d*\.?\d+(?:[eE][-+]?\d+)?", s[i:])
            assert m is not None
            toks.append(_Tok("num", m.group()))
            i += m.end()
            continue
        if c == "½":
            toks.append(_Tok("num", "1/2"))
            i += 1
            continue
        if c in "²³":
            toks.append(_Tok("sup", _SUPERSCRIPT[c]))
            i += 1
            continue
        if c in _SUBSCRIPT:
            raise FormulaSyntaxError(f"stray subscript {c!r} at position {i} in {s!r}")
        if c.isalpha() or c in _GREEK:
            word = next(
                (
                    w
                    for w in _WORDS
                    if s.startswith(w, i) and not s[i + len(w) : i + len(w) + 1].isalpha()
                ),
                None,
            )
            text = word if word is not None else c
            i += len(text)
            sub = ""
            while i < n and s[i] in _SUBSCRIPT:
                sub += _SUBSCRIPT[s[i]]
                i += 1
            if text in ("if", "else"):
                toks.append(_Tok("word", text))
            elif text == "Σ":
                if not sub:
                    raise FormulaSyntaxError(f"Σ needs an index subscript (Σₖ) in {s!r}")
                toks.append(_Tok("sum", text, sub))
            elif text == "δ" and len(sub) == 2:
                toks.append(_Tok("delta", text, sub))
            else:
                toks.append(_Tok("name", text, sub))
            continue
        if c in "+−-*·×/^()[],><≥≤":
            toks.append(_Tok("op", "-" if c == "−" else c))
            i += 1
            continue
        raise FormulaSyntaxError(f"unexpected character {c!r} at position {i} in {s!r}")
    return toks


# AST: nested tuples, evaluated to SymPy by _Eval.
Node = tuple[Any, ...]


class _Parser:
    """Recursive descent over the tokens of one right-hand side."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def is_op(self, *ops: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "op" and t.text in ops

    def take(self) -> _Tok:
        t = self.peek()
        if t is None:
            raise FormulaSyntaxError(f"unexpected end of formula {self.text!r}")
        self.i += 1
        return t

    def expect(self, op: str) -> None:
        t = self.take()
        if t.kind != "op" or t.text != op:
            raise FormulaSyntaxError(f"expected {op!r}, found {t.text!r} in {self.text!r}")

    def parse(self) -> Node:
        node = self.cond()
        if self.peek() is not None:
            raise FormulaSyntaxError(f"unexpected {self.peek().text!r} in {self.text!r}")  # type: ignore[union-attr]
        return node

    def cond(self) -> Node:
        then = self.sum()
        t = self.peek()
        if t is not None and t.kind == "word" and t.text == "if":
            self.take()
            lhs = self.sum()
            op = self.take()
            if op.kind != "op" or op.text not in "><≥≤":
                raise FormulaSyntaxError(f"expected a comparison after 'if' in {self.text!r}")
            rhs = self.sum()
            t = self.take()
            if t.kind != "word" or t.text != "else":
                raise FormulaSyntaxError(f"expected 'else' in {self.text!r}")
            return ("cond", then, (op.text, lhs, rhs), self.cond())
        return then

    def sum(self) -> Node:
        terms = [self.term()]
        while self.is_op("+", "-"):
            sign = self.take().text
            t = self.term()
            terms.append(t if sign == "+" else ("neg", t))
        return terms[0] if len(terms) == 1 else ("add", terms)

    def starts_atom(self) -> bool:
        t = self.peek()
        if t is None:
            return False
        if t.kind in ("num", "name", "delta", "sum"):
            return True
        return t.kind == "op" and t.text in "(["

    def term(self) -> Node:
        node = self.unary()
        while True:
            if self.is_op("*", "·", "×"):
                self.take()
                node = ("mul", [node, self.unary()])
            elif self.is_op("/"):
                self.take()
                node = ("div", node, self.unary())
            elif self.starts_atom():
                node = ("mul", [node, self.unary()])
            else:
                return node

    def unary(self) -> Node:
        if self.is_op("-"):
            self.take()
            return ("neg", self.unary())
        if self.is_op("+"):
            self.take()
            return self.unary()
        t = self.peek()
        if t is not None and t.kind == "sum":
            self.take()
            return ("sum", t.sub, self.term())
        return self.power()

    def power(self) -> Node:
        node = self.atom()
        while True:
            t = self.peek()
            if t is not None and t.kind == "sup":
                self.take()
                node = ("pow", node, ("num", t.text))
            elif self.is_op("^"):
                self.take()
                if self.is_op("-"):
                    self.take()
                    node = ("pow", node, ("neg", self.atom()))
                else:
                    node = ("pow", node, self.atom())
            else:
                return node

    def atom(self) -> Node:
        t = self.take()
        if t.kind == "num":
            return ("num", t.text)
        if t.kind == "delta":
            return ("delta", t.sub[0], t.sub[1])
        if t.kind == "name":
            if t.text in _FUNCTIONS or t.text == "σ":
                if self.is_op("("):
                    self.take()
                    args = [self.cond()]
                    while self.is_op(","):
                        self.take()
                        args.append(self.cond())
                    self.expect(")")
                else:
                    args = [self.power()]
                return ("func", t.text, args)
            if t.text == "e" and not t.sub:
                return ("E",)
            return ("name", t.text, t.sub)
        if t.kind == "op" and t.text in "([":
            node = self.cond()
            self.expect(")" if t.text == "(" else "]")
            return node
        raise FormulaSyntaxError(f"unexpected {t.text!r} in {self.text!r}")


def _free_indices(node: Node, bound: frozenset[str] = frozenset()) -> set[str]:
    """Index letters used in ``node`` and not bound by a Σ."""
    kind = node[0]
    if kind == "name":
        sub = node[2]
        return {sub} if sub and not sub.isdigit() and sub not in bound else set()
    if kind == "delta":
        return {s for s in node[1:] if s not in bound}
    if kind == "sum":
        return _free_indices(node[2], bound | {node[1]})
    out: set[str] = set()
    for child in node[1:]:
        if isinstance(child, tuple) and child and isinstance(child[0], str):
            out |= _free_indices(child, bound)
        elif isinstance(child, list):
            for c in child:
                out |= _free_indices(c, bound)
    return out


def _has_sum(node: Node) -> bool:
    if node[0] == "sum":
        return True
    for child in node[1:]:
        if isinstance(child, tuple) and child and isinstance(child[0], str) and _has_sum(child):
            return True
        if isinstance(child, list) and any(_has_sum(c) for c in child):
            return True
    return False


_PRETTY: dict[str, tuple[str, str]] = {}
"""SymPy symbol name -> (Unicode, LaTeX) display names."""


def _sym(base: str, comp: int | None = None, example: int | None = None, **assumptions: Any) -> Any:
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
    uni = {v: k for k, v in _GREEK.items()}.get(base, base)
    tex = (
        "\\" + base
        if base in _GREEK.values() and base != "ell"
        else ("\\ell" if base == "ell" else base)
    )
    if comp is not None:
        uni += "".join({v: k for k, v in _SUBSCRIPT.items() if v.isdigit()}[d] for d in str(comp))
    if example is not None:
        uni += "⁽" + "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(d)] for d in str(example)) + "⁾"
    sub = f"_{{{comp}}}" if comp is not None else ""
    sup = f"^{{({example})}}" if example is not None else ""
    _PRETTY[name] = (uni, tex + sub + sup)
    return sp.Symbol(name, real=True, **assumptions)


@dataclass
class _Env:
    """How to evaluate names: vector length, bound indices, substitutions."""

    K: int | None = None
    idx: dict[str, int] = field(default_factory=dict)
    default: int | None = None
    vector: frozenset[str] = frozenset({"a", "y", "z"})
    values: dict[str, Any] = field(default_factory=dict)
    example: int | None = None
    scalar: bool = False


def _eval(node: Node, env: _Env) -> Any:
    sp = require_sympy()
    kind = node[0]
    if kind == "num":
        return sp.Rational(node[1])
    if kind == "E":
        return sp.E
    if kind == "name":
        base: str = _GREEK.get(str(node[1]), str(node[1]))
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
        return _sym(base, comp, env.example)
    if kind == "add":
        return sp.Add(*[_eval(t, env) for t in node[1]])
    if kind == "neg":
        return -_eval(node[1], env)
    if kind == "mul":
        return sp.Mul(*[_eval(t, env) for t in node[1]])
    if kind == "div":
        return _eval(node[1], env) / _eval(node[2], env)
    if kind == "pow":
        expo = _eval(node[2], env)
        if node[1] == ("E",):
            return sp.exp(expo)
        return _eval(node[1], env) ** expo
    if kind == "func":
        args = [_eval(a, env) for a in node[2]]
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
            inner = _Env(
                env.K,
                {**env.idx, node[1]: c},
                env.default,
                env.vector,
                env.values,
                env.example,
                env.scalar,
            )
            terms.append(_eval(node[2], inner))
        return sp.Add(*terms)
    if kind == "delta":
        i, j = (env.idx[s] if s in env.idx else int(s) for s in node[1:])
        return sp.Integer(1 if i == j else 0)
    if kind == "cond":
        op, lhs, rhs = node[2]
        rel = {">": sp.Gt, "<": sp.Lt, "≥": sp.Ge, "≤": sp.Le}[op](_eval(lhs, env), _eval(rhs, env))
        return sp.Piecewise((_eval(node[1], env), rel), (_eval(node[3], env), True))
    raise AssertionError(f"unknown node {kind}")  # pragma: no cover


_BINDING = re.compile(r"^(.*),\s*(\S+)\s*=\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*$")


def _split_formula(text: str) -> tuple[str, str, dict[str, str]]:
    """``"lhs = rhs, α = 0.01"`` -> (lhs, rhs, {"alpha": "0.01"})."""
    if " = " not in text:
        raise FormulaSyntaxError(f"formula {text!r} has no ' = '")
    lhs, rhs = text.split(" = ", 1)
    bindings: dict[str, str] = {}
    while (m := _BINDING.match(rhs)) is not None:
        rhs = m.group(1)
        bindings[_GREEK.get(m.group(2), m.group(2))] = m.group(3)
    return lhs.strip(), rhs.strip(), bindings


def parse_formula(text: str) -> tuple[str, Node, dict[str, str]]:
    """Parse a library formula string ``"lhs = rhs[, α = v]"``.

    Parameters
    ----------
    text : str
        E.g. ``Sigmoid.formula`` (``"σ(z) = 1 / (1 + e^(−z))"``).

    Returns
    -------
    lhs : str
        The left-hand side, as written.
    ast : tuple
        The right-hand side as a small syntax tree (evaluate with SymPy via
        :func:`formula_to_sympy`).
    bindings : dict
        Parameter values written after the formula (``α = 0.01``).

    Raises
    ------
    FormulaSyntaxError
        If the string is not in the supported Unicode math.
    """
    lhs, rhs, bindings = _split_formula(text)
    return lhs, _Parser(rhs).parse(), bindings


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
    return _eval(ast, _Env(K=K, idx=dict(idx or {}), default=default, values=vals))


# -- LaTeX from the Unicode strings (no SymPy needed) ------------------------------------------

_LATEX_CHARS = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ε": r"\varepsilon",
    "θ": r"\theta",
    "λ": r"\lambda",
    "μ": r"\mu",
    "σ": r"\sigma",
    "ℓ": r"\ell",
    "Σ": r"\sum",
    "∂": r"\partial",
    "⊙": r"\odot",
    "·": r"\cdot",
    "×": r"\times",
    "−": "-",
    "→": r"\to",
    "←": r"\leftarrow",
    "‖": r"\Vert",
    "≈": r"\approx",
    "≥": r"\geq",
    "≤": r"\leq",
    "≠": r"\neq",
    "∈": r"\in",
    "½": r"\tfrac{1}{2}",
    "…": r"\dots",
    "√": r"\sqrt",
    "∞": r"\infty",
    "≡": r"\equiv",
    "%": r"\%",
    "⇒": r"\Rightarrow",
    "⇔": r"\Leftrightarrow",
    "✓": r"\checkmark",
    "g̃": r"\tilde g",
}
_LATEX_OPERATORS = {
    "leaky_relu",
    "keep_prob",
    "log_softmax",
    "squared_error",
    "binary_crossentropy",
    "categorical_crossentropy",
}
_LATEX_FUNCS = {"log": r"\log", "exp": r"\exp", "max": r"\max", "min": r"\min", "tanh": r"\tanh"}


def unicode_to_latex(s: str) -> str:
    """Convert the library's Unicode math (``"σ′(z) = a(1 − a)"``) to LaTeX.

    Handles Greek letters, ``−``, ``⊙``, ``·``, subscripts (``aₖ`` -> ``a_{k}``),
    superscripts (``²``, ``ᵀ``, ``⁽ⁱ⁾``), the course's layer index
    (``W[l]`` -> ``W^{[l]}``), ``e^(…)`` -> ``e^{…}``, ``Σₖ`` -> ``\\sum_{k}``,
    and ``if``/``else``.  The result is plain ASCII.

    Parameters
    ----------
    s : str

    Returns
    -------
    str
    """
    # tokens: [text, sups, subs]; scripts attach to the previous token
    out: list[list[Any]] = []
    i, n = 0, len(s)

    def attach(kind: int, text: str) -> None:
        if not out or out[-1][0] == " ":
            out.append(["{}", [], []])
        out[-1][kind].append(text)

    while i < n:
        c = s[i]
        if c == "^" and i + 1 < n:
            if s[i + 1] == "(":
                depth, j = 0, i + 1
                while j < n:
                    depth += {"(": 1, ")": -1}.get(s[j], 0)
                    if depth == 0:
                        break
                    j += 1
                attach(1, unicode_to_latex(s[i + 2 : j]))
                i = j + 1
            else:
                m = re.match(r"[−-]?[\w.]+", s[i + 1 :])
                token = m.group() if m else s[i + 1]
                attach(1, unicode_to_latex(token))
                i += 1 + len(token)
            continue
        if c == "[" and out and out[-1][0] != " " and (m := re.match(r"\[([^\[\]\s]+)\]", s[i:])):
            attach(1, "[" + unicode_to_latex(m.group(1)) + "]")
            i += m.end()
            continue
        if c in _SUBSCRIPT:
            attach(2, _SUBSCRIPT[c])
            i += 1
            continue
        if c in _SUPERSCRIPT:
            attach(1, _SUPERSCRIPT[c])
            i += 1
            continue
        if c == "′":
            if out:
                out[-1][0] += "'"
            i += 1
            continue
        if c == "_" and i + 1 < n and s[i + 1].isalnum() and out and out[-1][0] != " ":
            attach(2, s[i + 1])
            i += 2
            continue
        if c.isascii() and (c.isalpha() or c == "_"):
            m = re.match(r"[A-Za-z_]+", s[i:])
            assert m is not None
            word = m.group()
            if "_" in word.strip("_") and word not in _LATEX_OPERATORS:
                base, sub = word.split("_", 1)
                text = (
                    (base if len(base) <= 2 else r"\operatorname{" + base + "}")
                    + "_{"
                    + sub.replace("_", r"\_")
                    + "}"
                )
                out.append([text, [], []])
                i += m.end()
                continue
            if word in _LATEX_FUNCS:
                text = _LATEX_FUNCS[word] + " "
            elif word in ("if", "else", "for", "and", "or", "not"):
                text = rf"\ \text{{{word}}}\ "
            elif len(word) <= 2:
                text = word
            else:
                text = r"\operatorname{" + word.replace("_", r"\_") + "}"
            out.append([text, [], []])
            i += m.end()
            continue
        if c == " ":
            if out and out[-1][0] != " ":
                out.append([" ", [], []])
            i += 1
            continue
        if c in _LATEX_CHARS:
            text = _LATEX_CHARS[c]
            if text[-1].isalpha() and text.startswith("\\"):
                text += " "
            out.append([text, [], []])
            i += 1
            continue
        if not c.isascii():
            raise ValueError(f"cannot convert {c!r} in {s!r} to LaTeX")
        out.append([c, [], []])
        i += 1
    parts = []
    for text, sups, subs in out:
        piece = text.rstrip() if (sups or subs) and text.endswith(" ") else text
        if subs:
            piece += "_{" + "".join(subs) + "}"
        if sups:
            piece += "^{" + "".join(sups) + "}"
        if (sups or subs) and text.endswith(" "):
            piece += " "
        parts.append(piece)
    latex = "".join(parts)
    latex = re.sub(r" {2,}", " ", latex).strip()
    return latex


# -- printing SymPy expressions --------------------------------------------------------------


def _unicode(expr: Any) -> str:
    """One-line Unicode rendering of a SymPy expression (−, ·, ², e^(…), aₖ, a⁽ⁱ⁾)."""
    sp = require_sympy()
    from sympy.printing.str import StrPrinter

    class _Printer(StrPrinter):
        def _print_Symbol(self, e: Any) -> str:
            return _PRETTY.get(e.name, (e.name, e.name))[0]

        def _print_exp(self, e: Any) -> str:
            arg = self._print(e.args[0])
            return f"e^{arg}" if e.args[0].is_Symbol else f"e^({arg})"

        def _print_Heaviside(self, e: Any) -> str:
            return f"H({self._print(e.args[0])})"

        def _print_Piecewise(self, e: Any) -> str:
            parts = []
            for value, cond in e.args:
                if cond is sp.true:
                    parts.append(self._print(value))
                else:
                    parts.append(f"{self._print(value)} if {self._print(cond)} else ")
            return "(" + "".join(parts) + ")"

        def _print_Pow(self, e: Any, rational: bool = False) -> str:
            base, expo = e.args
            sups = {2: "²", 3: "³"}
            if expo.is_Integer and int(expo) in sups:
                b = self._print(base)
                if not (base.is_Symbol or base.is_Function):
                    b = f"({b})"
                return b + sups[int(expo)]
            return str(super()._print_Pow(e, rational))

        def _print_Derivative(self, e: Any) -> str:
            var = self._print(e.variables[0])
            return f"∂{self._print(e.expr)}/∂{var}"

        def _print_Function(self, e: Any) -> str:
            name = {"ell": "L"}.get(type(e).__name__, type(e).__name__)
            return f"{name}({', '.join(self._print(a) for a in e.args)})"

    text = _Printer().doprint(expr)
    text = text.replace("**", "^").replace("*", "·").replace("-", "−")
    text = text.replace("log(", "log(")
    return text


def _display(expr: Any, limit: int = 160) -> Any:
    """The shorter of ``expr`` and ``simplify(expr)``, for printing."""
    sp = require_sympy()
    if expr.count_ops() > 60:
        return expr
    simple = sp.simplify(expr)
    new_functions = {type(f) for f in simple.atoms(sp.Function)} - {
        type(f) for f in expr.atoms(sp.Function)
    }
    if new_functions:  # e.g. 1/(4 cosh²(z/2)) for σ′: correct, but not what the course writes
        return expr
    return simple if len(str(simple)) < len(str(expr)) else expr


def _latex(expr: Any) -> str:
    sp = require_sympy()
    names = {s: _PRETTY[s.name][1] for s in expr.free_symbols if s.name in _PRETTY}
    # SymPy writes the Heaviside step as θ; the text form (and most books) say H
    return str(sp.latex(expr, symbol_names=names)).replace(r"\theta\left(", r"H\left(")


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of a derivation, in Unicode and in LaTeX."""

    label: str
    unicode: str
    latex: str


@dataclass(frozen=True)
class Derivation:
    """A derivative derived with SymPy and compared with the library.

    Attributes
    ----------
    key : str
        ``"activation:sigmoid"``, ``"loss:binary_crossentropy"``,
        ``"pairing:binary_crossentropy+sigmoid"``, ``"cost:squared_error"``,
        ``"cost"``, ``"l2"``, ``"linear"``, ``"convention"``.
    title : str
        One line saying what is shown.
    claim : str
        The library's closed form (its formula string, Unicode).
    steps : tuple of Step
        The derivation, line by line.
    symbolic_ok : bool
        The SymPy-derived form minus the library's simplifies to 0.
    numeric_ok : bool
        The library's NumPy code matches the SymPy form at random points.
    numeric_error : float
        Largest relative error seen in the numerical comparison.
    n_points : int
        How many random points were compared.
    notes : tuple of str
        Remarks (kinks, constraints such as Σₖ yₖ = 1).
    canonical : bool or None
        Pairings only: whether chainrule treats the pair as canonical.
    fused_holds : bool or None
        Pairings only: whether dL/dz = a − y (proven symbolically when it
        holds, by a numerical counterexample when it does not).
    """

    key: str
    title: str
    claim: str
    steps: tuple[Step, ...]
    symbolic_ok: bool
    numeric_ok: bool
    numeric_error: float
    n_points: int
    notes: tuple[str, ...] = ()
    canonical: bool | None = None
    fused_holds: bool | None = None
    verdict: str = ""

    @property
    def ok(self) -> bool:
        """Everything agrees (for pairings: also canonical ⇔ fused form holds)."""
        agree = self.fused_holds == self.canonical if self.canonical is not None else True
        return self.symbolic_ok and self.numeric_ok and agree

    def summary(self, *, numbers: bool = True) -> str:
        """One-line verdict, e.g. ``"✓ sigmoid: σ′(z) = a(1 − a)"``."""
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.title}" + (f" ({self.verdict})" if self.verdict else "")

    def _check_lines(self, numbers: bool) -> list[str]:
        sym = "holds" if self.symbolic_ok else "FAILS"
        if self.n_points == 0:
            return [f"symbolic: {sym}", "numeric: see the per-loss cost derivations"]
        num = (
            f"agrees at {self.n_points} random points"
            + (f" (max rel. error {self.numeric_error:.1e})" if numbers else "")
            if self.numeric_ok
            else f"DISAGREES at random points (max rel. error {self.numeric_error:.1e})"
        )
        return [f"symbolic: {sym}", f"numeric (library NumPy code): {num}"]

    def to_text(self, *, numbers: bool = True) -> str:
        """The derivation as indented Unicode text."""
        lines = [self.summary()]
        width = max([len(s.label) for s in self.steps] + [8])
        for s in self.steps:
            lines.append(f"    {s.label:<{width}}  {s.unicode}")
        for note in self.notes:
            lines.append(f"    note: {note}")
        for c in self._check_lines(numbers):
            lines.append(f"    {c}")
        return "\n".join(lines)

    def to_markdown(self, *, numbers: bool = True, heading: str = "####") -> str:
        """The derivation as Markdown with LaTeX math."""
        mark = "✓" if self.ok else "✗"
        verdict = f" ({self.verdict})" if self.verdict else ""
        lines = [f"{heading} {mark} {_md_inline(self.title)}{verdict}", ""]
        for s in self.steps:
            lines.append(f"- {s.label}: ${s.latex}$")
        for note in self.notes:
            lines.append(f"- note: {note}")
        for c in self._check_lines(numbers):
            lines.append(f"- {c}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return f"Derivation({self.key!r}, ok={self.ok})"


def _md_inline(text: str) -> str:
    """Prose with embedded Unicode math: formulas after ': ' become LaTeX."""
    if ": " in text:
        head, tail = text.split(": ", 1)
        try:
            return f"{head}: ${unicode_to_latex(tail)}$"
        except ValueError:
            return text
    return text


# ---------------------------------------------------------------------------------------------
# Helpers shared by the derivations
# ---------------------------------------------------------------------------------------------


def _is_zero(expr: Any, exp_vars: Iterable[Any] = ()) -> bool:
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


def _mat_zero(M: Any) -> bool:
    """Every entry of a SymPy matrix expands to 0."""
    sp = require_sympy()
    return all(sp.expand(e) == 0 for e in M)


def _nonsmooth(expr: Any) -> bool:
    sp = require_sympy()
    return bool(expr.has(sp.Max, sp.Min, sp.Piecewise, sp.Heaviside, sp.Abs))


def _is_zero_piecewise(expr: Any, zs: Sequence[Any]) -> bool:
    """expr == 0 on every open orthant of ``zs`` (both sides of each kink)."""
    sp = require_sympy()
    ps = [sp.Symbol(f"_p{k}", positive=True) for k in range(len(zs))]
    for signs in itertools.product((1, -1), repeat=len(zs)):
        e = expr.subs({z: s * p for z, s, p in zip(zs, signs, ps, strict=True)})
        # exponentials of ±p: substitute p = log(u) as well
        if not _is_zero(e, ()) and not _is_zero(e, ps):
            return False
    return True


def _lambdify(args: Sequence[Any], expr: Any) -> Callable[..., Any]:
    sp = require_sympy()
    f = sp.lambdify(list(args), expr, modules="numpy")

    def call(*vals: Any) -> Any:
        out = f(*vals)
        return np.broadcast_to(np.asarray(out, dtype=np.float64), np.shape(vals[0]))

    return call


def _rel_error(got: Any, want: Any) -> float:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return float("inf")
    if not (np.isfinite(got).all() and np.isfinite(want).all()):
        return float("inf")
    return float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)), initial=0.0))


def _zs(K: int | None) -> list[Any]:
    return [_sym("z")] if K is None else [_sym("z", k) for k in range(1, K + 1)]


def _lhs_name(formula: str) -> str:
    """``"σ′(z) = a(1 − a)"`` -> ``"σ′"``; ``"softmax(z)ₖ = …"`` -> ``"softmax"``."""
    lhs = formula.split(" = ", 1)[0]
    return lhs.split("(", 1)[0]


def _act_key(act: Activation) -> str:
    return json.dumps(
        [
            type(act).__module__,
            type(act).__qualname__,
            act.config(),
            act.formula,
            act.derivative_formula,
        ],
        sort_keys=True,
        default=str,
    )


def _loss_key(loss: Loss) -> str:
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
    )


_ACT_BY_KEY: dict[str, Activation] = {}
_LOSS_BY_KEY: dict[str, Loss] = {}


def _act_values(act: Activation) -> dict[str, Any]:
    """Numeric parameters of an activation (``{"alpha": 0.01}``) from its config."""
    return {
        k: v
        for k, v in act.config().items()
        if k != "name" and isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def _act_output(act: Activation, zs: list[Any]) -> list[Any]:
    """a = g(z) for each unit, from the activation's formula string."""
    values = _act_values(act)
    if act.elementwise:
        g = formula_to_sympy(act.formula, values=values)
        z = _sym("z")
        return [g.subs(z, zk) for zk in zs]
    K = len(zs)
    return [
        formula_to_sympy(act.formula, K=K, idx={"k": k}, values=values) for k in range(1, K + 1)
    ]


def _derivative_matrix(act: Activation, K: int | None) -> list[list[Any]]:
    """The library's ∂aₖ/∂zⱼ in terms of a (elementwise: diagonal g′)."""
    sp = require_sympy()
    values = _act_values(act)
    if act.elementwise:
        gprime = formula_to_sympy(act.derivative_formula, values=values)
        a, z = _sym("a"), _sym("z")
        n = 1 if K is None else K
        comps_a = [a] if K is None else [_sym("a", k) for k in range(1, n + 1)]
        comps_z = _zs(K)
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


def _loss_expr(loss: Loss, K: int | None, example: int | None = None) -> Any:
    """L(a, y) for K units (Σ over units when the formula is per unit)."""
    sp = require_sympy()
    _, ast, bindings = parse_formula(loss.formula)
    values = {k: sp.Rational(v) for k, v in bindings.items()}
    if K is None:
        return _eval(ast, _Env(K=1, values=values, example=example, scalar=True))
    if _has_sum(ast):
        return _eval(ast, _Env(K=K, values=values, example=example))
    return sp.Add(
        *[_eval(ast, _Env(K=K, default=k, values=values, example=example)) for k in range(1, K + 1)]
    )


def _loss_dA(loss: Loss, K: int | None, k: int | None, example: int | None = None) -> Any:
    """The library's ∂L/∂aₖ (``Loss.dA_formula``) for unit k."""
    sp = require_sympy()
    _, ast, bindings = parse_formula(loss.dA_formula)
    values = {n: sp.Rational(v) for n, v in bindings.items()}
    idx = {"k": k} if k is not None else {}
    return _eval(ast, _Env(K=K, idx=idx, default=k, values=values, example=example))


def _vec(base: str, K: int | None, example: int | None = None) -> list[Any]:
    return (
        [_sym(base, None, example)]
        if K is None
        else [_sym(base, k, example) for k in range(1, K + 1)]
    )


def _random_targets(loss: Loss, K: int, n: int, rng: np.random.Generator) -> np.ndarray:
    if loss.name == "categorical_crossentropy":
        return rng.dirichlet(np.ones(K), size=n).T
    if loss.name == "binary_crossentropy":
        return rng.uniform(0.0, 1.0, size=(K, n))
    return rng.standard_normal((K, n))


def _loss_K(loss: Loss) -> int | None:
    """Units used to derive a loss: 3 when its formula sums over units, else one scalar."""
    _, ast, _ = parse_formula(loss.formula)
    return 3 if _has_sum(ast) or loss.canonical_activation == "softmax" else None


# ---------------------------------------------------------------------------------------------
# Derivations
# ---------------------------------------------------------------------------------------------


def derive_activation(activation: str | Activation) -> Derivation:
    """Derive g′ from ``Activation.formula`` and compare with the library.

    Elementwise activations: d/dz of the forward formula against
    ``derivative_formula`` (with a = g(z)); for kinks (ReLU, leaky ReLU) on
    both sides, and the library's value at z = 0 must lie between the one-sided
    derivatives.  Softmax: the 3 × 3 Jacobian ∂aₖ/∂zⱼ.  Numerically against
    ``forward``, ``derivative`` and ``backward``.

    Parameters
    ----------
    activation : str or Activation

    Returns
    -------
    Derivation
    """
    act = get_activation(activation)
    key = _act_key(act)
    _ACT_BY_KEY[key] = act
    return _derive_activation_cached(key)


@functools.cache
def _derive_activation_cached(key: str) -> Derivation:
    act = _ACT_BY_KEY[key]
    return _derive_elementwise(act) if act.elementwise else _derive_softmax_like(act)


def _derive_elementwise(act: Activation) -> Derivation:
    sp = require_sympy()
    z, a = _sym("z"), _sym("a")
    values = _act_values(act)
    g = formula_to_sympy(act.formula, values=values)
    derived = sp.diff(g, z)
    lib_in_a = formula_to_sympy(act.derivative_formula, values=values)
    library = lib_in_a.subs(a, g)
    diff = derived - library
    notes: list[str] = []
    kinked = _nonsmooth(g) or _nonsmooth(library)
    name = _lhs_name(act.derivative_formula)
    if kinked:
        symbolic_ok = _is_zero_piecewise(diff, [z])
        p = sp.Symbol("_p", positive=True)
        left = sp.limit(derived.subs(z, -p), p, 0, "+")
        right = sp.limit(derived.subs(z, p), p, 0, "+")
        at0 = library.subs(z, 0)
        sub_ok = bool(sp.Min(left, right) <= at0) and bool(at0 <= sp.Max(left, right))
        symbolic_ok = symbolic_ok and sub_ok
        notes.append(
            f"not differentiable at z = 0 (left derivative {_unicode(left)}, "
            f"right {_unicode(right)}); "
            f"the library uses {name}(0) = {_unicode(at0)}, "
            + ("a subgradient" if sub_ok else "NOT between them")
        )
        check = "equal for z > 0 and for z < 0"
    else:
        symbolic_ok = _is_zero(diff, [z])
        check = "simplify(SymPy − library) = 0"
    # numbers
    rng = np.random.default_rng(0)
    Z = rng.normal(0.0, 3.0, size=(1, N_POINTS))
    if kinked:
        Z[np.abs(Z) < 1e-3] = 0.5
    Zc = Z.copy()
    A = act.forward(Zc)
    fg, fd = _lambdify([z], g), _lambdify([z], derived)
    dA = rng.standard_normal(Z.shape)
    err = max(
        _rel_error(A, fg(Z)),
        _rel_error(act.derivative(Z, A), fd(Z)),
        _rel_error(act.backward(dA.copy(), Z, A), dA * fd(Z)),
    )
    shown = _display(derived)
    steps = (
        Step("forward", act.formula, unicode_to_latex(act.formula)),
        Step("SymPy d/dz", _unicode(shown), _latex(shown)),
        Step("library", act.derivative_formula, unicode_to_latex(act.derivative_formula)),
        Step(f"with a = {_lhs_name(act.formula)}(z)", _unicode(library), _latex(library)),
        Step("check", check, unicode_to_latex(check) if not kinked else r"\text{" + check + "}"),
    )
    return Derivation(
        key=f"activation:{act.name}",
        title=f"{act.name}: {act.derivative_formula}",
        claim=act.derivative_formula,
        steps=steps,
        symbolic_ok=symbolic_ok,
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=N_POINTS,
        notes=tuple(notes),
    )


def _derive_softmax_like(act: Activation) -> Derivation:
    sp = require_sympy()
    K = 3
    zs = _zs(K)
    outs = _act_output(act, zs)
    derived = sp.Matrix(K, K, lambda k, j: sp.diff(outs[k], zs[j]))
    lib = sp.Matrix(_derivative_matrix(act, K))
    a_sub = {_sym("a", k + 1): outs[k] for k in range(K)}
    library = lib.subs(a_sub)
    symbolic_ok = all(
        _is_zero(derived[k, j] - library[k, j], zs) for k in range(K) for j in range(K)
    )
    # numbers: Jacobian from backward() with unit vectors, and forward()
    rng = np.random.default_rng(0)
    err = 0.0
    fJ = [[_lambdify(zs, derived[k, j]) for j in range(K)] for k in range(K)]
    fA = [_lambdify(zs, outs[k]) for k in range(K)]
    for _ in range(N_POINTS // 8):
        zv = rng.normal(0.0, 3.0, size=K)
        Zm = np.tile(zv[:, None], (1, K))
        A = act.forward(Zm.copy())
        dZ = act.backward(np.eye(K), Zm, A)  # column j = Jᵀ e_j
        want = np.array([[float(fJ[k][j](*zv)) for j in range(K)] for k in range(K)])
        err = max(err, _rel_error(dZ.T, want), _rel_error(A[:, 0], [float(f(*zv)) for f in fA]))
    n_pts = N_POINTS // 8
    e00 = derived[0, 0]
    e01 = derived[0, 1]
    steps = (
        Step("forward", act.formula, unicode_to_latex(act.formula)),
        Step("SymPy ∂a₁/∂z₁", _unicode(e00), _latex(e00)),
        Step("SymPy ∂a₁/∂z₂", _unicode(e01), _latex(e01)),
        Step("library", act.derivative_formula, unicode_to_latex(act.derivative_formula)),
        Step(
            "check",
            "all 3 × 3 entries: simplify(SymPy − library) = 0",
            r"\text{all } 3 \times 3 \text{ entries: } "
            r"\operatorname{simplify}(\text{SymPy} - \text{library}) = 0",
        ),
    )
    return Derivation(
        key=f"activation:{act.name}",
        title=f"{act.name}: {act.derivative_formula}",
        claim=act.derivative_formula,
        steps=steps,
        symbolic_ok=symbolic_ok,
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=n_pts,
        notes=(
            "Jacobian diag(a) − aaᵀ, checked for 3 units; backward() applies it column by column",
        ),
    )


def derive_loss(loss: str | Loss) -> Derivation:
    """Derive ∂L/∂a from ``Loss.formula`` and compare with ``Loss.dA_formula`` and ``Loss.dA``.

    Parameters
    ----------
    loss : str or Loss

    Returns
    -------
    Derivation
    """
    lo = get_loss(loss)
    key = _loss_key(lo)
    _LOSS_BY_KEY[key] = lo
    return _derive_loss_cached(key)


@functools.cache
def _derive_loss_cached(key: str) -> Derivation:
    sp = require_sympy()
    loss = _LOSS_BY_KEY[key]
    K = _loss_K(loss)
    L = _loss_expr(loss, K)
    a_s, y_s = _vec("a", K), _vec("y", K)
    comps = [None] if K is None else list(range(1, K + 1))
    derived = [sp.diff(L, ak) for ak in a_s]
    library = [_loss_dA(loss, K, k) for k in comps]
    symbolic_ok = all(_is_zero(d - lib) for d, lib in zip(derived, library, strict=True))
    # numbers: per_example and dA against the SymPy forms
    rng = np.random.default_rng(1)
    n = N_POINTS
    Kn = 1 if K is None else K
    A = rng.uniform(0.05, 0.95, size=(Kn, n))
    if loss.canonical_activation == "softmax":
        A = rng.dirichlet(np.ones(Kn), size=n).T
    Y = _random_targets(loss, Kn, n, rng)
    fL = _lambdify([*a_s, *y_s], L)
    fd = [_lambdify([*a_s, *y_s], d) for d in derived]
    args = [*A, *Y]
    err = max(
        _rel_error(loss.per_example(A, Y)[0], fL(*args)),
        _rel_error(loss.dA(A, Y), np.array([f(*args) for f in fd])),
    )
    steps = (
        Step("loss", loss.formula, unicode_to_latex(loss.formula)),
        Step(f"SymPy ∂L/∂{_unicode(a_s[0])}", _unicode(derived[0]), _latex(derived[0])),
        Step("library", loss.dA_formula, unicode_to_latex(loss.dA_formula)),
        Step(
            "check",
            "simplify(SymPy − library) = 0" + ("" if K is None else f" for each of {K} units"),
            r"\operatorname{simplify}(\text{SymPy} - \text{library}) = 0",
        ),
    )
    notes = () if K is None else (f"derived with {K} output units",)
    return Derivation(
        key=f"loss:{loss.name}",
        title=f"{loss.name}: {loss.dA_formula}",
        claim=loss.dA_formula,
        steps=steps,
        symbolic_ok=symbolic_ok,
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=n,
        notes=notes,
    )


def allowed_pairings() -> list[tuple[str, str]]:
    """Every (loss name, output activation name) :class:`Network` accepts, in registry order."""
    from chainrule.network import Network

    out = []
    for lname in LOSSES:
        for aname in ACTIVATIONS:
            try:
                Network([2, 3], output=aname, loss=lname, seed=0)
            except ValueError:
                continue
            out.append((lname, aname))
    return out


def derive_pairing(loss: str | Loss, activation: str | Activation) -> Derivation:
    """dL/dz through the output activation, against the fused ``a − y``.

    Derives ∂L/∂zₖ = Σⱼ ∂L/∂aⱼ ∂aⱼ/∂zₖ from the forward formulas, checks that
    it equals the library's general path (``Loss.dA_formula`` times the
    activation's derivative) symbolically and numerically
    (``backprop.output_delta(fused=False)``), and decides whether it equals the
    fused form ``Loss.fused_formula`` (a − y): symbolically when it does,
    by a numerical counterexample when it does not.  For categorical
    cross-entropy the targets satisfy Σₖ yₖ = 1, which the derivation uses.

    Parameters
    ----------
    loss : str or Loss
    activation : str or Activation

    Returns
    -------
    Derivation
        ``canonical`` and ``fused_holds`` say whether the pair is canonical
        in chainrule and whether dL/dz = a − y; ``ok`` requires them equal.
    """
    lo, act = get_loss(loss), get_activation(activation)
    lk, ak = _loss_key(lo), _act_key(act)
    _LOSS_BY_KEY[lk], _ACT_BY_KEY[ak] = lo, act
    return _derive_pairing_cached(lk, ak)


@functools.cache
def _derive_pairing_cached(lkey: str, akey: str) -> Derivation:
    sp = require_sympy()
    loss, act = _LOSS_BY_KEY[lkey], _ACT_BY_KEY[akey]
    loss_K = _loss_K(loss)
    if not act.elementwise:
        K: int | None = 3
    elif loss_K is None:
        K = None
    else:
        K = 2
    zs, y_s = _zs(K), _vec("y", K)
    a_s = _vec("a", K)
    outs = _act_output(act, zs)
    n = len(zs)
    L_a = _loss_expr(loss, K)
    L_z = L_a.subs(dict(zip(a_s, outs, strict=True)), simultaneous=True)
    constraint: dict[Any, Any] = {}
    notes: list[str] = []
    if loss.name == "categorical_crossentropy" and K is not None:
        constraint = {y_s[-1]: 1 - sp.Add(*y_s[:-1])}
        notes.append(
            "uses Σₖ yₖ = 1 (targets of categorical cross-entropy are probability columns)"
        )
    derived = [sp.diff(L_z, zk) for zk in zs]
    # general path: Σⱼ ∂L/∂aⱼ · ∂aⱼ/∂zₖ with the library's two closed forms
    dA = [_loss_dA(loss, K, None if K is None else j + 1) for j in range(n)]
    J = _derivative_matrix(act, K)
    general_a = [sp.Add(*[dA[j] * J[j][k] for j in range(n)]) for k in range(n)]
    to_z = dict(zip(a_s, outs, strict=True))
    general = [g.subs(to_z, simultaneous=True) for g in general_a]
    fused_a = [
        formula_to_sympy(
            loss.fused_formula, K=K, default=None if K is None else k + 1, idx={"k": k + 1}
        )
        for k in range(n)
    ]
    fused = [f.subs(to_z, simultaneous=True) for f in fused_a]
    kinked = _nonsmooth(sp.Add(*outs)) or _nonsmooth(sp.Add(*general))

    def zero(e: Any) -> bool:
        e = e.subs(constraint)
        return _is_zero_piecewise(e, zs) if kinked else _is_zero(e, zs)

    symbolic_ok = all(zero(d - g) for d, g in zip(derived, general, strict=True))
    canonical = backprop.is_canonical(loss, act)
    # numbers
    rng = np.random.default_rng(2)
    npts = N_POINTS
    Z = rng.normal(0.0, 2.0, size=(n, npts))
    if kinked:
        Z[np.abs(Z) < 1e-3] = 0.5
    Y = _random_targets(loss, n, npts, rng)
    A = act.forward(Z.copy())
    fd = [_lambdify([*zs, *y_s], d) for d in derived]
    sym_dz = np.array([f(*Z, *Y) for f in fd])
    dz_general, _ = backprop.output_delta(loss, act, A, Z, Y, fused=False)
    err = _rel_error(dz_general, sym_dz)
    if canonical:
        dz_fused, _ = backprop.output_delta(loss, act, A, Z, Y)
        err = max(err, _rel_error(dz_fused, sym_dz))
    # does dL/dz equal a − y?
    ffused = [_lambdify([*zs, *y_s], f) for f in fused]
    gap = float(np.max(np.abs(sym_dz - np.array([f(*Z, *Y) for f in ffused]))))
    if gap > 1e-6:
        fused_holds = False
        j = int(np.argmax(np.max(np.abs(sym_dz - np.array([f(*Z, *Y) for f in ffused])), axis=0)))
        notes.append(
            f"dL/dz ≠ a − y: at z = {np.array2string(Z[:, j], precision=3)}, "
            f"y = {np.array2string(Y[:, j], precision=3)} they differ by {gap:.3g}"
        )
    else:
        fused_holds = all(zero(d - f) for d, f in zip(derived, fused, strict=True))
    show = _display(derived[0].subs(constraint))
    show_a = general_a[0]
    long = len(_unicode(show)) > 120
    gname = _lhs_name(act.derivative_formula)
    steps = [
        Step("output", act.formula, unicode_to_latex(act.formula)),
        Step("loss", loss.formula, unicode_to_latex(loss.formula)),
        Step(
            f"SymPy ∂L/∂{_unicode(zs[0])}",
            f"({show.count_ops()} operations in z; equal to the chain rule below)"
            if long
            else _unicode(show),
            r"\text{(long expression in } z\text{)}" if long else _latex(show),
        ),
        Step(
            "chain rule",
            f"∂L/∂a · {gname} = {_unicode(show_a)}",
            rf"\frac{{\partial L}}{{\partial a}} \cdot {unicode_to_latex(gname)} = "
            + _latex(show_a),
        ),
    ]
    if fused_holds:
        steps.append(Step("fused", loss.fused_formula, unicode_to_latex(loss.fused_formula)))
    else:
        steps.append(Step("fused?", "∂L/∂z ≠ a − y", r"\frac{\partial L}{\partial z} \neq a - y"))
    return Derivation(
        key=f"pairing:{loss.name}+{act.name}",
        title=f"{act.name} + {loss.name}: ∂L/∂z {'=' if fused_holds else '≠'} a − y",
        verdict="fused" if fused_holds else "general path",
        claim=loss.fused_formula if canonical else f"∂L/∂z = ∂L/∂a ⊙ {gname}(z)",
        steps=tuple(steps),
        symbolic_ok=symbolic_ok,
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=npts,
        notes=tuple(notes),
        canonical=canonical,
        fused_holds=fused_holds,
    )


def derive_cost(loss: str | Loss, m: int = 3) -> Derivation:
    """J = (1/m) Σᵢ L(a⁽ⁱ⁾, y⁽ⁱ⁾) with concrete m gives ∂J/∂a⁽ⁱ⁾ = (1/m) ∂L/∂a(a⁽ⁱ⁾, y⁽ⁱ⁾).

    Checked symbolically for every example and unit, and numerically against
    ``losses.cost(loss.per_example(A, Y))`` (central differences) and
    ``Loss.dA / m``.  For squared error this is J = (1/2m) Σᵢ (a⁽ⁱ⁾ − y⁽ⁱ⁾)²
    and ∂J/∂a⁽ⁱ⁾ = (a⁽ⁱ⁾ − y⁽ⁱ⁾)/m.

    Parameters
    ----------
    loss : str or Loss
    m : int, default=3

    Returns
    -------
    Derivation
    """
    lo = get_loss(loss)
    key = _loss_key(lo)
    _LOSS_BY_KEY[key] = lo
    return _derive_cost_cached(key, int(m))


@functools.cache
def _derive_cost_cached(key: str, m: int) -> Derivation:
    sp = require_sympy()
    loss = _LOSS_BY_KEY[key]
    K = 2 if loss.canonical_activation == "softmax" else None
    Ls = [_loss_expr(loss, K, example=i) for i in range(1, m + 1)]
    J = sp.Rational(1, m) * sp.Add(*Ls)
    comps = [None] if K is None else list(range(1, K + 1))
    ok = True
    shown = None
    for i in range(1, m + 1):
        for k in comps:
            a_ik = _sym("a", k, i)
            lib = sp.Rational(1, m) * _loss_dA(loss, K, k, example=i)
            d = sp.diff(J, a_ik)
            ok = ok and _is_zero(d - lib)
            if shown is None:
                shown = (a_ik, d, lib)
    assert shown is not None
    # numbers: central differences of losses.cost against Loss.dA / m
    rng = np.random.default_rng(3)
    Kn = 1 if K is None else K
    mm = 5
    A = rng.uniform(0.1, 0.9, size=(Kn, mm))
    Y = _random_targets(loss, Kn, mm, rng)
    want = loss.dA(A, Y) / mm
    h = 1e-6
    got = np.zeros_like(A)
    for idx in np.ndindex(*A.shape):
        Ap, Am = A.copy(), A.copy()
        Ap[idx] += h
        Am[idx] -= h
        got[idx] = (cost(loss.per_example(Ap, Y)) - cost(loss.per_example(Am, Y))) / (2 * h)
    err = float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))
    a_ik, d, lib = shown
    J_text = _unicode(J)
    steps = (
        Step(f"J, m = {m}", J_text, _latex(J)),
        Step(f"SymPy ∂J/∂{_unicode(a_ik)}", _unicode(d), _latex(d)),
        Step("(1/m) · library ∂L/∂a", _unicode(lib), _latex(lib)),
        Step(
            "check",
            f"equal for all {m * len(comps)} entries a⁽ⁱ⁾",
            rf"\text{{equal for all {m * len(comps)} entries }} a^{{(i)}}",
        ),
    )
    return Derivation(
        key=f"cost:{loss.name}",
        title=f"{loss.name}: ∂J/∂a⁽ⁱ⁾ = (1/m) ∂L/∂a⁽ⁱ⁾",
        verdict=f"J = mean of L, m = {m}",
        claim="∂J/∂a⁽ⁱ⁾ = (1/m) ∂L/∂a⁽ⁱ⁾",
        steps=steps,
        symbolic_ok=ok,
        numeric_ok=err <= 1e-7,
        numeric_error=err,
        n_points=A.size,
        notes=("numerically: central differences of losses.cost (h = 1e-6) against Loss.dA / m",),
    )


@functools.cache
def derive_cost_general() -> Derivation:
    """For any per-example loss L and a symbolic m: ∂J/∂a⁽ʲ⁾ = (1/m) ∂L/∂a(a⁽ʲ⁾, y⁽ʲ⁾)."""
    sp = require_sympy()
    m = sp.Symbol("m", integer=True, positive=True)
    i, j = sp.symbols("i j", integer=True, positive=True)
    a, y = sp.IndexedBase("a"), sp.IndexedBase("y")
    ell = sp.Function("ell")
    J = sp.Sum(ell(a[i], y[i]), (i, 1, m)) / m
    d = sp.diff(J, a[j]).doit()
    d = sp.simplify(d)
    want = sp.Derivative(ell(a[j], y[j]), a[j]) / m
    ok = False
    if isinstance(d, sp.Piecewise):
        first, cond = d.args[0]
        ok = (
            bool(sp.simplify(first - want) == 0) and bool(cond.subs(j, m)) and bool(cond.subs(j, 1))
        )
    else:
        ok = bool(sp.simplify(d - want) == 0)
    # numerically: (1/m) Σ L for a random loss-like function is checked in derive_cost
    u = "J = (1/m) Σᵢ₌₁..ₘ L(a⁽ⁱ⁾, y⁽ⁱ⁾)"
    steps = (
        Step("cost", u, r"J = \frac{1}{m} \sum_{i=1}^{m} L(a^{(i)}, y^{(i)})"),
        Step(
            "SymPy ∂J/∂a⁽ʲ⁾",
            "(1/m) Σᵢ δᵢⱼ ∂L/∂a(a⁽ⁱ⁾, y⁽ⁱ⁾) = (1/m) ∂L/∂a(a⁽ʲ⁾, y⁽ʲ⁾) for 1 ≤ j ≤ m",
            r"\frac{1}{m} \sum_{i} \delta_{ij} \frac{\partial L}{\partial a}(a^{(i)}, y^{(i)})"
            r" = \frac{1}{m} \frac{\partial L}{\partial a}(a^{(j)}, y^{(j)}),"
            r" \quad 1 \leq j \leq m",
        ),
        Step(
            "so",
            "∂L/∂a (Loss.dA) has no 1/m; the 1/m belongs to J",
            r"\partial L/\partial a\ (\texttt{Loss.dA}) \text{ has no } 1/m"
            r" \text{; the } 1/m \text{ belongs to } J",
        ),
    )
    return Derivation(
        key="cost",
        title="cost: ∂J/∂a⁽ʲ⁾ = (1/m) ∂L/∂a⁽ʲ⁾",
        verdict="any loss, symbolic m",
        claim="∂J/∂a⁽ʲ⁾ = (1/m) ∂L/∂a⁽ʲ⁾",
        steps=steps,
        symbolic_ok=ok,
        numeric_ok=True,
        numeric_error=0.0,
        n_points=0,
        notes=("the numerical side is checked per loss by derive_cost",),
    )


@functools.cache
def derive_l2() -> Derivation:
    """∂/∂W of (λ/2m) Σ‖W‖²_F is (λ/m) W (checked against ``backprop.backward(l2=λ)``)."""
    sp = require_sympy()
    lam = sp.Symbol("lambda", positive=True)
    m = sp.Symbol("m", positive=True)
    _PRETTY["lambda"] = ("λ", r"\lambda")
    W = sp.Matrix(2, 3, lambda r, c: _sym("w", 10 * (r + 1) + (c + 1)))
    R = lam / (2 * m) * sum(w**2 for w in W)
    grad = sp.Matrix(2, 3, lambda r, c: sp.diff(R, W[r, c]))
    ok = all(_is_zero(grad[r, c] - lam / m * W[r, c]) for r in range(2) for c in range(3))
    # numbers: backward with and without l2 on a small random network
    rng = np.random.default_rng(4)
    from chainrule.activations import Tanh
    from chainrule.losses import SquaredError

    Ws = [rng.standard_normal((3, 2)), rng.standard_normal((1, 3))]
    bs = [rng.standard_normal((3, 1)), rng.standard_normal((1, 1))]
    acts = [Tanh(), get_activation("identity")]
    X, Y = rng.standard_normal((2, 5)), rng.standard_normal((1, 5))
    lam_v = 0.7
    _, caches = backprop.forward(X, Ws, bs, acts)
    g0 = backprop.backward(caches, Y, Ws, acts, SquaredError())
    g1 = backprop.backward(caches, Y, Ws, acts, SquaredError(), l2=lam_v)
    err = max(_rel_error(g1.dW[i] - g0.dW[i], lam_v / 5 * Ws[i]) for i in range(2))
    steps = (
        Step(
            "L2 term of J",
            "(λ/2m) Σₗ ‖W[l]‖² = (λ/2m) Σ w²",
            r"\frac{\lambda}{2m} \sum_{l} \Vert W^{[l]} \Vert_F^{2}",
        ),
        Step("SymPy ∂/∂w₁₁", _unicode(grad[0, 0]), _latex(grad[0, 0])),
        Step("library", "dW[l] += (λ/m) W[l]", unicode_to_latex("dW[l] += (λ/m) W[l]")),
        Step(
            "check",
            "equal for all entries of a 2 × 3 W",
            r"\text{equal for all entries of a } 2 \times 3\ W",
        ),
    )
    return Derivation(
        key="l2",
        title="L2: ∂/∂W[l] (λ/2m) Σₗ ‖W[l]‖² = (λ/m) W[l]",
        verdict="biases are not regularised",
        claim="dW[l] += (λ/m) W[l]",
        steps=steps,
        symbolic_ok=ok,
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=Ws[0].size + Ws[1].size,
        notes=("the λ/m is the same under both conventions: it comes from J's own L2 term",),
    )


@functools.cache
def derive_linear() -> Derivation:
    """Z = W A_prev + b, upstream G = ∂J/∂Z: ∂J/∂W = G A_prevᵀ, ∂J/∂b = Σᵢ G⁽ⁱ⁾, ∂J/∂A_prev = WᵀG.

    Derived with SymPy matrices (n = 2, n_prev = 3, m = 2) and checked against
    ``backprop.linear_backward``.
    """
    sp = require_sympy()
    n, n_prev, m = 2, 3, 2
    W = sp.Matrix(n, n_prev, lambda r, c: _sym("w", 10 * (r + 1) + (c + 1)))
    b = sp.Matrix(n, 1, lambda r, c: _sym("b", r + 1))
    Ap = sp.Matrix(n_prev, m, lambda r, c: _sym("x", 10 * (r + 1) + (c + 1)))
    G = sp.Matrix(n, m, lambda r, c: _sym("g", 10 * (r + 1) + (c + 1)))
    Z = W * Ap + b * sp.ones(1, m)
    S = sum(G[r, c] * Z[r, c] for r in range(n) for c in range(m))  # J near Z: Σ G ⊙ Z
    dW = sp.Matrix(n, n_prev, lambda r, c: sp.diff(S, W[r, c]))
    db = sp.Matrix(n, 1, lambda r, c: sp.diff(S, b[r]))
    dAp = sp.Matrix(n_prev, m, lambda r, c: sp.diff(S, Ap[r, c]))
    ok = _mat_zero(dW - G * Ap.T) and _mat_zero(db - G * sp.ones(m, 1)) and _mat_zero(dAp - W.T * G)
    rng = np.random.default_rng(5)
    Wn, Apn, Gn = (
        rng.standard_normal((4, 6)),
        rng.standard_normal((6, 7)),
        rng.standard_normal((4, 7)),
    )
    dA_prev, dWn, dbn = backprop.linear_backward(Gn, Apn, Wn, 1.0)
    _, dWs, dbs = backprop.linear_backward(Gn * 7, Apn, Wn, 1.0 / 7)
    err = max(
        _rel_error(dWn, Gn @ Apn.T),
        _rel_error(dbn, Gn.sum(axis=1, keepdims=True)),
        _rel_error(dA_prev, Wn.T @ Gn),
        _rel_error(dWs, Gn @ Apn.T),
        _rel_error(dbs, Gn.sum(axis=1, keepdims=True)),
    )
    steps = (
        Step("forward", "Z = W A_prev + b", unicode_to_latex("Z = W A_prev + b")),
        Step("upstream", "G = ∂J/∂Z (any n × m matrix)", r"G = \partial J/\partial Z"),
        Step(
            "SymPy",
            "∂J/∂W = G A_prevᵀ,  ∂J/∂b = Σᵢ G⁽ⁱ⁾,  ∂J/∂A_prev = Wᵀ G",
            r"\frac{\partial J}{\partial W} = G A_{prev}^{\top},\ "
            r"\frac{\partial J}{\partial b} = \sum_i G^{(i)},\ "
            r"\frac{\partial J}{\partial A_{prev}} = W^{\top} G",
        ),
        Step(
            "course",
            "G = (1/m) dZ ⇒ dW = (1/m) dZ A_prevᵀ, db = (1/m) Σᵢ dZ⁽ⁱ⁾, dA_prev = Wᵀ (G m) = Wᵀ dZ",
            r"G = \tfrac{1}{m} dZ \Rightarrow dW = \tfrac{1}{m} dZ A_{prev}^{\top},\ "
            r"db = \tfrac{1}{m} \sum_i dZ^{(i)},\ dA_{prev} = W^{\top} dZ",
        ),
        Step(
            "check",
            "matrices equal for n = 2, n_prev = 3, m = 2",
            r"\text{matrices equal for } n = 2,\ n_{prev} = 3,\ m = 2",
        ),
    )
    return Derivation(
        key="linear",
        title="linear: dW = dZ A_prevᵀ, db = Σᵢ dZ⁽ⁱ⁾, dA_prev = Wᵀ dZ",
        verdict="dW, db times 1/m under the course convention",
        claim="dW = scale · dZ A_prevᵀ, db = scale · Σᵢ dZ⁽ⁱ⁾, dA_prev = Wᵀ dZ",
        steps=steps,
        symbolic_ok=bool(ok),
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=Wn.size + Gn.size,
        notes=(
            "dA_prev never gets the 1/m: it is a per-example derivative under the course "
            "convention",
        ),
    )


@functools.cache
def derive_convention() -> Derivation:
    """Both placements of 1/m give the same dW, db; dZ, dA differ by exactly m.

    Symbolically: with the course's per-example dZ and the cost convention's
    dZ_J = dZ/m, (1/m) dZ A_prevᵀ = dZ_J A_prevᵀ (and Wᵀ dZ_J = (1/m) Wᵀ dZ
    by linearity, so the factor travels down unchanged).  Numerically:
    ``backprop.backward`` under both conventions on a random 3-layer network.
    """
    sp = require_sympy()
    m = sp.Symbol("m", positive=True)
    dZ = sp.Matrix(2, 2, lambda r, c: _sym("d", 10 * (r + 1) + (c + 1)))
    Ap = sp.Matrix(3, 2, lambda r, c: _sym("x", 10 * (r + 1) + (c + 1)))
    W = sp.Matrix(2, 3, lambda r, c: _sym("w", 10 * (r + 1) + (c + 1)))
    ok = _mat_zero((dZ * Ap.T) / m - (dZ / m) * Ap.T) and _mat_zero(W.T * (dZ / m) - (W.T * dZ) / m)
    rng = np.random.default_rng(6)
    from chainrule.losses import BinaryCrossEntropy

    dims = [3, 4, 2, 1]
    Ws = [rng.standard_normal((dims[i + 1], dims[i])) for i in range(3)]
    bs = [rng.standard_normal((dims[i + 1], 1)) for i in range(3)]
    acts = [get_activation("tanh"), get_activation("sigmoid"), get_activation("sigmoid")]
    mm = 6
    X, Y = rng.standard_normal((3, mm)), rng.integers(0, 2, (1, mm)).astype(float)
    _, caches = backprop.forward(X, Ws, bs, acts)
    gc = backprop.backward(caches, Y, Ws, acts, BinaryCrossEntropy(), convention="course")
    gj = backprop.backward(caches, Y, Ws, acts, BinaryCrossEntropy(), convention="cost")
    err = 0.0
    for l in range(3):
        err = max(err, _rel_error(gj.dW[l], gc.dW[l]), _rel_error(gj.db[l], gc.db[l]))
        err = max(err, _rel_error(gj.dZ[l] * mm, gc.dZ[l]))
    steps = (
        Step(
            "course",
            "dW = (1/m) dZ A_prevᵀ, dZ = ∂L/∂Z per example",
            unicode_to_latex("dW = (1/m) dZ A_prevᵀ"),
        ),
        Step(
            "cost",
            "dZ_J = (1/m) dZ ⇒ dW = dZ_J A_prevᵀ",
            r"dZ_J = \tfrac{1}{m} dZ \Rightarrow dW = dZ_J A_{prev}^{\top}",
        ),
        Step(
            "down the chain",
            "dA_prev,J = Wᵀ dZ_J = (1/m) Wᵀ dZ",
            r"dA_{prev,J} = W^{\top} dZ_J = \tfrac{1}{m} W^{\top} dZ",
        ),
        Step(
            "check",
            "(1/m) dZ A_prevᵀ − (dZ/m) A_prevᵀ = 0",
            r"\tfrac{1}{m} dZ A_{prev}^{\top} - (dZ/m) A_{prev}^{\top} = 0",
        ),
    )
    return Derivation(
        key="convention",
        title="conventions: dW_course = dW_cost, dZ_cost = dZ_course/m",
        verdict="1/m at either end of the chain",
        claim="dW_course = dW_cost, dZ_cost = dZ_course / m",
        steps=steps,
        symbolic_ok=bool(ok),
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=sum(W.size for W in Ws),
    )


def all_derivations() -> list[Derivation]:
    """Every derivation: each registered activation and loss, each allowed pairing, the cost terms.

    Iterates :data:`chainrule.activations.ACTIVATIONS` and
    :data:`chainrule.losses.LOSSES`, so new entries are covered automatically.
    """
    require_sympy()
    out = [derive_activation(name) for name in ACTIVATIONS]
    out += [derive_loss(name) for name in LOSSES]
    out += [derive_pairing(lname, aname) for lname, aname in allowed_pairings()]
    out.append(derive_cost_general())
    out += [derive_cost(name) for name in LOSSES]
    out += [derive_l2(), derive_linear(), derive_convention()]
    return out


def derivations_for(network: Any) -> list[Derivation]:
    """The derivations a network's forward/backward pass relies on.

    Its activations (each once), its loss, its output pairing, the cost, the
    linear layer, the two conventions and (when λ > 0) the L2 term.
    """
    require_sympy()
    out: list[Derivation] = []
    seen: set[str] = set()
    for act in network.activations:
        k = _act_key(act)
        if k not in seen:
            seen.add(k)
            out.append(derive_activation(act))
    out.append(derive_loss(network.loss))
    out.append(derive_pairing(network.loss, network.activations[-1]))
    out.append(derive_cost_general())
    out.append(derive_cost(network.loss))
    out.append(derive_linear())
    out.append(derive_convention())
    if network.l2 > 0:
        out.append(derive_l2())
    return out


def derive(names: Sequence[str] = ()) -> list[Derivation]:
    """Derivations selected by name (all of them when ``names`` is empty).

    A name matches an activation, or a loss (aliases such as ``"bce"`` work;
    its derivative and its cost derivation),
    ``"LOSS+ACTIVATION"`` a pairing, or one of ``"cost"``, ``"l2"``,
    ``"linear"``, ``"convention"``; any derivation whose key contains the
    name matches too.

    Raises
    ------
    ValueError
        For a name that matches nothing.
    """
    everything = all_derivations()
    if not names:
        return everything
    selected: list[Derivation] = []
    for raw in names:
        name = raw.strip().lower()
        keys: list[str] = []
        if "+" in name:
            left, right = (s.strip() for s in name.split("+", 1))
            try:
                lo, ac = get_loss(left).name, get_activation(right).name
            except (ValueError, TypeError):
                try:
                    lo, ac = get_loss(right).name, get_activation(left).name
                except (ValueError, TypeError):
                    lo, ac = left, right
            keys = [f"pairing:{lo}+{ac}"]
        else:
            with contextlib.suppress(ValueError, TypeError):
                keys.append("activation:" + get_activation(name).name)
            try:
                lname = get_loss(name).name
                keys += [f"loss:{lname}", f"cost:{lname}"]
            except (ValueError, TypeError):
                pass
            if name.startswith("loss:") or name.startswith("activation:"):
                keys.append(name)
        hits = [d for d in everything if d.key in keys or d.key == name]
        if not hits:
            hits = [d for d in everything if name in d.key]
        if not hits:
            raise ValueError(
                f"no derivation matches {raw!r}; try an activation ({', '.join(ACTIVATIONS)}), "
                f"a loss ({', '.join(LOSSES)}), LOSS+ACTIVATION, cost, l2, linear or convention"
            )
        for d in hits:
            if d not in selected:
                selected.append(d)
    return selected
