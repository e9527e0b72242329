"""The math core: a hand-worked 2-2-1 network, the two 1/m conventions, dropout, Gradients."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from chainrule import Network, backprop
from chainrule.activations import Identity, ReLU, Sigmoid, Softmax, Tanh
from chainrule.backprop import (
    Gradients,
    backward,
    batch_scale,
    forward,
    is_canonical,
    l2_cost,
    linear_backward,
    output_delta,
)
from chainrule.losses import BinaryCrossEntropy, CategoricalCrossEntropy, SquaredError

# -- one hand-worked example ------------------------------------------------------------------
#
# A 2-2-1 network (relu hidden layer, sigmoid output, binary cross-entropy), m = 2 examples:
#
#   W1 = [[0.5, -1.0],    b1 = [[ 0.1],    W2 = [[1.0, -0.5]],   b2 = [[0.2]]
#         [1.0,  0.5]]          [-0.2]]
#
#   X = [[1.0,  0.5],     (columns: x(1) = (1, 2), x(2) = (0.5, -1))     Y = [[1, 0]]
#        [2.0, -1.0]]
#
# Forward:
#   Z1 = W1 X + b1:  0.5·1 − 1·2 + 0.1 = −1.4     0.5·0.5 − 1·(−1) + 0.1 = 1.35
#                    1·1 + 0.5·2 − 0.2 = 1.8       1·0.5 + 0.5·(−1) − 0.2 = −0.2
#   A1 = relu(Z1) = [[0, 1.35], [1.8, 0]]
#   Z2 = W2 A1 + b2 = [1·0 − 0.5·1.8 + 0.2,  1·1.35 − 0.5·0 + 0.2] = [−0.7, 1.55]
#   A2 = σ(Z2):  σ(−0.7) = 1/(1 + e^0.7)  = 1/3.0137527074704766 = 0.3318122278318339
#                σ(1.55) = 1/(1 + e^−1.55) = 1/1.2122479738267430 = 0.8249137318359602
#   L = −[y ln a + (1 − y) ln(1 − a)] = [−ln 0.3318122278, −ln 0.1750862682]
#     = [1.103186048885458, 1.7424764655865785]
#   J = (1/2)(1.103186048885458 + 1.7424764655865785) = 1.4228312572360182
#
# Backward (course convention: dZ per example, 1/m in dW and db):
#   dZ2 = A2 − Y = [−0.6681877721681662, 0.8249137318359602]
#   dW2 = (1/2) dZ2 A1ᵀ = ½ [−0.66819·0 + 0.82491·1.35,  −0.66819·1.8 + 0.82491·0]
#       = [0.5568167689892731, −0.6013689949513495]
#   db2 = ½ (−0.6681877722 + 0.8249137318) = 0.078362979833897
#   dA1 = W2ᵀ dZ2 = [[ 1.0·(−0.66819),   1.0·0.82491],     = [[−0.6681877722,  0.8249137318],
#                    [−0.5·(−0.66819),  −0.5·0.82491]]        [ 0.3340938861, −0.4124568659]]
#   dZ1 = dA1 ⊙ 1[Z1 > 0],  1[Z1 > 0] = [[0, 1], [1, 0]]:
#       = [[0, 0.8249137318359602], [0.3340938860840831, 0]]
#   dW1 = ½ dZ1 Xᵀ = ½ [[0·1 + 0.82491·0.5,  0·2 + 0.82491·(−1)],
#                       [0.33409·1 + 0·0.5,  0.33409·2 + 0·(−1)]]
#       = [[0.20622843295899004, −0.4124568659179801], [0.16704694304204154, 0.3340938860840831]]
#   db1 = ½ [0.8249137318, 0.3340938861] = [0.4124568659179801, 0.16704694304204154]
#
# With L2, λ = 0.3:  Σ‖W‖² = (0.25 + 1 + 1 + 0.25) + (1 + 0.25) = 3.75;
#   J = 1.4228312572360182 + 0.3/(2·2)·3.75 = 1.4228312572360182 + 0.28125 = 1.7040812572360182
#   dW[l] gains (λ/m) W[l] = 0.15 W[l].
# One SGD step with α = 0.1 (no L2):  W2 ← [1 − 0.1·0.55682, −0.5 + 0.1·0.60137]
#                                        = [0.9443183231010727, −0.43986310050486505]

W1 = np.array([[0.5, -1.0], [1.0, 0.5]])
B1 = np.array([[0.1], [-0.2]])
W2 = np.array([[1.0, -0.5]])
B2 = np.array([[0.2]])
X = np.array([[1.0, 0.5], [2.0, -1.0]])
Y = np.array([[1.0, 0.0]])

Z1_HAND = [[-1.4, 1.35], [1.8, -0.2]]
A1_HAND = [[0.0, 1.35], [1.8, 0.0]]
Z2_HAND = [[-0.7, 1.55]]
A2_HAND = [[0.3318122278318339, 0.8249137318359602]]
L_HAND = [[1.103186048885458, 1.7424764655865785]]
J_HAND = 1.4228312572360182
DZ2_HAND = [[-0.6681877721681662, 0.8249137318359602]]
DW2_HAND = [[0.5568167689892731, -0.6013689949513495]]
DB2_HAND = [[0.078362979833897]]
DA1_HAND = [[-0.6681877721681662, 0.8249137318359602], [0.3340938860840831, -0.4124568659179801]]
DZ1_HAND = [[0.0, 0.8249137318359602], [0.3340938860840831, 0.0]]
DW1_HAND = [[0.20622843295899004, -0.4124568659179801], [0.16704694304204154, 0.3340938860840831]]
DB1_HAND = [[0.4124568659179801], [0.16704694304204154]]


def _hand_net(l2: float = 0.0) -> Network:
    net = Network([2, 2, 1], hidden="relu", output="sigmoid", loss="bce", l2=l2, seed=0)
    net.parameters = {"W1": W1, "b1": B1, "W2": W2, "b2": B2}
    return net


def test_hand_worked_forward() -> None:
    net = _hand_net()
    AL, caches = net.forward_with_cache(X)
    assert_allclose(caches[0].Z, Z1_HAND, rtol=1e-14)
    assert_allclose(caches[0].A, A1_HAND, rtol=1e-14)
    assert_allclose(caches[1].A_prev, A1_HAND, rtol=1e-14)
    assert_allclose(caches[1].Z, Z2_HAND, rtol=1e-14)
    assert_allclose(AL, A2_HAND, rtol=1e-14)
    assert_allclose(net.losses(X, Y), L_HAND, rtol=1e-13)
    assert net.cost(X, Y) == pytest.approx(J_HAND, rel=1e-14)


@pytest.mark.parametrize("fused", [None, False])
def test_hand_worked_backward(fused) -> None:
    g = _hand_net().gradients(X, Y, fused=fused)
    assert_allclose(g.dZ[1], DZ2_HAND, rtol=1e-13)
    assert_allclose(g["dW2"], DW2_HAND, rtol=1e-13)
    assert_allclose(g["db2"], DB2_HAND, rtol=1e-13)
    assert_allclose(g.dA[1], DA1_HAND, rtol=1e-13)
    assert_allclose(g.dZ[0], DZ1_HAND, rtol=1e-13, atol=0)
    assert_allclose(g["dW1"], DW1_HAND, rtol=1e-13)
    assert_allclose(g["db1"], DB1_HAND, rtol=1e-13)
    if fused is None:
        assert g.dA[2] is None  # the fused step A − Y never forms dL/dA[2]
    else:
        # dL/da = −(y/a − (1 − y)/(1 − a)) = [−1/0.33181, 1/0.17509]
        expected = [[-1 / 0.3318122278318339, 1 / (1 - 0.8249137318359602)]]
        assert_allclose(g.dA[2], expected, rtol=1e-12)


def test_hand_worked_with_l2() -> None:
    net = _hand_net(l2=0.3)
    assert net.cost(X, Y) == pytest.approx(1.7040812572360182, rel=1e-14)
    g = net.gradients(X, Y)
    assert_allclose(g["dW1"], np.array(DW1_HAND) + 0.15 * W1, rtol=1e-13)
    assert_allclose(g["dW2"], np.array(DW2_HAND) + 0.15 * W2, rtol=1e-13)
    assert_allclose(g["db1"], DB1_HAND, rtol=1e-13)  # biases are not regularised


def test_hand_worked_sgd_step() -> None:
    net = _hand_net()
    hist = net.fit(X, Y, epochs=1, optimizer="sgd", learning_rate=0.1, progress=False)
    assert hist.train_cost == [pytest.approx(J_HAND, rel=1e-14)]  # J before the update
    assert_allclose(net.parameters["W2"], [[0.9443183231010727, -0.43986310050486505]], 1e-14)
    assert_allclose(net.parameters["W1"], W1 - 0.1 * np.array(DW1_HAND), rtol=1e-14)
    assert_allclose(net.parameters["b1"], B1 - 0.1 * np.array(DB1_HAND), rtol=1e-14)
    assert_allclose(net.parameters["b2"], B2 - 0.1 * np.array(DB2_HAND), rtol=1e-14)


def test_hand_worked_through_the_functional_core() -> None:
    acts = [ReLU(), Sigmoid()]
    AL, caches = forward(X, [W1, W2], [B1, B2], acts)
    assert_allclose(AL, A2_HAND, rtol=1e-14)
    g = backward(caches, Y, [W1, W2], acts, BinaryCrossEntropy())
    assert_allclose(g["dW1"], DW1_HAND, rtol=1e-13)
    assert_allclose(g["dW2"], DW2_HAND, rtol=1e-13)
    assert_allclose(g.dA[0], W1.T @ np.array(DZ1_HAND), rtol=1e-13)  # dA[0] = W1ᵀ dZ1


# -- where 1/m goes -------------------------------------------------------------------------------


def _random_net(rng, dims=(3, 5, 4, 3), **kw) -> tuple[Network, np.ndarray, np.ndarray]:
    kw.setdefault("hidden", "tanh")
    kw.setdefault("output", "softmax")
    kw.setdefault("loss", "cce")
    net = Network(list(dims), seed=1, **kw)
    for b in net.bs:
        b[...] = rng.standard_normal(b.shape)
    m = 6
    Xr = rng.standard_normal((dims[0], m))
    Yr = np.eye(dims[-1])[:, rng.integers(0, dims[-1], m)]
    return net, Xr, Yr


@pytest.mark.parametrize("fused", [None, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_conventions_give_the_same_dW_db_and_dZ_dA_differ_by_m(rng, fused, weighted) -> None:
    net, Xr, Yr = _random_net(rng, l2=0.2)
    w = rng.uniform(0.5, 2.0, Xr.shape[1]) if weighted else None
    course = net.gradients(Xr, Yr, fused=fused, sample_weight=w)
    cost = net.gradients(Xr, Yr, fused=fused, sample_weight=w, convention="cost")
    for key in course:
        assert_allclose(cost[key], course[key], rtol=1e-13, atol=1e-16)
    m = Xr.shape[1] if w is None else w.sum()  # the "m" of J is Σ wᵢ with weights
    for l in range(net.L):
        assert_allclose(cost.dZ[l] * m, course.dZ[l], rtol=1e-13, atol=1e-16)
    for l in range(net.L + 1):
        if course.dA[l] is None:
            assert cost.dA[l] is None
        else:
            assert_allclose(cost.dA[l] * m, course.dA[l], rtol=1e-13, atol=1e-16)
    assert (course.convention, course.of) == ("course", "L")
    assert (cost.convention, cost.of) == ("cost", "J")


def test_named_says_what_each_array_is_a_derivative_of(rng) -> None:
    net, Xr, Yr = _random_net(rng)
    course = net.gradients(Xr, Yr, fused=False).named()
    cost = net.gradients(Xr, Yr, fused=False, convention="cost").named()
    assert list(course) == [
        "dL/dA[3]", "dL/dZ[3]", "dJ/dW[3]", "dJ/db[3]",
        "dL/dA[2]", "dL/dZ[2]", "dJ/dW[2]", "dJ/db[2]",
        "dL/dA[1]", "dL/dZ[1]", "dJ/dW[1]", "dJ/db[1]",
        "dL/dA[0]",
    ]  # fmt: skip
    assert list(cost) == [k.replace("dL/", "dJ/") for k in course]
    # the fused path never forms dA[L]
    fused = net.gradients(Xr, Yr).named()
    assert "dL/dA[3]" not in fused
    assert "dL/dZ[3]" in fused


def test_exactly_one_factor_of_one_over_m(rng) -> None:
    # Doubling every example (m → 2m) leaves J and dW unchanged: a missing 1/m would
    # double dW, a doubled 1/m would halve it.  The per-example dZ are simply repeated.
    net, Xr, Yr = _random_net(rng)
    g1 = net.gradients(Xr, Yr)
    g2 = net.gradients(np.hstack([Xr, Xr]), np.hstack([Yr, Yr]))
    assert net.cost(np.hstack([Xr, Xr]), np.hstack([Yr, Yr])) == pytest.approx(net.cost(Xr, Yr))
    eps = np.finfo(np.float64).eps
    for key in g1:
        # m vs 2m summands, summed in another order by the BLAS kernel: an entry that
        # cancels to far below the others keeps only an absolute accuracy of a few ulps
        # of the largest entry (a factor 2 or 1/2 is still caught by far)
        assert_allclose(g2[key], g1[key], rtol=1e-13, atol=64 * eps * np.abs(g1[key]).max())
    assert_allclose(g2.dZ[-1], np.hstack([g1.dZ[-1]] * 2), rtol=1e-15)


def test_batch_scale_and_linear_backward() -> None:
    assert batch_scale(4) == 0.25
    assert batch_scale(3, np.array([1.0, 2.0, 5.0])) == 0.125  # 1/Σw
    dZ = np.array([[1.0, 2.0], [3.0, 4.0]])
    A_prev = np.array([[1.0, -1.0], [2.0, 0.0], [0.0, 1.0]])
    W = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]])
    dA_prev, dW, db = linear_backward(dZ, A_prev, W, 0.5)
    # dW = ½ dZ A_prevᵀ = ½ [[1−2, 2, 2], [3−4, 6, 4]];  db = ½ row sums;  dA_prev = Wᵀ dZ (no ½)
    assert_allclose(dW, [[-0.5, 1.0, 1.0], [-0.5, 3.0, 2.0]])
    assert_allclose(db, [[1.5], [3.5]])
    assert_allclose(dA_prev, W.T @ dZ)
    none, dW32, db32 = linear_backward(
        dZ.astype(np.float32), A_prev.astype(np.float32), W.astype(np.float32), 0.5,
        need_dA_prev=False,
    )  # fmt: skip
    assert none is None
    assert dW32.dtype == db32.dtype == np.float32


def test_l2_cost_closed_form() -> None:
    Ws = [np.array([[1.0, 2.0]]), np.array([[3.0], [-1.0]])]
    # (λ/2m) Σ‖W‖² = 0.5/(2·5) · (1 + 4 + 9 + 1) = 0.75
    assert l2_cost(Ws, 0.5, 5) == pytest.approx(0.75, rel=1e-15)
    assert l2_cost(Ws, 0.0, 5) == 0.0


def test_output_delta_paths() -> None:
    Z = np.array([[0.3, -1.2], [2.0, 0.1]])
    A = Softmax().forward(Z)
    Yh = np.array([[1.0, 0.0], [0.0, 1.0]])
    dZ, dA = output_delta(CategoricalCrossEntropy(), Softmax(), A, Z, Yh)
    assert dA is None
    assert_array_equal(dZ, A - Yh)
    dZ_general, dA_general = output_delta(
        CategoricalCrossEntropy(), Softmax(), A, Z, Yh, fused=False
    )
    assert dA_general is not None
    assert_allclose(dZ_general, A - Yh, atol=1e-15)
    # a non-canonical pair goes the general way by default, and cannot be fused
    As = Sigmoid().forward(Z)
    dZs, dAs = output_delta(SquaredError(), Sigmoid(), As, Z, Yh)
    assert_allclose(dAs, As - Yh)
    assert_allclose(dZs, (As - Yh) * As * (1 - As))
    with pytest.raises(ValueError, match=r"canonical pairs.*sigmoid \+ binary_crossentropy"):
        output_delta(SquaredError(), Sigmoid(), As, Z, Yh, fused=True)


def test_is_canonical() -> None:
    assert is_canonical(BinaryCrossEntropy(), Sigmoid())
    assert is_canonical(CategoricalCrossEntropy(), Softmax())
    assert is_canonical(SquaredError(), Identity())
    assert not is_canonical(SquaredError(), Sigmoid())
    assert not is_canonical(BinaryCrossEntropy(), Softmax())


def test_backward_refuses_an_unknown_convention(rng) -> None:
    net, Xr, Yr = _random_net(rng)
    with pytest.raises(ValueError, match="convention must be one of"):
        net.gradients(Xr, Yr, convention="batch")


# -- dropout ----------------------------------------------------------------------------------


def test_inverted_dropout_masks_come_from_the_generator() -> None:
    rng = np.random.default_rng(7)
    Ws = [rng.standard_normal((50, 4)), rng.standard_normal((40, 50)), rng.standard_normal((1, 40))]
    bs = [np.full((n, 1), 0.1) for n in (50, 40, 1)]
    acts = [Tanh(), ReLU(), Sigmoid()]
    Xd = rng.standard_normal((4, 30))
    keep = [0.8, 0.5, 1.0]
    _, caches = forward(Xd, Ws, bs, acts, keep_probs=keep, rng=np.random.default_rng(3))
    # the same draws, by hand: D[l] = (u < keep_prob) / keep_prob, layer by layer, in order
    r = np.random.default_rng(3)
    D1 = (r.random((50, 30)) < 0.8) / 0.8
    D2 = (r.random((40, 30)) < 0.5) / 0.5
    assert_array_equal(caches[0].D, D1)
    assert_array_equal(caches[1].D, D2)
    assert caches[2].D is None  # never on the output layer
    # the next layer sees A ⊙ D; the cache keeps A before dropout for g′
    assert_array_equal(caches[1].A_prev, caches[0].A * D1)
    assert_allclose(caches[0].A, np.tanh(Ws[0] @ Xd + bs[0]), rtol=1e-15)
    assert set(np.unique(D2)) <= {0.0, 2.0}


def test_inverted_dropout_keeps_the_expected_activation() -> None:
    rng = np.random.default_rng(0)
    Xd = np.ones((1, 200_000))
    _, caches = forward(
        Xd, [np.ones((1, 1)), np.ones((1, 1))], [np.zeros((1, 1))] * 2, [Identity(), Identity()],
        keep_probs=[0.7, 1.0], rng=rng,
    )  # fmt: skip
    D = caches[0].D
    assert D is not None
    # E[D] = keep_prob · (1/keep_prob) = 1; the standard error of the mean is ≈ 0.0015
    assert abs(D.mean() - 1.0) < 0.01
    assert abs((D == 0).mean() - 0.3) < 0.005


def test_dropout_needs_a_generator() -> None:
    with pytest.raises(ValueError, match="rng"):
        forward(np.ones((1, 2)), [np.ones((1, 1))] * 2, [np.zeros((1, 1))] * 2,
                [ReLU(), Sigmoid()], keep_probs=[0.5, 1.0])  # fmt: skip


def test_backward_through_dropout_is_the_gradient_of_the_masked_cost(rng) -> None:
    # With the masks held fixed (the same Generator state for every evaluation), the
    # cost is a smooth function of the parameters, and backward must be its gradient.
    Ws = [rng.standard_normal((6, 3)), rng.standard_normal((5, 6)), rng.standard_normal((2, 5))]
    bs = [rng.standard_normal((n, 1)) for n in (6, 5, 2)]
    acts = [Tanh(), Sigmoid(), Softmax()]
    loss = CategoricalCrossEntropy()
    Xd = rng.standard_normal((3, 7))
    Yd = np.eye(2)[:, rng.integers(0, 2, 7)]
    keep = [0.6, 0.75, 1.0]

    def J(Ws_, bs_) -> float:
        AL, _ = forward(Xd, Ws_, bs_, acts, keep_probs=keep, rng=np.random.default_rng(11))
        return float(loss.per_example(AL, Yd).mean())

    _, caches = forward(Xd, Ws, bs, acts, keep_probs=keep, rng=np.random.default_rng(11))
    g = backward(caches, Yd, Ws, acts, loss)
    h = 1e-6
    for l, P in enumerate(Ws + bs):
        grad = (g.dW + g.db)[l]
        num = np.zeros_like(P)
        for idx in np.ndindex(*P.shape):
            old = P[idx]
            P[idx] = old + h
            jp = J(Ws, bs)
            P[idx] = old - h
            jm = J(Ws, bs)
            P[idx] = old
            num[idx] = (jp - jm) / (2 * h)
        diff = np.linalg.norm(grad - num) / (np.linalg.norm(grad) + np.linalg.norm(num))
        assert diff < 1e-7


# -- the Gradients mapping ----------------------------------------------------------------------


def test_gradients_behaves_like_the_course_grads_dict(rng) -> None:
    net, Xr, Yr = _random_net(rng)
    g = net.gradients(Xr, Yr)
    assert isinstance(g, Gradients)
    assert list(g) == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    assert len(g) == 6
    assert set(dict(g)) == set(g.keys())
    for l in range(1, 4):
        assert g[f"dW{l}"] is g.dW[l - 1]
        assert g[f"db{l}"] is g.db[l - 1]
        assert g[f"dW{l}"].shape == net.parameters[f"W{l}"].shape
        assert g[f"db{l}"].shape == net.parameters[f"b{l}"].shape
    assert "dW1" in g
    for missing in ("dW0", "dW4", "dW01", "dW+1", "dZ1", "W1", "", 1, None):
        assert missing not in g
    with pytest.raises(KeyError):
        g["dW4"]
    assert g.get("db9") is None
    assert "dW1(5, 3)" in repr(g)
    assert "convention='course'" in repr(g)


def test_float32_gradients_stay_float32(rng) -> None:
    net, Xr, Yr = _random_net(rng, dtype="float32", l2=0.1)
    g = net.gradients(Xr, Yr, sample_weight=np.arange(1, 7), fused=False, convention="cost")
    for arr in [*g.dW, *g.db, *g.dZ, *(a for a in g.dA if a is not None)]:
        assert arr.dtype == np.float32


def test_backprop_module_lists_its_api() -> None:
    for name in backprop.__all__:
        assert hasattr(backprop, name)
