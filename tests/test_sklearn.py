"""Behaviour of chainrule.sklearn.NetClassifier / NetRegressor.

Oracles, not smoke tests: the estimators must reproduce (a) chainrule.fit on
the same Network, bit for bit; (b) one SGD step of scikit-learn's own
MLPClassifier / MLPRegressor on identical weights (the ``alpha`` mapping);
(c) the closed optima of LogisticRegression(C = 1/alpha) and Ridge(alpha) with
no hidden layer; (d) exact identities: zero weight = dropped row, class weight
= sample weight, warm start / partial_fit = one longer fit, pickling = the
same model (also when training continues); plus held-out scores above a
trivial baseline on scikit-learn's bundled data sets.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    make_classification,
    make_multilabel_classification,
)
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import recall_score
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_sample_weight

import chainrule
from chainrule import DivergenceWarning, Network
from chainrule.optim import Adam
from chainrule.sklearn import NetClassifier, NetRegressor

# Most tests train small networks for a few epochs on purpose (speed), so fits often end at
# max_iter; the ConvergenceWarning itself is tested in test_convergence_warning_at_max_iter.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NO_STOP = {"tol": 0.0, "n_iter_no_change": np.inf}  # run exactly max_iter epochs


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _small(**kw):
    kw.setdefault("hidden_layer_sizes", (6,))
    kw.setdefault("max_iter", 20)
    kw.setdefault("random_state", 0)
    return kw


# -- the wrapper is the core, transposed ----------------------------------------------------------


def test_wrapper_reproduces_core_fit_bit_for_bit(iris):
    X, y = iris
    clf = NetClassifier(
        hidden_layer_sizes=(5,),
        activation="tanh",
        alpha=0.01,
        batch_size=32,
        max_iter=15,
        random_state=3,
        **NO_STOP,
    ).fit(X, y)
    net = Network([4, 5, 3], hidden="tanh", output="softmax", loss="cce", seed=3, l2=0.01)
    hist = chainrule.fit(
        net, X.T, y, epochs=15, batch_size=32, optimizer="adam", learning_rate=0.001, progress=False
    )
    for l in range(2):
        assert_array_equal(clf.coefs_[l], net.Ws[l].T)
        assert_array_equal(clf.intercepts_[l], net.bs[l][:, 0])
    assert clf.loss_curve_ == hist.train_cost
    assert clf.n_iter_ == 15


def test_coefs_orientation_matches_a_forward_pass_by_hand(iris):
    X, y = iris
    clf = NetClassifier(**_small(hidden_layer_sizes=(7, 5), activation=["tanh", "relu"])).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(4, 7), (7, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(7,), (5,), (3,)]
    A1 = np.tanh(X @ clf.coefs_[0] + clf.intercepts_[0])
    A2 = np.maximum(A1 @ clf.coefs_[1] + clf.intercepts_[1], 0)
    Z3 = A2 @ clf.coefs_[2] + clf.intercepts_[2]
    assert_allclose(clf.decision_function(X), Z3, rtol=1e-12, atol=1e-12)
    assert_allclose(clf.predict_proba(X), softmax(Z3, axis=1), rtol=1e-12, atol=1e-15)
    assert_array_equal(clf.predict(X), Z3.argmax(axis=1))
    # coefs_ are views of the network's W.T: writing to them changes the model
    assert np.shares_memory(clf.coefs_[0], clf.network_.Ws[0])
    clf.coefs_[2][:] = 0
    clf.intercepts_[2][:] = [0.0, 5.0, 0.0]
    assert_array_equal(clf.predict(X), np.ones(len(X)))


def test_regressor_coefs_orientation_and_shapes():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    Y = np.column_stack([X.sum(axis=1), X[:, 0] - X[:, 2]])
    reg = NetRegressor(**_small(hidden_layer_sizes=(4,), activation="logistic")).fit(X, Y)
    H = expit(X @ reg.coefs_[0] + reg.intercepts_[0])
    assert_allclose(reg.predict(X), H @ reg.coefs_[1] + reg.intercepts_[1], rtol=1e-12)
    assert reg.predict(X).shape == (50, 2)
    reg1 = NetRegressor(**_small()).fit(X, Y[:, 0])
    assert reg1.predict(X).shape == (50,)
    reg2 = NetRegressor(**_small()).fit(X, Y[:, :1])  # a 2-D column stays 2-D
    assert reg2.predict(X).shape == (50, 1)
    assert_allclose(reg2.predict(X)[:, 0], reg1.predict(X))


# -- alpha is scikit-learn's alpha ----------------------------------------------------------------


def _copy_weights(ours, coefs, intercepts):
    ours.network_.parameters = {
        **{f"W{l + 1}": W.T for l, W in enumerate(coefs)},
        **{f"b{l + 1}": b[:, None] for l, b in enumerate(intercepts)},
    }


@pytest.mark.parametrize("binary", [False, True])
def test_one_sgd_step_equals_mlpclassifier(iris, binary):
    X, y = iris
    if binary:
        y = (y == 1).astype(int)
    common = {"hidden_layer_sizes": (5,), "activation": "tanh", "alpha": 0.3}
    common.update(learning_rate_init=0.1, shuffle=False, random_state=0)
    sk = MLPClassifier(solver="sgd", momentum=0.0, batch_size=len(X), max_iter=1, **common)
    ours = NetClassifier(solver="sgd", batch_size=None, **common)
    sk.partial_fit(X, y, classes=np.unique(y))
    ours.partial_fit(X, y, classes=np.unique(y))
    _copy_weights(ours, sk.coefs_, sk.intercepts_)
    sk.partial_fit(X, y)
    ours.partial_fit(X, y)
    assert ours.out_activation_ == ("sigmoid" if binary else "softmax")
    assert ours.loss_ == pytest.approx(sk.loss_, rel=1e-12)  # J before the step, L2 included
    for a, b in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_, strict=True):
        assert_allclose(a, b, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("n_targets", [1, 2])
def test_one_sgd_step_equals_mlpregressor(n_targets):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3))
    y = X @ rng.normal(size=(3, n_targets)) + 0.1 * rng.normal(size=(40, n_targets))
    y = y[:, 0] if n_targets == 1 else y
    common = {"hidden_layer_sizes": (4,), "activation": "relu", "alpha": 0.7}
    common.update(learning_rate_init=0.05, shuffle=False, random_state=0)
    sk = MLPRegressor(solver="sgd", momentum=0.0, batch_size=len(X), max_iter=1, **common)
    ours = NetRegressor(solver="sgd", batch_size=None, **common)
    sk.partial_fit(X, y)
    ours.partial_fit(X, y)
    _copy_weights(ours, sk.coefs_, sk.intercepts_)
    sk.partial_fit(X, y)
    ours.partial_fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_, strict=True):
        assert_allclose(a, b, rtol=1e-11, atol=1e-14)
    if n_targets == 1:  # scikit-learn reports the loss averaged over outputs (not its gradient)
        assert ours.loss_ == pytest.approx(sk.loss_, rel=1e-12)


def test_no_hidden_layer_converges_to_logistic_regression_with_C_one_over_alpha(iris):
    X, y = iris
    alpha = 1.0
    lr = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10_000).fit(X, y)
    clf = NetClassifier(
        hidden_layer_sizes=(),
        alpha=alpha,
        solver="sgd",
        learning_rate_init=2.0,
        batch_size=None,
        max_iter=2000,
        random_state=0,
        **NO_STOP,
    ).fit(X, y)
    assert_allclose(clf.coefs_[0].T, lr.coef_, atol=1e-5)
    # softmax intercepts are defined up to a common shift: compare them centred
    b = clf.intercepts_[0]
    assert_allclose(b - b.mean(), lr.intercept_ - lr.intercept_.mean(), atol=1e-5)


def test_no_hidden_layer_converges_to_ridge_with_the_same_alpha():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = X @ rng.normal(size=5) + 0.5 * rng.normal(size=200) + 3
    ridge = Ridge(alpha=20.0).fit(X, y)
    reg = NetRegressor(
        hidden_layer_sizes=(),
        alpha=20.0,
        solver="sgd",
        learning_rate_init=0.5,
        batch_size=None,
        max_iter=300,
        random_state=0,
        **NO_STOP,
    ).fit(X, y)
    assert reg.network_.l2 == 20.0
    assert_allclose(reg.coefs_[0][:, 0], ridge.coef_, atol=1e-10)
    assert reg.intercepts_[0][0] == pytest.approx(ridge.intercept_, abs=1e-10)


# -- targets: the output and loss are inferred and stated -----------------------------------------


def test_binary_sigmoid_output(cancer):
    X, y = cancer
    clf = NetClassifier(**_small()).fit(X, y)
    assert (clf.out_activation_, clf.loss_function_, clf.n_outputs_) == (
        "sigmoid",
        "binary_crossentropy",
        1,
    )
    assert isinstance(clf.loss_, float)
    z = clf.decision_function(X)
    P = clf.predict_proba(X)
    assert z.shape == (len(X),)
    assert_allclose(P[:, 1], expit(z), rtol=1e-14)
    assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)
    assert_allclose(clf.predict_log_proba(X), np.log(P), rtol=1e-12)
    assert_array_equal(clf.predict(X), (z > 0).astype(int))


def test_binary_with_softmax_pair(cancer):
    X, y = cancer
    clf = NetClassifier(**_small(output_activation="softmax")).fit(X, y)
    assert (clf.out_activation_, clf.loss_function_, clf.n_outputs_) == (
        "softmax",
        "categorical_crossentropy",
        2,
    )
    Z = X @ clf.coefs_[0] + clf.intercepts_[0]
    Z = np.maximum(Z, 0) @ clf.coefs_[1] + clf.intercepts_[1]
    assert_allclose(clf.decision_function(X), Z[:, 1] - Z[:, 0], rtol=1e-12, atol=1e-12)
    assert_array_equal(clf.predict(X), Z.argmax(axis=1))


def test_multiclass_one_vs_rest_sigmoid(iris):
    X, y = iris
    clf = NetClassifier(**_small(output_activation="sigmoid")).fit(X, y)
    assert (clf.out_activation_, clf.loss_function_, clf.n_outputs_) == (
        "sigmoid",
        "binary_crossentropy",
        3,
    )
    S = expit(clf.decision_function(X))
    assert_allclose(clf.predict_proba(X), S / S.sum(axis=1, keepdims=True), rtol=1e-12)
    assert_allclose(clf.predict_log_proba(X), np.log(clf.predict_proba(X)), rtol=1e-10)


def test_multilabel_indicator():
    X, Y = make_multilabel_classification(n_samples=300, n_classes=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    Xtr, Xte, Ytr, Yte = train_test_split(X, Y, random_state=0)
    clf = NetClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=100)
    clf.set_params(random_state=0).fit(Xtr, Ytr)
    assert (clf.out_activation_, clf.loss_function_) == ("sigmoid", "binary_crossentropy")
    assert_array_equal(clf.classes_, np.arange(4))
    P, pred = clf.predict_proba(Xte), clf.predict(Xte)
    assert P.shape == pred.shape == (75, 4)
    assert_array_equal(pred, (P > 0.5).astype(int))
    dummy = DummyClassifier(strategy="most_frequent").fit(Xtr, Ytr)
    assert clf.score(Xte, Yte) > dummy.score(Xte, Yte) + 0.2  # subset accuracy
    with pytest.raises(ValueError, match="multilabel target needs 'sigmoid'"):
        NetClassifier(output_activation="softmax").fit(Xtr, Ytr)
    with pytest.raises(ValueError, match="0/1 indicator"):
        NetClassifier().fit(Xtr, 2 * Ytr - 1)


def test_string_labels_and_class_weight_dict(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = NetClassifier(**_small(class_weight={"setosa": 1, "versicolor": 2, "virginica": 1}))
    clf.fit(X, names)
    assert_array_equal(clf.classes_, names[[0, 50, 100]])
    assert set(clf.predict(X)) <= set(names)
    ref = NetClassifier(**_small()).fit(X, y, sample_weight=np.where(y == 1, 2.0, 1.0))
    assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))


# -- sample and class weights ---------------------------------------------------------------------


@pytest.mark.parametrize("Est", [NetClassifier, NetRegressor])
def test_zero_weight_is_exactly_dropping_the_row(iris, Est):
    X, y = iris
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2.0, size=len(X))
    w[rng.random(len(X)) < 0.3] = 0
    kw = _small(batch_size=16, dropout=0.1)  # mini-batches, shuffling and dropout
    a = Est(**kw).fit(X, y, sample_weight=w)
    b = Est(**kw).fit(X[w > 0], y[w > 0], sample_weight=w[w > 0])
    method = "predict_proba" if Est is NetClassifier else "predict"
    assert_array_equal(getattr(a, method)(X), getattr(b, method)(X))


def test_integer_weight_is_repetition_full_batch(cancer):
    X, y = cancer
    w = np.random.default_rng(1).integers(1, 4, size=len(X))
    kw = _small(batch_size=None, max_iter=30)
    a = NetClassifier(**kw).fit(X, y, sample_weight=w)
    b = NetClassifier(**kw).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-7, atol=1e-9)


def test_balanced_class_weight_is_its_sample_weight_and_raises_minority_recall():
    X, y = make_classification(
        n_samples=600, weights=[0.9, 0.1], class_sep=0.5, flip_y=0.05, random_state=0
    )
    kw = _small(hidden_layer_sizes=(8,), max_iter=30, learning_rate_init=0.01)
    plain = NetClassifier(**kw).fit(X, y)
    balanced = NetClassifier(class_weight="balanced", **kw).fit(X, y)
    ref = NetClassifier(**kw).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    assert_array_equal(balanced.predict_proba(X), ref.predict_proba(X))
    r_plain = recall_score(y, plain.predict(X))
    r_bal = recall_score(y, balanced.predict(X))
    assert r_bal > r_plain + 0.2, (r_plain, r_bal)


def test_class_weight_with_sample_weight_multiplies(iris):
    X, y = iris
    sw = np.linspace(0.5, 1.5, len(X))
    a = NetClassifier(**_small(class_weight={0: 3.0, 1: 1.0, 2: 1.0})).fit(X, y, sample_weight=sw)
    b = NetClassifier(**_small()).fit(X, y, sample_weight=sw * np.where(y == 0, 3.0, 1.0))
    assert_array_equal(a.predict_proba(X), b.predict_proba(X))


# -- warm start, partial_fit, early stopping, random_state ----------------------------------------


def test_warm_start_continues_exactly(iris):
    X, y = iris
    kw = {"solver": "sgd", "batch_size": None, "learning_rate_init": 0.1, **_small(), **NO_STOP}
    ws = NetClassifier(warm_start=True, **{**kw, "max_iter": 5})
    ws.fit(X, y)
    first = [c.copy() for c in ws.coefs_]
    ws.fit(X, y)
    once = NetClassifier(**{**kw, "max_iter": 10}).fit(X, y)
    assert not np.array_equal(first[0], ws.coefs_[0])
    assert_array_equal(ws.coefs_[0], once.coefs_[0])
    assert_array_equal(ws.predict_proba(X), once.predict_proba(X))
    assert ws.loss_curve_ == once.loss_curve_
    assert ws.n_iter_ == 5
    # without warm_start, a second fit starts afresh (and is idempotent)
    cold = NetClassifier(**{**kw, "max_iter": 5})
    p1 = cold.fit(X, y).predict_proba(X)
    assert_array_equal(cold.fit(X, y).predict_proba(X), p1)


def test_warm_start_refuses_changed_classes_or_architecture(iris):
    X, y = iris
    clf = NetClassifier(warm_start=True, **_small(max_iter=2)).fit(X, y)
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X[y < 2], y[y < 2])
    clf.set_params(hidden_layer_sizes=(3,))
    with pytest.raises(ValueError, match="continue training the fitted network"):
        clf.fit(X, y)


@pytest.mark.parametrize("schedule", ["constant", "inverse_time"])
def test_partial_fit_on_all_data_equals_fit_with_adam_state_and_schedule(iris, schedule):
    X, y = iris
    kw = {"batch_size": None, "learning_rate_init": 0.01, "learning_rate": schedule}
    kw.update(lr_decay=0.3, **_small(), **NO_STOP)
    ref = NetClassifier(**{**kw, "max_iter": 8}).fit(X, y)
    inc = NetClassifier(**kw)
    for _ in range(8):
        inc.partial_fit(X, y, classes=[0, 1, 2])
    assert inc.n_iter_ == 1
    assert inc.t_ == 8 * len(X)
    assert inc.loss_curve_ == ref.loss_curve_
    assert_array_equal(inc.predict_proba(X), ref.predict_proba(X))


def test_partial_fit_streams_mini_batches_on_digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
    clf = NetClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(Xtr[:50], ytr[:50])
    for _ in range(5):
        for start in range(0, len(Xtr), 100):
            clf.partial_fit(Xtr[start : start + 100], ytr[start : start + 100], classes=range(10))
    assert clf.score(Xte, yte) > 0.9
    with pytest.raises(ValueError, match="not the same as on last call"):
        clf.partial_fit(Xtr[:10], ytr[:10], classes=range(11))
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(Xtr[:2], [0, 10])
    with pytest.raises(ValueError, match="X has 63 features, but NetClassifier is expecting 64"):
        clf.partial_fit(Xtr[:10, :63], ytr[:10])
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        clone(clf).set_params(early_stopping=True).partial_fit(Xtr, ytr, classes=range(10))
    with pytest.raises(ValueError, match="not supported for partial_fit"):
        clone(clf).set_params(class_weight="balanced").partial_fit(Xtr, ytr, classes=range(10))


def test_early_stopping_validation_curves_and_best_epoch(cancer):
    X, y = cancer
    clf = NetClassifier(
        hidden_layer_sizes=(16,),
        learning_rate_init=0.05,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        max_iter=200,
        random_state=4,
    ).fit(X, y)
    hist = clf.history_
    assert hist.stopped_early
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == len(clf.validation_loss_curve_) == clf.n_iter_
    assert clf.validation_loss_curve_ == hist.val_cost
    assert clf.best_loss_ is None
    best = hist.best_epoch
    assert best < clf.n_iter_
    assert clf.best_validation_loss_ == clf.validation_loss_curve_[best - 1]
    assert clf.best_validation_score_ == clf.validation_scores_[best - 1]
    # the split is reproducible from random_state, and the kept parameters are the best epoch's
    _tr, va = train_test_split(
        np.arange(len(X)), test_size=0.2, random_state=np.random.RandomState(4), stratify=y
    )
    assert clf.score(X[va], y[va]) == clf.best_validation_score_
    cost = clf.network_.cost(X[np.sort(va)].T, y[np.sort(va)][None, :])
    assert cost == pytest.approx(clf.best_validation_loss_, rel=1e-12)
    plain = NetClassifier(**_small()).fit(X, y)
    assert plain.validation_scores_ is None
    assert plain.validation_loss_curve_ is None
    assert plain.best_loss_ == min(plain.loss_curve_)


def test_early_stopping_regressor_with_weights():
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    w = np.random.default_rng(0).uniform(0.5, 2, len(y))
    reg = NetRegressor(
        **_small(hidden_layer_sizes=(8,), early_stopping=True, max_iter=30, n_iter_no_change=50)
    )
    reg.set_params(learning_rate_init=0.01).fit(X, y, sample_weight=w)
    assert len(reg.validation_scores_) == reg.n_iter_ == 30
    assert reg.best_validation_score_ == reg.validation_scores_[reg.history_.best_epoch - 1]


def test_random_state_reproducibility(iris):
    X, y = iris
    kw = _small(batch_size=16, dropout=0.2, max_iter=5)
    a = NetClassifier(**kw).fit(X, y)
    b = NetClassifier(**kw).fit(X, y)
    c = NetClassifier(**{**kw, "random_state": 1}).fit(X, y)
    for p, q in zip(a.coefs_, b.coefs_, strict=True):
        assert_array_equal(p, q)
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    d = NetClassifier(**{**kw, "random_state": np.random.RandomState(7)}).fit(X, y)
    e = NetClassifier(**{**kw, "random_state": np.random.RandomState(7)}).fit(X, y)
    assert_array_equal(d.coefs_[0], e.coefs_[0])


# -- dtypes ---------------------------------------------------------------------------------------


def test_float32_input_trains_in_float32(iris):
    X, y = iris
    clf = NetClassifier(**_small(max_iter=50, learning_rate_init=0.01)).fit(X.astype(np.float32), y)
    assert clf.network_.dtype == np.float32
    assert all(c.dtype == np.float32 for c in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X).dtype == np.float32
    assert clf.score(X, y) > 0.85
    assert NetClassifier(**_small(dtype="float32")).fit(X, y).network_.dtype == np.float32
    f64 = NetClassifier(**_small(dtype="float64")).fit(X.astype(np.float32), y)
    assert f64.network_.dtype == np.float64
    assert NetClassifier(**_small()).fit((X * 10).astype(int), y).network_.dtype == np.float64
    reg = NetRegressor(**_small()).fit(X.astype(np.float32), X[:, 0].astype(np.float32))
    assert reg.predict(X).dtype == np.float32


# -- scikit-learn integration ---------------------------------------------------------------------


def test_beats_trivial_baselines_on_bundled_data_sets():
    cases = [
        (load_iris, NetClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.02), 0.9),
        (load_digits, NetClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01), 0.93),
        (
            load_breast_cancer,
            NetClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01),
            0.93,
        ),
    ]
    for load, est, floor in cases:
        X, y = load(return_X_y=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
        model = make_pipeline(StandardScaler(), est.set_params(max_iter=60, random_state=0))
        score = model.fit(Xtr, ytr).score(Xte, yte)
        dummy = DummyClassifier().fit(Xtr, ytr).score(Xte, yte)
        assert score > max(floor, dummy + 0.25), (load.__name__, score, dummy)
    X, y = load_diabetes(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)
    net = NetRegressor(hidden_layer_sizes=(8,), alpha=1.0, learning_rate_init=0.01, max_iter=50)
    reg = TransformedTargetRegressor(
        regressor=make_pipeline(StandardScaler(), net.set_params(random_state=0)),
        transformer=StandardScaler(),
    )
    r2 = reg.fit(Xtr, ytr).score(Xte, yte)
    dummy = DummyRegressor().fit(Xtr, ytr).score(Xte, yte)
    assert r2 > max(0.3, dummy + 0.3), (r2, dummy)  # Ridge scores 0.36 on this split


def test_grid_search_and_cross_val_score(iris):
    X, y = iris
    grid = GridSearchCV(
        NetClassifier(max_iter=40, learning_rate_init=0.02, random_state=0),
        {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1.0]},
        cv=3,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_score_ > 0.85
    assert grid.best_estimator_.network_.layer_dims[1] == grid.best_params_["hidden_layer_sizes"][0]
    scores = cross_val_score(NetClassifier(**_small(max_iter=40, learning_rate_init=0.02)), X, y)
    assert scores.shape == (5,)
    assert scores.mean() > 0.85


def test_clone_and_pickle_round_trip(iris, tmp_path):
    X, y = iris
    clf = NetClassifier(**_small(batch_size=32, dropout=0.1)).fit(X, y)
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params()
    assert not hasattr(fresh, "network_")
    with pytest.raises(NotFittedError):
        fresh.predict(X)
    copy = pickle.loads(pickle.dumps(clf))
    assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    # the Generator and the optimizer state travel too: continuing training agrees exactly
    clf.partial_fit(X, y)
    copy.partial_fit(X, y)
    assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    # chainrule's own model file stays pickle-free
    path = chainrule.save(clf.network_, tmp_path / "iris", classes=clf.classes_.tolist())
    net = chainrule.load(path)
    assert_allclose(net.forward(X.T).T, clf.predict_proba(X), rtol=1e-15)


def test_verbose_states_output_and_loss(iris, capsys):
    X, y = iris
    NetClassifier(verbose=True, **_small(max_iter=3)).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    assert "multiclass target with 3 classes" in out[0]
    assert "softmax" in out[0]
    assert "categorical_crossentropy" in out[0]
    assert out[1].startswith("Iteration 1, loss = ")
    assert len(out) == 4
    NetClassifier(verbose=1, early_stopping=True, **_small(max_iter=2)).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    assert "validation loss = " in out[1]
    assert "validation score = " in out[1]


def test_convergence_and_divergence_warnings():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = 1000 * X.sum(axis=1)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\)"):
        NetRegressor(**_small(max_iter=3)).fit(X, y)
    reg = NetRegressor(**_small(solver="sgd", learning_rate_init=10.0, max_iter=50))
    with pytest.warns(DivergenceWarning, match="diverged.*Lower learning_rate_init"):
        reg.fit(X, y)
    assert reg.history_.diverged
    assert reg.n_iter_ < 50
    assert all(np.isfinite(c).all() for c in reg.coefs_ + reg.intercepts_)
    assert np.isfinite(reg.predict(X)).all()


def test_log_proba_is_finite_where_proba_underflows(iris):
    X, y = iris
    clf = NetClassifier(**_small()).fit(X, y)
    clf.coefs_[-1][:] *= 1e4  # logits ~1e4 apart: softmax underflows to exactly 0
    P = clf.predict_proba(X)
    assert (P == 0).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L = clf.predict_log_proba(X)
    assert np.isfinite(L).all()
    assert_array_equal(L.argmax(axis=1), clf.predict(X))


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("Est", [NetClassifier, NetRegressor])
def test_bad_X(iris, Est):
    X, y = iris
    Xnan, Xinf = X.copy(), X.copy()
    Xnan[3, 1], Xinf[5, 2] = np.nan, np.inf
    est = Est(**_small(max_iter=2))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.fit(Xnan, y)
    with pytest.raises(ValueError, match="Input X contains infinity"):
        est.fit(Xinf, y)
    with pytest.raises(TypeError, match=r"Sparse data was passed.*dense data is required"):
        est.fit(sp.csr_matrix(X), y)
    with pytest.raises(ValueError, match="Expected 2D array"):
        est.fit(X[:, 0], y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.fit(X, y[:-1])
    with pytest.raises(NotFittedError):
        est.predict(X)
    est.fit(X, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(Xnan)
    with pytest.raises(TypeError, match="dense data is required"):
        est.predict(sp.csr_matrix(X))
    with pytest.raises(ValueError, match=r"X has 3 features, but .* is expecting 4 features"):
        est.predict(X[:, :3])


@pytest.mark.parametrize("Est", [NetClassifier, NetRegressor])
def test_bad_sample_weight(iris, Est):
    X, y = iris
    est = Est(**_small(max_iter=2))
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(5,\), expected \(150,\)"):
        est.fit(X, y, sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        est.fit(X, y, sample_weight=-np.ones(150))
    with pytest.raises(ValueError, match=r"weight.*zero"):
        est.fit(X, y, sample_weight=np.zeros(150))
    with pytest.raises(ValueError, match="Input sample_weight contains NaN"):
        est.fit(X, y, sample_weight=np.full(150, np.nan))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"solver": "lbfgs"}, "The 'solver' parameter of NetClassifier must be a str among"),
        ({"activation": "swish"}, "The 'activation' parameter of NetClassifier must be"),
        ({"activation": ["relu", "swish"], "hidden_layer_sizes": (3, 3)}, r"activation\[1\] must"),
        ({"activation": ["relu"], "hidden_layer_sizes": (3, 3)}, "one per hidden layer"),
        ({"hidden_layer_sizes": (3, 0)}, "hidden_layer_sizes must hold positive integers"),
        ({"alpha": -1.0}, "The 'alpha' parameter of NetClassifier must be a float in"),
        ({"dropout": 1.0}, "The 'dropout' parameter"),
        ({"dropout": [0.1, 0.2]}, "dropout must be one rate or one per hidden layer"),
        ({"init": "orthogonal"}, "The 'init' parameter"),
        ({"init": ["he", "orthogonal"]}, r"init\[1\] must be one of"),
        ({"learning_rate": "adaptive"}, "The 'learning_rate' parameter"),
        ({"learning_rate": "exponential"}, r"lr_decay .* must be in \(0, 1\]"),
        ({"output_activation": "identity"}, "The 'output_activation' parameter"),
        ({"dtype": "float16"}, "The 'dtype' parameter"),
        ({"class_weight": "balance"}, "The 'class_weight' parameter"),
        ({"class_weight": [{0: 1}]}, "list of dicts is for multilabel targets"),
        ({"validation_fraction": 0.0}, "The 'validation_fraction' parameter"),
        ({"loss": "categorical_crossentropy", "output_activation": "sigmoid"}, "at least 2"),
    ],
)
def test_bad_parameters(params, match):
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    with pytest.raises((ValueError, TypeError), match=match):
        NetClassifier(max_iter=2, **params).fit(X, y)


def test_invalid_parameter_error_is_sklearns():
    with pytest.raises(InvalidParameterError):
        NetRegressor(solver="newton").fit(np.ones((3, 2)), np.ones(3))


def test_bad_targets(iris):
    X, y = iris
    with pytest.raises(ValueError, match="only one class"):
        NetClassifier(max_iter=2).fit(X, np.ones(150))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        NetClassifier(max_iter=2).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="multiclass-multioutput"):
        NetClassifier(max_iter=2).fit(X, np.column_stack([y, y]))
    with pytest.warns(Warning, match="A column-vector y was passed"):
        NetClassifier(max_iter=2).fit(X, y[:, None])
    with pytest.raises(ValueError, match="could not convert string to float"):
        NetRegressor(max_iter=2).fit(X, np.array(["a", "b", "c"] * 50, dtype=object))
    with pytest.raises(ValueError, match="Input y contains NaN"):
        NetRegressor(max_iter=2).fit(X, np.full(150, np.nan))
    with pytest.raises(ValueError, match="early_stopping could not split a stratified"):
        NetClassifier(early_stopping=True, validation_fraction=0.01).fit(X[:60], y[:60])
    reg = NetRegressor(warm_start=True, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="y has 2 output"):
        reg.fit(X, np.column_stack([y, y]))


# --- review fixes: failed fits, dtype objects, messages, the shared fast path ------------------


def test_a_refused_fit_leaves_the_estimator_unfitted():
    X, y = load_iris(return_X_y=True)
    clf = NetClassifier(early_stopping=True, validation_fraction=0.001, random_state=0)
    with pytest.raises(ValueError, match="validation"):
        clf.fit(X, y)  # refused after the network was built
    with pytest.raises(NotFittedError):
        clf.predict(X)
    reg = NetRegressor(random_state=0)
    with pytest.raises(ValueError, match="could not convert string to float"):
        reg.fit(X, np.array(["a"] * len(X)))
    with pytest.raises(NotFittedError):
        reg.predict(X)


def test_a_refused_refit_keeps_the_previous_model():
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = NetClassifier(max_iter=5, random_state=0).fit(X, y)
    coefs = [W.copy() for W in clf.coefs_]
    clf.set_params(early_stopping=True, validation_fraction=0.001)
    with pytest.raises(ValueError, match="validation"):
        clf.fit(X, y)
    for W, W0 in zip(clf.coefs_, coefs, strict=True):
        assert_array_equal(W, W0)
    assert clf.n_iter_ == 5


@pytest.mark.parametrize("dtype", [np.float32, np.dtype("float32"), "float32"])
def test_dtype_as_type_dtype_or_name(dtype):
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = NetClassifier(dtype=dtype, max_iter=2, random_state=0).fit(X, y)
    assert clf.coefs_[0].dtype == np.float32


def test_single_class_message_shows_the_plain_label():
    X, _ = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=r"only one class: 0\.0$"):
        NetClassifier().fit(X[:5], np.zeros(5))


def test_balanced_class_weight_refused_by_partial_fit_for_multilabel_too():
    X, Y = make_multilabel_classification(n_samples=40, n_classes=3, random_state=0)
    clf = NetClassifier(class_weight="balanced")
    with pytest.raises(ValueError, match="not supported for partial_fit"):
        clf.partial_fit(X, Y, classes=[0, 1, 2])


def test_estimators_train_on_the_fast_path_with_the_real_optimizer():
    """No wrapper around the optimizer: fit takes the flat-vector (and compiled) update."""
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = NetClassifier(max_iter=3, random_state=0).fit(X, y)
        clf.partial_fit(X, y)
    opt = clf._optimizer
    assert type(opt) is Adam
    n_params = sum(W.size + b.size for W, b in zip(clf.coefs_, clf.intercepts_, strict=True))
    assert opt.state.m.shape == opt.state.v.shape == (n_params,)  # θ's one flat layout
    assert opt.t == 4 * int(np.ceil(len(X) / min(200, len(X))))


@pytest.mark.parametrize("Est", [NetClassifier, NetRegressor])
def test_feature_names_in_from_a_dataframe(Est):
    """Column names are kept, checked at predict time, and absent for plain arrays."""
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True)
    names = ["sepal length", "sepal width", "petal length", "petal width"]
    df = pd.DataFrame(X, columns=names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = Est(max_iter=3, random_state=0).fit(df, y)
    assert list(est.feature_names_in_) == names
    assert est.n_features_in_ == 4
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        from_array = est.predict(X)  # scikit-learn's warning: fitted with names, given none
    assert_array_equal(est.predict(df), from_array)
    with pytest.raises(ValueError, match="feature names"):
        est.predict(df[names[::-1]])  # the same columns in another order
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = Est(max_iter=3, random_state=0).fit(X, y)
    assert not hasattr(plain, "feature_names_in_")


def test_negative_slope_reaches_the_leaky_relu_layers():
    """negative_slope is the core's LeakyReLU α; it changes with set_params between fits."""
    from chainrule.activations import LeakyReLU

    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = NetClassifier(
            (5, 4), activation=["leaky_relu", "relu"], negative_slope=0.2, max_iter=2,
            random_state=0,
        ).fit(X, y)  # fmt: skip
        g = clf.network_.activations[0]
        assert isinstance(g, LeakyReLU)
        assert g.alpha == 0.2
        assert type(clf.network_.activations[1]).__name__ == "ReLU"
        clf.set_params(warm_start=True, negative_slope=0.05).fit(X, y)
    assert clf.network_.activations[0].alpha == 0.05
    with pytest.raises(ValueError, match="negative_slope"):
        NetClassifier(negative_slope=1.5).fit(X, y)


