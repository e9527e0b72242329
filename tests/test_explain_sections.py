"""The seams of ``chainrule.explain``: each section builder, and the two renderers, on their own.

tests/test_explain.py checks whole explanations against golden files; here each builder of
:mod:`chainrule.explain.sections` renders one section of a small network, and the lines are
written out by hand from the course's formulas.
"""

from __future__ import annotations

import pytest

import chainrule
from chainrule.explain import explain
from chainrule.explain.document import Document, Item, Para, Row, Rule, Section
from chainrule.explain.render import to_markdown, to_text
from chainrule.explain.sections import (
    SECTIONS,
    Setting,
    backward,
    build,
    forward,
    loss_and_cost,
    notation,
    parameters,
    title,
    where_1_over_m,
)


def _net(**kwargs):
    spec = {"hidden": "tanh", "seed": 0, **kwargs}
    return chainrule.Network([2, 3, 1], **spec)


def _lines(section: Section) -> list[str]:
    """The section as text, without the blank line and the title's underline."""
    return to_text(Document([], [section])).splitlines()[3:]


def _words(section: Section) -> str:
    return " ".join(to_text(Document([], [section])).split())


def test_title():
    s = Setting(_net(l2=0.1), 4, "course", None)
    assert title(s) == [
        "chainrule explain: 2 → 3 → 1  (L = 2 layers, 13 parameters, float64)",
        "hidden: tanh · output: sigmoid · loss: binary_crossentropy · λ = 0.1 · m = 4 · "
        "convention: course",
    ]
    assert "m = number of examples (not given)" in title(Setting(_net(), None, "cost", None))[1]


@pytest.mark.parametrize(
    ("convention", "said"),
    [
        ("course", "dA[l], dZ[l] are ∂L/∂A[l], ∂L/∂Z[l], per example (course convention)."),
        ("cost", "dA[l], dZ[l] are ∂J/∂A[l], ∂J/∂Z[l]: they carry the 1/m (cost convention)."),
    ],
)
def test_notation_says_what_dA_and_dZ_are(convention, said):
    text = _words(notation(Setting(_net(), 4, convention, None)))
    assert text.startswith("Notation ")
    assert "L is the loss of ONE example; J = (1/m) Σᵢ L⁽ⁱ⁾ is the cost." in text
    assert text.endswith(said)


def test_parameters():
    s = Setting(_net(), 4, "course", None)
    assert _lines(parameters(s)) == [
        "    W[1], b[1]  W[1]: (3, 2)  b[1]: (3, 1)  n[1] × n[0] and n[1] × 1; 9 numbers",
        "    W[2], b[2]  W[2]: (1, 3)  b[2]: (1, 1)  n[2] × n[1] and n[2] × 1; 4 numbers",
    ]
    assert s.shapes == {"W[1]": (3, 2), "b[1]": (3, 1), "W[2]": (1, 3), "b[2]": (1, 1)}


def test_forward_with_dropout():
    s = Setting(_net(dropout=0.5), 4, "course", None)
    assert _lines(forward(s)) == [
        "    A[0] = X                 X: (2, 4)     one column per example",
        "  layer 1: tanh, tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))",
        "    Z[1] = W[1] A[0] + b[1]  Z[1]: (3, 4)  b[1] is broadcast over the m columns",
        "    A[1] = tanh(Z[1])        A[1]: (3, 4)",
        "    A[1] ← A[1] ⊙ D[1]       D[1]: (3, 4)  training only: inverted dropout, "
        "D[1] = (U < 0.5) / 0.5; off in the checks below",
        "  layer 2 (output): sigmoid, σ(z) = 1 / (1 + e^(−z))",
        "    Z[2] = W[2] A[1] + b[2]  Z[2]: (1, 4)",
        "    A[2] = σ(Z[2])           A[2]: (1, 4)",
    ]
    assert list(s.shapes) == ["X", "Z[1]", "A[1]", "D[1]", "Z[2]", "A[2]"]


def test_loss_and_cost_marks_where_L_ends_and_J_begins():
    s = Setting(_net(l2=0.1), 4, "course", None)
    lines = _lines(loss_and_cost(s))
    assert lines[0].startswith("    L⁽ⁱ⁾ = L(a[2]⁽ⁱ⁾, y⁽ⁱ⁾)  ")
    assert lines[0].endswith("L(a, y) = −[y log a + (1 − y) log(1 − a)], one value per example")
    rules = [i for i, line in enumerate(lines) if line.startswith("  ── ")]
    J = next(i for i, line in enumerate(lines) if line.startswith("    J = "))
    assert rules == [J - 1, J + 1]
    assert lines[J - 1].startswith("  ── L ends here")
    assert lines[J + 1].startswith("  ── J begins here")
    assert "J = (1/m) Σᵢ L⁽ⁱ⁾ + (λ/2m) Σₗ ‖W[l]‖²  J: scalar" in lines[J]
    assert lines[J].endswith("with m = 4: J = (1/4) Σᵢ L⁽ⁱ⁾; λ = 0.1, biases not regularised")
    assert s.shapes == {"L": (1, 4), "Y": (1, 4), "J": ()}


