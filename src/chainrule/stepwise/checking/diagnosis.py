"""Diagnosis: which catalogue mistake (or pair) explains every case, else gradcheck's view."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from itertools import combinations
from typing import Any

import numpy as np

from chainrule._typing import Array
from chainrule.gradcheck import EntryDifference, ParameterDifference, relative_difference, status_of
from chainrule.stepwise.checking.cases import Case
from chainrule.stepwise.checking.compare import _as_named, _close, _compare_outputs
from chainrule.stepwise.checking.functions import _Spec
from chainrule.stepwise.checking.mistakes import CATALOGUE, Mistake
from chainrule.stepwise.checking.pieces import PIECES
from chainrule.stepwise.checking.reports import FunctionReport
from chainrule.stepwise.checking.running import _call, _Raised


def _applicable(function: str) -> list[Mistake]:
    return [m for m in CATALOGUE if function in m.functions]


def _candidates(function: str) -> list[tuple[Mistake, ...]]:
    """Every single mistake, then every pair with a factor-m or transpose mistake in it."""
    singles: list[tuple[Mistake, ...]] = [(m,) for m in _applicable(function)]
    pairs: list[tuple[Mistake, ...]] = [
        (a, b)
        for (a,), (b,) in combinations(singles, 2)
        if (a.factor_or_transpose or b.factor_or_transpose)
        and not set(a.mutation) & set(b.mutation)
    ]
    return singles + pairs


def _run_variant(spec: _Spec, mistakes: tuple[Mistake, ...], args: tuple[Any, ...]) -> Any:
    pieces = dict(PIECES)
    for m in mistakes:
        pieces.update(m.mutation)
    variant = spec.variant
    assert variant is not None
    return _call(lambda *a: variant(pieces, *a), copy.deepcopy(args), None)


def _explains(
    spec: _Spec, mistakes: tuple[Mistake, ...], cases: list[Case], got: list[Any]
) -> bool:
    """Whether the mutant reproduces the learner on every case (and runs on one at least)."""
    compared = False
    for case, g in zip(cases, got, strict=True):
        mutant = _run_variant(spec, mistakes, case.args)
        if isinstance(g, _Raised) or isinstance(mutant, _Raised):
            if not (isinstance(g, _Raised) and isinstance(mutant, _Raised)):
                return False
            continue
        if _compare_outputs(spec, mutant, g, case.label) is not None:
            return False
        compared = True
    return compared


def _layer_of(name: str) -> int | None:
    digits = "".join(c for c in name.split("[")[-1] if c.isdigit())
    return int(digits) if digits and any(k in name for k in ("W", "b", "dZ", "dA")) else None


def _unexplained(report: FunctionReport, spec: _Spec, expected: Any, got: Any) -> None:
    """gradcheck's pieces for a difference no mistake explains: per output, worst, layer."""
    leaves: list[tuple[str, Array, Array]] = []

    def walk(e: Any, g: Any, path: str) -> None:
        if isinstance(e, Mapping) and isinstance(g, Mapping):
            for k in e:
                if k in g:
                    walk(e[k], g[k], f"{path}[{k!r}]" if path else str(k))
        elif isinstance(e, (tuple, list)) and isinstance(g, (tuple, list)):
            for i, (x, y) in enumerate(zip(e, g, strict=False)):
                walk(x, y, f"{path}[{i}]")
        else:
            ea = np.asarray(e)
            try:
                ga = np.asarray(g, dtype=np.float64)
            except (TypeError, ValueError):
                return
            if ea.dtype.kind == "f" and ea.shape == ga.shape:
                leaves.append((path, ea, ga))

    exp, gg = _as_named(spec, expected), _as_named(spec, got)
    if exp is None or gg is None:
        return
    for name, e, g in zip(spec.outputs, exp, gg, strict=False):
        if len(spec.outputs) == 1 and isinstance(e, Mapping):
            walk(e, g, "")
        else:
            walk(e, g, name)
    entries = []
    for name, e, g in leaves:
        diff = relative_difference(g, e)
        err = np.abs(g.astype(np.float64) - e)
        report.outputs.append(
            ParameterDifference(
                name=name,
                shape=e.shape,
                checked=e.size,
                size=e.size,
                difference=diff,
                max_abs_error=float(np.max(err, initial=0.0)),
                status="pass" if _close(e, g, spec.rtol).all() else status_of(diff),
            )
        )
        for idx in np.ndindex(e.shape):
            entries.append(
                EntryDifference(
                    name, idx, float(g[idx]), float(e[idx]), float(err[idx]), float("nan")
                )
            )
    report.worst = sorted((x for x in entries if x.abs_error > 0), key=lambda x: -x.abs_error)[:5]
    bad = [_layer_of(p.name) for p in report.outputs if p.status != "pass"]
    layers = [b for b in bad if b is not None]
    report.suspect_layer = max(layers) if layers else None
