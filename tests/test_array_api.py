"""Array-API backends: Network and fit compute in X's library, on X's device.

The oracle is NumPy: the same network, data and seed give the same gradients
(float64 to 1e-12 relative; float32 to a tolerance from float32's ε and the
depth), the same training run and the same predictions, now as arrays of X's
library on X's device.  array-api-strict's second simulated device
("device1") catches any array made on the default device by mistake: mixing
two devices is an error there.  CUDA (PyTorch, CuPy) runs the same tests where
a GPU is present; everything skips with a reason where an extra is absent.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import chainrule
from chainrule import _xp

pytest.importorskip(
    "array_api_compat", reason="the array-API backends need array-api-compat (chainrule[array-api])"
)


@dataclass
class Backend:
    """How to put a host array on a backend, and how to recognise its arrays."""

    name: str
    put: Callable[[np.ndarray], Any]  # host array -> backend array on its device
    library: str  # type(x).__module__'s top level
    device: Any


def _strict() -> Backend:
    strict = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
    dev = strict.Device("device1")  # not the default device: a stray default array mixes
    return Backend("strict", lambda a: strict.asarray(a, device=dev), "array_api_strict", dev)


def _torch(device: str) -> Backend:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (chainrule[torch])")
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA GPU for PyTorch here")
    dev = torch.device(device)
    return Backend(f"torch-{device}", lambda a: torch.asarray(a, device=dev), "torch", dev)


def _cupy() -> Backend:
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no CUDA GPU for CuPy here")
    except cupy.cuda.runtime.CUDARuntimeError:
        pytest.skip("no CUDA GPU for CuPy here")
    return Backend("cupy", cupy.asarray, "cupy", cupy.cuda.Device(0))


BACKENDS = {
    "strict": _strict,
    "torch-cpu": lambda: _torch("cpu"),
    "torch-cuda": lambda: _torch("cuda"),
    "cupy": _cupy,
}


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Backend:
    return BACKENDS[request.param]()


DTYPES = ["float64", "float32"]


def rel_tol(dtype: str, depth: int) -> float:
    """float64: 1e-12 relative; float32: a few ε per layer (sums of products of ~10 terms)."""
    if dtype == "float64":
        return 1e-12
    return 64 * float(np.finfo(np.float32).eps) * depth


def assert_on(a: Any, b: Backend) -> None:
    """``a`` is an array of ``b``'s library on ``b``'s device."""
    assert type(a).__module__.partition(".")[0] == b.library, type(a)
    assert _xp.device(a) == b.device


def assert_close(got: Any, ref: np.ndarray, tol: float) -> None:
    """‖got − ref‖ ≤ tol ‖ref‖ (norm-wise relative error), got moved to the host."""
    host = _xp.to_host(got)
    assert host.shape == ref.shape
    err = np.linalg.norm(host - ref)
    assert err <= tol * max(np.linalg.norm(ref), 1e-300), err / np.linalg.norm(ref)


def data(task: str, m: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (3, m) and targets for ``task`` (examples as columns)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3, m))
    if task == "binary":
        Y = (X[:1] * X[1:2] + X[2:] > 0).astype(float)
    elif task == "multiclass":
        Y = np.eye(3)[np.argmax(X + 0.3 * rng.normal(size=X.shape), axis=0)].T
    else:
        Y = np.vstack([np.sin(X[0]), X[1] * X[2]])
    return X, Y


NETS = {
    # name: (task, Network options, gradients options)
    "sigmoid+bce": ("binary", {"hidden": "tanh"}, {}),
    "softmax+cce": ("multiclass", {"hidden": "relu", "output": "softmax", "loss": "cce"}, {}),
    "identity+mse": (
        "regression",
        {"hidden": "leaky_relu", "output": "identity", "loss": "mse"},
        {},
    ),
    "general path": ("binary", {"hidden": "sigmoid", "l2": 0.3}, {"fused": False}),
    "cost convention": ("multiclass", {"output": "softmax", "loss": "cce"}, {"convention": "cost"}),
}


def network(task: str, dtype: str, seed: int = 1, **options: Any) -> chainrule.Network:
    n_out = 1 if task == "binary" else (3 if task == "multiclass" else 2)
    return chainrule.Network([3, 5, 4, n_out], seed=seed, dtype=dtype, **options)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", list(NETS))
def test_gradients_equal_numpy(backend: Backend, case: str, dtype: str) -> None:
    task, options, grad_options = NETS[case]
    X, Y = data(task)
    w = np.random.default_rng(5).uniform(0.5, 2.0, size=X.shape[1])
    net = network(task, dtype, **options)
    ref = net.gradients(X, Y, sample_weight=w, **grad_options)
    got = net.gradients(
        backend.put(X), backend.put(Y), sample_weight=backend.put(w), **grad_options
    )
    tol = rel_tol(dtype, net.L)
    for key in ref:
        assert_on(got[key], backend)
        assert_close(got[key], ref[key], tol)
    for dZ, dZ_ref in zip(got.dZ, ref.dZ, strict=True):
        assert_close(dZ, dZ_ref, tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_an_epoch_lowers_the_cost_as_numpy_does(backend: Backend, dtype: str) -> None:
    """One epoch of shuffled mini-batches with dropout and Adam: the same run as NumPy's."""
    X, Y = data("multiclass", m=96)
    options = {"hidden": "tanh", "output": "softmax", "loss": "cce", "dropout": 0.1, "l2": 0.01}
    fit = {"epochs": 1, "batch_size": 16, "learning_rate": 0.02, "seed": 3, "progress": False}
    ref_net = network("multiclass", dtype, **options)
    net = network("multiclass", dtype, **options)
    before = net.cost(X, Y)
    ref = ref_net.fit(X, Y, **fit)
    hist = net.fit(backend.put(X), backend.put(Y), **fit)
    assert net.cost(X, Y) < before
    assert isinstance(net.theta, np.ndarray)  # the network is back on the host
    tol = rel_tol(dtype, net.L) * 4  # one epoch of updates on top of the gradients
    assert_close(net.theta, ref_net.theta, tol)
    assert hist.train_cost == pytest.approx(ref.train_cost, rel=tol)


