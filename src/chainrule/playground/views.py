"""What the page reads: JSON-able dicts of the core's arrays, computed on request.

Each layer's weights and revealed gradients in the polled state (:func:`layers`), the
revealed arrays of a micro-stepped batch (:func:`micro`), the decision map and one
map per neuron, or the image views (:func:`maps`), every example's own loss L⁽ⁱ⁾ next
to J (:func:`points`), the formula chain of ``chainrule.explain`` (:func:`explanation`),
one weight's dW with its numbers put in, in both conventions of 1/m
(:func:`weight_formula`), and a gradient check (:func:`gradient_check`).  The functions
read a network, its data and a batch and change nothing; the session calls them holding
its lock.  API.md gives each reply's fields.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule import backprop
from chainrule._typing import Array
from chainrule.explain.document import Para, Row, Rule
from chainrule.explain.render import to_text
from chainrule.explain.sections import build as build_explanation
from chainrule.gradcheck import THRESHOLDS, gradcheck
from chainrule.head import per_example_loss
from chainrule.losses import cost as mean_cost
from chainrule.network import Network
from chainrule.optim import Optimizer
from chainrule.playground import datasets as ds
from chainrule.playground.batch import Batch, forward
from chainrule.playground.config import Config, SessionError
from chainrule.playground.jsonable import floats, num

__all__ = [
    "MAX_POINTS",
    "MAX_SENT_ARRAY",
    "MAX_SENT_WEIGHTS",
    "explanation",
    "gradient_check",
    "layers",
    "maps",
    "micro",
    "points",
    "weight_formula",
]

MAX_SENT_WEIGHTS = 4096
"""W, dW of a layer with more weights are left out of the state (the image presets)."""
MAX_POINTS = 5000
"""/api/points sends at most this many examples of each part (J is over all of them)."""
MAX_SENT_ARRAY = 20000
"""Arrays of /api/micro with more numbers are left out."""

UPDATE_FORMULAS = {
    "sgd": "θ ← θ − α dθ",
    "momentum": "v ← β v + (1 − β) dθ;  θ ← θ − α v",
    "nesterov": "Nesterov momentum on dθ (chainrule.optim.Nesterov)",
    "rmsprop": "s ← β s + (1 − β) dθ²;  θ ← θ − α dθ / (√s + ε)",
    "adam": "Adam (bias-corrected m̂, v̂):  θ ← θ − α m̂ / (√v̂ + ε)",
}
"""Each optimizer's update as the formula panel shows it (``chainrule.optim`` computes it)."""


def layers(net: Network, shown: list[dict[str, Any]], ratio: list[float]) -> list[dict[str, Any]]:
    """Each layer's part of the state (API.md, GET /api/state ``layers``): W[l], b[l], the
    revealed dW[l], db[l] (``shown[l - 1]``) and their norms, the update ratio ``ratio[l - 1]``;
    W and dW are left out past :data:`MAX_SENT_WEIGHTS` weights."""
    out = []
    for l in range(1, net.L + 1):
        W, b = net.Ws[l - 1], net.bs[l - 1]
        revealed = shown[l - 1]
        small = W.size <= MAX_SENT_WEIGHTS
        out.append(
            {
                "l": l,
                "n": int(W.shape[0]),
                "n_prev": int(W.shape[1]),
                "activation": net.activations[l - 1].name,
                "W": floats(W) if small else None,
                "W_shape": list(W.shape),
                "b": floats(b.ravel()),
                "dW": floats(revealed["dW"]) if small and "dW" in revealed else None,
                "db": floats(revealed["db"].ravel()) if "db" in revealed else None,
                "norm_dZ": num(revealed.get("norm_dZ")),
                "norm_dW": num(revealed.get("norm_dW")),
                "ratio": num(ratio[l - 1]),
            }
        )
    return out


