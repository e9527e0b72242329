"""The docs page ``docs/derivations.md``, generated from the code: :func:`derivations_page`.

``chainrule derive --docs`` (:mod:`chainrule.cli.verify`) prints it; tests/test_explain.py
regenerates it and fails when the file in docs/ differs.  The page is the notation, the two
places 1/m can enter, and every derivation of :func:`chainrule.symbolic.all_derivations`
(activations, losses, each loss and output pairing, the cost, L2, the linear layer), closed
by a worked :func:`chainrule.explain.explain` of the course's 4-layer network.
"""

from __future__ import annotations

import re

from chainrule.activations import ACTIVATIONS
from chainrule.explain.explanation import explain
from chainrule.losses import LOSSES

__all__ = ["DOCS_COMMAND", "derivations_page"]

DOCS_COMMAND = "chainrule derive --docs > docs/derivations.md"


def derivations_page() -> str:
    """The Markdown page ``docs/derivations.md``, built from the code.

    Every formula on the page is the library's own string or SymPy's result,
    and every check is run while the page is built, so the page cannot drift
    from the implementation (a test regenerates it and compares).

    Raises
    ------
    ImportError
        Without SymPy.
    """
    from chainrule import symbolic

    everything = symbolic.all_derivations()
    by_key = {d.key: d for d in everything}
    lines = [
        "# Derivations",
        "",
        f"<!-- Generated from the code by `{DOCS_COMMAND}`; tests/test_explain.py "
        "regenerates it and fails if this file differs. Do not edit by hand. -->",
        "",
        "Every formula chainrule prints is a string attribute of the code "
        "(`Activation.formula`, `Activation.derivative_formula`, `Loss.formula`, "
        "`Loss.dA_formula`, `Loss.fused_formula`). `chainrule.symbolic` parses each string "
        "into SymPy, derives the derivative from the forward formula, shows that the "
        "difference to the library's closed form simplifies to 0, and compares the "
        "SymPy result with the library's NumPy code at random points. "
        "✓ below means all of that held when this page was generated; "
        "`chainrule derive` re-runs it on your machine.",
        "",
        "## Notation",
        "",
        "| math | shape | meaning |",
        "|---|---|---|",
        "| $X = A^{[0]}$ | $(n^{[0]}, m)$ | inputs, one example per **column** |",
        "| $W^{[l]}, b^{[l]}$ | $(n^{[l]}, n^{[l-1]}), (n^{[l]}, 1)$ | parameters of layer $l$ |",
        "| $Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}$ | $(n^{[l]}, m)$ | pre-activation |",
        "| $A^{[l]} = g^{[l]}(Z^{[l]})$ | $(n^{[l]}, m)$ | activation |",
        "| $L^{(i)} = L(a^{(i)}, y^{(i)})$ | $(1, m)$ | loss of one example |",
        r"| $J = \frac{1}{m} \sum_i L^{(i)}$ | scalar | the cost (plus "
        r"$\frac{\lambda}{2m} \sum_l \Vert W^{[l]} \Vert_F^2$ with L2) |",
        "",
        "## Where 1/m enters",
        "",
        "Because $J = \\frac{1}{m} \\sum_i L^{(i)}$, the chain rule gives "
        "$\\partial J / \\partial a^{(i)} = \\frac{1}{m} \\partial L / \\partial a^{(i)}$. "
        "The factor can be applied at either end of the chain:",
        "",
        "| convention | $dA^{[l]}, dZ^{[l]}$ are | $dW^{[l]}$ | $db^{[l]}$ |",
        "|---|---|---|---|",
        "| `course` (default) | $\\partial L/\\partial\\cdot$, per example, no $1/m$ | "
        "$\\frac{1}{m} dZ^{[l]} A^{[l-1]\\top}$ | $\\frac{1}{m} \\sum_i dZ^{[l](i)}$ |",
        "| `cost` | $\\partial J/\\partial\\cdot$, they carry the $1/m$ | "
        "$dZ^{[l]} A^{[l-1]\\top}$ | $\\sum_i dZ^{[l](i)}$ |",
        "",
        "The course's $dAL = -(Y/AL - (1-Y)/(1-AL))$ has no $1/m$ because it is "
        "$\\partial L/\\partial A^{[L]}$, not $\\partial J/\\partial A^{[L]}$. "
        "With squared error, $J = \\frac{1}{2m} \\sum_i (a^{(i)} - y^{(i)})^2$ gives "
        "$\\partial J/\\partial a^{(i)} = (a^{(i)} - y^{(i)})/m$.",
        "",
        by_key["convention"].to_markdown(numbers=False, heading="###"),
        "## Activations",
        "",
    ]
    for name in ACTIVATIONS:
        lines.append(by_key[f"activation:{name}"].to_markdown(numbers=False, heading="###"))
    lines += ["## Losses", ""]
    for name in LOSSES:
        lines.append(by_key[f"loss:{name}"].to_markdown(numbers=False, heading="###"))
    lines += [
        "## The output step: every loss and output pairing",
        "",
        "$\\partial L/\\partial z$ is derived through the chain rule from the two forward "
        "formulas. For the canonical pairs it equals $a - y$ (chainrule's fused step); "
        "for every other pair it does not (a counterexample is shown) and chainrule uses "
        "the general path $\\partial L/\\partial a \\odot g'(z)$.",
        "",
        "| output | loss | canonical | $\\partial L/\\partial z = a - y$? |",
        "|---|---|---|---|",
    ]
    pairs = symbolic.allowed_pairings()
    for lname, aname in pairs:
        d = by_key[f"pairing:{lname}+{aname}"]
        lines.append(
            f"| {aname} | {lname} | {'yes' if d.canonical else 'no'} | "
            f"{'yes (fused)' if d.fused_holds else 'no (general path)'} |"
        )
    refused = [(ln, an) for ln in LOSSES for an in ACTIVATIONS if (ln, an) not in pairs]
    if refused:
        lines += [
            "",
            "Refused by `Network` (the loss needs outputs in (0, 1)): "
            + ", ".join(f"{an} + {ln}" for ln, an in refused)
            + ".",
        ]
    lines.append("")
    for lname, aname in pairs:
        lines.append(by_key[f"pairing:{lname}+{aname}"].to_markdown(numbers=False, heading="###"))
    lines += ["## The cost J and its 1/m", ""]
    lines.append(by_key["cost"].to_markdown(numbers=False, heading="###"))
    for name in LOSSES:
        lines.append(by_key[f"cost:{name}"].to_markdown(numbers=False, heading="###"))
    lines += ["## L2 regularisation", ""]
    lines.append(by_key["l2"].to_markdown(numbers=False, heading="###"))
    lines += ["## The linear layer", ""]
    lines.append(by_key["linear"].to_markdown(numbers=False, heading="###"))
    lines += [
        "## A worked example",
        "",
        "`chainrule explain --layers 12288,20,7,5,1 --hidden relu --output sigmoid --loss bce "
        "--m 209 --format markdown --no-verify`:",
        "",
        explain(
            {
                "layer_dims": [12288, 20, 7, 5, 1],
                "hidden": "relu",
                "output": "sigmoid",
                "loss": "bce",
            },
            m=209,
            verify=False,
        ).markdown,
    ]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"
