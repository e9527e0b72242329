r"""scikit-learn estimators over the chainrule core: :class:`NetClassifier`, :class:`NetRegressor`.

Drop-in counterparts of scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` that
train a :class:`chainrule.Network` with :func:`chainrule.fit`, and add what the
scikit-learn module lacks: dropout, class weights, RMSprop / momentum /
Nesterov, a validation-*loss* curve, a choice of initialiser, an explicit
output activation and loss (inferred from the target when ``"auto"`` and then
*stated*), float32 training and learning-rate schedules for every optimizer.

Orientation: the one place chainrule transposes
-----------------------------------------------
scikit-learn passes examples as **rows**: ``X`` has shape (n_samples,
n_features).  The core keeps the course's layout, examples as **columns**:
``X`` of shape (n[0], m).  These estimators hand ``X.T`` to the core (a view,
no copy: a C-ordered ``X`` is exactly the column-major layout that mini-batch
gathering wants), once per call of ``fit``/``partial_fit``/``predict``.  The
fitted attributes follow scikit-learn:

* ``coefs_[l]`` has shape (n_in, n_out): it is ``network_.Ws[l].T``, a view,
  so ``X @ coefs_[0] + intercepts_[0]`` is Z[1]ᵀ;
* ``intercepts_[l]`` has shape (n_out,): it is ``network_.bs[l][:, 0]``.

The L2 penalty ``alpha``
------------------------
scikit-learn's MLP minimises, per mini-batch of m examples (m = Σ wᵢ with
sample weights),

    J = (1/m) Σᵢ L⁽ⁱ⁾ + (alpha / 2m) Σₗ ‖W[l]‖²_F

and chainrule's ``Network(l2=λ)`` minimises the course's
J = (1/m) Σᵢ L⁽ⁱ⁾ + (λ/2m) Σₗ ‖W[l]‖²_F with the same m (the batch size, Σ wᵢ
with weights).  So ``alpha`` *is* λ: ``network_.l2 == alpha``, and the
gradients of the two libraries agree term by term (the test suite checks one
SGD step against ``MLPClassifier``/``MLPRegressor`` on identical weights).
Biases are not penalised in either library.

Stopping, validation and divergence
-----------------------------------
* ``tol`` / ``n_iter_no_change``: training stops when the monitored cost has
  not improved by more than ``tol`` for ``n_iter_no_change`` consecutive
  epochs (the training cost; the validation cost with ``early_stopping``),
  via ``fit(early_stopping=True, patience=n_iter_no_change, min_delta=tol)``.
  Running out of ``max_iter`` first emits a ``ConvergenceWarning``, as in
  scikit-learn.
* ``early_stopping=True`` holds out ``validation_fraction`` of the training
  rows (stratified for single-label classification, seeded by
  ``random_state``), records the validation cost (``validation_loss_curve_``)
  and score (``validation_scores_``: accuracy or R², sample-weighted) per
  epoch, monitors the validation **cost** (smooth, and what the network
  minimises; scikit-learn monitors the score) and ends with the parameters of
  the best epoch.
* A non-finite cost (divergence) stops training; the last finite parameters
  are kept and a :class:`chainrule.DivergenceWarning` (a ``RuntimeWarning``)
  says so and suggests a smaller ``learning_rate_init``.  (scikit-learn raises
  ``ValueError`` for non-finite weights; here the weights are never non-finite.)

Sample and class weights
------------------------
A weight wᵢ counts example i wᵢ times: J = Σ wᵢ Lᵢ / Σ wᵢ, and the L2 term's m
becomes Σ wᵢ (scikit-learn's convention).  ``class_weight`` ("balanced" or a
dict, as in scikit-learn) multiplies into ``sample_weight``.  Rows whose
combined weight is zero are dropped before training, so a zero weight is
*exactly* the same as removing the row (mini-batches included).
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from chainrule._typing import Array
from chainrule._validation import check_fraction
from chainrule.activations import get_activation, log_softmax
from chainrule.head import OutputHead, class_indices, decide, encode_labels, multilabel_error
from chainrule.initializers import INITIALIZERS
from chainrule.network import Network
from chainrule.optim import SCHEDULES, Optimizer, Schedule, get_optimizer
from chainrule.training import DivergenceWarning, History
from chainrule.training import fit as train_network

__all__ = ["NetClassifier", "NetRegressor"]

_HIDDEN_ACTIVATIONS = {"identity", "linear", "logistic", "sigmoid", "tanh", "relu", "leaky_relu"}
"""Hidden-layer activation names: scikit-learn's four plus chainrule's own and aliases."""

_CANONICAL_ACT = {"linear": "identity", "logistic": "sigmoid"}

_SOLVERS = {"sgd", "momentum", "nesterov", "rmsprop", "adam"}

_INITS = set(INITIALIZERS) | {"auto"}

_DTYPES = {"auto", "float64", "float32"}


def _act_name(name: str) -> str:
    return _CANONICAL_ACT.get(name, name)


class _BaseNet(BaseEstimator):
    """Shared machinery of :class:`NetClassifier` and :class:`NetRegressor`.

    Not for direct use.  Subclasses define the target handling
    (``_check_targets``, ``_encode``, ``_output_spec``, ``_score_rows``).
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(_HIDDEN_ACTIVATIONS), "array-like"],
        "solver": [StrOptions(_SOLVERS)],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l2_m": [Interval(Real, 0, None, closed="neither"), None],
        "negative_slope": [Interval(Real, 0, 1, closed="both")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "lr_decay": [Interval(Real, 0, None, closed="left")],
        "lr_decay_interval": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "init": [StrOptions(_INITS), "array-like"],
        "dtype": [
            StrOptions(_DTYPES),
            Options(type, {np.float32, np.float64}),
            Options(np.dtype, {np.dtype(np.float32), np.dtype(np.float64)}),
        ],
    }

    # Set by the subclasses' __init__ (listed here for mypy).
    hidden_layer_sizes: Any
    activation: Any
    solver: str
    alpha: float
    l2_m: Any
    negative_slope: float
    batch_size: Any
    learning_rate: str
    learning_rate_init: float
    lr_decay: float
    lr_decay_interval: int
    max_iter: int
    shuffle: bool
    random_state: Any
    tol: float
    verbose: Any
    warm_start: bool
    momentum: float
    rho: float
    beta_1: float
    beta_2: float
    epsilon: float
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: Any
    dropout: Any
    init: Any
    dtype: Any
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
            return [_act_name(act)] * n_hidden
        names = list(act)
        if len(names) != n_hidden:
            raise ValueError(
                f"activation must be one name or one per hidden layer ({n_hidden}), "
                f"got {len(names)}: {act!r}"
            )
        for i, a in enumerate(names):
            if not isinstance(a, str) or a not in _HIDDEN_ACTIVATIONS:
                raise ValueError(
                    f"activation[{i}] must be one of {sorted(_HIDDEN_ACTIVATIONS)}, got {a!r}"
                )
        return [_act_name(a) for a in names]

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
            if not isinstance(name, str) or name not in _INITS:
                raise ValueError(f"init[{i}] must be one of {sorted(_INITS)}, got {name!r}")
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


