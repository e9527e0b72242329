"""``NetClassifier``: binary, multiclass and multilabel targets, scikit-learn's ``MLPClassifier``.

The targets become the network's output through :class:`chainrule.head.OutputHead` (the
output activation, the loss, the number of units, the encoding), and the predictions come
back through its decision rule on the logits (:func:`chainrule.head.class_indices`,
:func:`chainrule.head.decide`): σ(z) > 0.5 ⇔ z > 0, argmax softmax(z) = argmax z.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, logsumexp
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d

from chainrule._typing import Array
from chainrule.activations import log_softmax
from chainrule.head import OutputHead, class_indices, decide, encode_labels, multilabel_error
from chainrule.sklearn._base import ATTRIBUTES_DOC, _BaseNet
from chainrule.sklearn._params import param, parameters, store_parameters

__all__ = ["NetClassifier"]


@parameters
class NetClassifier(ClassifierMixin, _BaseNet):
    __doc__ = f"""Neural-network classifier trained by chainrule (binary, multiclass, multilabel).

    A drop-in for scikit-learn's ``MLPClassifier`` that adds dropout, class
    weights, RMSprop / momentum / Nesterov, a validation-loss curve, a choice
    of initialiser, float32 training, and an explicit output and loss.

    Parameters
    ----------
    {{parameters}}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``arange(n_labels)`` for a multilabel indicator target).
    {ATTRIBUTES_DOC.strip()}

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

    output_activation: str = param(
        "auto",
        [StrOptions({"auto", "sigmoid", "logistic", "softmax"})],
        '{"auto", "sigmoid", "softmax"}',
        """
        "auto": softmax for multiclass targets, sigmoid for binary (one unit)
        and multilabel targets.  "sigmoid" on a multiclass target trains one
        sigmoid unit per class (one-vs-rest; probabilities are normalised);
        "softmax" on a binary target uses two units.  The choice is stated in
        ``out_activation_`` (and printed with ``verbose``).
        """,
    )
    loss: str = param(
        "auto",
        [StrOptions({"auto", "binary_crossentropy", "categorical_crossentropy", "squared_error"})],
        '{"auto", "binary_crossentropy", "categorical_crossentropy", "squared_error"}',
        """
        "auto": cross-entropy matching the output (binary for sigmoid,
        categorical for softmax).  Stated in ``loss_function_``.
        """,
    )
    class_weight: Any = param(
        None,
        [dict, list, StrOptions({"balanced"}), None],
        'dict, list of dict, "balanced" or None',
        """
        Weights per class, multiplied into ``sample_weight`` (scikit-learn's
        convention; a list of dicts, one per label, for multilabel targets).
        "balanced" is n_samples / (n_classes · count(class)).
        """,
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
        output_activation: str = "auto",
        loss: str = "auto",
        class_weight: Any = None,
    ) -> None:
        store_parameters(self, locals())

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
