"""chainrule.export.to_torch / from_torch: the same weights, the same outputs.

Needs PyTorch (``pip install "chainrule[torch]"``); skips with that reason without it.
CI does not install PyTorch (the Linux wheel pulls gigabytes of CUDA libraries), so these
tests run only where PyTorch is already installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import chainrule
from chainrule.activations import LeakyReLU
from chainrule.export import from_torch, to_torch

torch = pytest.importorskip(
    "torch", reason='needs PyTorch (pip install "chainrule[torch]"); CI does not install it'
)
nn = torch.nn

TOL = {"float32": 1e-6, "float64": 1e-12}
HIDDEN = ["sigmoid", "relu", LeakyReLU(0.3), "tanh", "identity", "softmax"]
OUTPUTS = [
    ("sigmoid", "binary_crossentropy", 1),
    ("softmax", "categorical_crossentropy", 3),
    ("identity", "squared_error", 2),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output", OUTPUTS, ids=lambda o: o[0])
@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda a: getattr(a, "name", a))
def test_to_torch_round_trip(hidden: Any, output: tuple[str, str, int], dtype: str) -> None:
    out, loss, nL = output
    net = chainrule.Network(
        [4, 6, 5, nL], hidden=hidden, output=out, loss=loss, seed=0, dtype=dtype
    )
    net.bs = [np.random.default_rng(l).normal(size=b.shape) for l, b in enumerate(net.bs)]
    torch.manual_seed(0)
    state = torch.get_rng_state()
    module = to_torch(net)
    assert torch.equal(torch.get_rng_state(), state)  # no draw from torch's generator
    assert isinstance(module, nn.Sequential)
    linears = [m for m in module if isinstance(m, nn.Linear)]
    for W, b, lin in zip(net.Ws, net.bs, linears, strict=True):
        assert tuple(lin.weight.shape) == W.shape  # (n[l], n[l-1]) exactly
        np.testing.assert_array_equal(lin.weight.detach().numpy(), W)
        np.testing.assert_array_equal(lin.bias.detach().numpy(), b[:, 0])
    X = np.random.default_rng(1).normal(size=(7, 4)).astype(dtype)  # rows
    with torch.no_grad():
        Y = module(torch.from_numpy(X)).numpy()
    assert Y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(Y, net.forward(X.T).T, rtol=TOL[dtype], atol=TOL[dtype])
    back = from_torch(module)
    assert back.layer_dims == net.layer_dims
    assert [a.config() for a in back.activations] == [a.config() for a in net.activations]
    assert back.loss.name == net.loss.name
    assert back.dtype == net.dtype
    np.testing.assert_array_equal(back.theta, net.theta)


def test_from_torch_stack_defaults() -> None:
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Linear(3, 4, dtype=torch.float64),
        nn.Sequential(nn.Tanh(), nn.Linear(4, 2, bias=False, dtype=torch.float64)),
    )
    net = from_torch(module)
    assert [a.name for a in net.activations] == ["tanh", "identity"]
    assert net.loss.name == "squared_error"
    np.testing.assert_array_equal(net.bs[1], np.zeros((2, 1)))
    X = np.random.default_rng(0).normal(size=(5, 3))
    with torch.no_grad():
        Y = module(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(net.forward(X.T).T, Y, rtol=1e-12, atol=1e-12)


def test_from_torch_refuses_with_the_module_named() -> None:
    torch.manual_seed(0)
    with pytest.raises(ValueError, match=r"module '1' \(Dropout\) is not supported"):
        from_torch(nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.5)))
    with pytest.raises(ValueError, match=r"module '1' \(GELU\) is not supported"):
        from_torch(nn.Sequential(nn.Linear(3, 2), nn.GELU()))
    with pytest.raises(ValueError, match=r"Softmax\(dim=0\)"):
        from_torch(nn.Sequential(nn.Linear(3, 2), nn.Softmax(dim=0)))
    with pytest.raises(ValueError, match="follows another activation"):
        from_torch(nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Tanh()))
    with pytest.raises(ValueError, match="comes before any Linear"):
        from_torch(nn.Sequential(nn.ReLU(), nn.Linear(3, 2)))
    with pytest.raises(ValueError, match="takes 5 inputs but the layer before it has 2 outputs"):
        from_torch(nn.Sequential(nn.Linear(3, 2), nn.Linear(5, 1)))
    with pytest.raises(TypeError, match="got ndarray"):
        from_torch(np.zeros(3))
