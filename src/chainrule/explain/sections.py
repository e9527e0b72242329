r"""The sections of an explanation, one builder each, from a network and a batch size.

:func:`build` runs the builders in the order they are printed (:data:`SECTIONS`):

* :func:`title`: the layer sizes, activations, loss, λ, m and the convention;
* :func:`notation`: examples as columns; L (one example) vs J (the cost); what dA, dZ and
  dW, db are derivatives of;
* :func:`parameters`: W[l] of shape (n[l], n[l−1]) and b[l] of shape (n[l], 1);
* :func:`forward`: Z[l] = W[l] A[l−1] + b[l], A[l] = g(Z[l]), inverted dropout;
* :func:`loss_and_cost`: L⁽ⁱ⁾ = L(a⁽ⁱ⁾, y⁽ⁱ⁾), then J = (1/m) Σᵢ L⁽ⁱ⁾: where L ends and J
  begins;
* :func:`backward`: the output step (the fused A − Y, or dA[L] ⊙ g′(Z[L])), then dZ, dW,
  db, dA layer by layer;
* :func:`where_1_over_m`: the two conventions ("course": 1/m in dW and db; "cost": at the
  top of the chain).

Every formula is the library's own string (``Activation.formula``,
``Activation.derivative_formula``, ``Loss.formula``, ``Loss.dA_formula``), so the text
cannot drift from the code.  Each builder takes a :class:`Setting` and records the shape of
every array it prints in ``Setting.shapes`` (the shapes tests/test_explain.py compares with
a real forward and backward pass).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chainrule import backprop
from chainrule.activations import Activation
from chainrule.explain.canonical import FROM_LOGITS_NOTE, FUSED_GAIN, FUSED_REASON, GENERAL_COST
from chainrule.explain.document import Block, Document, Para, Row, Rule, Section, Shape
from chainrule.network import Network

__all__ = [
    "SECTIONS",
    "Setting",
    "backward",
    "build",
    "forward",
    "loss_and_cost",
    "notation",
    "parameters",
    "title",
    "where_1_over_m",
]


@dataclass
class Setting:
    """What every section is built from: the network, m, the convention, the output path.

    Parameters
    ----------
    net : Network
    m : int or None
        The batch size the shapes are given for; None prints the letter ``m``.
    convention : {"course", "cost"}
        Where 1/m enters (:mod:`chainrule.backprop`).
    fused : bool or None
        None: the fused A − Y for canonical pairs; False: the general path.
    shapes : dict
        Filled by the builders: every printed array's name -> its shape.
    """

    net: Network
    m: int | None
    convention: str
    fused: bool | None
    shapes: dict[str, Shape] = field(default_factory=dict)

    @property
    def L(self) -> int:
        """The number of layers (the output layer's number)."""
        return self.net.L

    @property
    def course(self) -> bool:
        """True under the course convention (dA, dZ per example, 1/m in dW and db)."""
        return self.convention == "course"

    @property
    def o(self) -> str:
        """What dA[l], dZ[l] are derivatives of: ``"L"`` (course) or ``"J"`` (cost)."""
        return "L" if self.course else "J"

    @property
    def canonical(self) -> bool:
        """The output activation and the loss are a canonical pair (∂L/∂z = a − y)."""
        return backprop.is_canonical(self.net.loss, self.net.activations[-1])

    @property
    def use_fused(self) -> bool:
        """The output step shown is the fused A − Y."""
        return self.canonical if self.fused is None else bool(self.fused)

    def shape(self, n: int) -> Shape:
        """(n, m) of an array with one column per example (``"m"`` when m is not given)."""
        return (n, self.m if self.m is not None else "m")

    def sh(self, name: str, shape: Shape) -> tuple[str, Shape]:
        """Record ``name``'s shape and return the pair a :class:`Row` prints."""
        self.shapes[name] = shape
        return (name, shape)


def _fname(act: Activation) -> str:
    """The function name in the forward formula: σ, tanh, relu, g, softmax."""
    return act.formula.split(" = ", 1)[0].split("(", 1)[0]


def _dname(act: Activation) -> str:
    """σ′, tanh′, relu′, g′ (elementwise activations)."""
    return act.derivative_formula.split(" = ", 1)[0].split("(", 1)[0]


def _rhs(formula: str) -> str:
    return formula.split(" = ", 1)[1]


_AY = re.compile(r"(?<![A-Za-zα-ω_])([ay])[ₖⱼ]?(?![A-Za-z_(])")


def _as_matrices(expr: str, L: int) -> str:
    """``"−(y/a − (1 − y)/(1 − a))"`` -> ``"−(Y/A[L] − (1 − Y)/(1 − A[L]))"``."""
    return _AY.sub(lambda mt: f"A[{L}]" if mt.group(1) == "a" else "Y", expr)


# -- the sections, in the order they are printed ------------------------------------------------


def title(s: Setting) -> list[str]:
    """The two title lines: the architecture, then activations, loss, λ, m, convention."""
    net = s.net
    acts = net.activations
    mm = f"m = {s.m}" if s.m is not None else "m = number of examples (not given)"
    hidden = sorted({a.name for a in acts[:-1]})
    return [
        f"chainrule explain: {' → '.join(str(n) for n in net.layer_dims)}  "
        f"(L = {s.L} layer{'s' * (s.L != 1)}, {net.n_params:,} parameters, {net.dtype.name})",
        f"hidden: {', '.join(hidden) if hidden else '(none)'} · output: {acts[-1].name} · "
        f"loss: {net.loss.name} · "
        f"λ = {net.l2:g} · {mm} · convention: {s.convention}",
    ]


def notation(s: Setting) -> Section:
    """Examples as columns, L vs J, and what dA, dZ, dW, db are derivatives of."""
    return Section(
        "Notation",
        [
            Para(
                "Examples are columns: $X$ has one column per example, so every $Z[l]$, $A[l]$ "
                "has $m$ columns. $[l]$ is the layer, $⁽ⁱ⁾$ the example, $⊙$ the elementwise "
                "product. $L$ is the loss of ONE example; $J = (1/m) Σᵢ L⁽ⁱ⁾$ is the cost. "
                "$dW[l]$, $db[l]$ are always $∂J/∂W[l]$, $∂J/∂b[l]$; "
                + (
                    "$dA[l]$, $dZ[l]$ are $∂L/∂A[l]$, $∂L/∂Z[l]$, per example (course convention)."
                    if s.course
                    else "$dA[l]$, $dZ[l]$ are $∂J/∂A[l]$, $∂J/∂Z[l]$: they carry the $1/m$ "
                    "(cost convention)."
                )
            )
        ],
    )


def parameters(s: Setting) -> Section:
    """W[l] of shape (n[l], n[l−1]) and b[l] of shape (n[l], 1), layer by layer."""
    dims = s.net.layer_dims
    sec = Section("Parameters")
    for l in range(1, s.L + 1):
        sec.items.append(
            Row(
                f"W[{l}], b[{l}]",
                [s.sh(f"W[{l}]", (dims[l], dims[l - 1])), s.sh(f"b[{l}]", (dims[l], 1))],
                f"$n[{l}] × n[{l - 1}]$ and $n[{l}] × 1$; "
                f"{dims[l] * dims[l - 1] + dims[l]:,} numbers",
            )
        )
    return sec


def forward(s: Setting) -> Section:
    """A[0] = X; Z[l] = W[l] A[l−1] + b[l], A[l] = g[l](Z[l]); A[l] ⊙ D[l] with dropout."""
    dims, L, acts, keep = s.net.layer_dims, s.L, s.net.activations, s.net.keep_probs
    sec = Section("Forward pass")
    sec.items.append(Row("A[0] = X", [s.sh("X", s.shape(dims[0]))], "one column per example"))
    for l in range(1, L + 1):
        act = acts[l - 1]
        group = f"layer {l}" + (" (output)" if l == L else "") + f": {act.name}, ${act.formula}$"
        sec.items.append(
            Row(
                f"Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]",
                [s.sh(f"Z[{l}]", s.shape(dims[l]))],
                "$b[1]$ is broadcast over the $m$ columns" if l == 1 else "",
                group=group,
            )
        )
        sec.items.append(
            Row(f"A[{l}] = {_fname(act)}(Z[{l}])", [s.sh(f"A[{l}]", s.shape(dims[l]))])
        )
        if keep[l - 1] < 1.0:
            kp = keep[l - 1]
            sec.items.append(
                Row(
                    f"A[{l}] ← A[{l}] ⊙ D[{l}]",
                    [s.sh(f"D[{l}]", s.shape(dims[l]))],
                    f"training only: inverted dropout, $D[{l}] = (U < {kp:g}) / {kp:g}$; "
                    "off in the checks below",
                )
            )
    return sec


def loss_and_cost(s: Setting) -> Section:
    """L⁽ⁱ⁾ per example, a rule, J = (1/m) Σᵢ L⁽ⁱ⁾ (+ the L2 term), a rule: where 1/m comes from."""
    net, m, L = s.net, s.m, s.L
    sec = Section("Loss and cost: where L ends and J begins")
    sec.items.append(
        Row(
            f"L⁽ⁱ⁾ = L(a[{L}]⁽ⁱ⁾, y⁽ⁱ⁾)",
            [s.sh("L", s.shape(1)), s.sh("Y", s.shape(net.layer_dims[-1]))],
            f"${net.loss.formula}$, one value per example",
        )
    )
    if s.canonical:
        sec.items.append(Para(FROM_LOGITS_NOTE[net.activations[-1].name].format(L=L)))
    sec.items.append(
        Rule("L ends here: everything above is per example (column i depends on example i only)")
    )
    J = "J = (1/m) Σᵢ L⁽ⁱ⁾" + (" + (λ/2m) Σₗ ‖W[l]‖²" if net.l2 else "")
    note = (
        f"with $m = {m}$: $J = (1/{m}) Σᵢ L⁽ⁱ⁾$"
        if m is not None
        else "the average over the $m$ columns"
    )
    if net.l2:
        note += f"; $λ = {net.l2:g}$, biases not regularised"
    sec.items.append(Row(J, [s.sh("J", ())], note))
    sec.items.append(
        Rule("J begins here: the cost averages the m examples; this is where 1/m comes from")
    )
    if net.loss.name == "squared_error":
        sec.items.append(
            Para(
                "With squared error, $J = (1/2m) Σᵢ (a⁽ⁱ⁾ − y⁽ⁱ⁾)²$ gives "
                "$∂J/∂a⁽ⁱ⁾ = (a⁽ⁱ⁾ − y⁽ⁱ⁾)/m$ "
                "(note the sign: $a − y$, not $y − a$; the ½ cancels the 2 of the square)."
            )
        )
    return sec


def _dZ_row(s: Setting, act: Activation, l: int) -> Row:
    """dZ[l] = dA[l] ⊙ g′(Z[l]) (elementwise), or softmax's Jacobian applied column by column."""
    shape = s.shape(s.net.layer_dims[l])
    s.shapes[f"dZ[{l}]"] = shape
    if act.elementwise:
        formula = f"dZ[{l}] = dA[{l}] ⊙ {_dname(act)}(Z[{l}])"
        note = f"${act.derivative_formula}$; $∂{s.o}/∂Z[{l}]$"
    else:
        formula = f"dZ[{l}] = A[{l}] ⊙ (dA[{l}] − 1ᵀ(A[{l}] ⊙ dA[{l}]))"
        note = f"Jacobian ${act.derivative_formula}$, column by column; $∂{s.o}/∂Z[{l}]$"
    return Row(formula, [(f"dZ[{l}]", shape)], note)


def _output_step(s: Setting) -> list[Block]:
    """dZ[L]: the fused A − Y and why it holds, or dA[L] and dZ[L] and why A − Y would be wrong."""
    L, out, loss = s.L, s.net.activations[-1], s.net.loss
    gname = _dname(out) if out.elementwise else "∂aₖ/∂zⱼ"
    dA_rhs, g_rhs = _rhs(loss.dA_formula), _rhs(out.derivative_formula)
    if out.elementwise:
        chain = f"∂L/∂z = ∂L/∂a · {gname} = ({dA_rhs}) · {g_rhs}"
    else:
        chain = f"∂L/∂zⱼ = Σₖ ∂L/∂aₖ · ∂aₖ/∂zⱼ = Σₖ ({dA_rhs}) · {g_rhs}"
    group = f"layer {L} (output): " + (
        f"fused step, {out.name} + {loss.name} is a canonical pair"
        if s.use_fused
        else f"general path, {out.name} + {loss.name}"
    )
    shape_L = s.shape(s.net.layer_dims[-1])
    if s.use_fused:
        formula = f"dZ[{L}] = A[{L}] − Y" if s.course else f"dZ[{L}] = (1/m)(A[{L}] − Y)"
        note = (
            f"$∂L/∂Z[{L}]$ per example, no $1/m$"
            if s.course
            else f"$∂J/∂Z[{L}]$ ← $1/m$ enters here"
        )
        reason = FUSED_REASON[out.name]
        return [
            Row(formula, [s.sh(f"dZ[{L}]", shape_L)], note, group=group),
            Para(f"Why $A − Y$: ${chain} = a − y$: {reason}. " + FUSED_GAIN[out.name].format(L=L)),
        ]
    dA_mat = _as_matrices(dA_rhs, L)
    formula = f"dA[{L}] = {dA_mat}" if s.course else f"dA[{L}] = (1/m)({dA_mat})"
    note = (
        f"$∂L/∂A[{L}]$ per example, no $1/m$: ${loss.dA_formula}$"
        if s.course
        else f"$∂J/∂A[{L}] = (1/m) ∂L/∂A[{L}]$ ← $1/m$ enters here"
    )
    blocks: list[Block] = [Row(formula, [s.sh(f"dA[{L}]", shape_L)], note, group=group)]
    blocks.append(_dZ_row(s, out, L))
    if s.canonical:
        why = (
            "fused=False forces the general path; the fused $A − Y$ gives the same "
            f"numbers (${chain} = a − y$)" + GENERAL_COST[out.name].format(L=L) + "."
        )
    else:
        why = (
            f"Why not A − Y: {loss.name}'s canonical output is {loss.canonical_activation}, "
            f"not {out.name}: ${chain}$, and the factor ${gname}$ does not cancel, so "
            "$∂L/∂z ≠ a − y$; chainrule uses the general path."
        )
    blocks.append(Para(why))
    return blocks


def _layer_step(s: Setting, l: int) -> list[Block]:
    """Layer l's backward step: dZ[l] (below the output), dW[l], db[l], dA[l−1]."""
    dims, net = s.net.layer_dims, s.net
    blocks: list[Block] = []
    if l < s.L:
        act = net.activations[l - 1]
        group = f"layer {l}: {act.name}"
        if net.keep_probs[l - 1] < 1.0:
            blocks.append(
                Row(
                    f"dA[{l}] ← dA[{l}] ⊙ D[{l}]",
                    [],
                    "training only: the forward pass's mask",
                    group=group,
                )
            )
            group = ""
        row = _dZ_row(s, act, l)
        row.group = group
        blocks.append(row)
    reg = f" + (λ/m) W[{l}]" if net.l2 else ""
    Aprev = "X" if l == 1 else f"A[{l - 1}]"
    # course: the 1/m enters here; cost convention: dZ[l] already carries it
    scale = "(1/m) " if s.course else ""
    w_note = " ← $1/m$ enters here" if s.course else f": no $1/m$ here, $dZ[{l}]$ carries it"
    blocks.append(
        Row(
            f"dW[{l}] = {scale}dZ[{l}] {Aprev}ᵀ{reg}",
            [s.sh(f"dW[{l}]", (dims[l], dims[l - 1]))],
            f"$∂J/∂W[{l}]${w_note}" + ("; $λ/m$ from J's L2 term" if reg else ""),
        )
    )
    blocks.append(
        Row(
            f"db[{l}] = {scale}Σᵢ dZ[{l}]⁽ⁱ⁾",
            [s.sh(f"db[{l}]", (dims[l], 1))],
            f"$∂J/∂b[{l}]$: row sums over the $m$ columns" + (", times $1/m$" if s.course else ""),
        )
    )
    per = "per example, no $1/m$" if s.course else "carries the $1/m$"
    if l > 1:
        dA = Row(
            f"dA[{l - 1}] = W[{l}]ᵀ dZ[{l}]",
            [s.sh(f"dA[{l - 1}]", s.shape(dims[l - 1]))],
            f"$∂{s.o}/∂A[{l - 1}]$, {per}",
        )
    else:
        dA = Row(
            "dA[0] = W[1]ᵀ dZ[1]",
            [s.sh("dA[0]", s.shape(dims[0]))],
            f"$∂{s.o}/∂X$; training does not need it",
        )
    blocks.append(dA)
    return blocks


def backward(s: Setting) -> Section:
    """The output step, then dZ[l], dW[l], db[l], dA[l−1] from layer L down to layer 1."""
    sec = Section(
        f"Backward pass, convention {s.convention!r}: "
        + (
            "$dA$, $dZ$ per example (of $L$), $1/m$ enters in every $dW$, $db$"
            if s.course
            else "$1/m$ enters at the top, $dA$, $dZ$ are of $J$"
        )
    )
    sec.items += _output_step(s)
    for l in range(s.L, 0, -1):
        sec.items += _layer_step(s, l)
    return sec


def where_1_over_m(s: Setting) -> Section:
    """Both conventions side by side: the same dW, db; dA, dZ differ by the factor m."""
    L, loss = s.L, s.net.loss
    here = " (used here)"
    top = (
        f"$dZ[{L}] = (1/m)(A[{L}] − Y) = ∂J/∂Z[{L}]$"
        if s.use_fused
        else f"$dA[{L}] = (1/m) ∂L/∂A[{L}] = ∂J/∂A[{L}]$"
    )
    course = Para(
        f"course{here if s.course else ''}: $∂J/∂A[{L}] = (1/m) ∂L/∂A[{L}]$, "
        "and the factor is kept "
        "out of every $dA[l]$, $dZ[l]$ (per example) and applied once per layer: "
        "$dW[l] = (1/m) dZ[l] A[l−1]ᵀ$, $db[l] = (1/m) Σᵢ dZ[l]⁽ⁱ⁾$. "
        + (
            "The course's $dAL = −(Y/AL − (1 − Y)/(1 − AL))$"
            if loss.name == "binary_crossentropy"
            else f"{loss.name}'s ${loss.dA_formula}$"
        )
        + " has no $1/m$ because it is $∂L$, not $∂J$. "
        "Gradients.named() calls these arrays dL/dZ[l], dL/dA[l]."
    )
    cost = Para(
        f"cost{here if not s.course else ''}: the top of the chain already carries it "
        f"({top}), so "
        "every $dA[l]$, $dZ[l]$ is $1/m$ times the course's and $dW[l] = dZ[l] A[l−1]ᵀ$, "
        "$db[l] = Σᵢ dZ[l]⁽ⁱ⁾$ without it. Gradients.named() calls them dJ/dZ[l], dJ/dA[l]."
    )
    both = Para(
        "Both give the same $dW[l]$, $db[l]$; every $dA[l]$, $dZ[l]$ differs by exactly "
        "the factor $m$."
        + (
            " The L2 term adds $(λ/m) W[l]$ to $dW[l]$ under both: "
            "it is the derivative of J's own "
            "$(λ/2m) Σₗ ‖W[l]‖²$, not of $L$."
            if s.net.l2
            else ""
        )
    )
    return Section("Where 1/m enters", [course, cost, both])


SECTIONS = (notation, parameters, forward, loss_and_cost, backward, where_1_over_m)
"""The section builders, in the order :func:`build` prints them."""


def build(
    net: Network, m: int | None, convention: str, fused: bool | None
) -> tuple[Document, dict[str, Shape]]:
    """The explanation's document (without verification) and every printed array's shape."""
    s = Setting(net, m, convention, fused)
    doc = Document(title(s), [section(s) for section in SECTIONS])
    return doc, s.shapes
