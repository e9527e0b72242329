"""``explain``: golden files, real shapes, verification, errors, the docs page, the command.

Golden files live in tests/golden/; regenerate them (and docs/derivations.md)
after an intended change with::

    CHAINRULE_REGEN_GOLDEN=1 python -m pytest tests/test_explain.py

then review the diff.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule import backprop
from chainrule.cli import main
from chainrule.explain import Explanation, derivations_page, explain
from chainrule.gradcheck import random_data
from chainrule.symbolic import unicode_to_latex

GOLDEN = Path(__file__).parent / "golden"
DOCS = Path(__file__).parent.parent / "docs" / "derivations.md"
REGEN = os.environ.get("CHAINRULE_REGEN_GOLDEN") == "1"

COURSE_4L = {
    "layer_dims": [12288, 20, 7, 5, 1],
    "hidden": "relu",
    "output": "sigmoid",
    "loss": "bce",
}
SOFTMAX_L2_DROPOUT = {
    "layer_dims": [4, 5, 3],
    "hidden": "tanh",
    "output": "softmax",
    "loss": "cce",
    "l2": 0.1,
    "dropout": 0.2,
}
MSE_SIGMOID = {"layer_dims": [3, 4, 1], "hidden": "leaky_relu", "output": "sigmoid", "loss": "mse"}
SMALL = {"layer_dims": [2, 3, 1], "hidden": "tanh", "output": "sigmoid", "loss": "bce"}
IDENTITY_MSE = {"layer_dims": [4, 3, 1], "hidden": "relu", "output": "identity", "loss": "mse"}
SOFTMAX_CCE = {"layer_dims": [4, 3, 3], "hidden": "relu", "output": "softmax", "loss": "cce"}

CASES = {
    "explain_course_bce.txt": (COURSE_4L, {"m": 209, "verify": False}, "text"),
    "explain_course_bce.md": (COURSE_4L, {"m": 209, "verify": False}, "markdown"),
    "explain_cost_softmax_l2_dropout.txt": (
        SOFTMAX_L2_DROPOUT,
        {"m": 6, "convention": "cost", "verify": False},
        "text",
    ),
    "explain_general_mse_sigmoid.txt": (MSE_SIGMOID, {"m": 5, "verify": False}, "text"),
    "explain_general_mse_sigmoid_cost.md": (
        MSE_SIGMOID,
        {"m": 5, "convention": "cost", "verify": False},
        "markdown",
    ),
    "explain_forced_general_symbolic_m.txt": (SMALL, {"fused": False, "verify": False}, "text"),
    "explain_verified.txt": (SMALL, {"m": 4}, "text"),
    "explain_identity_mse.txt": (IDENTITY_MSE, {"m": 8, "verify": False}, "text"),
    "explain_identity_mse_general.md": (
        IDENTITY_MSE,
        {"m": 8, "fused": False, "verify": False},
        "markdown",
    ),
}

_NUMBER = re.compile(r"\d+(?:\.\d+)?e[+-]\d+")


def _mask(text: str) -> str:
    """Numbers in e-notation (rounding-dependent differences) -> «num»."""
    return _NUMBER.sub("«num»", text)


def _check_golden(name: str, got: str) -> None:
    path = GOLDEN / name
    if REGEN:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run CHAINRULE_REGEN_GOLDEN=1 pytest {__file__}"
    want = path.read_text(encoding="utf-8")
    assert got == want, f"{name} differs from the golden file (regenerate after an intended change)"


@pytest.mark.parametrize("name", list(CASES))
def test_golden(name):
    spec, kwargs, fmt = CASES[name]
    e = explain(spec, **kwargs)
    got = e.text if fmt == "text" else e.markdown
    _check_golden(name, _mask(got))


# -- every printed shape is the real shape --------------------------------------------------------


def _real_shapes(net: chainrule.Network, m: int, convention: str) -> dict[str, tuple]:
    X, Y = random_data(net, m, seed=0)
    _, caches = backprop.forward(
        X, net.Ws, net.bs, net.activations, keep_probs=net.keep_probs, rng=np.random.default_rng(0)
    )
    g = net.gradients(X, Y, convention=convention)
    out: dict[str, tuple] = {"X": X.shape, "Y": Y.shape, "L": net.losses(X, Y).shape, "J": ()}
    for l in range(1, net.L + 1):
        c = caches[l - 1]
        out[f"W[{l}]"] = net.parameters[f"W{l}"].shape
        out[f"b[{l}]"] = net.parameters[f"b{l}"].shape
        out[f"Z[{l}]"] = c.Z.shape
        out[f"A[{l}]"] = c.A.shape
        if c.D is not None:
            out[f"D[{l}]"] = c.D.shape
        out[f"dZ[{l}]"] = g.dZ[l - 1].shape
        out[f"dW[{l}]"] = g.dW[l - 1].shape
        out[f"db[{l}]"] = g.db[l - 1].shape
    for l, dA in enumerate(g.dA):
        if dA is not None:
            out[f"dA[{l}]"] = dA.shape
    return out


_SHAPE = re.compile(r"((?<![\w∂/])[A-Za-z]+(?:\[\d+\])?): \((\d+(?:, \d+)*)\)")


@pytest.mark.parametrize(
    ("spec", "m", "convention"),
    [
        (COURSE_4L, 209, "course"),
        (SOFTMAX_L2_DROPOUT, 6, "cost"),
        (MSE_SIGMOID, 5, "course"),
        (
            {
                "layer_dims": [3, 2, 2, 4],
                "activations": ["softmax", "relu", "identity"],
                "loss": "mse",
            },
            1,
            "cost",
        ),
    ],
)
def test_every_printed_shape_is_the_real_shape(spec, m, convention):
    e = explain(spec, m=m, convention=convention, verify=False)
    real = _real_shapes(e.network, m, convention)
    assert e.shapes == {k: real[k] for k in e.shapes}, "explanation.shapes vs a real run"
    printed = [
        (name, tuple(int(v) for v in dims.split(", "))) for name, dims in _SHAPE.findall(e.text)
    ]
    assert len(printed) == len([s for s in e.shapes.values() if s != ()])
    assert "J: scalar" in e.text
    for name, shape in printed:
        assert real[name] == shape, f"{name} printed as {shape}, really {real[name]}"
    # everything an array of the backward pass is, is explained (dA[L] only on the general path)
    expected = {k for k in real if not k.startswith("dA[") or k in e.shapes}
    assert set(e.shapes) == expected
    for name, shape in e.shapes.items():
        fmt = "scalar" if shape == () else "(" + ", ".join(map(str, shape)) + ")"
        assert f"${unicode_to_latex(name)}$: {fmt}" in e.markdown


def test_symbolic_m_prints_the_letter():
    e = explain(SMALL, verify=False)
    assert e.shapes["Z[1]"] == (3, "m")
    assert "Z[1]: (3, m)" in e.text
    assert "m = number of examples" in e.text


# -- content --------------------------------------------------------------------------------------


def test_course_and_cost_place_one_over_m_differently():
    course = explain(SMALL, m=4, verify=False).text
    cost = explain(SMALL, m=4, convention="cost", verify=False).text
    assert "dZ[2] = A[2] − Y" in course
    assert "dW[2] = (1/m) dZ[2] A[1]ᵀ" in course
    assert "dZ[2] = (1/m)(A[2] − Y)" in cost
    assert "dW[2] = dZ[2] A[1]ᵀ" in cost
    assert "∂L/∂A[1], per example, no 1/m" in course
    assert "∂J/∂A[1], carries the 1/m" in cost
    for text in (course, cost):
        assert "L ends here" in text
        assert "J begins here" in text
        assert text.index("L ends here") < text.index("J begins here") < text.index("Backward pass")


def test_fused_why_and_general_why_not():
    fused = explain(SMALL, m=4, verify=False).text
    assert "Why A − Y" in fused
    assert "cancels both denominators" in fused
    general = explain(MSE_SIGMOID, m=4, verify=False).text
    assert "Why not A − Y" in general
    assert "canonical output is identity" in general
    assert "dA[2] = A[2] − Y" in general
    assert "dZ[2] = dA[2] ⊙ σ′(Z[2])" in general
    assert "(a⁽ⁱ⁾ − y⁽ⁱ⁾)/m" in general  # squared error: J = (1/2m) Σ (a − y)²
    forced = explain(SMALL, m=4, fused=False, verify=False).text
    assert "dA[2] = −(Y/A[2] − (1 − Y)/(1 − A[2]))" in forced  # the course's dAL, no 1/m
    assert "fused=False forces the general path" in forced


# What each canonical pair's stability notes must (and must not) say.  Only the cross-entropies
# take a log and divide by A in dL/dA; identity + squared error has neither, and identity does
# not saturate (review item 7: its text talked about log-sum-exp, log(0) and saturation).
_PAIR_NOTES = {
    "sigmoid": (SMALL, ["logaddexp", "log(0)", "A[2] or 1 − A[2]", "sigmoid saturates"], []),
    "softmax": (SOFTMAX_CCE, ["log-softmax", "log-sum-exp", "log(0)", "softmax saturates"], []),
    "identity": (
        IDENTITY_MSE,
        ["A[2] = Z[2]", "no log", "Nothing is divided and nothing saturates"],
        ["log-sum-exp", "log(0)", "logaddexp", "saturated", "identity saturates", "divides by"],
    ),
}


@pytest.mark.parametrize("output", list(_PAIR_NOTES))
@pytest.mark.parametrize("fused", [None, False])
def test_stability_notes_are_specific_to_each_canonical_pair(output, fused):
    spec, must, must_not = _PAIR_NOTES[output]
    e = explain(spec, m=4, fused=fused, verify=False)
    text, md = e.text, e.markdown
    flat = " ".join(text.split())  # the text output is wrapped
    loss_note = must[:2]  # the first two are about evaluating L; the rest about the fused step
    for phrase in loss_note if fused is False else must:
        assert phrase in flat, (output, phrase)
    for phrase in must_not:
        assert phrase not in flat, (output, phrase)
        assert phrase not in md, (output, phrase)
    assert "dAL = −(Y/AL" not in flat or output == "sigmoid"  # the course's BCE dAL: BCE only
    if fused is False:
        general = {
            "sigmoid": "without dividing by A[2] and 1 − A[2]",
            "softmax": "without dividing by A[2].",
            "identity": "here with no division either",
        }[output]
        assert general in flat


def test_verification_section(monkeypatch):
    pytest.importorskip("sympy")
    e = explain(SMALL, m=4)
    assert e.verified is True
    assert e.gradcheck is not None
    assert e.gradcheck.status == "pass"
    assert e.derivations is not None
    assert all(d.ok for d in e.derivations)
    keys = {d.key for d in e.derivations}
    assert {"activation:tanh", "activation:sigmoid", "pairing:binary_crossentropy+sigmoid"} <= keys
    assert e.convention_check is not None
    assert e.convention_check["max_dW_diff"] < 1e-14
    assert "relative difference ‖g − g̃‖/(‖g‖ + ‖g̃‖)" in e.text
    # without SymPy the symbolic part is skipped with a note; the numerical check still runs
    monkeypatch.setitem(sys.modules, "sympy", None)
    e2 = explain(SMALL, m=4)
    assert e2.derivations is None
    assert "pip install chainrule[symbolic]" in " ".join(e2.text.split())
    assert e2.gradcheck is not None
    assert e2.gradcheck.passed


def test_verification_of_a_dropout_float32_network_uses_a_clean_copy():
    net = chainrule.Network(
        [3, 4, 2], hidden="relu", output="softmax", loss="cce", dropout=0.3, dtype="float32", seed=0
    )
    e = explain(net, m=5)
    text = " ".join(e.text.split())
    assert e.gradcheck is not None
    assert e.gradcheck.passed
    assert "dropout switched off for the check" in text
    assert "float64 copy of this float32 network" in text
    assert e.convention_check is not None
    assert e.convention_check["max_dW_diff"] < 1e-14
    assert net.dropout == [0.3]


def test_formats_and_entry_points(tmp_path):
    net = chainrule.Network(**SMALL, seed=0)
    e = explain(net, m=3, verify=False, format="markdown")
    assert isinstance(e, Explanation)
    assert str(e) == e.markdown == e._repr_markdown_()
    assert str(explain(net, m=3, verify=False)) == e.text
    path = chainrule.save(net, tmp_path / "m.npz")
    assert explain(str(path), m=3, verify=False).text == e.text
    assert explain(dict(SMALL), m=3, verify=False).text == e.text
    for segment in re.findall(r"\$([^$]*)\$", e.markdown):
        assert segment.isascii(), segment
    assert "Explanation(" in repr(e)


@pytest.mark.parametrize(
    ("spec", "kwargs", "exc", "match"),
    [
        ({"layer_dims": [3, 0, 1]}, {}, ValueError, r"layer_dims\[1\]"),
        ({"layer_dims": [3]}, {}, ValueError, "at least"),
        ({"layer_dims": [3, 2], "loss": "hinge"}, {}, ValueError, "unknown loss 'hinge'"),
        ({"layer_dims": [3, 4, 2], "hidden": "swish"}, {}, ValueError, "unknown hidden 'swish'"),
        (
            {"layer_dims": [3, 1], "output": "softmax"},
            {},
            ValueError,
            "softmax output needs at least 2",
        ),
        (
            {"layer_dims": [3, 2, 1], "activations": ["relu"]},
            {},
            ValueError,
            "one activation per layer",
        ),
        ({"hidden": "relu"}, {}, ValueError, "layer_dims"),
        (12, {}, TypeError, "Network"),
        (SMALL, {"m": 0}, ValueError, "m must be a positive integer"),
        (SMALL, {"convention": "mean"}, ValueError, "convention"),
        (SMALL, {"format": "html"}, ValueError, "format"),
        (MSE_SIGMOID, {"fused": True}, ValueError, "canonical"),
    ],
)
def test_bad_input(spec, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        explain(spec, verify=False, **kwargs)


# -- the docs page cannot drift -------------------------------------------------------------------


def test_docs_page_matches_the_code():
    pytest.importorskip("sympy")
    page = derivations_page()
    if REGEN:
        DOCS.parent.mkdir(exist_ok=True)
        DOCS.write_text(page, encoding="utf-8")
    assert DOCS.exists(), (
        "docs/derivations.md is missing: run `chainrule derive --docs > docs/derivations.md`"
    )
    assert page == DOCS.read_text(encoding="utf-8"), (
        "docs/derivations.md differs from the code: regenerate it with "
        "`chainrule derive --docs > docs/derivations.md` and review the diff"
    )
    for name in chainrule.activations.ACTIVATIONS:
        assert f"### ✓ {name}:" in page
    assert "✗" not in page


# -- the commands ---------------------------------------------------------------------------------


def test_cli_explain_matches_the_api(capsys):
    rc = main(
        [
            "explain",
            "--layers",
            "12288,20,7,5,1",
            "--hidden",
            "relu",
            "--output",
            "sigmoid",
            "--loss",
            "bce",
            "--m",
            "209",
            "--no-verify",
        ]
    )
    assert rc == 0
    assert capsys.readouterr().out == explain(COURSE_4L, m=209, verify=False).text


def test_cli_explain_markdown_cost_and_model(tmp_path, capsys):
    net = chainrule.Network(**MSE_SIGMOID, seed=0)
    path = chainrule.save(net, tmp_path / "net.npz")
    rc = main(
        [
            "explain",
            str(path),
            "--m",
            "5",
            "--convention",
            "cost",
            "--format",
            "markdown",
            "--no-verify",
        ]
    )
    assert rc == 0
    assert (
        capsys.readouterr().out
        == explain(net, m=5, convention="cost", format="markdown", verify=False).markdown
    )


def test_cli_explain_verifies(capsys):
    pytest.importorskip("sympy")
    rc = main(["explain", "--layers", "3,4,1", "--hidden", "tanh", "--m", "4"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "Verification" in out
    assert ": pass" in out
    assert "✓ tanh" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "--layers", "3,x,1"],
        ["explain", "--layers", "3,4,1", "--loss", "hinge"],
        ["explain", "--layers", "3,4,1", "--output", "softmax"],
        ["explain", "--layers", "3,4,4,1", "--activations", "relu,sigmoid"],
        ["explain", "--layers", "3,4,1", "--activations", "relu,sigmoid", "--hidden", "tanh"],
        ["explain", "model.npz", "--layers", "3,4,1"],
        ["explain", "model.npz", "--hidden", "tanh"],
        ["explain"],
        ["explain", "--layers", "3,4,1", "--m", "0"],
        ["explain", "--layers", "3,4,1", "--convention", "mean"],
    ],
)
def test_cli_explain_usage_errors_exit_2(argv, capsys):
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule explain: error: "), err
    assert err.count("\n") == 1, err  # one line, not argparse's usage block (review item 4)
    assert "Traceback" not in err


def test_cli_explain_missing_model_exits_1(tmp_path, capsys):
    assert main(["explain", str(tmp_path / "nope.npz")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_cli_derive(capsys):
    pytest.importorskip("sympy")
    assert main(["derive", "sigmoid", "cce+softmax"]) == 0
    out = capsys.readouterr().out
    assert "✓ sigmoid: σ′(z) = a(1 − a)" in out
    assert "softmax + categorical_crossentropy" in out
    assert main(["derive", "--list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) >= 20
    assert main(["derive", "nonsense"]) == 2
    assert main(["derive", "--docs", "relu"]) == 2
    assert main(["derive", "--docs"]) == 0
    assert capsys.readouterr().out == derivations_page()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["derive", "--bogus"], "unrecognized arguments: --bogus"),
        (["derive", "--format", "html"], "argument --format: invalid choice: 'html'"),
        (["gradcheck", "--convention", "bogus"], "argument --convention: invalid choice"),
    ],
)
def test_cli_derive_and_gradcheck_argparse_errors_name_the_command(argv, message, capsys):
    """`derive --bogus` said "chainrule: error: ..." after a usage line (review item 4)."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chainrule {argv[0]}: error: {message}"), err
    assert err.count("\n") == 1, err


def test_symbolic_declares_its_public_names():
    """`chainrule.symbolic.__all__` lists exactly the public functions and classes it defines."""
    import inspect

    from chainrule import symbolic

    exported = list(symbolic.__all__)
    assert len(exported) == len(set(exported))
    defined = {
        name
        for name, value in vars(symbolic).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__.startswith(symbolic.__name__ + ".")
    }
    assert defined <= set(exported), sorted(defined - set(exported))
    assert all(hasattr(symbolic, name) for name in exported)
    assert "formula_to_sympy" in exported


def test_cli_derive_without_sympy(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sympy", None)
    assert main(["derive"]) == 1
    assert "pip install chainrule[symbolic]" in capsys.readouterr().err
