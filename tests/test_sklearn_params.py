"""The estimators' parameter table (``chainrule.sklearn._params``) and what is derived from it.

scikit-learn reads the parameters from each ``__init__`` signature; the table states them once
with their constraints and docs.  These tests are the seam between the two.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from chainrule.sklearn import NetClassifier, NetRegressor
from chainrule.sklearn._params import CommonParameters, Param, param, parameters, store_parameters

ESTIMATORS = [NetClassifier, NetRegressor]


def _signature(cls):
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]  # without self
    return {p.name: p.default for p in params}


def _same(a, b) -> bool:
    return type(a) is type(b) and (a == b or (a != a and b != b))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_init_signature_is_the_table(cls):
    signature = _signature(cls)
    table = cls._params
    assert list(signature) == list(table), "names and order"
    for name, default in signature.items():
        assert _same(default, table[name].default), (name, default, table[name].default)
    assert all(isinstance(p, Param) and p.name == name for name, p in table.items())


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_common_parameters_come_first_and_estimators_add_their_own(cls):
    common = list(CommonParameters._params)
    assert list(cls._params)[: len(common)] == common
    own = list(cls._params)[len(common) :]
    assert own == (
        ["output_activation", "loss", "class_weight"]
        if cls is NetClassifier
        else ["output_activation", "loss"]
    )


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_constraints_docs_and_get_params_follow_the_table(cls):
    table = cls._params
    assert cls._parameter_constraints == {n: p.constraints for n, p in table.items()}
    est = cls()
    assert list(est.get_params()) == sorted(table)
    assert all(_same(v, table[k].default) for k, v in est.get_params().items())
    doc = cls.__doc__
    assert "{parameters}" not in doc
    for name, p in table.items():
        assert f"\n    {name} : {p.kind}, default=" in doc, name
    params_section = doc[doc.index("Parameters\n") : doc.index("Attributes\n")]
    assert params_section.count(" : ") == len(table)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_declarations_are_not_left_on_the_class(cls):
    for name in cls._params:
        assert not any(isinstance(vars(k).get(name), Param) for k in cls.__mro__), name
    assert vars(cls()) == {name: p.default for name, p in cls._params.items()}


@pytest.mark.parametrize(
    ("cls", "name", "bad"),
    [
        (NetClassifier, "alpha", -1.0),
        (NetClassifier, "class_weight", "weighted"),
        (NetRegressor, "loss", "binary_crossentropy"),
        (NetRegressor, "solver", "lbfgs"),
    ],
)
def test_fit_validates_against_the_table(cls, name, bad):
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        clone(cls(**{name: bad})).fit(X, y)


def test_the_decorator_on_a_small_class():
    @parameters
    class Small:
        """A class.

        Parameters
        ----------
        {parameters}
        """

        a: int = param(1, [int], "int", "The first.")
        b: str = param("x", [str], '{"x", "y"}', "The second,\non two lines.")

    assert list(Small._params) == ["a", "b"]
    assert Small._parameter_constraints == {"a": [int], "b": [str]}
    assert "a" not in vars(Small)
    assert inspect.cleandoc(Small.__doc__).endswith(
        "----------\n"
        "a : int, default=1\n"
        "    The first.\n"
        'b : {"x", "y"}, default="x"\n'
        "    The second,\n"
        "    on two lines."
    )


def test_store_parameters_keeps_the_values_unchanged_and_names_a_missing_one():
    @parameters
    class Small:
        a: Any = param(1, [int], "int", "The first.")
        b: Any = param("x", [str], "str", "The second.")

        def __init__(self, a: Any = 1, b: Any = "x") -> None:
            store_parameters(self, locals())

    given = [3]  # stored as given: the same object, not a copy nor a conversion
    small = Small(a=given)
    assert vars(small) == {"a": [3], "b": "x"}
    assert small.a is given
    with pytest.raises(TypeError, match=r"lacks the parameters \['b'\]"):
        store_parameters(Small.__new__(Small), {"a": 1})
