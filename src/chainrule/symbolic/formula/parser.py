r"""The parser: a formula string ``"lhs = rhs[, α = v]"`` → a small syntax tree.

The grammar of a right-hand side, by recursive descent (loosest first)::

    cond   := sum ["if" sum (> | < | ≥ | ≤) sum "else" cond]
    sum    := term {(+ | −) term}
    term   := unary {(* | · | ×) unary | / unary | unary}      (juxtaposition multiplies)
    unary  := (− | +) unary | Σₖ term | power
    power  := atom {² | ³ | ^ [−] atom}
    atom   := number | name[sub] | δₖⱼ | e | func(cond, ...) | func power | (cond) | [cond]

The tree is nested tuples (``("add", [...])``, ``("func", "log", [...])``,
``("sum", "k", body)`` ...); :mod:`chainrule.symbolic.formula.evaluate` turns it
into SymPy.  Nothing here needs SymPy.
"""

from __future__ import annotations

import re
from typing import Any

from chainrule.symbolic.formula.lexer import (
    FUNCTIONS,
    GREEK,
    FormulaSyntaxError,
    Token,
    tokenize,
)

__all__ = ["parse_formula"]

Node = tuple[Any, ...]
"""A node of the syntax tree: its kind, then its children."""


class Parser:
    """Recursive descent over the tokens of one right-hand side."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def is_op(self, *ops: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "op" and t.text in ops

    def take(self) -> Token:
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
            if t.text in FUNCTIONS or t.text == "σ":
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


def has_sum(node: Node) -> bool:
    """Whether the tree contains a Σ (the formula sums over units itself)."""
    if node[0] == "sum":
        return True
    for child in node[1:]:
        if isinstance(child, tuple) and child and isinstance(child[0], str) and has_sum(child):
            return True
        if isinstance(child, list) and any(has_sum(c) for c in child):
            return True
    return False


_BINDING = re.compile(r"^(.*),\s*(\S+)\s*=\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*$")


def _split_formula(text: str) -> tuple[str, str, dict[str, str]]:
    """``"lhs = rhs, α = 0.01"`` -> (lhs, rhs, {"alpha": "0.01"})."""
    if " = " not in text:
        raise FormulaSyntaxError(f"formula {text!r} has no ' = '")
    lhs, rhs = text.split(" = ", 1)
    bindings: dict[str, str] = {}
    while (m := _BINDING.match(rhs)) is not None:
        rhs = m.group(1)
        bindings[GREEK.get(m.group(2), m.group(2))] = m.group(3)
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
    return lhs, Parser(rhs).parse(), bindings


def lhs_name(formula: str) -> str:
    """The function a formula defines.

    ``"σ′(z) = a(1 − a)"`` -> ``"σ′"``; ``"softmax(z)ₖ = …"`` -> ``"softmax"``.
    """
    lhs = formula.split(" = ", 1)[0]
    return lhs.split("(", 1)[0]
