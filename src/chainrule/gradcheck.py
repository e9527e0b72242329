r"""Numerical gradient checking: is the backward pass right?

For every parameter θ (each entry of W[1], b[1], ..., W[L], b[L]) the cost is
evaluated at θ + ε and θ − ε and the two-sided difference

    g̃ = (J(θ + ε) − J(θ − ε)) / (2ε)          (error O(ε²))

is compared with the analytic gradient g (chainrule's own backward pass, or a
function you wrote).  The summary number is the course's

    difference = ‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂),

over all checked entries, and per parameter tensor; the course reads it as

=====================  ============  ==============================================
difference             status        meaning
=====================  ============  ==============================================
< 1e-7                 ``pass``      the gradient is right
1e-7 ... 1e-5          ``inspect``   probably right (ReLU kinks, rounding): look
1e-5 ... 1e-3          ``inspect``   suspicious: look at the worst entries
≥ 1e-3                 ``fail``      almost certainly a bug
=====================  ============  ==============================================

What is checked
---------------
* The **full cost** J = (1/m) Σᵢ L⁽ⁱ⁾ + (λ/2m) Σₗ ‖W[l]‖², exactly as
  :meth:`Network.cost` computes it, in **float64** (a float32 network is
  checked on a float64 copy, and the report says so: float32 has ~7 digits, too
  few for ε = 1e-7).
* With **dropout off**: a network with dropout is refused (J would be random).
* Either chainrule's backward pass (:meth:`Network.gradients`, choose the
  ``convention`` and ``fused``), or your own ``grad_fn(parameters, X, Y)``
  returning the course's dict ``{"dW1": ..., "db1": ..., ...}``.

A failing check is a **result**, not an exception: the report says fail, and
where (per tensor, worst entries with their indices, and the layer closest to
the output whose gradients are wrong, :attr:`GradCheckReport.suspect_layer`).

Cost
----
Each checked entry costs two forward passes; only the layers from the
perturbed one upwards are recomputed (the cached activations below it are
reused, bit for bit what a full pass gives).  For big networks pass
``max_params_per_tensor`` to check a seeded random sample of each tensor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule import backprop
from chainrule._typing import Array
from chainrule._validation import check_choice, check_positive_float, check_positive_int
from chainrule.head import per_example_loss
from chainrule.initializers import resolve_rng
from chainrule.losses import cost as mean_cost
from chainrule.network import Network

__all__ = [
    "THRESHOLDS",
    "EntryDifference",
    "GradCheckReport",
    "ParameterDifference",
    "gradcheck",
    "random_data",
    "relative_difference",
    "status_of",
]

THRESHOLDS = (1e-7, 1e-5, 1e-3)
"""The course's reading: pass below 1e-7, inspect up to 1e-3 (suspicious above 1e-5), fail above."""

KINKED_ACTIVATIONS = frozenset({"relu", "leaky_relu"})
"""Activations with a kink at z = 0, where finite differences can straddle the kink."""

GradFn = Callable[[dict[str, Array], Array, Array], Mapping[str, Any]]


def relative_difference(g: Any, g_tilde: Any) -> float:
    """‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂); 0 when both are zero, NaN when either is not finite.

    Parameters
    ----------
    g, g_tilde : array_like of the same shape
    """
    g = np.asarray(g, dtype=np.float64).ravel()
    gt = np.asarray(g_tilde, dtype=np.float64).ravel()
    if not (np.isfinite(g).all() and np.isfinite(gt).all()):
        return float("nan")
    den = float(np.linalg.norm(g) + np.linalg.norm(gt))
    if den == 0.0:
        return 0.0
    return float(np.linalg.norm(g - gt)) / den


def status_of(difference: float, thresholds: tuple[float, float, float] = THRESHOLDS) -> str:
    """``"pass"``, ``"inspect"`` or ``"fail"`` for a relative difference (NaN fails)."""
    ok, _, bad = thresholds
    if not np.isfinite(difference) or difference >= bad:
        return "fail"
    return "pass" if difference < ok else "inspect"


