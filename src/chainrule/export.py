r"""Export and import: ONNX files, PyTorch modules, scikit-learn's MLPs.

* :func:`to_onnx` writes a network (and the input scaling a ``chainrule train``
  model stores) as an ONNX file for onnxruntime and every other ONNX runtime;
* :func:`to_torch` / :func:`from_torch` convert to and from a
  ``torch.nn.Sequential`` of ``Linear`` layers and activations;
* :func:`from_sklearn` builds a :class:`~chainrule.network.Network` from a fitted
  scikit-learn ``MLPClassifier`` / ``MLPRegressor``, so that chainrule can explain
  and gradient-check scikit-learn's own model.

Rows, not columns
-----------------
chainrule keeps the course's layout: examples are **columns**, X has shape
(n[0], m) and Z[l] = W[l] A[l-1] + b[l].  ONNX models and PyTorch modules take
examples as **rows**: a batch has shape (batch, n[0]).  Both exports therefore
compute the transposed product, row by row,

    Z[l]ᵀ = A[l-1]ᵀ W[l]ᵀ + b[l]ᵀ,

with W[l] stored exactly as chainrule holds it, (n[l], n[l-1]): ONNX's ``Gemm``
with ``transB=1`` and PyTorch's ``Linear.weight`` both keep the weight in that
shape and transpose it in the product.  An exported model takes X of shape
(batch, n[0]) and returns Y of shape (batch, n[L]), Y = A[L]ᵀ.

The optional dependencies are imported by the functions that need them (``pip
install "chainrule[onnx]"`` for onnx + onnxruntime, ``"chainrule[torch]"`` for
PyTorch); ``import chainrule.export`` needs neither.  :func:`from_sklearn` needs
scikit-learn, a dependency of chainrule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from chainrule._validation import check_dtype
from chainrule._version import __version__
from chainrule.activations import Activation, LeakyReLU
from chainrule.data import scaler_from_metadata
from chainrule.io import atomic_write_bytes
from chainrule.network import Network

__all__ = ["ONNX_IR_VERSION", "ONNX_OPSET", "from_sklearn", "from_torch", "to_onnx", "to_torch"]

ONNX_OPSET = 17
"""The ONNX operator-set version of the files :func:`to_onnx` writes (onnxruntime ≥ 1.13 reads
it).  The graph uses ``Gemm``, ``Sigmoid``, ``Relu``, ``LeakyRelu``, ``Tanh``, ``Softmax``
(``axis=1``: over a row's units), ``Identity``, ``Sub``, ``Div``, ``Mul``, ``Add`` and, for
a float64 leaky ReLU (whose ``LeakyRelu`` ``alpha`` attribute would be rounded to 32 bits),
``Max``(z, α·z)."""

ONNX_IR_VERSION = 8
"""The ONNX IR version written with :data:`ONNX_OPSET` (opset 17 came with IR version 8)."""

_LOSS_OF_OUTPUT = {
    "sigmoid": "binary_crossentropy",
    "softmax": "categorical_crossentropy",
}


def _require(module: str, extra: str) -> Any:
    """Import an optional dependency, or an ImportError that names the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"this needs the optional package {module!r}, which is not installed: "
            f'pip install "chainrule[{extra}]"'
        ) from exc


def _check_network(net: Any, name: str = "net") -> Network:
    if not isinstance(net, Network):
        raise TypeError(f"{name} must be a chainrule.Network, got {type(net).__name__}")
    return net


# --------------------------------------------------------------------------------------
# ONNX
# --------------------------------------------------------------------------------------


