"""chainrule.stepwise: the course's functions, checked one by one.

The course's test cases draw from numpy's legacy global generator
(``np.random.seed`` / ``randn``); rebuilding them needs the same calls, hence
the file-wide NPY002 exemption below.

Oracles:

* the course notebooks' public test cases: inputs rebuilt from the seeds they
  use (``np.random.seed(1)`` then ``randn`` in the notebook's order), outputs
  compared with the numbers the notebooks publish (8 printed digits);
* an independent plain-NumPy transcription of each course formula, written
  here, compared to 1e-12;
* central finite differences of the cost for every gradient;
* chainrule's own training (:func:`chainrule.fit`) for the model loops;
* the exact key sets, cache layouts, seeds and non-mutation the course's
  contract implies, and every "bad input" of the issue.
"""

# ruff: noqa: NPY002
from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import chainrule
from chainrule import stepwise as sw

RTOL = 1e-12
COURSE = 1e-8  # the notebooks print 8 decimals


# --------------------------------------------------------------------------------------
# Independent NumPy transcriptions of the course's formulas (the oracle)
# --------------------------------------------------------------------------------------


def np_sigmoid(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def np_forward(X, params):
    """[LINEAR→RELU]×(L−1) → LINEAR→SIGMOID; returns AL and the per-layer (A_prev, W, b, Z)."""
    L = len(params) // 2
    A, layers = X, []
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        Z = np.dot(W, A) + b
        layers.append((A, W, b, Z))
        A = np_sigmoid(Z) if l == L else np.maximum(0, Z)
    return A, layers


def np_cost(AL, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


def np_backward(AL, Y, layers):
    """The course's L_model_backward, in plain NumPy."""
    L = len(layers)
    m = AL.shape[1]
    grads = {}
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in range(L, 0, -1):
        A_prev, W, _, Z = layers[l - 1]
        if l == L:
            s = np_sigmoid(Z)
            dZ = dA * s * (1 - s)
        else:
            dZ = np.array(dA, copy=True)
            dZ[Z <= 0] = 0
        grads[f"dW{l}"] = np.dot(dZ, A_prev.T) / m
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        dA = np.dot(W.T, dZ)
        grads[f"dA{l - 1}"] = dA
    return grads


def random_params(dims, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    p = {}
    for l in range(1, len(dims)):
        p[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * scale
        p[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.1
    return p


def numeric_grads(cost_of, params, eps=1e-6):
    """Central differences of cost_of(params) for every entry of every W, b."""
    out = {}
    for key, arr in params.items():
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            jp = cost_of(params)
            arr[idx] = old - eps
            jm = cost_of(params)
            arr[idx] = old
            g[idx] = (jp - jm) / (2 * eps)
        out[f"d{key}"] = g
    return out


def rel_diff(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


@pytest.fixture
def data3():
    """A 3-layer problem [4, 5, 3, 1], m = 7, labels 0/1, ReLU units away from their kink."""
    rng = np.random.default_rng(42)
    X = rng.standard_normal((4, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(float)
    return X, Y, random_params([4, 5, 3, 1], seed=1)


# --------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------


def test_sigmoid_and_relu_return_A_and_Z_as_cache():
    Z = np.array([[-2.0, 0.0, 3.0], [1.0, -0.5, 0.25]])
    A, cache = sw.sigmoid(Z)
    assert_allclose(A, np_sigmoid(Z), rtol=RTOL)
    assert cache is Z
    A, cache = sw.relu(Z)
    assert_array_equal(A, [[0, 0, 3], [1, 0, 0.25]])
    assert cache is Z


def test_activation_backward_is_dA_times_derivative():
    Z = np.array([[-2.0, 0.0, 3.0], [1.0, -0.5, 0.25]])
    dA = np.array([[0.3, -1.0, 2.0], [0.5, 4.0, -0.7]])
    s = np_sigmoid(Z)
    assert_allclose(sw.sigmoid_backward(dA, Z), dA * s * (1 - s), rtol=RTOL)
    # relu′(0) = 0, as the course's dZ[Z <= 0] = 0
    assert_array_equal(sw.relu_backward(dA, Z), [[0, 0, 2.0], [0.5, 0, -0.7]])


def test_sigmoid_backward_matches_finite_differences():
    Z = np.linspace(-4, 4, 9).reshape(1, -1)
    h = 1e-6
    numeric = (np_sigmoid(Z + h) - np_sigmoid(Z - h)) / (2 * h)
    assert_allclose(sw.sigmoid_backward(np.ones_like(Z), Z), numeric, rtol=1e-8)


# --------------------------------------------------------------------------------------
# Initialisation: seeds, draws, keys
# --------------------------------------------------------------------------------------


def test_initialize_parameters_course_values_and_seed():
    p = sw.initialize_parameters(3, 2, 1)
    assert list(p) == ["W1", "b1", "W2", "b2"]
    # the notebook's published values
    assert_allclose(
        p["W1"],
        [[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]],
        atol=COURSE,
    )
    assert_allclose(p["W2"], [[0.01744812, -0.00761207]], atol=COURSE)
    assert_array_equal(p["b1"], np.zeros((2, 1)))
    assert_array_equal(p["b2"], np.zeros((1, 1)))
    after = np.random.randn()  # the global generator was seeded inside and advanced by 8 draws
    np.random.seed(1)
    W1 = np.random.randn(2, 3) * 0.01
    W2 = np.random.randn(1, 2) * 0.01
    assert_array_equal(p["W1"], W1)  # bit for bit the course's draw
    assert_array_equal(p["W2"], W2)
    assert after == np.random.randn()


def test_initialize_parameters_deep_course_values():
    p = sw.initialize_parameters_deep([5, 4, 3])
    assert list(p) == ["W1", "b1", "W2", "b2"]
    assert p["W1"].shape == (4, 5)
    assert p["W2"].shape == (3, 4)
    assert_allclose(
        p["W1"][0], [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388], atol=COURSE
    )
    assert_allclose(p["W2"][0], [-0.01185047, -0.0020565, 0.01486148, 0.00236716], atol=COURSE)
    np.random.seed(3)
    assert_array_equal(p["W1"], np.random.randn(4, 5) * 0.01)
    assert_array_equal(p["W2"], np.random.randn(3, 4) * 0.01)
    assert_array_equal(p["b2"], np.zeros((3, 1)))


def test_initialize_parameters_deep_app_draws_randn_over_sqrt_n():
    dims = [6, 4, 3, 1]
    p = sw.initialize_parameters_deep_app(dims)
    assert list(p) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    np.random.seed(1)
    for l in range(1, 4):
        assert_array_equal(p[f"W{l}"], np.random.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1]))
        assert_array_equal(p[f"b{l}"], np.zeros((dims[l], 1)))


def test_course2_initializers():
    z = sw.initialize_parameters_zeros([3, 2, 1])
    assert list(z) == ["W1", "b1", "W2", "b2"]
    assert all(not v.any() for v in z.values())
    r = sw.initialize_parameters_random([3, 2, 1])
    assert_allclose(
        r["W1"],
        [[17.88628473, 4.36509851, 0.96497468], [-18.63492703, -2.77388203, -3.54758979]],
        atol=COURSE,
    )
    assert_allclose(r["W2"], [[-0.82741481, -6.27000677]], atol=COURSE)
    h = sw.initialize_parameters_he([2, 4, 1])
    assert_allclose(
        h["W1"],
        [
            [1.78862847, 0.43650985],
            [0.09649747, -1.8634927],
            [-0.2773882, -0.35475898],
            [-0.08274148, -0.62700068],
        ],
        atol=COURSE,
    )
    assert_allclose(h["W2"], [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]], atol=COURSE)
    np.random.seed(3)
    assert_array_equal(h["W1"], np.random.randn(4, 2) * np.sqrt(2.0 / 2))
    assert_array_equal(h["W2"], np.random.randn(1, 4) * np.sqrt(2.0 / 4))


# --------------------------------------------------------------------------------------
# Forward propagation
# --------------------------------------------------------------------------------------


def test_linear_forward_course_case():
    np.random.seed(1)
    A, W, b = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1)
    Z, cache = sw.linear_forward(A, W, b)
    assert_allclose(Z, [[3.26295337, -1.23429987]], atol=COURSE)
    assert_allclose(Z, np.dot(W, A) + b, rtol=RTOL)
    assert isinstance(cache, tuple)
    assert len(cache) == 3
    assert cache[0] is A
    assert cache[1] is W
    assert cache[2] is b


def test_linear_activation_forward_course_case():
    np.random.seed(2)
    A_prev, W, b = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1)
    A, cache = sw.linear_activation_forward(A_prev, W, b, "sigmoid")
    assert_allclose(A, [[0.96890023, 0.11013289]], atol=COURSE)
    (c_A, c_W, c_b), Z = cache
    assert c_A is A_prev
    assert c_W is W
    assert c_b is b
    assert_allclose(Z, np.dot(W, A_prev) + b, rtol=RTOL)
    A, _ = sw.linear_activation_forward(A_prev, W, b, "relu")
    assert_allclose(A, [[3.43896131, 0.0]], atol=COURSE)


def test_L_model_forward_course_case():
    np.random.seed(6)
    X = np.random.randn(5, 4)
    params = {}
    for l, (n, n_prev) in enumerate([(4, 5), (3, 4), (1, 3)], start=1):
        params[f"W{l}"] = np.random.randn(n, n_prev)
        params[f"b{l}"] = np.random.randn(n, 1)
    AL, caches = sw.L_model_forward(X, params)
    assert_allclose(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]], atol=COURSE)
    assert len(caches) == 3
    AL_np, layers = np_forward(X, params)
    assert_allclose(AL, AL_np, rtol=RTOL)
    for (lin, Z), (A_prev, W, b, Z_np) in zip(caches, layers, strict=True):
        assert len(lin) == 3
        assert_allclose(lin[0], A_prev, rtol=RTOL)
        assert lin[1] is W
        assert lin[2] is b
        assert_allclose(Z, Z_np, rtol=RTOL)
    assert caches[0][0][0] is X


# --------------------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------------------


def test_compute_cost_course_cases_and_scalar():
    AL = np.array([[0.8, 0.9, 0.4]])
    J = sw.compute_cost(AL, np.asarray([[1, 1, 1]]))
    assert J.shape == ()  # the course's np.squeeze: a 0-d value
    assert isinstance(J, np.float64)
    assert pytest.approx(0.41493159961539694, rel=1e-14) == J
    assert sw.compute_cost(AL, np.asarray([[1, 1, 0]])) == pytest.approx(
        0.2797765635793422, rel=1e-14
    )
    # −(1/3)[ln 0.8 + ln 0.9 + ln 0.6], by hand
    assert float(J) == pytest.approx(
        -(math.log(0.8) + math.log(0.9) + math.log(0.4)) / 3, rel=1e-14
    )


def test_compute_cost_reshapes_Y_and_stays_finite_at_saturation():
    AL = np.array([[0.25, 0.75]])
    assert sw.compute_cost(AL, np.array([0, 1])) == sw.compute_cost(AL, np.array([[0, 1]]))
    J = sw.compute_cost(np.array([[1.0, 0.0]]), np.array([[0, 1]]))
    assert np.isfinite(J)
    assert J > 30


# --------------------------------------------------------------------------------------
# Backward propagation
# --------------------------------------------------------------------------------------


def test_linear_backward_course_case():
    np.random.seed(1)
    dZ = np.random.randn(1, 2)
    A, W, b = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1)
    dA_prev, dW, db = sw.linear_backward(dZ, (A, W, b))
    assert_allclose(
        dA_prev,
        [[0.51822968, -0.19517421], [-0.40506361, 0.15255393], [2.37496825, -0.89445391]],
        atol=COURSE,
    )
    assert_allclose(dW, [[-0.10076895, 1.40685096, 1.64992505]], atol=COURSE)
    assert_allclose(db, [[0.50629448]], atol=COURSE)
    # the formulas: dW = (1/m) dZ A_prevᵀ, db = (1/m) Σ dZ, dA_prev = Wᵀ dZ (no 1/m)
    assert_allclose(dW, np.dot(dZ, A.T) / 2, rtol=RTOL)
    assert_allclose(db, np.sum(dZ, axis=1, keepdims=True) / 2, rtol=RTOL)
    assert_allclose(dA_prev, np.dot(W.T, dZ), rtol=RTOL)
    assert db.shape == (1, 1)


