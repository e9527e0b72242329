r"""``chainrule.explain``: the forward and backward pass of a network, formula by formula.

:func:`explain` prints, for a concrete network and batch size m,

* the forward pass layer by layer (Z[l] = W[l] A[l−1] + b[l], A[l] = g(Z[l]))
  with the shape of every array;
* the per-example loss L and the cost J = (1/m) Σᵢ L⁽ⁱ⁾, marking where L
  ends and J begins;
* the backward pass: the output step (the fused A − Y and *why* it holds for
  a canonical pair, or the general path dA[L] ⊙ g′(Z[L]) and why A − Y would
  be wrong), then dZ, dW, db, dA for each layer, with the place where 1/m
  enters under the chosen convention (``"course"``: in dW and db;
  ``"cost"``: at the top, in dA[L] or dZ[L]);
* a verification section: the SymPy derivation of every derivative used
  (:mod:`chainrule.symbolic`; skipped with a note when SymPy is missing), a
  numerical gradient check on seeded random data (:func:`chainrule.gradcheck.gradcheck`)
  and the identity of the two conventions on the same data.

The result is an :class:`Explanation`: ``str()`` gives Unicode text for a
terminal, :meth:`Explanation.markdown` Markdown with LaTeX math (Jupyter
renders it through ``_repr_markdown_``).  Every formula is the library's own
string (``Activation.formula``, ``Loss.dA_formula`` ...), so the explanation
cannot drift from the code; :func:`derivations_page` builds the docs page
``docs/derivations.md`` from the same sources (``chainrule derive --docs``).

The package, in the order its modules import each other:

* :mod:`~chainrule.explain.document`: the document model (sections of formula rows with
  shapes and notes, paragraphs, rules, bullets);
* :mod:`~chainrule.explain.render`: its two renderers, Unicode text and Markdown;
* :mod:`~chainrule.explain.canonical`: what is said about each canonical output/loss pair;
* :mod:`~chainrule.explain.sections`: one builder per section, from the network to the
  document;
* :mod:`~chainrule.explain.verification`: the verification section;
* :mod:`~chainrule.explain.explanation`: :func:`explain` and :class:`Explanation`;
* :mod:`~chainrule.explain.docs_page`: :func:`derivations_page`.

``import chainrule`` binds ``chainrule.explain`` to the function :func:`explain`; the
package's names are importable as ``from chainrule.explain import Explanation, explain``.

>>> import chainrule
>>> net = chainrule.Network([2, 3, 1], hidden="tanh", seed=0)
>>> print(chainrule.explain(net, m=4, verify=False))   # doctest: +ELLIPSIS
chainrule explain: 2 → 3 → 1 ...
"""

from __future__ import annotations

from chainrule.explain.docs_page import DOCS_COMMAND, derivations_page
from chainrule.explain.explanation import FORMATS, Explanation, explain, resolve_network

__all__ = [
    "DOCS_COMMAND",
    "FORMATS",
    "Explanation",
    "derivations_page",
    "explain",
    "resolve_network",
]
