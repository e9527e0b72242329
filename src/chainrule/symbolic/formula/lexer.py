"""The alphabet of the formula strings, and the lexer that cuts one into tokens.

The library writes its formulas in Unicode math (``σ(z) = 1 / (1 + e^(−z))``,
``∂L/∂aₖ = −yₖ/aₖ``, ``½ Σₖ (aₖ − yₖ)²``).  This module holds the tables of that
alphabet (subscripts, superscripts, Greek letters, function names), which the
parser, the LaTeX converter and the SymPy evaluator share, and :func:`tokenize`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FormulaSyntaxError"]

SUBSCRIPT = {
    **{chr(0x2080 + d): str(d) for d in range(10)},
    "ₖ": "k",
    "ⱼ": "j",
    "ᵢ": "i",
    "ₗ": "l",
    "ₘ": "m",
    "ₙ": "n",
    "ₓ": "x",
}
"""Unicode subscript → its ASCII letter or digit (``aₖ`` is a with index k)."""

SUPERSCRIPT = {
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
"""Unicode superscript → its ASCII (LaTeX) form; ``a⁽ⁱ⁾`` is example i."""

GREEK = {
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
"""Greek letter → its ASCII name (SymPy symbol names and LaTeX commands)."""

FUNCTIONS = ("leaky_relu", "softmax", "sigmoid", "relu", "tanh", "log", "exp", "max", "min")
"""Function names the parser reads as calls (``max(z, αz)``, ``log a``)."""

_WORDS = (*FUNCTIONS, "if", "else")


class FormulaSyntaxError(ValueError):
    """A formula string that the Unicode-math parser cannot read."""


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` is num, name, op, word, sum, delta or sup.

    ``sub`` is the ASCII of the subscript written after a name (``aₖ`` → ``"k"``,
    ``δₖⱼ`` → ``"kj"``, ``Σₖ`` → ``"k"``).
    """

    kind: str
    text: str
    sub: str = ""


def tokenize(s: str) -> list[Token]:
    """Cut a right-hand side (``"a(1 − a)"``) into tokens; ``−`` becomes ``-``.

    Raises
    ------
    FormulaSyntaxError
        For a character outside the alphabet, a stray subscript, or a Σ
        without an index.
    """
    toks: list[Token] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
            continue
        if c in "0123456789" or (c == "." and i + 1 < n and s[i + 1] in "0123456789"):
            m = re.match(r"\d*\.?\d+(?:[eE][-+]?\d+)?", s[i:])
            assert m is not None
            toks.append(Token("num", m.group()))
            i += m.end()
            continue
        if c == "½":
            toks.append(Token("num", "1/2"))
            i += 1
            continue
        if c in "²³":
            toks.append(Token("sup", SUPERSCRIPT[c]))
            i += 1
            continue
        if c in SUBSCRIPT:
            raise FormulaSyntaxError(f"stray subscript {c!r} at position {i} in {s!r}")
        if c.isalpha() or c in GREEK:
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
            while i < n and s[i] in SUBSCRIPT:
                sub += SUBSCRIPT[s[i]]
                i += 1
            if text in ("if", "else"):
                toks.append(Token("word", text))
            elif text == "Σ":
                if not sub:
                    raise FormulaSyntaxError(f"Σ needs an index subscript (Σₖ) in {s!r}")
                toks.append(Token("sum", text, sub))
            elif text == "δ" and len(sub) == 2:
                toks.append(Token("delta", text, sub))
            else:
                toks.append(Token("name", text, sub))
            continue
        if c in "+−-*·×/^()[],><≥≤":
            toks.append(Token("op", "-" if c == "−" else c))
            i += 1
            continue
        raise FormulaSyntaxError(f"unexpected character {c!r} at position {i} in {s!r}")
    return toks
