"""chainrule.export: ONNX files (onnxruntime's predictions = chainrule's), scikit-learn's MLPs.

The ONNX tests need the ``onnx`` extra (onnx + onnxruntime) and skip with that reason
without it; the PyTorch tests are in ``test_export_torch.py``.  Floating-point results of
two libraries are compared with tolerances, never bit for bit: 1e-6 in float32, 1e-12 in
float64.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import chainrule
from _clihelpers import run_cli
from chainrule.activations import LeakyReLU
from chainrule.cli import main
from chainrule.data import apply_preprocessing
from chainrule.export import ONNX_OPSET, from_sklearn, to_onnx

TOL = {"float32": 1e-6, "float64": 1e-12}


def _onnx() -> tuple[Any, Any]:
    onnx = pytest.importorskip("onnx", reason='needs the onnx extra: pip install "chainrule[onnx]"')
    ort = pytest.importorskip(
        "onnxruntime", reason='needs the onnx extra: pip install "chainrule[onnx]"'
    )
    return onnx, ort


def run_onnx(path: Path, X_rows: np.ndarray) -> np.ndarray:
    _, ort = _onnx()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (inp,) = sess.get_inputs()
    assert inp.name == "X"
    (Y,) = sess.run(["Y"], {"X": X_rows})
    return np.asarray(Y)


def reference(net: chainrule.Network, X_rows: np.ndarray) -> np.ndarray:
    """What ``chainrule predict`` computes, as rows: scaling, forward, target unscaling."""
    X = apply_preprocessing(X_rows.T, net.metadata.get("preprocessing"), net.dtype)
    AL = net.forward(X)
    ts = net.metadata.get("target_scaling")
    if ts:
        dt = AL.dtype
        std = np.asarray(ts["std"], dtype=np.float64).reshape(-1, 1).astype(dt)
        mean = np.asarray(ts["mean"], dtype=np.float64).reshape(-1, 1).astype(dt)
        AL = AL * std + mean
    return np.asarray(AL.T)


def rows(n: int, m: int = 9, seed: int = 0, scale: float = 2.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(m, n)) * scale


HIDDEN = ["sigmoid", "relu", LeakyReLU(0.3), "tanh", "identity", "softmax"]
OUTPUTS = {  # kind -> (output activation, loss, n[L])
    "binary": ("sigmoid", "binary_crossentropy", 1),
    "multilabel": ("sigmoid", "binary_crossentropy", 3),
    "multiclass": ("softmax", "categorical_crossentropy", 4),
    "regression": ("identity", "squared_error", 2),
    "leaky_output": (LeakyReLU(0.05), "squared_error", 2),
    "tanh_output": ("tanh", "squared_error", 1),
    "relu_output": ("relu", "squared_error", 2),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", list(OUTPUTS))
@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda a: getattr(a, "name", a))
def test_onnx_equals_forward(tmp_path: Path, hidden: Any, kind: str, dtype: str) -> None:
    onnx, _ = _onnx()
    out, loss, nL = OUTPUTS[kind]
    net = chainrule.Network(
        [5, 7, 6, nL], hidden=hidden, output=out, loss=loss, seed=3, dtype=dtype
    )
    net.bs = [np.random.default_rng(l).normal(size=b.shape) for l, b in enumerate(net.bs)]
    path = to_onnx(net, tmp_path / "net.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    X = rows(5).astype(dtype)
    Y = run_onnx(path, X)
    assert Y.dtype == np.dtype(dtype)
    assert Y.shape == (9, nL)
    np.testing.assert_allclose(Y, net.forward(X.T).T, rtol=TOL[dtype], atol=TOL[dtype])


def test_leaky_relu_alpha_is_exported(tmp_path: Path) -> None:
    """A different α changes the output: the file holds the network's own α."""
    net = chainrule.Network([3, 4, 1], hidden=LeakyReLU(0.3), output="identity", loss="mse")
    net.bs = [np.full(b.shape, -5.0) for b in net.bs]  # every hidden unit negative
    Y = run_onnx(to_onnx(net, tmp_path / "a.onnx"), rows(3, scale=0.1))
    other = chainrule.Network.from_config(
        {**net.config(), "activations": [{"name": "leaky_relu", "alpha": 0.01}, "identity"]},
        net.parameters,
    )
    assert not np.allclose(Y, other.forward(rows(3, scale=0.1).T).T)
    np.testing.assert_allclose(Y, net.forward(rows(3, scale=0.1).T).T, rtol=1e-12, atol=1e-12)