def test_linear_activation_backward_course_case():
    np.random.seed(2)
    dA = np.random.randn(1, 2)
    A, W, b = np.random.randn(3, 2), np.random.randn(1, 3), np.random.randn(1, 1)
    Z = np.random.randn(1, 2)
    cache = ((A, W, b), Z)
    dA_prev, dW, db = sw.linear_activation_backward(dA, cache, "sigmoid")
    assert_allclose(
        dA_prev,
        [[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]],
        atol=COURSE,
    )
    assert_allclose(dW, [[0.10266786, 0.09778551, -0.01968084]], atol=COURSE)
    assert_allclose(db, [[-0.05729622]], atol=COURSE)
    dA_prev, dW, db = sw.linear_activation_backward(dA, cache, "relu")
    assert_allclose(dA_prev, [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]], atol=COURSE)
    assert_allclose(dW, [[0.44513824, 0.37371418, -0.10478989]], atol=COURSE)
    assert_allclose(db, [[-0.20837892]], atol=COURSE)


def test_L_model_backward_keys_values_and_caches_as_list_or_tuple(data3):
    X, Y, params = data3
    AL, caches = sw.L_model_forward(X, params)
    grads = sw.L_model_backward(AL, Y, caches)
    assert set(grads) == {"dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"}
    assert list(grads)[:3] == ["dA2", "dW3", "db3"]  # the course's order, from layer L down
    _, layers = np_forward(X, params)
    expected = np_backward(AL, Y, layers)
    for k, v in expected.items():
        assert_allclose(grads[k], v, rtol=1e-11, atol=1e-15, err_msg=k)
        assert grads[k].shape == (params[k[1:]] if k[1] != "A" else layers[int(k[2:])][0]).shape
    as_tuple = sw.L_model_backward(AL, Y.ravel(), tuple(caches))  # Y of shape (m,): reshaped
    for k in grads:
        assert_array_equal(as_tuple[k], grads[k])


