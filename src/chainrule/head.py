r"""The output layer, decided once: task ↔ activation ↔ loss ↔ units ↔ targets ↔ decision.

Every part of chainrule that has to know how the last layer of a network is
read -- :class:`~chainrule.network.Network`, the command line, the
scikit-learn estimators, the Nielsen replica -- asks this module.  Examples
are columns throughout: A[L] and Z[L] have shape (n[L], m), targets Y shape
(n[L], m).

The table
---------
==============  ==========  ==========================  =========  =========  ===============
task            g[L]        loss L                      n[L]       targets    decision
==============  ==========  ==========================  =========  =========  ===============
``binary``      sigmoid     binary_crossentropy         1          binary     a > 0.5
``multiclass``  softmax     categorical_crossentropy    k ≥ 2      indices    argmaxₖ aₖ
``multilabel``  sigmoid     binary_crossentropy         k          one_hot    aₖ > 0.5 each
``regression``  identity    squared_error               n_targets  values     a itself
==============  ==========  ==========================  =========  =========  ===============

The three (activation, loss) pairs of the table are the **canonical pairs**:
for them ∂L/∂Z[L] = A[L] − Y (:mod:`chainrule.backprop`'s fused step) and the
per-example loss is computed from the logits Z[L] (:func:`per_example_loss`):

* sigmoid + binary cross-entropy:  L = Σₖ [log(1 + e^{zₖ}) − yₖ zₖ]  (``logaddexp``);
* softmax + categorical cross-entropy:  L = −Σₖ yₖ log softmax(z)ₖ  (log-sum-exp);
* identity + squared error:  L = ½ Σₖ (zₖ − yₖ)².

These stay finite and exact where A[L] saturates to 0 or 1.  Other pairs are
allowed where they make sense (sigmoid + squared error is Nielsen's quadratic
cost; softmax + binary cross-entropy) and take L from A[L].

Target encodings (how class labels are fed to the output layer; the
``targets`` entry of a ``chainrule train`` model file):

* ``indices``: softmax (or any categorical cross-entropy) output, one unit per
  class; the labels are class indices, one-hot encoded by :func:`encode_targets`;
* ``binary``: one sigmoid unit; the label 0/1 is the target itself;
* ``one_hot``: one unit per class that is not a softmax (one-vs-rest sigmoids,
  or a multilabel 0/1 indicator, one row per label);
* ``values``: regression, the numbers themselves.

The task of a network follows from its output (:func:`task_of`); the other
way round, :meth:`OutputHead.infer` (the command line's rule) and
:meth:`OutputHead.for_classifier` (the scikit-learn classifier's rule) choose
the activation, the loss and n[L] from the data's task.

>>> import numpy as np
>>> head = OutputHead.infer("multiclass", n_classes=3)
>>> head.activation, head.loss, head.n_outputs, head.targets
('softmax', 'categorical_crossentropy', 3, 'indices')
>>> decide(np.array([[0.2, 0.7], [0.5, 0.1], [0.3, 0.2]]), "multiclass")
array([1, 0])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from chainrule import _xp, backprop
from chainrule._typing import Array
from chainrule._validation import (
    as_float_array,
    check_choice,
    check_dtype,
    check_positive_int,
)
from chainrule.activations import Activation, get_activation
from chainrule.losses import Loss, get_loss

__all__ = [
    "CANONICAL_LOSS",
    "PROBABILITY_OUTPUTS",
    "TARGET_ENCODINGS",
    "TASKS",
    "TASK_DEFAULTS",
    "TASK_TARGETS",
    "OutputHead",
    "accuracy",
    "canonical_activation",
    "canonical_loss",
    "check_pairing",
    "class_indices",
    "decide",
    "encode_labels",
    "encode_targets",
    "is_canonical",
    "multilabel_error",
    "one_hot",
    "one_hot_indices",
    "per_example_loss",
    "preview_values",
    "task_of",
]

Style = Literal["python", "cli"]
"""How an error names the options: ``output='sigmoid'`` (Python) or ``--output sigmoid``."""

TASKS = ("binary", "multiclass", "multilabel", "regression")
"""The values of :attr:`chainrule.Network.task` and :func:`task_of`."""

TASK_DEFAULTS: dict[str, tuple[str, str]] = {
    "binary": ("sigmoid", "binary_crossentropy"),
    "multiclass": ("softmax", "categorical_crossentropy"),
    "multilabel": ("sigmoid", "binary_crossentropy"),
    "regression": ("identity", "squared_error"),
}
"""task → (output activation, loss): the canonical pair each task gets by default."""

TASK_TARGETS: dict[str, str] = {
    "binary": "binary",
    "multiclass": "indices",
    "multilabel": "one_hot",
    "regression": "values",
}
"""task → target encoding of a network whose task is that (see the module docstring)."""

TARGET_ENCODINGS = ("indices", "binary", "one_hot", "values")
"""How labels map to the output layer (the ``targets`` of a model file)."""

CANONICAL_LOSS: dict[str, str] = {
    "sigmoid": "binary_crossentropy",
    "softmax": "categorical_crossentropy",
    "identity": "squared_error",
}
"""output activation → its canonical loss (the pair with ∂L/∂Z = A − Y)."""

PROBABILITY_OUTPUTS = frozenset({"sigmoid", "softmax"})
"""Outputs in (0, 1), the only ones a cross-entropy loss accepts."""

_NEEDS_PROBABILITIES = {
    "python": (
        "loss {loss!r} needs outputs in (0, 1): use output='sigmoid' or 'softmax', got "
        "{output!r} (or use loss='squared_error')"
    ),
    "cli": (
        "--loss {loss} needs outputs in (0, 1): --output sigmoid or softmax, not {output} "
        "(or use --loss squared_error)"
    ),
}
_REGRESSION_NEEDS_SQUARED_ERROR = {
    "python": (
        "loss {loss!r} needs class labels, but the task is regression: use loss='squared_error'"
    ),
    "cli": (
        "--loss {loss} needs class labels, but this data set is a regression task: use "
        "squared_error (mse)"
    ),
}


# ---------------------------------------------------------------------------------------
# Names and pairs
# ---------------------------------------------------------------------------------------


def _activation_name(activation: str | Activation) -> str:
    return (
        activation.name if isinstance(activation, Activation) else get_activation(activation).name
    )


def _loss_name(loss: str | Loss) -> str:
    return get_loss(loss).name


def canonical_loss(activation: str | Activation) -> str:
    """The loss an output activation gets when none is given.

    sigmoid → binary_crossentropy, softmax → categorical_crossentropy, anything
    else (identity, tanh, relu, ...) → squared_error.
    """
    return CANONICAL_LOSS.get(_activation_name(activation), "squared_error")


def canonical_activation(loss: str | Loss) -> str:
    """The output activation a loss gets when none is given (its canonical partner).

    binary_crossentropy → sigmoid, categorical_crossentropy → softmax,
    squared_error → identity.
    """
    return get_loss(loss).canonical_activation


def is_canonical(loss: str | Loss, activation: str | Activation) -> bool:
    """True for sigmoid + BCE, softmax + CCE and identity + squared error (names or objects).

    For those pairs dZ[L] = A[L] − Y and L is taken from Z[L]; the same test as
    :func:`chainrule.backprop.is_canonical`, which takes the objects only.
    """
    if isinstance(loss, Loss) and isinstance(activation, Activation):
        return backprop.is_canonical(loss, activation)
    return get_loss(loss).canonical_activation == _activation_name(activation)


def task_of(activation: str | Activation, loss: str | Loss, n_outputs: int) -> str:
    """The task a network's output layer performs: one of :data:`TASKS`.

    * squared error on an output that is not a probability: ``"regression"``;
    * a softmax output or categorical cross-entropy: ``"multiclass"``;
    * otherwise (sigmoid units): ``"binary"`` for one unit, ``"multilabel"`` for several.

    Parameters
    ----------
    activation : str or Activation
        The output activation g[L].
    loss : str or Loss
    n_outputs : int
        n[L], the number of output units.
    """
    out, loss_name = _activation_name(activation), _loss_name(loss)
    if loss_name == "squared_error" and out not in PROBABILITY_OUTPUTS:
        return "regression"
    if out == "softmax" or loss_name == "categorical_crossentropy":
        return "multiclass"
    return "binary" if n_outputs == 1 else "multilabel"


def check_pairing(
    activation: str | Activation, loss: str | Loss, n_outputs: int, *, style: Style = "python"
) -> None:
    """Raise ValueError if the output activation, the loss and n[L] do not fit together.

    * a softmax needs at least 2 units (a single one is always 1);
    * a cross-entropy needs outputs in (0, 1): sigmoid or softmax;
    * categorical cross-entropy needs at least 2 units.

    Parameters
    ----------
    activation : str or Activation
    loss : str or Loss
    n_outputs : int
    style : {"python", "cli"}, default="python"
        Name the options as Python keywords or as command-line flags.
    """
    out, loss_name = _activation_name(activation), _loss_name(loss)
    units = "layer_dims[-1] >= 2" if style == "python" else "the last of --layers >= 2"
    if out == "softmax" and n_outputs < 2:
        raise ValueError(f"a softmax output needs at least 2 units ({units})")
    if loss_name != "squared_error" and out not in PROBABILITY_OUTPUTS:
        raise ValueError(_NEEDS_PROBABILITIES[style].format(loss=loss_name, output=out))
    if loss_name == "categorical_crossentropy" and n_outputs < 2:
        where = "" if style == "python" else f" ({units})"
        raise ValueError(f"categorical cross-entropy needs at least 2 output units{where}")


def multilabel_error(activation: str, loss: str) -> str | None:
    """Why an output cannot learn a multilabel target (several classes per example), or None.

    Such a target needs independent sigmoid units and binary cross-entropy: a
    softmax output, and categorical cross-entropy, assume exactly one class per
    example.  Takes the scikit-learn classifier's parameter values (``"auto"``
    passes) and words the reason in its parameter names.
    """
    if activation == "softmax":
        return (
            "output_activation='softmax' assumes exactly one class per example; a "
            "multilabel target needs 'sigmoid' (or 'auto')"
        )
    if loss == "categorical_crossentropy":
        return (
            "loss='categorical_crossentropy' assumes exactly one class per example; a "
            "multilabel target needs 'binary_crossentropy' (or 'auto')"
        )
    return None


# ---------------------------------------------------------------------------------------
# The head as one object
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputHead:
    """An output layer: activation, loss, number of units and how targets feed it.

    Attributes
    ----------
    activation : str
        Output activation name g[L] ("sigmoid", "softmax", "identity", ...).
    loss : str
        Loss name ("binary_crossentropy", "categorical_crossentropy", "squared_error").
    n_outputs : int
        n[L].
    targets : str
        Target encoding, one of :data:`TARGET_ENCODINGS`.
    inferred_from : str
        What :meth:`infer` filled in: ``""`` (nothing), ``"task"`` (activation
        and loss from the task), ``"loss"`` (the activation from the loss) or
        ``"output"`` (the loss from the activation).
    """

    activation: str
    loss: str
    n_outputs: int
    targets: str
    inferred_from: str = ""

    # -- constructors -----------------------------------------------------------------------

    @classmethod
    def for_task(cls, task: str, n_outputs: int | None = None) -> OutputHead:
        """The canonical head of a task (:data:`TASK_DEFAULTS`).

        Parameters
        ----------
        task : {"binary", "multiclass", "multilabel", "regression"}
        n_outputs : int, optional
            n[L]; default 1 for binary and regression (required for the others).
        """
        check_choice(task, TASKS, "task")
        if n_outputs is None:
            if task not in ("binary", "regression"):
                raise ValueError(f"a {task} head needs n_outputs (one unit per class)")
            n_outputs = 1
        activation, loss = TASK_DEFAULTS[task]
        head = cls(activation, loss, int(n_outputs), TASK_TARGETS[task], "task")
        head.check()
        return head

    @classmethod
    def of_model(
        cls,
        activation: str | Activation,
        loss: str | Loss,
        n_outputs: int,
        targets: Any = None,
    ) -> OutputHead:
        """The head of an existing network; ``targets`` from its model file if valid.

        Without a valid stored encoding it follows from the network's task
        (:data:`TASK_TARGETS`).
        """
        out, loss_name = _activation_name(activation), _loss_name(loss)
        if targets not in TARGET_ENCODINGS:
            targets = TASK_TARGETS[task_of(out, loss_name, n_outputs)]
        return cls(out, loss_name, int(n_outputs), str(targets))

    @classmethod
    def infer(
        cls,
        task: str,
        *,
        n_classes: int | None = None,
        n_targets: int = 1,
        output: str | None = None,
        loss: str | None = None,
        style: Style = "python",
    ) -> OutputHead:
        """The head ``chainrule train`` builds for a data set's task and the options given.

        * neither given: the task's canonical pair (:data:`TASK_DEFAULTS`);
        * only the loss: its canonical activation (:func:`canonical_activation`);
        * only the output: its canonical loss (:func:`canonical_loss`).

        Then n[L] and the target encoding: regression → ``n_targets`` units and
        ``values``; categorical cross-entropy → max(k, 2) units fed class
        ``indices``; any other softmax → max(k, 2) ``one_hot`` units; a binary
        task → 1 unit (``binary``); otherwise k ``one_hot`` units (k = n_classes,
        2 if unknown).

        Parameters
        ----------
        task : {"binary", "multiclass", "regression"}
            The data set's task.
        n_classes : int, optional
            Number of classes (classification).
        n_targets : int, default=1
            Number of regression targets.
        output, loss : str, optional
            The options given (names or aliases); None to infer.
        style : {"python", "cli"}, default="python"
            How the errors name the options.

        Raises
        ------
        ValueError
            A classification loss on a regression task, or a cross-entropy on an
            output that is not a probability.
        """
        check_choice(task, TASKS, "task")
        inferred = ""
        loss_name = None if loss is None else get_loss(loss).name
        if output is None and loss_name is None:
            output, loss_name = TASK_DEFAULTS[task]
            inferred = "task"
        elif output is None:
            assert loss_name is not None
            output = canonical_activation(loss_name)
            inferred = "loss"
        elif loss_name is None:
            loss_name = canonical_loss(output)
            inferred = "output"
        output = _activation_name(output)
        if task == "regression":
            if loss_name != "squared_error":
                raise ValueError(_REGRESSION_NEEDS_SQUARED_ERROR[style].format(loss=loss_name))
            return cls(output, loss_name, n_targets, "values", inferred)
        if loss_name != "squared_error" and output not in PROBABILITY_OUTPUTS:
            raise ValueError(_NEEDS_PROBABILITIES[style].format(loss=loss_name, output=output))
        k = int(n_classes or 2)
        if loss_name == "categorical_crossentropy":
            return cls(output, loss_name, max(k, 2), "indices", inferred)
        if output == "softmax":
            return cls(output, loss_name, max(k, 2), "one_hot", inferred)
        if task == "binary":
            return cls(output, loss_name, 1, "binary", inferred)
        return cls(output, loss_name, k, "one_hot", inferred)

    @classmethod
    def for_classifier(
        cls, n_classes: int, *, multilabel: bool = False, output: str = "auto", loss: str = "auto"
    ) -> OutputHead:
        """The head :class:`chainrule.sklearn.NetClassifier` builds for k classes.

        ``output="auto"``: softmax for k > 2 single-label classes, else sigmoid;
        ``loss="auto"``: the output's canonical loss.  One unit only for a
        sigmoid on a binary single-label target (``binary``), else k units
        (``one_hot``: the estimator feeds one-hot columns, or the multilabel
        0/1 indicator).  Multilabel targets refuse softmax and categorical
        cross-entropy (:func:`multilabel_error`).
        """
        k = int(n_classes)
        out = output if output == "auto" else _activation_name(output)
        if out == "auto":
            out = "softmax" if (k > 2 and not multilabel) else "sigmoid"
        if multilabel and (msg := multilabel_error(out, "auto")):
            raise ValueError(msg)
        one_unit = out == "sigmoid" and k == 2 and not multilabel
        loss_name = canonical_loss(out) if loss == "auto" else loss
        if multilabel and (msg := multilabel_error(out, loss_name)):
            raise ValueError(msg)
        return cls(out, loss_name, 1 if one_unit else k, "binary" if one_unit else "one_hot")

    # -- what follows from it -----------------------------------------------------------------

    @property
    def task(self) -> str:
        """The task this output layer performs (:func:`task_of`)."""
        return task_of(self.activation, self.loss, self.n_outputs)

    @property
    def canonical(self) -> bool:
        """Is (activation, loss) a canonical pair? (:func:`is_canonical`)."""
        return is_canonical(self.loss, self.activation)

    @property
    def gives_probabilities(self) -> bool:
        """Are the outputs probabilities (sigmoid or softmax units)?"""
        return self.activation in PROBABILITY_OUTPUTS

    @property
    def n_classes(self) -> int | None:
        """Number of classes a classifier head tells apart (2 for one unit); None for values."""
        return None if self.targets == "values" else max(self.n_outputs, 2)

    def check(self, *, style: Style = "python") -> None:
        """Raise ValueError for a bad pairing (:func:`check_pairing`)."""
        check_pairing(self.activation, self.loss, self.n_outputs, style=style)

    def encode_labels(self, y: Any, dtype: Any = "float64") -> Any:
        """Labels -> what :meth:`chainrule.Network.fit` takes (:func:`encode_labels`)."""
        return encode_labels(y, self.targets, self.n_outputs, dtype)

    def decide(self, AL: Array) -> Array:
        """The decision rule of this head's task on A[L] (:func:`decide`)."""
        return decide(AL, self.task)

    def per_example_loss(self, AL: Array, ZL: Array, Y: Array) -> Array:
        """L for every example, shape (1, m) (:func:`per_example_loss`)."""
        return per_example_loss(self.loss, self.activation, AL, ZL, Y)


