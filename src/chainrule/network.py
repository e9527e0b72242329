r"""``Network``: a deep feed-forward network over the math core.

A thin object around :mod:`chainrule.backprop`: it owns the parameters
(``W[l]`` of shape (n[l], n[l-1]), ``b[l]`` of shape (n[l], 1)), the
activations, the loss and the regularisation settings, validates input, and
delegates every formula to the core.

>>> import numpy as np, chainrule
>>> net = chainrule.Network([2, 3, 1], hidden="tanh", seed=0)
>>> sorted(net.parameters)
['W1', 'W2', 'b1', 'b2']
>>> net.parameters["W1"].shape
(3, 2)
"""

from __future__ import annotations

import html
import inspect
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule import _xp, backprop, io, training
from chainrule import head as _head
from chainrule._display import html_table, text_table
from chainrule._typing import Array, Params
from chainrule._validation import (
    as_float_array,
    check_choice,
    check_dtype,
    check_fraction,
    check_layer_dims,
    check_nonneg_float,
    check_parameter_count,
)
from chainrule.activations import Activation, get_activation
from chainrule.backprop import Gradients, LayerCache
from chainrule.initializers import INITIALIZERS, initialize, resolve_rng
from chainrule.losses import Loss, cost, get_loss
from chainrule.parameters import ParameterLayout

if TYPE_CHECKING:
    from pathlib import Path

    from chainrule.training import History

__all__ = ["Network", "load"]