def test_validation_weights_and_early_stopping_follow_x(backend: Backend) -> None:
    X, Y = data("binary", m=80)
    w = np.linspace(0.5, 1.5, X.shape[1])
    fit = {
        "epochs": 4, "batch_size": 20, "validation_fraction": 0.25, "early_stopping": True,
        "patience": 2, "optimizer": "rmsprop", "learning_rate": 0.01, "seed": 2, "progress": False,
    }  # fmt: skip
    ref_net, net = network("binary", "float64"), network("binary", "float64")
    ref = ref_net.fit(X, Y, sample_weight=w, **fit)
    hist = net.fit(backend.put(X), backend.put(Y), sample_weight=backend.put(w), **fit)
    assert hist.val_cost == pytest.approx(ref.val_cost, rel=1e-10)
    assert_close(net.theta, ref_net.theta, 1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_outputs_keep_namespace_and_device(backend: Backend, dtype: str) -> None:
    X, Y = data("multiclass")
    net = network("multiclass", dtype, output="softmax", loss="cce")
    Xd = backend.put(X)
    for out in (
        net.forward(Xd),
        net.predict_proba(Xd),
        net.predict(Xd),
        net.losses(Xd, Y=backend.put(Y)),
    ):
        assert_on(out, backend)
    np.testing.assert_array_equal(_xp.to_host(net.predict(Xd)), net.predict(X))
    AL = net.forward(Xd)
    assert _xp.host_dtype(AL) == np.dtype(dtype)
    assert_close(AL, net.forward(X), rel_tol(dtype, net.L))
    assert net.accuracy(Xd, backend.put(Y)) == net.accuracy(X, Y)
    assert net.cost(Xd, backend.put(Y)) == pytest.approx(net.cost(X, Y), rel=rel_tol(dtype, 3))


def test_class_indices_on_the_device_are_one_hot_encoded(backend: Backend) -> None:
    X, Y = data("multiclass")
    labels = np.argmax(Y, axis=0)
    net = network("multiclass", "float64", output="softmax", loss="cce")
    assert net.cost(backend.put(X), backend.put(labels)) == pytest.approx(net.cost(X, Y))


def test_mixing_libraries_is_a_type_error_naming_the_argument(backend: Backend) -> None:
    X, Y = data("binary")
    net = network("binary", "float64")
    with pytest.raises(TypeError, match=r"Y is a numpy array but X is a"):
        net.fit(backend.put(X), Y, epochs=1, progress=False)
    with pytest.raises(TypeError, match=r"sample_weight is a numpy array"):
        net.cost(backend.put(X), backend.put(Y), sample_weight=np.ones(X.shape[1]))
    with pytest.raises(TypeError, match=r"X_val is a numpy array"):
        net.fit(backend.put(X), backend.put(Y), validation_data=(X, Y), progress=False)
    with pytest.raises(TypeError, match=r"Y is a .* array but X is a numpy array"):
        net.gradients(X, backend.put(Y))
    assert isinstance(net.theta, np.ndarray)  # a refused fit leaves the network on the host


def test_mixing_devices_is_a_value_error_naming_the_argument() -> None:
    strict = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
    X, Y = data("binary")
    net = network("binary", "float64")
    X1 = strict.asarray(X, device=strict.Device("device1"))
    Y0 = strict.asarray(Y)  # the default device
    with pytest.raises(ValueError, match=r"Y is on device .* but X is on"):
        net.fit(X1, Y0, epochs=1, progress=False)


def test_a_seed_gives_the_same_initial_network_on_every_backend(backend: Backend) -> None:
    X, _ = data("binary")
    a, b = network("binary", "float32", seed=11), network("binary", "float32", seed=11)
    Ws, bs = b.params_like(backend.put(X))
    for W, W_ref in zip(Ws + bs, list(a.Ws) + list(a.bs), strict=True):
        assert_on(W, backend)
        np.testing.assert_array_equal(_xp.to_host(W), W_ref)  # a copy: the same bits


def test_optimizer_state_comes_back_to_the_host_and_continues(backend: Backend) -> None:
    X, Y = data("binary")
    opt = chainrule.optim.Adam()
    opt.keep_state = True
    ref_opt = chainrule.optim.Adam()
    ref_opt.keep_state = True
    net, ref_net = network("binary", "float64"), network("binary", "float64")
    for _ in range(2):  # the second fit continues the first one's t, m and v
        net.fit(backend.put(X), backend.put(Y), epochs=2, optimizer=opt, progress=False, seed=0)
        ref_net.fit(X, Y, epochs=2, optimizer=ref_opt, progress=False, seed=0)
    assert opt.t == ref_opt.t == 4
    assert isinstance(opt.state.m, np.ndarray)
    assert_close(opt.state.v, ref_opt.state.v, 1e-10)
    assert_close(net.theta, ref_net.theta, 1e-10)


def test_save_and_load_go_through_the_host(backend: Backend, tmp_path: Any) -> None:
    X, Y = data("binary")
    net = network("binary", "float32")
    net.fit(backend.put(X), backend.put(Y), epochs=3, batch_size=16, progress=False, seed=0)
    loaded = chainrule.load(net.save(tmp_path / "model.npz"))
    assert isinstance(loaded.theta, np.ndarray)
    np.testing.assert_array_equal(loaded.theta, net.theta)
    np.testing.assert_array_equal(
        _xp.to_host(loaded.forward(backend.put(X))), _xp.to_host(net.forward(backend.put(X)))
    )


def test_bad_device_input_is_a_clear_error(backend: Backend) -> None:
    X, Y = data("binary")
    net = network("binary", "float64")
    bad = X.copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match=r"X contains 1 NaN or infinite"):
        net.forward(backend.put(bad))
    with pytest.raises(ValueError, match=r"n\[0\] = 3 features"):
        net.forward(backend.put(X[:2]))
    with pytest.raises(ValueError, match=r"labels 0 or 1"):
        net.cost(backend.put(X), backend.put(Y * 2))


