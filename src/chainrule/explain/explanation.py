"""The :func:`explain` call and its result, :class:`Explanation`.

:func:`explain` checks its arguments, has :func:`chainrule.explain.sections.build` write the
document (title, notation, parameters, forward pass, loss and cost, backward pass, where 1/m
enters), appends :func:`chainrule.explain.verification.verify`'s section unless
``verify=False``, and returns an :class:`Explanation`, which renders the document as text
(``str()``) or Markdown (:attr:`Explanation.markdown`, Jupyter's ``_repr_markdown_``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainrule import backprop
from chainrule._validation import check_choice, check_positive_int
from chainrule.explain import verification
from chainrule.explain.document import Document, Shape
from chainrule.explain.render import to_markdown, to_text
from chainrule.explain.sections import build
from chainrule.gradcheck import GradCheckReport
from chainrule.network import Network

__all__ = ["FORMATS", "Explanation", "explain", "resolve_network"]

FORMATS = ("text", "markdown")
"""What ``str(explanation)`` can give."""


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
    _document: Document = field(repr=False)

    @property
    def text(self) -> str:
        """The explanation as Unicode text."""
        return to_text(self._document)

    @property
    def markdown(self) -> str:
        """The explanation as Markdown with LaTeX math."""
        return to_markdown(self._document)

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
    document, shapes = build(net, m, convention, fused)
    checked = None
    if verify:
        cm = min(check_m, m) if m is not None else check_m
        checked = verification.verify(net, convention, fused, seed, cm, check_entries, epsilon)
        document.sections.append(checked.section)
    return Explanation(
        network=net,
        m=m,
        convention=convention,
        format=format,
        shapes=shapes,
        derivations=checked.derivations if checked else None,
        symbolic_note=checked.symbolic_note if checked else "skipped (verify=False)",
        gradcheck=checked.gradcheck if checked else None,
        convention_check=checked.convention_check if checked else None,
        _document=document,
    )
