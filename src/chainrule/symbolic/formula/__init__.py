"""The formula language: the library's Unicode math strings, read, evaluated and printed.

chainrule writes each formula as a string next to its NumPy code
(``Activation.formula``, ``Loss.dA_formula`` ...).  This package reads those
strings; it knows nothing of derivations.

* :mod:`.lexer` -- the alphabet (subscripts, superscripts, Greek) and the tokens;
* :mod:`.parser` -- the grammar: a string → a syntax tree (:func:`parse_formula`);
* :mod:`.evaluate` -- a syntax tree → SymPy (:func:`formula_to_sympy`);
* :mod:`.printing` -- SymPy → the same Unicode style, and LaTeX;
* :mod:`.latex` -- a Unicode string → LaTeX, without SymPy (:func:`unicode_to_latex`).

Within the package the order is lexer, parser, latex, evaluate, printing: a
module imports only modules before it.
"""

from chainrule.symbolic.formula.evaluate import formula_to_sympy
from chainrule.symbolic.formula.latex import unicode_to_latex
from chainrule.symbolic.formula.lexer import FormulaSyntaxError
from chainrule.symbolic.formula.parser import parse_formula

__all__ = ["FormulaSyntaxError", "formula_to_sympy", "parse_formula", "unicode_to_latex"]