def _scaling_steps(
    metadata: Mapping[str, Any], n_inputs: int, n_outputs: int
) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """(input steps, output steps): ("sub"|"div"|"mul"|"add", float64 vector or scalar)."""
    before: list[tuple[str, Any]] = []
    after: list[tuple[str, Any]] = []
    pre = metadata.get("preprocessing")
    if pre is not None:
        if not isinstance(pre, Mapping):
            raise ValueError(f"net.metadata['preprocessing'] must be a mapping, got {pre!r}")
        scaler_from_metadata(pre)  # checks the kind and the statistics
        kind = pre.get("kind", "none")
        if kind == "standard":
            before = [("sub", pre["mean"]), ("div", pre["std"])]
        elif kind == "minmax":
            before = [("sub", pre["min"]), ("div", pre["range"])]
        elif kind == "divide":
            by = pre.get("by")
            if not isinstance(by, (int, float)) or not by > 0:
                raise ValueError(f"preprocessing of kind 'divide' needs 'by' > 0, got {by!r}")
            before = [("div", float(by))]
        for _, v in before:
            size = np.asarray(v).size
            if np.ndim(v) > 0 and size != n_inputs:
                raise ValueError(
                    f"net.metadata['preprocessing'] has statistics for {size} features but the "
                    f"network takes {n_inputs}"
                )
    ts = metadata.get("target_scaling")
    if ts:
        if not isinstance(ts, Mapping) or "mean" not in ts or "std" not in ts:
            raise ValueError(
                "net.metadata['target_scaling'] must be {'mean': [...], 'std': [...]}, "
                f"got {ts!r}"
            )
        mean = np.asarray(ts["mean"], dtype=np.float64).reshape(-1)
        std = np.asarray(ts["std"], dtype=np.float64).reshape(-1)
        if mean.size != n_outputs or std.size != n_outputs:
            raise ValueError(
                f"net.metadata['target_scaling'] has {mean.size} means and {std.size} stds but "
                f"the network has {n_outputs} outputs"
            )
        after = [("mul", std), ("add", mean)]
    return before, after


def _onnx_model(net: Network, dtype: np.dtype[Any], scaling: bool) -> Any:
    onnx = _require("onnx", "onnx")
    from onnx import TensorProto, helper, numpy_helper

    elem = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    n0, nL = net.layer_dims[0], net.layer_dims[-1]
    before, after = _scaling_steps(net.metadata, n0, nL) if scaling else ([], [])
    nodes: list[Any] = []
    inits: list[Any] = []
    ops = {"sub": "Sub", "div": "Div", "mul": "Mul", "add": "Add"}

    def const(name: str, value: Any, shape: tuple[int, ...] | None = None) -> str:
        arr = np.asarray(value, dtype=np.float64).astype(dtype)
        if shape is not None:
            arr = arr.reshape(shape)
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    current = "X"
    for i, (op, value) in enumerate(before):
        shape = (1, n0) if np.ndim(value) > 0 else None  # a row: broadcast over the batch
        c = const(f"input_{op}_{i}", value, shape)
        out = f"X_scaled_{i}"
        nodes.append(helper.make_node(ops[op], [current, c], [out], name=f"input_{op}_{i}"))
        current = out
    for l, (W, b, act) in enumerate(zip(net.Ws, net.bs, net.activations, strict=True), start=1):
        w = const(f"W{l}", W)  # (n[l], n[l-1]) exactly, as in chainrule
        c = const(f"b{l}", b[:, 0])  # (n[l],): broadcast over the rows
        z = f"Z{l}"
        nodes.append(helper.make_node("Gemm", [current, w, c], [z], name=f"linear{l}", transB=1))
        a = f"A{l}"
        if act.name == "leaky_relu" and dtype == np.float64:
            # LeakyRelu's alpha attribute is a 32-bit float; in float64 the graph computes
            # max(z, αz) (= leaky_relu for 0 ≤ α ≤ 1) with α as a float64 constant instead
            alpha = const(f"alpha{l}", act.alpha)  # type: ignore[attr-defined]
            nodes.append(helper.make_node("Mul", [z, alpha], [f"alphaZ{l}"], name=f"alphaZ{l}"))
            nodes.append(helper.make_node("Max", [z, f"alphaZ{l}"], [a], name=f"leaky_relu{l}"))
        else:
            nodes.append(_activation_node(act, z, a, f"{act.name}{l}", helper))
        current = a
    for i, (op, value) in enumerate(after):
        c = const(f"output_{op}_{i}", value, (1, nL))
        out = f"Y_scaled_{i}"
        nodes.append(helper.make_node(ops[op], [current, c], [out], name=f"output_{op}_{i}"))
        current = out
    nodes.append(helper.make_node("Identity", [current], ["Y"], name="output"))
    graph = helper.make_graph(
        nodes,
        "chainrule_network",
        [helper.make_tensor_value_info("X", elem, ["batch", n0])],
        [helper.make_tensor_value_info("Y", elem, ["batch", nL])],
        initializer=inits,
        doc_string=(
            "rows: X (batch, n[0]) -> Y = A[L]^T (batch, n[L]); each layer Gemm(A, W[l], b[l], "
            "transB=1) = A W[l]^T + b[l]^T"
        ),
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
        producer_name="chainrule",
        producer_version=__version__,
        doc_string=repr(net),
    )
    model.ir_version = ONNX_IR_VERSION
    meta = {
        "layout": "rows",
        "layer_dims": json.dumps(net.layer_dims),
        "activations": json.dumps([a.config() for a in net.activations]),
        "loss": net.loss.name,
        "task": net.task,
        "input_scaling": json.dumps([op for op, _ in before]),
        "output_scaling": json.dumps([op for op, _ in after]),
    }
    names = net.metadata.get("class_names")
    if isinstance(names, list):
        meta["class_names"] = json.dumps([str(n) for n in names])
    helper.set_model_props(model, meta)
    onnx.checker.check_model(model, full_check=True)
    return model