# ---------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------


def one_hot_indices(labels: Any, n_classes: int, dtype: Any = "float64", name: str = "Y") -> Array:
    """Class indices -> one-hot columns, for a network with ``n_classes`` output units.

    What :meth:`chainrule.Network.check_Y` does with the class indices it accepts
    for categorical cross-entropy; the errors name the network's output units
    (:func:`chainrule.data.one_hot`, the data loaders' encoder, words its own).

    Parameters
    ----------
    labels : array_like of shape (m,)
        Class indices: finite whole numbers in [0, n_classes − 1].
    n_classes : int
        n[L].
    dtype : dtype, default="float64"
    name : str, default="Y"
        Names the argument in the errors.

    Returns
    -------
    Y : ndarray of shape (n_classes, m)
        Y[k, i] = 1 where labels[i] = k, else 0.
    """
    # finite (checked first, for a clear message), whole numbers, in range
    idx = as_float_array(np.asarray(labels).reshape(-1), name, np.dtype(np.float64), ndim=1)
    frac = idx[idx != np.floor(idx)]
    if frac.size:
        raise ValueError(
            f"{name} holds class indices {frac[:5].tolist()} that are not whole numbers "
            f"(expected integers in [0, {n_classes - 1}])"
        )
    bad = (idx < 0) | (idx >= n_classes)
    if bad.any():
        shown = [int(v) for v in np.unique(idx[bad])[:5]]
        raise ValueError(
            f"{name} holds class indices {shown} outside "
            f"[0, {n_classes - 1}] (the network has {n_classes} output units)"
        )
    Y = np.zeros((n_classes, idx.size), dtype=dtype)
    Y[idx.astype(np.intp), np.arange(idx.size)] = 1
    return Y


