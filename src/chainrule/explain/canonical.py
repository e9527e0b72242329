"""What the explanation says about each canonical pair, keyed by the output activation.

A canonical pair (sigmoid + binary cross-entropy, softmax + categorical cross-entropy,
identity + squared error; :func:`chainrule.backprop.is_canonical`) has ∂L/∂z = a − y, the
fused output step.  These texts say why that holds, how chainrule evaluates the loss, and
what the fused step gains over the general path dA[L] ⊙ g′(Z[L]).  ``{L}`` stands for the
output layer's number.  The derivations themselves are :mod:`chainrule.symbolic`'s
(``derive_pairing``); the sections of :mod:`chainrule.explain.sections` quote these texts.
"""

from __future__ import annotations

__all__ = ["FROM_LOGITS_NOTE", "FUSED_GAIN", "FUSED_REASON", "GENERAL_COST"]

FUSED_REASON = {
    "sigmoid": "$σ′ = a(1 − a)$ cancels both denominators $a$ and $1 − a$ of $∂L/∂a$",
    "softmax": (
        "the softmax Jacobian turns $−yₖ/aₖ$ into $aⱼ Σₖ yₖ − yⱼ$, and each target column sums "
        "to 1 ($Σₖ yₖ = 1$)"
    ),
    "identity": "$g′ = 1$, so $∂L/∂z = ∂L/∂a = a − y$ (the ½ in $L$ cancels the 2 of the square)",
}
"""Why ∂L/∂z = a − y, per canonical pair (keyed by the output activation)."""

# The numerical side of each canonical pair; "{L}" is the output layer's number.  Only the
# cross-entropies have a log (and a division in ∂L/∂a) that a saturated output can break;
# identity + squared error has neither, and its fused step is the general one with g′ = 1.
FROM_LOGITS_NOTE = {
    "sigmoid": (
        "chainrule evaluates $L$ from $Z[{L}]$ (Loss.from_logits: $L = log(1 + e^z) − y z$ "
        "with logaddexp), so a saturated $A[{L}]$ (σ rounded to 0 or 1) never gives $log(0)$."
    ),
    "softmax": (
        "chainrule evaluates $L$ from $Z[{L}]$ (Loss.from_logits: log-softmax, "
        "$log aₖ = zₖ − log Σⱼ e^zⱼ$ in log-sum-exp form), so a saturated $A[{L}]$ "
        "(some $aₖ$ rounded to 0) never gives $log(0)$."
    ),
    "identity": (
        "The output is the identity, so $A[{L}] = Z[{L}]$ and $L$ is the plain squared error "
        "of $Z[{L}]$ (Loss.from_logits is the same formula): no log, no exponential, no "
        "special form needed."
    ),
}
"""The loss-evaluation note, per canonical pair (keyed by the output activation)."""

FUSED_GAIN = {
    "sigmoid": (
        "chainrule never forms $dA[{L}]$ on this path, so it never divides by $A[{L}]$ or "
        "$1 − A[{L}]$ (exact even where sigmoid saturates to 0 or 1)."
    ),
    "softmax": (
        "chainrule never forms $dA[{L}]$ on this path, so it never divides by $A[{L}]$ "
        "(exact even where softmax saturates, some $aₖ$ rounded to 0)."
    ),
    "identity": (
        "Nothing is divided and nothing saturates here: the fused step is the general path "
        "$dA[{L}] ⊙ g′(Z[{L}])$ without its product by 1, with the same numbers."
    ),
}
"""What the fused step gains, per canonical pair (keyed by the output activation)."""

GENERAL_COST = {
    "sigmoid": " without dividing by $A[{L}]$ and $1 − A[{L}]$",
    "softmax": " without dividing by $A[{L}]$",
    "identity": ", here with no division either: the general path only multiplies by $g′ = 1$",
}
"""What the general path costs for a canonical pair, compared with the fused step."""