def _activation_node(act: Activation, z: str, a: str, name: str, helper: Any) -> Any:
    kind = act.name
    if kind == "sigmoid":
        return helper.make_node("Sigmoid", [z], [a], name=name)
    if kind == "relu":
        return helper.make_node("Relu", [z], [a], name=name)
    if kind == "leaky_relu":
        return helper.make_node("LeakyRelu", [z], [a], name=name, alpha=float(act.alpha))  # type: ignore[attr-defined]
    if kind == "tanh":
        return helper.make_node("Tanh", [z], [a], name=name)
    if kind == "identity":
        return helper.make_node("Identity", [z], [a], name=name)
    if kind == "softmax":  # chainrule: over a column's units; rows: over axis 1
        return helper.make_node("Softmax", [z], [a], name=name, axis=1)
    raise ValueError(f"activation {kind!r} has no ONNX export")


def to_onnx(
    net: Network,
    path: str | Path,
    *,
    dtype: Any = None,
    scaling: bool = True,
) -> Path:
    """Write ``net`` as an ONNX file (opset :data:`ONNX_OPSET` = 17), checked by ``onnx.checker``.

    The graph takes **rows**: input ``X`` of shape (batch, n[0]) and output
    ``Y`` of shape (batch, n[L]) equal to A[L]ᵀ, each layer a ``Gemm`` with
    ``transB=1`` computing A W[l]ᵀ + b[l]ᵀ with W[l] stored in chainrule's shape
    (n[l], n[l-1]).  ``Y`` holds what :meth:`Network.forward` returns:
    probabilities for sigmoid / softmax outputs (one column per unit; a binary
    model's single column is P(class 1)), values for regression.

    With ``scaling`` (the default) the scaling a ``chainrule train`` model
    stores in ``net.metadata`` is part of the graph, so the file takes raw
    features and returns what ``chainrule predict`` prints:

    * ``preprocessing``: (x − mean)/std, (x − min)/range or x/by before the
      first layer (:func:`chainrule.data.apply_preprocessing`);
    * ``target_scaling`` (regression): Y·std + mean after the last layer, the
      targets' original units.

    The model's properties (``metadata_props``) record the layout (``rows``),
    the architecture, the task, the scaling steps and the class names.

    Parameters
    ----------
    net : Network
    path : str or Path
        The file to write (atomically; an existing file is replaced).
    dtype : {"float32", "float64"}, optional
        The element type of the graph's input, weights and output; default:
        the network's own dtype.
    scaling : bool, default=True
        Include the stored input (and target) scaling; ``False`` exports the
        bare network, whose input must be scaled as it was in training.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ImportError
        onnx is not installed (``pip install "chainrule[onnx]"``).
    ValueError
        Malformed scaling statistics in ``net.metadata``, or a bad ``dtype``.
    """
    net = _check_network(net)
    dt = net.dtype if dtype is None else check_dtype(dtype)
    if not isinstance(scaling, bool):
        raise TypeError(f"scaling must be True or False, got {scaling!r}")
    model = _onnx_model(net, dt, scaling)
    data = model.SerializeToString()
    out = Path(path)
    atomic_write_bytes(out, lambda f: f.write(data))
    return out