def encode_targets(Y: Any, loss: str | Loss, n_outputs: int, dtype: Any, name: str = "Y") -> Any:
    """Targets as a user may give them -> the (n[L], m) layout (not yet validated).

    * categorical cross-entropy and class indices of shape (m,) or (1, m):
      one-hot columns (:func:`one_hot_indices`), shape (n[L], m);
    * one output unit and a 1-D array of m labels or values: shape (1, m);
    * anything else: unchanged (the caller checks its shape and values).

    Parameters
    ----------
    Y : array_like
    loss : str or Loss
    n_outputs : int
        n[L].
    dtype : dtype
        Of the one-hot array.
    name : str, default="Y"
    """
    arr = np.asarray(Y)
    if _loss_name(loss) == "categorical_crossentropy" and (
        arr.ndim == 1 or (arr.ndim == 2 and arr.shape[0] == 1)
    ):
        return one_hot_indices(arr, n_outputs, dtype, name)
    if arr.ndim == 1 and n_outputs == 1:
        return arr.reshape(1, -1)
    return arr


def encode_labels(y: Any, targets: str, n_outputs: int, dtype: Any = "float64") -> Any:
    """Class labels (or regression values) -> what :meth:`Network.fit` takes, per encoding.

    Parameters
    ----------
    y : array_like of shape (m,) (or (n_targets, m) for ``values``)
        Class indices 0..k−1, or the values.
    targets : {"indices", "binary", "one_hot", "values"}
    n_outputs : int
        n[L].
    dtype : dtype, default="float64"

    Returns
    -------
    ``indices``: the indices, shape (m,) (:meth:`Network.check_Y` one-hot encodes
    them); ``binary``: shape (1, m); ``one_hot``: shape (n[L], m)
    (:func:`one_hot`); ``values``: shape (n_targets, m).
    """
    check_choice(targets, TARGET_ENCODINGS, "targets")
    if targets == "indices":
        return np.asarray(y).reshape(-1)
    if targets == "binary":
        return np.asarray(y, dtype=dtype).reshape(1, -1)
    if targets == "one_hot":
        return one_hot(y, n_outputs, dtype)
    Y = np.asarray(y, dtype=dtype)
    return Y.reshape(1, -1) if Y.ndim == 1 else Y