def _verdict(difference: float, thresholds: tuple[float, float, float]) -> str:
    ok, careful, bad = thresholds
    if not np.isfinite(difference):
        return "fail: the gradient contains NaN or infinite values"
    if difference < ok:
        return f"pass: difference < {ok:.0e}, the gradient is right"
    if difference < careful:
        return (
            f"inspect: difference in [{ok:.0e}, {careful:.0e}): probably right "
            "(ReLU kinks or rounding); look at the worst entries"
        )
    if difference < bad:
        return (
            f"inspect: difference in [{careful:.0e}, {bad:.0e}): suspicious; "
            "look at the per-parameter table and the worst entries"
        )
    return f"fail: difference ≥ {bad:.0e}, the gradient is almost certainly wrong"


@dataclass
class ParameterDifference:
    """The check of one parameter tensor (W1, b1, ...).

    Attributes
    ----------
    name : str
        ``"W1"``, ``"b1"``, ...
    shape : tuple of int
    checked : int
        Entries compared (all of them unless sampled).
    size : int
        Entries in the tensor.
    difference : float
        ‖g − g̃‖ / (‖g‖ + ‖g̃‖) over the checked entries.
    max_abs_error : float
        max |g − g̃| over the checked entries.
    status : str
        ``"pass"``, ``"inspect"`` or ``"fail"``.
    kinks : int
        Checked entries whose ±ε evaluations straddled a ReLU kink.
    """

    name: str
    shape: tuple[int, ...]
    checked: int
    size: int
    difference: float
    max_abs_error: float
    status: str
    kinks: int = 0

    @property
    def layer(self) -> int:
        """The layer l of W[l] / b[l]."""
        return int(self.name[1:])


@dataclass
class EntryDifference:
    """One checked entry: analytic g, numerical g̃ and their gap."""

    parameter: str
    index: tuple[int, ...]
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    kink: bool = False


