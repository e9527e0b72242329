r"""Symbolic proofs (SymPy) of every derivative chainrule uses.

chainrule writes each formula twice: once as NumPy code and once as a Unicode
string (``Activation.formula``, ``Activation.derivative_formula``,
``Loss.formula``, ``Loss.dA_formula``, ``Loss.fused_formula``) that
:mod:`chainrule.explain` prints and the docs show.  This package closes the loop:

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
package.  Results are cached: each derivation is computed once per process.

The package, in the order its modules import each other:

* :mod:`~chainrule.symbolic.lazy_sympy` -- SymPy, imported lazily; the install hint;
* :mod:`~chainrule.symbolic.formula` -- the formula language (lexer, parser, evaluation
  into SymPy, printing, LaTeX), independent of the derivations;
* :mod:`~chainrule.symbolic.results` -- :class:`Derivation` and :class:`Step`;
* :mod:`~chainrule.symbolic.cache` -- value key → registry → cache, the one decorator
  every derivation is cached with;
* :mod:`~chainrule.symbolic.derivations` -- the proofs, one module per part of the
  library: ``activations`` (where tanh′ is proved), ``losses`` (∂L/∂a and the cost),
  ``pairings`` (dZ[L], fused or not), ``backprop`` (linear layer, L2, 1/m);
* :mod:`~chainrule.symbolic.catalogue` -- all of them, those of a network, those by name.

Everything public is importable from ``chainrule.symbolic`` itself.

>>> from chainrule import symbolic
>>> d = symbolic.derive_activation("sigmoid")      # doctest: +SKIP
>>> d.ok, d.claim                                   # doctest: +SKIP
(True, 'σ′(z) = a(1 − a)')
"""

from chainrule.symbolic.catalogue import all_derivations, derivations_for, derive
from chainrule.symbolic.derivations.activations import derive_activation
from chainrule.symbolic.derivations.backprop import derive_convention, derive_l2, derive_linear
from chainrule.symbolic.derivations.checks import N_POINTS as N_POINTS
from chainrule.symbolic.derivations.checks import RTOL as RTOL
from chainrule.symbolic.derivations.losses import derive_cost, derive_cost_general, derive_loss
from chainrule.symbolic.derivations.pairings import allowed_pairings, derive_pairing
from chainrule.symbolic.formula import (
    FormulaSyntaxError,
    formula_to_sympy,
    parse_formula,
    unicode_to_latex,
)

# explain.py's Markdown imports it under this name (formula.latex.md_inline is its home)
from chainrule.symbolic.lazy_sympy import INSTALL_HINT, available, require_sympy
from chainrule.symbolic.results import Derivation, Step

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
