"""chainrule.head: the output layer's task, pair, units, targets, decision and loss, by hand."""

from __future__ import annotations

import doctest
import math
import re
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import chainrule.head
from chainrule import Network
from chainrule.activations import Sigmoid, Softmax, Tanh
from chainrule.head import (
    TASK_DEFAULTS,
    OutputHead,
    accuracy,
    canonical_activation,
    canonical_loss,
    check_pairing,
    class_indices,
    decide,
    encode_labels,
    encode_targets,
    is_canonical,
    multilabel_error,
    one_hot_indices,
    per_example_loss,
    task_of,
)
from chainrule.losses import BinaryCrossEntropy, SquaredError


def raises_exactly(message: str) -> Any:
    """pytest.raises(ValueError) whose message is exactly ``message``."""
    return pytest.raises(ValueError, match=f"^{re.escape(message)}$")


def test_module_docstring_examples_run() -> None:
    result = doctest.testmod(chainrule.head)
    assert result.attempted > 0
    assert result.failed == 0


def test_head_imports_no_front_end() -> None:
    # core -> head -> network -> everything else: head must not reach downstream
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(chainrule.head))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    for downstream in ("network", "training", "cli", "sklearn", "nielsen", "io"):
        assert not any(m.startswith(f"chainrule.{downstream}") for m in imported), downstream


# -- names and pairs ------------------------------------------------------------------------


def test_canonical_pairs_both_ways() -> None:
    assert canonical_loss("sigmoid") == "binary_crossentropy"
    assert canonical_loss("logistic") == "binary_crossentropy"  # aliases resolve
    assert canonical_loss(Softmax()) == "categorical_crossentropy"
    assert canonical_loss("identity") == "squared_error"
    assert canonical_loss("tanh") == "squared_error"  # every other output: squared error
    assert canonical_activation("bce") == "sigmoid"
    assert canonical_activation("cce") == "softmax"
    assert canonical_activation("mse") == "identity"
    for task, (act, loss) in TASK_DEFAULTS.items():
        assert is_canonical(loss, act), task
        assert canonical_loss(act) == loss


def test_is_canonical_takes_names_or_objects() -> None:
    assert is_canonical("binary_crossentropy", "sigmoid")
    assert is_canonical(BinaryCrossEntropy(), Sigmoid())
    assert is_canonical("mse", "linear")
    assert not is_canonical("squared_error", "sigmoid")  # Nielsen's quadratic cost
    assert not is_canonical("bce", "softmax")
    assert not is_canonical(SquaredError(), Tanh())


@pytest.mark.parametrize(
    ("activation", "loss", "n_out", "task"),
    [
        ("sigmoid", "binary_crossentropy", 1, "binary"),
        ("sigmoid", "binary_crossentropy", 4, "multilabel"),
        ("softmax", "categorical_crossentropy", 3, "multiclass"),
        ("sigmoid", "categorical_crossentropy", 3, "multiclass"),
        ("softmax", "binary_crossentropy", 3, "multiclass"),
        ("identity", "squared_error", 2, "regression"),
        ("tanh", "squared_error", 1, "regression"),
        ("sigmoid", "squared_error", 1, "binary"),  # squared error on a probability
        ("sigmoid", "squared_error", 10, "multilabel"),  # Nielsen's quadratic cost
    ],
)
def test_task_of_and_network_task_agree(activation, loss, n_out, task) -> None:
    assert task_of(activation, loss, n_out) == task
    assert Network([2, n_out], output=activation, loss=loss).task == task


@pytest.mark.parametrize(
    ("output", "loss", "n_out", "message"),
    [
        ("tanh", "bce", 1, "loss 'binary_crossentropy' needs outputs in (0, 1): use "
         "output='sigmoid' or 'softmax', got 'tanh' (or use loss='squared_error')"),
        ("softmax", "mse", 1, "a softmax output needs at least 2 units (layer_dims[-1] >= 2)"),
        ("sigmoid", "cce", 1, "categorical cross-entropy needs at least 2 output units"),
    ],
)  # fmt: skip
def test_bad_pairings_name_the_problem(output, loss, n_out, message) -> None:
    with raises_exactly(message):
        check_pairing(output, loss, n_out)
    with raises_exactly(message):
        Network([2, n_out], output=output, loss=loss)


def test_bad_pairing_in_command_line_words() -> None:
    with raises_exactly(
        "--loss binary_crossentropy needs outputs in (0, 1): --output sigmoid or softmax, not "
        "identity (or use --loss squared_error)"
    ):
        check_pairing("identity", "bce", 1, style="cli")
    check_pairing("sigmoid", "mse", 1)  # allowed: Nielsen's quadratic cost
    check_pairing("softmax", "bce", 3)  # allowed, not canonical


