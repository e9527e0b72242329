"""The Network API: construction, parameters, input checks, predictions, dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import chainrule
from chainrule import Network
from chainrule.activations import LeakyReLU, Sigmoid
from strategies import matrices

# -- construction ---------------------------------------------------------------------------


def test_parameters_are_the_course_dict_in_course_shapes() -> None:
    net = Network([4, 5, 3, 1], seed=0)
    p = net.parameters
    assert list(p) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert p["W1"].shape == (5, 4)
    assert p["b1"].shape == (5, 1)
    assert p["W2"].shape == (3, 5)
    assert p["W3"].shape == (1, 3)
    assert net.L == 3
    assert net.n_params == 5 * 4 + 5 + 3 * 5 + 3 + 3 + 1
    for b in (p["b1"], p["b2"], p["b3"]):
        assert_array_equal(b, 0.0)
    assert [a.name for a in net.activations] == ["relu", "relu", "sigmoid"]


def test_per_layer_activations_override_hidden_and_output() -> None:
    net = Network([2, 3, 3, 2], activations=["tanh", LeakyReLU(0.2), "softmax"], loss="cce")
    assert [a.name for a in net.activations] == ["tanh", "leaky_relu", "softmax"]
    assert net.activations[1] == LeakyReLU(0.2)
    assert net.task == "multiclass"


def test_same_seed_same_network_and_generator_seeds_work() -> None:
    a = Network([3, 4, 1], seed=5)
    b = Network([3, 4, 1], seed=np.int64(5))
    c = Network([3, 4, 1], seed=np.random.default_rng(5))
    for k in a.parameters:
        assert_array_equal(a.parameters[k], b.parameters[k])
        assert_array_equal(a.parameters[k], c.parameters[k])
    assert b.seed == 5
    assert b.config()["seed"] == 5
    assert not np.array_equal(Network([3, 4, 1], seed=6).parameters["W1"], a.parameters["W1"])


def test_repr_and_config_round_trip() -> None:
    net = Network([4, 8, 3], hidden="leaky_relu", output="softmax", loss="cce", l2=0.5,
                  dropout=0.25, dtype="float32", seed=3)  # fmt: skip
    assert repr(net) == (
        "Network(layer_dims=[4, 8, 3], activations=[leaky_relu, softmax], "
        "loss='categorical_crossentropy', dtype='float32', l2=0.5, n_params=67)"
    )
    clone = Network.from_config(net.config(), net.parameters)
    assert clone.config() == net.config()
    for k, v in net.parameters.items():
        assert_array_equal(clone.parameters[k], v)
        assert clone.parameters[k] is not v
    copy = net.copy()
    copy.parameters["W1"][0, 0] += 1.0
    assert copy.parameters["W1"][0, 0] != net.parameters["W1"][0, 0]  # independent


def test_parameters_setter_validates_and_copies() -> None:
    net = Network([2, 3, 1], seed=0)
    new = {k: np.full_like(v, 0.5) for k, v in net.parameters.items()}
    net.parameters = new
    new["W1"][0, 0] = 9.0
    assert net.parameters["W1"][0, 0] == 0.5
    with pytest.raises(ValueError, match="missing 'b2'"):
        net.parameters = {k: v for k, v in new.items() if k != "b2"}
    with pytest.raises(
        ValueError, match=r"parameters\['W2'\] must have shape \(1, 3\), got \(3, 1\)"
    ):
        net.parameters = {**new, "W2": np.zeros((3, 1))}
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.parameters = {**new, "b1": np.array([[np.nan], [0.0], [0.0]])}


# -- bad input to the constructor ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"layer_dims": [3]}, ValueError, "at least the input and output sizes"),
        ({"layer_dims": [3, 0, 1]}, ValueError, r"layer_dims\[1\] must be a positive integer"),
        ({"layer_dims": [3, -2, 1]}, ValueError, r"layer_dims\[1\] .* got -2"),
        ({"layer_dims": [3, 2.5, 1]}, TypeError, r"layer_dims\[1\] must be a positive integer"),
        ({"layer_dims": [3, True, 1]}, TypeError, "positive integer"),
        ({"layer_dims": "3,4,1"}, TypeError, "layer_dims must be a list"),
        ({"layer_dims": 5}, TypeError, "layer_dims must be a list"),
        ({"hidden": "swish"}, ValueError, "unknown hidden 'swish'; valid names are: identity, "),
        ({"layer_dims": [3, 1], "hidden": "swish"}, ValueError, "unknown hidden 'swish'"),
        ({"output": "softplus"}, ValueError, "unknown output 'softplus'"),
        ({"loss": "hinge"}, ValueError, "unknown loss 'hinge'; valid names are: .*squared_error"),
        ({"init": "orthogonal"}, ValueError, "unknown init 'orthogonal'; valid names are: auto, "),
        ({"init": ["he"]}, ValueError, "init must be one name or 2 names"),
        ({"init": ["he", "bogus"]}, ValueError, r"unknown init\[1\] 'bogus'"),
        ({"init": None}, TypeError, "init must be an initialiser name"),
        ({"init": 3}, TypeError, "init must be an initialiser name"),
        ({"dtype": "float16"}, ValueError, "dtype must be 'float64' or 'float32', got 'float16'"),
        ({"dtype": "int64"}, ValueError, "dtype must be 'float64' or 'float32'"),
        ({"dtype": "nonsense"}, TypeError, "dtype must be 'float64' or 'float32'"),
        ({"l2": -0.1}, ValueError, "l2 must be a finite number >= 0"),
        ({"l2": float("nan")}, ValueError, "l2 must be a finite number >= 0"),
        ({"l2": "0.1"}, TypeError, "l2 must be a non-negative number"),
        ({"dropout": 1.0}, ValueError, r"dropout must be in \[0, 1\)"),
        ({"dropout": -0.2}, ValueError, r"dropout must be in \[0, 1\)"),
        ({"dropout": [0.1, 0.2]}, ValueError, "one rate or one per hidden layer"),
        ({"dropout": "0.5"}, TypeError, "dropout must be a rate"),
        ({"seed": -1}, ValueError, "seed must be a non-negative integer"),
        ({"seed": 1.5}, TypeError, "seed must be an int"),
        ({"activations": ["relu"]}, ValueError, "one activation per layer"),
        ({"activations": "relu"}, ValueError, "one activation per layer"),
    ],
)
def test_constructor_errors(kwargs, exc, match) -> None:
    args = {"layer_dims": [3, 4, 1], **kwargs}
    with pytest.raises(exc, match=match):
        Network(**args)


def test_dropout_accepts_numpy_scalars_and_lists() -> None:
    assert Network([3, 4, 4, 1], dropout=np.float32(0.25)).keep_probs == [0.75, 0.75, 1.0]
    assert Network([3, 4, 4, 1], dropout=[0.5, 0.0]).keep_probs == [0.5, 1.0, 1.0]
    assert Network([3, 1], dropout=0.0).keep_probs == [1.0]
    with pytest.raises(ValueError, match="has none"):
        Network([3, 1], dropout=0.5)  # no hidden layer to drop units from


@pytest.mark.parametrize(
    ("output", "loss", "n_out", "match"),
    [
        ("tanh", "bce", 1, "needs outputs in \\(0, 1\\)"),
        ("relu", "cce", 3, "needs outputs in \\(0, 1\\)"),
        ("identity", "bce", 1, "use output='sigmoid'"),
        ("softmax", "mse", 1, "softmax output needs at least 2 units"),
        ("sigmoid", "cce", 1, "categorical cross-entropy needs at least 2 output units"),
    ],
)
def test_output_and_loss_must_fit_together(output, loss, n_out, match) -> None:
    with pytest.raises(ValueError, match=match):
        Network([3, 4, n_out], output=output, loss=loss)


# -- bad input to the methods -----------------------------------------------------------------


@pytest.fixture
def binary_net() -> Network:
    return Network([3, 4, 1], hidden="tanh", seed=0)


@pytest.fixture
def softmax_net() -> Network:
    return Network([3, 4, 3], hidden="tanh", output="softmax", loss="cce", seed=0)


def test_X_shape_errors_name_the_argument_and_the_expected_shape(binary_net) -> None:
    with pytest.raises(ValueError, match=r"X has 5 rows .* must have shape \(3, m\), got \(5, 3\)"):
        binary_net.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"did you mean X\.T\?"):
        binary_net.forward(np.zeros((7, 3)))
    with pytest.raises(ValueError, match="X must be a 2-D array, got shape \\(3,\\)"):
        binary_net.forward(np.zeros(3))
    with pytest.raises(ValueError, match="X is empty"):
        binary_net.forward(np.zeros((3, 0)))


@pytest.mark.parametrize(
    ("X", "exc", "match"),
    [
        (np.array([[1.0, np.nan], [0, 0], [0, 0]]), ValueError, "X contains 1 NaN or infinite"),
        (np.array([[1.0, np.inf], [0, -np.inf], [0, 0]]), ValueError, "X contains 2 NaN"),
        (np.array([["a", "b"], ["c", "d"], ["e", "f"]]), TypeError, "X must be a numeric array"),
        (np.array([[1, None], [0, 0], [0, 0]], dtype=object), TypeError, "numeric array"),
        ("abc", TypeError, "X must be a numeric array, got a string"),
        (np.ones((3, 2)) * 1j, TypeError, "X must be real"),
        ([[1.0, 2.0], [3.0], [4.0, 5.0]], TypeError, "X must be a numeric array"),
    ],
)
def test_X_content_errors(binary_net, X, exc, match) -> None:
    with pytest.raises(exc, match=match):
        binary_net.predict(X)


def test_Y_errors_for_binary_cross_entropy(binary_net) -> None:
    X = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"Y has 3 examples \(columns\) but X has 4"):
        binary_net.cost(X, np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"Y must have shape \(1, m\) .* got \(2, 4\)"):
        binary_net.cost(X, np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"labels 0 or 1 .* found \[-1\.0, 2\.0\]"):
        binary_net.cost(X, np.array([[0, 1, 2, -1]]))
    with pytest.raises(ValueError, match="Y contains 1 NaN"):
        binary_net.cost(X, np.array([[0, 1, np.nan, 1]]))
    with pytest.raises(TypeError, match="Y must be a numeric array"):
        binary_net.cost(X, np.array(["0", "1", "1", "0"]))
    # a 1-D label vector is fine for one output unit, as are booleans and integers
    J = binary_net.cost(X, np.array([0, 1, 1, 0]))
    assert binary_net.cost(X, np.array([[False, True, True, False]])) == J


def test_Y_class_indices_for_softmax(softmax_net) -> None:
    X = np.random.default_rng(0).standard_normal((3, 4))
    labels = np.array([0, 2, 1, 2])
    onehot = np.eye(3)[:, labels]
    assert softmax_net.cost(X, labels) == softmax_net.cost(X, onehot)
    assert softmax_net.cost(X, labels.reshape(1, -1)) == softmax_net.cost(X, onehot)
    with pytest.raises(ValueError, match=r"class indices \[3, 5\] outside \[0, 2\]"):
        softmax_net.cost(X, np.array([0, 3, 5, 1]))
    with pytest.raises(ValueError, match=r"class indices \[-1\] outside"):
        softmax_net.cost(X, np.array([0, -1, 1, 1]))
    with pytest.raises(ValueError, match=r"class indices \[0\.5\] that are not whole numbers"):
        softmax_net.cost(X, np.array([0, 0.5, 1, 1]))
    with pytest.raises(ValueError, match="Y contains 1 NaN or infinite"):
        softmax_net.cost(X, np.array([0, np.nan, 1, 1]))
    with pytest.raises(ValueError, match="one-hot"):
        softmax_net.cost(X, np.ones((3, 4)))
    with pytest.raises(ValueError, match="Y has 3 examples"):
        softmax_net.cost(X, np.array([0, 1, 2]))


def test_sample_weight_errors(binary_net) -> None:
    X, Y = np.zeros((3, 3)), np.array([[0, 1, 1]])
    with pytest.raises(ValueError, match="sample_weight has 2 entries but there are 3 examples"):
        binary_net.cost(X, Y, sample_weight=[1, 2])
    with pytest.raises(ValueError, match="non-negative with a positive sum"):
        binary_net.cost(X, Y, sample_weight=[1, -1, 1])
    with pytest.raises(ValueError, match="non-negative with a positive sum"):
        binary_net.cost(X, Y, sample_weight=[0, 0, 0])
    with pytest.raises(ValueError, match="sample_weight must be a 1-D array"):
        binary_net.cost(X, Y, sample_weight=[[1, 1, 1]])


# -- the math through the API -------------------------------------------------------------------


def test_cost_is_mean_of_losses_plus_the_l2_term(rng) -> None:
    net = Network([3, 4, 2], hidden="tanh", output="sigmoid", loss="bce", l2=0.6, seed=0)
    X = rng.standard_normal((3, 5))
    Y = (rng.random((2, 5)) < 0.5).astype(float)
    L = net.losses(X, Y)
    assert L.shape == (1, 5)
    sq = sum(float(np.sum(W**2)) for W in net.Ws)
    assert net.cost(X, Y) == pytest.approx(L.mean() + 0.6 / (2 * 5) * sq, rel=1e-14)
    w = np.array([1.0, 2.0, 0.5, 0.0, 1.5])
    expected = float((L * w).sum() / w.sum()) + 0.6 / (2 * w.sum()) * sq
    assert net.cost(X, Y, sample_weight=w) == pytest.approx(expected, rel=1e-14)


def test_cost_is_exact_where_the_output_saturates() -> None:
    net = Network([1, 1], output="sigmoid", loss="bce")
    net.parameters = {"W1": np.array([[100.0]]), "b1": np.array([[0.0]])}
    X = np.array([[1.0, -1.0]])
    # σ(±100) rounds to 1.0 and 3.7e-44; from the logits: L = log(1 + e^{−100}) ≈ 3.7e-44 twice
    assert net.forward(X)[0, 0] == 1.0
    assert net.cost(X, np.array([[1, 0]])) == pytest.approx(np.exp(-100.0), rel=1e-10)
    # and a confident mistake costs its true value 100, not −log ε ≈ 36
    assert net.cost(X, np.array([[0, 1]])) == pytest.approx(100.0, rel=1e-12)
    g = net.gradients(X, np.array([[0, 1]]))
    assert np.isfinite(g["dW1"]).all()


def test_predict_and_predict_proba_per_task(rng) -> None:
    X = rng.standard_normal((3, 6))
    binary = Network([3, 4, 1], seed=0)
    P = binary.predict_proba(X)
    assert P.shape == (1, 6)
    assert_array_equal(binary.predict(X), (P > 0.5).astype(int))
    assert binary.task == "binary"

    multi = Network([3, 4, 3], output="softmax", loss="cce", seed=0)
    P = multi.predict_proba(X)
    assert_allclose(P.sum(axis=0), 1.0)
    assert_array_equal(multi.predict(X), P.argmax(axis=0))
    assert multi.predict(X).shape == (6,)

    multilabel = Network([3, 4, 2], seed=0)
    assert multilabel.task == "multilabel"
    assert multilabel.predict(X).shape == (2, 6)

    reg = Network([3, 4, 2], output="identity", loss="mse", seed=0)
    assert reg.task == "regression"
    assert_array_equal(reg.predict(X), reg.forward(X))
    assert np.isnan(reg.accuracy(X, np.zeros((2, 6))))


def test_accuracy_by_hand() -> None:
    net = Network([1, 1], output="sigmoid", loss="bce")
    net.parameters = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]])}
    X = np.array([[-2.0, -1.0, 1.0, 2.0]])  # predictions 0, 0, 1, 1
    assert net.accuracy(X, np.array([[0, 1, 1, 1]])) == 0.75
    assert net.score(X, np.array([[0, 0, 1, 1]])) == 1.0


def test_predict_ignores_dropout(rng) -> None:
    net = Network([3, 16, 1], dropout=0.5, seed=0)
    X = rng.standard_normal((3, 5))
    assert_array_equal(net.forward(X), net.forward(X))
    no_dropout = Network([3, 16, 1], seed=0)
    assert_array_equal(net.forward(X), no_dropout.forward(X))
    assert_array_equal(
        net.gradients(X, np.ones((1, 5)))["dW1"], no_dropout.gradients(X, np.ones((1, 5)))["dW1"]
    )


# -- dtypes ---------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    matrices(3, st.integers(1, 6), -5, 5),
    st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax"]),
    st.sampled_from([("sigmoid", "bce"), ("softmax", "cce"), ("identity", "mse")]),
    st.sampled_from([np.float64, np.float32, np.int64]),
)
def test_float32_network_stays_float32(X, hidden, out_loss, input_dtype) -> None:
    output, loss = out_loss
    net = Network([3, 4, 2], hidden=hidden, output=output, loss=loss, dtype="float32",
                  l2=0.1, seed=0)  # fmt: skip
    Xi = X.astype(input_dtype)
    m = X.shape[1]
    Y = np.eye(2)[:, np.arange(m) % 2] if output != "identity" else np.zeros((2, m))
    AL, caches = net.forward_with_cache(Xi)
    assert AL.dtype == np.float32
    assert all(c.Z.dtype == c.A.dtype == c.A_prev.dtype == np.float32 for c in caches)
    assert net.losses(Xi, Y).dtype == np.float32
    assert isinstance(net.cost(Xi, Y), float)
    for fused in (None, False):
        g = net.gradients(Xi, Y, fused=fused, sample_weight=np.ones(m))
        assert all(v.dtype == np.float32 for v in g.values())
        assert all(d.dtype == np.float32 for d in g.dZ)
    assert net.predict_proba(Xi).dtype == np.float32


def test_float64_inputs_are_cast_to_the_network_dtype() -> None:
    net32 = Network([2, 3, 1], dtype=np.float32, seed=0)
    net64 = Network([2, 3, 1], dtype="float64", seed=0)
    X = np.array([[0.1, 0.2], [0.3, 0.4]])
    assert net32.forward(X).dtype == np.float32
    assert net64.forward(X.astype(np.float32)).dtype == np.float64
    # a float32 net starts from the float64 twin's weights, rounded
    for k in net64.parameters:
        assert_array_equal(net32.parameters[k], net64.parameters[k].astype(np.float32))


def test_public_api() -> None:
    assert sorted(chainrule.__all__) == chainrule.__all__
    for name in chainrule.__all__:
        assert hasattr(chainrule, name)
    assert isinstance(Sigmoid(), chainrule.activations.Activation)
