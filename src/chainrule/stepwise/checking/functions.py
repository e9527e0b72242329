"""The course functions that can be checked: reference, mutable variant, output names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chainrule.stepwise import deep_network as dn
from chainrule.stepwise import gradient_checking as gc
from chainrule.stepwise import optimization as opt
from chainrule.stepwise import regularization as reg
from chainrule.stepwise.checking.pieces import (
    _v_adam,
    _v_backward_with_dropout,
    _v_backward_with_regularization,
    _v_compute_cost,
    _v_compute_cost_with_regularization,
    _v_forward_with_dropout,
    _v_gradient_check_n,
    _v_L_model_backward,
    _v_L_model_forward,
    _v_linear_activation_backward,
    _v_linear_backward,
    _v_momentum,
    _v_update_parameters,
)

# families of course functions, by the name the catalogue and the cases refer to them
_LINEAR_BWD = ("linear_backward", "linear_activation_backward", "L_model_backward")
_COURSE2_BWD = ("backward_propagation_with_regularization", "backward_propagation_with_dropout")
_ALL_BWD = (*_LINEAR_BWD, *_COURSE2_BWD)
_UPDATES = ("update_parameters", "update_parameters_with_momentum", "update_parameters_with_adam")


@dataclass(frozen=True)
class _Spec:
    reference: Callable[..., Any]
    variant: Callable[..., Any] | None  # the reference written from PIECES (None: no mistakes)
    outputs: tuple[str, ...]  # names of the returned values
    rtol: float | None = None  # None: √ε of the dtypes
    min_outputs: int | None = None  # Adam: the older notebook returns (parameters, v, s)


FUNCTIONS: dict[str, _Spec] = {
    "initialize_parameters_deep": _Spec(dn.initialize_parameters_deep, None, ("parameters",)),
    "linear_forward": _Spec(dn.linear_forward, None, ("Z", "cache")),
    "linear_activation_forward": _Spec(dn.linear_activation_forward, None, ("A", "cache")),
    "L_model_forward": _Spec(dn.L_model_forward, _v_L_model_forward, ("AL", "caches")),
    "compute_cost": _Spec(dn.compute_cost, _v_compute_cost, ("cost",)),
    "linear_backward": _Spec(dn.linear_backward, _v_linear_backward, ("dA_prev", "dW", "db")),
    "linear_activation_backward": _Spec(
        dn.linear_activation_backward, _v_linear_activation_backward, ("dA_prev", "dW", "db")
    ),
    "L_model_backward": _Spec(dn.L_model_backward, _v_L_model_backward, ("grads",)),
    "update_parameters": _Spec(dn.update_parameters, _v_update_parameters, ("parameters",)),
    "compute_cost_with_regularization": _Spec(
        reg.compute_cost_with_regularization, _v_compute_cost_with_regularization, ("cost",)
    ),
    "backward_propagation_with_regularization": _Spec(
        reg.backward_propagation_with_regularization, _v_backward_with_regularization, ("grads",)
    ),
    "forward_propagation_with_dropout": _Spec(
        reg.forward_propagation_with_dropout, _v_forward_with_dropout, ("A3", "cache")
    ),
    "backward_propagation_with_dropout": _Spec(
        reg.backward_propagation_with_dropout, _v_backward_with_dropout, ("grads",)
    ),
    "update_parameters_with_momentum": _Spec(
        opt.update_parameters_with_momentum, _v_momentum, ("parameters", "v")
    ),
    "update_parameters_with_adam": _Spec(
        opt.update_parameters_with_adam,
        _v_adam,
        ("parameters", "v", "s", "v_corrected", "s_corrected"),
        min_outputs=3,
    ),
    "gradient_check_n": _Spec(gc.gradient_check_n, _v_gradient_check_n, ("difference",), 1e-5),
}
"""The course functions :func:`check` knows, by the course's name."""
