"""chainrule.symbolic as a package: the one cache of the derivations, and its public names.

Oracles: a counter of how often a decorated function really runs, object
identity of the results, and the list of public names the package had as a
single module (users import them from ``chainrule.symbolic``).
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from chainrule import symbolic
from chainrule.activations import LeakyReLU, Sigmoid, Tanh
from chainrule.symbolic.cache import Registry, cached
from chainrule.symbolic.derivations.forms import ACTIVATION_KEYS, activation_key

# restated on purpose (it is the oracle): the names `chainrule.symbolic` had as one module
PUBLIC = {
    "INSTALL_HINT",
    "Derivation",
    "FormulaSyntaxError",
    "Step",
    "all_derivations",
    "allowed_pairings",
    "available",
    "derivations_for",
    "derive",
    "derive_activation",
    "derive_convention",
    "derive_cost",
    "derive_cost_general",
    "derive_l2",
    "derive_linear",
    "derive_loss",
    "derive_pairing",
    "formula_to_sympy",
    "parse_formula",
    "require_sympy",
    "unicode_to_latex",
}


def _counted(registry: Registry[object]):
    calls: list[tuple[object, ...]] = []

    @cached(registry)
    def describe(obj: object, extra: int) -> dict[str, object]:
        calls.append((obj, extra))
        return {"obj": obj, "extra": extra}

    return describe, calls


# -- the registry/cache decorator ---------------------------------------------------------------


def test_cache_hit_returns_the_same_object_for_equal_values():
    registry: Registry[object] = Registry("activation", activation_key)
    describe, calls = _counted(registry)
    first = describe(LeakyReLU(alpha=0.2), 3)
    again = describe(LeakyReLU(alpha=0.2), 3)  # another instance, the same value
    assert again is first
    assert len(calls) == 1
    # another value of the object or of the other argument is another entry
    assert describe(LeakyReLU(alpha=0.3), 3) is not first
    assert describe(LeakyReLU(alpha=0.2), 4) is not first
    assert len(calls) == 3
    # the body is called with the object filed first, the others only give the key
    assert first["obj"] is calls[0][0]


def test_a_subclass_with_another_formula_is_another_entry():
    class _Other(Sigmoid):
        derivative_formula = "σ′(z) = a(1 + a)"

    registry: Registry[object] = Registry("activation", activation_key)
    describe, calls = _counted(registry)
    assert describe(Sigmoid(), 0) is not describe(_Other(), 0)
    assert len(calls) == 2


def test_unknown_key_names_the_known_keys():
    registry: Registry[object] = Registry("activation", activation_key)
    with pytest.raises(KeyError, match="none yet"):
        registry["nope"]
    key = registry.add(Tanh())
    assert registry[key].__class__ is Tanh
    with pytest.raises(KeyError) as exc:
        registry["nope"]
    message = str(exc.value)
    assert "no activation registered under key 'nope'" in message
    assert "known keys" in message
    assert "Tanh" in message  # the known key, written out


def test_cached_derivations_take_their_arguments_positionally():
    describe, calls = _counted(Registry("activation", activation_key))
    with pytest.raises(TypeError, match="positionally"):
        describe(Tanh(), extra=1)
    with pytest.raises(TypeError, match="positionally"):
        describe()
    assert calls == []


def test_real_derivations_are_cached_by_value():
    pytest.importorskip("sympy")
    d = symbolic.derive_activation(LeakyReLU(alpha=0.2))
    assert symbolic.derive_activation(LeakyReLU(alpha=0.2)) is d
    assert symbolic.derive_activation("tanh") is symbolic.derive_activation(Tanh())
    assert symbolic.derive_cost("squared_error", 4) is symbolic.derive_cost("mse", 4)
    assert symbolic.derive_cost("squared_error", 4) is not symbolic.derive_cost("mse", 3)
    assert symbolic.derive_l2() is symbolic.derive_l2()
    assert ACTIVATION_KEYS[ACTIVATION_KEYS.key(Tanh())].__class__ is Tanh


# -- the package's public names -----------------------------------------------------------------


def test_public_names_are_those_of_the_single_module():
    assert set(symbolic.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(symbolic, name) is not None
    assert symbolic.RTOL > 0
    assert symbolic.N_POINTS > 0


def test_every_public_name_has_one_home_module_that_declares_it():
    """A submodule's ``__all__`` is what it adds to the API; together they are the package's."""
    homes: dict[str, str] = {}
    for info in pkgutil.walk_packages(symbolic.__path__, "chainrule.symbolic."):
        module = importlib.import_module(info.name)
        if info.ispkg:
            continue  # packages re-export; the home is the module that defines the name
        for name in getattr(module, "__all__", ()):
            assert name not in homes, (name, homes.get(name), info.name)
            homes[name] = info.name
            assert getattr(symbolic, name) is getattr(module, name)
    assert set(homes) == PUBLIC