@dataclass(repr=False)
class GradCheckReport:
    """The result of :func:`gradcheck`.

    Attributes
    ----------
    difference : float
        ‖g − g̃‖₂ / (‖g‖₂ + ‖g̃‖₂) over all checked entries.
    status : str
        ``"pass"``, ``"inspect"`` or ``"fail"`` (see :data:`THRESHOLDS`).
    parameters : list of ParameterDifference
        One row per tensor, W1, b1, ..., WL, bL.
    worst : list of EntryDifference
        The entries with the largest |g − g̃|, worst first.
    epsilon : float
    m : int
        Number of examples.
    cost : float
        J at the unperturbed parameters (L2 term included).
    l2 : float
    dtype : str
        The network's own dtype.
    converted : bool
        True when a float32 network was checked on a float64 copy.
    source : str
        What produced the analytic gradient.
    analytic : dict
        g for every tensor (``"dW1"``, ``"db1"``, ...), full arrays.
    numeric : dict
        g̃ for every tensor, NaN where an entry was not checked.
    thresholds : tuple of float
    notes : list of str
    """

    difference: float
    status: str
    parameters: list[ParameterDifference]
    worst: list[EntryDifference]
    epsilon: float
    m: int
    cost: float
    l2: float
    dtype: str
    converted: bool
    source: str
    analytic: dict[str, Array] = field(repr=False)
    numeric: dict[str, Array] = field(repr=False)
    thresholds: tuple[float, float, float] = THRESHOLDS
    notes: list[str] = field(default_factory=list)

    # -- reading the result --------------------------------------------------------------------

    @property
    def passed(self) -> bool:
        """True when the status is ``"pass"``."""
        return self.status == "pass"

    @property
    def verdict(self) -> str:
        """One sentence: the status and what it means."""
        return _verdict(self.difference, self.thresholds)

    @property
    def n_checked(self) -> int:
        """Entries compared."""
        return sum(p.checked for p in self.parameters)

    @property
    def n_total(self) -> int:
        """Entries in all tensors."""
        return sum(p.size for p in self.parameters)

    @property
    def failing(self) -> list[str]:
        """Names of the tensors whose own status is ``"fail"``."""
        return [p.name for p in self.parameters if p.status == "fail"]

    @property
    def suspect_layer(self) -> int | None:
        """The layer closest to the output whose gradient is wrong (status not pass), or None.

        A wrong formula in layer l corrupts dW, db of layer l and of every layer
        below it (the error travels down the chain), never the layers above: the
        highest bad layer is where to look.
        """
        bad = [p.layer for p in self.parameters if p.status == "fail"]
        if not bad:
            bad = [p.layer for p in self.parameters if p.status == "inspect"]
        return max(bad) if bad else None

    def parameter(self, name: str) -> ParameterDifference:
        """The row of one tensor (``"W2"``)."""
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(f"no parameter {name!r}; have {[p.name for p in self.parameters]}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary (no arrays)."""
        return {
            "difference": self.difference,
            "status": self.status,
            "verdict": self.verdict,
            "epsilon": self.epsilon,
            "m": self.m,
            "cost": self.cost,
            "l2": self.l2,
            "dtype": self.dtype,
            "checked_dtype": "float64",
            "converted": self.converted,
            "source": self.source,
            "n_checked": self.n_checked,
            "n_total": self.n_total,
            "suspect_layer": self.suspect_layer,
            "thresholds": list(self.thresholds),
            "parameters": [
                {
                    "name": p.name,
                    "shape": list(p.shape),
                    "checked": p.checked,
                    "size": p.size,
                    "difference": p.difference,
                    "max_abs_error": p.max_abs_error,
                    "status": p.status,
                    "kinks": p.kinks,
                }
                for p in self.parameters
            ],
            "worst": [
                {
                    "parameter": e.parameter,
                    "index": list(e.index),
                    "analytic": e.analytic,
                    "numeric": e.numeric,
                    "abs_error": e.abs_error,
                    "rel_error": e.rel_error,
                    "kink": e.kink,
                }
                for e in self.worst
            ],
            "notes": list(self.notes),
        }

    # -- printing -------------------------------------------------------------------------------

    def _header(self) -> list[str]:
        reg = " + (λ/2m) Σₗ ‖W[l]‖²" if self.l2 else ""
        dtype = "float64" + (
            f" (a float64 copy of this {self.dtype} network)" if self.converted else ""
        )
        return [
            f"Gradient check of J = (1/m) Σᵢ L⁽ⁱ⁾{reg} = {self.cost:.6g}",
            f"  m = {self.m}, ε = {self.epsilon:g}, {dtype}",
            f"  analytic gradient: {self.source}",
            "  difference = ‖g − g̃‖ / (‖g‖ + ‖g̃‖)",
        ]

    def __str__(self) -> str:
        rows = [("parameter", "shape", "checked", "difference", "max |g − g̃|", "status")]
        for p in self.parameters:
            checked = f"{p.checked}" if p.checked == p.size else f"{p.checked} of {p.size}"
            rows.append(
                (
                    p.name,
                    str(p.shape),
                    checked,
                    f"{p.difference:.2e}",
                    f"{p.max_abs_error:.2e}",
                    p.status + (f" ({p.kinks} kink{'s' * (p.kinks != 1)})" if p.kinks else ""),
                )
            )
        total = (
            f"{self.n_checked}"
            if self.n_checked == self.n_total
            else f"{self.n_checked} of {self.n_total}"
        )
        rows.append(("overall", "", total, f"{self.difference:.2e}", "", self.status.upper()))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [*self._header(), ""]
        for k, r in enumerate(rows):
            if k == len(rows) - 1:
                lines.append("  " + "  ".join("-" * w for w in widths))
            lines.append(
                "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            )
        if self.worst:
            lines += ["", "worst entries (largest |g − g̃|):"]
            wrows = [("parameter", "index", "analytic g", "numeric g̃", "|g − g̃|", "")]
            for e in self.worst:
                wrows.append(
                    (
                        e.parameter,
                        str(e.index),
                        f"{e.analytic: .8e}",
                        f"{e.numeric: .8e}",
                        f"{e.abs_error:.2e}",
                        "kink" if e.kink else "",
                    )
                )
            ww = [max(len(r[i]) for r in wrows) for i in range(len(wrows[0]))]
            for r in wrows:
                lines.append(
                    "  " + "  ".join(c.ljust(w) for c, w in zip(r, ww, strict=True)).rstrip()
                )
        lines += ["", self.verdict]
        if self._suspect_line():
            lines.append(self._suspect_line())
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The report as a Markdown table."""
        lines = [f"**Gradient check: {self.status}**, difference = {self.difference:.2e}", ""]
        lines += [f"- {h.strip()}" for h in self._header()]
        lines += ["", "| parameter | shape | checked | difference | max abs error | status |"]
        lines.append("|---|---|---|---|---|---|")
        for p in self.parameters:
            lines.append(
                f"| {p.name} | {p.shape} | {p.checked} of {p.size} | {p.difference:.2e} | "
                f"{p.max_abs_error:.2e} | {p.status} |"
            )
        if self.worst:
            lines += ["", "Worst entries (largest $\\lvert g - \\tilde g \\rvert$):", ""]
            lines += [
                "| parameter | index | analytic $g$ | numeric $\\tilde g$ | "
                "$\\lvert g - \\tilde g \\rvert$ | |",
                "|---|---|---|---|---|---|",
            ]
            for e in self.worst:
                lines.append(
                    f"| {e.parameter} | {e.index} | {e.analytic:.8e} | {e.numeric:.8e} | "
                    f"{e.abs_error:.2e} | {'kink' if e.kink else ''} |"
                )
        lines += ["", self.verdict]
        suspect = self._suspect_line()
        if suspect:
            lines += ["", f"**{suspect}**"]
        lines += [f"- note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def _suspect_line(self) -> str:
        if self.status == "pass" or self.suspect_layer is None:
            return ""
        return (
            f"the highest layer with a wrong gradient is layer {self.suspect_layer}: "
            "look at its formulas (errors travel down to the layers below it)"
        )

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        suspect = f", suspect_layer={self.suspect_layer}" if self._suspect_line() else ""
        return (
            f"GradCheckReport(status={self.status!r}, difference={self.difference:.2e}, "
            f"checked={self.n_checked} of {self.n_total}, m={self.m}{suspect})"
        )


# ---------------------------------------------------------------------------------------------


def random_data(
    network: Network, m: int = 8, seed: int | np.random.Generator | None = 0
) -> tuple[Array, Array]:
    """Random inputs and valid targets for ``network`` (for checks, not training).

    X ~ N(0, 1); Y: labels 0/1 (binary cross-entropy), one-hot columns of
    random classes (categorical cross-entropy), uniform in (0, 1) for a
    sigmoid/softmax output with squared error, else N(0, 1).

    Parameters
    ----------
    network : Network
    m : int, default=8
        Number of examples (columns).
    seed : int or Generator, default=0

    Returns
    -------
    X : ndarray of shape (n[0], m), float64
    Y : ndarray of shape (n[L], m), float64
    """
    m = check_positive_int(m, "m")
    rng = resolve_rng(seed)
    n0, nL = network.layer_dims[0], network.layer_dims[-1]
    X = rng.standard_normal((n0, m))
    loss, out = network.loss.name, network.activations[-1].name
    if loss == "binary_crossentropy":
        Y = rng.integers(0, 2, size=(nL, m)).astype(np.float64)
    elif loss == "categorical_crossentropy":
        Y = np.zeros((nL, m))
        Y[rng.integers(0, nL, size=m), np.arange(m)] = 1.0
    elif out == "softmax":
        Y = rng.dirichlet(np.ones(nL), size=m).T
    elif out == "sigmoid":
        Y = rng.uniform(0.0, 1.0, size=(nL, m))
    else:
        Y = rng.standard_normal((nL, m))
    return X, Y


def _float64_copy(network: Network) -> tuple[Network, bool]:
    if network.dtype == np.dtype(np.float64):
        return network.copy(), False
    cfg = {**network.config(), "dtype": "float64"}
    params = {k: np.asarray(v, dtype=np.float64) for k, v in network.parameters.items()}
    return Network.from_config(cfg, params), True


class _CostEvaluator:
    """J(θ) with θ perturbed in one layer, reusing the cached activations below it."""

    def __init__(self, net: Network, X: Array, Y: Array, sample_weight: Array | None) -> None:
        self.net, self.X, self.Y, self.w = net, X, Y, sample_weight
        self.m_eff = X.shape[1] if sample_weight is None else float(sample_weight.sum())
        _, caches = backprop.forward(X, net.Ws, net.bs, net.activations)
        self.inputs = [c.A_prev for c in caches]  # A[l-1] for l = 1..L
        self.kinked = [a.name in KINKED_ACTIVATIONS for a in net.activations]

    def __call__(self, layer: int) -> tuple[float, list[np.ndarray]]:
        """J with the current parameters, recomputing layers ``layer``..L (0-based).

        Returns J and the sign patterns Z > 0 of the kinked layers from there up.
        """
        net = self.net
        A = self.inputs[layer]
        signs: list[np.ndarray] = []
        Z = A
        for l in range(layer, net.L):
            Z = backprop.linear_forward(A, net.Ws[l], net.bs[l])
            if self.kinked[l]:
                signs.append(Z > 0)
            A = net.activations[l].forward(Z)
        J = mean_cost(per_example_loss(net.loss, net.activations[-1], A, Z, self.Y), self.w)
        J += backprop.l2_cost(net.Ws, net.l2, self.m_eff)
        return J, signs


def _analytic(
    net: Network,
    X: Array,
    Y: Array,
    grad_fn: GradFn | None,
    convention: str,
    fused: bool | None,
    sample_weight: Array | None,
) -> dict[str, Array]:
    names = [f"d{k}" for k in net.parameters]
    if grad_fn is None:
        grads = net.gradients(X, Y, convention=convention, fused=fused, sample_weight=sample_weight)
        return {k: np.asarray(grads[k], dtype=np.float64) for k in names}
    if not callable(grad_fn):
        raise TypeError(
            f"grad_fn must be callable(parameters, X, Y) -> grads dict, got {grad_fn!r}"
        )
    params = {k: v.copy() for k, v in net.parameters.items()}
    out = grad_fn(params, X.copy(), Y.copy())
    if not isinstance(out, Mapping):
        raise TypeError(
            f"grad_fn must return a dict with keys {', '.join(names)}, got {type(out).__name__}"
        )
    result: dict[str, Array] = {}
    for k in names:
        if k not in out:
            raise ValueError(
                f"grad_fn's result is missing {k!r}: expected the keys {', '.join(names)} "
                "(the course's grads dict)"
            )
        try:
            arr = np.asarray(out[k], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"grad_fn's {k!r} must be a numeric array: {exc}") from exc
        want = net.parameters[k[1:]].shape
        if arr.shape != want:
            raise ValueError(
                f"grad_fn's {k!r} has shape {arr.shape}, expected {want} (like {k[1:]})"
            )
        result[k] = arr
    return result


def gradcheck(
    network: Network,
    X: Any,
    Y: Any,
    epsilon: float = 1e-7,
    *,
    grad_fn: GradFn | None = None,
    convention: str = "course",
    fused: bool | None = None,
    sample_weight: Any = None,
    max_params_per_tensor: int | None = None,
    seed: int | np.random.Generator | None = 0,
    n_worst: int = 5,
    thresholds: tuple[float, float, float] = THRESHOLDS,
) -> GradCheckReport:
    """Compare the analytic gradient of J with centred finite differences.

    Parameters
    ----------
    network : Network
        Its parameters are not changed (the check runs on a float64 copy).
    X : array_like of shape (n[0], m)
        Inputs; must be finite.
    Y : array_like of shape (n[L], m)
        Targets (class indices are accepted for a softmax output).
    epsilon : float, default=1e-7
        The step ε of g̃ = (J(θ + ε) − J(θ − ε)) / 2ε.
    grad_fn : callable, optional
        ``grad_fn(parameters, X, Y) -> grads``: your gradient function.  It
        receives float64 copies of the course's ``{"W1": ..., "b1": ...}``,
        X of shape (n[0], m) and Y of shape (n[L], m), and must return
        ``{"dW1": ..., "db1": ..., ...}`` (∂J/∂W[l], ∂J/∂b[l], L2 term
        included when the network has λ > 0).  Default: chainrule's own
        :meth:`Network.gradients`.
    convention : {"course", "cost"}, default="course"
        Passed to :meth:`Network.gradients` (the result must not depend on it).
    fused : bool or None
        Passed to :meth:`Network.gradients`.
    sample_weight : array_like of shape (m,), optional
        Example weights: J = Σ wᵢLᵢ / Σ wᵢ.
    max_params_per_tensor : int, optional
        Check at most this many entries of each tensor, drawn without
        replacement from ``seed``; None checks every entry.
    seed : int or Generator, default=0
        For the sampling.
    n_worst : int, default=5
        How many worst entries the report lists.
    thresholds : (float, float, float), default=(1e-7, 1e-5, 1e-3)
        pass below the first, fail from the third.

    Returns
    -------
    GradCheckReport
        Also when the check fails: a failure is a result.

    Raises
    ------
    ValueError
        Dropout on, non-finite X, Y or parameters, bad shapes, ε ≤ 0, a
        ``grad_fn`` result with missing keys or wrong shapes.
    TypeError
        Non-numeric input, a ``grad_fn`` that is not callable.
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a chainrule Network, got {type(network).__name__}")
    eps = check_positive_float(epsilon, "epsilon")
    check_choice(convention, backprop.CONVENTIONS, "convention")
    n_worst = int(n_worst)
    if max_params_per_tensor is not None:
        max_params_per_tensor = check_positive_int(max_params_per_tensor, "max_params_per_tensor")
    if any(r > 0 for r in network.dropout):
        raise ValueError(
            f"gradcheck needs dropout off: this network has dropout rates {network.dropout}, "
            "which make J random; check a copy without it, e.g. "
            "Network.from_config({**net.config(), 'dropout': 0.0}, net.parameters)"
        )
    for k, v in network.parameters.items():
        if not np.isfinite(v).all():
            raise ValueError(f"parameter {k} contains NaN or infinite values; nothing to check")
    net, converted = _float64_copy(network)
    Xc = net.check_X(X)
    Yc = net.check_Y(Y, Xc.shape[1])
    w = net.check_weights(sample_weight, Xc.shape[1])
    rng = resolve_rng(seed)

    analytic = _analytic(net, Xc, Yc, grad_fn, convention, fused, w)
    evaluate = _CostEvaluator(net, Xc, Yc, w)
    J0, _ = evaluate(0)

    params = net.parameters  # the copy's arrays: perturbed in place, then restored
    numeric: dict[str, Array] = {}
    rows: list[ParameterDifference] = []
    entries: list[EntryDifference] = []
    g_all: list[Array] = []
    gt_all: list[Array] = []
    for l in range(net.L):
        for kind in ("W", "b"):
            name = f"{kind}{l + 1}"
            theta = params[name]
            size = theta.size
            if max_params_per_tensor is None or size <= max_params_per_tensor:
                flat = np.arange(size)
            else:
                flat = np.sort(rng.choice(size, size=max_params_per_tensor, replace=False))
            num = np.full(theta.shape, np.nan)
            kinks = np.zeros(theta.shape, dtype=bool)
            for f in flat:
                idx = np.unravel_index(f, theta.shape)
                old = theta[idx]
                theta[idx] = old + eps
                J_plus, s_plus = evaluate(l)
                theta[idx] = old - eps
                J_minus, s_minus = evaluate(l)
                theta[idx] = old
                num[idx] = (J_plus - J_minus) / (2 * eps)
                kinks[idx] = any(
                    not np.array_equal(a, b) for a, b in zip(s_plus, s_minus, strict=True)
                )
            numeric[f"d{name}"] = num
            g = analytic[f"d{name}"].reshape(-1)[flat]
            gt = num.reshape(-1)[flat]
            diff = np.abs(g - gt)
            rows.append(
                ParameterDifference(
                    name=name,
                    shape=tuple(theta.shape),
                    checked=int(flat.size),
                    size=int(size),
                    difference=relative_difference(g, gt),
                    max_abs_error=float(np.max(diff, initial=0.0))
                    if np.isfinite(diff).all()
                    else float("nan"),
                    status=status_of(relative_difference(g, gt), thresholds),
                    kinks=int(kinks.reshape(-1)[flat].sum()),
                )
            )
            for f, gi, gti, di in zip(flat, g, gt, diff, strict=True):
                index = tuple(int(i) for i in np.unravel_index(f, theta.shape))
                den = abs(gi) + abs(gti)
                entries.append(
                    EntryDifference(
                        parameter=name,
                        index=index,
                        analytic=float(gi),
                        numeric=float(gti),
                        abs_error=float(di),
                        rel_error=float(di / den) if den > 0 else 0.0,
                        kink=bool(kinks[index]),
                    )
                )
            g_all.append(g)
            gt_all.append(gt)
    total = relative_difference(np.concatenate(g_all), np.concatenate(gt_all))
    status = status_of(total, thresholds)
    entries.sort(key=lambda e: -e.abs_error if np.isfinite(e.abs_error) else -np.inf)
    worst = entries[: max(n_worst, 0)]
    notes: list[str] = []
    if converted:
        notes.append(
            f"the network is {network.dtype.name}: it was checked on a float64 copy "
            "(float32 rounding, ~1e-7, would swamp ε = 1e-7)"
        )
    n_kinks = sum(p.kinks for p in rows)
    if n_kinks:
        notes.append(
            f"{n_kinks} checked entr{'ies' if n_kinks != 1 else 'y'} moved a ReLU pre-activation "
            "across 0 between θ − ε and θ + ε; there the finite difference is not a derivative"
        )
    if max_params_per_tensor is not None and sum(p.checked for p in rows) < sum(
        p.size for p in rows
    ):
        notes.append(f"sampled at most {max_params_per_tensor} entries per tensor (seeded)")
    if grad_fn is None:
        source = (
            f"Network.gradients(convention={convention!r}"
            + ("" if fused is None else f", fused={fused}")
            + ")"
        )
        out, loss = net.activations[-1], net.loss
        path = (
            "fused A − Y"
            if (fused is not False and backprop.is_canonical(loss, out))
            else "general"
        )
        source += f", output step: {path}"
    else:
        source = f"grad_fn {getattr(grad_fn, '__qualname__', type(grad_fn).__name__)}"
    return GradCheckReport(
        difference=total,
        status=status,
        parameters=rows,
        worst=worst,
        epsilon=eps,
        m=int(Xc.shape[1]),
        cost=float(J0),
        l2=net.l2,
        dtype=network.dtype.name,
        converted=converted,
        source=source,
        analytic=analytic,
        numeric=numeric,
        thresholds=tuple(thresholds),  # type: ignore[arg-type]
        notes=notes,
    )