def micro(
    batch: Batch | None,
    phase: dict[str, Any],
    phases: list[tuple[str, int | None]],
    shown: list[dict[str, Any]],
) -> dict[str, Any]:
    """The arrays revealed so far of the current batch (API.md, GET /api/micro).

    ``phase`` is the session's :meth:`~chainrule.playground.session.Session.phase`,
    ``phases`` the batch's micro-steps and ``shown[l - 1]`` the gradients of layer l
    revealed (dW, db copied when its backward step was shown).
    """
    if batch is None:
        return {"phase": phase, "m": 0, "X": None, "Y": None, "layers": [], "cost": None}
    b = batch
    revealed = {phases[k] for k in range(min(b.revealed, len(phases)))}

    def send(a: Any) -> Any:
        return None if a is None or np.size(a) > MAX_SENT_ARRAY else floats(a)

    layers = []
    for l in range(1, len(b.caches) + 1):
        c = b.caches[l - 1]
        fwd = ("forward", l) in revealed
        bwd = ("backward", l) in revealed
        layers.append(
            {
                "l": l,
                "Z": send(c.Z) if fwd else None,
                "A": send(c.A) if fwd else None,
                "dZ": send(b.grads.dZ[l - 1]) if bwd else None,
                "dW": send(shown[l - 1].get("dW")) if bwd else None,
                "db": send(shown[l - 1].get("db")) if bwd else None,
            }
        )
    loss_shown = ("loss", None) in revealed
    return {
        "phase": phase,
        "m": b.m,
        "convention": b.convention,
        "X": send(b.X),
        "Y": send(b.Y),
        "L": send(b.L) if loss_shown else None,
        "layers": layers,
        "cost": {"J": num(b.J_data + b.J_l2), "data": num(b.J_data), "l2": num(b.J_l2)}
        if loss_shown
        else None,
    }


def check_resolutions(resolution: int, neuron_resolution: int) -> None:
    """SessionError unless both map resolutions are in [2, 200]."""
    for name, v in (("resolution", resolution), ("neuron_resolution", neuron_resolution)):
        if not 2 <= v <= 200:
            raise SessionError(f"{name} must be in [2, 200], got {v}")


def maps(
    net: Network,
    data: ds.PlaygroundData,
    config: Config,
    version: int,
    resolution: int = 60,
    neuron_resolution: int = 24,
) -> dict[str, Any]:
    """The decision map and one map per neuron, or the image views (API.md, GET /api/maps).

    A 2-D set is drawn on a ``resolution`` × ``resolution`` grid over [−EXTENT, EXTENT]²
    (top row x₂ = +EXTENT), each neuron's A[l] on a ``neuron_resolution`` grid.
    """
    check_resolutions(resolution, neuron_resolution)
    if data.kind == "images":
        return image_maps(net, data, config.data_seed, version)
    if not data.two_d:
        return {"kind": "none", "version": version}
    e = ds.EXTENT

    def grid(r: int) -> Array:
        x1 = np.linspace(-e, e, r)
        x2 = np.linspace(e, -e, r)  # top row = +e
        g1, g2 = np.meshgrid(x1, x2)
        return np.vstack([g1.ravel(), g2.ravel()])

    with np.errstate(all="ignore"):
        AL, _ = forward(net, ds.feature_matrix(grid(resolution), config.features))
        _, small = forward(net, ds.feature_matrix(grid(neuron_resolution), config.features))
    r = resolution
    confidence = None
    if AL.shape[0] == 1:
        output = AL[0].reshape(r, r)
    elif data.task == "binary":  # a two-unit softmax: P(class 1)
        output = AL[1].reshape(r, r)
    else:
        output = AL.argmax(axis=0).reshape(r, r).astype(np.float64)
        confidence = floats(AL.max(axis=0).reshape(r, r))
    neurons = []
    nr = neuron_resolution
    for l, c in enumerate(small, 1):
        for u in range(c.A.shape[0]):
            neurons.append({"l": l, "unit": u, "values": floats(c.A[u].reshape(nr, nr))})
    inputs = ds.feature_matrix(grid(nr), config.features)
    return {
        "kind": "grid",
        "x1": [-e, e],
        "x2": [-e, e],
        "resolution": r,
        "output": floats(output),
        "confidence": confidence,
        "inputs": [
            {"name": f, "values": floats(inputs[j].reshape(nr, nr))}
            for j, f in enumerate(config.features)
        ],
        "neurons": neurons,
        "version": version,
    }


