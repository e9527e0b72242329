"""chainrule.stepwise.checking: a learner's functions are run, compared and diagnosed.

Oracles: the learner's code in ``tests/course_solutions.py`` is written as the
course's notebooks write it, independently of chainrule; each catalogue mistake
is planted into that source by replacing lines (PLANTS below: one row per
mistake) and must be named, alone; hand-worked values (the course's cost of
0.2797765635793422) check the reported numbers.
"""

from __future__ import annotations

import sys
import threading
import types
from pathlib import Path

import numpy as np
import pytest

import course_solutions
from chainrule.stepwise import checking as chk
from chainrule.stepwise.checking import CATALOGUE, FUNCTIONS, check, check_module

SOURCE = Path(course_solutions.__file__).read_text(encoding="utf-8")

LB_W = "dW = (1 / m) * np.dot(dZ, A_prev.T)"
LB_B = "db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)"
DAL = "dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))"
UPD_W = 'parameters["W" + str(l + 1)] - learning_rate'
UPD_B = 'parameters["b" + str(l + 1)] - learning_rate'
L2_GRAD = [(f"(lambd / m) * W{l}", f"lambd * W{l}") for l in (1, 2, 3)]
L2_GRAD_2M = [(f"(lambd / m) * W{l}", f"(lambd / (2 * m)) * W{l}") for l in (1, 2, 3)]

# mistake key -> (the function to check, [(line in course_solutions.py, planted line)])
PLANTS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "one_over_m_missing": (
        "linear_backward",
        [(LB_W, "dW = np.dot(dZ, A_prev.T)"), (LB_B, "db = np.sum(dZ, axis=1, keepdims=True)")],
    ),
    "one_over_m_twice": ("linear_backward", [(LB_W, LB_W + " / m"), (LB_B, LB_B + " / m")]),
    "one_over_m_on_dAL": ("L_model_backward", [(DAL, DAL + " / Y.shape[1]")]),
    "dW_transposed": ("linear_backward", [(LB_W, "dW = (1 / m) * np.dot(A_prev, dZ.T)")]),
    "dW_AprevT_dZ": ("linear_backward", [(LB_W, "dW = (1 / m) * np.dot(A_prev.T, dZ)")]),
    "dW_dZ_Aprev": ("linear_backward", [(LB_W, "dW = (1 / m) * np.dot(dZ, A_prev)")]),
    "db_no_keepdims": ("linear_backward", [(LB_B, "db = (1 / m) * np.sum(dZ, axis=1)")]),
    "db_wrong_axis": (
        "linear_backward",
        [(LB_B, "db = (1 / m) * np.sum(dZ, axis=0, keepdims=True)")],
    ),
    "dAL_sign": ("L_model_backward", [(DAL, "dAL = np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)")]),
    "relu_prime_from_A": (
        "linear_activation_backward",
        [("dZ[Z <= 0] = 0", "dZ = dZ * np.maximum(0, Z)")],
    ),
    "sigmoid_prime_as_sigma": (
        "linear_activation_backward",
        [("dZ = dA * s * (1 - s)", "dZ = dA * s")],
    ),
    "caches_wrong_order": (
        "L_model_backward",
        [("current_cache = caches[l]\n", "current_cache = caches[l - 1]\n")],
    ),
    "last_layer_relu": (
        "L_model_forward",
        [('last_activation = "sigmoid"', 'last_activation = "relu"')],
    ),
    "update_plus": (
        "update_parameters",
        [(UPD_W, UPD_W.replace(" - ", " + ")), (UPD_B, UPD_B.replace(" - ", " + "))],
    ),
    "l2_cost_no_1_over_m": (
        "compute_cost_with_regularization",
        [("lambd / (2 * m) * squares", "lambd / 2 * squares")],
    ),
    "l2_cost_lambda_over_m": (
        "compute_cost_with_regularization",
        [("lambd / (2 * m) * squares", "lambd / m * squares")],
    ),
    "l2_grad_no_1_over_m": ("backward_propagation_with_regularization", L2_GRAD),
    "l2_grad_lambda_over_2m": ("backward_propagation_with_regularization", L2_GRAD_2M),
    "dropout_forward_not_scaled": (
        "forward_propagation_with_dropout",
        [("A1 = A1 / keep_prob", "A1 = A1"), ("A2 = A2 / keep_prob", "A2 = A2")],
    ),
    "dropout_mask_not_applied_backward": (
        "backward_propagation_with_dropout",
        [("dA2 = dA2 * D2", "dA2 = dA2"), ("dA1 = dA1 * D1", "dA1 = dA1")],
    ),
    "dropout_backward_not_scaled": (
        "backward_propagation_with_dropout",
        [("dA2 = dA2 / keep_prob", "dA2 = dA2"), ("dA1 = dA1 / keep_prob", "dA1 = dA1")],
    ),
    "adam_no_bias_correction": (
        "update_parameters_with_adam",
        [("v[key] / (1 - beta1**t)", "v[key]"), ("s[key] / (1 - beta2**t)", "s[key]")],
    ),
    "adam_t_from_0": (
        "update_parameters_with_adam",
        [
            ("v[key] / (1 - beta1**t)", "v[key] / (1 - beta1 ** (t - 1))"),
            ("s[key] / (1 - beta2**t)", "s[key] / (1 - beta2 ** (t - 1))"),
        ],
    ),
    "gc_no_denominator": (
        "gradient_check_n",
        [("difference = numerator / denominator", "difference = numerator")],
    ),
}


