r"""Optimizers and learning-rate schedules.

Each optimizer updates a list of parameter arrays **in place** from a list of
gradients of J (same order, same shapes), and keeps its own state (velocity,
moments) in preallocated arrays of the parameters' dtype.

==============  ==============================================================
``sgd``         θ ← θ − α g
``momentum``    v ← β v + (1 − β) g;  θ ← θ − α v      (the course's form: v is an
                exponentially weighted average, so α keeps its meaning)
``nesterov``    v ← β v + (1 − β) g;  θ ← θ − α (β v + (1 − β) g)
                (the same average, looked ahead one step: Nesterov's correction
                in the EMA parameterisation, as in Dozat's NAdam)
``rmsprop``     s ← β s + (1 − β) g²;  θ ← θ − α g / (√s + ε)
``adam``        Kingma & Ba (2015), **Algorithm 1 with bias correction**:
                m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
                m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ);  θ ← θ − α m̂ / (√v̂ + ε)
                (ε outside the square root, as in the paper, PyTorch and the
                course; scikit-learn folds the correction into α instead, which
                moves ε by a factor √(1 − β₂ᵗ)).
==============  ==============================================================

Schedules give the learning rate of epoch ``epoch`` (counted from 0):
``constant`` α₀; ``inverse_time`` α₀ / (1 + decay · epoch) (the course's
``update_lr``); ``stepwise`` α₀ / (1 + decay · ⌊epoch / interval⌋) (the
course's ``schedule_lr_decay``); ``exponential`` α₀ · decayᵉᵖᵒᶜʰ.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule._typing import Array
from chainrule._validation import (
    check_choice,
    check_fraction,
    check_nonneg_float,
    check_positive_float,
    check_positive_int,
)

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "SGD",
    "Adam",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "RMSprop",
    "Schedule",
    "get_optimizer",
]


class Optimizer:
    """Base class.  Subclasses implement :meth:`_update` for one array."""

    name = ""
    keep_state = False  # (the class default, for subclasses that skip __init__)

    def __init__(self) -> None:
        self.t = 0
        self.state: list[tuple[Array, ...]] = []
        self.keep_state = False
        """When True, :meth:`init` keeps existing state (moments and step count t)
        that fits the parameters, so that a new ``fit`` continues the previous
        one's optimizer (``partial_fit``) instead of restarting it.  "Fits" means
        the same number of entries and the same dtype: it is meant for continuing
        the *same* network, which the caller ensures (the scikit-learn estimators
        check the architecture first); another network that happens to have as
        many parameters would inherit the state.  ``fit`` discards the state
        when training diverges."""

    def _init_state(self, param: Array) -> tuple[Array, ...]:
        return ()

    def init(self, params: list[Array]) -> None:
        """Allocate zeroed state for these parameters (and reset t).

        With :attr:`keep_state`, state of the same total size and dtype is kept
        (t too), re-laid out if the parameters are now split differently: one
        flat vector (the fast path) or one array per W[l], b[l] (the reference
        path) hold the same entries in the same order.
        """
        if self.keep_state and self._relayout(params):
            return
        self.t = 0
        self.state = [self._init_state(p) for p in params]

    def _relayout(self, params: list[Array]) -> bool:
        """Fit the existing state to ``params`` if it holds as many entries; whether it did."""
        old = self.state
        if not old:
            return False
        n_comp = len(old[0])
        if any(len(s) != n_comp for s in old):
            return False
        if n_comp == 0:  # a stateless update (SGD): only t to keep
            self.state = [() for _ in params]
            return True
        if len(old) == len(params) and all(
            a.shape == p.shape and a.dtype == p.dtype
            for s, p in zip(old, params, strict=True)
            for a in s
        ):
            return True
        sizes = [p.size for p in params]
        if sum(s[0].size for s in old) != sum(sizes):
            return False
        if any(a.dtype != p.dtype for s in old for a in s for p in params):
            return False
        # component k of every entry, concatenated in parameter order, then split again
        flat = [np.concatenate([s[k].ravel() for s in old]) for k in range(n_comp)]
        ends = np.cumsum(sizes)
        self.state = [
            tuple(f[e - n : e].reshape(p.shape) for f in flat)
            for p, n, e in zip(params, sizes, ends, strict=True)
        ]
        return True

    def step(self, params: list[Array], grads: list[Array], lr: float) -> None:
        """Apply one update in place.

        Parameters
        ----------
        params : list of ndarray
            W[1], b[1], ..., W[L], b[L] (any fixed order).
        grads : list of ndarray
            ∂J/∂θ for each, same order and shapes.
        lr : float
            This step's learning rate α.
        """
        if len(self.state) != len(params):
            self.init(params)
        self.t += 1
        for p, g, s in zip(params, grads, self.state, strict=True):
            self._update(p, g, s, p.dtype.type(lr))

    def _update(self, p: Array, g: Array, s: tuple[Array, ...], lr: Any) -> None:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """Hyper-parameters (JSON-able)."""
        return {"name": self.name}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Plain gradient descent: θ ← θ − α g."""

    name = "sgd"

    def _update(self, p: Array, g: Array, s: tuple[Array, ...], lr: Any) -> None:
        p -= lr * g