def test_float32_products_never_use_tf32() -> None:
    """Inside fit (seen from its callback) PyTorch's float32 matmuls are full float32."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (chainrule[torch])")
    new_api = hasattr(torch.backends.cuda.matmul, "fp32_precision")

    def setting() -> str:
        if new_api:
            return str(torch.backends.cuda.matmul.fp32_precision)
        return torch.get_float32_matmul_precision()

    X, Y = data("binary")
    seen: list[str] = []
    before = setting()
    if new_api:
        torch.backends.cuda.matmul.fp32_precision = "tf32"
    else:
        torch.set_float32_matmul_precision("high")
    try:
        outside = setting()
        net = network("binary", "float32")
        net.fit(
            torch.asarray(X), torch.asarray(Y), epochs=1, progress=False,
            callback=lambda epoch, logs: seen.append(setting()),
        )  # fmt: skip
        assert seen == ["ieee" if new_api else "highest"]
        assert setting() == outside  # put back
    finally:
        if new_api:
            torch.backends.cuda.matmul.fp32_precision = before
        else:
            torch.set_float32_matmul_precision(before)


def test_numpy_users_never_import_array_api_compat() -> None:
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        import chainrule
        rng = np.random.default_rng(0)
        X = rng.normal(size=(2, 40)); Y = (X[:1] > 0).astype(float)
        net = chainrule.Network([2, 4, 1], seed=0)
        net.fit(X, Y, epochs=2, batch_size=8, progress=False)
        net.predict(X); net.gradients(X, Y)
        print("array_api_compat" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False", out.stdout + out.stderr


def test_dask_arrays_are_converted_to_numpy_as_before() -> None:
    """Lazy (Dask) arrays are not a backend: NumPy trains on their values, as any array-like."""
    da = pytest.importorskip("dask.array", reason="dask is not installed")
    X, Y = data("binary")
    net, ref = network("binary", "float64"), network("binary", "float64")
    net.fit(da.from_array(X), da.from_array(Y), epochs=2, progress=False, seed=0)
    ref.fit(X, Y, epochs=2, progress=False, seed=0)
    np.testing.assert_array_equal(net.theta, ref.theta)
    assert isinstance(net.predict(da.from_array(X)), np.ndarray)


def test_a_diverging_run_keeps_the_last_finite_parameters(backend: Backend) -> None:
    """The divergence guard works on the device's θ: the run ends as NumPy's, finite."""
    X, Y = data("regression")
    fit = {"epochs": 3, "optimizer": "sgd", "learning_rate": 1e3, "progress": False}
    nets = [network("regression", "float64", output="identity", loss="mse") for _ in range(2)]
    with pytest.warns(chainrule.training.DivergenceWarning):
        ref = nets[0].fit(X * 1e3, Y, **fit)
    with pytest.warns(chainrule.training.DivergenceWarning):
        hist = nets[1].fit(backend.put(X * 1e3), backend.put(Y), **fit)
    assert hist.diverged
    assert hist.message == ref.message
    assert np.isfinite(nets[1].theta).all()
    assert_close(nets[1].theta, nets[0].theta, 1e-12)


def test_gradients_display_from_the_device(backend: Backend) -> None:
    X, Y = data("binary")
    grads = network("binary", "float64").gradients(backend.put(X), backend.put(Y))
    assert "dJ/dW[1]" in grads._repr_html_()
