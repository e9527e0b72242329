r"""The estimators' parameters, each stated once: name, type, default, constraints, doc.

A parameter is declared like a dataclass field, in the body of a class decorated with
:func:`parameters`::

    alpha: float = param(0.0001, [Interval(Real, 0, None, closed="left")], "float",
                         "L2 penalty λ: ...")

The decorator collects the declarations (after those of the base classes) into the class's
``_params`` table, removes them from the class (an unfitted estimator holds only what its
``__init__`` stored, as scikit-learn wants), and derives from the table

* ``_parameter_constraints``, which scikit-learn's ``_fit_context`` validates ``fit`` and
  ``partial_fit`` against;
* the docstring's Parameters section (the line ``{parameters}`` in the class docstring).

scikit-learn reads an estimator's parameters from the signature of its ``__init__``, which
must list them explicitly; the body is one call, ``store_parameters(self, locals())``, and
tests/test_sklearn_params.py checks that every ``__init__`` agrees with the table (names,
order, defaults).

:class:`CommonParameters` declares the parameters that :class:`~chainrule.sklearn.NetClassifier`
and :class:`~chainrule.sklearn.NetRegressor` share; each estimator declares its own
``output_activation``, ``loss`` (and ``class_weight``).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import Any, TypeVar

import numpy as np
from sklearn.utils._param_validation import Interval, Options, StrOptions

from chainrule.initializers import INITIALIZERS
from chainrule.optim import SCHEDULES

__all__ = [
    "DTYPES",
    "HIDDEN_ACTIVATIONS",
    "INITS",
    "SOLVERS",
    "CommonParameters",
    "Param",
    "param",
    "parameters",
    "store_parameters",
]

HIDDEN_ACTIVATIONS = {"identity", "linear", "logistic", "sigmoid", "tanh", "relu", "leaky_relu"}
"""Hidden-layer activation names: scikit-learn's four plus chainrule's own and aliases."""

SOLVERS = {"sgd", "momentum", "nesterov", "rmsprop", "adam"}

INITS = set(INITIALIZERS) | {"auto"}

DTYPES = {"auto", "float64", "float32"}

_MARK = "{parameters}"
"""The line of a class docstring that :func:`parameters` replaces by the parameters' entries."""


@dataclass(frozen=True)
class Param:
    """One estimator parameter.

    Attributes
    ----------
    default : object
        The default of ``__init__``.
    constraints : list
        scikit-learn's constraints (``Interval``, ``StrOptions``, ``"boolean"``, None ...).
    kind : str
        The type, as the docstring states it (``"float"``, ``"int, "auto" or None"``).
    doc : str
        The docstring's description (indented lines are kept as written).
    name : str
        Set by :func:`parameters` from the attribute's name.
    """

    default: Any
    constraints: list[Any]
    kind: str
    doc: str
    name: str = ""

    def entry(self) -> list[str]:
        """The numpydoc entry's lines: ``name : kind, default=...``, then the indented doc."""
        head = f"{self.name} : {self.kind}, default={_show(self.default)}"
        return [
            head,
            *(f"    {line}" if line else "" for line in inspect.cleandoc(self.doc).splitlines()),
        ]


def _show(value: Any) -> str:
    """A default as the docstring shows it: strings in double quotes, the rest as repr."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def param(default: Any, constraints: list[Any], kind: str, doc: str) -> Any:
    """Declare a parameter in the body of a class decorated with :func:`parameters`.

    Typed ``Any`` so that the annotation of the declaration (``alpha: float = param(...)``)
    is the attribute's type for mypy, as with ``dataclasses.field``.
    """
    return Param(default, constraints, kind, doc)


T = TypeVar("T", bound=type)


def parameters(cls: T) -> T:
    """Collect the class's :func:`param` declarations into ``_params`` (see the module doc)."""
    own = {k: replace(v, name=k) for k, v in vars(cls).items() if isinstance(v, Param)}
    for name in own:
        delattr(cls, name)
    table: dict[str, Param] = {**getattr(cls, "_params", {}), **own}
    setattr(cls, "_params", table)  # noqa: B010 (mypy: a class attribute the decorator adds)
    setattr(cls, "_parameter_constraints", {p.name: p.constraints for p in table.values()})  # noqa: B010
    if cls.__doc__:
        cls.__doc__ = _fill(cls.__doc__, table.values())
    return cls