def test_L_model_backward_matches_finite_differences(data3):
    X, Y, params = data3
    AL, caches = sw.L_model_forward(X, params)
    grads = sw.L_model_backward(AL, Y, caches)

    def J(p):
        return float(sw.compute_cost(sw.L_model_forward(X, p)[0], Y))

    numeric = numeric_grads(J, {k: v.copy() for k, v in params.items()})
    for k, g in numeric.items():
        assert rel_diff(grads[k], g) < 1e-7, k


def test_L_model_backward_course_caches_with_a_valid_AL():
    # The notebook's L_model_backward_test_case (seed 3), with AL = σ(Z2) so that AL is a
    # probability (the notebook feeds AL = randn, values 1.79 and 0.44; see test below).
    np.random.seed(3)
    np.random.randn(1, 2)  # the notebook's AL draw
    Y = np.array([[1, 0]])
    A1, W1, b1, Z1 = (np.random.randn(*s) for s in [(4, 2), (3, 4), (3, 1), (3, 2)])
    A2, W2, b2, Z2 = (np.random.randn(*s) for s in [(3, 2), (1, 3), (1, 1), (1, 2)])
    AL = np_sigmoid(Z2)
    caches = [((A1, W1, b1), Z1), ((A2, W2, b2), Z2)]
    grads = sw.L_model_backward(AL, Y, caches)
    expected = np_backward(AL, Y, [(A1, W1, b1, Z1), (A2, W2, b2, Z2)])
    assert set(grads) == {"dA0", "dA1", "dW1", "dW2", "db1", "db2"}
    for k, v in expected.items():
        assert_allclose(grads[k], v, rtol=1e-11, atol=1e-15, err_msg=k)


def test_L_model_backward_accepts_the_notebooks_randn_AL():
    # The notebook's L_model_backward_test_case feeds AL = randn(1, 2) = [1.79, 0.44]: not
    # probabilities, but dAL = −(Y/AL − (1−Y)/(1−AL)) is defined there, and the course's
    # sigmoid_backward takes σ from the cached Z, not from AL.
    np.random.seed(3)
    AL = np.random.randn(1, 2)
    Y = np.array([[1, 0]])
    A1, W1, b1, Z1 = (np.random.randn(*s) for s in [(4, 2), (3, 4), (3, 1), (3, 2)])
    A2, W2, b2, Z2 = (np.random.randn(*s) for s in [(3, 2), (1, 3), (1, 1), (1, 2)])
    assert AL.max() > 1
    caches = [((A1, W1, b1), Z1), ((A2, W2, b2), Z2)]
    grads = sw.L_model_backward(AL, Y, caches)
    expected = np_backward(AL, Y, [(A1, W1, b1, Z1), (A2, W2, b2, Z2)])
    for k, v in expected.items():
        assert_allclose(grads[k], v, rtol=1e-11, atol=1e-15, err_msg=k)
    with pytest.raises(ValueError, match="probabilities"):
        sw.compute_cost(AL, Y)  # the cost, though, needs probabilities


def test_L_model_backward_follows_the_course_chain_not_the_fused_A_minus_Y():
    # σ(40) rounds to exactly 1.0; with y = 0 the course's chain multiplies a huge
    # dAL = 1/(1 − AL) (finite: AL is clipped to 1 − ε) by σ′ = AL(1 − AL) = 0 and loses the
    # gradient (the notebook gets nan); the fused A − Y that chainrule.fit uses gives dZ = 1.
    params = {"W1": np.array([[40.0]]), "b1": np.zeros((1, 1))}
    X, Y = np.array([[1.0]]), np.array([[0.0]])
    AL, caches = sw.L_model_forward(X, params)
    assert AL[0, 0] == 1.0
    grads = sw.L_model_backward(AL, Y, caches)
    assert grads["dW1"][0, 0] == 0.0
    assert grads["db1"][0, 0] == 0.0
    net = chainrule.Network([1, 1], output="sigmoid", loss="bce", seed=0)
    net.parameters = params
    assert net.gradients(X, Y)["dW1"][0, 0] == 1.0  # A − Y