def planted(subs: list[tuple[str, str]]) -> types.ModuleType:
    """course_solutions with the given lines replaced (each must occur exactly once)."""
    src = SOURCE
    for old, new in subs:
        assert src.count(old) == 1, f"{old!r} occurs {src.count(old)} times"
        src = src.replace(old, new)
    module = types.ModuleType("planted")
    exec(compile(src, "planted.py", "exec"), module.__dict__)
    return module


def keys(mistakes: tuple[chk.Mistake, ...]) -> set[str]:
    return {m.key for m in mistakes}


# -- correct code passes ----------------------------------------------------------------------


def test_the_course_solutions_pass_every_function() -> None:
    report = check_module(course_solutions)
    assert [f.function for f in report.functions] == list(FUNCTIONS)
    assert report.passed, str(report)
    assert str(report).startswith(f"{len(FUNCTIONS)} of {len(FUNCTIONS)} functions pass")


@pytest.mark.parametrize("seed", [1, 2])
def test_the_course_solutions_pass_on_other_seeds_and_mistakes_are_still_named(seed: int) -> None:
    assert check_module(course_solutions, seed=seed).passed
    for key in ("one_over_m_missing", "dW_transposed", "caches_wrong_order", "adam_t_from_0"):
        function, subs = PLANTS[key]
        report = check(getattr(planted(subs), function), function, seed=seed)
        assert keys(report.mistakes) == {key}


def test_the_older_adam_with_three_return_values_passes() -> None:
    def update_parameters_with_adam(parameters, grads, v, s, t, *rest):
        return course_solutions.update_parameters_with_adam(parameters, grads, v, s, t, *rest)[:3]

    assert check(update_parameters_with_adam).passed
    wrong = planted(PLANTS["adam_no_bias_correction"][1]).update_parameters_with_adam
    report = check(lambda *args: wrong(*args)[:3], "update_parameters_with_adam")
    assert keys(report.mistakes) == {"adam_no_bias_correction"}


def test_code_written_differently_passes() -> None:
    """Loops instead of matrix products, and float32 arithmetic, are still right."""

    def linear_forward(A, W, b):
        Z = np.zeros((W.shape[0], A.shape[1]))
        for i in range(W.shape[0]):
            for j in range(A.shape[1]):
                Z[i, j] = sum(W[i, k] * A[k, j] for k in range(W.shape[1])) + b[i, 0]
        return Z, (A, W, b)

    def linear_backward(dZ, cache):
        A_prev, W, _ = (np.asarray(a, dtype=np.float32) for a in cache)
        dZ = dZ.astype(np.float32)
        m = np.float32(A_prev.shape[1])
        dW = np.zeros(W.shape, dtype=np.float32)
        for i in range(m.astype(int)):  # one example at a time
            dW += np.outer(dZ[:, i], A_prev[:, i])
        return W.T @ dZ, dW / m, dZ.sum(axis=1, keepdims=True) / m

    def compute_cost(AL, Y):
        total = 0.0
        for a, y in zip(AL.ravel(), Y.ravel(), strict=True):
            total += -(y * np.log(a) + (1 - y) * np.log(1 - a))
        return total / AL.shape[1]

    for fn in (linear_forward, linear_backward, compute_cost):
        report = check(fn)
        assert report.passed, report.details()


