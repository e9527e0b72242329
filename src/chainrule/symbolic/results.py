"""What a derivation returns: :class:`Derivation`, a list of :class:`Step` and its verdicts.

Every ``derive_*`` function of :mod:`chainrule.symbolic` returns a
:class:`Derivation`; it prints itself as Unicode text (``str``, ``chainrule
derive``) or as Markdown with LaTeX math (Jupyter, ``docs/derivations.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

from chainrule.symbolic.formula.latex import md_inline

__all__ = ["Derivation", "Step"]


@dataclass(frozen=True)
class Step:
    """One line of a derivation, in Unicode and in LaTeX."""

    label: str
    unicode: str
    latex: str


@dataclass(frozen=True)
class Derivation:
    """A derivative derived with SymPy and compared with the library.

    Attributes
    ----------
    key : str
        ``"activation:sigmoid"``, ``"loss:binary_crossentropy"``,
        ``"pairing:binary_crossentropy+sigmoid"``, ``"cost:squared_error"``,
        ``"cost"``, ``"l2"``, ``"linear"``, ``"convention"``.
    title : str
        One line saying what is shown.
    claim : str
        The library's closed form (its formula string, Unicode).
    steps : tuple of Step
        The derivation, line by line.
    symbolic_ok : bool
        The SymPy-derived form minus the library's simplifies to 0.
    numeric_ok : bool
        The library's NumPy code matches the SymPy form at random points.
    numeric_error : float
        Largest relative error seen in the numerical comparison.
    n_points : int
        How many random points were compared.
    notes : tuple of str
        Remarks (kinks, constraints such as Σₖ yₖ = 1).
    canonical : bool or None
        Pairings only: whether chainrule treats the pair as canonical.
    fused_holds : bool or None
        Pairings only: whether dL/dz = a − y (proven symbolically when it
        holds, by a numerical counterexample when it does not).
    """

    key: str
    title: str
    claim: str
    steps: tuple[Step, ...]
    symbolic_ok: bool
    numeric_ok: bool
    numeric_error: float
    n_points: int
    notes: tuple[str, ...] = ()
    canonical: bool | None = None
    fused_holds: bool | None = None
    verdict: str = ""

    @property
    def ok(self) -> bool:
        """Everything agrees (for pairings: also canonical ⇔ fused form holds)."""
        agree = self.fused_holds == self.canonical if self.canonical is not None else True
        return self.symbolic_ok and self.numeric_ok and agree

    def summary(self, *, numbers: bool = True) -> str:
        """One-line verdict, e.g. ``"✓ sigmoid: σ′(z) = a(1 − a)"``."""
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.title}" + (f" ({self.verdict})" if self.verdict else "")

    def _check_lines(self, numbers: bool) -> list[str]:
        sym = "holds" if self.symbolic_ok else "FAILS"
        if self.n_points == 0:
            return [f"symbolic: {sym}", "numeric: see the per-loss cost derivations"]
        num = (
            f"agrees at {self.n_points} random points"
            + (f" (max rel. error {self.numeric_error:.1e})" if numbers else "")
            if self.numeric_ok
            else f"DISAGREES at random points (max rel. error {self.numeric_error:.1e})"
        )
        return [f"symbolic: {sym}", f"numeric (library NumPy code): {num}"]

    def to_text(self, *, numbers: bool = True) -> str:
        """The derivation as indented Unicode text."""
        width = max([len(s.label) for s in self.steps] + [8])
        steps = [f"{s.label:<{width}}  {s.unicode}" for s in self.steps]
        return "\n".join([self.summary(), *self._body(steps, "    ", numbers)])

    def to_markdown(self, *, numbers: bool = True, heading: str = "####") -> str:
        """The derivation as Markdown with LaTeX math."""
        mark = "✓" if self.ok else "✗"
        verdict = f" ({self.verdict})" if self.verdict else ""
        steps = [f"{s.label}: ${s.latex}$" for s in self.steps]
        body = self._body(steps, "- ", numbers)
        return "\n".join([f"{heading} {mark} {md_inline(self.title)}{verdict}", "", *body]) + "\n"

    def _body(self, steps: list[str], bullet: str, numbers: bool) -> list[str]:
        """The lines under the heading: the steps, the notes, the two checks."""
        notes = [f"note: {note}" for note in self.notes]
        return [bullet + line for line in (*steps, *notes, *self._check_lines(numbers))]

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return f"Derivation({self.key!r}, ok={self.ok})"