def test_L_model_backward_for_a_tiny_but_representable_AL():
    params = {"W1": np.array([[40.0]]), "b1": np.zeros((1, 1))}
    X, Y = np.array([[-1.0]]), np.array([[1.0]])
    AL, caches = sw.L_model_forward(X, params)  # σ(−40) = 4.2e-18
    grads = sw.L_model_backward(AL, Y, caches)
    # the notebook: dAL = −1/AL, dZ = dAL·AL(1 − AL) = −(1 − AL) ≈ −1, dW1 = dZ·x = 1
    assert grads["dW1"][0, 0] == pytest.approx(1.0, rel=1e-12)


# --------------------------------------------------------------------------------------
# Update
# --------------------------------------------------------------------------------------


def test_update_parameters_course_case_and_no_mutation():
    np.random.seed(2)
    params = {"W1": np.random.randn(3, 4), "b1": np.random.randn(3, 1)}
    params |= {"W2": np.random.randn(1, 3), "b2": np.random.randn(1, 1)}
    np.random.seed(3)
    grads = {"dW1": np.random.randn(3, 4), "db1": np.random.randn(3, 1)}
    grads |= {"dW2": np.random.randn(1, 3), "db2": np.random.randn(1, 1)}
    grads["dA0"] = np.full((4, 5), np.nan)  # dA keys are ignored
    before = {k: v.copy() for k, v in params.items()}
    new = sw.update_parameters(params, grads, 0.1)
    assert list(new) == ["W1", "b1", "W2", "b2"]
    assert_allclose(
        new["W1"],
        [
            [-0.59562069, -0.09991781, -2.14584584, 1.82662008],
            [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
            [-1.0535704, -0.86128581, 0.68284052, 2.20374577],
        ],
        atol=COURSE,
    )
    assert_allclose(new["b1"], [[-0.04659241], [-1.28888275], [0.53405496]], atol=COURSE)
    assert_allclose(new["W2"], [[-0.55569196, 0.0354055, 1.32964895]], atol=COURSE)
    assert_allclose(new["b2"], [[-0.84610769]], atol=COURSE)
    for k in params:
        assert_array_equal(params[k], before[k])  # the input is not mutated
        assert new[k] is not params[k]
        assert_array_equal(new[k], before[k] - 0.1 * grads["d" + k])


# --------------------------------------------------------------------------------------
# The model loops
# --------------------------------------------------------------------------------------


@pytest.fixture
def toy():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((6, 40))
    Y = (X[0:1] + 0.5 * X[1:2] > 0).astype(float)
    return X, Y


def test_L_layer_model_equals_the_public_functions_step_by_step(toy, capsys):
    X, Y = toy
    dims = [6, 5, 3, 1]
    params, costs = sw.L_layer_model(X, Y, dims, learning_rate=0.05, num_iterations=250)
    assert capsys.readouterr().out == ""  # print_cost=False prints nothing
    p = sw.initialize_parameters_deep_app(dims)
    manual = []
    for i in range(250):
        AL, caches = sw.L_model_forward(X, p)
        if i % 100 == 0:
            manual.append(sw.compute_cost(AL, Y))
        p = sw.update_parameters(p, sw.L_model_backward(AL, Y, caches), 0.05)
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for k in p:
        assert_array_equal(params[k], p[k])  # bit for bit
    assert len(costs) == 3
    assert_array_equal(costs, manual)


def test_two_layer_model_initial_cost_print_and_reproducibility(toy, capsys):
    X, Y = toy
    params, costs = sw.two_layer_model(X, Y, (6, 4, 1), num_iterations=201, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split(":")[0] for ln in lines] == [
        "Cost after iteration 0",
        "Cost after iteration 100",
        "Cost after iteration 200",
    ]
    p0 = sw.initialize_parameters(6, 4, 1)
    J0 = sw.compute_cost(sw.L_model_forward(X, p0)[0], Y)
    assert costs[0] == J0
    assert lines[0] == f"Cost after iteration 0: {J0}"
    assert float(lines[2].split(": ")[1]) == costs[2]
    again, costs2 = sw.two_layer_model(X, Y, (6, 4, 1), num_iterations=201)
    assert all(np.array_equal(params[k], again[k]) for k in params)
    assert costs2 == costs


def test_print_cost_includes_the_last_iteration(toy, capsys):
    X, Y = toy
    sw.L_layer_model(X, Y, [6, 2, 1], num_iterations=150, print_cost=True)
    out = capsys.readouterr().out.splitlines()
    assert [ln.split(":")[0][len("Cost after iteration ") :] for ln in out] == ["0", "100", "149"]


def test_L_layer_model_agrees_with_chainrule_fit(toy):
    X, Y = toy
    dims = [6, 5, 3, 1]
    params, costs = sw.L_layer_model(X, Y, dims, learning_rate=0.05, num_iterations=300)
    net = chainrule.Network(dims, hidden="relu", output="sigmoid", loss="bce", seed=0)
    net.parameters = sw.initialize_parameters_deep_app(dims)
    hist = net.fit(X, Y, epochs=300, optimizer="sgd", learning_rate=0.05, progress=False)
    # fit's output step is the fused A − Y and its cost comes from Z: the same math,
    # different rounding, so agreement to ~1e-12, not bit for bit
    for k, v in net.parameters.items():
        assert_allclose(params[k], v, rtol=1e-9, atol=1e-12)
    assert_allclose(costs, hist.train_cost[::100], rtol=1e-12)


def test_predict_prints_the_course_accuracy(capsys):
    m = 209
    X = np.ones((2, m))
    params = {"W1": np.array([[1.0, 1.0]]), "b1": np.zeros((1, 1))}
    p = sw.predict(X, np.ones((1, m)), params)
    assert p.shape == (1, m)
    assert p.dtype == np.float64
    assert (p == 1).all()
    # the course's np.sum((p == y) / m): 209 terms 1/209 sum to 0.9999999999999998
    assert capsys.readouterr().out == "Accuracy: 0.9999999999999998\n"
    assert sw.accuracy(p, np.ones(m)) == 1.0
    y = np.ones((1, m))
    y[0, :3] = 0
    sw.predict(X, y, params)
    assert capsys.readouterr().out == f"Accuracy: {np.sum((p == y) / m)}\n"
    assert sw.accuracy(p, y) == 206 / 209


def test_predict_threshold_is_strictly_above_one_half(capsys):
    params = {"W1": np.zeros((1, 3)), "b1": np.zeros((1, 1))}  # AL = σ(0) = 0.5 exactly
    p = sw.predict(np.ones((3, 4)), np.zeros(4), params, verbose=False)
    assert_array_equal(p, np.zeros((1, 4)))
    assert capsys.readouterr().out == ""


def test_flatten_images_and_load_data_errors(tmp_path):
    x = np.arange(2 * 2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 2, 3)
    flat = sw.flatten_images(x)
    assert flat.shape == (12, 2)
    assert_allclose(flat[:, 1], x[1].ravel() / 255.0, rtol=RTOL)
    with pytest.raises(FileNotFoundError, match=r"train_catvnoncat\.h5 not found in .*"):
        sw.load_data(tmp_path)
    (tmp_path / "train_catvnoncat.h5").write_bytes(b"")
    with pytest.raises(
        FileNotFoundError, match=r"test_catvnoncat\.h5 not found in " + str(tmp_path)
    ):
        sw.load_data(tmp_path)


# --------------------------------------------------------------------------------------
# Course 2: regularization and dropout
# --------------------------------------------------------------------------------------


def _reg_case(with_X=False):
    """The notebooks' regularization test cases: seed 1, [X = randn(3, 5),] W1, b1, ..., b3."""
    np.random.seed(1)
    X = np.random.randn(3, 5) if with_X else None
    params = {}
    for l, (n, n_prev) in enumerate([(2, 3), (3, 2), (1, 3)], start=1):
        params[f"W{l}"] = np.random.randn(n, n_prev)
        params[f"b{l}"] = np.random.randn(n, 1)
    return X, np.array([[1, 1, 0, 1, 0]]), params


COURSE2_KEYS = ["dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]


def test_compute_cost_with_regularization_course_case():
    _, Y, params = _reg_case()
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    J = sw.compute_cost_with_regularization(a3, Y, params, lambd=0.1)
    assert pytest.approx(1.78648594516, abs=1e-10) == J
    l2 = 0.1 / (2 * 5) * sum(np.sum(params[f"W{l}"] ** 2) for l in (1, 2, 3))
    assert pytest.approx(np_cost(a3, Y) + l2, rel=1e-13) == J


def test_backward_propagation_with_regularization_course_case():
    X, Y, params = _reg_case(with_X=True)
    A3, cache = sw.forward_propagation(X, params)
    assert len(cache) == 12
    grads = sw.backward_propagation_with_regularization(X, Y, cache, lambd=0.7)
    assert list(grads) == COURSE2_KEYS
    # independent transcription: dZ3 = A3 − Y, dW = (1/m) dZ A_prevᵀ + (λ/m) W
    _, A1, W1, _, _, A2, W2, _, _, _, W3, _ = cache  # (Z1, A1, W1, b1, ..., W3, b3)
    m = 5
    dZ3 = A3 - Y
    assert_allclose(grads["dW3"], dZ3 @ A2.T / m + 0.7 / m * W3, rtol=1e-12)
    dZ2 = (W3.T @ dZ3) * (A2 > 0)
    assert_allclose(grads["dW2"], dZ2 @ A1.T / m + 0.7 / m * W2, rtol=1e-12)
    dZ1 = (W2.T @ dZ2) * (A1 > 0)
    assert_allclose(grads["dW1"], dZ1 @ X.T / m + 0.7 / m * W1, rtol=1e-12)
    assert_allclose(grads["db1"], dZ1.sum(axis=1, keepdims=True) / m, rtol=1e-12)
    # the notebook's published numbers (its cache is this one, printed to 8 digits)
    assert_allclose(grads["dW3"], [[-1.77691347, -0.11832879, -0.09397446]], atol=1e-6)
    assert_allclose(
        grads["dW2"],
        [[0.79276486, 0.85133918], [-0.0957219, -0.01720463], [-0.13100772, -0.03750433]],
        atol=1e-6,
    )
    assert_allclose(
        grads["dW1"],
        [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]],
        atol=1e-6,
    )


def test_regularized_gradient_matches_finite_differences(data3):
    X, Y, params = data3

    def J(p):
        return float(
            sw.compute_cost_with_regularization(sw.forward_propagation(X, p)[0], Y, p, 0.3)
        )

    _, cache = sw.forward_propagation(X, params)
    grads = sw.backward_propagation_with_regularization(X, Y, cache, 0.3)
    numeric = numeric_grads(J, {k: v.copy() for k, v in params.items()})
    for k, g in numeric.items():
        assert rel_diff(grads[k], g) < 1e-7, k


def test_forward_propagation_with_dropout_course_case():
    X, _, params = _reg_case(with_X=True)
    A3, cache = sw.forward_propagation_with_dropout(X, params, keep_prob=0.7)
    assert_allclose(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]], atol=COURSE)
    assert len(cache) == 14
    Z1, D1, A1, _, _, Z2, D2, _, W2, b2, _, A3c, W3, _ = cache  # (Z1, D1, A1, W1, b1, ...)
    assert D1.dtype == bool
    assert D2.dtype == bool
    np.random.seed(1)  # the course's masks: rand(...) < keep_prob, layer by layer
    assert_array_equal(D1, np.random.rand(2, 5) < 0.7)
    assert_array_equal(D2, np.random.rand(3, 5) < 0.7)
    assert_allclose(A1, np.maximum(0, Z1) * D1 / 0.7, rtol=1e-15)
    assert_allclose(Z2, W2 @ A1 + b2, rtol=1e-15)
    assert A3c is A3
    assert W3 is params["W3"]


