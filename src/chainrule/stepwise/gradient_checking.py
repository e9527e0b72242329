r"""Course 2, week 1, "Gradient Checking": the N-dimensional check and its vector helpers.

For every entry θᵢ of the parameter vector θ = (W1, b1, ..., WL, bL) flattened,

    gradapprox_i = (J(θ + ε eᵢ) − J(θ − ε eᵢ)) / (2ε),

and the summary is difference = ‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂);
the course reads difference < 2e-7 as "the backward propagation works".  Both
are computed by :func:`chainrule.gradcheck.gradcheck` (which also gives
per-tensor differences, the worst entries and the suspect layer); the network
is the course's [LINEAR → RELU] × (L−1) → LINEAR → SIGMOID (L = 3 in the
notebook).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from chainrule._typing import Array, Params
from chainrule._validation import check_positive_float
from chainrule.stepwise._common import check_dims, check_parameters, to_array
from chainrule.stepwise.deep_network import _check_AL_Y, _cost
from chainrule.stepwise.regularization import _backward_flat, forward_propagation

__all__ = [
    "COURSE_LAYER_DIMS",
    "backward_propagation_n",
    "dictionary_to_vector",
    "forward_propagation_n",
    "gradient_check_n",
    "gradients_to_vector",
    "vector_to_dictionary",
]

COURSE_LAYER_DIMS = (4, 5, 3, 1)
"""The notebook's network: W1 (5, 4), b1 (5, 1), W2 (3, 5), b2 (3, 1), W3 (1, 3), b3 (1, 1)."""

_DIFFERENCE_OK = 2e-7
"""The notebook's threshold for "works perfectly fine"."""


def _keys(L: int, prefix: str = "") -> list[str]:
    return [f"{prefix}{k}{l}" for l in range(1, L + 1) for k in ("W", "b")]


def dictionary_to_vector(parameters: Params) -> tuple[Array, list[str]]:
    """Stack W1, b1, ..., WL, bL (each flattened row by row) into one column θ.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.

    Returns
    -------
    theta : ndarray of shape (n_params, 1)
    keys : list of str, length n_params
        The name of the parameter each entry of θ comes from ("W1", "W1", ..., "b3").
    """
    Ws, bs = check_parameters(parameters, chain=False)
    parts, keys = [], []
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        for name, arr in ((f"W{l}", W), (f"b{l}", b)):
            parts.append(arr.reshape(-1, 1))
            keys += [name] * arr.size
    return np.concatenate(parts, axis=0), keys


def vector_to_dictionary(theta: Any, layer_dims: Sequence[int] = COURSE_LAYER_DIMS) -> Params:
    """Inverse of :func:`dictionary_to_vector` for a network of sizes ``layer_dims``.

    Parameters
    ----------
    theta : array_like of shape (n_params, 1) or (n_params,)
    layer_dims : list of int, default=(4, 5, 3, 1)
        [n[0], ..., n[L]]; the default is the notebook's network (its
        ``vector_to_dictionary(theta)`` has those shapes built in).

    Returns
    -------
    parameters : dict
        ``W1, b1, ..., WL, bL``, copies of the slices of θ.
    """
    dims = check_dims(layer_dims)
    flat = to_array(theta, "theta", ndim=None).reshape(-1)
    shapes = [
        shape for l in range(1, len(dims)) for shape in ((dims[l], dims[l - 1]), (dims[l], 1))
    ]
    n = sum(r * c for r, c in shapes)
    if flat.size != n:
        raise ValueError(
            f"theta has {flat.size} entries but a network with layer_dims {dims} has {n} parameters"
        )
    out: Params = {}
    pos = 0
    for key, (r, c) in zip(_keys(len(dims) - 1), shapes, strict=True):
        out[key] = flat[pos : pos + r * c].reshape(r, c).copy()
        pos += r * c
    return out