def test_multilabel_refuses_softmax_and_cce() -> None:
    assert multilabel_error("sigmoid", "binary_crossentropy") is None
    assert multilabel_error("auto", "auto") is None
    assert "output_activation='softmax'" in str(multilabel_error("softmax", "auto"))
    assert "loss='categorical_crossentropy'" in str(
        multilabel_error("sigmoid", "categorical_crossentropy")
    )


# -- the inference tables -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "k", "output", "loss", "expected"),
    [
        # nothing given: the task's canonical pair
        ("binary", 2, None, None, ("sigmoid", "binary_crossentropy", 1, "binary", "task")),
        ("multiclass", 3, None, None,
         ("softmax", "categorical_crossentropy", 3, "indices", "task")),
        ("regression", None, None, None, ("identity", "squared_error", 2, "values", "task")),
        # only the loss: its canonical output
        ("multiclass", 3, None, "bce", ("sigmoid", "binary_crossentropy", 3, "one_hot", "loss")),
        ("binary", 2, None, "cce",
         ("softmax", "categorical_crossentropy", 2, "indices", "loss")),
        ("binary", 2, None, "mse", ("identity", "squared_error", 1, "binary", "loss")),
        ("regression", None, None, "mse", ("identity", "squared_error", 2, "values", "loss")),
        # only the output: its canonical loss
        ("binary", 2, "softmax", None,
         ("softmax", "categorical_crossentropy", 2, "indices", "output")),
        ("multiclass", 4, "sigmoid", None,
         ("sigmoid", "binary_crossentropy", 4, "one_hot", "output")),
        ("regression", None, "tanh", None, ("tanh", "squared_error", 2, "values", "output")),
        # both given
        ("multiclass", 3, "softmax", "mse", ("softmax", "squared_error", 3, "one_hot", "")),
        ("binary", 2, "sigmoid", "cce",
         ("sigmoid", "categorical_crossentropy", 2, "indices", "")),
    ],
)  # fmt: skip
def test_infer_table(task, k, output, loss, expected) -> None:
    head = OutputHead.infer(task, n_classes=k, n_targets=2, output=output, loss=loss)
    assert (
        head.activation,
        head.loss,
        head.n_outputs,
        head.targets,
        head.inferred_from,
    ) == expected


def test_infer_refuses_with_todays_messages() -> None:
    with raises_exactly(
        "--loss categorical_crossentropy needs class labels, but this data set is a regression "
        "task: use squared_error (mse)"
    ):
        OutputHead.infer("regression", loss="cce", style="cli")
    with pytest.raises(ValueError, match="use loss='squared_error'"):
        OutputHead.infer("regression", loss="bce")
    with pytest.raises(ValueError, match=r"^--loss binary_crossentropy needs outputs in \(0, 1\)"):
        OutputHead.infer("binary", n_classes=2, output="relu", loss="bce", style="cli")


@pytest.mark.parametrize(
    ("k", "multilabel", "output", "loss", "expected"),
    [
        (2, False, "auto", "auto", ("sigmoid", "binary_crossentropy", 1, "binary")),
        (3, False, "auto", "auto", ("softmax", "categorical_crossentropy", 3, "one_hot")),
        (3, True, "auto", "auto", ("sigmoid", "binary_crossentropy", 3, "one_hot")),
        (2, False, "softmax", "auto", ("softmax", "categorical_crossentropy", 2, "one_hot")),
        (4, False, "logistic", "auto", ("sigmoid", "binary_crossentropy", 4, "one_hot")),
        (2, False, "sigmoid", "squared_error", ("sigmoid", "squared_error", 1, "binary")),
        # one sigmoid unit for two classes even with cce: Network then refuses it
        (2, False, "sigmoid", "categorical_crossentropy",
         ("sigmoid", "categorical_crossentropy", 1, "binary")),
    ],
)  # fmt: skip
def test_classifier_table(k, multilabel, output, loss, expected) -> None:
    head = OutputHead.for_classifier(k, multilabel=multilabel, output=output, loss=loss)
    assert (head.activation, head.loss, head.n_outputs, head.targets) == expected


def test_classifier_refuses_softmax_or_cce_for_multilabel() -> None:
    with pytest.raises(ValueError, match="output_activation='softmax' assumes exactly one"):
        OutputHead.for_classifier(3, multilabel=True, output="softmax")
    with pytest.raises(ValueError, match="loss='categorical_crossentropy' assumes exactly one"):
        OutputHead.for_classifier(3, multilabel=True, loss="categorical_crossentropy")


