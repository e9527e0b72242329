r"""``explain``: the forward and backward pass of a network, formula by formula.

:func:`explain` prints, for a concrete network and batch size m,

* the forward pass layer by layer (Z[l] = W[l] A[l−1] + b[l], A[l] = g(Z[l]))
  with the shape of every array;
* the per-example loss L and the cost J = (1/m) Σᵢ L⁽ⁱ⁾, marking where L
  ends and J begins;
* the backward pass: the output step (the fused A − Y and *why* it holds for
  a canonical pair, or the general path dA[L] ⊙ g′(Z[L]) and why A − Y would
  be wrong), then dZ, dW, db, dA for each layer, with the place where 1/m
  enters under the chosen convention (``"course"``: in dW and db;
  ``"cost"``: at the top, in dA[L] or dZ[L]);
* a verification section: the SymPy derivation of every derivative used
  (:mod:`chainrule.symbolic`; skipped with a note when SymPy is missing), a
  numerical gradient check on seeded random data (:func:`chainrule.gradcheck.gradcheck`)
  and the identity of the two conventions on the same data.

The result is an :class:`Explanation`: ``str()`` gives Unicode text for a
terminal, :meth:`Explanation.markdown` Markdown with LaTeX math (Jupyter
renders it through ``_repr_markdown_``).  Every formula is the library's own
string (``Activation.formula``, ``Loss.dA_formula`` ...), so the explanation
cannot drift from the code; :func:`derivations_page` builds the docs page
``docs/derivations.md`` from the same sources (``chainrule derive --docs``).

>>> import chainrule
>>> net = chainrule.Network([2, 3, 1], hidden="tanh", seed=0)
>>> print(chainrule.explain.explain(net, m=4, verify=False))   # doctest: +ELLIPSIS
chainrule explain: 2 → 3 → 1 ...
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chainrule import backprop
from chainrule._validation import check_choice, check_positive_int
from chainrule.activations import ACTIVATIONS, Activation
from chainrule.gradcheck import GradCheckReport, gradcheck, random_data
from chainrule.losses import LOSSES
from chainrule.network import Network

__all__ = ["FORMATS", "Explanation", "derivations_page", "explain", "main", "resolve_network"]

FORMATS = ("text", "markdown")

Shape = tuple[int | str, ...]

_FUSED_REASON = {
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
_FROM_LOGITS_NOTE = {
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

_FUSED_GAIN = {
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

_GENERAL_COST = {
    "sigmoid": " without dividing by $A[{L}]$ and $1 − A[{L}]$",
    "softmax": " without dividing by $A[{L}]$",
    "identity": ", here with no division either: the general path only multiplies by $g′ = 1$",
}
"""What the general path costs for a canonical pair, compared with the fused step."""


# ---------------------------------------------------------------------------------------------
# Document model: sections of rows, rendered as text or Markdown
# ---------------------------------------------------------------------------------------------


@dataclass
class _Row:
    formula: str
    shapes: list[tuple[str, Shape]] = field(default_factory=list)
    note: str = ""
    group: str = ""  # e.g. "layer 2": printed once above its rows


@dataclass
class _Para:
    text: str


@dataclass
class _Rule:
    text: str


@dataclass
class _Item:
    """A bullet: ``text`` for the terminal, ``md`` (Markdown with LaTeX) for notebooks."""

    text: str
    md: str


@dataclass
class _Section:
    title: str
    items: list[_Row | _Para | _Rule | _Item] = field(default_factory=list)


def _fmt_shape(shape: Shape) -> str:
    if len(shape) == 0:
        return "scalar"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _strip_math(text: str) -> str:
    return text.replace("$", "")


def _md_math(text: str) -> str:
    """Prose with $Unicode math$ -> Markdown with $LaTeX$."""
    from chainrule.symbolic import unicode_to_latex

    parts = text.split("$")
    out = []
    for k, p in enumerate(parts):
        if k % 2 == 1:
            try:
                out.append(f"${unicode_to_latex(p)}$")
            except ValueError:
                out.append(p)
        else:
            out.append(p)
    return "".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", r"\|")


def _wrap(text: str, indent: str, width: int = 96) -> list[str]:
    import textwrap

    return textwrap.wrap(
        text, width=width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    ) or [indent.rstrip()]


def _hang(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(
        text, width=96, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False
    )


def _render_text(title: list[str], sections: list[_Section]) -> str:
    lines = list(title)
    for sec in sections:
        head = _strip_math(sec.title)
        lines += ["", head, "─" * min(len(head), 96)]
        rows = [it for it in sec.items if isinstance(it, _Row)]
        width = min(max([len(r.formula) for r in rows] + [0]), 46)
        swidth = min(
            max([len("  ".join(f"{n}: {_fmt_shape(s)}" for n, s in r.shapes)) for r in rows] + [0]),
            34,
        )
        for it in sec.items:
            if isinstance(it, _Para):
                lines += _wrap(_strip_math(it.text), "  ")
            elif isinstance(it, _Item):
                lines += _hang(it.text)
            elif isinstance(it, _Rule):
                lines.append(f"  ── {it.text} ──")
            else:
                if it.group:
                    lines.append(f"  {_strip_math(it.group)}")
                shapes = "  ".join(f"{n}: {_fmt_shape(s)}" for n, s in it.shapes)
                line = f"    {it.formula:<{width}}  {shapes:<{swidth}}"
                if it.note:
                    line += f"  {_strip_math(it.note)}"
                lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def _render_markdown(title: list[str], sections: list[_Section]) -> str:
    from chainrule.symbolic import unicode_to_latex

    lines = [f"### {_md_math(title[0])}", ""] + [_md_math(t) + "  " for t in title[1:]]
    for sec in sections:
        lines += ["", f"#### {_md_math(sec.title)}", ""]
        in_table = False
        in_list = False
        for it in sec.items:
            if in_list and not isinstance(it, _Item):
                lines.append("")
                in_list = False
            if isinstance(it, _Row):
                if not in_table:
                    lines += ["| | formula | shape | note |", "|---|---|---|---|"]
                    in_table = True
                shapes = ", ".join(
                    f"${unicode_to_latex(n)}$: {_fmt_shape(s)}" for n, s in it.shapes
                )
                lines.append(
                    f"| {_md_cell(_md_math(it.group))} | "
                    f"${_md_cell(unicode_to_latex(it.formula))}$ | "
                    f"{_md_cell(shapes)} | {_md_cell(_md_math(it.note))} |"
                )
            else:
                if in_table:
                    lines.append("")
                    in_table = False
                if isinstance(it, _Rule):
                    lines.append(f"*— {_md_math(it.text)} —*")
                    lines.append("")
                elif isinstance(it, _Item):
                    lines.append(f"- {it.md}")
                    in_list = True
                else:
                    lines.append(_md_math(it.text))
                    lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# The result object
# ---------------------------------------------------------------------------------------------


@dataclass
class Explanation:
    """What :func:`explain` returns: the text, the Markdown, and what was verified.

    Attributes
    ----------
    network : Network
        The explained network.
    m : int or None
        The batch size the shapes are given for (None: shapes show ``m``).
    convention : str
        ``"course"`` or ``"cost"``.
    format : str
        What ``str()`` returns: ``"text"`` or ``"markdown"``.
    shapes : dict
        Every array whose shape is printed (``"X"``, ``"W[1]"``, ``"Z[1]"``,
        ``"dW[1]"``, ``"dA[0]"``, ...) -> its shape (``"m"`` in place of the
        batch size when m is None; ``()`` for the scalar J).
    derivations : list of Derivation or None
        The SymPy derivations checked (None when skipped).
    symbolic_note : str
        Why the symbolic checks were skipped, if they were.
    gradcheck : GradCheckReport or None
        The numerical gradient check (None with ``verify=False``).
    convention_check : dict or None
        ``{"max_dW_diff": ..., "max_dZ_ratio_error": ..., "m": ...}`` from running
        both conventions on the check data.
    """

    network: Network
    m: int | None
    convention: str
    format: str
    shapes: dict[str, Shape]
    derivations: list[Any] | None
    symbolic_note: str
    gradcheck: GradCheckReport | None
    convention_check: dict[str, float] | None
    _title: list[str] = field(repr=False)
    _sections: list[_Section] = field(repr=False)

    @property
    def text(self) -> str:
        """The explanation as Unicode text."""
        return _render_text(self._title, self._sections)

    @property
    def markdown(self) -> str:
        """The explanation as Markdown with LaTeX math."""
        return _render_markdown(self._title, self._sections)

    @property
    def verified(self) -> bool | None:
        """True when every check that ran passed; None when nothing was verified."""
        if self.gradcheck is None and self.derivations is None:
            return None
        ok = True
        if self.derivations is not None:
            ok = ok and all(d.ok for d in self.derivations)
        if self.gradcheck is not None:
            ok = ok and self.gradcheck.status != "fail"
        return ok

    def __str__(self) -> str:
        return self.markdown if self.format == "markdown" else self.text

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return (
            f"Explanation({self.network!r}, m={self.m}, convention={self.convention!r}, "
            f"verified={self.verified})"
        )


# ---------------------------------------------------------------------------------------------
# Building the explanation
# ---------------------------------------------------------------------------------------------


def resolve_network(spec: Any, seed: int | None = 0) -> Network:
    """A Network from a Network, a model-file path, or a dict of Network arguments.

    Parameters
    ----------
    spec : Network, str, Path or dict
        A dict is passed to ``Network(**spec)`` (``layer_dims``, ``hidden``,
        ``output``, ``loss``, ``activations``, ``l2``, ``dropout``, ``dtype``,
        ``init``, ``seed``); ``seed`` defaults to the ``seed`` argument.
    seed : int or None
    """
    if isinstance(spec, Network):
        return spec
    if isinstance(spec, (str, Path)):
        from chainrule.network import load

        return load(spec)
    if isinstance(spec, Mapping):
        kwargs = dict(spec)
        if "layer_dims" not in kwargs:
            raise ValueError(
                f"a network spec needs 'layer_dims' ([n[0], ..., n[L]]), got keys {sorted(kwargs)}"
            )
        kwargs.setdefault("seed", seed)
        return Network(**kwargs)
    raise TypeError(
        "network_or_spec must be a Network, a model file path or a dict of Network arguments, "
        f"got {type(spec).__name__}"
    )


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


def _shape(n: int, m: int | None) -> Shape:
    return (n, m if m is not None else "m")


def _backward_dZ_row(act: Activation, l: int, o: str, shape: Shape) -> _Row:
    if act.elementwise:
        formula = f"dZ[{l}] = dA[{l}] ⊙ {_dname(act)}(Z[{l}])"
        note = f"${act.derivative_formula}$; $∂{o}/∂Z[{l}]$"
    else:
        formula = f"dZ[{l}] = A[{l}] ⊙ (dA[{l}] − 1ᵀ(A[{l}] ⊙ dA[{l}]))"
        note = f"Jacobian ${act.derivative_formula}$, column by column; $∂{o}/∂Z[{l}]$"
    return _Row(formula, [(f"dZ[{l}]", shape)], note)


def _build(
    net: Network, m: int | None, convention: str, fused: bool | None
) -> tuple[list[str], list[_Section], dict[str, Shape]]:
    dims, L = net.layer_dims, net.L
    acts, loss = net.activations, net.loss
    out = acts[-1]
    course = convention == "course"
    o = "L" if course else "J"
    canonical = backprop.is_canonical(loss, out)
    use_fused = canonical if fused is None else bool(fused)
    shapes: dict[str, Shape] = {}

    def sh(name: str, shape: Shape) -> tuple[str, Shape]:
        shapes[name] = shape
        return (name, shape)

    mm = f"m = {m}" if m is not None else "m = number of examples (not given)"
    hidden = sorted({a.name for a in acts[:-1]})
    title = [
        f"chainrule explain: {' → '.join(str(n) for n in dims)}  "
        f"(L = {L} layer{'s' * (L != 1)}, {net.n_params:,} parameters, {net.dtype.name})",
        f"hidden: {', '.join(hidden) if hidden else '(none)'} · output: {out.name} · "
        f"loss: {loss.name} · "
        f"λ = {net.l2:g} · {mm} · convention: {convention}",
    ]
    sections: list[_Section] = []

    # -- notation ---------------------------------------------------------------------------
    notation = _Section("Notation")
    notation.items.append(
        _Para(
            "Examples are columns: $X$ has one column per example, so every $Z[l]$, $A[l]$ has $m$ "
            "columns. $[l]$ is the layer, $⁽ⁱ⁾$ the example, $⊙$ the elementwise product. "
            "$L$ is the loss of ONE example; $J = (1/m) Σᵢ L⁽ⁱ⁾$ is the cost. "
            "$dW[l]$, $db[l]$ are always $∂J/∂W[l]$, $∂J/∂b[l]$; "
            + (
                "$dA[l]$, $dZ[l]$ are $∂L/∂A[l]$, $∂L/∂Z[l]$, per example (course convention)."
                if course
                else "$dA[l]$, $dZ[l]$ are $∂J/∂A[l]$, $∂J/∂Z[l]$: they carry the $1/m$ "
                "(cost convention)."
            )
        )
    )
    sections.append(notation)

    # -- parameters ----------------------------------------------------------------------------
    par = _Section("Parameters")
    for l in range(1, L + 1):
        par.items.append(
            _Row(
                f"W[{l}], b[{l}]",
                [sh(f"W[{l}]", (dims[l], dims[l - 1])), sh(f"b[{l}]", (dims[l], 1))],
                f"$n[{l}] × n[{l - 1}]$ and $n[{l}] × 1$; "
                f"{dims[l] * dims[l - 1] + dims[l]:,} numbers",
            )
        )
    sections.append(par)

    # -- forward -------------------------------------------------------------------------------
    fwd = _Section("Forward pass")
    fwd.items.append(_Row("A[0] = X", [sh("X", _shape(dims[0], m))], "one column per example"))
    keep = net.keep_probs
    for l in range(1, L + 1):
        act = acts[l - 1]
        group = f"layer {l}" + (" (output)" if l == L else "") + f": {act.name}, ${act.formula}$"
        fwd.items.append(
            _Row(
                f"Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]",
                [sh(f"Z[{l}]", _shape(dims[l], m))],
                "$b[1]$ is broadcast over the $m$ columns" if l == 1 else "",
                group=group,
            )
        )
        fwd.items.append(
            _Row(f"A[{l}] = {_fname(act)}(Z[{l}])", [sh(f"A[{l}]", _shape(dims[l], m))])
        )
        if keep[l - 1] < 1.0:
            kp = keep[l - 1]
            fwd.items.append(
                _Row(
                    f"A[{l}] ← A[{l}] ⊙ D[{l}]",
                    [sh(f"D[{l}]", _shape(dims[l], m))],
                    f"training only: inverted dropout, $D[{l}] = (U < {kp:g}) / {kp:g}$; "
                    "off in the checks below",
                )
            )
    sections.append(fwd)

    # -- loss and cost -------------------------------------------------------------------------
    lc = _Section("Loss and cost: where L ends and J begins")
    lc.items.append(
        _Row(
            f"L⁽ⁱ⁾ = L(a[{L}]⁽ⁱ⁾, y⁽ⁱ⁾)",
            [sh("L", _shape(1, m)), sh("Y", _shape(dims[-1], m))],
            f"${loss.formula}$, one value per example",
        )
    )
    if canonical:
        lc.items.append(_Para(_FROM_LOGITS_NOTE[out.name].format(L=L)))
    lc.items.append(
        _Rule("L ends here: everything above is per example (column i depends on example i only)")
    )
    J = "J = (1/m) Σᵢ L⁽ⁱ⁾" + (" + (λ/2m) Σₗ ‖W[l]‖²" if net.l2 else "")
    note = (
        f"with $m = {m}$: $J = (1/{m}) Σᵢ L⁽ⁱ⁾$"
        if m is not None
        else "the average over the $m$ columns"
    )
    if net.l2:
        note += f"; $λ = {net.l2:g}$, biases not regularised"
    lc.items.append(_Row(J, [sh("J", ())], note))
    lc.items.append(
        _Rule("J begins here: the cost averages the m examples; this is where 1/m comes from")
    )
    if loss.name == "squared_error":
        lc.items.append(
            _Para(
                "With squared error, $J = (1/2m) Σᵢ (a⁽ⁱ⁾ − y⁽ⁱ⁾)²$ gives "
                "$∂J/∂a⁽ⁱ⁾ = (a⁽ⁱ⁾ − y⁽ⁱ⁾)/m$ "
                "(note the sign: $a − y$, not $y − a$; the ½ cancels the 2 of the square)."
            )
        )
    sections.append(lc)

    # -- backward ------------------------------------------------------------------------------
    bwd = _Section(
        f"Backward pass, convention {convention!r}: "
        + (
            "$dA$, $dZ$ per example (of $L$), $1/m$ enters in every $dW$, $db$"
            if course
            else "$1/m$ enters at the top, $dA$, $dZ$ are of $J$"
        )
    )
    gname = _dname(out) if out.elementwise else "∂aₖ/∂zⱼ"
    dA_rhs, g_rhs = _rhs(loss.dA_formula), _rhs(out.derivative_formula)
    if out.elementwise:
        chain = f"∂L/∂z = ∂L/∂a · {gname} = ({dA_rhs}) · {g_rhs}"
    else:
        chain = f"∂L/∂zⱼ = Σₖ ∂L/∂aₖ · ∂aₖ/∂zⱼ = Σₖ ({dA_rhs}) · {g_rhs}"
    group = f"layer {L} (output): " + (
        f"fused step, {out.name} + {loss.name} is a canonical pair"
        if use_fused
        else f"general path, {out.name} + {loss.name}"
    )
    shape_L = _shape(dims[-1], m)
    if use_fused:
        formula = f"dZ[{L}] = A[{L}] − Y" if course else f"dZ[{L}] = (1/m)(A[{L}] − Y)"
        note = (
            f"$∂L/∂Z[{L}]$ per example, no $1/m$" if course else f"$∂J/∂Z[{L}]$ ← $1/m$ enters here"
        )
        bwd.items.append(_Row(formula, [sh(f"dZ[{L}]", shape_L)], note, group=group))
        reason = _FUSED_REASON[out.name]
        bwd.items.append(
            _Para(f"Why $A − Y$: ${chain} = a − y$: {reason}. " + _FUSED_GAIN[out.name].format(L=L))
        )
    else:
        dA_mat = _as_matrices(dA_rhs, L)
        formula = f"dA[{L}] = {dA_mat}" if course else f"dA[{L}] = (1/m)({dA_mat})"
        note = (
            f"$∂L/∂A[{L}]$ per example, no $1/m$: ${loss.dA_formula}$"
            if course
            else f"$∂J/∂A[{L}] = (1/m) ∂L/∂A[{L}]$ ← $1/m$ enters here"
        )
        bwd.items.append(_Row(formula, [sh(f"dA[{L}]", shape_L)], note, group=group))
        bwd.items.append(_backward_dZ_row(out, L, o, shape_L))
        shapes[f"dZ[{L}]"] = shape_L
        if canonical:
            bwd.items.append(
                _Para(
                    "fused=False forces the general path; the fused $A − Y$ gives the same "
                    f"numbers (${chain} = a − y$)" + _GENERAL_COST[out.name].format(L=L) + "."
                )
            )
        else:
            bwd.items.append(
                _Para(
                    f"Why not A − Y: {loss.name}'s canonical output is "
                    f"{loss.canonical_activation}, "
                    f"not {out.name}: ${chain}$, and the factor ${gname}$ does not cancel, so "
                    "$∂L/∂z ≠ a − y$; chainrule uses the general path."
                )
            )
    for l in range(L, 0, -1):
        act = acts[l - 1]
        if l < L:
            group = f"layer {l}: {act.name}"
            if keep[l - 1] < 1.0:
                bwd.items.append(
                    _Row(
                        f"dA[{l}] ← dA[{l}] ⊙ D[{l}]",
                        [],
                        "training only: the forward pass's mask",
                        group=group,
                    )
                )
                group = ""
            row = _backward_dZ_row(act, l, o, _shape(dims[l], m))
            row.group = group
            shapes[f"dZ[{l}]"] = _shape(dims[l], m)
            bwd.items.append(row)
        reg = f" + (λ/m) W[{l}]" if net.l2 else ""
        Aprev = "X" if l == 1 else f"A[{l - 1}]"
        # course: the 1/m enters here; cost convention: dZ[l] already carries it
        scale = "(1/m) " if course else ""
        w_note = " ← $1/m$ enters here" if course else f": no $1/m$ here, $dZ[{l}]$ carries it"
        bwd.items.append(
            _Row(
                f"dW[{l}] = {scale}dZ[{l}] {Aprev}ᵀ{reg}",
                [sh(f"dW[{l}]", (dims[l], dims[l - 1]))],
                f"$∂J/∂W[{l}]${w_note}" + ("; $λ/m$ from J's L2 term" if reg else ""),
            )
        )
        bwd.items.append(
            _Row(
                f"db[{l}] = {scale}Σᵢ dZ[{l}]⁽ⁱ⁾",
                [sh(f"db[{l}]", (dims[l], 1))],
                f"$∂J/∂b[{l}]$: row sums over the $m$ columns"
                + (", times $1/m$" if course else ""),
            )
        )
        per = "per example, no $1/m$" if course else "carries the $1/m$"
        if l > 1:
            bwd.items.append(
                _Row(
                    f"dA[{l - 1}] = W[{l}]ᵀ dZ[{l}]",
                    [sh(f"dA[{l - 1}]", _shape(dims[l - 1], m))],
                    f"$∂{o}/∂A[{l - 1}]$, {per}",
                )
            )
        else:
            bwd.items.append(
                _Row(
                    "dA[0] = W[1]ᵀ dZ[1]",
                    [sh("dA[0]", _shape(dims[0], m))],
                    f"$∂{o}/∂X$; training does not need it",
                )
            )
    sections.append(bwd)

    # -- where 1/m enters ---------------------------------------------------------------------
    wm = _Section("Where 1/m enters")
    here = " (used here)"
    top = (
        f"$dZ[{L}] = (1/m)(A[{L}] − Y) = ∂J/∂Z[{L}]$"
        if use_fused
        else f"$dA[{L}] = (1/m) ∂L/∂A[{L}] = ∂J/∂A[{L}]$"
    )
    wm.items.append(
        _Para(
            f"course{here if course else ''}: $∂J/∂A[{L}] = (1/m) ∂L/∂A[{L}]$, "
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
    )
    wm.items.append(
        _Para(
            f"cost{here if not course else ''}: the top of the chain already carries it "
            f"({top}), so "
            "every $dA[l]$, $dZ[l]$ is $1/m$ times the course's and $dW[l] = dZ[l] A[l−1]ᵀ$, "
            "$db[l] = Σᵢ dZ[l]⁽ⁱ⁾$ without it. Gradients.named() calls them dJ/dZ[l], dJ/dA[l]."
        )
    )
    wm.items.append(
        _Para(
            "Both give the same $dW[l]$, $db[l]$; every $dA[l]$, $dZ[l]$ differs by exactly "
            "the factor $m$."
            + (
                " The L2 term adds $(λ/m) W[l]$ to $dW[l]$ under both: "
                "it is the derivative of J's own "
                "$(λ/2m) Σₗ ‖W[l]‖²$, not of $L$."
                if net.l2
                else ""
            )
        )
    )
    sections.append(wm)
    return title, sections, shapes


def _verify(
    net: Network,
    convention: str,
    fused: bool | None,
    seed: int,
    check_m: int,
    check_entries: int | None,
    epsilon: float,
) -> tuple[_Section, list[Any] | None, str, GradCheckReport, dict[str, float]]:
    sec = _Section("Verification")
    # symbolic
    derivations: list[Any] | None = None
    note = ""
    try:
        from chainrule import symbolic

        derivations = symbolic.derivations_for(net)
    except ImportError as exc:
        note = f"skipped: {exc}"
    if derivations is None:
        sec.items.append(_Para(f"Symbolic checks (SymPy) {note}"))
    else:
        sec.items.append(
            _Para(
                "Symbolic checks (SymPy): each derivative is derived from the forward formula and "
                "compared with the library's closed form (simplified difference = 0) and with its "
                "NumPy code at random points:"
            )
        )
        from chainrule.symbolic import _md_inline

        for d in derivations:
            verdict = f" ({d.verdict})" if d.verdict else ""
            sec.items.append(
                _Item(d.summary(), f"{'✓' if d.ok else '✗'} {_md_inline(d.title)}{verdict}")
            )
    # numerical
    notes = []
    if any(r > 0 for r in net.dropout):
        notes.append("dropout switched off for the check")
    if net.dtype != np.dtype(np.float64):
        notes.append(f"on a float64 copy of this {net.dtype.name} network")
    check_net = Network.from_config(
        {**net.config(), "dropout": 0.0, "dtype": "float64"},
        {k: np.asarray(v, dtype=np.float64) for k, v in net.parameters.items()},
    )
    X, Y = random_data(check_net, check_m, seed)
    report = gradcheck(
        check_net,
        X,
        Y,
        epsilon,
        convention=convention,
        fused=fused,
        max_params_per_tensor=check_entries,
        seed=seed,
    )
    sampled = (
        f"{report.n_checked:,} of {report.n_total:,} entries "
        f"(up to {check_entries} per tensor, seeded)"
        if report.n_checked < report.n_total
        else f"all {report.n_total:,} entries"
    )
    sec.items.append(
        _Para(
            "Numerical gradient check: random X ~ N(0, 1) of shape "
            f"({net.layer_dims[0]}, {check_m}) "
            f"and valid random Y (seed {seed}), ε = {epsilon:g}, {sampled}"
            + (f"; {'; '.join(notes)}" if notes else "")
            + ":"
        )
    )
    per = ", ".join(f"{p.name} {p.difference:.1e}" for p in report.parameters)
    sec.items.append(
        _Para(
            f"relative difference ‖g − g̃‖/(‖g‖ + ‖g̃‖) = {report.difference:.1e}: {report.status} "
            f"(pass < 1e-7, fail ≥ 1e-3); per tensor: {per}"
        )
    )
    # both conventions on the same data
    gc = check_net.gradients(X, Y, convention="course", fused=fused)
    gj = check_net.gradients(X, Y, convention="cost", fused=fused)
    mm = X.shape[1]
    dW_diff = max(
        float(np.max(np.abs(gc[k] - gj[k]) / np.maximum(1e-300, np.abs(gc[k]).max()))) for k in gc
    )
    ratio_err = 0.0
    for a, b in zip(gc.dZ, gj.dZ, strict=True):
        scale = np.abs(a).max()
        if scale > 0:
            ratio_err = max(ratio_err, float(np.max(np.abs(a - mm * b)) / scale))
    cc = {"max_dW_diff": dW_diff, "max_dZ_ratio_error": ratio_err, "m": float(mm)}
    sec.items.append(
        _Para(
            f"Conventions on the same data: dW, db agree to {dW_diff:.0e} (relative); "
            f"dZ[l] under 'course' = {mm} × dZ[l] under 'cost' to {ratio_err:.0e}."
        )
    )
    return sec, derivations, note, report, cc


def explain(
    network_or_spec: Any,
    *,
    m: int | None = None,
    convention: str = "course",
    format: str = "text",
    verify: bool = True,
    fused: bool | None = None,
    seed: int = 0,
    check_m: int = 8,
    check_entries: int | None = 20,
    epsilon: float = 1e-7,
) -> Explanation:
    """Explain a network's forward and backward pass, formula by formula.

    Parameters
    ----------
    network_or_spec : Network, str, Path or dict
        A network, a model file, or ``Network`` arguments
        (``{"layer_dims": [12288, 20, 7, 5, 1], "hidden": "relu", ...}``).
    m : int, optional
        Batch size for the printed shapes; None prints ``m``.
    convention : {"course", "cost"}, default="course"
        Where 1/m enters (see :mod:`chainrule.backprop`).
    format : {"text", "markdown"}, default="text"
        What ``str(explanation)`` gives (both are always available).
    verify : bool, default=True
        Run the verification section (SymPy derivations and a numerical
        gradient check on seeded random data).
    fused : bool or None
        None: fused A − Y for canonical pairs; False: show (and check) the
        general path.
    seed : int, default=0
        Seeds the random check data (and the weights of a dict spec without one).
    check_m : int, default=8
        Examples in the numerical check (the smaller of this and ``m``).
    check_entries : int or None, default=20
        Entries checked per parameter tensor (None: all).
    epsilon : float, default=1e-7

    Returns
    -------
    Explanation

    Raises
    ------
    ValueError
        Inconsistent layer sizes, unknown activation or loss names, a bad
        ``m``/``convention``/``format``, ``fused=True`` on a non-canonical pair.
    """
    net = resolve_network(network_or_spec, seed)
    if m is not None:
        m = check_positive_int(m, "m")
    check_choice(convention, backprop.CONVENTIONS, "convention")
    check_choice(format, FORMATS, "format")
    check_m = check_positive_int(check_m, "check_m")
    if check_entries is not None:
        check_entries = check_positive_int(check_entries, "check_entries")
    if fused is not None and not isinstance(fused, bool):
        raise TypeError(f"fused must be True, False or None, got {fused!r}")
    if fused and not backprop.is_canonical(net.loss, net.activations[-1]):
        raise ValueError(
            f"fused=True needs a canonical pair; {net.loss.name} with a {net.activations[-1].name} "
            f"output is not one (its canonical output is {net.loss.canonical_activation})"
        )
    title, sections, shapes = _build(net, m, convention, fused)
    derivations = None
    note = "skipped (verify=False)"
    report = None
    cc = None
    if verify:
        cm = min(check_m, m) if m is not None else check_m
        sec, derivations, note, report, cc = _verify(
            net, convention, fused, seed, cm, check_entries, epsilon
        )
        sections.append(sec)
    return Explanation(
        network=net,
        m=m,
        convention=convention,
        format=format,
        shapes=shapes,
        derivations=derivations,
        symbolic_note=note,
        gradcheck=report,
        convention_check=cc,
        _title=title,
        _sections=sections,
    )


# ---------------------------------------------------------------------------------------------
# The derivations page of the docs
# ---------------------------------------------------------------------------------------------

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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m chainrule.explain --docs`` prints the derivations page."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args != ["--docs"]:
        print("usage: python -m chainrule.explain --docs > docs/derivations.md", file=sys.stderr)
        return 2
    sys.stdout.write(derivations_page())
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
