r"""Course 1, week 4: "Deep Neural Network - Application" (cat vs non-cat), function by function.

The two-layer and L-layer models trained by batch gradient descent, the application's
initialiser, predictions and accuracy, and the cat images (HDF5) with their helpers.  Every
function has the course's name, signature, return values and seeds; the network's steps are
those of :mod:`chainrule.stepwise.deep_network` ("Building your Deep Neural Network: Step by
Step").  Shapes: examples are columns, X is (n[0], m).  See ``docs/stepwise.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule._typing import Array, Params
from chainrule._validation import check_positive_int
from chainrule.stepwise._common import (
    check_dims,
    check_learning_rate,
    check_parameters,
    seed_legacy,
    to_array,
)
from chainrule.stepwise.deep_network import (
    _as_params,
    _backward,
    _cost,
    _forward,
    _seeded_init,
    _sgd_step,
    initialize_parameters,
)

if TYPE_CHECKING:
    from pathlib import Path

    from matplotlib.figure import Figure

__all__ = [
    "L_layer_model",
    "accuracy",
    "flatten_images",
    "initialize_parameters_deep_app",
    "load_data",
    "predict",
    "print_mislabeled_images",
    "two_layer_model",
]


# numpydoc like deep_network.initialize_parameters_deep's: the course defines both, each documented
def initialize_parameters_deep_app(layer_dims: Sequence[int]) -> Params:
    """The application's L-layer initialiser: ``np.random.seed(1)``, W[l] = randn / √n[l-1], b = 0.

    This is the ``initialize_parameters_deep`` of the application's helper
    module (``dnn_app_utils``), which :func:`L_layer_model` uses; the ×0.01 of
    the step-by-step version makes a 4-layer network's signal vanish.

    Parameters
    ----------
    layer_dims : list of int
        [n[0], n[1], ..., n[L]].

    Returns
    -------
    parameters : dict
        Exactly ``W1, b1, ..., WL, bL``.
    """
    return _seeded_init(check_dims(layer_dims), "lecun", seed=1)


# --------------------------------------------------------------------------------------
# The application: two-layer and L-layer models trained by batch gradient descent
# --------------------------------------------------------------------------------------


def _check_training_data(X: Any, Y: Any, n_x: int, n_y: int) -> tuple[Array, Array]:
    X = to_array(X, "X")
    if X.shape[0] != n_x:
        hint = "; examples are columns: did you mean X.T?" if X.shape[1] == n_x else ""
        raise ValueError(
            f"X has {X.shape[0]} rows but layers_dims[0] = {n_x}: X must have shape "
            f"({n_x}, m), got {X.shape}{hint}"
        )
    Y = to_array(Y, "Y", ndim=None)
    m = X.shape[1]
    if Y.size != n_y * m:
        raise ValueError(
            f"Y must have shape ({n_y}, m) = ({n_y}, {m}): one label per output unit and "
            f"example (column of X); got {Y.shape}"
        )
    return X, Y.reshape(n_y, m)


def _gradient_descent(
    X: Array,
    Y: Array,
    parameters: Params,
    learning_rate: float,
    num_iterations: int,
    print_cost: bool,
) -> tuple[Params, list[np.float64]]:
    """The course's loop: forward, cost, backward, update; costs every 100 iterations.

    Equal, step for step, to calling :func:`L_model_forward`, :func:`compute_cost`,
    :func:`L_model_backward` and :func:`update_parameters`, minus the input checks
    and the first layer's dA[0] = W[1]ᵀ dZ[1], which no update needs.
    """
    Ws = [parameters[f"W{l}"].copy() for l in range(1, len(parameters) // 2 + 1)]
    bs = [parameters[f"b{l}"].copy() for l in range(1, len(parameters) // 2 + 1)]
    costs: list[np.float64] = []
    for i in range(num_iterations):
        AL, caches = _forward(X, Ws, bs)
        cost = _cost(AL, Y)
        g = _backward(AL, Y, caches, Ws, need_dA0=False)
        _sgd_step(Ws, bs, g.dW, g.db, learning_rate)
        if print_cost and (i % 100 == 0 or i == num_iterations - 1):
            print(f"Cost after iteration {i}: {cost}")
        if i % 100 == 0:
            costs.append(cost)
    return _as_params(Ws, bs), costs


def _check_model_args(learning_rate: Any, num_iterations: Any) -> tuple[float, int]:
    return check_learning_rate(learning_rate), check_positive_int(num_iterations, "num_iterations")


def two_layer_model(
    X: Any,
    Y: Any,
    layers_dims: Sequence[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
) -> tuple[Params, list[np.float64]]:
    """LINEAR → RELU → LINEAR → SIGMOID, trained by batch gradient descent.

    Seeds numpy's legacy global generator with 1, initialises with
    :func:`initialize_parameters` (which seeds with 1 again), then repeats
    forward, cost, backward and update ``num_iterations`` times.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
    Y : array_like of shape (1, m)
    layers_dims : tuple (n_x, n_h, n_y)
    learning_rate : float, default=0.0075
    num_iterations : int, default=3000
    print_cost : bool, default=False
        Print ``Cost after iteration i: J`` every 100 iterations and at the last one.

    Returns
    -------
    parameters : dict
        ``W1, b1, W2, b2`` after training.
    costs : list of numpy.float64
        J before the update of iterations 0, 100, 200, ...
    """
    dims = check_dims(layers_dims, "layers_dims")
    if len(dims) != 3:
        raise ValueError(f"layers_dims must be (n_x, n_h, n_y) for the two-layer model, got {dims}")
    lr, n_iter = _check_model_args(learning_rate, num_iterations)
    X, Y = _check_training_data(X, Y, dims[0], dims[-1])
    seed_legacy(1)
    parameters = initialize_parameters(*dims)
    return _gradient_descent(X, Y, parameters, lr, n_iter, print_cost)


# the course's signature and numpydoc, like two_layer_model's: each course function states its own
def L_layer_model(
    X: Any,
    Y: Any,
    layers_dims: Sequence[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
) -> tuple[Params, list[np.float64]]:
    """[LINEAR → RELU] × (L−1) → LINEAR → SIGMOID, trained by batch gradient descent.

    Seeds numpy's legacy global generator with 1, initialises with the
    application's :func:`initialize_parameters_deep_app` (W = randn / √n[l-1]),
    then repeats :func:`L_model_forward`, :func:`compute_cost`,
    :func:`L_model_backward` and :func:`update_parameters`.

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    Y : array_like of shape (1, m)
    layers_dims : list of int
        [n[0], ..., n[L]], e.g. [12288, 20, 7, 5, 1].
    learning_rate : float, default=0.0075
    num_iterations : int, default=3000
    print_cost : bool, default=False
        Print ``Cost after iteration i: J`` every 100 iterations and at the last one.

    Returns
    -------
    parameters : dict
        ``W1, b1, ..., WL, bL`` after training.
    costs : list of numpy.float64
        J before the update of iterations 0, 100, 200, ...
    """
    dims = check_dims(layers_dims, "layers_dims")
    lr, n_iter = _check_model_args(learning_rate, num_iterations)
    X, Y = _check_training_data(X, Y, dims[0], dims[-1])
    seed_legacy(1)
    parameters = initialize_parameters_deep_app(dims)
    return _gradient_descent(X, Y, parameters, lr, n_iter, print_cost)


# --------------------------------------------------------------------------------------
# Predictions and data
# --------------------------------------------------------------------------------------


def _predictions(X: Any, y: Any, parameters: Params) -> tuple[Array, Array]:
    X = to_array(X, "X")
    Ws, bs = check_parameters(parameters, n_x=X.shape[0])
    probas, _ = _forward(X, Ws, bs)
    y = to_array(y, "y", ndim=None)
    if y.size != probas.size:
        raise ValueError(
            f"y must hold one label per example: the network gives {probas.shape} outputs, "
            f"y has shape {y.shape}"
        )
    p = (probas > 0.5).astype(np.float64)  # 1 where A[L] > 0.5, else 0
    return p, y.reshape(p.shape)


def predict(X: Any, y: Any, parameters: Params, *, verbose: bool = True) -> Array:
    """Predict 1 where A[L] > 0.5, else 0, and print the accuracy as the course does.

    The printed line is ``Accuracy: `` followed by the course's own sum
    ``np.sum((p == y) / m)``, so it matches the notebook to the last digit:
    that sum of m terms 1/m can differ from the exact fraction in the last
    bit (209 of 209 correct prints ``0.9999999999999998``; 206 of 209 prints
    ``0.9856459330143539``, while 206/209 is ``0.9856459330143541``).
    :func:`accuracy` returns the exact fraction.

    Parameters
    ----------
    X : array_like of shape (n[0], m)
    y : array_like with m labels (0 or 1)
    parameters : dict
        ``W1, b1, ..., WL, bL``.
    verbose : bool, default=True
        Print the accuracy line (keyword-only; not in the course).

    Returns
    -------
    p : ndarray of shape (1, m)
        Predictions, 0.0 or 1.0.
    """
    p, y = _predictions(X, y, parameters)
    if verbose:
        print("Accuracy: " + str(_course_accuracy(p, y)))
    return p


def _course_accuracy(p: Array, y: Array) -> np.float64:
    """The number the course prints: np.sum((p == y) / m), a sum of m terms 1/m."""
    m = p.shape[1]
    return np.float64(np.sum((p == y) / m))


def accuracy(p: Any, y: Any) -> float:
    """The exact fraction of correct predictions, (number of p == y) / m.

    Parameters
    ----------
    p : array_like of shape (1, m)
        Predictions from :func:`predict`.
    y : array_like with m labels

    Returns
    -------
    float
    """
    p = to_array(p, "p", ndim=None)
    y = to_array(y, "y", ndim=None)
    if p.size != y.size:
        raise ValueError(
            f"p and y must have the same number of entries, got {p.shape} and {y.shape}"
        )
    return int(np.count_nonzero(p.reshape(-1) == y.reshape(-1))) / p.size


def load_data(
    path: str | Path | None = None,
) -> tuple[Array, Array, Array, Array, Array]:
    """The course's cat-vs-non-cat data: ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``.

    A thin wrapper over :func:`chainrule.data.load_catvnoncat`.

    Parameters
    ----------
    path : str or path-like, optional
        The folder holding the two files (or its parent with a ``catvnoncat/``
        folder); default: ``chainrule.data.default_data_dir() / "catvnoncat"``.

    Returns
    -------
    train_x_orig : ndarray of shape (209, 64, 64, 3), uint8
    train_y : ndarray of shape (1, 209), int64
    test_x_orig : ndarray of shape (50, 64, 64, 3), uint8
    test_y : ndarray of shape (1, 50), int64
    classes : ndarray of shape (2,), bytes
        ``[b'non-cat', b'cat']``.

    Raises
    ------
    FileNotFoundError
        Naming the missing file and the folder(s) it looked in.
    """
    from chainrule.data import load_catvnoncat

    return load_catvnoncat(path)  # type: ignore[return-value]


def flatten_images(x_orig: Any) -> Array:
    """The course's preprocessing: ``x_orig.reshape(m, -1).T / 255`` → shape (64·64·3, m).

    Each image becomes one column of 12288 values in [0, 1]
    (:func:`chainrule.data.flatten_images`).

    Parameters
    ----------
    x_orig : array_like of shape (m, 64, 64, 3)

    Returns
    -------
    ndarray of shape (12288, m), float64
    """
    from chainrule.data import flatten_images as _flatten

    return _flatten(x_orig)


def print_mislabeled_images(
    classes: Any, X: Any, y: Any, p: Any, path: str | Path | None = None
) -> Figure:
    """A figure of the images where the prediction p differs from the label y.

    Parameters
    ----------
    classes : array of class names, e.g. ``[b'non-cat', b'cat']``
    X : array_like of shape (64·64·3, m)
        Flattened images in [0, 1] (as fed to the network).
    y : array_like with m labels
    p : array_like of shape (1, m)
        Predictions.
    path : str or Path, optional
        Also write the figure there (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per mislabeled image, titled "Prediction: ... / Class: ...".
    """
    from chainrule.plots import _new_figure, save_figure, show

    X = to_array(X, "X")
    p = to_array(p, "p", ndim=None).reshape(-1)
    y = to_array(y, "y", ndim=None).reshape(-1)
    if p.size != X.shape[1] or y.size != X.shape[1]:
        raise ValueError(
            f"p and y need one entry per column of X ({X.shape[1]}), got {p.shape} and {y.shape}"
        )
    side = round(float(np.sqrt(X.shape[0] / 3)))
    if 3 * side * side != X.shape[0]:
        raise ValueError(f"X rows must be 3·s·s pixels of square RGB images, got {X.shape[0]}")
    wrong = np.flatnonzero(p != y)
    n = max(1, wrong.size)
    fig = _new_figure((2.0 * n, 2.4))
    axes = np.atleast_1d(fig.subplots(1, n, squeeze=False)[0])
    names = [c.decode() if isinstance(c, bytes) else str(c) for c in np.asarray(classes).ravel()]
    for ax, i in zip(axes, wrong, strict=False):
        ax.imshow(X[:, i].reshape(side, side, 3))
        ax.axis("off")
        ax.set_title(f"Prediction: {names[int(p[i])]}\nClass: {names[int(y[i])]}", fontsize="small")
    if wrong.size == 0:
        axes[0].axis("off")
        axes[0].set_title("no mislabeled images", fontsize="small")
    if path is not None:
        save_figure(fig, path)
    return show(fig)