class Network:
    """A fully connected feed-forward network, examples as columns.

    Parameters
    ----------
    layer_dims : list of int
        [n[0], n[1], ..., n[L]]: input size, hidden sizes, output size.
    hidden : str or Activation, default="relu"
        Activation of every hidden layer.
    output : str or Activation, default="sigmoid"
        Activation of the output layer.
    loss : str or Loss, default="binary_crossentropy"
        The per-example loss L (``"bce"``, ``"cce"`` and ``"mse"`` are accepted).
    activations : list of str or Activation, optional
        One activation per layer (length L); overrides ``hidden`` and ``output``.
    init : str or list of str, default="auto"
        Initialiser name (see :mod:`chainrule.initializers`), or one per layer.
    seed : int or numpy.random.Generator, optional
        Seeds the initial weights, and (unless :meth:`fit` gets its own seed)
        the shuffling and dropout of training.  Same seed, same network.
    dtype : {"float64", "float32"}, default="float64"
        Every parameter, activation and gradient has this dtype.
    l2 : float, default=0.0
        λ of the L2 penalty: J = (1/m) Σ L + (λ/2m) Σₗ ‖W[l]‖².
    dropout : float or list of float, default=0.0
        Inverted-dropout *drop* rate of the hidden layers' outputs during
        training (keep_prob = 1 − dropout); a list gives one per hidden layer.
        Only :meth:`fit` drops units: :meth:`forward`, :meth:`cost`,
        :meth:`gradients` and the predictions never do.  A non-zero rate on
        a network without hidden layers is an error.

    Attributes
    ----------
    parameters : dict
        The course's ``{"W1": ..., "b1": ..., ...}``.
    theta : ndarray of shape (n_params,)
        Every parameter in one flat vector; ``Ws``, ``bs`` and ``parameters``
        are views of it, and training updates it in place.
    activations : list of Activation
    loss : Loss
    history : History or None
        The last :meth:`fit`'s learning curves.
    metadata : dict
        Extra information read from a model file (empty otherwise).
    """

    def __init__(
        self,
        layer_dims: Sequence[int],
        hidden: str | Activation = "relu",
        output: str | Activation = "sigmoid",
        loss: str | Loss = "binary_crossentropy",
        *,
        activations: Sequence[str | Activation] | None = None,
        init: str | Sequence[str] = "auto",
        seed: int | np.random.Generator | None = None,
        dtype: Any = "float64",
        l2: float = 0.0,
        dropout: float | Sequence[float] = 0.0,
    ) -> None:
        self.layer_dims = check_layer_dims(layer_dims)
        L = len(self.layer_dims) - 1
        if activations is not None:
            if isinstance(activations, (str, Activation)) or len(activations) != L:
                raise ValueError(
                    f"activations must list one activation per layer ({L}), got {activations!r}"
                )
            acts = [get_activation(a, f"activations[{i}]") for i, a in enumerate(activations)]
        else:
            hidden_act = get_activation(hidden, "hidden")  # checked even when L = 1
            acts = [hidden_act] + [get_activation(hidden, "hidden") for _ in range(L - 2)]
            acts = acts[: L - 1]
            acts.append(get_activation(output, "output"))
        self.activations: list[Activation] = acts
        self.loss: Loss = get_loss(loss)
        self._check_output_pairing()
        self.dtype = check_dtype(dtype)
        self.l2 = check_nonneg_float(l2, "l2")
        self.dropout = self._check_dropout(dropout)
        self.init = self._check_init(init)
        self.rng = resolve_rng(seed)
        """The network's own Generator: the initial weights, then (unless :meth:`fit`
        gets its own seed) the shuffling and dropout of training."""
        self.seed = int(seed) if isinstance(seed, Integral) else None
        n_params = check_parameter_count(self.layer_dims, self.dtype.itemsize)
        try:
            Ws, bs = initialize(
                self.layer_dims, self.init, self.rng, self.dtype, [a.name for a in acts]
            )
            self.layout = ParameterLayout(self.layer_dims)
            self.theta: Array = self.layout.flatten(Ws, bs, self.dtype)
        except MemoryError:
            raise ValueError(
                f"layer_dims {self.layer_dims} gives {n_params:,} parameters, which do not "
                f"fit in the memory available to this process ({self.dtype.name}); use "
                "smaller layers"
            ) from None
        """Every parameter in one flat vector: W[1], b[1], ..., W[L], b[L] (see
        :mod:`chainrule.parameters`); ``Ws``, ``bs`` and ``parameters`` are views of it."""
        self._bind_views()
        self.history: History | None = None
        self.metadata: dict[str, Any] = {}
        """Extra information read from a model file (:func:`chainrule.load`)."""

    # -- configuration ----------------------------------------------------------------------

    def _check_output_pairing(self) -> None:
        _head.check_pairing(self.activations[-1], self.loss, self.layer_dims[-1])

    def _check_dropout(self, dropout: float | Sequence[float]) -> list[float]:
        n_hidden = len(self.layer_dims) - 2
        if isinstance(dropout, Real) or (isinstance(dropout, np.ndarray) and dropout.ndim == 0):
            rate = check_fraction(
                dropout.item() if isinstance(dropout, np.ndarray) else dropout, "dropout"
            )
            if rate and n_hidden == 0:
                raise ValueError(
                    f"dropout={rate:g} acts on hidden layers, but layer_dims={self.layer_dims} "
                    "has none (use dropout=0.0)"
                )
            return [rate] * n_hidden
        if isinstance(dropout, (str, bytes)) or not isinstance(dropout, Sequence | np.ndarray):
            raise TypeError(
                f"dropout must be a rate in [0, 1) or a list of {n_hidden} rates (one per hidden "
                f"layer), got {dropout!r}"
            )
        rates = [check_fraction(r, f"dropout[{i}]") for i, r in enumerate(dropout)]
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout must be one rate or one per hidden layer ({n_hidden}), got {len(rates)}"
            )
        return rates

    def _check_init(self, init: Any) -> str | list[str]:
        valid = sorted([*INITIALIZERS, "auto"])
        names = [init] if isinstance(init, str) else init
        if not isinstance(names, Sequence | np.ndarray) or isinstance(names, bytes):
            raise TypeError(
                f"init must be an initialiser name ({', '.join(valid)}) or a list of {self.L} "
                f"names, got {init!r}"
            )
        names = list(names)
        if not isinstance(init, str) and len(names) != self.L:
            raise ValueError(
                f"init must be one name or {self.L} names (one per layer), got {len(names)}"
            )
        for i, n in enumerate(names):
            check_choice(n, valid, "init" if isinstance(init, str) else f"init[{i}]")
        return init if isinstance(init, str) else names

    @property
    def keep_probs(self) -> list[float]:
        """keep_prob per layer (the output layer always 1.0)."""
        return [1.0 - r for r in self.dropout] + [1.0]

    @property
    def L(self) -> int:
        """Number of layers with parameters (the input layer is not counted)."""
        return len(self.layer_dims) - 1

    @property
    def n_params(self) -> int:
        """Total number of trainable numbers."""
        return self.layout.size

    @property
    def Ws(self) -> _Views:
        """W[1], ..., W[L] (index 0 is layer 1), each of shape (n[l], n[l-1]): views of ``theta``.

        Assigning an array to ``net.Ws[l]`` (or a list to ``net.Ws``) copies its
        values into the view (shapes must match), so ``theta`` stays the one store.
        """
        return self._Ws

    @Ws.setter
    def Ws(self, values: Sequence[Any]) -> None:
        self._Ws.assign(values)

    @property
    def bs(self) -> _Views:
        """b[1], ..., b[L], each of shape (n[l], 1): views of ``theta`` (assigning copies)."""
        return self._bs

    @bs.setter
    def bs(self, values: Sequence[Any]) -> None:
        self._bs.assign(values)

    def _bind_views(self) -> None:
        Wv, bv = self.layout.views(self.theta)
        self._Ws, self._bs = _Views("W", Wv, self.dtype), _Views("b", bv, self.dtype)

    def __getstate__(self) -> dict[str, Any]:
        # pickle and deepcopy copy arrays one by one: keep theta, rebuild its views after
        state = dict(self.__dict__)
        del state["_Ws"], state["_bs"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._bind_views()

    @property
    def parameters(self) -> Params:
        """The course's dict ``{"W1": W[1], "b1": b[1], ...}`` (the arrays themselves)."""
        out: Params = {}
        for l, (W, b) in enumerate(zip(self.Ws, self.bs, strict=True), start=1):
            out[f"W{l}"] = W
            out[f"b{l}"] = b
        return out

    @parameters.setter
    def parameters(self, params: Params) -> None:
        # validate every array first, then copy into the views of theta
        Ws: list[Array] = []
        bs: list[Array] = []
        for l in range(1, self.L + 1):
            for key, shape, dst in (
                (f"W{l}", (self.layer_dims[l], self.layer_dims[l - 1]), Ws),
                (f"b{l}", (self.layer_dims[l], 1), bs),
            ):
                if key not in params:
                    raise ValueError(
                        f"parameters is missing {key!r} "
                        f"(expected keys W1, b1, ..., W{self.L}, b{self.L})"
                    )
                arr = as_float_array(params[key], f"parameters[{key!r}]", self.dtype)
                if arr.shape != shape:
                    raise ValueError(
                        f"parameters[{key!r}] must have shape {shape}, got {arr.shape}"
                    )
                dst.append(arr)
        self._Ws.assign(Ws)
        self._bs.assign(bs)

    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild this network's architecture (JSON-able)."""
        return {
            "layer_dims": list(self.layer_dims),
            "activations": [a.config() for a in self.activations],
            "loss": self.loss.name,
            "dtype": self.dtype.name,
            "l2": self.l2,
            "dropout": list(self.dropout),
            "init": self.init,
            "seed": self.seed,
        }

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], parameters: Mapping[str, Any] | None = None
    ) -> Network:
        """Rebuild a network from :meth:`config` (and optionally set its parameters).

        Parameters
        ----------
        config : mapping
            As returned by :meth:`config`.
        parameters : mapping of str to array_like, optional
            ``{"W1": ..., "b1": ...}``; validated and copied into the network's dtype.
        """
        net = cls(
            config["layer_dims"],
            activations=config["activations"],
            loss=config["loss"],
            dtype=config.get("dtype", "float64"),
            l2=config.get("l2", 0.0),
            dropout=config.get("dropout", 0.0),
            init=config.get("init", "auto"),
            seed=config.get("seed"),
        )
        if parameters is not None:
            net.parameters = dict(parameters)
        return net

    def copy(self) -> Network:
        """An independent copy (same architecture and parameter values)."""
        return Network.from_config(self.config(), self.parameters)

    # -- display ----------------------------------------------------------------------------

    def _summary_rows(self) -> list[list[str]]:
        rows = [
            ["0 (input)", str(self.layer_dims[0]), "", "", "", "", f"X: ({self.layer_dims[0]}, m)"]
        ]
        for l in range(1, self.L + 1):
            n, n_prev = self.layer_dims[l], self.layer_dims[l - 1]
            keep = self.keep_probs[l - 1] if l < self.L else 1.0
            act = self.activations[l - 1].name + (f", dropout {1 - keep:g}" if keep < 1 else "")
            rows.append(
                [
                    str(l),
                    str(n),
                    act,
                    f"({n}, {n_prev})",
                    f"({n}, 1)",
                    f"{n * n_prev + n:,}",
                    f"A[{l}]: ({n}, m)",
                ]
            )
        return rows

    _SUMMARY_HEADER = (
        "layer l",
        "units n[l]",
        "activation",
        "W[l]",
        "b[l]",
        "parameters",
        "output",
    )

    def _summary_notes(self) -> list[str]:
        canonical = _head.is_canonical(self.loss, self.activations[-1])
        reg = f" + (λ/2m) Σₗ ‖W[l]‖² with λ = {self.l2:g}" if self.l2 else ""
        notes = [
            f"loss L = {self.loss.name}: {self.loss.formula}",
            f"cost J = (1/m) Σᵢ L⁽ⁱ⁾{reg}",
            "1/m enters once: dW[l] = (1/m) dZ[l] A[l−1]ᵀ, db[l] = (1/m) Σ dZ[l] "
            "(dZ, dA are per-example ∂L/∂·, the course's convention)",
            "output step: "
            + ("dZ[L] = A[L] − Y (fused)" if canonical else "dZ[L] = ∂L/∂A[L] ⊙ g′(Z[L])"),
            f"examples are columns (m of them); {self.dtype.name}, init {self.init}"
            + (f", seed {self.seed}" if self.seed is not None else ""),
        ]
        if self.history is not None and self.history.epoch:
            notes.append(
                f"trained: {self.history.message or training.epochs_text(len(self.history.epoch))}"
            )
        return notes

    def summary(self) -> str:
        """A table of the layers: units, activation, W and b shapes, parameter counts.

        The Keras ``model.summary()`` of this library, with the loss, where the
        1/m goes, the output step and the dtype under it (printed and returned
        as text; Jupyter shows the same as an HTML table when the network is
        a cell's value).
        """
        rows = self._summary_rows()
        lines = [
            f"Network {self.layer_dims}: {self.L} layers, {self.n_params:,} parameters",
            text_table(self._SUMMARY_HEADER, rows, indent="  "),
            f"  total parameters: {self.n_params:,}",
            *(f"  {n}" for n in self._summary_notes()),
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        title = f"Network {self.layer_dims}: {self.L} layers, {self.n_params:,} parameters"
        table = html_table(
            self._SUMMARY_HEADER,
            self._summary_rows(),
            footer=["total", "", "", "", "", f"{self.n_params:,}", ""],
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self._summary_notes())
        return f"<div><strong>{html.escape(title)}</strong>{table}<ul>{notes}</ul></div>"

    def __repr__(self) -> str:
        acts = ", ".join(a.name for a in self.activations)
        return (
            f"Network(layer_dims={self.layer_dims}, activations=[{acts}], loss={self.loss.name!r}, "
            f"dtype={self.dtype.name!r}, l2={self.l2:g}, n_params={self.n_params})"
        )

    # -- input checks -----------------------------------------------------------------------

    def check_X(self, X: Any, name: str = "X") -> Array:
        """Validate and convert inputs to an array of shape (n[0], m) in this network's dtype.

        An array of another library (PyTorch, CuPy, ...) stays in that library
        and on its device (:mod:`chainrule._xp`).
        """
        if _xp.is_numpy(X):
            arr = as_float_array(X, name, self.dtype)
        else:
            arr = _xp.as_float_array(X, name, self.dtype)
        n0 = self.layer_dims[0]
        if arr.shape[0] != n0:
            hint = ""
            if arr.shape[1] == n0:
                hint = f"; examples are columns here: did you mean {name}.T?"
            raise ValueError(
                f"{name} has {arr.shape[0]} rows but the network expects n[0] = {n0} features: "
                f"{name} must have shape ({n0}, m), got {arr.shape}{hint}"
            )
        return arr

    def check_Y(self, Y: Any, m: int, name: str = "Y") -> Array:
        """Validate targets for this network's loss; returns shape (n[L], m).

        Accepts, besides (n[L], m) arrays: a 1-D array of m labels for one
        output unit, and integer class indices (shape (m,) or (1, m)) for a
        softmax / categorical cross-entropy output, which are one-hot encoded.
        Targets of another array library are checked on the host and returned
        in their library, on their device.
        """
        if not _xp.is_numpy(Y):
            return _xp.asarray_like(self.check_Y(_xp.to_host(Y), m, name), Y)
        nL = self.layer_dims[-1]
        arr = np.asarray(Y)
        if arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
        ):
            raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
        # class indices -> one-hot (categorical cross-entropy), 1-D labels -> one row
        arr = _head.encode_targets(arr, self.loss, nL, self.dtype, name)
        arr = as_float_array(arr, name, self.dtype)
        if arr.shape[0] != nL:
            raise ValueError(
                f"{name} must have shape ({nL}, m) for a network with {nL} output unit(s), "
                f"got {arr.shape}"
            )
        if arr.shape[1] != m:
            raise ValueError(
                f"{name} has {arr.shape[1]} examples (columns) but X has {m}: shapes must be "
                f"({nL}, m) and ({self.layer_dims[0]}, m)"
            )
        self.loss.check_targets(arr, name)
        return arr

    def check_weights(self, sample_weight: Any, m: int) -> Array | None:
        """Validate example weights: None, or shape (m,), non-negative with a positive sum."""
        if sample_weight is None:
            return None
        if not _xp.is_numpy(sample_weight):  # checked on the host, returned to its device
            w_host = self.check_weights(_xp.to_host(sample_weight), m)
            return _xp.asarray_like(w_host, sample_weight)
        w = as_float_array(sample_weight, "sample_weight", self.dtype, ndim=1)
        if w.shape[0] != m:
            raise ValueError(f"sample_weight has {w.shape[0]} entries but there are {m} examples")
        if (w < 0).any() or w.sum() <= 0:
            raise ValueError("sample_weight must be non-negative with a positive sum")
        return w

    # -- the math -----------------------------------------------------------------------------

    def params_like(self, X: Any) -> tuple[list[Array], list[Array]]:
        """W[l], b[l] in X's array library and on its device (NumPy: :attr:`Ws`, :attr:`bs`).

        For an array of another library θ is copied to X's device once (the
        network itself stays NumPy on the host) and viewed as W[l], b[l].
        """
        if _xp.is_numpy(X) and _xp.is_numpy(self.theta):
            return self.Ws, self.bs
        return self.layout.views(_xp.asarray_like(self.theta, X))

    def forward(self, X: Any) -> Array:
        """A[L] for inputs X (inference: no dropout).

        Parameters
        ----------
        X : array_like of shape (n[0], m)
            A NumPy array, or an array of another library (PyTorch, CuPy, ...):
            then the computation and A[L] are in that library, on X's device.

        Returns
        -------
        AL : array of shape (n[L], m)
        """
        return self.forward_with_cache(X)[0]

    def forward_with_cache(self, X: Any) -> tuple[Array, list[LayerCache]]:
        """A[L] and the per-layer caches (A_prev, Z, A), without dropout."""
        Xc = self.check_X(X)
        with _xp.exact_matmul(Xc):
            return backprop.forward(Xc, *self.params_like(Xc), self.activations)

    def losses(self, X: Any, Y: Any) -> Array:
        """Per-example losses L, shape (1, m) (no L2 term: L2 belongs to J)."""
        _xp.check_same("X", X, Y=Y)
        Xc = self.check_X(X)
        Yc = self.check_Y(Y, Xc.shape[1])
        AL, caches = self.forward_with_cache(Xc)
        return _head.per_example_loss(self.loss, self.activations[-1], AL, caches[-1].Z, Yc)

    def cost(self, X: Any, Y: Any, sample_weight: Any = None) -> float:
        """The cost J = (1/m) Σᵢ L⁽ⁱ⁾ + (λ/2m) Σₗ ‖W[l]‖²  (dropout off).

        Parameters
        ----------
        X : array_like of shape (n[0], m)
        Y : array_like of shape (n[L], m) (or labels, see :meth:`check_Y`)
        sample_weight : array_like of shape (m,), optional
            J = Σ wᵢ Lᵢ / Σ wᵢ, and the L2 term's m becomes Σ wᵢ.
        """
        _xp.check_same("X", X, Y=Y, sample_weight=sample_weight)
        Xc = self.check_X(X)
        Yc = self.check_Y(Y, Xc.shape[1])
        w = self.check_weights(sample_weight, Xc.shape[1])
        return self.cost_and_output(Xc, Yc, w)[0]

    def cost_and_output(self, X: Array, Y: Array, w: Array | None = None) -> tuple[float, Array]:
        """J and A[L] from one forward pass over already-checked X, Y (and weights)."""
        Ws, bs = self.params_like(X)
        with _xp.exact_matmul(X):
            AL, caches = backprop.forward(X, Ws, bs, self.activations)
        J = cost(_head.per_example_loss(self.loss, self.activations[-1], AL, caches[-1].Z, Y), w)
        m_eff = X.shape[1] if w is None else float(_xp.namespace(w)[0].sum(w))
        return J + backprop.l2_cost(Ws, self.l2, m_eff), AL

    def gradients(
        self,
        X: Any,
        Y: Any,
        *,
        convention: str = "course",
        fused: bool | None = None,
        sample_weight: Any = None,
    ) -> Gradients:
        """∂J/∂W[l] and ∂J/∂b[l] for every layer, as the course's grads dict.

        Dropout is off (these are the gradients of :meth:`cost`).

        Parameters
        ----------
        X : array_like of shape (n[0], m)
        Y : array_like of shape (n[L], m)
        convention : {"course", "cost"}, default="course"
            Where 1/m enters (see :mod:`chainrule.backprop`); dW, db do not change.
        fused : bool or None
            None: A − Y for canonical pairs; False: always ∂L/∂A ⊙ g′(Z).
        sample_weight : array_like of shape (m,), optional

        Returns
        -------
        Gradients
            ``grads["dW1"]``, ..., plus ``grads.dZ``, ``grads.dA`` and
            ``grads.named()``.
        """
        _xp.check_same("X", X, Y=Y, sample_weight=sample_weight)
        Xc = self.check_X(X)
        Yc = self.check_Y(Y, Xc.shape[1])
        w = self.check_weights(sample_weight, Xc.shape[1])
        Ws, bs = self.params_like(Xc)
        with _xp.exact_matmul(Xc):
            _, caches = backprop.forward(Xc, Ws, bs, self.activations)
            return backprop.backward(
                caches,
                Yc,
                Ws,
                self.activations,
                self.loss,
                convention=convention,  # type: ignore[arg-type]
                fused=fused,
                l2=self.l2,
                l2_m=None if w is None else float(_xp.namespace(w)[0].sum(w)),
                sample_weight=w,
            )

    # -- predictions ----------------------------------------------------------------------------

    @property
    def task(self) -> str:
        """``"binary"``, ``"multilabel"``, ``"multiclass"`` or ``"regression"``.

        Follows from the output activation, the loss and n[L] (:func:`chainrule.head.task_of`).
        """
        return _head.task_of(self.activations[-1], self.loss, self.layer_dims[-1])

    def predict_proba(self, X: Any) -> Array:
        """A[L]: probabilities for sigmoid/softmax outputs; shape (n[L], m)."""
        return self.forward(X)

    def predict(self, X: Any) -> Array:
        """Predictions.

        Returns
        -------
        ndarray
            binary: shape (1, m) of 0/1 (A[L] > 0.5, as the course);
            multilabel: shape (n[L], m) of 0/1; multiclass: shape (m,) of class
            indices (argmax over the column); regression: A[L], shape (n[L], m).
        """
        AL = self.forward(X)
        return _head.decide(AL, self.task)

    def accuracy(self, X: Any, Y: Any) -> float:
        """Fraction of correct predictions (classification only)."""
        _xp.check_same("X", X, Y=Y)
        Xc = self.check_X(X)
        Yc = self.check_Y(Y, Xc.shape[1])
        return _head.accuracy(self.forward(Xc), Yc, self.task)

    score = accuracy

    # -- training and files ---------------------------------------------------------------------

    def fit(self, X: Any, Y: Any, **options: Any) -> History:
        """Train this network in place: :func:`chainrule.training.fit` (``fit(self, X, Y, ...)``).

        The keyword options (epochs, batch_size, optimizer, learning_rate,
        validation, early stopping, l2_m, seed, progress, callback, ...), their
        defaults and meanings are those of :func:`chainrule.training.fit`, the
        one place they are defined; ``help(Network.fit)`` shows its signature.

        Returns
        -------
        History
        """
        return training.fit(self, X, Y, **options)

    def save(self, path: str | Path, **metadata: Any) -> Path:
        """Write the model file (``.npz`` arrays + JSON metadata, no pickle, atomic).

        The same as :func:`chainrule.io.save`; read it back with :func:`chainrule.load`.
        """
        return io.save(self, path, **metadata)