def _formulas(section: Section) -> list[str]:
    return [it.formula for it in section.items if isinstance(it, Row)]


def test_backward_course_fused():
    s = Setting(_net(dropout=0.5), 4, "course", None)
    sec = backward(s)
    assert _formulas(sec) == [
        "dZ[2] = A[2] − Y",
        "dW[2] = (1/m) dZ[2] A[1]ᵀ",
        "db[2] = (1/m) Σᵢ dZ[2]⁽ⁱ⁾",
        "dA[1] = W[2]ᵀ dZ[2]",
        "dA[1] ← dA[1] ⊙ D[1]",
        "dZ[1] = dA[1] ⊙ tanh′(Z[1])",
        "dW[1] = (1/m) dZ[1] Xᵀ",
        "db[1] = (1/m) Σᵢ dZ[1]⁽ⁱ⁾",
        "dA[0] = W[1]ᵀ dZ[1]",
    ]
    lines = _lines(sec)
    assert (
        lines[0]
        == "  layer 2 (output): fused step, sigmoid + binary_crossentropy is a canonical pair"
    )
    assert lines[1].endswith("dZ[2]: (1, 4)  ∂L/∂Z[2] per example, no 1/m")
    assert "  layer 1: tanh" in lines
    assert _words(sec).count("← 1/m enters here") == 2  # in dW[2] and dW[1]
    assert s.shapes["dZ[1]"] == (3, 4)
    assert s.shapes["dA[0]"] == (2, 4)


def test_backward_cost_general_path():
    s = Setting(_net(loss="mse"), None, "cost", None)
    sec = backward(s)
    assert _formulas(sec) == [
        "dA[2] = (1/m)(A[2] − Y)",
        "dZ[2] = dA[2] ⊙ σ′(Z[2])",
        "dW[2] = dZ[2] A[1]ᵀ",
        "db[2] = Σᵢ dZ[2]⁽ⁱ⁾",
        "dA[1] = W[2]ᵀ dZ[2]",
        "dZ[1] = dA[1] ⊙ tanh′(Z[1])",
        "dW[1] = dZ[1] Xᵀ",
        "db[1] = Σᵢ dZ[1]⁽ⁱ⁾",
        "dA[0] = W[1]ᵀ dZ[1]",
    ]
    text = _words(sec)
    assert "∂J/∂A[2] = (1/m) ∂L/∂A[2] ← 1/m enters here" in text
    assert "Why not A − Y: squared_error's canonical output is identity, not sigmoid" in text
    assert s.shapes["dA[2]"] == s.shapes["dZ[2]"] == (1, "m")


@pytest.mark.parametrize("convention", ["course", "cost"])
def test_where_1_over_m_marks_the_convention_used(convention):
    sec = where_1_over_m(Setting(_net(l2=0.1), 4, convention, None))
    paras = [it.text for it in sec.items if isinstance(it, Para)]
    assert len(paras) == 3
    used = 0 if convention == "course" else 1
    assert paras[used].startswith(f"{convention} (used here): ")
    assert "(used here)" not in paras[1 - used]
    assert "The L2 term adds $(λ/m) W[l]$ to $dW[l]$ under both" in paras[2]


def test_build_runs_every_builder_in_order():
    net = _net()
    doc, shapes = build(net, 4, "course", None)
    assert [sec.title for sec in doc.sections] == [
        f(Setting(net, 4, "course", None)).title for f in SECTIONS
    ]
    assert doc.title == title(Setting(net, 4, "course", None))
    assert shapes == explain(net, m=4, verify=False).shapes


def test_text_renderer_aligns_rows_and_wraps_prose():
    doc = Document(
        ["a title"],
        [
            Section(
                "S $x$",
                [
                    Row("a = b", [("a", (2, "m"))], "note $y$", group="group"),
                    Row("long = formula", [("J", ())]),
                    Rule("a rule"),
                    Para("word " * 30),
                    Item("✓ item", "✓ *item*"),
                ],
            )
        ],
    )
    lines = to_text(doc).splitlines()
    assert lines[:7] == [
        "a title",
        "",
        "S x",
        "───",
        "  group",
        "    a = b           a: (2, m)  note y",
        "    long = formula  J: scalar",
    ]
    assert lines[7] == "  ── a rule ──"
    assert all(len(line) <= 96 for line in lines)
    assert lines[-1] == "  ✓ item"


def test_markdown_renderer_tables_rules_and_bullets():
    doc = Document(
        ["t", "second"],
        [
            Section(
                "S",
                [
                    Row("a = b", [("a", (2, 1))], "n|o"),
                    Rule("r"),
                    Item("✓ x", "✓ *x*"),
                    Para("p"),
                ],
            )
        ],
    )
    assert to_markdown(doc) == (
        "### t\n\nsecond  \n\n#### S\n\n"
        "| | formula | shape | note |\n|---|---|---|---|\n"
        "|  | $a = b$ | $a$: (2, 1) | n\\|o |\n\n"
        "*— r —*\n\n- ✓ *x*\n\np\n"
    )