class Momentum(Optimizer):
    """v ← β v + (1 − β) g;  θ ← θ − α v (the course's form)."""

    name = "momentum"

    def __init__(self, beta: float = 0.9) -> None:
        super().__init__()
        self.beta = check_fraction(beta, "beta")

    def _init_state(self, param: Array) -> tuple[Array, ...]:
        return (np.zeros_like(param),)

    def _update(self, p: Array, g: Array, s: tuple[Array, ...], lr: Any) -> None:
        (v,) = s
        b = p.dtype.type(self.beta)
        v *= b
        v += (1 - b) * g
        p -= lr * v

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "beta": self.beta}


class Nesterov(Momentum):
    """v ← β v + (1 − β) g;  θ ← θ − α (β v + (1 − β) g)."""

    name = "nesterov"

    def _update(self, p: Array, g: Array, s: tuple[Array, ...], lr: Any) -> None:
        (v,) = s
        b = p.dtype.type(self.beta)
        v *= b
        v += (1 - b) * g
        p -= lr * (b * v + (1 - b) * g)


class RMSprop(Optimizer):
    """s ← β s + (1 − β) g²;  θ ← θ − α g / (√s + ε)."""

    name = "rmsprop"

    def __init__(self, beta: float = 0.9, epsilon: float = 1e-8) -> None:
        super().__init__()
        self.beta = check_fraction(beta, "beta")
        self.epsilon = check_positive_float(epsilon, "epsilon")

    def _init_state(self, param: Array) -> tuple[Array, ...]:
        return (np.zeros_like(param),)

    def _update(self, p: Array, g: Array, s: tuple[Array, ...], lr: Any) -> None:
        (sq,) = s
        b = p.dtype.type(self.beta)
        sq *= b
        sq += (1 - b) * (g * g)
        denom = np.sqrt(sq)
        denom += p.dtype.type(self.epsilon)
        p -= lr * g / denom

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "beta": self.beta, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Adam, Algorithm 1 of Kingma & Ba (2015), with bias correction (module docs)."""

    name = "adam"

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__()
        self.beta1 = check_fraction(beta1, "beta1")
        self.beta2 = check_fraction(beta2, "beta2")
        self.epsilon = check_positive_float(epsilon, "epsilon")

    def _init_state(self, param: Array) -> tuple[Array, ...]:
        return (np.zeros_like(param), np.zeros_like(param), np.empty_like(param))

    def _constants(self, dt: Any) -> tuple[Any, Any, Any, Any]:
        """β₂, 1 − β₁, 1 − β₂ and ε in the parameters' dtype (cached: they cost per step)."""
        key = (dt, self.beta1, self.beta2, self.epsilon)
        cache: dict[Any, tuple[Any, Any, Any, Any]] = self.__dict__.setdefault("_cache", {})
        c = cache.get(key)
        if c is None:
            b1, b2 = dt(self.beta1), dt(self.beta2)
            c = (b2, 1 - b1, 1 - b2, dt(self.epsilon))
            cache.clear()
            cache[key] = c
        return c

    def _update(self, p: Array, g: Array, s: tuple[Array, ...], lr: Any) -> None:
        m, v, tmp = s
        dt = p.dtype.type
        b2, one_minus_b1, one_minus_b2, eps = self._constants(dt)
        # m ← β₁ m + (1 − β₁) g  written as m += (1 − β₁)(g − m)
        np.subtract(g, m, out=tmp)
        tmp *= one_minus_b1
        m += tmp
        # v ← β₂ v + (1 − β₂) g²
        np.multiply(g, g, out=tmp)
        tmp *= one_minus_b2
        v *= b2
        v += tmp
        # θ ← θ − α m̂ / (√v̂ + ε),  m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ)
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        np.sqrt(v, out=tmp)
        tmp *= dt(1.0 / math.sqrt(c2))  # √v̂
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr / dt(c1)
        p -= tmp

    def config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
        }


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "rmsprop": RMSprop,
    "adam": Adam,
}
"""Every optimizer by name."""