def test_l2_m_is_the_cores_l2_m():
    """l2_m=n gives the parameters of chainrule.fit(..., l2_m=n) (Nielsen's λ/n)."""
    X, y = load_iris(return_X_y=True)
    kw = {
        "hidden_layer_sizes": (6,),
        "solver": "sgd",
        "alpha": 0.5,
        "batch_size": 16,
        "learning_rate_init": 0.05,
        "max_iter": 3,
        "shuffle": False,
        "random_state": 0,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        per_batch = NetClassifier(**kw).fit(X, y)
        nielsen = NetClassifier(**kw, l2_m=len(X)).fit(X, y)
        same_as_batch = NetClassifier(**kw, l2_m=None).fit(X, y)
    net = Network([4, 6, 3], "relu", "softmax", "cce", seed=0, l2=0.5)
    net.fit(X.T, y, epochs=3, batch_size=16, optimizer="sgd", learning_rate=0.05,
            shuffle=False, l2_m=len(X), progress=False)  # fmt: skip
    for W, Wn in zip(nielsen.coefs_, net.Ws, strict=True):
        assert_allclose(W, Wn.T, rtol=1e-12, atol=1e-15)
    for W, W0 in zip(same_as_batch.coefs_, per_batch.coefs_, strict=True):
        assert_array_equal(W, W0)
    assert not np.allclose(nielsen.coefs_[0], per_batch.coefs_[0])
    with pytest.raises(ValueError, match="l2_m"):
        NetClassifier(l2_m=0).fit(X, y)


def test_a_refused_warm_start_changes_nothing_in_place():
    """Settings reach the fitted network only once training starts."""
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = NetClassifier((5,), activation="leaky_relu", max_iter=3, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    clf.set_params(warm_start=True, negative_slope=0.9, alpha=3.0, dropout=0.5)
    clf.set_params(early_stopping=True, validation_fraction=0.001)
    with pytest.raises(ValueError, match="validation"):
        clf.fit(X, y)
    assert clf.network_.activations[0].alpha == 0.01
    assert clf.network_.l2 == 1e-4
    assert_array_equal(clf.predict_proba(X), proba)


def test_an_error_after_training_keeps_the_trained_model():
    """A warning turned into an error after training (as scikit-learn) keeps the fit."""
    X, y = load_iris(return_X_y=True)
    clf = NetClassifier(max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            clf.fit(X, y)
    assert clf.n_iter_ == 2
    assert clf.predict(X).shape == (len(X),)


def test_partial_fit_recovers_after_a_divergence():
    """A diverged epoch discards the optimizer's non-finite state, so training can go on."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3)) * 1e3
    y = X[:, 0] * 1e3
    reg = NetRegressor(
        (8,), solver="momentum", learning_rate_init=1.0, batch_size=8, random_state=0
    )
    with pytest.warns(DivergenceWarning):
        reg.partial_fit(X, y)
    assert reg.history_.diverged
    reg.set_params(learning_rate_init=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        reg.partial_fit(X / 1e3, y / 1e6)  # the advice of the warning: smaller α, scaled data
    assert not reg.history_.diverged
    assert np.isfinite(reg._optimizer.state.v).all()
