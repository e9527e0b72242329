"""SymPy expressions back into the formula language: one-line Unicode and LaTeX.

The derivations print what SymPy derived next to the library's own strings;
:func:`to_unicode` writes it the way the library does (``−``, ``·``, ``²``,
``e^(…)``, ``aₖ``, ``a⁽ⁱ⁾``), :func:`to_latex` with the display names that
:func:`~chainrule.symbolic.formula.evaluate.sym` recorded, and :func:`shorter`
picks between an expression and its simplified form.
"""

from __future__ import annotations

from typing import Any

from chainrule.symbolic.formula.evaluate import PRETTY
from chainrule.symbolic.lazy_sympy import require_sympy

__all__: list[str] = []


def to_unicode(expr: Any) -> str:
    """One-line Unicode rendering of a SymPy expression (−, ·, ², e^(…), aₖ, a⁽ⁱ⁾)."""
    sp = require_sympy()
    from sympy.printing.str import StrPrinter

    class _Printer(StrPrinter):
        def _print_Symbol(self, e: Any) -> str:
            return PRETTY.get(e.name, (e.name, e.name))[0]

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
    return text


def shorter(expr: Any) -> Any:
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


def to_latex(expr: Any) -> str:
    """LaTeX of a SymPy expression, with the symbols' display names and H for Heaviside."""
    sp = require_sympy()
    names = {s: PRETTY[s.name][1] for s in expr.free_symbols if s.name in PRETTY}
    # SymPy writes the Heaviside step as θ; the text form (and most books) say H
    return str(sp.latex(expr, symbol_names=names)).replace(r"\theta\left(", r"H\left(")
