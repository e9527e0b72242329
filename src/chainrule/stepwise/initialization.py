"""Course 2, week 1, "Initialization": zeros, large random (×10) and He.

Each draws W[l] of shape (n[l], n[l-1]) for l = 1, ..., L in order from numpy's
legacy global generator seeded as the course seeds it, through
:func:`chainrule.initializers.initialize`; biases start at zero.
"""

from __future__ import annotations

from collections.abc import Sequence

from chainrule._typing import Params
from chainrule.stepwise._common import check_dims
from chainrule.stepwise.deep_network import _seeded_init

__all__ = [
    "initialize_parameters_he",
    "initialize_parameters_random",
    "initialize_parameters_zeros",
]


def initialize_parameters_zeros(layers_dims: Sequence[int]) -> Params:
    """W[l] = 0, b[l] = 0: every unit of a layer stays identical (symmetry is never broken).

    Parameters
    ----------
    layers_dims : list of int
        [n[0], ..., n[L]].

    Returns
    -------
    parameters : dict
        Exactly ``W1, b1, ..., WL, bL``, W[l] of shape (n[l], n[l-1]), b[l] of shape (n[l], 1).
    """
    return _seeded_init(check_dims(layers_dims, "layers_dims"), "zeros", seed=None)


# the three course initialisers share their numpydoc's shape; each states its own draw
def initialize_parameters_random(layers_dims: Sequence[int]) -> Params:
    """``np.random.seed(3)``, W[l] = randn(n[l], n[l-1]) · 10, b[l] = 0 (the course's "too large").

    Parameters
    ----------
    layers_dims : list of int
        [n[0], ..., n[L]].

    Returns
    -------
    parameters : dict
        Exactly ``W1, b1, ..., WL, bL``.
    """
    return _seeded_init(check_dims(layers_dims, "layers_dims"), "large_normal", seed=3)


def initialize_parameters_he(layers_dims: Sequence[int]) -> Params:
    """He initialisation: ``np.random.seed(3)``, W[l] = randn(n[l], n[l-1]) · √(2 / n[l-1]).

    Biases start at zero (He et al., 2015).

    Parameters
    ----------
    layers_dims : list of int
        [n[0], ..., n[L]].

    Returns
    -------
    parameters : dict
        Exactly ``W1, b1, ..., WL, bL``.
    """
    return _seeded_init(check_dims(layers_dims, "layers_dims"), "he", seed=3)