def preview_values(values: Any, limit: int = 10) -> str:
    """The distinct values, sorted, for a message: ``"-1, 7, ... (12 distinct)"``."""
    vals = np.unique(values)
    shown = ", ".join(repr(v.item()) for v in vals[:limit])
    return shown + (f", ... ({vals.size} distinct)" if vals.size > limit else "")


def one_hot(y: Any, n_classes: int | None = None, dtype: Any = "float64") -> Array:
    """Encode class indices as one-hot columns.

    Parameters
    ----------
    y : array_like of shape (m,) or (1, m)
        Integer class labels 0..n_classes-1 (integer dtype, booleans, or floats
        holding whole numbers).
    n_classes : int, optional
        Number of classes (rows of the result).  Default: ``max(y) + 1``.
    dtype : {"float64", "float32"}, default="float64"
        Output dtype.

    Returns
    -------
    Y : ndarray of shape (n_classes, m)
        ``Y[k, i] = 1`` if ``y[i] == k`` else 0.

    Raises
    ------
    ValueError
        If ``y`` has the wrong shape, holds non-integer values, negative
        values, or values >= ``n_classes``; the message names the bad values.
    """
    dt = check_dtype(dtype)
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise ValueError(f"y must have shape (m,) or (1, m), got shape {arr.shape}")
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int64)
    if np.issubdtype(arr.dtype, np.floating):
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            shown = preview_values(arr[bad])
            raise ValueError(f"y must hold integer class labels; found non-integer values: {shown}")
        labels = arr.astype(np.int64)
    elif np.issubdtype(arr.dtype, np.integer):
        labels = arr.astype(np.int64)
    else:
        raise ValueError(f"y must hold integer class labels, got dtype {arr.dtype}")
    if n_classes is None:
        if labels.size == 0:
            raise ValueError("y is empty; pass n_classes to one-hot encode zero examples")
        n_classes = max(int(labels.max()) + 1, 1)
    n_classes = check_positive_int(n_classes, "n_classes")
    neg = labels < 0
    if neg.any():
        raise ValueError(f"y has negative class labels: {preview_values(labels[neg])}")
    big = labels >= n_classes
    if big.any():
        raise ValueError(
            f"y has class labels >= n_classes={n_classes}: {preview_values(labels[big])}; "
            f"labels must lie in 0..{n_classes - 1}"
        )
    m = labels.size
    Y = np.zeros((n_classes, m), dtype=dt)
    Y[labels, np.arange(m)] = 1
    return Y


