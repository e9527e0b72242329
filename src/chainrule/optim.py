r"""Optimizers and learning-rate schedules.

Each optimizer updates the flat parameter vector θ (W[1], b[1], ..., W[L],
b[L] in one array, :attr:`chainrule.Network.theta`) **in place** from the
gradient g = ∂J/∂θ in the same layout, and keeps its state as a NamedTuple
(``AdamState(t, m, v)``, ...) whose arrays share that layout and dtype.  The
updates are elementwise, so one call covers every parameter; compiled
versions of the SGD and Adam updates (:mod:`chainrule._kernels`) plug in for
these methods when numba is installed and compute the same numbers.

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
from typing import Any, NamedTuple

import numpy as np

from chainrule import _xp
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
    "AdamState",
    "Momentum",
    "MomentumState",
    "Nesterov",
    "Optimizer",
    "RMSprop",
    "RMSpropState",
    "SGDState",
    "Schedule",
    "get_optimizer",
]


# -- named optimizer state: one NamedTuple per optimizer, arrays laid out as θ ---------------


class SGDState(NamedTuple):
    """Plain gradient descent keeps only the step count t."""

    t: int


class MomentumState(NamedTuple):
    """Momentum and Nesterov: t and the velocity v (shape of θ)."""

    t: int
    v: Array


class RMSpropState(NamedTuple):
    """RMSprop: t and the running mean of squared gradients s (shape of θ)."""

    t: int
    s: Array


class AdamState(NamedTuple):
    """Adam: t and the first and second moment estimates m, v (shape of θ)."""

    t: int
    m: Array
    v: Array


class Optimizer:
    """Base class: an update rule for the flat parameter vector θ.

    θ is one contiguous array holding W[1], b[1], ..., W[L], b[L] (the
    layout of :attr:`chainrule.Network.theta`), and the gradient g = ∂J/∂θ
    has the same layout, so one update covers every parameter.  The state is
    a NamedTuple (``AdamState(t, m, v)``, ...) whose arrays have that layout
    too.  Subclasses implement :meth:`init_state` and :meth:`update`.

    Attributes
    ----------
    state : NamedTuple or None
        The state after the last step (None before the first).
    keep_state : bool
        When True, :meth:`init` keeps an existing state that fits θ (same
        shape and dtype, t included), so that a new ``fit`` continues the
        previous one's optimizer (``partial_fit``) instead of restarting it.
        It is meant for continuing the *same* network, which the caller
        ensures (the scikit-learn estimators check the architecture first).
        ``fit`` discards the state when training diverges.
    """

    name = ""
    keep_state = False  # class defaults, for subclasses that skip __init__
    state: Any = None
    _checked: Any = None  # the θ that advance() last checked the state against
    _last: Any = None  # the state advance() left

    def __init__(self) -> None:
        self.state = None
        self.keep_state = False

    # -- what a subclass implements --------------------------------------------------------

    def init_state(self, theta: Array) -> Any:
        """The zero state for parameters θ of shape (n,) (default: only t)."""
        return SGDState(t=0)

    def update(self, state: Any, theta: Array, g: Array, lr: Any) -> None:
        """Update θ (and the state's arrays) in place; ``state.t`` is this step's t ≥ 1.

        ``lr`` is the learning rate α in θ's dtype.
        """
        raise NotImplementedError

    # -- driving it ------------------------------------------------------------------------

    @property
    def t(self) -> int:
        """Steps taken since the state was initialised."""
        return 0 if self.state is None else int(self.state.t)

    def fits(self, theta: Array) -> bool:
        """Whether the current state belongs to parameters of θ's shape and dtype."""
        state = self.state
        if state is None:
            return False
        # every array of a state has θ's layout: looking at the first one answers for all
        for a in state[1:]:
            if type(a) is np.ndarray and type(theta) is np.ndarray:  # (every step: fast)
                return a.shape == theta.shape and a.dtype == theta.dtype
            if hasattr(a, "dtype"):  # another array library: on θ's device too
                return (
                    _xp.is_numpy(a) == _xp.is_numpy(theta)
                    and a.shape == theta.shape
                    and a.dtype == theta.dtype
                    and _xp.device(a) == _xp.device(theta)
                )
        return True

    def init(self, theta: Array) -> None:
        """Start from the zero state for θ (with :attr:`keep_state`: keep a state that fits)."""
        if not (self.keep_state and self.fits(theta)):
            self.state = self.init_state(theta)

    def reset(self) -> None:
        """Forget the state (the next step starts from zero)."""
        self.state = None

    def step(self, theta: Array, g: Array, lr: float) -> None:
        """Apply one update in place.

        Parameters
        ----------
        theta : ndarray of shape (n,)
            The parameters (any fixed layout).
        g : ndarray of shape (n,)
            ∂J/∂θ in the same layout.
        lr : float
            This step's learning rate α.
        """
        self.update(self.advance(theta), theta, g, _xp.scalar(theta, lr))

    def advance(self, theta: Array) -> Any:
        """Count one more step for parameters θ and return the state it runs with.

        Starts from the zero state when the current one does not fit θ; then
        t ← t + 1.  (:meth:`step` calls it; so does a compiled update.)
        """
        state = self.state
        if theta is not self._checked or state is not self._last:
            # checked only for a new θ object or a state set from outside (init, reset, a
            # NamedTuple assigned): a state this method left, for the same θ, still fits
            if not self.fits(theta):
                self.init(theta)
            state = self.state
            self._checked = theta
        # t ← t + 1 (tuple.__new__: the NamedTuple without its Python-level __new__)
        self.state = self._last = state = tuple.__new__(type(state), (state[0] + 1, *state[1:]))
        return state

    def config(self) -> dict[str, Any]:
        """Hyper-parameters (JSON-able)."""
        return {"name": self.name}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Plain gradient descent: θ ← θ − α g."""

    name = "sgd"

    def update(self, state: Any, theta: Array, g: Array, lr: Any) -> None:
        theta -= lr * g


class Momentum(Optimizer):
    """v ← β v + (1 − β) g;  θ ← θ − α v (the course's form)."""

    name = "momentum"

    def __init__(self, beta: float = 0.9) -> None:
        super().__init__()
        self.beta = check_fraction(beta, "beta")

    def init_state(self, theta: Array) -> MomentumState:
        xp, _ = _xp.namespace(theta)
        return MomentumState(t=0, v=xp.zeros_like(theta))

    def update(self, state: MomentumState, theta: Array, g: Array, lr: Any) -> None:
        v = state.v
        b = _xp.scalar(theta, self.beta)
        v *= b
        v += (1 - b) * g
        theta -= lr * v

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "beta": self.beta}


class Nesterov(Momentum):
    """v ← β v + (1 − β) g;  θ ← θ − α (β v + (1 − β) g)."""

    name = "nesterov"

    def update(self, state: MomentumState, theta: Array, g: Array, lr: Any) -> None:
        v = state.v
        b = _xp.scalar(theta, self.beta)
        v *= b
        v += (1 - b) * g
        theta -= lr * (b * v + (1 - b) * g)


class RMSprop(Optimizer):
    """s ← β s + (1 − β) g²;  θ ← θ − α g / (√s + ε)."""

    name = "rmsprop"

    def __init__(self, beta: float = 0.9, epsilon: float = 1e-8) -> None:
        super().__init__()
        self.beta = check_fraction(beta, "beta")
        self.epsilon = check_positive_float(epsilon, "epsilon")

    def init_state(self, theta: Array) -> RMSpropState:
        xp, _ = _xp.namespace(theta)
        return RMSpropState(t=0, s=xp.zeros_like(theta))

    def update(self, state: RMSpropState, theta: Array, g: Array, lr: Any) -> None:
        xp, _ = _xp.namespace(theta)
        sq = state.s
        b = _xp.scalar(theta, self.beta)
        sq *= b
        sq += (1 - b) * (g * g)
        denom = xp.sqrt(sq)
        denom += _xp.scalar(theta, self.epsilon)
        theta -= lr * g / denom

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
        self._tmp: Array | None = None  # scratch of θ's shape (not state: it carries nothing)

    def init_state(self, theta: Array) -> AdamState:
        xp, _ = _xp.namespace(theta)
        return AdamState(t=0, m=xp.zeros_like(theta), v=xp.zeros_like(theta))

    def constants(self, dt: Any) -> tuple[Any, Any, Any, Any]:
        """β₂, 1 − β₁, 1 − β₂ and ε in the parameters' dtype ``dt`` (cached: they cost per step).

        ``dt`` is a NumPy scalar type, or ``float`` for another array library
        (:func:`chainrule._xp.scalar`).
        """
        key = (dt, self.beta1, self.beta2, self.epsilon)
        cache: dict[Any, tuple[Any, Any, Any, Any]] = self.__dict__.setdefault("_cache", {})
        c = cache.get(key)
        if c is None:
            b1, b2 = dt(self.beta1), dt(self.beta2)
            c = (b2, 1 - b1, 1 - b2, dt(self.epsilon))
            cache.clear()
            cache[key] = c
        return c

    def corrections(self, t: int) -> tuple[float, float]:
        """The bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ of step t."""
        return 1.0 - self.beta1**t, 1.0 - self.beta2**t

    def update(self, state: AdamState, theta: Array, g: Array, lr: Any) -> None:
        m, v = state.m, state.v
        xp, is_np = _xp.namespace(theta)
        tmp = getattr(self, "_tmp", None)  # NumPy's scratch; other libraries allocate
        if is_np and (tmp is None or tmp.shape != theta.shape or tmp.dtype != theta.dtype):
            tmp = self._tmp = np.empty_like(theta)
        out = tmp if is_np else None
        dt = theta.dtype.type if is_np else float
        b2, one_minus_b1, one_minus_b2, eps = self.constants(dt)
        # m ← β₁ m + (1 − β₁) g  written as m += (1 − β₁)(g − m)
        tmp = xp.subtract(g, m, out=out)
        tmp *= one_minus_b1
        m += tmp
        # v ← β₂ v + (1 − β₂) g²
        tmp = xp.multiply(g, g, out=out)
        tmp *= one_minus_b2
        v *= b2
        v += tmp
        # θ ← θ − α m̂ / (√v̂ + ε),  m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ)
        c1, c2 = self.corrections(state.t)
        tmp = xp.sqrt(v, out=out)
        tmp *= dt(1.0 / math.sqrt(c2))  # √v̂
        tmp += eps
        tmp = xp.divide(m, tmp, out=out)
        tmp *= lr / dt(c1)
        theta -= tmp

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
