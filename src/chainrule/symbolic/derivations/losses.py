r"""Where each loss's derivative ∂L/∂a is proved, and the cost J = (1/m) Σᵢ L⁽ⁱ⁾ with it.

* :func:`derive_loss` differentiates ``Loss.formula`` (L(a, y)) with SymPy and
  shows the difference to ``Loss.dA_formula`` simplifies to 0 (over 3 units
  when the loss sums over units); numerically against ``Loss.per_example``
  and ``Loss.dA``.
* :func:`derive_cost` builds J = (1/m) Σᵢ L(a⁽ⁱ⁾, y⁽ⁱ⁾) for a concrete m and
  shows ∂J/∂a⁽ⁱ⁾ = (1/m) ∂L/∂a⁽ⁱ⁾ for every example and unit; numerically
  against central differences of ``losses.cost``.
* :func:`derive_cost_general` shows the same for any loss and a symbolic m:
  the 1/m belongs to J, never to ``Loss.dA``.
"""

from __future__ import annotations

import numpy as np

from chainrule.losses import Loss, cost, get_loss
from chainrule.symbolic.cache import cached
from chainrule.symbolic.derivations.checks import (
    N_POINTS,
    RTOL,
    is_zero,
    lambdify,
    random_targets,
    rel_error,
)
from chainrule.symbolic.derivations.forms import LOSS_KEYS, loss_dA, loss_expr, loss_units, vec
from chainrule.symbolic.formula.evaluate import sym
from chainrule.symbolic.formula.latex import unicode_to_latex
from chainrule.symbolic.formula.printing import to_latex, to_unicode
from chainrule.symbolic.lazy_sympy import require_sympy
from chainrule.symbolic.results import Derivation, Step

__all__ = ["derive_cost", "derive_cost_general", "derive_loss"]


def derive_loss(loss: str | Loss) -> Derivation:
    """Derive ∂L/∂a from ``Loss.formula`` and compare with ``Loss.dA_formula`` and ``Loss.dA``.

    Parameters
    ----------
    loss : str or Loss

    Returns
    -------
    Derivation
    """
    return _derive_loss(get_loss(loss))


@cached(LOSS_KEYS)
def _derive_loss(loss: Loss) -> Derivation:
    sp = require_sympy()
    K = loss_units(loss)
    L = loss_expr(loss, K)
    a_s, y_s = vec("a", K), vec("y", K)
    comps = [None] if K is None else list(range(1, K + 1))
    derived = [sp.diff(L, ak) for ak in a_s]
    library = [loss_dA(loss, K, k) for k in comps]
    symbolic_ok = all(is_zero(d - lib) for d, lib in zip(derived, library, strict=True))
    # numbers: per_example and dA against the SymPy forms
    rng = np.random.default_rng(1)
    n = N_POINTS
    Kn = 1 if K is None else K
    A = rng.uniform(0.05, 0.95, size=(Kn, n))
    if loss.canonical_activation == "softmax":
        A = rng.dirichlet(np.ones(Kn), size=n).T
    Y = random_targets(loss, Kn, n, rng)
    fL = lambdify([*a_s, *y_s], L)
    fd = [lambdify([*a_s, *y_s], d) for d in derived]
    args = [*A, *Y]
    err = max(
        rel_error(loss.per_example(A, Y)[0], fL(*args)),
        rel_error(loss.dA(A, Y), np.array([f(*args) for f in fd])),
    )
    steps = (
        Step("loss", loss.formula, unicode_to_latex(loss.formula)),
        Step(f"SymPy ∂L/∂{to_unicode(a_s[0])}", to_unicode(derived[0]), to_latex(derived[0])),
        Step("library", loss.dA_formula, unicode_to_latex(loss.dA_formula)),
        Step(
            "check",
            "simplify(SymPy − library) = 0" + ("" if K is None else f" for each of {K} units"),
            r"\operatorname{simplify}(\text{SymPy} - \text{library}) = 0",
        ),
    )
    notes = () if K is None else (f"derived with {K} output units",)
    return Derivation(
        key=f"loss:{loss.name}",
        title=f"{loss.name}: {loss.dA_formula}",
        claim=loss.dA_formula,
        steps=steps,
        symbolic_ok=symbolic_ok,
        numeric_ok=err <= RTOL,
        numeric_error=err,
        n_points=n,
        notes=notes,
    )


def derive_cost(loss: str | Loss, m: int = 3) -> Derivation:
    """J = (1/m) Σᵢ L(a⁽ⁱ⁾, y⁽ⁱ⁾) with concrete m gives ∂J/∂a⁽ⁱ⁾ = (1/m) ∂L/∂a(a⁽ⁱ⁾, y⁽ⁱ⁾).

    Checked symbolically for every example and unit, and numerically against
    ``losses.cost(loss.per_example(A, Y))`` (central differences) and
    ``Loss.dA / m``.  For squared error this is J = (1/2m) Σᵢ (a⁽ⁱ⁾ − y⁽ⁱ⁾)²
    and ∂J/∂a⁽ⁱ⁾ = (a⁽ⁱ⁾ − y⁽ⁱ⁾)/m.

    Parameters
    ----------
    loss : str or Loss
    m : int, default=3

    Returns
    -------
    Derivation
    """
    return _derive_cost(get_loss(loss), int(m))