def gradients_to_vector(gradients: Mapping[str, Any]) -> Array:
    """Stack dW1, db1, ..., dWL, dbL (flattened row by row) into one column, as θ is stacked.

    Other keys (dZ[l], dA[l]) are ignored; L is the largest l with a ``dW{l}``.

    Parameters
    ----------
    gradients : dict

    Returns
    -------
    ndarray of shape (n_params, 1)
    """
    if not isinstance(gradients, Mapping):
        raise TypeError(f"gradients must be a dict {{'dW1': ..., 'db1': ...}}, got {gradients!r}")
    layers = [
        int(k[2:]) for k in gradients if isinstance(k, str) and k[:2] == "dW" and k[2:].isdigit()
    ]
    if not layers:
        raise ValueError(
            f"gradients has no dW1, db1, ... keys (keys: {sorted(map(str, gradients))})"
        )
    keys = _keys(max(layers), "d")
    missing = [k for k in keys if k not in gradients]
    if missing:
        raise ValueError(f"gradients is missing {', '.join(repr(k) for k in missing)}")
    return np.concatenate(
        [to_array(gradients[k], f"gradients[{k!r}]", ndim=None).reshape(-1, 1) for k in keys],
        axis=0,
    )


def forward_propagation_n(
    X: Any, Y: Any, parameters: Params
) -> tuple[np.float64, tuple[Array, ...]]:
    """The forward pass and the cross-entropy cost J (no regularisation).

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    Y : array_like with m labels
    parameters : dict
        ``W1, b1, ..., WL, bL``.

    Returns
    -------
    cost : numpy.float64
    cache : tuple (Z1, A1, W1, b1, ..., ZL, AL, WL, bL)
    """
    AL, cache = forward_propagation(X, parameters)
    AL, Yr = _check_AL_Y(AL, Y)
    return _cost(AL, Yr), cache


# numpydoc like regularization.backward_propagation's: course signatures, one doc each
def backward_propagation_n(X: Any, Y: Any, cache: Any) -> dict[str, Array]:
    """The gradients of :func:`forward_propagation_n`'s cost (chainrule's backward pass).

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    Y : array_like with m labels
    cache : tuple
        From :func:`forward_propagation_n`.

    Returns
    -------
    gradients : dict
        ``dZ3, dW3, db3, dA2, dZ2, dW2, db2, dA1, dZ1, dW1, db1`` for L = 3.
    """
    return _backward_flat(X, Y, cache)


def gradient_check_n(
    parameters: Params,
    gradients: Mapping[str, Any],
    X: Any,
    Y: Any,
    epsilon: float = 1e-7,
    print_msg: bool = False,
) -> float:
    """Compare ``gradients`` with two-sided differences of the cross-entropy cost.

    The differences and the summary number are :func:`chainrule.gradcheck.gradcheck`'s,
    run on the course's network ([LINEAR → RELU] × (L−1) → LINEAR → SIGMOID,
    binary cross-entropy) with these parameters, and with ``gradients`` as the
    analytic gradient to check.

    Parameters
    ----------
    parameters : dict
        ``W1, b1, ..., WL, bL``.
    gradients : dict
        ``dW1, db1, ..., dWL, dbL`` to check (e.g. from :func:`backward_propagation_n`);
        other keys are ignored.
    X : array_like of shape (n[0], m)
    Y : array_like of shape (1, m)
        Labels 0 or 1.
    epsilon : float, default=1e-7
        ε of the two-sided difference (J(θ + ε eᵢ) − J(θ − ε eᵢ)) / 2ε.
    print_msg : bool, default=False
        Print the course's verdict (threshold 2e-7).

    Returns
    -------
    difference : float
        ‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂) over all entries, in the
        order of :func:`dictionary_to_vector`.
    """
    from chainrule.gradcheck import gradcheck
    from chainrule.network import Network

    eps = check_positive_float(epsilon, "epsilon")
    X = to_array(X, "X")
    Ws, _ = check_parameters(parameters, n_x=X.shape[0])
    grad = gradients_to_vector(gradients)
    theta, _ = dictionary_to_vector(parameters)
    if grad.shape != theta.shape:
        L = len(Ws)
        raise ValueError(
            f"gradients hold {grad.shape[0]} entries (dW1, db1, ..., dW{L}, db{L}) but "
            f"parameters hold {theta.shape[0]}"
        )
    dims = [X.shape[0], *(W.shape[0] for W in Ws)]
    net = Network(dims, hidden="relu", output="sigmoid", loss="binary_crossentropy", init="zeros")
    net.parameters = dict(parameters)
    Yr = to_array(Y, "Y", ndim=None).reshape(dims[-1], -1)
    report = gradcheck(net, X, Yr, eps, grad_fn=lambda *_: gradients)
    difference = report.difference
    if print_msg:
        if difference > _DIFFERENCE_OK:
            print(f"There is a mistake in the backward propagation! difference = {difference}")
        else:
            print(f"Your backward propagation works perfectly fine! difference = {difference}")
    return difference
