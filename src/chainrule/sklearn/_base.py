"""The machinery :class:`NetClassifier` and :class:`NetRegressor` share: ``_BaseNet``.

From the parameters to a :class:`chainrule.Network` (``_build_network``), one ``fit`` or
``partial_fit`` (``_fit_body``: validation, sample and class weights, the validation split,
then :func:`chainrule.fit` on ``X.T``), and the forward pass on rows for the predictions.
The target handling is each estimator's (the hooks ``_check_targets``, ``_encode``,
``_output_spec``, ``_score_rows``).  The parameters are declared in
:mod:`chainrule.sklearn._params`.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from chainrule._typing import Array
from chainrule._validation import check_fraction
from chainrule.activations import get_activation
from chainrule.network import Network
from chainrule.optim import Optimizer, Schedule, get_optimizer
from chainrule.sklearn._params import HIDDEN_ACTIVATIONS, INITS, CommonParameters, Param
from chainrule.training import DivergenceWarning, History
from chainrule.training import fit as train_network

__all__ = ["ATTRIBUTES_DOC", "act_name"]

_CANONICAL_ACT = {"linear": "identity", "logistic": "sigmoid"}


def act_name(name: str) -> str:
    """An activation's chainrule name: "linear" -> "identity", "logistic" -> "sigmoid"."""
    return _CANONICAL_ACT.get(name, name)