_COMMON_PARAMS_DOC = """
    hidden_layer_sizes : array-like of int, default=(100,)
        Units per hidden layer (``()`` for no hidden layer).  The network's
        ``layer_dims`` is ``[n_features_in_, *hidden_layer_sizes, n_outputs_]``.
    activation : str or list of str, default="relu"
        Hidden activation: "relu", "tanh", "logistic" (= "sigmoid"),
        "identity" (= "linear") or "leaky_relu"; a list gives one per hidden layer.
    solver : {"adam", "sgd", "momentum", "nesterov", "rmsprop"}, default="adam"
        chainrule's optimizers (:mod:`chainrule.optim`).  "sgd" is *plain*
        gradient descent (scikit-learn's "sgd" adds Nesterov momentum: use
        "nesterov").  Momentum here is the course's exponential average
        v ← βv + (1 − β)g, so α keeps its meaning.
    alpha : float, default=0.0001
        L2 penalty λ: J = (1/m) Σ L + (alpha/2m) Σ‖W‖², as in scikit-learn.
    l2_m : float or None, default=None
        The m of the penalty's alpha/2m (and of the gradient's (alpha/m) W):
        None is each mini-batch's own size (scikit-learn's and the course's
        convention); a number n puts alpha/n in every batch, Nielsen's λ/n
        with n the training-set size (``chainrule.fit``'s ``l2_m``).
    negative_slope : float, default=0.01
        The slope α of "leaky_relu" hidden layers for z ≤ 0,
        leaky_relu(z) = max(z, αz), in [0, 1] (ignored by other activations).
    batch_size : int, "auto" or None, default="auto"
        Mini-batch size; "auto" is min(200, n_samples) as in scikit-learn,
        None is full-batch gradient descent (the course's).
    learning_rate : {"constant", "inverse_time", "stepwise", "exponential"}, default="constant"
        Learning-rate schedule over epochs (:class:`chainrule.optim.Schedule`),
        applied to every solver.
    learning_rate_init : float, default=0.001
        α₀.
    lr_decay : float, default=0.0
        The schedule's decay rate (for "exponential", the factor per epoch in (0, 1]).
    lr_decay_interval : int, default=1
        Epochs per step of the "stepwise" schedule.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Reshuffle the examples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffling, dropout and the validation
        split.  ``random_state=s`` (an int) builds the same initial network as
        ``chainrule.Network(..., seed=s)``; the same ``random_state`` gives
        identical results.
    tol : float, default=1e-4
        Minimum improvement of the monitored cost (see ``n_iter_no_change``).
    verbose : bool or int, default=False
        1/True: print the inferred output and loss, then one line per epoch
        (loss, validation loss and score); 2: a tqdm progress bar instead of the
        per-epoch lines.
    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit``.
    momentum : float, default=0.9
        β of the "momentum" and "nesterov" solvers.
    rho : float, default=0.9
        β of the "rmsprop" solver (decay of the squared-gradient average).
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's β₁, β₂.
    epsilon : float, default=1e-8
        ε of Adam and RMSprop.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, monitor its cost, stop
        when it stalls and keep the best epoch's parameters.
    validation_fraction : float, default=0.1
        Fraction held out with ``early_stopping``.
    n_iter_no_change : int or np.inf, default=10
        Stop after this many epochs without an improvement of more than
        ``tol`` of the monitored cost (training cost; validation cost with
        ``early_stopping``).  ``np.inf`` never stops early.
    dropout : float or list of float, default=0.0
        Inverted-dropout drop rate of the hidden layers' outputs during
        training (one rate, or one per hidden layer).
    init : str or list of str, default="auto"
        Weight initialiser (:mod:`chainrule.initializers`): "auto" (He for
        ReLU layers, Glorot-uniform otherwise), "he", "glorot_uniform",
        "glorot_normal", "lecun", "xavier", ...; or one name per layer.
    dtype : {"auto", "float64", "float32"}, default="auto"
        Precision of the network; "auto" trains in float32 when X is float32,
        else float64.
"""

