r"""Where the output layer's dZ[L] is proved: dL/dz through each output activation and loss.

:func:`derive_pairing` derives ∂L/∂zₖ = Σⱼ ∂L/∂aⱼ ∂aⱼ/∂zₖ from the forward
formulas, checks it against the library's general path
(``Loss.dA_formula`` times the activation's derivative;
``backprop.output_delta(fused=False)``), and decides whether it equals the
fused ``a − y`` (``Loss.fused_formula``): proved symbolically when it does,
shown by a numerical counterexample when it does not.  It must hold exactly
for the canonical pairs (sigmoid + binary cross-entropy, softmax + categorical
cross-entropy, identity + squared error) and fail for every other pair
:func:`allowed_pairings` lists.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import backprop
from chainrule.activations import ACTIVATIONS, Activation, get_activation
from chainrule.losses import LOSSES, Loss, get_loss
from chainrule.symbolic.cache import cached
from chainrule.symbolic.derivations.checks import (
    N_POINTS,
    RTOL,
    is_zero,
    is_zero_piecewise,
    lambdify,
    nonsmooth,
    random_targets,
    rel_error,
)
from chainrule.symbolic.derivations.forms import (
    ACTIVATION_KEYS,
    LOSS_KEYS,
    activation_output,
    derivative_matrix,
    loss_dA,
    loss_expr,
    loss_units,
    vec,
)
from chainrule.symbolic.formula.evaluate import formula_to_sympy
from chainrule.symbolic.formula.latex import unicode_to_latex
from chainrule.symbolic.formula.parser import lhs_name
from chainrule.symbolic.formula.printing import shorter, to_latex, to_unicode
from chainrule.symbolic.lazy_sympy import require_sympy
from chainrule.symbolic.results import Derivation, Step

__all__ = ["allowed_pairings", "derive_pairing"]


def allowed_pairings() -> list[tuple[str, str]]:
    """Every (loss name, output activation name) :class:`Network` accepts, in registry order."""
    from chainrule.network import Network

    out = []
    for lname in LOSSES:
        for aname in ACTIVATIONS:
            try:
                Network([2, 3], output=aname, loss=lname, seed=0)
            except ValueError:
                continue
            out.append((lname, aname))
    return out


def derive_pairing(loss: str | Loss, activation: str | Activation) -> Derivation:
    """dL/dz through the output activation, against the fused ``a − y``.

    Derives ∂L/∂zₖ = Σⱼ ∂L/∂aⱼ ∂aⱼ/∂zₖ from the forward formulas, checks that
    it equals the library's general path (``Loss.dA_formula`` times the
    activation's derivative) symbolically and numerically
    (``backprop.output_delta(fused=False)``), and decides whether it equals the
    fused form ``Loss.fused_formula`` (a − y): symbolically when it does,
    by a numerical counterexample when it does not.  For categorical
    cross-entropy the targets satisfy Σₖ yₖ = 1, which the derivation uses.

    Parameters
    ----------
    loss : str or Loss
    activation : str or Activation

    Returns
    -------
    Derivation
        ``canonical`` and ``fused_holds`` say whether the pair is canonical
        in chainrule and whether dL/dz = a − y; ``ok`` requires them equal.
    """
    return _derive_pairing(get_loss(loss), get_activation(activation))


@cached(LOSS_KEYS, ACTIVATION_KEYS)
def _derive_pairing(loss: Loss, act: Activation) -> Derivation:
    sp = require_sympy()
    loss_K = loss_units(loss)
    if not act.elementwise:
        K: int | None = 3
    elif loss_K is None:
        K = None
    else:
        K = 2
    zs, y_s = vec("z", K), vec("y", K)
    a_s = vec("a", K)
    outs = activation_output(act, zs)
    n = len(zs)
    L_a = loss_expr(loss, K)
    L_z = L_a.subs(dict(zip(a_s, outs, strict=True)), simultaneous=True)
    constraint: dict[Any, Any] = {}
    notes: list[str] = []
    if loss.name == "categorical_crossentropy" and K is not None:
        constraint = {y_s[-1]: 1 - sp.Add(*y_s[:-1])}
        notes.append(
            "uses Σₖ yₖ = 1 (targets of categorical cross-entropy are probability columns)"
        )
    derived = [sp.diff(L_z, zk) for zk in zs]
    # general path: Σⱼ ∂L/∂aⱼ · ∂aⱼ/∂zₖ with the library's two closed forms
    dA = [loss_dA(loss, K, None if K is None else j + 1) for j in range(n)]
    J = derivative_matrix(act, K)
    general_a = [sp.Add(*[dA[j] * J[j][k] for j in range(n)]) for k in range(n)]
    to_z = dict(zip(a_s, outs, strict=True))
    general = [g.subs(to_z, simultaneous=True) for g in general_a]
    fused_a = [
        formula_to_sympy(
            loss.fused_formula, K=K, default=None if K is None else k + 1, idx={"k": k + 1}
        )
        for k in range(n)
    ]
    fused = [f.subs(to_z, simultaneous=True) for f in fused_a]
    kinked = nonsmooth(sp.Add(*outs)) or nonsmooth(sp.Add(*general))

    def zero(e: Any) -> bool:
        e = e.subs(constraint)
        return is_zero_piecewise(e, zs) if kinked else is_zero(e, zs)

    symbolic_ok = all(zero(d - g) for d, g in zip(derived, general, strict=True))
    canonical = backprop.is_canonical(loss, act)
    # numbers
    rng = np.random.default_rng(2)
    npts = N_POINTS
    Z = rng.normal(0.0, 2.0, size=(n, npts))
    if kinked:
        Z[np.abs(Z) < 1e-3] = 0.5
    Y = random_targets(loss, n, npts, rng)
    A = act.forward(Z.copy())
    fd = [lambdify([*zs, *y_s], d) for d in derived]
    sym_dz = np.array([f(*Z, *Y) for f in fd])
    dz_general, _ = backprop.output_delta(loss, act, A, Z, Y, fused=False)
    err = rel_error(dz_general, sym_dz)
    if canonical:
        dz_fused, _ = backprop.output_delta(loss, act, A, Z, Y)
        err = max(err, rel_error(dz_fused, sym_dz))
    # does dL/dz equal a − y?
    ffused = [lambdify([*zs, *y_s], f) for f in fused]
    gap = float(np.max(np.abs(sym_dz - np.array([f(*Z, *Y) for f in ffused]))))
    if gap > 1e-6:
        fused_holds = False
        j = int(np.argmax(np.max(np.abs(sym_dz - np.array([f(*Z, *Y) for f in ffused])), axis=0)))
        notes.append(
            f"dL/dz ≠ a − y: at z = {np.array2string(Z[:, j], precision=3)}, "
            f"y = {np.array2string(Y[:, j], precision=3)} they differ by {gap:.3g}"
        )
    else:
        fused_holds = all(zero(d - f) for d, f in zip(derived, fused, strict=True))
    show = shorter(derived[0].subs(constraint))
    show_a = general_a[0]
    long = len(to_unicode(show)) > 120
    gname = lhs_name(act.derivative_formula)
    steps = [
        Step("output", act.formula, unicode_to_latex(act.formula)),
        Step("loss", loss.formula, unicode_to_latex(loss.formula)),
        Step(
            f"SymPy ∂L/∂{to_unicode(zs[0])}",
            f"({show.count_ops()} operations in z; equal to the chain rule below)"
            if long
            else to_unicode(show),
            r"\text{(long expression in } z\text{)}" if long else to_latex(show),
        ),
        Step(
            "chain rule",
            f"∂L/∂a · {gname} = {to_unicode(show_a)}",
            rf"\frac{{\partial L}}{{\partial a}} \cdot {unicode_to_latex(gname)} = "
            + to_latex(show_a),
        ),
    ]
    if fused_holds:
        steps.append(Step("fused", loss.fused_formula, unicode_to_latex(loss.fused_formula)))
    else:
        steps.append(Step("fused?", "∂L/∂z ≠ a − y", r"\frac{\partial L}{\partial z} \neq a - y"))
    return Derivation(
        key=f"pairing:{loss.name}+{act.name}",
        title=f"{act.name} + {loss.name}: ∂L/∂z {'=' if fused_holds else '≠'} a − y",
        verdict="fused" if fused_holds else "general path",
        claim=loss.fused_formula if canonical else f"∂L/∂z = ∂L/∂a ⊙ {gname}(z)",
        steps=tuple(steps),
        symbolic_ok=symbolic_ok,
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=npts,
        notes=tuple(notes),
        canonical=canonical,
        fused_holds=fused_holds,
    )
