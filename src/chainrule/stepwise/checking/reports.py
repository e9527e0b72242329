"""The reports: one function's check (:class:`FunctionReport`) and a module's report card."""

from __future__ import annotations

from dataclasses import dataclass, field

from chainrule.gradcheck import EntryDifference, ParameterDifference
from chainrule.stepwise.checking.compare import Mismatch, _fmt
from chainrule.stepwise.checking.mistakes import Mistake


@dataclass
class FunctionReport:
    """The check of one function.

    Attributes
    ----------
    function : str
        The course's name.
    passed : bool
    cases : int
        Cases run.
    mismatch : Mismatch or None
        The first differing output (None when passed).
    mistakes : tuple of Mistake
        The catalogue entries that explain every case together (one, or a combination
        of two); empty when none does.
    alternatives : list of tuple of Mistake
        Other explanations that fit as well (normally empty).
    outputs : list of ParameterDifference
        Unexplained differences only: per output array, ‖got − expected‖ / (‖got‖ +
        ‖expected‖) on the first failing case, as :mod:`chainrule.gradcheck` reports them.
    worst : list of EntryDifference
        Unexplained differences only: the largest |got − expected| (``analytic`` is the
        learner's value, ``numeric`` the expected one).
    suspect_layer : int or None
        The highest layer whose output is wrong (errors travel down, not up).
    """

    function: str
    passed: bool
    cases: int
    mismatch: Mismatch | None = None
    mistakes: tuple[Mistake, ...] = ()
    alternatives: list[tuple[Mistake, ...]] = field(default_factory=list)
    outputs: list[ParameterDifference] = field(default_factory=list)
    worst: list[EntryDifference] = field(default_factory=list)
    suspect_layer: int | None = None

    @property
    def summary(self) -> str:
        """The report card's line."""
        if self.passed:
            return f"{self.function:<42} passed ({self.cases} cases)"
        assert self.mismatch is not None
        if self.mistakes:
            what = " + ".join(m.name for m in self.mistakes)
        elif self.mismatch.problem in ("raised", "timeout", "type", "missing", "modified input"):
            what = self.mismatch.message
        elif self.mismatch.problem == "shape":
            what = f"{self.mismatch.output} has the wrong {self.mismatch.message}"
        else:
            what = f"wrong {self.mismatch.output}, and no known mistake explains it"
        return f"{self.function:<42} FAILED: {what}"

    def details(self) -> str:
        """What differs, where, and the named mistake with its fix (empty when passed)."""
        if self.passed or self.mismatch is None:
            return ""
        mm = self.mismatch
        lines = [f"{self.function}: first difference in {mm}"]
        if mm.problem == "values" and mm.expected is not None and mm.got is not None:
            lines += [f"  expected {_fmt(mm.expected)}", f"  got      {_fmt(mm.got)}"]
        for k, mistake in enumerate(self.mistakes):
            head = "  mistake: " if k == 0 else "  and:     "
            lines += [
                f"{head}{mistake.name}",
                f"    why: {mistake.explanation}",
                f"    fix: {mistake.fix}",
            ]
        for alt in self.alternatives:
            lines.append("  (or, as well: " + " + ".join(m.name for m in alt) + ")")
        if not self.mistakes and mm.problem in ("values", "shape"):
            lines.append("  no mistake in chainrule's catalogue explains this output")
        # the table of gradcheck.GradCheckReport, with outputs for rows and as plain text
        if self.outputs:
            lines.append("  output            shape     difference  max |got − expected|  status")
            for p in self.outputs:
                lines.append(
                    f"  {p.name:<17} {p.shape!s:<9} {p.difference:<11.2e} "
                    f"{p.max_abs_error:<21.2e} {p.status}"
                )
        if self.worst:
            lines.append("  worst entries: output  index  expected  got")
            for e in self.worst:
                lines.append(f"    {e.parameter}  {e.index}  {e.numeric: .8e}  {e.analytic: .8e}")
        if self.suspect_layer is not None:
            lines.append(
                f"  the highest layer with a wrong output is layer {self.suspect_layer}: "
                "look at its formulas (errors travel down to the layers below it)"
            )
        return "\n".join(lines)


@dataclass
class CheckReport:
    """The report card of several functions (:func:`check_module`)."""

    functions: list[FunctionReport]
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every function passed (and there was at least one)."""
        return bool(self.functions) and all(f.passed for f in self.functions)

    def __str__(self) -> str:
        n_ok = sum(f.passed for f in self.functions)
        lines = [f"{n_ok} of {len(self.functions)} functions pass", ""]
        lines += [f.summary for f in self.functions]
        for f in self.functions:
            if not f.passed:
                lines += ["", f.details()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)