def image_maps(
    net: Network,
    data: ds.PlaygroundData,
    seed: int,
    version: int,
    n_samples: int = 16,
    n_units: int = 16,
) -> dict[str, Any]:
    """The image presets' views: ``n_samples`` test images (drawn with ``seed``) with their
    predicted probabilities, the output units' mean, the mean training image, and the first
    layer's weights of ``n_units`` units as images."""
    assert data.image_shape is not None
    m = data.X_test.shape[1]
    picks = np.random.default_rng(seed).choice(m, min(n_samples, m), False)
    X = data.X_test[:, np.sort(picks)]
    with np.errstate(all="ignore"):
        AL, caches = forward(net, X)
    probs = np.vstack([1.0 - AL[0], AL[0]]) if AL.shape[0] == 1 else AL
    samples = []
    for j, k in enumerate(np.sort(picks)):
        samples.append(
            {
                "index": int(k),
                "part": "test",
                "label": int(data.y_test[k]),
                "pixels": np.rint(X[:, j] * 255.0).clip(0, 255).astype(int).tolist(),
                "probs": floats(probs[:, j]),
            }
        )
    # the output units, one per class (a sigmoid unit: P(the second class)), each with its
    # mean output over the samples shown: the page labels the output neurons with them
    names = data.class_names
    out_names = names[-1:] if AL.shape[0] == 1 else names[: AL.shape[0]]
    outputs = [
        {"unit": u, "label": out_names[u] if u < len(out_names) else str(u), "mean": mean}
        for u, mean in enumerate(floats(AL.mean(axis=1)))
    ]
    # the input: the mean training image, 0..255 like the samples
    mean_image = np.rint(data.X_train.mean(axis=1) * 255.0).clip(0, 255).astype(int)
    W1 = net.Ws[0]
    units = []
    for u in range(min(n_units, W1.shape[0])):
        w = W1[u]
        top = float(np.max(np.abs(w))) if np.isfinite(w).all() else 0.0
        scaled = 128.0 + 127.0 * w / top if top > 0 else np.full_like(w, 128.0)
        units.append({"unit": u, "pixels": np.rint(scaled).astype(int).tolist()})
    return {
        "kind": "images",
        "shape": list(data.image_shape),
        "classes": data.class_names,
        "samples": samples,
        "outputs": outputs,
        # mean A[l] of every unit over the samples shown, l = 1..L (the output layer last)
        "layer_means": [floats(c.A.mean(axis=1)) for c in caches],
        "mean_image": mean_image.tolist(),
        "first_layer": units,
        "version": version,
    }


def points(
    net: Network, data: ds.PlaygroundData, Y_train: Array, Y_test: Array, version: int
) -> dict[str, Any]:
    """Every example with its own loss L⁽ⁱ⁾, and J = mean L + the L2 term (API.md).

    ``Y_train`` (n[L], m_train) and ``Y_test`` (n[L], m_test) are the data's targets as
    the network's output sees them.
    """

    def part(X: Array, Y: Array, y: Any, raw: Array | None) -> tuple[list[Any], Array]:
        with np.errstate(all="ignore"):
            AL, caches = forward(net, X)
            L = per_example_loss(net.loss, net.activations[-1], AL, caches[-1].Z, Y)[0]
        yv = np.asarray(y, dtype=np.float64)
        if raw is not None:
            rows = np.column_stack([raw[0], raw[1], yv, L])
        else:
            rows = np.column_stack([np.arange(len(yv)), yv, L])
        return floats(rows[:MAX_POINTS]), L

    train, L_train = part(data.X_train, Y_train, data.y_train, data.raw_train)
    test, _ = part(data.X_test, Y_test, data.y_test, data.raw_test)
    n_train = int(data.X_train.shape[1])
    J_data = mean_cost(L_train.reshape(1, -1)) if L_train.size else math.nan
    l2 = backprop.l2_cost(list(net.Ws), net.l2, n_train)
    kind = "2d" if data.two_d else ("images" if data.kind == "images" else "table")
    return {
        "kind": kind,
        "train": train,
        "test": test,
        "n_train": n_train,
        "n_test": int(data.X_test.shape[1]),
        "J_data": num(J_data),
        "l2": num(l2),
        "J": num(J_data + l2),
        "version": version,
    }