def test_backward_propagation_with_dropout_course_case():
    np.random.seed(1)
    X = np.random.randn(3, 5)
    Y = np.array([[1, 1, 0, 1, 0]])
    Z1 = np.array(
        [
            [-1.52855314, 3.32524635, 2.13994541, 2.60700654, -0.75942115],
            [-1.98043538, 4.1600994, 0.79051021, 1.46493512, -0.45506242],
        ]
    )
    D1 = np.array([[True, False, True, True, True], [True, True, True, True, False]])
    A1 = np.array(
        [[0.0, 0.0, 4.27989081, 5.21401307, 0.0], [0.0, 8.32019881, 1.58102041, 2.92987024, 0.0]]
    )
    W1 = np.array([[-1.09989127, -0.17242821, -0.87785842], [0.04221375, 0.58281521, -1.10061918]])
    b1 = np.array([[1.14472371], [0.90159072]])
    Z2 = np.array(
        [
            [0.53035547, 8.02565606, 4.10524802, 5.78975856, 0.53035547],
            [-0.69166075, -1.71413186, -3.81223329, -4.61667916, -0.69166075],
            [-0.39675353, -2.62563561, -4.82528105, -6.0607449, -0.39675353],
        ]
    )
    D2 = np.array(
        [
            [True, False, True, False, True],
            [False, True, False, True, True],
            [False, False, True, False, False],
        ]
    )
    A2 = np.array([[1.06071093, 0.0, 8.21049603, 0.0, 1.06071093], [0.0] * 5, [0.0] * 5])
    W2 = np.array(
        [[0.50249434, 0.90085595], [-0.68372786, -0.12289023], [-0.93576943, -0.26788808]]
    )
    b2 = np.array([[0.53035547], [-0.69166075], [-0.39675353]])
    Z3 = np.array([[-0.7415562, -0.0126646, -5.65469333, -0.0126646, -0.7415562]])
    A3 = np.array([[0.32266394, 0.49683389, 0.00348883, 0.49683389, 0.32266394]])
    W3 = np.array([[-0.6871727, -0.84520564, -0.67124613]])
    b3 = np.array([[-0.0126646]])
    cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)
    grads = sw.backward_propagation_with_dropout(X, Y, cache, keep_prob=0.8)
    assert list(grads) == COURSE2_KEYS
    assert_allclose(
        grads["dA1"],
        [
            [0.36544439, 0.0, -0.00188233, 0.0, -0.17408748],
            [0.65515713, 0.0, -0.00337459, 0.0, -0.0],
        ],
        atol=COURSE,
    )
    assert_allclose(
        grads["dA2"],
        [
            [0.58180856, 0.0, -0.00299679, 0.0, -0.27715731],
            [0.0, 0.53159854, -0.0, 0.53159854, -0.34089673],
            [0.0, 0.0, -0.00292733, 0.0, -0.0],
        ],
        atol=COURSE,
    )
    # independent transcription of the course's backward pass
    m = 5
    dZ3 = A3 - Y
    dA2 = (W3.T @ dZ3) * D2 / 0.8
    dZ2 = dA2 * (A2 > 0)
    dA1 = (W2.T @ dZ2) * D1 / 0.8
    dZ1 = dA1 * (A1 > 0)
    assert_allclose(grads["dW3"], dZ3 @ A2.T / m, rtol=1e-12)
    assert_allclose(grads["dW2"], dZ2 @ A1.T / m, rtol=1e-12)
    assert_allclose(grads["dW1"], dZ1 @ X.T / m, rtol=1e-12)
    assert_allclose(grads["db1"], dZ1.sum(axis=1, keepdims=True) / m, rtol=1e-12)


