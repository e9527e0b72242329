"""Central-difference gradient check of J for every pairing the Network accepts.

The oracle is the course's ``gradient_check_n``: perturb each parameter θᵢ by ±ε,
take g̃ᵢ = (J(θ + εeᵢ) − J(θ − εeᵢ)) / 2ε with J = :meth:`Network.cost` (the
documented cost, L2 term included), and require the relative difference

    ‖g − g̃‖ / (‖g‖ + ‖g̃‖) < 1e-7

between g from :meth:`Network.gradients` and g̃, in float64.  ReLU's kink at
z = 0 is kept out of reach (random non-zero biases; a precondition checks that no
pre-activation of a ReLU-family layer lies within 1e-3 of 0, and none is all dead).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from chainrule import Network

EPS = 1e-6  # central differences: truncation O(ε²) ≈ 1e-12, rounding O(1e-16/ε) ≈ 1e-10
THRESHOLD = 1e-7  # the course's threshold

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax"]
# (output activation, loss, output units): every pairing Network accepts
OUTPUT_LOSS = [
    ("sigmoid", "binary_crossentropy", 1),
    ("sigmoid", "binary_crossentropy", 3),  # multi-label
    ("softmax", "binary_crossentropy", 3),
    ("softmax", "categorical_crossentropy", 3),
    ("sigmoid", "categorical_crossentropy", 3),
    *((out, "squared_error", 2) for out in HIDDEN),
]


def relative_difference(g: np.ndarray, g_num: np.ndarray) -> float:
    """The course's ‖g − g̃‖ / (‖g‖ + ‖g̃‖) (a zero gradient would make the check vacuous)."""
    assert np.linalg.norm(g) > 1e-6, "test set-up: the gradient is zero"
    return float(np.linalg.norm(g - g_num) / (np.linalg.norm(g) + np.linalg.norm(g_num)))


def numerical_gradient(net: Network, X, Y, sample_weight=None) -> np.ndarray:
    """g̃ over θ = (W1, b1, ..., WL, bL) flattened, by central differences of net.cost."""
    out = []
    for P in (p for pair in zip(net.Ws, net.bs, strict=True) for p in pair):
        num = np.empty(P.size)
        flat = P.reshape(-1)  # a view: writing into it perturbs the network's parameter
        for i in range(P.size):
            old = flat[i]
            flat[i] = old + EPS
            j_plus = net.cost(X, Y, sample_weight=sample_weight)
            flat[i] = old - EPS
            j_minus = net.cost(X, Y, sample_weight=sample_weight)
            flat[i] = old
            num[i] = (j_plus - j_minus) / (2 * EPS)
        out.append(num)
    return np.concatenate(out)


def analytic_gradient(net: Network, X, Y, **kw) -> np.ndarray:
    g = net.gradients(X, Y, **kw)
    return np.concatenate([g[k].reshape(-1) for k in g])  # dW1, db1, dW2, ... (θ's order)


def make_problem(
    hidden: str | list[str],
    output: str,
    loss: str,
    n_out: int,
    *,
    l2: float = 0.0,
    seed: int = 0,
    dims: tuple[int, ...] = (3, 4),
    m: int = 5,
):
    rng = np.random.default_rng(seed)
    layer_dims = [*dims, n_out]
    if isinstance(hidden, str):
        net = Network(layer_dims, hidden=hidden, output=output, loss=loss, l2=l2, seed=seed)
    else:
        net = Network(layer_dims, activations=[*hidden, output], loss=loss, l2=l2, seed=seed)
    for _attempt in range(100):  # redraw (deterministically) until no ReLU kink is near
        for W in net.Ws:
            W[...] = rng.uniform(-1, 1, W.shape)
        for b in net.bs:
            b[...] = rng.uniform(-0.5, 0.5, b.shape)
        X = rng.uniform(-1, 1, (dims[0], m))
        _, caches = net.forward_with_cache(X)
        if all(
            np.abs(cache.Z).min() > 1e-3 and (cache.Z > 0).any()  # off the kink, not all dead
            for g, cache in zip(net.activations, caches, strict=True)
            if g.name in ("relu", "leaky_relu")
        ):
            break
    else:  # pragma: no cover - the set-up itself failed
        raise AssertionError("test set-up: every draw put a pre-activation on the ReLU kink")
    if loss == "binary_crossentropy":
        Y = (rng.random((n_out, m)) < 0.5).astype(float)
    elif loss == "categorical_crossentropy":
        Y = np.eye(n_out)[:, rng.integers(0, n_out, m)]
    else:
        Y = rng.uniform(-1, 1, (n_out, m))
    return net, X, Y


CASES = [
    pytest.param(h, out, loss, n, id=f"{h}-{out}-{loss}-{n}")
    for h, (out, loss, n) in itertools.product(HIDDEN, OUTPUT_LOSS)
]


@pytest.mark.parametrize(("hidden", "output", "loss", "n_out"), CASES)
@pytest.mark.parametrize("l2", [0.0, 0.7], ids=["no-l2", "l2"])
def test_gradient_check(hidden, output, loss, n_out, l2) -> None:
    net, X, Y = make_problem(hidden, output, loss, n_out, l2=l2, seed=len(hidden) + n_out)
    g_num = numerical_gradient(net, X, Y)
    # the default path (fused A − Y for canonical pairs) and the general dL/dA ⊙ g′(Z)
    for fused in (None, False):
        g = analytic_gradient(net, X, Y, fused=fused)
        assert relative_difference(g, g_num) < THRESHOLD, f"fused={fused}"


@pytest.mark.parametrize(("hidden", "output", "loss", "n_out"), CASES)
def test_gradient_check_with_sample_weights_and_l2(hidden, output, loss, n_out) -> None:
    net, X, Y = make_problem(hidden, output, loss, n_out, l2=0.4, seed=7)
    w = np.array([0.5, 2.0, 0.0, 1.0, 3.0])  # a zero weight too: that example drops out
    g_num = numerical_gradient(net, X, Y, sample_weight=w)
    for fused in (None, False):
        for convention in ("course", "cost"):
            g = analytic_gradient(net, X, Y, fused=fused, convention=convention, sample_weight=w)
            assert relative_difference(g, g_num) < THRESHOLD, (fused, convention)


@pytest.mark.parametrize("convention", ["course", "cost"])
def test_gradient_check_deep_mixed_network(convention) -> None:
    hidden = ["tanh", "leaky_relu", "sigmoid", "relu"]
    net, X, Y = make_problem(
        hidden, "softmax", "categorical_crossentropy", 4, l2=0.3, seed=3, dims=(4, 5, 5, 4, 3), m=8
    )
    g = analytic_gradient(net, X, Y, convention=convention)
    assert relative_difference(g, numerical_gradient(net, X, Y)) < THRESHOLD


def test_gradient_check_detects_a_wrong_factor_of_m() -> None:
    # The oracle can fail: a gradient off by the factor m (a missing 1/m) is far above
    # the threshold, as is one off by a tiny relative error of 1e-5 in one component.
    net, X, Y = make_problem("tanh", "sigmoid", "binary_crossentropy", 1, seed=1)
    g, g_num = analytic_gradient(net, X, Y), numerical_gradient(net, X, Y)
    assert relative_difference(g, g_num) < THRESHOLD
    assert relative_difference(g * X.shape[1], g_num) > 0.5
    g_bad = g.copy()
    g_bad[np.argmax(np.abs(g))] *= 1 + 1e-5
    assert relative_difference(g_bad, g_num) > THRESHOLD
