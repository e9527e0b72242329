"""The checks: :func:`check` (one function) and :func:`check_module` (each one a module defines)."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from chainrule.stepwise.checking.cases import _cases
from chainrule.stepwise.checking.compare import Mismatch, _compare_outputs
from chainrule.stepwise.checking.diagnosis import _candidates, _explains, _unexplained
from chainrule.stepwise.checking.functions import FUNCTIONS
from chainrule.stepwise.checking.reports import CheckReport, FunctionReport
from chainrule.stepwise.checking.running import (
    DEFAULT_TIMEOUT,
    _call,
    _changed_leaf,
    _Raised,
    _same,
)


def check(
    fn: Callable[..., Any],
    name: str | None = None,
    *,
    seed: int = 0,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> FunctionReport:
    """Check one implementation of a course function against chainrule's.

    Parameters
    ----------
    fn : callable
        Your function, with the course's signature.
    name : str, optional
        Which course function it implements (a key of :data:`FUNCTIONS`);
        default: ``fn.__name__``.
    seed : int, default=0
        Seeds the generated cases (``numpy.random.default_rng(seed)``).
    timeout : float or None, default=10
        Seconds one call may take; None runs without a limit (and without a thread).

    Returns
    -------
    FunctionReport
        ``passed``, or the first differing output and the mistake that explains it.

    Raises
    ------
    TypeError
        ``fn`` is not callable.
    ValueError
        The name is not one of :data:`FUNCTIONS`.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function, got {type(fn).__name__}")
    name = getattr(fn, "__name__", "") if name is None else name
    if name not in FUNCTIONS:
        raise ValueError(
            f"name must be one of the course functions chainrule checks "
            f"({', '.join(FUNCTIONS)}); got {name!r}"
        )
    spec = FUNCTIONS[name]
    cases = _cases(name, seed)
    arg_names = list(inspect.signature(spec.reference).parameters)
    report = FunctionReport(name, passed=True, cases=len(cases))
    got_all: list[Any] = []
    first: tuple[Any, Any] | None = None
    for case in cases:
        expected = _call(spec.reference, copy.deepcopy(case.args), None)
        assert not isinstance(expected, _Raised), (name, case.label, expected)
        given = copy.deepcopy(case.args)
        got = _call(fn, given, timeout)
        got_all.append(got)
        if isinstance(got, _Raised):
            mm = Mismatch(case.label, "the call", got.kind, got.message)
            if got.kind == "timeout":
                report.passed, report.mismatch = False, mm
                report.cases = len(got_all)
                return report
        else:
            changed = [
                (n, a, b)
                for n, a, b in zip(arg_names, case.args, given, strict=False)
                if not _same(a, b)
            ]
            if changed:
                where = _changed_leaf(changed[0][1], changed[0][2], changed[0][0])
                mm = Mismatch(
                    case.label,
                    changed[0][0],
                    "modified input",
                    f"modified its argument {where} in place; work on a copy "
                    f"(copy.deepcopy({changed[0][0]}))",
                )
                report.passed, report.mismatch = False, mm
                return report
            found = _compare_outputs(spec, expected, got, case.label)
            if found is None:
                continue
            mm = found
            if report.mismatch is None:
                first = (expected, got)
        if report.mismatch is None:
            report.passed, report.mismatch = False, mm
    if report.passed or report.mismatch is None:
        return report
    if spec.variant is not None and report.mismatch.problem in ("values", "shape", "raised"):
        for size in (1, 2):  # a single mistake first, then the combinations
            fits = [
                c
                for c in _candidates(name)
                if len(c) == size and _explains(spec, c, cases, got_all)
            ]
            if fits:
                report.mistakes, report.alternatives = fits[0], fits[1:]
                break
    if not report.mistakes and first is not None and report.mismatch.problem == "values":
        _unexplained(report, spec, *first)
    return report


def check_module(
    module: ModuleType | Mapping[str, Any],
    *,
    seed: int = 0,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> CheckReport:
    """Check every course function a module (or a dict of names) defines.

    Parameters
    ----------
    module : module or dict
        Your assignment, imported (or ``globals()``); functions are found by the
        course's names (:data:`FUNCTIONS`).
    seed : int, default=0
    timeout : float or None, default=10
        Seconds one call may take.

    Returns
    -------
    CheckReport
        One :class:`FunctionReport` per course function found, in the course's order.
    """
    names = vars(module) if isinstance(module, ModuleType) else module
    if not isinstance(names, Mapping):
        raise TypeError(f"module must be a module or a dict, got {type(module).__name__}")
    found = [n for n in FUNCTIONS if callable(names.get(n))]
    report = CheckReport([check(names[n], n, seed=seed, timeout=timeout) for n in found])
    if not found:
        report.notes.append(
            "no course function found; chainrule checks functions named " + ", ".join(FUNCTIONS)
        )
    return report
