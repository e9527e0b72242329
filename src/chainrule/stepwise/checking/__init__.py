r"""Check a learner's own implementation of the course's functions, and name the mistake.

:func:`check` runs your ``L_model_backward`` (or any of :data:`FUNCTIONS`) on
generated cases -- the course's shapes, and odd ones: m = 1, one unit per
layer, a deep stack of square layers, saturated activations -- and compares
every output with :mod:`chainrule.stepwise`'s, to a tolerance derived from
the dtypes (√ε of the less precise one, relative to each array's scale).

When an output differs, it is compared with the outputs of the reference
implementation **mutated** by each entry of :data:`CATALOGUE`, the classic
mistakes (1/m missing or twice, a transposed dW, relu′ from A, +α, ...), and
with every combination of one "factor m or transpose" mistake and one other;
a mistake is named only when it explains every case exactly (to the same
tolerance): the same outputs where your code returns, an exception where it
raises.  Where nothing in the catalogue explains the difference, the report
says so and shows, as :mod:`chainrule.gradcheck` does, the relative
difference ‖got − expected‖ / (‖got‖ + ‖expected‖) per output, the worst
entries and the suspect layer.

>>> from chainrule.stepwise import check
>>> def linear_forward(A, W, b):
...     return W @ A + b, (A, W, b)
>>> check(linear_forward).passed
True

The catalogue is data: a :class:`Mistake` names the functions it applies to
and the pieces of the reference it replaces (``mutation``, a dict from a
piece's name in :data:`PIECES` to the mistaken piece).  Adding a mistake is
one entry.

The learner's code runs **in this process** with a per-call time limit (a
thread that is abandoned when it overruns); ``chainrule check FILE`` runs it
in a subprocess instead.  Every call gets its own copies of the inputs, and a
function that modifies them fails with a line saying which.

The package, bottom up (each module imports only those before it; ARCHITECTURE.md):
:mod:`~chainrule.stepwise.checking.pieces` (the reference in replaceable pieces, and the
course's functions written from them) and :mod:`~chainrule.stepwise.checking.running`
(calling the learner's code); :mod:`~chainrule.stepwise.checking.functions`
(:data:`FUNCTIONS`); :mod:`~chainrule.stepwise.checking.mistakes` (:data:`CATALOGUE`),
:mod:`~chainrule.stepwise.checking.cases` and :mod:`~chainrule.stepwise.checking.compare`;
:mod:`~chainrule.stepwise.checking.reports`; :mod:`~chainrule.stepwise.checking.diagnosis`;
:mod:`~chainrule.stepwise.checking.checker` (:func:`check`, :func:`check_module`).
"""

from __future__ import annotations

from chainrule.stepwise.checking.cases import Case as Case
from chainrule.stepwise.checking.cases import _cases as _cases
from chainrule.stepwise.checking.checker import check, check_module
from chainrule.stepwise.checking.compare import Mismatch
from chainrule.stepwise.checking.compare import _compare_outputs as _compare_outputs
from chainrule.stepwise.checking.diagnosis import _run_variant as _run_variant
from chainrule.stepwise.checking.functions import FUNCTIONS
from chainrule.stepwise.checking.mistakes import CATALOGUE, Mistake
from chainrule.stepwise.checking.pieces import PIECES
from chainrule.stepwise.checking.reports import CheckReport, FunctionReport
from chainrule.stepwise.checking.running import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from chainrule.stepwise.checking.running import _call as _call
from chainrule.stepwise.checking.running import _Raised as _Raised

# The ``X as X`` imports are the names the module had before the split that are not in
# __all__: Case and DEFAULT_TIMEOUT; _call (``chainrule check``'s subprocess); _cases,
# _compare_outputs, _run_variant and _Raised (tests/test_check.py)
__all__ = [
    "CATALOGUE",
    "FUNCTIONS",
    "PIECES",
    "CheckReport",
    "FunctionReport",
    "Mismatch",
    "Mistake",
    "check",
    "check_module",
]
