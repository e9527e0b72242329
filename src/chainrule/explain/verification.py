r"""The verification section of an explanation: three independent checks of the formulas.

1. Symbolic (:mod:`chainrule.symbolic`, needs SymPy): every derivative the network uses is
   derived from its forward formula and compared with the library's closed form and NumPy
   code.  Without SymPy this part is skipped with a note.
2. Numerical (:func:`chainrule.gradcheck.gradcheck`): backprop's gradient against centred
   differences, ‖g − g̃‖/(‖g‖ + ‖g̃‖), on seeded random data, on a float64 copy of the
   network without dropout.
3. The two conventions on the same data: dW, db agree, and dZ[l] under ``"course"`` is m
   times dZ[l] under ``"cost"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.backprop import Gradients
from chainrule.explain.document import Item, Para, Section
from chainrule.gradcheck import GradCheckReport, gradcheck, random_data
from chainrule.network import Network

__all__ = ["Verification", "verify"]


@dataclass
class Verification:
    """What :func:`verify` found, and its section of the explanation."""

    section: Section
    derivations: list[Any] | None
    symbolic_note: str
    gradcheck: GradCheckReport
    convention_check: dict[str, float]


def _symbolic(net: Network, sec: Section) -> tuple[list[Any] | None, str]:
    """The SymPy derivations for ``net`` (None and a note without SymPy), listed in ``sec``."""
    try:
        from chainrule import symbolic

        derivations = symbolic.derivations_for(net)
    except ImportError as exc:
        note = f"skipped: {exc}"
        sec.items.append(Para(f"Symbolic checks (SymPy) {note}"))
        return None, note
    sec.items.append(
        Para(
            "Symbolic checks (SymPy): each derivative is derived from the forward formula and "
            "compared with the library's closed form (simplified difference = 0) and with its "
            "NumPy code at random points:"
        )
    )
    from chainrule.symbolic.formula.latex import md_inline

    for d in derivations:
        verdict = f" ({d.verdict})" if d.verdict else ""
        sec.items.append(Item(d.summary(), f"{'✓' if d.ok else '✗'} {md_inline(d.title)}{verdict}"))
    return derivations, ""


def _convention_check(gc: Gradients, gj: Gradients, m: int) -> dict[str, float]:
    """Largest relative dW, db difference and dZ_course vs m · dZ_cost error, over the layers.

    Parameters
    ----------
    gc, gj : Gradients
        The same data's gradients under ``"course"`` and ``"cost"``.
    m : int
        The number of examples (columns) they were computed on.
    """
    dW_diff = max(
        float(np.max(np.abs(gc[k] - gj[k]) / np.maximum(1e-300, np.abs(gc[k]).max()))) for k in gc
    )
    ratio_err = 0.0
    for a, b in zip(gc.dZ, gj.dZ, strict=True):
        scale = np.abs(a).max()
        if scale > 0:
            ratio_err = max(ratio_err, float(np.max(np.abs(a - m * b)) / scale))
    return {"max_dW_diff": dW_diff, "max_dZ_ratio_error": ratio_err, "m": float(m)}


def verify(
    net: Network,
    convention: str,
    fused: bool | None,
    seed: int,
    check_m: int,
    check_entries: int | None,
    epsilon: float,
) -> Verification:
    """Run the three checks on ``net`` and write the "Verification" section.

    Parameters
    ----------
    net : Network
    convention : {"course", "cost"}
        The convention of the numerical check.
    fused : bool or None
        The output path of the numerical check (as :func:`chainrule.explain.explain`).
    seed : int
        Seeds the random X of shape (n[0], check_m), the random valid Y and the sampled entries.
    check_m : int
        Examples in the check data.
    check_entries : int or None
        Entries checked per parameter tensor (None: all).
    epsilon : float
        The step of the centred differences.
    """
    sec = Section("Verification")
    derivations, note = _symbolic(net, sec)
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
        Para(
            "Numerical gradient check: random X ~ N(0, 1) of shape "
            f"({net.layer_dims[0]}, {check_m}) "
            f"and valid random Y (seed {seed}), ε = {epsilon:g}, {sampled}"
            + (f"; {'; '.join(notes)}" if notes else "")
            + ":"
        )
    )
    per = ", ".join(f"{p.name} {p.difference:.1e}" for p in report.parameters)
    sec.items.append(
        Para(
            f"relative difference ‖g − g̃‖/(‖g‖ + ‖g̃‖) = {report.difference:.1e}: {report.status} "
            f"(pass < 1e-7, fail ≥ 1e-3); per tensor: {per}"
        )
    )
    mm = X.shape[1]
    cc = _convention_check(
        check_net.gradients(X, Y, convention="course", fused=fused),
        check_net.gradients(X, Y, convention="cost", fused=fused),
        mm,
    )
    sec.items.append(
        Para(
            f"Conventions on the same data: dW, db agree to {cc['max_dW_diff']:.0e} (relative); "
            f"dZ[l] under 'course' = {mm} × dZ[l] under 'cost' to {cc['max_dZ_ratio_error']:.0e}."
        )
    )
    return Verification(sec, derivations, note, report, cc)