_COMMON_ATTRS_DOC = """
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


class NetClassifier(ClassifierMixin, _BaseNet):
    __doc__ = f"""Neural-network classifier trained by chainrule (binary, multiclass, multilabel).

    A drop-in for scikit-learn's ``MLPClassifier`` that adds dropout, class
    weights, RMSprop / momentum / Nesterov, a validation-loss curve, a choice
    of initialiser, float32 training, and an explicit output and loss.

    Parameters
    ----------
    {_COMMON_PARAMS_DOC.strip()}
    output_activation : {{"auto", "sigmoid", "softmax"}}, default="auto"
        "auto": softmax for multiclass targets, sigmoid for binary (one unit)
        and multilabel targets.  "sigmoid" on a multiclass target trains one
        sigmoid unit per class (one-vs-rest; probabilities are normalised);
        "softmax" on a binary target uses two units.  The choice is stated in
        ``out_activation_`` (and printed with ``verbose``).
    loss : {{"auto", "binary_crossentropy", "categorical_crossentropy", \
"squared_error"}}, default="auto"
        "auto": cross-entropy matching the output (binary for sigmoid,
        categorical for softmax).  Stated in ``loss_function_``.
    class_weight : dict, list of dict, "balanced" or None, default=None
        Weights per class, multiplied into ``sample_weight`` (scikit-learn's
        convention; a list of dicts, one per label, for multilabel targets).
        "balanced" is n_samples / (n_classes · count(class)).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``arange(n_labels)`` for a multilabel indicator target).
    {_COMMON_ATTRS_DOC.strip()}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from chainrule.sklearn import NetClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = NetClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                     max_iter=300, random_state=0).fit(X, y)
    >>> clf.out_activation_, clf.loss_function_
    ('softmax', 'categorical_crossentropy')
    >>> [c.shape for c in clf.coefs_]
    [(4, 16), (16, 3)]
    >>> clf.score(X, y) > 0.95
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_BaseNet._parameter_constraints,
        "output_activation": [StrOptions({"auto", "sigmoid", "logistic", "softmax"})],
        "loss": [
            StrOptions({"auto", "binary_crossentropy", "categorical_crossentropy", "squared_error"})
        ],
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
    }

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
        output_activation: str = "auto",
        loss: str = "auto",
        class_weight: Any = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.l2_m = l2_m
        self.negative_slope = negative_slope
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.lr_decay = lr_decay
        self.lr_decay_interval = lr_decay_interval
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.rho = rho
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout
        self.init = init
        self.dtype = dtype
        self.output_activation = output_activation
        self.loss = loss
        self.class_weight = class_weight

    # -- targets ------------------------------------------------------------------------------

    def _check_targets(self, y: Any, first: bool, incremental: bool, classes: Any) -> Any:
        if sp.issparse(y):
            y = y.toarray()
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y")
        if kind not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                f"{type(self).__name__} supports binary, multiclass and multilabel-indicator "
                f"targets; got a {kind!r} target of shape {y.shape} (for several multiclass "
                "outputs use sklearn.multioutput.MultiOutputClassifier)"
            )
        multilabel = kind == "multilabel-indicator"
        if multilabel:
            bad = ~np.isin(y, (0, 1))
            if bad.any():
                raise ValueError(
                    "a multilabel y must be a 0/1 indicator matrix, found values "
                    f"{np.unique(y[bad])[:5].tolist()}"
                )
        if first:
            if multilabel:
                found = np.arange(y.shape[1])
                if (
                    incremental
                    and classes is not None
                    and not np.array_equal(unique_labels(classes), found)
                ):
                    raise ValueError(
                        f"classes={classes!r} does not match the {y.shape[1]} columns of "
                        f"the multilabel y (expected {found.tolist()})"
                    )
            elif incremental:
                if classes is None:
                    raise ValueError("classes must be passed on the first call to partial_fit.")
                found = unique_labels(classes)
                self._check_known(y, found)
            else:
                found = unique_labels(y)
            if not multilabel and len(found) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"but the data contains only one class: {found[:1].tolist()[0]!r}"
                )
            self.classes_ = found
            self._multilabel = multilabel
            return y

        if multilabel != self._multilabel:
            was = "multilabel" if self._multilabel else "single-label"
            raise ValueError(
                f"y is {'multilabel' if multilabel else 'single-label'} but the fitted "
                f"network is {was}; use warm_start=False to refit"
            )
        if (
            incremental
            and classes is not None
            and not np.array_equal(unique_labels(classes), self.classes_)
        ):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                f"was: {self.classes_!r}"
            )
        if multilabel:
            if y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y has {y.shape[1]} labels but the network was fitted with "
                    f"{len(self.classes_)}"
                )
        elif not incremental:  # warm_start: the same classes as before
            labels = unique_labels(y)
            if set(labels) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {labels}"
                )
        else:
            self._check_known(y, self.classes_)
        return y

    @staticmethod
    def _check_known(y: Any, classes: Any) -> None:
        unknown = np.setdiff1d(unique_labels(y), classes)
        if len(unknown):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has {classes}. "
                f"'y' has {unique_labels(y)}."
            )

    def _class_sample_weight(self, y: Any, incremental: bool) -> Array | None:
        cw = self.class_weight
        if cw is None:
            return None
        if incremental and isinstance(cw, str):
            raise ValueError(
                f"class_weight={cw!r} is not supported for partial_fit: a batch's class "
                "frequencies are not the data's. Use compute_class_weight('balanced', "
                "classes=classes, y=y_sample) on a representative sample and pass the "
                "resulting dict as class_weight"
            )
        if self._multilabel:
            return compute_sample_weight(cw, y)
        if isinstance(cw, list):
            raise ValueError(
                "class_weight as a list of dicts is for multilabel targets; use a dict "
                "{class: weight} or 'balanced' for single-label targets"
            )
        weights = compute_class_weight(cw, classes=self.classes_, y=y)
        return weights[np.searchsorted(self.classes_, y)]

    def _output_spec(self) -> tuple[int, str, str]:
        head = OutputHead.for_classifier(
            len(self.classes_),
            multilabel=self._multilabel,
            output=self.output_activation,
            loss=self.loss,
        )
        return head.n_outputs, head.activation, head.loss

    def _encode(self, y: Any, dtype: np.dtype[Any]) -> Array:
        if self._multilabel:
            return np.asarray(y, dtype=dtype).T  # (n_labels, m), column-major
        idx = np.searchsorted(self.classes_, y)
        targets = "binary" if self.n_outputs_ == 1 else "one_hot"  # 0/1 row, or one-hot columns
        return np.asfortranarray(encode_labels(idx, targets, self.n_outputs_, dtype))

    def _stratify(self, y: Any) -> Any:
        return None if self._multilabel else y

    def _describe_target(self) -> str:
        if self._multilabel:
            return f"multilabel target with {len(self.classes_)} labels"
        kind = "binary" if len(self.classes_) == 2 else "multiclass"
        return f"{kind} target with {len(self.classes_)} classes"

    def _score_rows(self, X: Array, y: Any, sample_weight: Array | None) -> float:
        Z, _ = self._forward_rows(X)
        return float(accuracy_score(y, self._labels_from(Z), sample_weight=sample_weight))

    # -- predictions ----------------------------------------------------------------------------

    def _labels_from(self, Z: Array) -> Any:
        # the decision rule on the logits (rows as examples): σ(z) > 0.5 ⇔ z > 0, and
        # argmax z = argmax softmax(z) = argmax σ(z)
        if self._multilabel:
            return decide(Z.T, "multilabel", logits=True).T
        return self.classes_[class_indices(Z.T, logits=True)]

    def predict(self, X: Any) -> Any:
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``; a 0/1 indicator matrix for multilabel targets.
        """
        Z, _ = self._output(X)
        return self._labels_from(Z)

    def decision_function(self, X: Any) -> Array:
        """The output layer's pre-activation Z[L] (logits), rows as examples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Binary: one log-odds of ``classes_[1]`` per sample (z₁ − z₀ with a
            softmax pair); multiclass and multilabel: one logit per class.
        """
        Z, _ = self._output(X)
        if not self._multilabel and len(self.classes_) == 2:
            return Z[:, 0].copy() if self.n_outputs_ == 1 else Z[:, 1] - Z[:, 0]
        return np.ascontiguousarray(Z)

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns ordered as ``classes_``.  Binary sigmoid output:
            [σ(−z), σ(z)] (each computed directly, no 1 − p cancellation);
            softmax: A[L]ᵀ; one-vs-rest sigmoid units: σ(z) normalised per row;
            multilabel: each label's own probability σ(z) (rows need not sum to 1).
        """
        Z, A = self._output(X)
        if self._multilabel or self.out_activation_ == "softmax":
            return np.ascontiguousarray(A)
        if self.n_outputs_ == 1:
            z = Z[:, 0]
            return np.column_stack([expit(-z), expit(z)])
        return A / A.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X: Any) -> Array:
        """Log of :meth:`predict_proba`, computed from the logits (finite where p underflows).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        Z, _ = self._output(X)
        if self.out_activation_ == "softmax":
            return np.ascontiguousarray(log_softmax(Z.T).T)  # log aₖ = zₖ − logsumexp(z)
        if self._multilabel:
            return log_expit(Z)
        if self.n_outputs_ == 1:
            z = Z[:, 0]
            return np.column_stack([log_expit(-z), log_expit(z)])
        logs = log_expit(Z)
        return logs - logsumexp(logs, axis=1, keepdims=True)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> NetClassifier:
        """One epoch over (X, y), continuing the network and the optimizer's state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever be seen; required on the first call
            (not for a multilabel indicator y), as in scikit-learn.

        Returns
        -------
        self : NetClassifier
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        # multilabel targets need independent sigmoid units and binary cross-entropy
        tags.classifier_tags.multi_label = (
            multilabel_error(self.output_activation, self.loss) is None
        )
        return tags