def _fit_signature() -> inspect.Signature:
    """training.fit's signature with ``self`` for ``net``: what help(Network.fit) shows."""
    sig = inspect.signature(training.fit)
    params = list(sig.parameters.values())
    return sig.replace(
        parameters=[params[0].replace(name="self", annotation="Network"), *params[1:]]
    )


_fit: Any = Network.fit
_fit.__signature__ = _fit_signature()  # one signature to keep: training.fit's


def load(path: str | Path) -> Network:
    """Read a model file written by :func:`chainrule.save` and return the Network.

    Parameters
    ----------
    path : str or Path
        The file; as with :func:`chainrule.save`, the ``.npz`` suffix may be left out.

    Returns
    -------
    Network
        With its training ``history`` (if it was saved with one) and the
        extra ``metadata`` given to :func:`chainrule.save`.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ModelFileError
        Corrupt, truncated, pickle-carrying, foreign or newer-format file, or
        arrays that do not match the stored architecture
        (:func:`chainrule.io.read_model` checks the file before anything is built).
    """
    config, arrays, meta = io.read_model(path)
    try:
        net = Network.from_config(config)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise io.ModelFileError(f"{path}: invalid architecture in metadata ({exc})") from exc
    for k, v in arrays.items():
        if v.dtype != net.dtype:
            raise io.ModelFileError(f"{path}: {k} has dtype {v.dtype}, metadata says {net.dtype}")
    try:
        net.parameters = arrays
    except ValueError as exc:
        raise io.ModelFileError(f"{path}: {exc}") from exc
    hist = meta.get("history")
    if isinstance(hist, dict):
        try:
            net.history = training.History.from_dict(hist)
        except TypeError:
            net.history = None
    extra = meta.get("metadata")
    net.metadata = extra if isinstance(extra, dict) else {}
    return net