def test_dropout_with_keep_prob_one_is_the_plain_network(data3):
    X, Y, params = data3
    A_drop, cache = sw.forward_propagation_with_dropout(X, params, keep_prob=1.0)
    A_plain, plain = sw.forward_propagation(X, params)
    assert_array_equal(A_drop, A_plain)
    g_drop = sw.backward_propagation_with_dropout(X, Y, cache, 1.0)
    g_plain = sw.backward_propagation(X, Y, plain)
    assert list(g_drop) == list(g_plain)
    for k in g_plain:
        assert_allclose(g_drop[k], g_plain[k], rtol=1e-15, err_msg=k)


# --------------------------------------------------------------------------------------
# Course 2: gradient checking
# --------------------------------------------------------------------------------------


def _gc_case():
    np.random.seed(1)
    x = np.random.randn(4, 3)
    y = np.array([1, 1, 0])
    params = {}
    for l, (n, n_prev) in enumerate([(5, 4), (3, 5), (1, 3)], start=1):
        params[f"W{l}"] = np.random.randn(n, n_prev)
        params[f"b{l}"] = np.random.randn(n, 1)
    return x, y, params


def test_vector_helpers_round_trip():
    _, _, params = _gc_case()
    theta, keys = sw.dictionary_to_vector(params)
    assert theta.shape == (47, 1)
    assert len(keys) == 47
    assert keys[:20] == ["W1"] * 20
    assert keys[20:25] == ["b1"] * 5
    assert keys[-1] == "b3"
    back = sw.vector_to_dictionary(theta)  # the notebook's (4, 5, 3, 1) network by default
    assert list(back) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for k in params:
        assert_array_equal(back[k], params[k])
    grads = {"d" + k: v * 2 for k, v in params.items()} | {"dZ1": np.zeros(3)}
    assert_array_equal(sw.gradients_to_vector(grads), 2 * theta)
    with pytest.raises(ValueError, match=r"theta has 47 entries but .* has 13 parameters"):
        sw.vector_to_dictionary(theta, [2, 3, 1])


def test_gradient_check_n_course_case(capsys):
    x, y, params = _gc_case()
    cost, cache = sw.forward_propagation_n(x, y, params)
    AL, _ = np_forward(x, params)
    assert cost == pytest.approx(np_cost(AL, y.reshape(1, -1)), rel=1e-13)
    grads = sw.backward_propagation_n(x, y, cache)
    assert list(grads) == COURSE2_KEYS
    difference = sw.gradient_check_n(params, grads, x, y, 1e-7, print_msg=True)
    assert difference < 2e-7
    assert capsys.readouterr().out.startswith("Your backward propagation works perfectly fine!")
    # the notebook's planted bugs (dW2 doubled, db1 ×4) give its published difference
    buggy = dict(grads, dW2=grads["dW2"] * 2, db1=grads["db1"] * 4)
    difference = sw.gradient_check_n(params, buggy, x, y, print_msg=True)
    assert difference == pytest.approx(0.2850931567761623, abs=1e-6)
    assert capsys.readouterr().out.startswith("There is a mistake in the backward propagation!")