# ---------------------------------------------------------------------------------------
# Decisions and losses
# ---------------------------------------------------------------------------------------


def decide(AL: Array, task: str, *, logits: bool = False) -> Array:
    """The decision rule: outputs A[L] (n[L], m) -> predictions.

    * binary: [a > 0.5], shape (1, m), 0/1 (as the course);
    * multilabel: [aₖ > 0.5] per unit, shape (n[L], m);
    * multiclass: argmaxₖ aₖ per column, shape (m,) of class indices;
    * regression: A[L] itself.

    With ``logits=True`` AL holds Z[L] of a sigmoid or softmax output instead,
    and the same decisions are taken without the activation: σ(z) > 0.5 ⇔ z > 0,
    and argmax softmax(z) = argmax σ(z) = argmax z (both are increasing).
    """
    if task == "regression":
        return AL
    xp, _ = _xp.namespace(AL)
    if task == "multiclass":
        return xp.argmax(AL, axis=0)
    threshold = 0.0 if logits else 0.5  # σ(z) > 0.5 ⇔ z > 0
    return xp.astype(xp.greater(AL, threshold), xp.int64)


def class_indices(AL: Array, *, logits: bool = False) -> Array:
    """One class index per column of a single-label classifier's output A[L] (n[L], m).

    One unit: [a > 0.5] (the binary rule); several units (softmax, or one
    sigmoid per class): argmaxₖ aₖ (the multiclass rule).  Shape (m,), int64.
    """
    if AL.shape[0] == 1:
        return decide(AL, "binary", logits=logits)[0]
    return np.asarray(decide(AL, "multiclass"), dtype=np.int64)