# --------------------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------------------


def to_torch(net: Network) -> Any:
    """A ``torch.nn.Sequential`` with ``net``'s weights: ``Linear``, activation, ``Linear``, ...

    ``Linear`` takes rows (batch, n[l-1]) and computes x Wᵀ + b with ``weight``
    of shape (n[l], n[l-1]): it is W[l] exactly, and ``bias`` is b[l][:, 0].
    The activations are ``Sigmoid``, ``ReLU``, ``LeakyReLU(negative_slope=α)``,
    ``Tanh``, ``Identity`` and ``Softmax(dim=1)``.  The tensors are copies in
    the network's dtype (``torch.float64`` or ``torch.float32``); so
    ``module(torch.from_numpy(X.T))`` equals ``net.forward(X).T``.  The loss,
    the input scaling and the training state are not part of the module.

    Raises
    ------
    ImportError
        PyTorch is not installed (``pip install "chainrule[torch]"``).
    """
    net = _check_network(net)
    torch = _require("torch", "torch")
    nn = torch.nn
    layers: list[Any] = []
    for W, b, act in zip(net.Ws, net.bs, net.activations, strict=True):
        n_out, n_in = W.shape
        dtype = torch.float32 if W.dtype == np.float32 else torch.float64
        # skip_init: no random initial weights (they would be overwritten, and drawing them
        # would advance torch's global generator)
        lin = nn.utils.skip_init(nn.Linear, n_in, n_out, bias=True, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.array(W)))
            lin.bias.copy_(torch.from_numpy(np.array(b[:, 0])))
        layers.append(lin)
        layers.append(_torch_activation(act, nn))
    return nn.Sequential(*layers)


def _torch_activation(act: Activation, nn: Any) -> Any:
    kind = act.name
    if kind == "sigmoid":
        return nn.Sigmoid()
    if kind == "relu":
        return nn.ReLU()
    if kind == "leaky_relu":
        return nn.LeakyReLU(negative_slope=float(act.alpha))  # type: ignore[attr-defined]
    if kind == "tanh":
        return nn.Tanh()
    if kind == "identity":
        return nn.Identity()
    if kind == "softmax":
        return nn.Softmax(dim=1)
    raise ValueError(f"activation {kind!r} has no PyTorch counterpart")


def _flatten_torch(module: Any, nn: Any, prefix: str) -> list[tuple[str, Any]]:
    if isinstance(module, nn.Sequential):
        out: list[tuple[str, Any]] = []
        for name, child in module.named_children():
            out += _flatten_torch(child, nn, f"{prefix}.{name}" if prefix else name)
        return out
    return [(prefix or type(module).__name__, module)]


def _from_torch_activation(name: str, module: Any, nn: Any) -> str | Activation:
    if isinstance(module, nn.Sigmoid):
        return "sigmoid"
    if isinstance(module, nn.ReLU):
        return "relu"
    if isinstance(module, nn.Tanh):
        return "tanh"
    if isinstance(module, nn.Identity):
        return "identity"
    if isinstance(module, nn.LeakyReLU):
        return LeakyReLU(float(module.negative_slope))
    if isinstance(module, nn.Softmax):
        if module.dim not in (1, -1):
            raise ValueError(
                f"module {name!r} is Softmax(dim={module.dim}); only Softmax over the units "
                "of a row (dim=1 or dim=-1) has a chainrule counterpart"
            )
        return "softmax"
    raise ValueError(
        f"module {name!r} ({type(module).__name__}) is not supported: from_torch takes "
        "Linear layers and the activations Sigmoid, ReLU, LeakyReLU, Tanh, Identity and "
        "Softmax(dim=1), in a Sequential"
    )