PREPROCESSING = {
    "standard": {"kind": "standard", "mean": [1.0, -2.0, 0.5, 3.0], "std": [2.0, 0.5, 1.0, 4.0]},
    "minmax": {"kind": "minmax", "min": [-1.0, 0.0, 2.0, -3.0], "range": [2.0, 5.0, 1.0, 6.0]},
    "divide": {"kind": "divide", "by": 255},
    "none": {"kind": "none"},
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("pre", list(PREPROCESSING))
def test_onnx_includes_the_stored_input_scaling(tmp_path: Path, pre: str, dtype: str) -> None:
    net = chainrule.Network([4, 6, 3], output="softmax", loss="cce", seed=1, dtype=dtype)
    net.metadata = {"preprocessing": PREPROCESSING[pre]}
    X = rows(4, scale=100.0 if pre == "divide" else 3.0).astype(dtype)
    Y = run_onnx(to_onnx(net, tmp_path / "s.onnx"), X)
    np.testing.assert_allclose(Y, reference(net, X), rtol=TOL[dtype], atol=TOL[dtype])
    if pre != "none":  # the scaling is really in the graph: the bare network differs
        bare = run_onnx(to_onnx(net, tmp_path / "bare.onnx", scaling=False), X)
        np.testing.assert_allclose(bare, net.forward(X.T).T, rtol=TOL[dtype], atol=TOL[dtype])
        assert not np.allclose(bare, Y, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_onnx_regression_returns_original_units(tmp_path: Path, dtype: str) -> None:
    net = chainrule.Network([4, 5, 2], output="identity", loss="mse", seed=2, dtype=dtype)
    net.metadata = {
        "preprocessing": PREPROCESSING["standard"],
        "target_scaling": {"mean": [150.0, -3.0], "std": [75.0, 0.25]},
    }
    X = rows(4).astype(dtype)
    Y = run_onnx(to_onnx(net, tmp_path / "r.onnx"), X)
    ref = reference(net, X)
    np.testing.assert_allclose(Y, ref, rtol=TOL[dtype], atol=TOL[dtype] * 150)
    assert abs(float(np.mean(Y[:, 0])) - 150.0) < abs(float(np.mean(Y[:, 1])) - 150.0)


def test_onnx_dtype_override_and_metadata(tmp_path: Path) -> None:
    onnx, _ = _onnx()
    net = chainrule.Network([4, 5, 3], output="softmax", loss="cce", seed=0)  # float64
    net.metadata = {"preprocessing": PREPROCESSING["minmax"], "class_names": ["a", "b", "c"]}
    path = to_onnx(net, tmp_path / "f32.onnx", dtype="float32")
    X = rows(4)
    Y = run_onnx(path, X.astype(np.float32))
    assert Y.dtype == np.float32
    np.testing.assert_allclose(Y, reference(net, X), rtol=1e-6, atol=1e-6)
    model = onnx.load(str(path))
    assert model.opset_import[0].version == ONNX_OPSET == 17
    props = {p.key: p.value for p in model.metadata_props}
    assert props["layout"] == "rows"
    assert json.loads(props["class_names"]) == ["a", "b", "c"]
    assert json.loads(props["layer_dims"]) == [4, 5, 3]
    assert model.producer_name == "chainrule"
    (W1,) = [t for t in model.graph.initializer if t.name == "W1"]
    assert list(W1.dims) == [5, 4]  # chainrule's (n[1], n[0]), transposed by Gemm's transB


def test_onnx_bad_input(tmp_path: Path) -> None:
    _onnx()
    net = chainrule.Network([4, 3, 1])
    with pytest.raises(TypeError, match=r"net must be a chainrule\.Network, got dict"):
        to_onnx({"W1": 1}, tmp_path / "x.onnx")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dtype"):
        to_onnx(net, tmp_path / "x.onnx", dtype="int8")
    net.metadata = {"preprocessing": {"kind": "standard", "mean": [0.0, 1.0], "std": [1.0, 1.0]}}
    with pytest.raises(ValueError, match="statistics for 2 features but the network takes 4"):
        to_onnx(net, tmp_path / "x.onnx")
    net.metadata = {"preprocessing": {"kind": "zscore"}}
    with pytest.raises(ValueError, match="preprocessing kind"):
        to_onnx(net, tmp_path / "x.onnx")
    net.metadata = {"target_scaling": {"mean": [0.0, 1.0], "std": [1.0, 1.0]}}
    with pytest.raises(ValueError, match="2 means and 2 stds but the network has 1 outputs"):
        to_onnx(net, tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()  # nothing written on an error


def test_onnx_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx -> ImportError
    with pytest.raises(ImportError, match=r'pip install "chainrule\[onnx\]"'):
        to_onnx(chainrule.Network([2, 1]), tmp_path / "x.onnx")


def test_import_needs_no_extra() -> None:
    code = (
        "import sys, chainrule, chainrule.export, chainrule.cli.export\n"
        "print(sorted(m for m in ('onnx', 'onnxruntime', 'torch', 'dask', 'distributed')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the command line ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Models written by ``chainrule train``: multiclass (iris) and regression (diabetes)."""
    root = tmp_path_factory.mktemp("runs")
    runs = {
        "iris": ["--dataset", "iris", "--hidden-layers", "8", "--epochs", "3"],
        "diabetes": ["--dataset", "diabetes", "--hidden-layers", "8", "--epochs", "3"],
        "cancer": ["--dataset", "breast_cancer", "--hidden-layers", "6", "--epochs", "3"],
    }
    out = {}
    for name, argv in runs.items():
        rc = main(["train", *argv, "--out", str(root / name), "--quiet", "--no-plot"])
        assert rc == 0
        out[name] = root / name / "model.npz"
    return out


@pytest.mark.parametrize("name", ["iris", "diabetes", "cancer"])
def test_cli_export_predicts_as_chainrule_predict(
    capsys: pytest.CaptureFixture[str], trained: dict[str, Path], tmp_path: Path, name: str
) -> None:
    _onnx()
    model = trained[name]
    out = tmp_path / f"{name}.onnx"
    rc, stdout, err = run_cli(capsys, "export", str(model), "--format", "onnx", "--out", str(out))
    assert (rc, err) == (0, "")
    assert stdout.startswith(f"wrote {out}  (ONNX opset 17, float64: X (batch, ")
    assert "input scaling standard" in stdout
    assert ("target scaling" in stdout) == (name == "diabetes")
    net = chainrule.load(model)
    assert net.metadata["preprocessing"]["kind"] == "standard"
    X = rows(net.layer_dims[0], m=20, seed=1, scale=5.0) + 10.0  # raw, unscaled features
    np.testing.assert_allclose(run_onnx(out, X), reference(net, X), rtol=1e-12, atol=1e-9)
    # the default output path: the model's with the suffix .onnx
    rc, stdout, _ = run_cli(capsys, "export", str(model), "--format", "onnx", "--dtype", "float32")
    assert rc == 0
    assert stdout.startswith(f"wrote {model.with_suffix('.onnx')}  (ONNX opset 17, float32")
    Y32 = run_onnx(model.with_suffix(".onnx"), X.astype(np.float32))
    np.testing.assert_allclose(Y32, reference(net, X), rtol=1e-5, atol=1e-5)
    # --no-scaling: the bare network, which takes inputs scaled as in training
    bare = tmp_path / "bare.onnx"
    rc, stdout, _ = run_cli(
        capsys, "export", str(model), "--format", "onnx", "-o", str(bare), "--no-scaling"
    )
    assert rc == 0
    assert "scaling" not in stdout
    np.testing.assert_allclose(run_onnx(bare, X), net.forward(X.T).T, rtol=1e-12, atol=1e-12)


def test_cli_export_errors(
    capsys: pytest.CaptureFixture[str], trained: dict[str, Path], tmp_path: Path
) -> None:
    rc, out, err = run_cli(capsys, "export", str(tmp_path / "nope.npz"), "--format", "onnx")
    assert rc == 1
    assert out == ""
    assert err == f"chainrule export: error: model file not found: {tmp_path / 'nope.npz'}\n"
    with pytest.raises(SystemExit) as exc:
        main(["export", str(trained["iris"]), "--format", "torch"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "chainrule export: error: argument --format: invalid choice: 'torch'" in err
    with pytest.raises(SystemExit) as exc:
        main(["export", str(trained["iris"])])
    assert exc.value.code == 2
    assert "--format" in capsys.readouterr().err
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    rc, _, err = run_cli(capsys, "export", str(bad), "--format", "onnx")
    assert rc == 1
    assert err.startswith(f"chainrule export: error: {bad}: not a chainrule model file")
    assert err.count("\n") == 1
    rc, _, err = run_cli(
        capsys, "export", str(trained["iris"]), "--format", "onnx", "--out", str(trained["iris"])
    )
    assert rc == 1
    assert "is the model file itself" in err


def test_cli_export_without_onnx(
    capsys: pytest.CaptureFixture[str],
    trained: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    rc, _, err = run_cli(
        capsys, "export", str(trained["iris"]), "--format", "onnx", "--out", str(tmp_path / "x")
    )
    assert rc == 1
    assert err.count("\n") == 1
    assert err.startswith("chainrule export: error: ")
    assert 'pip install "chainrule[onnx]"' in err
    assert not (tmp_path / "x").exists()


# -- scikit-learn ---------------------------------------------------------------------------


def _mlp_data(seed: int = 0, m: int = 80, n: int = 5) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(m, n))


def _fit(est: Any, X: np.ndarray, y: np.ndarray) -> Any:
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_from_sklearn_classifier(activation: str, task: str) -> None:
    from sklearn.neural_network import MLPClassifier

    X = _mlp_data()
    rng = np.random.default_rng(1)
    y: Any = {
        "binary": np.array(["no", "yes"])[(X[:, 0] + X[:, 1] > 0).astype(int)],
        "multiclass": rng.integers(0, 4, size=80) + 10,
        "multilabel": (X[:, :3] + rng.normal(size=(80, 3)) > 0).astype(int),
    }[task]
    mlp = _fit(
        MLPClassifier(
            hidden_layer_sizes=(7, 6),
            activation=activation,
            alpha=0.01,
            max_iter=30,
            random_state=0,
        ),
        X,
        y,
    )
    net = from_sklearn(mlp)
    L = len(mlp.coefs_)
    assert net.layer_dims == [5, 7, 6, mlp.n_outputs_]
    for l in range(L):
        assert net.Ws[l].shape == mlp.coefs_[l].T.shape
    hidden = {"logistic": "sigmoid"}.get(activation, activation)
    assert [a.name for a in net.activations[:-1]] == [hidden, hidden]
    assert net.l2 == mlp.alpha
    assert net.dtype == np.float64
    proba = mlp.predict_proba(X)
    AL = net.forward(X.T).T
    if task == "binary":
        assert (net.activations[-1].name, net.loss.name) == ("sigmoid", "binary_crossentropy")
        np.testing.assert_allclose(AL[:, 0], proba[:, 1], rtol=1e-12, atol=1e-12)
        assert np.array_equal(mlp.classes_[net.predict(X.T)[0].astype(int)], mlp.predict(X))
    elif task == "multiclass":
        assert (net.activations[-1].name, net.loss.name) == ("softmax", "categorical_crossentropy")
        np.testing.assert_allclose(AL, proba, rtol=1e-12, atol=1e-12)
        assert np.array_equal(mlp.classes_[net.predict(X.T)], mlp.predict(X))
        assert net.metadata["class_names"] == ["10", "11", "12", "13"]
    else:
        assert net.task == "multilabel"
        np.testing.assert_allclose(AL, proba, rtol=1e-12, atol=1e-12)
        assert np.array_equal(net.predict(X.T).T, mlp.predict(X))
    assert net.metadata["source"] == "sklearn.neural_network.MLPClassifier"


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_from_sklearn_regressor(activation: str, n_outputs: int) -> None:
    from sklearn.neural_network import MLPRegressor

    X = _mlp_data(2)
    y = X[:, :n_outputs] * 2 + 1 if n_outputs > 1 else X[:, 0] * 2 + 1
    mlp = _fit(
        MLPRegressor(hidden_layer_sizes=(6,), activation=activation, max_iter=40, random_state=0),
        X,
        y,
    )
    net = from_sklearn(mlp)
    assert (net.activations[-1].name, net.loss.name) == ("identity", "squared_error")
    pred = mlp.predict(X).reshape(80, -1)
    np.testing.assert_allclose(net.predict(X.T).T, pred, rtol=1e-12, atol=1e-12)


def test_from_sklearn_explain_and_gradcheck() -> None:
    """The learner's use: chainrule explains and gradient-checks scikit-learn's own model."""
    from sklearn.neural_network import MLPClassifier

    X = _mlp_data(3)
    y = (X[:, 0] > 0).astype(int)
    net = from_sklearn(
        _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0), X, y)
    )
    report = chainrule.gradcheck(net, X.T, y[None, :])
    assert report.status == "pass"
    assert report.l2 == net.l2 > 0
    text = str(chainrule.explain(net, m=80))
    assert "W[1]" in text or "W1" in text


def test_from_sklearn_float32() -> None:
    from sklearn.neural_network import MLPRegressor

    X = _mlp_data(4).astype(np.float32)
    mlp = _fit(MLPRegressor(hidden_layer_sizes=(3,), max_iter=10, random_state=0), X, X[:, 0] * 3)
    net = from_sklearn(mlp)
    assert net.dtype == mlp.coefs_[0].dtype == np.float32
    np.testing.assert_allclose(net.predict(X.T)[0], mlp.predict(X), rtol=1e-6, atol=1e-6)


def test_from_sklearn_refuses() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    with pytest.raises(ValueError, match="mlp is an unfitted MLPClassifier: call its fit"):
        from_sklearn(MLPClassifier())
    with pytest.raises(ValueError, match="unfitted MLPRegressor"):
        from_sklearn(MLPRegressor())
    with pytest.raises(TypeError, match="MLPClassifier or MLPRegressor, got LogisticRegression"):
        from_sklearn(LogisticRegression())
    from chainrule.sklearn import NetClassifier

    with pytest.raises(TypeError, match="got NetClassifier"):
        from_sklearn(NetClassifier())
    X = _mlp_data()
    poisson = _fit(
        MLPRegressor(loss="poisson", hidden_layer_sizes=(3,), max_iter=5), X, X[:, 0] ** 2
    )
    assert poisson.out_activation_ == "exp"
    with pytest.raises(ValueError, match=r"mlp\.out_activation_ is 'exp'; chainrule supports"):
        from_sklearn(poisson)
    mlp = _fit(
        MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0),
        _mlp_data(),
        np.arange(80) % 2,
    )
    mlp.activation = "softplus"  # not one of scikit-learn's, nor chainrule's
    with pytest.raises(ValueError, match=r"mlp\.activation is 'softplus'; chainrule supports"):
        from_sklearn(mlp)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_from_sklearn_cost_is_sklearns_objective(task: str) -> None:
    """l2 = alpha: chainrule's J (L2 term included) equals the loss_ scikit-learn's L-BFGS
    reports at the returned weights (its objective, (alpha/2m) Σ‖W‖² included)."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    X = _mlp_data(5)
    options: dict[str, Any] = {"hidden_layer_sizes": (6,), "solver": "lbfgs", "alpha": 0.3}
    options |= {"max_iter": 50, "random_state": 0}
    if task == "regression":
        y = X[:, 0] * 2
        mlp = _fit(MLPRegressor(**options), X, y)
    else:
        y = (X[:, 0] > 0).astype(int) if task == "binary" else np.arange(80) % 3
        mlp = _fit(MLPClassifier(**options), X, y)
    net = from_sklearn(mlp)
    Y = y if task == "multiclass" else y[None, :]  # class indices for the softmax
    assert net.cost(X.T, Y) == pytest.approx(mlp.loss_, rel=1e-12)
    assert net.l2 == 0.3