# --------------------------------------------------------------------------------------
# Course 2: optimization
# --------------------------------------------------------------------------------------


def test_random_mini_batches_course_shapes_and_seeded_permutation():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 148))
    Y = np.arange(148, dtype=float).reshape(1, -1)  # label = column index: checks alignment
    X[0] = Y[0]
    batches = sw.random_mini_batches(X, Y, 64, seed=0)
    assert [b[0].shape for b in batches] == [(5, 64), (5, 64), (5, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    order = np.concatenate([b[1][0] for b in batches]).astype(int)
    np.random.seed(0)
    assert_array_equal(order, np.random.permutation(148))
    for bx, by in batches:
        assert_array_equal(bx[0], by[0])
    assert len(sw.random_mini_batches(X, Y, 74)) == 2  # m a multiple of the size: no extra batch


def _opt_case():
    np.random.seed(1)
    shapes = {"W1": (2, 3), "b1": (2, 1), "W2": (3, 3), "b2": (3, 1)}
    params = {k: np.random.randn(*s) for k, s in shapes.items()}
    grads = {"d" + k: np.random.randn(*s) for k, s in shapes.items()}
    return params, grads


def test_update_parameters_with_momentum_course_case_and_no_mutation():
    params, grads = _opt_case()
    v = sw.initialize_velocity(params)
    assert list(v) == ["dW1", "db1", "dW2", "db2"]
    assert not any(a.any() for a in v.values())
    before = {k: a.copy() for k, a in params.items()}
    v_before = {k: a.copy() for k, a in v.items()}
    new, v_new = sw.update_parameters_with_momentum(params, grads, v, beta=0.9, learning_rate=0.01)
    assert_allclose(
        new["W1"],
        [[1.62544598, -0.61290114, -0.52907334], [-1.07347112, 0.86450677, -2.30085497]],
        atol=COURSE,
    )
    assert_allclose(v_new["db2"], [[0.02344157], [0.16598022], [0.07420442]], atol=COURSE)
    for k in params:  # v ← βv + (1 − β) dW;  W ← W − α v
        assert_allclose(v_new["d" + k], 0.9 * v_before["d" + k] + 0.1 * grads["d" + k], rtol=RTOL)
        assert_allclose(new[k], before[k] - 0.01 * v_new["d" + k], rtol=RTOL)
        assert_array_equal(params[k], before[k])
        assert_array_equal(v["d" + k], v_before["d" + k])


def test_update_parameters_with_adam_course_case_and_no_mutation():
    params, grads = _opt_case()
    v, s = sw.initialize_adam(params)
    assert list(v) == list(s) == ["dW1", "db1", "dW2", "db2"]
    before = {k: a.copy() for k, a in params.items()}
    out = sw.update_parameters_with_adam(params, grads, v, s, t=2, learning_rate=0.01)
    new, v2, s2, v_corr, s_corr = out
    assert_allclose(
        new["W1"],
        [[1.63178673, -0.61919778, -0.53561312], [-1.08040999, 0.85796626, -2.29409733]],
        atol=COURSE,
    )
    assert_allclose(new["b1"], [[1.75225313], [-0.75376553]], atol=COURSE)
    assert_allclose(
        new["W2"],
        [
            [0.32648046, -0.25681174, 1.46954931],
            [-2.05269934, -0.31497584, -0.37661299],
            [1.14121081, -1.09244991, -0.16498684],
        ],
        atol=COURSE,
    )
    assert_allclose(new["b2"], [[-0.88529979], [0.03477238], [0.57537385]], atol=COURSE)
    assert_allclose(
        v2["dW1"],
        [[-0.11006192, 0.11447237, 0.09015907], [0.05024943, 0.09008559, -0.06837279]],
        atol=COURSE,
    )
    assert_allclose(s2["db1"], [[1.51020075e-05], [8.75664434e-04]], atol=COURSE)
    for k in params:
        g = grads["d" + k]
        assert_allclose(v2["d" + k], 0.1 * g, rtol=RTOL)
        assert_allclose(s2["d" + k], 0.001 * g * g, rtol=RTOL)
        assert_allclose(v_corr["d" + k], 0.1 * g / (1 - 0.9**2), rtol=RTOL)
        assert_allclose(s_corr["d" + k], 0.001 * g * g / (1 - 0.999**2), rtol=RTOL)
        step = 0.01 * v_corr["d" + k] / (np.sqrt(s_corr["d" + k]) + 1e-8)
        assert_allclose(new[k], before[k] - step, rtol=1e-12)
        assert_array_equal(params[k], before[k])
        assert not v["d" + k].any()
        assert not s["d" + k].any()


def test_learning_rate_decay():
    assert sw.update_lr(0.5, 2, 1) == 0.5 / 3
    assert sw.update_lr(0.5, 0, 1) == 0.5
    assert sw.schedule_lr_decay(0.5, 99, 1, 100) == 0.5
    assert sw.schedule_lr_decay(0.5, 100, 1, 100) == 0.25
    assert sw.schedule_lr_decay(0.1, 2500, 0.3) == pytest.approx(0.1 / 1.6)  # ⌊2500/1000⌋ = 2
    assert sw.update_parameters_with_gd(*_opt_case(), 0.1)["b1"].shape == (2, 1)


# --------------------------------------------------------------------------------------
# Bad input: a clear error instead of a broadcast accident
# --------------------------------------------------------------------------------------


def test_bad_shapes_between_W_A_prev_and_b():
    A, W, b = np.ones((3, 2)), np.ones((1, 3)), np.ones((1, 1))
    with pytest.raises(ValueError, match=r"W has shape \(1, 4\) but A has shape \(3, 2\)"):
        sw.linear_forward(A, np.ones((1, 4)), b)
    with pytest.raises(
        ValueError, match=r"b must have shape \(1, 1\) to match W \(1, 3\), got \(1,\)"
    ):
        sw.linear_forward(A, W, np.ones(1))
    with pytest.raises(ValueError, match=r"b must have shape \(2, 1\) .* got \(2, 2\)"):
        sw.linear_activation_forward(np.ones((3, 2)), np.ones((2, 3)), np.ones((2, 2)), "relu")
    with pytest.raises(ValueError, match=r"dZ must have shape \(n\[l\], m\) = \(1, 2\)"):
        sw.linear_backward(np.ones((1, 3)), (A, W, b))
    with pytest.raises(TypeError, match=r"cache must be the tuple \(A_prev, W, b\)"):
        sw.linear_backward(np.ones((1, 2)), (A, W))
    with pytest.raises(ValueError, match=r"dA and cache \(Z\) must have the same shape"):
        sw.relu_backward(np.ones((2, 2)), np.ones((2, 3)))


def test_unknown_activation_name():
    A, W, b = np.ones((3, 2)), np.ones((1, 3)), np.ones((1, 1))
    with pytest.raises(ValueError, match=r"unknown activation 'tanh'.*'relu' or 'sigmoid'"):
        sw.linear_activation_forward(A, W, b, "tanh")
    with pytest.raises(ValueError, match="unknown activation 'Sigmoid'"):
        sw.linear_activation_backward(np.ones((1, 2)), ((A, W, b), np.ones((1, 2))), "Sigmoid")
    with pytest.raises(TypeError, match="activation must be a string"):
        sw.linear_activation_forward(A, W, b, None)


def test_AL_and_Y_of_different_sizes():
    with pytest.raises(
        ValueError, match=r"AL has shape \(1, 3\) \(3 values\), Y has shape \(1, 4\)"
    ):
        sw.compute_cost(np.full((1, 3), 0.5), np.ones((1, 4)))
    AL, caches = sw.L_model_forward(np.ones((2, 3)), random_params([2, 1]))
    with pytest.raises(ValueError, match="AL and Y must hold one value per example"):
        sw.L_model_backward(AL, np.ones(5), caches)
    with pytest.raises(ValueError, match=r"AL must hold probabilities in \[0, 1\]"):
        sw.compute_cost(np.array([[1.5, 0.2]]), np.array([[1, 0]]))
    with pytest.raises(ValueError, match=r"y must hold one label per example"):
        sw.predict(np.ones((2, 3)), np.ones(4), random_params([2, 1]), verbose=False)


def test_parameters_with_missing_keys():
    params = random_params([2, 3, 1])
    del params["b2"]
    with pytest.raises(ValueError, match=r"parameters is missing 'b2'"):
        sw.L_model_forward(np.ones((2, 4)), params)
    with pytest.raises(ValueError, match=r"params is missing 'b2'"):
        sw.update_parameters(params, {}, 0.1)
    full = random_params([2, 3, 1])
    with pytest.raises(ValueError, match=r"grads is missing 'dW2', 'db2'"):
        sw.update_parameters(full, {"dW1": np.ones((3, 2)), "db1": np.ones((3, 1))}, 0.1)
    grads = {"d" + k: np.ones_like(v) for k, v in full.items()} | {"dW2": np.ones((3, 1))}
    with pytest.raises(ValueError, match=r"grads\['dW2'\] must have the shape of W2, \(1, 3\)"):
        sw.update_parameters(full, grads, 0.1)
    with pytest.raises(ValueError, match=r"parameters\['W1'\] has shape \(3, 2\) but the input X"):
        sw.L_model_forward(np.ones((5, 4)), full)
    with pytest.raises(ValueError, match="has unexpected keys 'dW1'"):
        sw.L_model_forward(np.ones((2, 4)), full | {"dW1": 1, "db1": 1})
    with pytest.raises(TypeError, match="parameters must be a dict"):
        sw.L_model_forward(np.ones((2, 4)), [1, 2])
    with pytest.raises(ValueError, match="v is missing 'dW1'"):
        sw.update_parameters_with_momentum(
            full, {"d" + k: v for k, v in full.items()}, {}, 0.9, 0.1
        )


def test_bad_caches_and_model_arguments():
    X = np.ones((2, 3))
    AL, caches = sw.L_model_forward(X, random_params([2, 3, 1]))
    with pytest.raises(TypeError, match="caches must be the list"):
        sw.L_model_backward(AL, np.ones((1, 3)), {"caches": caches})
    with pytest.raises(TypeError, match=r"caches\[0\] must be the tuple \(\(A_prev, W, b\), Z\)"):
        sw.L_model_backward(AL, np.ones((1, 3)), caches[0])
    with pytest.raises(ValueError, match="the caches are not consecutive layers"):
        sw.L_model_backward(AL, np.ones((1, 3)), [caches[1], caches[1]])
    with pytest.raises(ValueError, match=r"X has 3 rows but layers_dims\[0\] = 2.*X\.T"):
        sw.L_layer_model(np.ones((3, 2)), np.ones((1, 3)), [2, 1], num_iterations=1)
    with pytest.raises(ValueError, match=r"layers_dims must be \(n_x, n_h, n_y\)"):
        sw.two_layer_model(X, np.ones(3), [2, 1])
    with pytest.raises(ValueError, match="num_iterations must be a positive integer"):
        sw.L_layer_model(X, np.ones(3), [2, 1], num_iterations=0)
    with pytest.raises(ValueError, match="learning_rate must be a finite number >= 0"):
        sw.update_parameters(random_params([2, 1]), {"dW1": np.ones((1, 2)), "db1": 1}, -1)
    with pytest.raises(ValueError, match=r"keep_prob must be in \(0, 1\]"):
        sw.forward_propagation_with_dropout(X, random_params([2, 3, 1]), keep_prob=0.0)
    _, cache = sw.forward_propagation(X, random_params([2, 3, 1]))
    with pytest.raises(
        ValueError, match="cache must be the tuple from forward_propagation_with_dropout"
    ):
        sw.backward_propagation_with_dropout(X, np.ones(3), cache, 0.5)
    p = random_params([2, 1])
    v, s = sw.initialize_adam(p)
    with pytest.raises(ValueError, match="t must be a positive integer"):
        sw.update_parameters_with_adam(p, {"d" + k: a for k, a in p.items()}, v, s, t=0)