def test_an_error_bigger_than_float32_rounding_fails() -> None:
    """float32 output gets float32's tolerance (√ε ≈ 3e-4), not more: a 1e-3 error fails."""

    def linear_forward(A, W, b):
        Z = (W @ A + b).astype(np.float32)
        return Z * np.float32(1 + 1e-3), (A, W, b)

    assert not check(linear_forward).passed


# -- the catalogue ----------------------------------------------------------------------------


def test_every_catalogue_entry_has_a_planted_test() -> None:
    assert set(PLANTS) == {m.key for m in CATALOGUE}
    assert len({m.key for m in CATALOGUE}) == len(CATALOGUE)
    for key, (function, _) in PLANTS.items():
        mistake = next(m for m in CATALOGUE if m.key == key)
        assert function in mistake.functions
        assert function in FUNCTIONS


@pytest.mark.parametrize("key", list(PLANTS))
def test_a_planted_mistake_is_named_alone(key: str) -> None:
    function, subs = PLANTS[key]
    report = check(getattr(planted(subs), function), function)
    assert not report.passed
    assert keys(report.mistakes) == {key}, report.details()
    assert report.alternatives == []
    mistake = report.mistakes[0]
    details = report.details()
    assert mistake.name in details
    assert mistake.fix in details
    assert mistake.explanation in details
    assert mistake.name in report.summary


def test_the_mutants_without_mistakes_are_the_reference() -> None:
    """The pieces the mutants are built from give chainrule.stepwise's outputs."""
    for name, spec in FUNCTIONS.items():
        if spec.variant is None:
            continue
        for case in chk._cases(name, 0):
            expected = spec.reference(*case.args)
            got = chk._run_variant(spec, (), case.args)
            assert chk._compare_outputs(spec, expected, got, case.label) is None, (name, case)


def test_every_mistake_changes_every_function_it_names_and_differs_from_the_others() -> None:
    """Each entry is visible in each of its functions, and no two entries look the same."""
    for name, spec in FUNCTIONS.items():
        if spec.variant is None:
            continue
        cases = chk._cases(name, 0)
        outputs = {
            m.key: [chk._run_variant(spec, (m,), c.args) for c in cases]
            for m in CATALOGUE
            if name in m.functions
        }
        outputs["reference"] = [chk._run_variant(spec, (), c.args) for c in cases]
        names = list(outputs)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                same = all(
                    isinstance(x, chk._Raised) == isinstance(y, chk._Raised)
                    and (
                        isinstance(x, chk._Raised)
                        or chk._compare_outputs(spec, x, y, c.label) is None
                    )
                    for x, y, c in zip(outputs[a], outputs[b], cases, strict=True)
                )
                assert not same, f"{name}: {a} and {b} give the same outputs on every case"


# -- combinations -----------------------------------------------------------------------------


def test_one_over_m_missing_with_db_without_keepdims() -> None:
    subs = [(LB_W, "dW = np.dot(dZ, A_prev.T)"), (LB_B, "db = np.sum(dZ, axis=1)")]
    report = check(planted(subs).linear_backward)
    assert keys(report.mistakes) == {"one_over_m_missing", "db_no_keepdims"}
    assert " + " in report.summary


def test_a_transpose_with_a_wrong_relu_derivative_through_L_model_backward() -> None:
    subs = [
        (LB_W, "dW = (1 / m) * np.dot(A_prev, dZ.T)"),
        ("dZ[Z <= 0] = 0", "dZ = dZ * np.maximum(0, Z)"),
    ]
    report = check(planted(subs).L_model_backward)
    assert keys(report.mistakes) == {"dW_transposed", "relu_prime_from_A"}


def test_the_docs_example_names_its_three_mistakes() -> None:
    path = Path(__file__).resolve().parents[1] / "docs" / "examples" / "my_assignment.py"
    module = types.ModuleType("my_assignment")
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)
    report = check_module(module)
    found = {f.function: keys(f.mistakes) for f in report.functions if not f.passed}
    assert found == {
        "linear_backward": {"one_over_m_missing"},
        "linear_activation_backward": {"one_over_m_missing", "sigmoid_prime_as_sigma"},
        "L_model_backward": {"one_over_m_missing", "sigmoid_prime_as_sigma"},
        "update_parameters": {"update_plus"},
    }


# -- hand-worked numbers and what an unexplained difference shows ------------------------------