def accuracy(AL: Array, Y: Array, task: str) -> float:
    """Accuracy of outputs AL (n[L], m) against targets Y (n[L], m).

    binary/multilabel: mean over all entries of [a > 0.5] == [y > 0.5];
    multiclass: mean of [argmax a == argmax y]; regression: NaN (undefined).
    """
    if task == "regression":
        return float("nan")
    xp, _ = _xp.namespace(AL)
    multiclass = task == "multiclass"
    right = decide(AL, task) == decide(Y, task) if multiclass else (AL > 0.5) == (Y > 0.5)
    return int(xp.count_nonzero(right)) / math.prod(right.shape)  # the mean of the booleans


def per_example_loss(
    loss: str | Loss, activation: str | Activation, AL: Array | None, ZL: Array, Y: Array
) -> Array:
    """L for every example, shape (1, m), from the logits where the pair is canonical.

    Canonical pairs use Z[L] (:meth:`chainrule.losses.Loss.from_logits`: exact
    even where A[L] saturates, never log 0); other pairs use A[L]
    (:meth:`~chainrule.losses.Loss.per_example`).

    Parameters
    ----------
    loss : str or Loss
    activation : str or Activation
        The output activation g[L].
    AL : ndarray of shape (n[L], m)
        A[L] = g(Z[L]) (unused, and may be None, for a canonical pair).
    ZL : ndarray of shape (n[L], m)
    Y : ndarray of shape (n[L], m)
    """
    L = get_loss(loss)
    if is_canonical(L, activation):
        return L.from_logits(ZL, Y)
    assert AL is not None, "a non-canonical pair takes L from A[L]"
    return L.per_example(AL, Y)
