r"""Where each activation's derivative g′ is proved: tanh, sigmoid, ReLU, leaky ReLU, softmax ...

:func:`derive_activation` takes ``Activation.formula`` (``tanh(z) = …``),
differentiates it with SymPy and shows that the difference to the library's
``Activation.derivative_formula`` (``tanh′(z) = 1 − a²``, with a = g(z))
simplifies to 0; then compares the SymPy derivative with the NumPy code
(``forward``, ``derivative``, ``backward``) at random points.  It works on any
activation object, so every entry of ``ACTIVATIONS`` is covered by the same code:

* elementwise activations: d/dz of the forward formula; at a kink (ReLU,
  leaky ReLU) both sides separately, and the library's value at z = 0 must lie
  between the one-sided derivatives (a subgradient);
* softmax (not elementwise): the 3 × 3 Jacobian ∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ), and
  ``backward`` applied to unit vectors.
"""

from __future__ import annotations

import numpy as np

from chainrule.activations import Activation, get_activation
from chainrule.symbolic.cache import cached
from chainrule.symbolic.derivations.checks import (
    N_POINTS,
    RTOL,
    is_zero,
    is_zero_piecewise,
    lambdify,
    nonsmooth,
    rel_error,
)
from chainrule.symbolic.derivations.forms import (
    ACTIVATION_KEYS,
    activation_output,
    activation_values,
    derivative_matrix,
    vec,
)
from chainrule.symbolic.formula.evaluate import formula_to_sympy, sym
from chainrule.symbolic.formula.latex import unicode_to_latex
from chainrule.symbolic.formula.parser import lhs_name
from chainrule.symbolic.formula.printing import shorter, to_latex, to_unicode
from chainrule.symbolic.lazy_sympy import require_sympy
from chainrule.symbolic.results import Derivation, Step

__all__ = ["derive_activation"]


def derive_activation(activation: str | Activation) -> Derivation:
    """Derive g′ from ``Activation.formula`` and compare with the library.

    Elementwise activations: d/dz of the forward formula against
    ``derivative_formula`` (with a = g(z)); for kinks (ReLU, leaky ReLU) on
    both sides, and the library's value at z = 0 must lie between the one-sided
    derivatives.  Softmax: the 3 × 3 Jacobian ∂aₖ/∂zⱼ.  Numerically against
    ``forward``, ``derivative`` and ``backward``.

    Parameters
    ----------
    activation : str or Activation

    Returns
    -------
    Derivation
    """
    return _derive_activation(get_activation(activation))


@cached(ACTIVATION_KEYS)
def _derive_activation(act: Activation) -> Derivation:
    return _derive_elementwise(act) if act.elementwise else _derive_softmax_like(act)


def _derive_elementwise(act: Activation) -> Derivation:
    sp = require_sympy()
    z, a = sym("z"), sym("a")
    values = activation_values(act)
    g = formula_to_sympy(act.formula, values=values)
    derived = sp.diff(g, z)
    lib_in_a = formula_to_sympy(act.derivative_formula, values=values)
    library = lib_in_a.subs(a, g)
    diff = derived - library
    notes: list[str] = []
    kinked = nonsmooth(g) or nonsmooth(library)
    name = lhs_name(act.derivative_formula)
    if kinked:
        symbolic_ok = is_zero_piecewise(diff, [z])
        p = sp.Symbol("_p", positive=True)
        left = sp.limit(derived.subs(z, -p), p, 0, "+")
        right = sp.limit(derived.subs(z, p), p, 0, "+")
        at0 = library.subs(z, 0)
        sub_ok = bool(sp.Min(left, right) <= at0) and bool(at0 <= sp.Max(left, right))
        symbolic_ok = symbolic_ok and sub_ok
        notes.append(
            f"not differentiable at z = 0 (left derivative {to_unicode(left)}, "
            f"right {to_unicode(right)}); "
            f"the library uses {name}(0) = {to_unicode(at0)}, "
            + ("a subgradient" if sub_ok else "NOT between them")
        )
        check = "equal for z > 0 and for z < 0"
    else:
        symbolic_ok = is_zero(diff, [z])
        check = "simplify(SymPy − library) = 0"
    # numbers
    rng = np.random.default_rng(0)
    Z = rng.normal(0.0, 3.0, size=(1, N_POINTS))
    if kinked:
        Z[np.abs(Z) < 1e-3] = 0.5
    Zc = Z.copy()
    A = act.forward(Zc)
    fg, fd = lambdify([z], g), lambdify([z], derived)
    dA = rng.standard_normal(Z.shape)
    err = max(
        rel_error(A, fg(Z)),
        rel_error(act.derivative(Z, A), fd(Z)),
        rel_error(act.backward(dA.copy(), Z, A), dA * fd(Z)),
    )
    shown = shorter(derived)
    steps = (
        Step("forward", act.formula, unicode_to_latex(act.formula)),
        Step("SymPy d/dz", to_unicode(shown), to_latex(shown)),
        Step("library", act.derivative_formula, unicode_to_latex(act.derivative_formula)),
        Step(f"with a = {lhs_name(act.formula)}(z)", to_unicode(library), to_latex(library)),
        Step("check", check, unicode_to_latex(check) if not kinked else r"\text{" + check + "}"),
    )
    return _result(act, steps, symbolic_ok, err, N_POINTS, notes)