def test_the_reported_numbers_are_the_courses() -> None:
    """compute_cost on the course's case: J = 0.2797765635793422; summed, 3 J."""
    report = check(planted([("-(1 / m) * np.sum", "-np.sum")]).compute_cost)
    assert keys(report.mistakes) == {"one_over_m_missing"}
    assert report.mismatch is not None
    assert report.mismatch.case == "course shapes"
    assert report.mismatch.message == (
        "shape () as expected, but 1 of 1 entries differ; largest: expected 0.27977656, "
        "got 0.83932969"
    )


def test_an_unexplained_difference_shows_the_outputs_the_worst_entries_and_the_layer() -> None:
    subs = [('grads["dW" + str(l + 1)] = dW_temp', 'grads["dW" + str(l + 1)] = 1.5 * dW_temp')]
    report = check(planted(subs).L_model_backward)
    assert not report.passed
    assert report.mistakes == ()
    rows = {p.name: p.status for p in report.outputs}
    assert rows["dW3"] == "pass"
    assert rows["db2"] == "pass"
    assert rows["dW2"] == "fail"
    assert rows["dW1"] == "fail"
    assert report.suspect_layer == 2
    worst = report.worst[0]
    assert worst.parameter in ("dW1", "dW2")
    assert np.isclose(worst.analytic, 1.5 * worst.numeric)
    details = report.details()
    assert "no mistake in chainrule's catalogue explains this output" in details
    assert "layer 2" in details


def test_one_over_m_in_dW_only_is_not_mistaken_for_the_catalogue_entry() -> None:
    report = check(planted([(LB_W, "dW = np.dot(dZ, A_prev.T)")]).linear_backward)
    assert report.mistakes == ()
    assert report.summary.endswith("FAILED: wrong dW, and no known mistake explains it")
    assert {p.name: p.status for p in report.outputs} == {
        "dA_prev": "pass",
        "dW": "fail",
        "db": "pass",
    }


# -- code that misbehaves ---------------------------------------------------------------------


def test_a_function_that_raises() -> None:
    def linear_forward(A, W, b):
        raise RuntimeError("not done yet")

    report = check(linear_forward)
    assert not report.passed
    assert report.mismatch is not None
    assert report.mismatch.problem == "raised"
    assert "raised RuntimeError: not done yet (test_check.py, line" in report.summary


def test_a_function_that_never_returns() -> None:
    stop = threading.Event()  # ends the abandoned call after the test, not before

    def linear_forward(A, W, b):
        while not stop.is_set():
            pass

    stdout = sys.stdout
    try:
        report = check(linear_forward, timeout=0.2)
        assert sys.stdout is stdout  # not left redirected by the abandoned call
    finally:
        stop.set()
    assert report.mismatch is not None
    assert report.mismatch.problem == "timeout"
    assert report.cases == 1  # the other cases are not tried
    assert "did not return within 0.2 s" in report.summary


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (None, "returned None, not a tuple of 2 (Z, cache)"),
        ("text", "returned a str, not a tuple of 2 (Z, cache)"),
        ((1.0,), "returned a tuple of length 1, not a tuple of 2 (Z, cache)"),
    ],
)
def test_a_function_that_returns_the_wrong_type(result: object, message: str) -> None:
    def linear_forward(A, W, b):
        return result

    report = check(linear_forward)
    assert report.mismatch is not None
    assert report.mismatch.problem == "type"
    assert message in report.summary


def test_a_wrong_shape_that_no_mistake_explains() -> None:
    def linear_forward(A, W, b):
        return (W @ A + b).T, (A, W, b)

    report = check(linear_forward)
    assert report.mistakes == ()
    assert report.summary.endswith("FAILED: Z has the wrong shape (4, 3), expected (3, 4)")


def test_a_cost_that_is_not_a_number() -> None:
    def compute_cost(AL, Y):
        return None

    report = check(compute_cost)
    assert report.mismatch is not None
    assert report.mismatch.problem == "type"
    assert "returned None where a number belongs" in report.summary


def test_a_function_that_modifies_its_input() -> None:
    def update_parameters(params, grads, learning_rate):
        for k in params:
            params[k] -= learning_rate * grads["d" + k]
        return params

    report = check(update_parameters)
    assert report.mismatch is not None
    assert report.mismatch.problem == "modified input"
    assert "modified its argument params['W1'] in place" in report.summary


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="fn must be a function, got int"):
        check(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"name must be one of the course functions .* 'L_model'"):
        check(lambda: None, "L_model")
    with pytest.raises(TypeError, match="module must be a module or a dict, got int"):
        check_module(3)  # type: ignore[arg-type]
    assert not check_module({}).passed
    assert "no course function found" in str(check_module({}))