@cached(LOSS_KEYS)
def _derive_cost(loss: Loss, m: int) -> Derivation:
    sp = require_sympy()
    K = 2 if loss.canonical_activation == "softmax" else None
    Ls = [loss_expr(loss, K, example=i) for i in range(1, m + 1)]
    J = sp.Rational(1, m) * sp.Add(*Ls)
    comps = [None] if K is None else list(range(1, K + 1))
    ok = True
    shown = None
    for i in range(1, m + 1):
        for k in comps:
            a_ik = sym("a", k, i)
            lib = sp.Rational(1, m) * loss_dA(loss, K, k, example=i)
            d = sp.diff(J, a_ik)
            ok = ok and is_zero(d - lib)
            if shown is None:
                shown = (a_ik, d, lib)
    assert shown is not None
    # numbers: central differences of losses.cost against Loss.dA / m
    rng = np.random.default_rng(3)
    Kn = 1 if K is None else K
    mm = 5
    A = rng.uniform(0.1, 0.9, size=(Kn, mm))
    Y = random_targets(loss, Kn, mm, rng)
    want = loss.dA(A, Y) / mm
    h = 1e-6
    got = np.zeros_like(A)
    for idx in np.ndindex(*A.shape):
        Ap, Am = A.copy(), A.copy()
        Ap[idx] += h
        Am[idx] -= h
        got[idx] = (cost(loss.per_example(Ap, Y)) - cost(loss.per_example(Am, Y))) / (2 * h)
    err = float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))
    a_ik, d, lib = shown
    J_text = to_unicode(J)
    steps = (
        Step(f"J, m = {m}", J_text, to_latex(J)),
        Step(f"SymPy ∂J/∂{to_unicode(a_ik)}", to_unicode(d), to_latex(d)),
        Step("(1/m) · library ∂L/∂a", to_unicode(lib), to_latex(lib)),
        Step(
            "check",
            f"equal for all {m * len(comps)} entries a⁽ⁱ⁾",
            rf"\text{{equal for all {m * len(comps)} entries }} a^{{(i)}}",
        ),
    )
    return Derivation(
        key=f"cost:{loss.name}",
        title=f"{loss.name}: ∂J/∂a⁽ⁱ⁾ = (1/m) ∂L/∂a⁽ⁱ⁾",
        verdict=f"J = mean of L, m = {m}",
        claim="∂J/∂a⁽ⁱ⁾ = (1/m) ∂L/∂a⁽ⁱ⁾",
        steps=steps,
        symbolic_ok=ok,
        numeric_ok=err <= 1e-7,
        numeric_error=err,
        n_points=A.size,
        notes=("numerically: central differences of losses.cost (h = 1e-6) against Loss.dA / m",),
    )


@cached()
def derive_cost_general() -> Derivation:
    """For any per-example loss L and a symbolic m: ∂J/∂a⁽ʲ⁾ = (1/m) ∂L/∂a(a⁽ʲ⁾, y⁽ʲ⁾)."""
    sp = require_sympy()
    m = sp.Symbol("m", integer=True, positive=True)
    i, j = sp.symbols("i j", integer=True, positive=True)
    a, y = sp.IndexedBase("a"), sp.IndexedBase("y")
    ell = sp.Function("ell")
    J = sp.Sum(ell(a[i], y[i]), (i, 1, m)) / m
    d = sp.diff(J, a[j]).doit()
    d = sp.simplify(d)
    want = sp.Derivative(ell(a[j], y[j]), a[j]) / m
    ok = False
    if isinstance(d, sp.Piecewise):
        first, cond = d.args[0]
        ok = (
            bool(sp.simplify(first - want) == 0) and bool(cond.subs(j, m)) and bool(cond.subs(j, 1))
        )
    else:
        ok = bool(sp.simplify(d - want) == 0)
    # numerically: (1/m) Σ L for a random loss-like function is checked in derive_cost
    u = "J = (1/m) Σᵢ₌₁..ₘ L(a⁽ⁱ⁾, y⁽ⁱ⁾)"
    steps = (
        Step("cost", u, r"J = \frac{1}{m} \sum_{i=1}^{m} L(a^{(i)}, y^{(i)})"),
        Step(
            "SymPy ∂J/∂a⁽ʲ⁾",
            "(1/m) Σᵢ δᵢⱼ ∂L/∂a(a⁽ⁱ⁾, y⁽ⁱ⁾) = (1/m) ∂L/∂a(a⁽ʲ⁾, y⁽ʲ⁾) for 1 ≤ j ≤ m",
            r"\frac{1}{m} \sum_{i} \delta_{ij} \frac{\partial L}{\partial a}(a^{(i)}, y^{(i)})"
            r" = \frac{1}{m} \frac{\partial L}{\partial a}(a^{(j)}, y^{(j)}),"
            r" \quad 1 \leq j \leq m",
        ),
        Step(
            "so",
            "∂L/∂a (Loss.dA) has no 1/m; the 1/m belongs to J",
            r"\partial L/\partial a\ (\texttt{Loss.dA}) \text{ has no } 1/m"
            r" \text{; the } 1/m \text{ belongs to } J",
        ),
    )
    return Derivation(
        key="cost",
        title="cost: ∂J/∂a⁽ʲ⁾ = (1/m) ∂L/∂a⁽ʲ⁾",
        verdict="any loss, symbolic m",
        claim="∂J/∂a⁽ʲ⁾ = (1/m) ∂L/∂a⁽ʲ⁾",
        steps=steps,
        symbolic_ok=ok,
        numeric_ok=True,
        numeric_error=0.0,
        n_points=0,
        notes=("the numerical side is checked per loss by derive_cost",),
    )
