"""The generated cases a learner's function is run on.

The course's shapes and odd ones: m = 1, one unit per layer, a deep stack of square
layers, saturated activations; seeded (``numpy.random.default_rng(seed)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule._typing import Array, Params
from chainrule.stepwise import deep_network as dn
from chainrule.stepwise import gradient_checking as gc
from chainrule.stepwise import regularization as reg
from chainrule.stepwise.checking.functions import _UPDATES
from chainrule.stepwise.checking.pieces import _SIGMOID


@dataclass
class Case:
    """One call: a label (``"m = 1"``) and the positional arguments."""

    label: str
    args: tuple[Any, ...]


def _params(rng: np.random.Generator, dims: Sequence[int], scale: float = 1.0) -> Params:
    out: Params = {}
    for l in range(1, len(dims)):
        out[f"W{l}"] = scale * rng.standard_normal((dims[l], dims[l - 1])) / math.sqrt(dims[l - 1])
        out[f"b{l}"] = scale * 0.1 * rng.standard_normal((dims[l], 1))
    return out


def _labels(rng: np.random.Generator, m: int) -> Array:
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    Y[0, 0] = 1.0  # at least one of each when m > 1
    if m > 1:
        Y[0, -1] = 0.0
    return Y


SATURATED_Z = 12.0
"""The "saturated" cases' largest |Z[L]|: σ(Z) is within 1e-5 of 0 or 1, and yet the
course's 1/(1 − A[L]) loses no more than 1e-11 of its precision to σ's last bit (at
|Z| ≳ 37, A[L] rounds to exactly 0 or 1, where the course's own formulas give inf or NaN)."""

_NETS = (  # label, layer dims, m, weight scale
    ("course shapes", (5, 4, 3, 1), 4, 1.0),
    ("m = 1", (4, 3, 1), 1, 1.0),
    ("one unit", (1, 1, 1), 3, 1.0),
    ("deep stack", (3, 3, 3, 3, 3, 1), 3, 1.0),
    ("saturated", (4, 3, 1), 5, 6.0),
)
_NETS_C2 = (  # the notebook's functions are written for L = 3
    ("course shapes", (3, 2, 3, 1), 5, 1.0),
    ("m = 1", (3, 2, 3, 1), 1, 1.0),
    ("one unit", (1, 1, 1, 1), 3, 1.0),
    ("square", (3, 3, 3, 1), 3, 1.0),
    ("saturated", (4, 3, 2, 1), 5, 6.0),
)
_LAYERS = (  # label, n[l-1], n[l], m, scale
    ("course shapes", 5, 3, 4, 1.0),
    ("m = 1", 4, 3, 1, 1.0),
    ("one unit", 1, 1, 3, 1.0),
    ("square", 3, 3, 3, 1.0),
    ("saturated", 4, 2, 5, 8.0),
)


def _nets(rng: np.random.Generator, table: Any = _NETS) -> list[tuple[str, Array, Params, Array]]:
    out: list[tuple[str, Array, Params, Array]] = []
    for label, dims, m, scale in table:
        X = rng.standard_normal((dims[0], m))
        label = label if "m =" in label else f"{label}, m = {m}"
        p = _params(rng, dims, scale)
        if scale != 1:  # saturated, but A[L] inside (0, 1): max |Z[L]| = SATURATED_Z
            _, caches = dn.L_model_forward(X, p)
            L = len(dims) - 1
            factor = SATURATED_Z / float(np.max(np.abs(caches[-1][1])))
            p[f"W{L}"], p[f"b{L}"] = factor * p[f"W{L}"], factor * p[f"b{L}"]
        out.append((label, X, p, _labels(rng, m)))
    return out


def _layer_cases(rng: np.random.Generator, kind: str) -> list[Case]:
    cases = []
    for label, n_prev, n, m, scale in _LAYERS:
        A_prev = rng.standard_normal((n_prev, m))
        W = scale * rng.standard_normal((n, n_prev))
        b = scale * rng.standard_normal((n, 1))
        for act in ("relu", "sigmoid") if kind.startswith("activation") else (None,):
            name = label if "m =" in label else f"{label}, m = {m}"
            name = name if act is None else f"{name}, {act}"
            if kind == "forward":
                cases.append(Case(name, (A_prev, W, b)))
            elif kind == "activation_forward":
                cases.append(Case(name, (A_prev, W, b, act)))
            else:
                dZ = rng.standard_normal((n, m))
                Z = W @ A_prev + b
                cache = (A_prev, W, b)
                if kind == "backward":
                    cases.append(Case(name, (dZ, cache)))
                else:
                    cases.append(Case(name, (dZ, (cache, Z), act)))
    return cases


def _cases(function: str, seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    if function == "initialize_parameters_deep":
        return [Case(str(d), (list(d),)) for d in ([5, 4, 3], [1, 1], [3, 3, 3, 3, 3, 1])]
    if function in ("linear_forward", "linear_backward"):
        return _layer_cases(rng, function.split("_")[1])
    if function == "linear_activation_forward":
        return _layer_cases(rng, "activation_forward")
    if function == "linear_activation_backward":
        return _layer_cases(rng, "activation_backward")
    if function == "L_model_forward":
        return [Case(label, (X, p)) for label, X, p, _ in _nets(rng)]
    if function == "L_model_backward":
        out = []
        for label, X, p, Y in _nets(rng):
            AL, caches = dn.L_model_forward(X, p)
            out.append(Case(label, (AL, Y, caches)))
        return out
    if function == "compute_cost":
        out = [Case("course shapes", (np.array([[0.8, 0.9, 0.4]]), np.array([[1.0, 1.0, 0.0]])))]
        for label, m, spread in (("m = 1", 1, 1.0), ("m = 7", 7, 1.0), ("saturated", 6, 12.0)):
            Z = np.clip(spread * rng.standard_normal((1, m)), -2 * SATURATED_Z, 2 * SATURATED_Z)
            AL = _SIGMOID.forward(Z)
            out.append(Case(label, (AL, _labels(rng, m))))
        return out
    if function in _UPDATES:
        out = []
        for k, (label, _, p, _) in enumerate(_nets(rng)):
            grads: dict[str, Array] = {f"d{k}": rng.standard_normal(a.shape) for k, a in p.items()}
            if function == "update_parameters":
                out.append(Case(label, (p, grads, 0.1)))
                continue
            v = {key: 0.1 * rng.standard_normal(a.shape) for key, a in grads.items()}
            if function == "update_parameters_with_momentum":
                out.append(Case(label, (p, grads, v, 0.9, 0.01)))
            else:
                s = {key: 0.1 * rng.random(a.shape) for key, a in grads.items()}
                t = (1, 2, 10, 1, 3)[k]
                out.append(Case(f"{label}, t = {t}", (p, grads, v, s, t, 0.01, 0.9, 0.999, 1e-8)))
        return out
    if function == "gradient_check_n":
        out = []
        for label, m, scale in (("course shapes", 3, 1.0), ("m = 1", 1, 1.0), ("m = 5", 5, 2.0)):
            X = rng.standard_normal((4, m))
            Y = _labels(rng, m)
            p = _params(rng, gc.COURSE_LAYER_DIMS, scale)
            _, cache = gc.forward_propagation_n(X, Y, p)
            g = gc.backward_propagation_n(X, Y, cache)
            g["dW2"] = 2 * g["dW2"]  # the notebook's planted errors make the
            g["db1"] = g["db1"] + 4.0 / m  # difference a robust number
            out.append(Case(label, (p, g, X, Y, 1e-7, False)))
        return out
    # Course 2, week 1: the flat caches of forward_propagation(_with_dropout)
    out = []
    for label, X, p, Y in _nets(rng, _NETS_C2):
        if function == "compute_cost_with_regularization":
            A3, _ = reg.forward_propagation(X, p)
            out.append(Case(label, (A3, Y, p, 0.1)))
        elif function == "backward_propagation_with_regularization":
            _, cache = reg.forward_propagation(X, p)
            out.append(Case(label, (X, Y, cache, 0.7)))
        elif function == "forward_propagation_with_dropout":
            out.append(Case(label, (X, p, 0.7)))
        else:
            _, cache = reg.forward_propagation_with_dropout(X, p, 0.8)
            out.append(Case(label, (X, Y, cache, 0.8)))
    return out
