"""chainrule: deep feed-forward neural networks from scratch on NumPy.

Every backpropagation formula is explicit, explained and verified.  Examples
are **columns** (the deeplearning.ai course's layout): X has shape (n[0], m),
W[l] has shape (n[l], n[l-1]).  The per-example loss L and the cost
J = (1/m) Σ L are kept apart, and the 1/m enters in exactly one place
(:mod:`chainrule.backprop`).

>>> import chainrule
>>> net = chainrule.Network([4, 8, 3], hidden="relu", output="softmax", loss="cce", seed=0)
>>> net.layer_dims, net.n_params
([4, 8, 3], 67)
"""

from chainrule import plots
from chainrule._version import __version__
from chainrule.backprop import Gradients
from chainrule.explain import Explanation, explain
from chainrule.gradcheck import GradCheckReport, gradcheck
from chainrule.io import ModelFileError, save
from chainrule.network import Network, load
from chainrule.training import DivergenceWarning, History, fit

__all__ = [
    "DivergenceWarning",
    "Explanation",
    "GradCheckReport",
    "Gradients",
    "History",
    "ModelFileError",
    "Network",
    "__version__",
    "explain",
    "fit",
    "gradcheck",
    "load",
    "plots",
    "save",
]