def store_parameters(estimator: Any, values: dict[str, Any]) -> None:
    """Store each parameter of ``type(estimator)._params`` from ``values``, unchanged.

    An ``__init__`` calls ``store_parameters(self, locals())``: its signature lists the
    parameters (scikit-learn reads them from there), the table says which ones to keep, and
    nothing is validated or converted here (scikit-learn's rule; ``fit`` validates).
    """
    table = type(estimator)._params
    missing = [name for name in table if name not in values]
    if missing:
        raise TypeError(
            f"{type(estimator).__name__}.__init__ lacks the parameters {missing} of its table"
        )
    for name in table:
        setattr(estimator, name, values[name])


def _fill(doc: str, table: Iterable[Param]) -> str:
    """``doc`` with its line ``{parameters}`` replaced by the entries, at that line's indent."""
    lines = doc.split("\n")
    for i, line in enumerate(lines):
        if line.strip() == _MARK:
            indent = line[: len(line) - len(line.lstrip())]
            lines[i : i + 1] = [indent + e if e else "" for p in table for e in p.entry()]
            break
    return "\n".join(lines)


@parameters
class CommonParameters:
    """The parameters shared by both estimators (declarations only: no methods).

    A table written as code: the declarations have the same shape by design (a duplicate-code
    scan pairs some of them), and each is the one place its parameter is stated.
    """

    hidden_layer_sizes: Any = param(
        (100,),
        ["array-like", Interval(Integral, 1, None, closed="left")],
        "array-like of int",
        """
        Units per hidden layer (``()`` for no hidden layer).  The network's
        ``layer_dims`` is ``[n_features_in_, *hidden_layer_sizes, n_outputs_]``.
        """,
    )
    activation: Any = param(
        "relu",
        [StrOptions(HIDDEN_ACTIVATIONS), "array-like"],
        "str or list of str",
        """
        Hidden activation: "relu", "tanh", "logistic" (= "sigmoid"),
        "identity" (= "linear") or "leaky_relu"; a list gives one per hidden layer.
        """,
    )
    solver: str = param(
        "adam",
        [StrOptions(SOLVERS)],
        '{"adam", "sgd", "momentum", "nesterov", "rmsprop"}',
        """
        chainrule's optimizers (:mod:`chainrule.optim`).  "sgd" is *plain*
        gradient descent (scikit-learn's "sgd" adds Nesterov momentum: use
        "nesterov").  Momentum here is the course's exponential average
        v ← βv + (1 − β)g, so α keeps its meaning.
        """,
    )
    alpha: float = param(
        0.0001,
        [Interval(Real, 0, None, closed="left")],
        "float",
        "L2 penalty λ: J = (1/m) Σ L + (alpha/2m) Σ‖W‖², as in scikit-learn.",
    )
    l2_m: Any = param(
        None,
        [Interval(Real, 0, None, closed="neither"), None],
        "float or None",
        """
        The m of the penalty's alpha/2m (and of the gradient's (alpha/m) W):
        None is each mini-batch's own size (scikit-learn's and the course's
        convention); a number n puts alpha/n in every batch, Nielsen's λ/n
        with n the training-set size (``chainrule.fit``'s ``l2_m``).
        """,
    )
    negative_slope: float = param(
        0.01,
        [Interval(Real, 0, 1, closed="both")],
        "float",
        """
        The slope α of "leaky_relu" hidden layers for z ≤ 0,
        leaky_relu(z) = max(z, αz), in [0, 1] (ignored by other activations).
        """,
    )
    batch_size: Any = param(
        "auto",
        [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), None],
        'int, "auto" or None',
        """
        Mini-batch size; "auto" is min(200, n_samples) as in scikit-learn,
        None is full-batch gradient descent (the course's).
        """,
    )
    learning_rate: str = param(
        "constant",
        [StrOptions(set(SCHEDULES))],
        '{"constant", "inverse_time", "stepwise", "exponential"}',
        """
        Learning-rate schedule over epochs (:class:`chainrule.optim.Schedule`),
        applied to every solver.
        """,
    )
    learning_rate_init: float = param(
        0.001, [Interval(Real, 0, None, closed="neither")], "float", "α₀."
    )
    lr_decay: float = param(
        0.0,
        [Interval(Real, 0, None, closed="left")],
        "float",
        'The schedule\'s decay rate (for "exponential", the factor per epoch in (0, 1]).',
    )
    lr_decay_interval: int = param(
        1,
        [Interval(Integral, 1, None, closed="left")],
        "int",
        'Epochs per step of the "stepwise" schedule.',
    )
    max_iter: int = param(
        200, [Interval(Integral, 1, None, closed="left")], "int", "Maximum number of epochs."
    )
    shuffle: bool = param(True, ["boolean"], "bool", "Reshuffle the examples every epoch.")
    random_state: Any = param(
        None,
        ["random_state"],
        "int, RandomState instance or None",
        """
        Seeds the initial weights, the shuffling, dropout and the validation
        split.  ``random_state=s`` (an int) builds the same initial network as
        ``chainrule.Network(..., seed=s)``; the same ``random_state`` gives
        identical results.
        """,
    )
    tol: float = param(
        1e-4,
        [Interval(Real, 0, None, closed="left")],
        "float",
        "Minimum improvement of the monitored cost (see ``n_iter_no_change``).",
    )
    verbose: Any = param(
        False,
        ["verbose"],
        "bool or int",
        """
        1/True: print the inferred output and loss, then one line per epoch
        (loss, validation loss and score); 2: a tqdm progress bar instead of the
        per-epoch lines.
        """,
    )
    warm_start: bool = param(
        False, ["boolean"], "bool", "Continue training the fitted network on the next ``fit``."
    )
    momentum: float = param(
        0.9,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        'β of the "momentum" and "nesterov" solvers.',
    )
    rho: float = param(
        0.9,
        [Interval(Real, 0, 1, closed="left")],
        "float",
        'β of the "rmsprop" solver (decay of the squared-gradient average).',
    )
    beta_1: float = param(0.9, [Interval(Real, 0, 1, closed="left")], "float", "Adam's β₁.")
    beta_2: float = param(0.999, [Interval(Real, 0, 1, closed="left")], "float", "Adam's β₂.")
    epsilon: float = param(
        1e-8, [Interval(Real, 0, None, closed="neither")], "float", "ε of Adam and RMSprop."
    )
    early_stopping: bool = param(
        False,
        ["boolean"],
        "bool",
        """
        Hold out ``validation_fraction`` of the data, monitor its cost, stop
        when it stalls and keep the best epoch's parameters.
        """,
    )
    validation_fraction: float = param(
        0.1,
        [Interval(Real, 0, 1, closed="neither")],
        "float",
        "Fraction held out with ``early_stopping``.",
    )
    n_iter_no_change: Any = param(
        10,
        [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "int or np.inf",
        """
        Stop after this many epochs without an improvement of more than
        ``tol`` of the monitored cost (training cost; validation cost with
        ``early_stopping``).  ``np.inf`` never stops early.
        """,
    )
    dropout: Any = param(
        0.0,
        [Interval(Real, 0, 1, closed="left"), "array-like"],
        "float or list of float",
        """
        Inverted-dropout drop rate of the hidden layers' outputs during
        training (one rate, or one per hidden layer).
        """,
    )
    init: Any = param(
        "auto",
        [StrOptions(INITS), "array-like"],
        "str or list of str",
        """
        Weight initialiser (:mod:`chainrule.initializers`): "auto" (He for
        ReLU layers, Glorot-uniform otherwise), "he", "glorot_uniform",
        "glorot_normal", "lecun", "xavier", ...; or one name per layer.
        """,
    )
    dtype: Any = param(
        "auto",
        [
            StrOptions(DTYPES),
            Options(type, {np.float32, np.float64}),
            Options(np.dtype, {np.dtype(np.float32), np.dtype(np.float64)}),
        ],
        '{"auto", "float64", "float32"}',
        """
        Precision of the network; "auto" trains in float32 when X is float32,
        else float64.
        """,
    )