def _derive_softmax_like(act: Activation) -> Derivation:
    sp = require_sympy()
    K = 3
    zs = vec("z", K)
    outs = activation_output(act, zs)
    derived = sp.Matrix(K, K, lambda k, j: sp.diff(outs[k], zs[j]))
    lib = sp.Matrix(derivative_matrix(act, K))
    a_sub = {sym("a", k + 1): outs[k] for k in range(K)}
    library = lib.subs(a_sub)
    symbolic_ok = all(
        is_zero(derived[k, j] - library[k, j], zs) for k in range(K) for j in range(K)
    )
    # numbers: Jacobian from backward() with unit vectors, and forward()
    rng = np.random.default_rng(0)
    err = 0.0
    fJ = [[lambdify(zs, derived[k, j]) for j in range(K)] for k in range(K)]
    fA = [lambdify(zs, outs[k]) for k in range(K)]
    for _ in range(N_POINTS // 8):
        zv = rng.normal(0.0, 3.0, size=K)
        Zm = np.tile(zv[:, None], (1, K))
        A = act.forward(Zm.copy())
        dZ = act.backward(np.eye(K), Zm, A)  # column j = Jᵀ e_j
        want = np.array([[float(fJ[k][j](*zv)) for j in range(K)] for k in range(K)])
        err = max(err, rel_error(dZ.T, want), rel_error(A[:, 0], [float(f(*zv)) for f in fA]))
    n_pts = N_POINTS // 8
    e00 = derived[0, 0]
    e01 = derived[0, 1]
    steps = (
        Step("forward", act.formula, unicode_to_latex(act.formula)),
        Step("SymPy ∂a₁/∂z₁", to_unicode(e00), to_latex(e00)),
        Step("SymPy ∂a₁/∂z₂", to_unicode(e01), to_latex(e01)),
        Step("library", act.derivative_formula, unicode_to_latex(act.derivative_formula)),
        Step(
            "check",
            "all 3 × 3 entries: simplify(SymPy − library) = 0",
            r"\text{all } 3 \times 3 \text{ entries: } "
            r"\operatorname{simplify}(\text{SymPy} - \text{library}) = 0",
        ),
    )
    notes = ["Jacobian diag(a) − aaᵀ, checked for 3 units; backward() applies it column by column"]
    return _result(act, steps, symbolic_ok, err, n_pts, notes)


def _result(
    act: Activation,
    steps: tuple[Step, ...],
    symbolic_ok: bool,
    err: float,
    n_points: int,
    notes: list[str],
) -> Derivation:
    """The derivation of ``act``'s g′: named after it, claiming its ``derivative_formula``."""
    return Derivation(
        key=f"activation:{act.name}",
        title=f"{act.name}: {act.derivative_formula}",
        claim=act.derivative_formula,
        steps=steps,
        symbolic_ok=symbolic_ok,
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=n_points,
        notes=tuple(notes),
    )