def check_convention(convention: str) -> None:
    """SessionError unless ``convention`` is one of backprop's (course, cost)."""
    if convention not in backprop.CONVENTIONS:
        raise SessionError(f"convention must be course or cost, got {convention!r}")


def explanation(net: Network, m: int, convention: str) -> dict[str, Any]:
    """The formula chain of ``chainrule.explain`` for this network and batch size ``m``
    (API.md, GET /api/explain), each row marked where 1/m enters."""
    check_convention(convention)
    doc, _ = build_explanation(net, m, convention, None)
    sections = []
    for s in doc.sections:
        backward = s.title.startswith("Backward")
        blocks: list[dict[str, Any]] = []
        for item in s.items:
            if isinstance(item, Row):
                enters = "enters here" in item.note or (backward and "1/m" in item.formula)
                blocks.append(
                    {
                        "type": "row",
                        "formula": item.formula,
                        "shapes": [
                            [n, "(" + ", ".join(map(str, sh)) + ")"] for n, sh in item.shapes
                        ],
                        "note": item.note,
                        "group": item.group,
                        "one_over_m": enters,
                    }
                )
            elif isinstance(item, (Para, Rule)):
                kind = "para" if isinstance(item, Para) else "rule"
                blocks.append({"type": kind, "text": item.text})
            else:
                blocks.append({"type": "item", "text": getattr(item, "text", str(item))})
        sections.append({"title": s.title, "blocks": blocks})
    return {
        "convention": convention,
        "m": m,
        "title": list(doc.title),
        "text": to_text(doc),
        "sections": sections,
    }


def _subscript(i: int) -> str:
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(c)] for c in str(i))