def from_torch(module: Any, *, loss: Any = None) -> Network:
    """A Network from a ``torch.nn.Sequential`` of ``Linear`` layers and activations.

    Each ``Linear`` (weight (n[l], n[l-1]), bias (n[l],); no bias means b[l] = 0)
    may be followed by one activation: ``Sigmoid``, ``ReLU``,
    ``LeakyReLU(negative_slope)``, ``Tanh``, ``Identity`` or ``Softmax(dim=1)``;
    a ``Linear`` followed directly by another ``Linear`` (or ending the stack)
    gets the identity.  Nested ``Sequential`` containers are flattened.  Any
    other module (Dropout, BatchNorm, Conv, a custom module, ...) is refused with
    a ValueError naming it.  The network's dtype is the weights' (float32 or
    float64); its parameters are copies.

    Parameters
    ----------
    module : torch.nn.Sequential (or a single torch.nn.Linear)
    loss : str, optional
        The network's loss; default: binary cross-entropy after a sigmoid,
        categorical cross-entropy after a softmax, squared error otherwise.

    Raises
    ------
    ImportError
        PyTorch is not installed.
    TypeError
        ``module`` is not a torch module.
    ValueError
        An unsupported module, two activations in a row, an activation before
        the first ``Linear``, mismatched layer sizes, or weights that are not
        float32/float64.
    """
    torch = _require("torch", "torch")
    nn = torch.nn
    if not isinstance(module, nn.Module):
        raise TypeError(
            f"module must be a torch.nn.Sequential of Linear layers and activations, "
            f"got {type(module).__name__}"
        )
    items = _flatten_torch(module, nn, "")
    Ws: list[np.ndarray] = []
    bs: list[np.ndarray] = []
    acts: list[str | Activation | None] = []
    for name, child in items:
        if isinstance(child, nn.Linear):
            W = child.weight.detach().cpu().numpy().copy()
            if W.dtype not in (np.float32, np.float64):
                raise ValueError(
                    f"module {name!r} has weights of dtype {W.dtype}; chainrule takes float32 "
                    "or float64"
                )
            if Ws and W.shape[1] != Ws[-1].shape[0]:
                raise ValueError(
                    f"module {name!r} takes {W.shape[1]} inputs but the layer before it has "
                    f"{Ws[-1].shape[0]} outputs"
                )
            b = (
                np.zeros(W.shape[0], dtype=W.dtype)
                if child.bias is None
                else child.bias.detach().cpu().numpy().astype(W.dtype)
            )
            Ws.append(W)
            bs.append(b.reshape(-1, 1))
            acts.append(None)
            continue
        act = _from_torch_activation(name, child, nn)
        if not Ws:
            raise ValueError(f"module {name!r} ({type(child).__name__}) comes before any Linear")
        if acts[-1] is not None:
            raise ValueError(
                f"module {name!r} ({type(child).__name__}) follows another activation; "
                "chainrule has one activation per layer"
            )
        acts[-1] = act
    if not Ws:
        raise ValueError("module holds no Linear layer")
    dtypes = {W.dtype for W in Ws}
    if len(dtypes) > 1:
        raise ValueError(f"the Linear layers mix dtypes {sorted(str(d) for d in dtypes)}")
    activations = [a if a is not None else "identity" for a in acts]
    out_name = activations[-1] if isinstance(activations[-1], str) else activations[-1].name
    if loss is None:
        loss = _LOSS_OF_OUTPUT.get(out_name, "squared_error")
    layer_dims = [Ws[0].shape[1]] + [W.shape[0] for W in Ws]
    net = Network(layer_dims, activations=activations, loss=loss, dtype=Ws[0].dtype, seed=0)
    net.Ws = Ws
    net.bs = bs
    return net


# --------------------------------------------------------------------------------------
# scikit-learn
# --------------------------------------------------------------------------------------

_SKLEARN_HIDDEN = {"relu": "relu", "tanh": "tanh", "logistic": "sigmoid", "identity": "identity"}
_SKLEARN_OUTPUT = {
    "logistic": ("sigmoid", "binary_crossentropy"),
    "softmax": ("softmax", "categorical_crossentropy"),
    "identity": ("identity", "squared_error"),
}


