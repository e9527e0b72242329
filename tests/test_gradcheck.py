"""gradcheck: finite differences of J against the analytic gradient.

Oracles: hand-computed relative differences, an independent finite difference
through ``Network.cost`` on perturbed copies, the exact ratio (m − 1)/(m + 1)
of a gradient that forgot the 1/m, and planted bugs that must be located in
the right layer.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule
from chainrule import backprop
from chainrule.activations import Tanh
from chainrule.cli import main
from chainrule.gradcheck import (
    GradCheckReport,
    gradcheck,
    random_data,
    relative_difference,
    status_of,
)

# -- the building blocks, by hand -----------------------------------------------------------------


def test_relative_difference_hand_values():
    assert relative_difference([3.0, 4.0], [0.0, 0.0]) == 1.0
    assert relative_difference([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2) / 2)
    assert relative_difference([2.0], [1.0]) == pytest.approx(1 / 3)
    assert relative_difference([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert np.isnan(relative_difference([np.nan], [1.0]))


@pytest.mark.parametrize(
    ("d", "status"),
    [
        (0.0, "pass"),
        (9.9e-8, "pass"),
        (1e-7, "inspect"),
        (1e-5, "inspect"),
        (9.9e-4, "inspect"),
        (1e-3, "fail"),
        (0.5, "fail"),
        (float("nan"), "fail"),
    ],
)
def test_status_thresholds_are_the_courses(d, status):
    assert status_of(d) == status


# -- a correct backward pass passes ---------------------------------------------------------------

CONFIGS = [
    {"layer_dims": [4, 5, 3, 1], "hidden": "tanh"},
    {"layer_dims": [4, 5, 3, 1], "hidden": "relu"},
    {"layer_dims": [3, 4, 3], "hidden": "sigmoid", "output": "softmax", "loss": "cce", "l2": 0.3},
    {
        "layer_dims": [3, 4, 2],
        "hidden": "leaky_relu",
        "output": "identity",
        "loss": "mse",
        "l2": 0.1,
    },
    {"layer_dims": [3, 4, 2], "hidden": "tanh", "output": "sigmoid", "loss": "mse"},
    {"layer_dims": [3, 4, 3], "hidden": "tanh", "output": "softmax", "loss": "bce"},
    {"layer_dims": [2, 1]},
]


@pytest.mark.parametrize("spec", CONFIGS)
@pytest.mark.parametrize("convention", ["course", "cost"])
def test_correct_gradients_pass(spec, convention):
    net = chainrule.Network(**spec, seed=3)
    X, Y = random_data(net, 7, seed=1)
    r = gradcheck(net, X, Y, convention=convention)
    assert r.status == "pass", str(r)
    assert r.difference < 1e-7
    assert [p.name for p in r.parameters] == [f"{k}{l}" for l in range(1, net.L + 1) for k in "Wb"]
    assert r.n_checked == r.n_total == net.n_params
    assert r.suspect_layer is None
    assert r.failing == []


def test_general_output_path_and_sample_weights_pass():
    net = chainrule.Network([3, 4, 1], hidden="tanh", l2=0.2, seed=0)
    X, Y = random_data(net, 6, seed=0)
    assert gradcheck(net, X, Y, fused=False).passed
    w = np.array([1.0, 2.0, 0.5, 0.0, 3.0, 1.0])
    assert gradcheck(net, X, Y, sample_weight=w).passed


def test_numeric_gradient_equals_an_independent_finite_difference_of_network_cost():
    net = chainrule.Network([2, 3, 1], hidden="tanh", l2=0.5, seed=0)
    X, Y = random_data(net, 5, seed=2)
    eps = 1e-6
    r = gradcheck(net, X, Y, eps)
    assert r.cost == pytest.approx(net.cost(X, Y), rel=1e-15, abs=0)
    for name, idx in (("W1", (2, 1)), ("b1", (0, 0)), ("W2", (0, 2)), ("b2", (0, 0))):
        plus, minus = net.copy(), net.copy()
        plus.parameters[name][idx] += eps
        minus.parameters[name][idx] -= eps
        want = (plus.cost(X, Y) - minus.cost(X, Y)) / (2 * eps)
        assert r.numeric[f"d{name}"][idx] == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_network_is_left_unchanged():
    net = chainrule.Network([3, 4, 1], seed=0)
    before = {k: v.copy() for k, v in net.parameters.items()}
    X, Y = random_data(net, 4, seed=0)
    gradcheck(net, X, Y)
    for k, v in net.parameters.items():
        np.testing.assert_array_equal(v, before[k])


def test_float32_network_is_checked_on_a_float64_copy():
    net = chainrule.Network([3, 5, 1], hidden="tanh", dtype="float32", seed=0)
    X, Y = random_data(net, 6, seed=0)
    r = gradcheck(net, X, Y)
    assert r.converted
    assert r.dtype == "float32"
    assert r.passed
    assert any("float64 copy" in n for n in r.notes)
    assert "float64 copy of this float32 network" in str(r)
    assert all(a.dtype == np.float64 for a in r.analytic.values())
    assert net.dtype == np.float32
    assert net.parameters["W1"].dtype == np.float32


# -- planted bugs ---------------------------------------------------------------------------------


def test_missing_one_over_m_is_flagged_with_the_exact_ratio():
    net = chainrule.Network([4, 5, 1], hidden="tanh", seed=0)
    m = 6
    X, Y = random_data(net, m, seed=0)

    def summed_not_averaged(params, X, Y):
        # a grad function that forgot the 1/m: it returns m times ∂J/∂θ
        n = net.copy()
        n.parameters = params
        g = n.gradients(X, Y)
        return {k: X.shape[1] * g[k] for k in g}

    r = gradcheck(net, X, Y, grad_fn=summed_not_averaged)
    # ‖m g − g‖ / (‖m g‖ + ‖g‖) = (m − 1)/(m + 1) exactly, up to the finite-difference error
    assert r.difference == pytest.approx((m - 1) / (m + 1), abs=1e-6)
    assert r.status == "fail"
    assert r.failing == ["W1", "b1", "W2", "b2"]
    assert "FAIL" in str(r)
    assert r.source.startswith("grad_fn")


class _WrongTanh(Tanh):
    """tanh with the derivative 1 − a instead of 1 − a² (a typical slip)."""

    def derivative(self, Z, A):
        return 1 - A


def test_wrong_activation_derivative_is_located_in_its_layer():
    net = chainrule.Network([3, 4, 4, 3, 1], hidden="tanh", seed=1)
    X, Y = random_data(net, 8, seed=1)

    def buggy(params, X, Y):
        Ws = [params[f"W{l}"] for l in range(1, 5)]
        bs = [params[f"b{l}"] for l in range(1, 5)]
        acts = list(net.activations)
        acts[1] = _WrongTanh()  # layer 2's g′ is wrong
        _, caches = backprop.forward(X, Ws, bs, net.activations)
        return dict(backprop.backward(caches, Y, Ws, acts, net.loss))

    r = gradcheck(net, X, Y, grad_fn=buggy)
    status = {p.name: p.status for p in r.parameters}
    assert status["W4"] == status["b4"] == "pass"
    assert status["W3"] == status["b3"] == "pass"  # above the bug: untouched
    assert status["W2"] != "pass"
    assert status["b2"] != "pass"
    assert status["W1"] != "pass"
    assert status["b1"] != "pass"
    assert r.status != "pass"
    assert r.suspect_layer == 2
    assert "layer 2" in str(r)
    assert {e.parameter for e in r.worst} <= {"W1", "b1", "W2", "b2"}


def test_forgotten_l2_term_shows_in_the_weights_only():
    net = chainrule.Network([3, 4, 1], hidden="tanh", l2=2.0, seed=0)
    X, Y = random_data(net, 5, seed=0)
    no_l2 = chainrule.Network.from_config({**net.config(), "l2": 0.0}, net.parameters)

    def without_l2(params, X, Y):
        no_l2.parameters = params
        return dict(no_l2.gradients(X, Y))

    r = gradcheck(net, X, Y, grad_fn=without_l2)
    status = {p.name: p.status for p in r.parameters}
    assert status["b1"] == status["b2"] == "pass"  # biases are not regularised
    assert status["W1"] == status["W2"] == "fail"


def test_non_finite_gradient_is_a_failed_result_not_an_exception():
    net = chainrule.Network([2, 3, 1], seed=0)
    X, Y = random_data(net, 3, seed=0)

    def nan_grads(params, X, Y):
        return {f"d{k}": np.full_like(v, np.nan) for k, v in params.items()}

    r = gradcheck(net, X, Y, grad_fn=nan_grads)
    assert r.status == "fail"
    assert np.isnan(r.difference)
    assert "NaN" in r.verdict


def test_relu_kink_crossing_is_detected():
    net = chainrule.Network([2, 2, 1], hidden="relu", seed=0)
    X = np.array([[1.0, -0.5, 2.0], [0.5, 1.0, -1.0]])
    Y = np.array([[1.0, 0.0, 1.0]])
    W1 = net.parameters["W1"]
    # put unit 0's pre-activation for example 0 a hair above its kink
    net.parameters["b1"][0, 0] = -(W1[0] @ X[:, 0]) + 1e-9
    r = gradcheck(net, X, Y)
    assert r.parameter("b1").kinks >= 1
    assert any("across 0" in n for n in r.notes)


# -- sampling, bad input, output ------------------------------------------------------------------


def test_sampling_is_seeded_and_bounded():
    net = chainrule.Network([6, 5, 2], output="softmax", loss="cce", seed=0)
    X, Y = random_data(net, 4, seed=0)
    r1 = gradcheck(net, X, Y, max_params_per_tensor=3, seed=7)
    r2 = gradcheck(net, X, Y, max_params_per_tensor=3, seed=7)
    assert [p.checked for p in r1.parameters] == [3, 3, 3, 2]
    np.testing.assert_array_equal(np.isnan(r1.numeric["dW1"]), np.isnan(r2.numeric["dW1"]))
    assert np.isnan(r1.numeric["dW1"]).sum() == 30 - 3
    assert r1.passed
    assert any("sampled" in n for n in r1.notes)


def test_bad_input_raises_clear_errors():
    net = chainrule.Network([3, 4, 1], seed=0)
    X, Y = random_data(net, 4, seed=0)
    dropped = chainrule.Network([3, 4, 1], dropout=0.5, seed=0)
    with pytest.raises(ValueError, match="dropout"):
        gradcheck(dropped, X, Y)
    Xbad = X.copy()
    Xbad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        gradcheck(net, Xbad, Y)
    with pytest.raises(ValueError, match="examples"):
        gradcheck(net, X, Y[:, :3])
    with pytest.raises(ValueError, match="epsilon"):
        gradcheck(net, X, Y, epsilon=0.0)
    with pytest.raises(ValueError, match="convention"):
        gradcheck(net, X, Y, convention="mean")
    with pytest.raises(TypeError, match="callable"):
        gradcheck(net, X, Y, grad_fn=42)
    with pytest.raises(ValueError, match="missing 'db2'"):
        gradcheck(
            net, X, Y, grad_fn=lambda p, X, Y: {"dW1": p["W1"], "db1": p["b1"], "dW2": p["W2"]}
        )
    with pytest.raises(ValueError, match=r"'dW1' has shape \(3, 4\), expected \(4, 3\)"):
        gradcheck(net, X, Y, grad_fn=lambda p, X, Y: {f"d{k}": v.T for k, v in p.items()})
    with pytest.raises(TypeError, match="Network"):
        gradcheck("net", X, Y)


def test_report_renders_and_serialises():
    net = chainrule.Network([3, 4, 1], hidden="tanh", seed=0)
    X, Y = random_data(net, 4, seed=0)
    r = gradcheck(net, X, Y, n_worst=3)
    assert isinstance(r, GradCheckReport)
    text = str(r)
    for word in ("parameter", "W1", "b2", "overall", "PASS", "worst entries", "pass:"):
        assert word in text
    assert len(r.worst) == 3
    assert r.worst[0].abs_error >= r.worst[-1].abs_error
    d = json.loads(json.dumps(r.to_dict()))
    assert d["status"] == "pass"
    assert d["n_checked"] == net.n_params
    assert "| W1 |" in r._repr_markdown_()


# -- the command ----------------------------------------------------------------------------------


def test_cli_gradcheck_from_options(capsys):
    rc = main(["gradcheck", "--layers", "3,4,1", "--hidden", "tanh", "--l2", "0.1", "--m", "5"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "PASS" in out
    assert "(λ/2m)" in out
    assert "shape (3, 5)" in out


def test_cli_gradcheck_json_and_model_file(tmp_path, capsys):
    net = chainrule.Network([3, 4, 2], output="softmax", loss="cce", dropout=0.2, seed=0)
    path = chainrule.save(net, tmp_path / "model.npz")
    rc = main(["gradcheck", str(path), "--json", "--max-per-tensor", "4"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert d["status"] == "pass"
    assert [p["checked"] for p in d["parameters"]] == [4, 4, 4, 2]
    assert any("dropout off" in n for n in d["notes"])


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--layers", "3,x,1"], 2),
        (["--layers", "3,4,1", "--hidden", "nope"], 2),
        (["--layers", "3,4,1", "--output", "softmax"], 2),
        ([], 2),
        (["MISSING"], 1),  # a model file that does not exist
    ],
)
def test_cli_gradcheck_exit_codes(tmp_path, capsys, argv, code):
    argv = [str(tmp_path / "missing.npz") if a == "MISSING" else a for a in argv]
    assert main(["gradcheck", *argv]) == code


def test_cli_gradcheck_exits_1_when_the_check_fails(capsys, monkeypatch):
    # a failing check exits 1 (and still prints the table)
    import importlib

    # the module (chainrule.gradcheck may also be exported as the function itself)
    gc = importlib.import_module("chainrule.gradcheck")

    real = gc.gradcheck

    def failing(net, X, Y, *args, **kwargs):
        return real(
            net,
            X,
            Y,
            *args,
            **kwargs,
            grad_fn=lambda p, X, Y: {f"d{k}": 0 * v for k, v in p.items()},
        )

    monkeypatch.setattr(gc, "gradcheck", failing)
    assert main(["gradcheck", "--layers", "3,4,1"]) == 1
    assert "FAIL" in capsys.readouterr().out