def test_for_task_and_of_model() -> None:
    head = OutputHead.for_task("binary")
    assert (head.activation, head.loss, head.n_outputs, head.targets) == (
        "sigmoid",
        "binary_crossentropy",
        1,
        "binary",
    )
    assert head.task == "binary"
    assert head.canonical
    assert head.gives_probabilities
    assert head.n_classes == 2
    multi = OutputHead.for_task("multiclass", 5)
    assert (multi.task, multi.targets, multi.n_classes) == ("multiclass", "indices", 5)
    reg = OutputHead.for_task("regression")
    assert (reg.task, reg.n_classes, reg.gives_probabilities) == ("regression", None, False)
    with pytest.raises(ValueError, match="needs n_outputs"):
        OutputHead.for_task("multilabel")
    with pytest.raises(ValueError, match="unknown task"):
        OutputHead.for_task("ranking")
    with pytest.raises(ValueError, match="softmax output needs at least 2 units"):
        OutputHead.for_task("multiclass", 1)
    # a model's stored encoding wins; without one it follows from the task
    assert OutputHead.of_model("sigmoid", "bce", 3, "one_hot").targets == "one_hot"
    assert OutputHead.of_model(Sigmoid(), "bce", 3, None).targets == "one_hot"
    assert OutputHead.of_model("softmax", "cce", 3, "nonsense").targets == "indices"
    assert OutputHead.of_model("identity", "mse", 2).targets == "values"
    assert OutputHead.of_model("sigmoid", "bce", 1).loss == "binary_crossentropy"


# -- targets ----------------------------------------------------------------------------------


def test_one_hot_by_hand() -> None:
    Y = one_hot_indices([2, 0, 1, 2], 3)
    assert_array_equal(Y, [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])
    assert Y.shape == (3, 4)  # one column per example
    assert one_hot_indices(np.array([[1.0, 0.0]]), 2, "float32").dtype == np.float32
    with pytest.raises(ValueError, match=r"class indices \[3\] outside \[0, 2\]"):
        one_hot_indices([0, 3], 3)
    with pytest.raises(ValueError, match=r"class indices \[0\.5\] that are not whole numbers"):
        one_hot_indices([0.5, 1.0], 3)
    with pytest.raises(ValueError, match="y contains 1 NaN"):
        one_hot_indices([np.nan, 1.0], 3, name="y")


def test_encode_targets_as_check_Y() -> None:
    # categorical cross-entropy: class indices (m,) or (1, m) -> one-hot columns
    assert_array_equal(encode_targets([1, 0], "cce", 2, np.float64), [[0, 1], [1, 0]])
    assert_array_equal(encode_targets([[1, 0]], "cce", 2, np.float64), [[0, 1], [1, 0]])
    # one output unit: m labels -> one row
    assert encode_targets(np.array([0, 1, 1]), "bce", 1, np.float64).shape == (1, 3)
    # anything else unchanged
    Y = np.eye(3)
    assert_array_equal(encode_targets(Y, "bce", 3, np.float64), Y)
    net = Network([2, 3], output="softmax", loss="cce")
    assert_array_equal(net.check_Y([2, 0], 2), [[0, 1], [0, 0], [1, 0]])


def test_encode_labels_per_encoding() -> None:
    y = np.array([1, 0, 2])
    assert_array_equal(encode_labels(y, "indices", 3), [1, 0, 2])
    assert_array_equal(encode_labels(np.array([1, 0]), "binary", 1), [[1.0, 0.0]])
    assert_array_equal(encode_labels(y, "one_hot", 3), [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    assert encode_labels(np.array([1.5, 2.5]), "values", 1).shape == (1, 2)
    assert encode_labels(np.ones((2, 4)), "values", 2).shape == (2, 4)
    head = OutputHead.infer("binary", n_classes=2)
    assert head.encode_labels(np.array([0, 1]), "float32").dtype == np.float32
    with pytest.raises(ValueError, match="unknown targets"):
        encode_labels(y, "ranks", 3)


# -- decisions ---------------------------------------------------------------------------------


def test_binary_decision_is_strictly_above_one_half() -> None:
    AL = np.array([[0.2, 0.5, 0.5000001, 0.9]])
    assert_array_equal(decide(AL, "binary"), [[0, 0, 1, 1]])
    assert decide(AL, "binary").dtype == np.int64
    assert_array_equal(class_indices(AL), [0, 0, 1, 1])
    # on the logits: σ(z) > 0.5 ⇔ z > 0
    Z = np.array([[-1.0, 0.0, 1e-9, 3.0]])
    assert_array_equal(decide(Z, "binary", logits=True), [[0, 0, 1, 1]])
    assert_array_equal(class_indices(Z, logits=True), [0, 0, 1, 1])


def test_multilabel_decides_each_unit() -> None:
    AL = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.51]])
    assert_array_equal(decide(AL, "multilabel"), [[1, 0], [1, 0], [0, 1]])


