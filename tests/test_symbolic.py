"""The symbolic checks (SymPy) over every registry entry, and that they can fail.

Oracles: SymPy's own differentiation of the library's forward formulas, hand
derivations (J = (1/2m) Σ (a − y)² ⇒ ∂J/∂a⁽ⁱ⁾ = (a⁽ⁱ⁾ − y⁽ⁱ⁾)/m), and planted
bugs (a wrong formula string, wrong NumPy code, a false canonical claim) that
must be reported as not holding.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

sp = pytest.importorskip("sympy")

from chainrule import symbolic  # noqa: E402
from chainrule.activations import ACTIVATIONS, LeakyReLU, Sigmoid  # noqa: E402
from chainrule.losses import LOSSES, SquaredError  # noqa: E402
from chainrule.symbolic import (  # noqa: E402
    FormulaSyntaxError,
    formula_to_sympy,
    unicode_to_latex,
)

CANONICAL = {
    ("binary_crossentropy", "sigmoid"),
    ("categorical_crossentropy", "softmax"),
    ("squared_error", "identity"),
}


# -- the registries are covered, and everything holds ------------------------------------------


def test_all_derivations_cover_every_registry_entry_and_pairing():
    keys = {d.key for d in symbolic.all_derivations()}
    for name in ACTIVATIONS:
        assert f"activation:{name}" in keys
    for name in LOSSES:
        assert f"loss:{name}" in keys
        assert f"cost:{name}" in keys
    for lname, aname in symbolic.allowed_pairings():
        assert f"pairing:{lname}+{aname}" in keys
    assert {"cost", "l2", "linear", "convention"} <= keys


def test_allowed_pairings_are_exactly_what_network_accepts():
    pairs = set(symbolic.allowed_pairings())
    # squared error goes with any output; cross-entropies need outputs in (0, 1)
    assert {("squared_error", a) for a in ACTIVATIONS} <= pairs
    assert ("binary_crossentropy", "relu") not in pairs
    assert ("categorical_crossentropy", "identity") not in pairs
    assert pairs >= CANONICAL


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_derivative_holds(name):
    d = symbolic.derive_activation(name)
    assert d.symbolic_ok, d.to_text()
    assert d.numeric_ok, d.to_text()
    assert d.numeric_error <= symbolic.RTOL
    assert d.ok
    assert d.claim == ACTIVATIONS[name]().derivative_formula


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_derivative_and_cost_hold(name):
    d = symbolic.derive_loss(name)
    assert d.ok, d.to_text()
    c = symbolic.derive_cost(name)
    assert c.ok, c.to_text()


@pytest.mark.parametrize(("loss", "act"), symbolic.allowed_pairings())
def test_pairing_fused_form_holds_exactly_for_canonical_pairs(loss, act):
    d = symbolic.derive_pairing(loss, act)
    canonical = (loss, act) in CANONICAL
    assert d.canonical is canonical
    assert d.fused_holds is canonical, d.to_text()
    assert d.symbolic_ok, d.to_text()
    assert d.numeric_ok, d.to_text()
    if not canonical:
        assert any("≠ a − y" in n for n in d.notes)  # the counterexample is shown


def test_general_cost_and_l2_linear_convention_hold():
    for d in (
        symbolic.derive_cost_general(),
        symbolic.derive_l2(),
        symbolic.derive_linear(),
        symbolic.derive_convention(),
    ):
        assert d.ok, d.to_text()


def test_relu_kink_note_names_a_subgradient():
    d = symbolic.derive_activation("relu")
    assert any("subgradient" in n and "left derivative 0, right 1" in n for n in d.notes)


def test_leaky_relu_with_another_alpha_is_derived_with_that_alpha():
    d = symbolic.derive_activation(LeakyReLU(alpha=0.2))
    assert d.ok, d.to_text()
    assert "1/5" in d.to_text()


def test_leaky_relu_alpha_is_limited_to_where_its_formula_holds():
    # 'max(z, αz)' equals "z if z > 0 else αz" only for 0 ≤ α ≤ 1, so the core refuses α > 1
    with pytest.raises(ValueError, match="alpha"):
        LeakyReLU(alpha=2.0)
    for alpha in (0.0, 0.2, 1.0):
        assert symbolic.derive_activation(LeakyReLU(alpha=alpha)).ok


# -- independent oracles ---------------------------------------------------------------------


def test_squared_error_cost_gives_a_minus_y_over_m_by_hand():
    """J = (1/2m) Σ (a − y)², m = 4, written here by hand: ∂J/∂a⁽ⁱ⁾ = (a⁽ⁱ⁾ − y⁽ⁱ⁾)/m."""
    m = 4
    a = sp.symbols("a1:5", real=True)
    y = sp.symbols("y1:5", real=True)
    J = sum((a[i] - y[i]) ** 2 for i in range(m)) / (2 * m)
    for i in range(m):
        assert sp.simplify(sp.diff(J, a[i]) - (a[i] - y[i]) / m) == 0
        assert sp.simplify(sp.diff(J, a[i]) - (y[i] - a[i]) / m) != 0  # the sign matters
    # and the library's loss string, parsed, is ½ (a − y)² per unit
    L = formula_to_sympy(SquaredError.formula, K=1)
    a1, y1 = sp.Symbol("a_1", real=True), sp.Symbol("y_1", real=True)
    assert sp.simplify(L - (a1 - y1) ** 2 / 2) == 0


def test_parser_reads_the_library_strings():
    z = sp.Symbol("z", real=True)
    assert sp.simplify(formula_to_sympy("σ(z) = 1 / (1 + e^(−z))") - 1 / (1 + sp.exp(-z))) == 0
    g = formula_to_sympy("leaky_relu(z) = max(z, αz), α = 0.01")
    assert g == sp.Max(z, z / 100)
    pw = formula_to_sympy("relu′(z) = 1 if z > 0 else 0")
    assert pw.subs(z, 2) == 1
    assert pw.subs(z, -2) == 0
    assert pw.subs(z, 0) == 0
    a1, a2, y1, y2 = sp.symbols("a_1 a_2 y_1 y_2", real=True)
    se = formula_to_sympy("L(a, y) = ½ Σₖ (aₖ − yₖ)²", K=2)
    assert sp.expand(se - ((a1 - y1) ** 2 + (a2 - y2) ** 2) / 2) == 0
    cce = formula_to_sympy("∂L/∂aₖ = −yₖ/aₖ", K=2, idx={"k": 2})
    assert sp.simplify(cce + y2 / a2) == 0
    jac = formula_to_sympy("∂aₖ/∂zⱼ = aₖ(δₖⱼ − aⱼ)", K=2, idx={"k": 1, "j": 1})
    assert sp.expand(jac - a1 * (1 - a1)) == 0


@pytest.mark.parametrize(
    "text",
    ["σ(z) = 1 / (1 + @)", "no equals sign", "g(z) = (z", "L(a, y) = yₖ log aₖ"],
)
def test_parser_rejects_what_it_cannot_read(text):
    with pytest.raises(FormulaSyntaxError):
        formula_to_sympy(text, K=2)


def test_every_formula_string_converts_to_ascii_latex():
    strings = []
    for cls in ACTIVATIONS.values():
        act = cls()
        strings += [act.formula, act.derivative_formula]
    for cls in LOSSES.values():
        lo = cls()
        strings += [lo.formula, lo.dA_formula, lo.fused_formula]
    for s in strings:
        tex = unicode_to_latex(s)
        assert tex.isascii(), (s, tex)
        assert tex.count("{") == tex.count("}"), (s, tex)


def test_latex_of_course_notation():
    assert (
        unicode_to_latex("dW[l] = (1/m) dZ[l] A[l−1]ᵀ")
        == r"dW^{[l]} = (1/m) dZ^{[l]} A^{[l-1]\top}"
    )
    assert unicode_to_latex("σ′(z) = a(1 − a)") == r"\sigma '(z) = a(1 - a)"
    assert unicode_to_latex("L(a, y) = ½ Σₖ (aₖ − yₖ)²") == (
        r"L(a, y) = \tfrac{1}{2} \sum_{k} (a_{k} - y_{k})^{2}"
    )
    assert unicode_to_latex("e^(−z)") == "e^{-z}"


# -- planted bugs: the checks must be able to fail ----------------------------------------------


class _WrongFormulaSigmoid(Sigmoid):
    derivative_formula = "σ′(z) = a(1 + a)"  # wrong string, right code


class _WrongCodeSigmoid(Sigmoid):
    def derivative(self, Z, A):
        return A * (1 + A)  # wrong code, right string

    def backward(self, dA, Z, A, out=None):
        return np.multiply(dA, self.derivative(Z, A), out=out)


class _SignFlippedSquaredError(SquaredError):
    dA_formula = "∂L/∂a = y − a"  # the classic sign bug

    def dA(self, A, Y):
        return Y - A


class _FalselyCanonical(SquaredError):
    canonical_activation = "sigmoid"  # claims A − Y for sigmoid + squared error: false


def test_wrong_derivative_formula_string_is_caught():
    d = symbolic.derive_activation(_WrongFormulaSigmoid())
    assert not d.symbolic_ok
    assert d.numeric_ok  # the NumPy code is still right
    assert not d.ok
    assert d.summary().startswith("✗")


def test_wrong_derivative_code_is_caught():
    d = symbolic.derive_activation(_WrongCodeSigmoid())
    assert d.symbolic_ok
    assert not d.numeric_ok
    assert not d.ok
    assert "DISAGREES" in d.to_text()


def test_sign_flipped_loss_derivative_is_caught():
    d = symbolic.derive_loss(_SignFlippedSquaredError())
    assert not d.symbolic_ok
    assert not d.numeric_ok
    c = symbolic.derive_cost(_SignFlippedSquaredError())
    assert not c.symbolic_ok
    assert not c.numeric_ok


def test_false_canonical_claim_is_caught():
    d = symbolic.derive_pairing(_FalselyCanonical(), "sigmoid")
    assert d.canonical is True
    assert d.fused_holds is False
    assert not d.ok


# -- selection, rendering, optional dependency -----------------------------------------------------


def test_derive_selects_by_name_and_alias():
    keys = [d.key for d in symbolic.derive(["bce", "sigmoid+bce", "l2"])]
    assert keys == [
        "loss:binary_crossentropy",
        "cost:binary_crossentropy",
        "pairing:binary_crossentropy+sigmoid",
        "l2",
    ]
    with pytest.raises(ValueError, match="no derivation matches"):
        symbolic.derive(["nope"])


def test_rendering_text_and_markdown():
    d = symbolic.derive_pairing("cce", "softmax")
    text = d.to_text()
    assert "✓ softmax + categorical_crossentropy: ∂L/∂z = a − y (fused)" in text
    assert "Σₖ yₖ = 1" in text
    md = d.to_markdown()
    assert md.startswith("#### ✓ softmax + categorical_crossentropy: $")
    assert d._repr_markdown_() == md
    assert "max rel. error" not in d.to_text(numbers=False)


def test_missing_sympy_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)
    assert not symbolic.available()
    with pytest.raises(ImportError, match=r"pip install chainrule\[symbolic\]"):
        symbolic.require_sympy()
    with pytest.raises(ImportError, match="symbolic"):
        symbolic.all_derivations()


def test_core_never_imports_sympy():
    code = (
        "import sys, chainrule, chainrule.gradcheck, chainrule.explain\n"
        "net = chainrule.Network([3, 4, 1], seed=0)\n"
        "chainrule.explain(net, m=2, verify=False).markdown\n"
        "assert 'sympy' not in sys.modules, 'core imported sympy'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