class _BaseNet(CommonParameters, BaseEstimator):
    """Shared machinery of :class:`NetClassifier` and :class:`NetRegressor`.

    Not for direct use.  Subclasses define the target handling
    (``_check_targets``, ``_encode``, ``_output_spec``, ``_score_rows``).
    """

    _params: ClassVar[dict[str, Param]]
    _parameter_constraints: ClassVar[dict[str, list[Any]]]
    # declared, with their defaults, by each estimator
    output_activation: str
    loss: str

    # -- fitted parameters in scikit-learn's orientation ------------------------------------

    @property
    def coefs_(self) -> list[Array]:
        """Weight matrices, ``coefs_[l]`` of shape (n_in, n_out): views of ``network_.Ws[l].T``."""
        net = self._fitted_network()
        return [W.T for W in net.Ws]

    @property
    def intercepts_(self) -> list[Array]:
        """Bias vectors, ``intercepts_[l]`` of shape (n_out,): views of ``network_.bs[l][:, 0]``."""
        net = self._fitted_network()
        return [b[:, 0] for b in net.bs]

    def _fitted_network(self) -> Network:
        net = self.__dict__.get("network_")
        if net is None:
            raise AttributeError(
                f"This {type(self).__name__} instance is not fitted yet: it has no parameters; "
                "call 'fit' first"
            )
        return net

    # -- parameter resolution ---------------------------------------------------------------

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        out = []
        for i, n in enumerate(sizes):
            if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
                raise ValueError(
                    f"hidden_layer_sizes must hold positive integers, got {n!r} at position {i} "
                    f"of {self.hidden_layer_sizes!r}"
                )
            out.append(int(n))
        return out

    def _activation_spec(self, name: str) -> Any:
        """A hidden activation for Network: its name, or leaky_relu with its slope."""
        if name == "leaky_relu":
            return {"name": "leaky_relu", "alpha": float(self.negative_slope)}
        return name

    def _hidden_activations(self, n_hidden: int) -> list[str]:
        act = self.activation
        if isinstance(act, str):
            return [act_name(act)] * n_hidden
        names = list(act)
        if len(names) != n_hidden:
            raise ValueError(
                f"activation must be one name or one per hidden layer ({n_hidden}), "
                f"got {len(names)}: {act!r}"
            )
        for i, a in enumerate(names):
            if not isinstance(a, str) or a not in HIDDEN_ACTIVATIONS:
                raise ValueError(
                    f"activation[{i}] must be one of {sorted(HIDDEN_ACTIVATIONS)}, got {a!r}"
                )
        return [act_name(a) for a in names]

    def _dropout_rates(self, n_hidden: int) -> list[float]:
        d = self.dropout
        if isinstance(d, Real) and not isinstance(d, bool):
            return [check_fraction(d, "dropout")] * n_hidden
        rates = [check_fraction(r, f"dropout[{i}]") for i, r in enumerate(d)]
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout must be one rate or one per hidden layer ({n_hidden}), "
                f"got {len(rates)}: {d!r}"
            )
        return rates

    def _init_names(self) -> str | list[str]:
        init = self.init
        if isinstance(init, str):
            return init
        names = list(init)
        for i, name in enumerate(names):
            if not isinstance(name, str) or name not in INITS:
                raise ValueError(f"init[{i}] must be one of {sorted(INITS)}, got {name!r}")
        return names

    def _X_dtype(self, first: bool) -> Any:
        if not first:
            return self.network_.dtype.type
        if self.dtype in ("auto", None):
            return (np.float64, np.float32)
        return np.dtype(self.dtype).type

    def _make_optimizer(self) -> Optimizer:
        s = self.solver
        if s in ("momentum", "nesterov"):
            cfg: dict[str, Any] = {"name": s, "beta": self.momentum}
        elif s == "rmsprop":
            cfg = {"name": s, "beta": self.rho, "epsilon": self.epsilon}
        elif s == "adam":
            cfg = {"name": s, "beta1": self.beta_1, "beta2": self.beta_2, "epsilon": self.epsilon}
        else:
            cfg = {"name": "sgd"}
        opt = get_optimizer(cfg, "solver")
        # partial_fit runs one epoch per fit call and must continue Adam's moments and bias
        # correction from the previous call, as scikit-learn's MLP does: fit's init keeps them
        opt.keep_state = True
        return opt

    def _schedule(self) -> Schedule:
        if self.learning_rate == "exponential" and not 0 < self.lr_decay <= 1:
            raise ValueError(
                "lr_decay is the factor per epoch of learning_rate='exponential' and must be "
                f"in (0, 1], got {self.lr_decay!r}"
            )
        return Schedule(
            self.learning_rate_init, self.learning_rate, self.lr_decay, self.lr_decay_interval
        )

    def _patience(self) -> int:
        n = self.n_iter_no_change
        if isinstance(n, Real) and math.isinf(n):
            return self.max_iter + 1  # never reached: the cost is monitored, stopping is off
        return int(n)

    # -- hooks of the subclasses --------------------------------------------------------------

    def _check_targets(self, y: Any, first: bool, incremental: bool, classes: Any) -> Any:
        raise NotImplementedError

    def _class_sample_weight(self, y: Any, incremental: bool) -> Array | None:
        return None

    def _output_spec(self) -> tuple[int, str, str]:
        """(number of output units, output activation, loss) for the checked targets."""
        raise NotImplementedError

    def _encode(self, y: Any, dtype: np.dtype[Any]) -> Array:
        """Targets as the core wants them: shape (n[L], m), in the network's dtype."""
        raise NotImplementedError

    def _stratify(self, y: Any) -> Any:
        return None

    def _score_rows(self, X: Array, y: Any, sample_weight: Array | None) -> float:
        raise NotImplementedError

    def _describe_target(self) -> str:
        raise NotImplementedError

    # -- training -----------------------------------------------------------------------------

    def _build_network(self, n_features: int, dtype: Any, rs: np.random.RandomState) -> None:
        hidden = self._hidden_sizes()
        n_out, out_act, loss = self._output_spec()
        acts: list[Any] = [*self._hidden_activations(len(hidden)), out_act]
        acts = [self._activation_spec(a) for a in acts[:-1]] + [acts[-1]]
        rstate = self.random_state
        if isinstance(rstate, Integral) and not isinstance(rstate, bool):
            seed = int(rstate)  # random_state=s builds the same network as Network(..., seed=s)
        else:
            seed = int(rs.randint(np.iinfo(np.int32).max))
        self.network_ = Network(
            [n_features, *hidden, n_out],
            activations=acts,
            loss=loss,
            init=self._init_names(),
            seed=seed,
            dtype=dtype,
            l2=float(self.alpha),
            dropout=self._dropout_rates(len(hidden)),
        )
        net = self.network_
        self.n_outputs_ = n_out
        self.n_layers_ = len(net.layer_dims)
        self.out_activation_ = net.activations[-1].name
        self.loss_function_ = net.loss.name
        self.loss_curve_: list[float] = []
        self.validation_loss_curve_: list[float] | None = [] if self.early_stopping else None
        self.validation_scores_: list[float] | None = [] if self.early_stopping else None
        self.best_loss_: float | None = None if self.early_stopping else math.inf
        self.best_validation_loss_: float | None = None
        self.best_validation_score_: float | None = None
        self.t_ = 0
        self._n_epochs = 0
        self._optimizer = self._make_optimizer()
        if self.verbose:
            print(
                f"{type(self).__name__}: {self._describe_target()} -> {n_out} "
                f"{self.out_activation_} output unit(s), loss {self.loss_function_!r}; "
                f"network {net.layer_dims}, {net.dtype.name}"
            )

    def _check_continuation(self, n_features: int) -> None:
        net = self.network_
        hidden = self._hidden_sizes()
        n_out, out_act, loss = self._output_spec()
        want_dims = [n_features, *hidden, n_out]
        want_acts = [*self._hidden_activations(len(hidden)), out_act]
        have_acts = [a.name for a in net.activations]
        if want_dims != net.layer_dims or want_acts != have_acts or loss != net.loss.name:
            raise ValueError(
                "warm_start and partial_fit continue training the fitted network "
                f"(layers {net.layer_dims}, activations {have_acts}, loss {net.loss.name!r}), "
                f"but the current parameters and data ask for layers {want_dims}, activations "
                f"{want_acts}, loss {loss!r}; use warm_start=False to start afresh"
            )

    def _apply_settings(self) -> None:
        """alpha, dropout and the leaky slope may change between calls, as in scikit-learn.

        Applied to the fitted network just before training continues, once
        nothing can refuse the call any more.
        """
        net = self.network_
        net.l2 = float(self.alpha)
        net.dropout = self._dropout_rates(len(net.layer_dims) - 2)
        for l, g in enumerate(net.activations[:-1]):
            if g.name == "leaky_relu":
                net.activations[l] = get_activation(self._activation_spec(g.name))

    def _fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        *,
        incremental: bool,
        classes: Any = None,
    ) -> Any:
        """fit / partial_fit; a call refused before training leaves the estimator as it was.

        (Without that, a fit refused after the network was built -- e.g. by a
        validation split that cannot be made -- would leave an untrained
        network that predicts.)  Nothing is changed in place before training
        starts; an exception once it has started (an interrupt, a warning
        turned into an error) keeps what was trained, as scikit-learn does.
        """
        before = dict(self.__dict__)
        started = [False]
        try:
            return self._fit_body(
                X, y, sample_weight, incremental=incremental, classes=classes, started=started
            )
        except Exception:
            if not started[0]:
                self.__dict__.clear()
                self.__dict__.update(before)
            raise

    def _fit_body(
        self,
        X: Any,
        y: Any,
        sample_weight: Any,
        *,
        incremental: bool,
        classes: Any,
        started: list[bool],
    ) -> Any:
        if self.early_stopping and incremental:
            raise ValueError(
                "partial_fit does not support early_stopping=True (one epoch per call leaves "
                "nothing to stop); use fit, or early_stopping=False"
            )
        first = "network_" not in self.__dict__ or (not self.warm_start and not incremental)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=False,
            multi_output=True,
            y_numeric=not isinstance(self, ClassifierMixin),
            dtype=self._X_dtype(first),
            reset=first,
        )
        y = self._check_targets(y, first, incremental, classes)
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
        cw = self._class_sample_weight(y, incremental)
        if cw is not None:
            sw = cw.astype(X.dtype) if sw is None else sw * cw.astype(X.dtype)
        if sw is not None:
            keep = sw > 0
            if not keep.any():
                raise ValueError(
                    "sample weights (sample_weight times class_weight) are zero for every "
                    "sample; at least one weight must be non-zero"
                )
            if not keep.all():  # a zero weight is exactly the removal of the row
                X, y, sw = X[keep], y[keep], sw[keep]
            if np.all(sw == 1):
                sw = None

        rs = check_random_state(self.random_state)
        if first:
            self._build_network(X.shape[1], X.dtype, rs)
        else:
            self._check_continuation(X.shape[1])
        net = self.network_
        dt = net.dtype

        validation = None
        if self.early_stopping:
            m = X.shape[0]
            try:
                train_idx, val_idx = train_test_split(
                    np.arange(m),
                    test_size=self.validation_fraction,
                    random_state=rs,
                    stratify=self._stratify(y),
                )
            except ValueError as exc:  # e.g. fewer validation rows than classes
                raise ValueError(
                    "early_stopping could not split a stratified validation set of "
                    f"validation_fraction={self.validation_fraction} off {m} samples: {exc}. "
                    "Increase validation_fraction, give more samples per class, or set "
                    "early_stopping=False"
                ) from exc
            if val_idx.size < 2 or train_idx.size < 1:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} of {m} samples gives a "
                    f"validation set of {val_idx.size} and a training set of {train_idx.size}; "
                    "early stopping needs at least 2 validation samples: increase "
                    "validation_fraction or give more data"
                )
            train_idx, val_idx = np.sort(train_idx), np.sort(val_idx)
            X_val, y_val = X[val_idx], y[val_idx]
            sw_val = None if sw is None else sw[val_idx]
            X, y = X[train_idx], y[train_idx]
            sw = None if sw is None else sw[train_idx]
            validation = (X_val.T, self._encode(y_val, dt))
        Y = self._encode(y, dt)
        m = X.shape[0]

        if incremental:
            # one epoch at the schedule's current epoch; the optimizer state carries on
            epochs, lr, schedule, decay = 1, self._schedule()(self._n_epochs), "constant", 0.0
            optimizer = self._optimizer
        else:
            self._schedule()  # validate lr_decay before training
            epochs, lr = self.max_iter, self.learning_rate_init
            schedule, decay = self.learning_rate, self.lr_decay
            optimizer = self._optimizer = self._make_optimizer()
        if self.batch_size == "auto":
            batch_size: int | None = min(200, m)
        else:
            batch_size = self.batch_size

        scores: list[float] = []
        offset = self._n_epochs
        bar = isinstance(self.verbose, Integral) and int(self.verbose) >= 2  # tqdm, no lines
        verbose = bool(self.verbose) and not bar

        def callback(epoch: int, logs: dict[str, float]) -> None:
            line = f"Iteration {offset + epoch}, loss = {logs['cost']:.8f}"
            if validation is not None:
                score = self._score_rows(X_val, y_val, sw_val)
                scores.append(score)
                line += (
                    f", validation loss = {logs['val_cost']:.8f}, validation score = {score:.6f}"
                )
            if verbose:
                print(line)

        if not first:
            self._apply_settings()
        started[0] = True  # from here on, an exception keeps what was trained
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)  # re-issued below, with advice
            hist: History = train_network(
                net,
                X.T,  # the one transpose: rows (scikit-learn) -> columns (the course)
                Y,
                epochs=epochs,
                batch_size=batch_size,
                optimizer=optimizer,
                learning_rate=lr,
                lr_schedule=schedule,
                decay=decay,
                decay_interval=self.lr_decay_interval,
                shuffle=self.shuffle,
                validation_data=validation,
                early_stopping=not incremental,
                patience=self._patience(),
                min_delta=self.tol,
                # the best epoch's parameters, however training ended (as scikit-learn)
                restore_best=validation is not None,
                sample_weight=sw,
                l2_m=None if self.l2_m is None else float(self.l2_m),
                progress=bar,
                callback=callback,
            )

        n_iter = len(hist.epoch)
        self.history_ = hist
        self.n_iter_ = n_iter
        self._n_epochs += n_iter
        self.t_ += n_iter * m
        self.loss_curve_.extend(hist.train_cost)
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else math.nan
        if validation is not None:
            if self.validation_loss_curve_ is None or self.validation_scores_ is None:
                self.validation_loss_curve_, self.validation_scores_ = [], []  # warm start
            self.validation_loss_curve_.extend(hist.val_cost)
            self.validation_scores_.extend(scores)
            if hist.best_epoch is not None:
                self.best_validation_loss_ = hist.val_cost[hist.best_epoch - 1]
                self.best_validation_score_ = scores[hist.best_epoch - 1]
        elif hist.train_cost:
            prev = math.inf if self.best_loss_ is None else self.best_loss_
            self.best_loss_ = min(prev, *hist.train_cost)

        if hist.diverged:
            warnings.warn(
                f"{type(self).__name__}: {hist.message} Lower learning_rate_init or scale X "
                "and y (e.g. StandardScaler); the fitted attributes describe the kept parameters",
                DivergenceWarning,
                stacklevel=4,  # _fit <- fit <- _fit_context's wrapper <- the caller
            )
        elif not incremental and not hist.stopped_early and n_iter == self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,  # _fit <- fit <- _fit_context's wrapper <- the caller
            )
        if self.verbose and hist.stopped_early:
            print(hist.message)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """Fit the network to data X and targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, one example per **row** (transposed once for the core).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels (or a multilabel indicator matrix) for the
            classifier, real values for the regressor.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative example weights; weight k counts the example k times.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    # -- prediction internals -------------------------------------------------------------------

    def _forward_rows(self, X: Array) -> tuple[Array, Array]:
        """Z[L]ᵀ and A[L]ᵀ, each of shape (n_samples, n[L]), for validated rows X."""
        AL, caches = self.network_.forward_with_cache(X.T)
        return caches[-1].Z.T, AL.T

    def _output(self, X: Any) -> tuple[Array, Array]:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=False, dtype=self.network_.dtype.type)
        return self._forward_rows(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags


ATTRIBUTES_DOC = """
    network_ : chainrule.Network
        The trained network (examples as columns; ``network_.save(path)``
        writes a pickle-free model file).
    coefs_ : list of ndarray
        ``coefs_[l]`` of shape (n_in, n_out) = ``network_.Ws[l].T`` (a view).
    intercepts_ : list of ndarray
        ``intercepts_[l]`` of shape (n_out,) = ``network_.bs[l][:, 0]`` (a view).
    out_activation_ : str
        Output activation used ("sigmoid", "softmax", "identity", ...).
    loss_function_ : str
        The loss the network minimises ("binary_crossentropy",
        "categorical_crossentropy" or "squared_error").
    loss_ : float
        The training cost of the last epoch (scikit-learn's meaning).
    loss_curve_ : list of float
        Training cost per epoch (over every fit/partial_fit call since the
        network was built), L2 term included.
    validation_loss_curve_ : list of float or None
        Validation cost per epoch with ``early_stopping`` (else None).
    validation_scores_ : list of float or None
        Validation score (accuracy / R²) per epoch with ``early_stopping``.
    best_loss_ : float or None
        Lowest training cost (None with ``early_stopping``, as in scikit-learn).
    best_validation_loss_, best_validation_score_ : float or None
        Validation cost and score of the kept (best) epoch.
    n_iter_ : int
        Epochs run by the last call.
    t_ : int
        Training samples seen (epochs × samples).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    history_ : chainrule.History
        The last call's learning curves and how it ended.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X had string column names.
"""