def from_sklearn(mlp: Any) -> Network:
    """A Network holding a fitted scikit-learn ``MLPClassifier`` / ``MLPRegressor``.

    The course's layout, examples as columns: W[l] = ``coefs_[l].T`` (shape
    (n[l], n[l-1])), b[l] = ``intercepts_[l][:, None]``.  The hidden activation
    (``relu``, ``tanh``, ``logistic`` → sigmoid, ``identity``) and the output
    and loss follow the estimator: ``out_activation_`` ``logistic`` → sigmoid
    with binary cross-entropy (binary or multilabel), ``softmax`` → softmax with
    categorical cross-entropy, ``identity`` → identity with squared error (½
    convention, as scikit-learn's).  ``l2`` is the estimator's ``alpha``, which
    is exactly chainrule's λ (scikit-learn adds (alpha/2m) Σ‖W‖² to the cost), so
    ``net.cost`` and ``net.gradients`` are those of the objective scikit-learn
    minimised (for one output; scikit-learn also averages squared error over the
    outputs of a multi-output regressor).  The dtype is the coefficients' (float64
    unless the estimator was fitted on float32 data).

    ``net.forward(X.T).T`` equals ``mlp.predict_proba(X)`` (softmax; for a binary
    classifier its second column, for a multilabel one the whole of it) and
    ``mlp.predict(X)`` for a regressor; ``mlp.classes_[net.predict(X.T)]`` equals
    ``mlp.predict(X)`` for a multiclass one.  ``net.metadata`` records the source
    and, for a classifier, the class names.

    Raises
    ------
    TypeError
        ``mlp`` is not an ``MLPClassifier`` / ``MLPRegressor``.
    ValueError
        It is not fitted, or uses an activation chainrule lacks.
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.utils.validation import check_is_fitted

    if not isinstance(mlp, (MLPClassifier, MLPRegressor)):
        raise TypeError(
            f"mlp must be a fitted sklearn.neural_network.MLPClassifier or MLPRegressor, "
            f"got {type(mlp).__name__}"
        )
    try:
        check_is_fitted(mlp, ["coefs_", "intercepts_", "out_activation_"])
    except NotFittedError as exc:
        raise ValueError(
            f"mlp is an unfitted {type(mlp).__name__}: call its fit(X, y) first"
        ) from exc
    hidden = mlp.activation
    if hidden not in _SKLEARN_HIDDEN:
        raise ValueError(
            f"mlp.activation is {hidden!r}; chainrule supports {sorted(_SKLEARN_HIDDEN)}"
        )
    out = mlp.out_activation_
    if out not in _SKLEARN_OUTPUT:
        raise ValueError(
            f"mlp.out_activation_ is {out!r}; chainrule supports {sorted(_SKLEARN_OUTPUT)}"
        )
    output, loss = _SKLEARN_OUTPUT[out]
    coefs = [np.asarray(c) for c in mlp.coefs_]
    intercepts = [np.asarray(c) for c in mlp.intercepts_]
    dtype = check_dtype(coefs[0].dtype, "mlp.coefs_ dtype")
    layer_dims = [coefs[0].shape[0]] + [c.shape[1] for c in coefs]
    L = len(coefs)
    activations = [_SKLEARN_HIDDEN[hidden]] * (L - 1) + [output]
    alpha = float(mlp.alpha)
    net = Network(
        layer_dims,
        activations=activations,
        loss=loss,
        dtype=dtype,
        l2=alpha if math.isfinite(alpha) and alpha >= 0 else 0.0,
        seed=0,
    )
    net.Ws = [c.T for c in coefs]
    net.bs = [b.reshape(-1, 1) for b in intercepts]
    meta: dict[str, Any] = {"source": f"sklearn.neural_network.{type(mlp).__name__}"}
    if isinstance(mlp, MLPClassifier):
        meta["class_names"] = [str(c) for c in mlp.classes_]
    net.metadata = meta
    return net