class NetRegressor(RegressorMixin, _BaseNet):
    __doc__ = f"""Neural-network regressor trained by chainrule (single- and multi-output).

    A drop-in for scikit-learn's ``MLPRegressor`` with dropout, more
    optimizers, schedules, initialisers, a validation-loss curve and float32
    training.  The loss is L = ½ Σₖ (aₖ − yₖ)² per example (summed over the
    outputs; scikit-learn *reports* the mean over outputs but its gradient is
    the same as here).

    Parameters
    ----------
    {_COMMON_PARAMS_DOC.strip()}
    output_activation : str, default="identity"
        Output activation: "identity" (= "linear"), or "sigmoid", "tanh",
        "relu", "leaky_relu" for bounded / non-negative targets.
    loss : {{"squared_error"}}, default="squared_error"
        The loss (stated in ``loss_function_``).

    Attributes
    ----------
    {_COMMON_ATTRS_DOC.strip()}

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

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_BaseNet._parameter_constraints,
        "output_activation": [
            StrOptions({"identity", "linear", "sigmoid", "logistic", "tanh", "relu", "leaky_relu"})
        ],
        "loss": [StrOptions({"squared_error"})],
    }

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
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.l2_m = l2_m
        self.negative_slope = negative_slope
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.lr_decay = lr_decay
        self.lr_decay_interval = lr_decay_interval
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.rho = rho
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout
        self.init = init
        self.dtype = dtype
        self.output_activation = output_activation
        self.loss = loss

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
        return self._n_targets, _act_name(self.output_activation), self.loss

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
