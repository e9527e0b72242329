"""``NetRegressor``: single- and multi-output regression, scikit-learn's ``MLPRegressor``.

The targets are the network's output as they are (one unit per target column, squared
error L = ½ Σₖ (aₖ − yₖ)²); ``predict`` returns A[L]ᵀ, 1-D when ``fit`` got a 1-D y.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions

from chainrule._typing import Array
from chainrule.sklearn._base import ATTRIBUTES_DOC, _BaseNet, act_name
from chainrule.sklearn._params import param, parameters, store_parameters

__all__ = ["NetRegressor"]


@parameters
class NetRegressor(RegressorMixin, _BaseNet):
    __doc__ = f"""Neural-network regressor trained by chainrule (single- and multi-output).

    A drop-in for scikit-learn's ``MLPRegressor`` with dropout, more
    optimizers, schedules, initialisers, a validation-loss curve and float32
    training.  The loss is L = ½ Σₖ (aₖ − yₖ)² per example (summed over the
    outputs; scikit-learn *reports* the mean over outputs but its gradient is
    the same as here).

    Parameters
    ----------
    {{parameters}}

    Attributes
    ----------
    {ATTRIBUTES_DOC.strip()}

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.sklearn import NetRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5])
    >>> reg = NetRegressor(hidden_layer_sizes=(), solver="sgd", batch_size=None, alpha=0.0,
    ...                    learning_rate_init=0.1, max_iter=300, tol=1e-12,
    ...                    random_state=0).fit(X, y)
    >>> reg.predict(X).shape, reg.coefs_[0].shape
    ((200,), (3, 1))
    >>> np.round(reg.coefs_[0][:, 0], 2)
    array([ 1. , -2. ,  0.5])
    """

    output_activation: str = param(
        "identity",
        [StrOptions({"identity", "linear", "sigmoid", "logistic", "tanh", "relu", "leaky_relu"})],
        "str",
        """
        Output activation: "identity" (= "linear"), or "sigmoid", "tanh",
        "relu", "leaky_relu" for bounded / non-negative targets.
        """,
    )
    loss: str = param(
        "squared_error",
        [StrOptions({"squared_error"})],
        '{"squared_error"}',
        "The loss (stated in ``loss_function_``).",
    )

    # scikit-learn reads the parameters from this signature and wants each stored unchanged
    # (store_parameters, driven by the table); the declarations above and in CommonParameters
    # state them (with their constraints and docs), and tests/test_sklearn_params.py checks
    # that the signature and the table agree
    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        l2_m: Any = None,
        negative_slope: float = 0.01,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        lr_decay: float = 0.0,
        lr_decay_interval: int = 1,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: Any = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        rho: float = 0.9,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: Any = 10,
        dropout: Any = 0.0,
        init: Any = "auto",
        dtype: Any = "auto",
        output_activation: str = "identity",
        loss: str = "squared_error",
    ) -> None:
        store_parameters(self, locals())

    def _check_targets(self, y: Any, first: bool, incremental: bool, classes: Any) -> Any:
        y = np.asarray(y)
        k = 1 if y.ndim == 1 else y.shape[1]
        if first:
            self._y_2d = y.ndim == 2
            self._n_targets = k
        elif k != self._n_targets:
            raise ValueError(
                f"y has {k} output(s) but the network was fitted with {self._n_targets}; "
                "use warm_start=False to refit"
            )
        return y

    def _output_spec(self) -> tuple[int, str, str]:
        return self._n_targets, act_name(self.output_activation), self.loss

    def _encode(self, y: Any, dtype: np.dtype[Any]) -> Array:
        m = y.shape[0]
        return np.asarray(y, dtype=dtype).reshape(m, -1).T  # (n_outputs, m), column-major

    def _describe_target(self) -> str:
        return f"regression target with {self._n_targets} output(s)"

    def _predict_rows(self, A: Array) -> Array:
        return A if self._y_2d else A[:, 0]

    def _score_rows(self, X: Array, y: Any, sample_weight: Array | None) -> float:
        _, A = self._forward_rows(X)
        return float(r2_score(y, self._predict_rows(A), sample_weight=sample_weight))

    def predict(self, X: Any) -> Array:
        """Predict targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when ``fit`` got a 1-D y; float32 for a float32 network.
        """
        _, A = self._output(X)
        return np.ascontiguousarray(self._predict_rows(A))

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> NetRegressor:
        """One epoch over (X, y), continuing the network and the optimizer's state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : NetRegressor
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
