"""What ``train`` and ``evaluate`` report: the metrics, and how numbers are printed.

* :func:`score` -- the cost J (as trained: L2 included, dropout off) and the accuracy
  of a classifier, or for a regressor MSE = (1/m) Σ (y − ŷ)² and
  R² = 1 − Σ (y − ŷ)² / Σ (y − ȳ)², in the targets' original units.
* :func:`forward_checked` -- A[L] for the examples X, refused when it is not finite.
* :func:`fmt`, :func:`wrap_header`, :func:`describe_net` -- the printed numbers and
  header lines; :func:`write_json` -- standard JSON (NaN as null), written atomically.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.cli.prepare import encode_targets, unscale_targets
from chainrule.head import OutputHead, class_indices

if TYPE_CHECKING:
    from chainrule.network import Network

__all__ = [
    "describe_net",
    "fmt",
    "forward_checked",
    "json_clean",
    "score",
    "wrap_header",
    "write_json",
]


def score(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    head: OutputHead,
    target_scaling: dict[str, Any] | None,
    model: str | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """cost (J, as trained: L2 included, dropout off) and accuracy, or MSE and R².

    With ``model`` (evaluate), outputs that are not finite are an error naming the
    model and ``source``; without (train, after a divergence), the numbers are NaN and
    print as n/a.  NumPy's overflow warnings are never shown.
    """
    T = encode_targets(y, head, net.dtype, target_scaling)
    AL = forward_checked(net, X, model, source)
    with np.errstate(all="ignore"):
        out: dict[str, Any] = {"m": int(X.shape[1]), "cost": float(net.cost(X, T))}
    if head.targets == "values":
        with np.errstate(all="ignore"):
            P = unscale_targets(AL, target_scaling)
        out.update(_regression_scores(y, P))
    else:
        out["accuracy"] = float(np.mean(class_indices(AL) == np.asarray(y).reshape(-1)))
    return out


def _regression_scores(y: np.ndarray, P: np.ndarray) -> dict[str, float]:
    """MSE and R² of the predictions P (k, m) for the targets y (m,) or (k, m), averaged over k.

    MSE = (1/m) Σ (y − ŷ)²; R² = 1 − Σ (y − ŷ)² / Σ (y − ȳ)², NaN (n/a) for a constant
    target, whose total sum of squares is at rounding level.
    """
    Y = np.asarray(y, dtype=np.float64)
    Y = Y.reshape(1, -1) if Y.ndim == 1 else Y
    with np.errstate(all="ignore"):
        P = P.astype(np.float64)
        resid = np.sum((Y - P) ** 2, axis=1)
        centred = Y - Y.mean(axis=1, keepdims=True)
        total = np.sum(centred**2, axis=1)
        scale = np.sum(Y**2, axis=1)
        defined = total > 1e-12 * np.where(scale > 0, scale, 1.0)
        r2 = np.where(defined, 1.0 - resid / np.where(defined, total, 1.0), np.nan)
        return {
            "mse": float(np.mean(resid / Y.shape[1])),
            "r2": float(np.mean(r2)) if defined.all() else math.nan,
        }


def forward_checked(
    net: Network, X: np.ndarray, model: str | None, source: str | None
) -> np.ndarray:
    """The network's outputs, without NumPy's warnings; with ``model``, finite or an error."""
    with np.errstate(all="ignore"):
        AL = net.forward(X)
    if model is None:
        return AL
    bad = ~np.isfinite(AL).all(axis=0)
    if bad.any():
        i = int(np.argmax(bad))
        with np.errstate(all="ignore"):
            xmax = float(np.max(np.abs(X[:, i])))
            wmax = max(float(np.max(np.abs(W))) for W in net.Ws)
        raise ValueError(
            f"{model}: the network's output for example {i} of {source} is not finite (NaN or "
            f"inf): {net.dtype.name} arithmetic overflows (inputs up to {xmax:.3g} after "
            f"scaling, weights up to {wmax:.3g}); no predictions were made"
        )
    return AL


def describe_net(net: Network) -> str:
    acts = " → ".join(a.name for a in net.activations)
    return f"{net.layer_dims}: {acts}"


def fmt(x: Any) -> str:
    """A metric in at most 11 characters: 4 decimals, or 4 significant digits (8.580e-05)
    when it is so small that 4 decimals would show nothing of it, or huge."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    return f"{x:.4f}" if x == 0 or 1e-3 <= abs(x) < 1e6 else f"{x:.3e}"


def wrap_header(line: str, width: int = 80) -> str:
    """Wrap a header line (``"data      ..."``) at ``width`` columns, continuing under its
    10-column label, and breaking only between words."""
    import textwrap

    if len(line) <= width:
        return line
    return textwrap.fill(
        line, width, subsequent_indent=" " * 10, break_long_words=False, break_on_hyphens=False
    )


def json_clean(obj: Any) -> Any:
    """NaN/inf -> None, recursively, so that the JSON is standard."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_clean(v) for v in obj]
    return obj


def write_json(path: Path, obj: Any) -> None:
    from chainrule.io import atomic_write_bytes

    data = (json.dumps(json_clean(obj), indent=2, allow_nan=False) + "\n").encode()
    atomic_write_bytes(path, lambda f: f.write(data))
