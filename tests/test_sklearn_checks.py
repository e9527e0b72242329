"""scikit-learn's own estimator checks over NetClassifier and NetRegressor.

Every check of ``parametrize_with_checks`` (API, legacy and the sample-weight
equivalence checks) must pass: there is no ``expected_failed_checks`` entry.

The instances are small and short-trained so the ~250 checks run in seconds.
Besides the default solver (Adam, mini-batches of min(200, n)), a second pair
covers the other code paths: per-layer hidden activations, one-vs-rest sigmoid
outputs for multiclass targets, Nesterov momentum with a decaying learning
rate, a non-canonical softmax + squared-error output (the general backward
path), and RMSprop.  They train full-batch, because
``check_sample_weight_equivalence_on_dense_data`` compares a weighted fit with
a fit on repeated rows: mini-batches of different data sets differ, and so
would their results (the default instances pass it because min(200, n) is the
whole of the check's 15-30 rows).
"""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from chainrule.sklearn import NetClassifier, NetRegressor

ESTIMATORS = [
    NetClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.02, max_iter=60, random_state=0),
    NetRegressor(hidden_layer_sizes=(8,), learning_rate_init=0.02, max_iter=60, random_state=0),
    NetClassifier(
        hidden_layer_sizes=(6, 4),
        activation=["tanh", "relu"],
        solver="nesterov",
        batch_size=None,
        output_activation="sigmoid",
        learning_rate_init=0.5,
        learning_rate="inverse_time",
        lr_decay=0.01,
        max_iter=60,
        init="glorot_normal",
        random_state=0,
    ),
    NetClassifier(
        hidden_layer_sizes=(6,),
        solver="sgd",
        batch_size=None,
        output_activation="softmax",
        loss="squared_error",
        learning_rate_init=0.5,
        max_iter=60,
        random_state=0,
    ),
    NetRegressor(
        hidden_layer_sizes=(8,),
        activation="tanh",
        solver="rmsprop",
        batch_size=None,
        learning_rate_init=0.01,
        max_iter=60,
        random_state=0,
    ),
]


# ConvergenceWarning: the checks train tiny networks for 60 epochs on purpose (speed), so
# most fits end at max_iter; the warning itself is tested in test_sklearn.py.  A
# DivergenceWarning, on the other hand, would mean a badly chosen instance: make it fail.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("error::chainrule.training.DivergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_checks_cover_both_estimators_and_sample_weight_equivalence():
    """The parametrisation above really runs the checks this module promises."""
    try:  # a private helper of scikit-learn: skip, rather than fail, if it moves
        from sklearn.utils.estimator_checks import _yield_all_checks
    except ImportError:  # pragma: no cover
        pytest.skip("sklearn.utils.estimator_checks._yield_all_checks is not available")

    for est in ESTIMATORS:
        names = {getattr(c, "func", c).__name__ for c in _yield_all_checks(est, legacy=True)}
        assert "check_sample_weight_equivalence_on_dense_data" in names
        assert "check_estimators_pickle" in names
        assert "check_fit_idempotent" in names
        if isinstance(est, NetRegressor):
            assert "check_regressor_multioutput" in names
        elif est.output_activation != "softmax":
            assert "check_classifiers_multilabel_output_format_predict_proba" in names