class _Views(list[Array]):
    """W[1..L] or b[1..L] as views of a network's theta; assigning an item copies into it."""

    def __init__(self, kind: str, views: list[Array], dtype: np.dtype[Any]) -> None:
        super().__init__(views)
        self.kind, self.dtype = kind, dtype

    def _checked(self, l: int, value: Any) -> Array:
        arr = as_float_array(value, f"{self.kind}{l + 1}", self.dtype)
        dst = list.__getitem__(self, l)
        if arr.shape != dst.shape:
            raise ValueError(f"{self.kind}{l + 1} must have shape {dst.shape}, got {arr.shape}")
        return arr

    def __setitem__(self, l: Any, value: Any) -> None:
        if not isinstance(l, Integral):
            raise TypeError(f"assign the {self.kind}s one layer at a time (an int index)")
        dst = list.__getitem__(self, int(l))
        if value is not dst:  # (``net.Ws[l] -= x`` updates the view and assigns it back)
            dst[...] = self._checked(int(l) % len(self), value)

    def assign(self, values: Sequence[Any]) -> None:
        """Copy one array per layer into the views (all checked before any is written)."""
        if isinstance(values, np.ndarray) or len(values) != len(self):
            raise ValueError(f"{self.kind}s must be a list of {len(self)} arrays (one per layer)")
        arrays = [self._checked(l, v) for l, v in enumerate(values)]
        for dst, arr in zip(list(self), arrays, strict=True):
            dst[...] = arr

    def __delitem__(self, l: Any) -> None:
        raise TypeError(f"a network's {self.kind}s keep one array per layer")

    def append(self, value: Any) -> None:
        raise TypeError(f"a network's {self.kind}s keep one array per layer")

    def __reduce__(self) -> Any:  # a plain list of copies outside its network
        return (list, ([a.copy() for a in self],))


accuracy_from_output = _head.accuracy
"""Accuracy of outputs AL (n[L], m) against targets Y: :func:`chainrule.head.accuracy`."""
