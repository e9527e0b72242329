"""Each derivation is computed once per process: value key → registry → cache, written once.

A derivation depends on what an activation or loss *is* (its class, its
parameters, its formula strings), not on which instance asks: ``LeakyReLU(0.2)``
built twice is one derivation, a subclass with another formula string is
another.  Library objects are not hashable by value, so each is filed in a
:class:`Registry` under a value key (a JSON string), the derivation is cached
by those keys, and on a miss the objects are taken back out of the registries.
:func:`cached` is that pattern; every ``derive_*`` of
:mod:`chainrule.symbolic.derivations` uses it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, Generic, ParamSpec, TypeVar

__all__: list[str] = []

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


class UnknownKeyError(KeyError):
    """No object is filed under the key; the message names the known keys."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0])


class Registry(Generic[T]):
    """Objects of one kind under their value key: equal objects share one key.

    Parameters
    ----------
    kind : str
        What is registered (``"activation"``), for error messages.
    key : callable
        ``key(obj) -> str``: equal for objects that must share a derivation.
    """

    def __init__(self, kind: str, key: Callable[[T], str]) -> None:
        self.kind = kind
        self.key = key
        self._objects: dict[str, T] = {}

    def add(self, obj: T) -> str:
        """File ``obj`` under its key and return the key (the first object under a key stays)."""
        key = self.key(obj)
        self._objects.setdefault(key, obj)
        return key

    def __getitem__(self, key: str) -> T:
        """The object filed under ``key``; UnknownKeyError (a KeyError) naming the known keys."""
        try:
            return self._objects[key]
        except KeyError:
            known = ", ".join(self._objects) or "none yet"
            raise UnknownKeyError(
                f"no {self.kind} registered under key {key!r}; known keys: {known}"
            ) from None


def cached(*registries: Registry[Any]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: ``derive(obj₁, …, objₙ, *rest)`` computed once per value of its arguments.

    The first n positional arguments are filed in the n ``registries`` and the
    cache is keyed by their keys, so equal objects get the very same result;
    the remaining arguments (``m``) must be hashable and are compared by ``==``.
    With no registries this is :func:`functools.cache`.

    Parameters
    ----------
    *registries : Registry
        One for each leading object argument, in order.

    Examples
    --------
    >>> ACTIVATION_KEYS = Registry("activation", activation_key)   # doctest: +SKIP
    >>> @cached(ACTIVATION_KEYS)                                   # doctest: +SKIP
    ... def _derive_activation(act: Activation) -> Derivation: ...
    """
    n = len(registries)

    def decorate(derive: Callable[P, R]) -> Callable[P, R]:
        compute: Callable[..., R] = derive

        @functools.cache
        def by_key(keys: tuple[str, ...], rest: tuple[Hashable, ...]) -> R:
            objects = [registry[k] for registry, k in zip(registries, keys, strict=True)]
            return compute(*objects, *rest)

        @functools.wraps(derive)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if kwargs or len(args) < n:
                raise TypeError(
                    f"{derive.__name__} takes its {n} object argument(s) and any others "
                    f"positionally (it is cached by value); got {len(args)} positional and "
                    f"keywords {sorted(kwargs)}"
                )
            keys = tuple(registry.add(obj) for registry, obj in zip(registries, args, strict=False))
            return by_key(keys, tuple(args[n:]))

        return wrapper

    return decorate