def get_optimizer(spec: str | Optimizer | dict[str, Any], name: str = "optimizer") -> Optimizer:
    """Turn a name, a config dict (``{"name": "adam", "beta1": 0.8}``) or an instance
    into an :class:`Optimizer`; an unknown name's error lists the valid names."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, dict):
        cfg = dict(spec)
        key = check_choice(cfg.pop("name", None), OPTIMIZERS, f"{name} name")
        try:
            return OPTIMIZERS[key](**cfg)
        except TypeError as exc:
            raise ValueError(f"bad {name} settings {spec!r}: {exc}") from exc
    if not isinstance(spec, str):
        raise TypeError(
            f"{name} must be a name ({', '.join(OPTIMIZERS)}) or an Optimizer, got {spec!r}"
        )
    check_choice(spec.lower(), OPTIMIZERS, name)
    return OPTIMIZERS[spec.lower()]()


SCHEDULES = ("constant", "inverse_time", "stepwise", "exponential")


class Schedule:
    """Learning rate per epoch (see the module docstring for the formulas).

    Parameters
    ----------
    learning_rate : float
        α₀ > 0.
    kind : {"constant", "inverse_time", "stepwise", "exponential"}
    decay : float, default=0.0
        The decay rate (for ``exponential``, the factor per epoch in (0, 1]).
    interval : int, default=1
        Epochs per step of ``stepwise`` (the course's ``time_interval``).
    """

    def __init__(
        self, learning_rate: float, kind: str = "constant", decay: float = 0.0, interval: int = 1
    ) -> None:
        self.learning_rate = check_positive_float(learning_rate, "learning_rate")
        self.kind = check_choice(kind, SCHEDULES, "lr_schedule")
        self.decay = check_nonneg_float(decay, "decay")
        self.interval = check_positive_int(interval, "decay_interval")
        if kind == "exponential" and not 0 < self.decay <= 1:
            raise ValueError(f"decay for the exponential schedule must be in (0, 1], got {decay}")

    def __call__(self, epoch: int) -> float:
        a0, k = self.learning_rate, self.decay
        if self.kind == "inverse_time":
            return a0 / (1.0 + k * epoch)
        if self.kind == "stepwise":
            return a0 / (1.0 + k * (epoch // self.interval))
        if self.kind == "exponential":
            return a0 * k**epoch
        return a0

    def config(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "kind": self.kind,
            "decay": self.decay,
            "interval": self.interval,
        }

    def __repr__(self) -> str:
        return f"Schedule({self.learning_rate!r}, {self.kind!r}, decay={self.decay!r})"
