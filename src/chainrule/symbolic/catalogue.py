"""The catalogue of derivations: all of them, those a network relies on, those asked for by name.

:func:`all_derivations` iterates the library's registries (``ACTIVATIONS``,
``LOSSES`` and every pairing :class:`~chainrule.network.Network` accepts), so a
new activation or loss cannot be left unproved; ``chainrule derive`` and
``docs/derivations.md`` list it.  :func:`derivations_for` is what
:func:`chainrule.explain` verifies for one network, :func:`derive` what
``chainrule derive NAME ...`` selects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from chainrule.activations import ACTIVATIONS, get_activation
from chainrule.losses import LOSSES, get_loss
from chainrule.symbolic.derivations.activations import derive_activation
from chainrule.symbolic.derivations.backprop import derive_convention, derive_l2, derive_linear
from chainrule.symbolic.derivations.forms import ACTIVATION_KEYS
from chainrule.symbolic.derivations.losses import derive_cost, derive_cost_general, derive_loss
from chainrule.symbolic.derivations.pairings import allowed_pairings, derive_pairing
from chainrule.symbolic.lazy_sympy import require_sympy
from chainrule.symbolic.results import Derivation

__all__ = ["all_derivations", "derivations_for", "derive"]


def all_derivations() -> list[Derivation]:
    """Every derivation: each registered activation and loss, each allowed pairing, the cost terms.

    Iterates :data:`chainrule.activations.ACTIVATIONS` and
    :data:`chainrule.losses.LOSSES`, so new entries are covered automatically.
    """
    require_sympy()
    out = [derive_activation(name) for name in ACTIVATIONS]
    out += [derive_loss(name) for name in LOSSES]
    out += [derive_pairing(lname, aname) for lname, aname in allowed_pairings()]
    out.append(derive_cost_general())
    out += [derive_cost(name) for name in LOSSES]
    out += [derive_l2(), derive_linear(), derive_convention()]
    return out


def derivations_for(network: Any) -> list[Derivation]:
    """The derivations a network's forward/backward pass relies on.

    Its activations (each once), its loss, its output pairing, the cost, the
    linear layer, the two conventions and (when λ > 0) the L2 term.
    """
    require_sympy()
    out: list[Derivation] = []
    seen: set[str] = set()
    for act in network.activations:
        k = ACTIVATION_KEYS.key(act)
        if k not in seen:
            seen.add(k)
            out.append(derive_activation(act))
    out.append(derive_loss(network.loss))
    out.append(derive_pairing(network.loss, network.activations[-1]))
    out.append(derive_cost_general())
    out.append(derive_cost(network.loss))
    out.append(derive_linear())
    out.append(derive_convention())
    if network.l2 > 0:
        out.append(derive_l2())
    return out


def derive(names: Sequence[str] = ()) -> list[Derivation]:
    """Derivations selected by name (all of them when ``names`` is empty).

    A name matches an activation, or a loss (aliases such as ``"bce"`` work;
    its derivative and its cost derivation),
    ``"LOSS+ACTIVATION"`` a pairing, or one of ``"cost"``, ``"l2"``,
    ``"linear"``, ``"convention"``; any derivation whose key contains the
    name matches too.

    Raises
    ------
    ValueError
        For a name that matches nothing.
    """
    everything = all_derivations()
    if not names:
        return everything
    selected: list[Derivation] = []
    for raw in names:
        name = raw.strip().lower()
        keys: list[str] = []
        if "+" in name:
            left, right = (s.strip() for s in name.split("+", 1))
            try:
                lo, ac = get_loss(left).name, get_activation(right).name
            except (ValueError, TypeError):
                try:
                    lo, ac = get_loss(right).name, get_activation(left).name
                except (ValueError, TypeError):
                    lo, ac = left, right
            keys = [f"pairing:{lo}+{ac}"]
        else:
            with contextlib.suppress(ValueError, TypeError):
                keys.append("activation:" + get_activation(name).name)
            try:
                lname = get_loss(name).name
                keys += [f"loss:{lname}", f"cost:{lname}"]
            except (ValueError, TypeError):
                pass
            if name.startswith("loss:") or name.startswith("activation:"):
                keys.append(name)
        hits = [d for d in everything if d.key in keys or d.key == name]
        if not hits:
            hits = [d for d in everything if name in d.key]
        if not hits:
            raise ValueError(
                f"no derivation matches {raw!r}; try an activation ({', '.join(ACTIVATIONS)}), "
                f"a loss ({', '.join(LOSSES)}), LOSS+ACTIVATION, cost, l2, linear or convention"
            )
        for d in hits:
            if d not in selected:
                selected.append(d)
    return selected
