"""``Network.fit`` is :func:`chainrule.training.fit`, with one signature.

The method takes ``**options`` and passes them through; the signature
``help()`` and ``inspect`` show is ``training.fit``'s own (after ``self``):
names, kinds, defaults and annotations, so the two cannot drift apart, and
the method must pass every option through.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from chainrule import training
from chainrule.network import Network


def _params(func: object, skip: str) -> list[inspect.Parameter]:
    params = list(inspect.signature(func).parameters.values())  # type: ignore[arg-type]
    assert params[0].name == skip
    return params[1:]


def test_fit_signature_equals_training_fit():
    method = _params(Network.fit, "self")
    function = _params(training.fit, "net")
    assert [p.name for p in method] == [p.name for p in function]
    for a, b in zip(method, function, strict=True):
        assert a.kind == b.kind, a.name
        assert a.default == b.default, a.name
        assert a.annotation == b.annotation, a.name
    assert inspect.signature(Network.fit).return_annotation == (
        inspect.signature(training.fit).return_annotation
    )
    assert Network.fit.__doc__ is not None
    assert "training.fit" in Network.fit.__doc__


def test_fit_passes_every_keyword_through(monkeypatch):
    """Each keyword reaches training.fit with the value given (a sentinel per name)."""
    seen: dict[str, object] = {}

    def spy(net, X, Y, **kwargs):
        seen.update(kwargs, net=net, X=X, Y=Y)
        return "history"

    monkeypatch.setattr(training, "fit", spy)
    keywords = [p.name for p in _params(Network.fit, "self")][2:]
    sentinels = {name: object() for name in keywords}
    net = Network([2, 1], seed=0)
    assert net.fit("X", "Y", **sentinels) == "history"
    assert seen.pop("net") is net
    assert (seen.pop("X"), seen.pop("Y")) == ("X", "Y")
    assert seen.keys() == sentinels.keys()
    for name, value in sentinels.items():
        assert seen[name] is value, name


def test_fit_refuses_an_unknown_keyword():
    net = Network([2, 1], seed=0)
    with pytest.raises(TypeError, match="learning_rat"):
        net.fit(np.zeros((2, 3)), np.zeros((1, 3)), learning_rat=0.1)