def weight_formula(
    net: Network,
    batch: Batch | None,
    last_delta: Array | None,
    opt: Optimizer,
    lr: float,
    layer: int,
    row: int,
    col: int | None = None,
) -> dict[str, Any]:
    """dW[l]ᵢⱼ (or db[l]ᵢ, ``col`` None) of ``batch``'s backward pass with its numbers put
    in, in both conventions of 1/m, and the update it gave (API.md, GET /api/formula).

    Parameters
    ----------
    net : Network
    batch : Batch or None
        The batch whose backward pass is shown (None: no step yet, a 409).
    last_delta : ndarray of shape θ, or None
        θ after minus θ before of the last update (the batch's, once applied).
    opt : Optimizer
    lr : float
        The learning rate α.
    layer, row, col : int
        l in 1..L, i in 0..n[l]−1, j in 0..n[l−1]−1.
    """
    if not 1 <= layer <= net.L:
        raise SessionError(f"layer must be in [1, {net.L}], got {layer}")
    n, n_prev = net.Ws[layer - 1].shape
    if not 0 <= row < n:
        raise SessionError(f"row must be in [0, {n - 1}] for layer {layer}, got {row}")
    if col is not None and not 0 <= col < n_prev:
        raise SessionError(f"col must be in [0, {n_prev - 1}] for layer {layer}, got {col}")
    if batch is None:
        raise SessionError("no gradient yet: take a step first", status=409)
    b = batch
    m = b.m
    lam = net.l2
    # the per-example dZ (course) and the cost's dZ̃ = (1/m) dZ, whichever was computed
    dZ = b.grads.dZ[layer - 1][row]
    dZ_course = dZ if b.convention == "course" else dZ * m
    dZ_cost = dZ / m if b.convention == "course" else dZ
    A_prev = b.caches[layer - 1].A_prev
    # W and b as they were in the batch's backward pass (before its update)
    theta = net.theta if b.theta_before is None else b.theta_before
    Ws_then, bs_then = net.layout.views(theta)
    W_then, b_then = Ws_then[layer - 1], bs_then[layer - 1]
    dWd: list[Array] | None = None
    dbd: list[Array] | None = None
    if b.applied and last_delta is not None:
        dWd, dbd = net.layout.views(last_delta)
    sub = _subscript(row)
    delta: float | None
    if col is not None:
        subj = _subscript(col)
        name = f"W[{layer}]{sub},{subj}"
        s_course = float(np.sum(dZ_course * A_prev[col]))
        s_cost = float(np.sum(dZ_cost * A_prev[col]))
        w = float(W_then[row, col])
        reg = lam / m * w
        course_val = s_course / m + reg
        cost_val = s_cost + reg
        core = float(b.dW_db(layer)[0][row, col])
        k_sum = f"Σₖ dZ[{layer}]{sub}ₖ A[{layer - 1}]{subj}ₖ"
        f_course = f"d{name} = (1/m) {k_sum} + (λ/m) {name}"
        f_cost = f"d{name} = Σₖ ((1/m) dZ[{layer}]{sub}ₖ) A[{layer - 1}]{subj}ₖ + (λ/m) {name}"
        pairs = np.column_stack([dZ_course, A_prev[col]])
        delta = None if dWd is None else float(dWd[layer - 1][row, col])
    else:
        name = f"b[{layer}]{sub}"
        s_course = float(np.sum(dZ_course))
        s_cost = float(np.sum(dZ_cost))
        w = float(b_then[row, 0])
        course_val = s_course / m
        cost_val = s_cost
        core = float(b.dW_db(layer)[1][row, 0])
        f_course = f"d{name} = (1/m) Σₖ dZ[{layer}]{sub}ₖ"
        f_cost = f"d{name} = Σₖ (1/m) dZ[{layer}]{sub}ₖ"
        pairs = np.column_stack([dZ_course, np.ones_like(dZ_course)])
        delta = None if dbd is None else float(dbd[layer - 1][row, 0])
        reg = 0.0
    l2_txt = f" + ({lam:g}/{m}) · {w:.6g}" if col is not None else ""
    tol = 1e-12 + 1e-9 * max(abs(course_val), abs(cost_val))
    return {
        "layer": layer,
        "row": row,
        "col": col,
        "param": name,
        "m": m,
        "convention_used": b.convention,
        "value": w,
        "dZ_row_course": floats(dZ_course),
        "course": {
            "formula": f_course,
            "numbers": f"(1/{m}) · ({s_course:.6g}){l2_txt}",
            "value": num(course_val),
        },
        "cost": {
            "formula": f_cost,
            "numbers": f"{s_cost:.6g}{l2_txt}",
            "value": num(cost_val),
        },
        "core": num(core),
        "equal": bool(abs(course_val - cost_val) <= tol),
        "l2_term": num(reg),
        "update": {
            "optimizer": opt.name,
            "lr": lr,
            "formula": UPDATE_FORMULAS.get(opt.name, opt.name),
            "applied": b.applied,
            "delta": num(delta) if delta is not None else None,
            "sgd_delta": num(-lr * core),
        },
        "terms": floats(pairs[:64]),
    }


def gradient_check(net: Network, X: Array, Y: Array, per_tensor: int = 10) -> dict[str, Any]:
    """Finite differences on sampled parameters (``chainrule.gradcheck``, seed 0), the
    course's thresholds, on X (n[0], m) and Y (n[L], m)."""
    if not np.isfinite(net.theta).all():
        return {
            "status": "fail",
            "difference": None,
            "thresholds": list(THRESHOLDS),
            "verdict": "fail: the parameters are not finite",
            "n_checked": 0,
            "n_total": int(net.theta.size),
            "suspect_layer": None,
            "text": "",
        }
    with np.errstate(all="ignore"):
        report = gradcheck(net, X, Y, max_params_per_tensor=per_tensor, seed=0)
    return {
        "status": report.status,
        "difference": num(report.difference),
        "thresholds": list(report.thresholds),
        "verdict": report.verdict,
        "n_checked": report.n_checked,
        "n_total": report.n_total,
        "m": report.m,
        "suspect_layer": report.suspect_layer,
        "text": str(report),
    }
