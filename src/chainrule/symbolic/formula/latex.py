r"""LaTeX from the library's Unicode math strings, without SymPy.

:func:`unicode_to_latex` converts a formula string as the library writes it
(``"σ′(z) = a(1 − a)"``, ``"dW[l] = (1/m) dZ[l] A[l−1]ᵀ"``) to plain-ASCII LaTeX
for the Markdown that :mod:`chainrule.explain` and ``docs/derivations.md``
print; :func:`md_inline` does the same for the formula in a line of prose.
"""

from __future__ import annotations

import re
from typing import Any

from chainrule.symbolic.formula.lexer import SUBSCRIPT, SUPERSCRIPT

__all__ = ["unicode_to_latex"]

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
        if c in SUBSCRIPT:
            attach(2, SUBSCRIPT[c])
            i += 1
            continue
        if c in SUPERSCRIPT:
            attach(1, SUPERSCRIPT[c])
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


def md_inline(text: str) -> str:
    r"""Prose with embedded Unicode math: the formula after ``": "`` becomes LaTeX.

    ``"sigmoid: σ′(z) = a(1 − a)"`` -> ``"sigmoid: $\sigma '(z) = a(1 - a)$"``;
    text without ``": "``, or whose tail is not math, is returned as it is.
    """
    if ": " in text:
        head, tail = text.split(": ", 1)
        try:
            return f"{head}: ${unicode_to_latex(tail)}$"
        except ValueError:
            return text
    return text