def test_multiclass_decision_is_the_argmax_of_each_column() -> None:
    AL = np.array([[0.1, 0.7, 0.3], [0.6, 0.2, 0.3], [0.3, 0.1, 0.4]])
    assert_array_equal(decide(AL, "multiclass"), [1, 0, 2])
    assert_array_equal(class_indices(AL), [1, 0, 2])  # several units: argmax
    # one sigmoid per class (one-vs-rest): still the argmax, probabilities need not sum to 1
    assert_array_equal(class_indices(np.array([[0.9, 0.2], [0.95, 0.1]])), [1, 0])
    # logits: argmax z = argmax softmax(z)
    Z = np.array([[2.0, -1.0], [1.0, 5.0]])
    assert_array_equal(decide(Z, "multiclass", logits=True), [0, 1])


def test_regression_decision_is_the_output() -> None:
    AL = np.array([[1.5, -2.0]])
    assert decide(AL, "regression") is AL


def test_accuracy_by_hand() -> None:
    AL = np.array([[0.9, 0.4, 0.6, 0.2]])
    Y = np.array([[1.0, 0.0, 0.0, 0.0]])
    assert accuracy(AL, Y, "binary") == 0.75
    AL3 = np.array([[0.7, 0.1], [0.2, 0.3], [0.1, 0.6]])
    Y3 = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert accuracy(AL3, Y3, "multiclass") == 0.5
    assert math.isnan(accuracy(AL, Y, "regression"))
    # the network module keeps its old name for it
    from chainrule.network import accuracy_from_output

    assert accuracy_from_output(AL, Y, "binary") == 0.75


def test_network_predict_uses_the_decision_rule() -> None:
    net = Network([2, 3], output="softmax", loss="cce", seed=0)
    X = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    assert_array_equal(net.predict(X), decide(net.forward(X), "multiclass"))


# -- per-example losses ---------------------------------------------------------------------


def test_per_example_loss_from_logits_equals_loss_from_probabilities() -> None:
    # away from saturation the two routes agree: L = log(1 + e^z) − y z = −log σ(z) if y = 1
    Z = np.array([[-2.0, 0.0, 1.5]])
    Y = np.array([[0.0, 1.0, 1.0]])
    A = 1.0 / (1.0 + np.exp(-Z))
    L = per_example_loss("bce", "sigmoid", A, Z, Y)
    assert L.shape == (1, 3)
    assert_allclose(L, [[np.log1p(np.exp(-2.0)), np.log(2.0), np.log1p(np.exp(-1.5))]])
    assert_allclose(L, BinaryCrossEntropy().per_example(A, Y), rtol=1e-12)
    # softmax + cce: −log softmax(z)_y
    Z3 = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0]])
    Y3 = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    E = np.exp(Z3)
    A3 = E / E.sum(axis=0)
    L3 = per_example_loss("cce", "softmax", A3, Z3, Y3)
    # L = log Σₖ e^{zₖ} − z_y: column 0 has z = (1, 2, 0) and y = 1; column 1 z = 0, y = 0
    assert_allclose(L3, [[np.log(np.e + np.e**2 + 1.0) - 2.0, np.log(3.0)]])
    assert_allclose(L3, -(Y3 * np.log(A3)).sum(axis=0, keepdims=True), rtol=1e-12)
    # identity + squared error: ½ Σ (z − y)²
    assert_allclose(
        per_example_loss("mse", "identity", None, np.array([[3.0]]), np.array([[1.0]])), [[2.0]]
    )


def test_per_example_loss_stays_finite_at_saturation() -> None:
    Z = np.array([[800.0, -800.0]])
    Y = np.array([[0.0, 1.0]])  # confidently wrong both times: L = |z|
    A = 1.0 / (1.0 + np.exp(-np.clip(Z, -700, 700)))  # rounds to exactly 1.0 and ~0
    L = per_example_loss("bce", "sigmoid", A, Z, Y)
    assert np.isfinite(L).all()
    assert_allclose(L, [[800.0, 800.0]])
    Zs = np.array([[1000.0], [0.0]])
    Ys = np.array([[0.0], [1.0]])  # softmax(Z) rounds to (1, 0): log 0 from A, 1000 from Z
    assert_allclose(per_example_loss("cce", "softmax", None, Zs, Ys), [[1000.0]])


def test_non_canonical_pairs_take_L_from_A() -> None:
    A = np.array([[0.25, 0.75]])
    Y = np.array([[0.0, 1.0]])
    L = per_example_loss("squared_error", "sigmoid", A, np.full_like(A, np.nan), Y)
    assert_allclose(L, [[0.5 * 0.25**2, 0.5 * 0.25**2]])
    net = Network([2, 1], output="sigmoid", loss="mse", seed=0)
    X = np.array([[0.3, -0.2], [1.0, 0.5]])
    assert_allclose(net.losses(X, Y), SquaredError().per_example(net.forward(X), Y), rtol=0, atol=0)
