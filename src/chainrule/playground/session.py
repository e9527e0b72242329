"""The playground's state: one network, its data, its optimizer, stepped by the core.

No HTTP here (``server.py`` is a thin layer over :class:`Session`).  Every number is the
core's:

* a mini-batch step is ``backprop.forward`` on the batch X_b (n[0], m_b), the batch
  cost J_b = (1/m_b) Σ L⁽ⁱ⁾ + (λ/2m_b) Σₗ ‖W[l]‖² (``head.per_example_loss``,
  ``losses.cost``, ``backprop.l2_cost``), ``backprop.backward`` (into the views dW[l],
  db[l] of one flat gradient g in θ's layout) and the optimizer's ``step(θ, g, α)``:
  the arrays and calls of :class:`chainrule.training.Trainer`'s step, without its
  buffers so that every array stays there to be shown;
* micro-steps run that forward and backward pass once for the batch and reveal its
  arrays one phase at a time (forward layer 1..L, the loss, backward layer L..1); the
  update is applied at the ``update`` phase;
* the epochs shuffle as :func:`chainrule.fit` does (``net.rng.permutation(m)`` at the
  start of each epoch, batches ``perm[k:k+B]``), so ``net.fit`` from the same seed
  retraces the run (to rounding: ``fit`` uses buffers and compiled kernels).

The data seed draws the points and the split; the init seed the initial weights and
then the shuffling.  A reset rebuilds the network from the init seed, so it restores
the same initial weights bit for bit.

All public methods take the session's lock: the training thread and the HTTP threads
share one session.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from chainrule import backprop
from chainrule._typing import Array
from chainrule.activations import ACTIVATIONS
from chainrule.backprop import LayerCache
from chainrule.explain.document import Para, Row, Rule
from chainrule.explain.render import to_text
from chainrule.explain.sections import build as build_explanation
from chainrule.gradcheck import THRESHOLDS, gradcheck
from chainrule.head import accuracy as head_accuracy
from chainrule.head import one_hot, per_example_loss
from chainrule.initializers import INITIALIZERS
from chainrule.losses import LOSSES
from chainrule.losses import cost as mean_cost
from chainrule.network import Network
from chainrule.optim import OPTIMIZERS, Optimizer, get_optimizer
from chainrule.playground import datasets as ds

__all__ = [
    "DEFAULT_LR",
    "HIDDEN_ACTIVATIONS",
    "MAX_HISTORY",
    "Config",
    "Session",
    "SessionError",
]


HIDDEN_ACTIVATIONS = tuple(a for a in ACTIVATIONS if a != "softmax")
DEFAULT_LR = {"sgd": 0.03, "momentum": 0.03, "nesterov": 0.03, "rmsprop": 0.003, "adam": 0.003}
"""The learning rate a change of optimizer suggests (the page's default)."""
MAX_HIDDEN_LAYERS = 8
MAX_NEURONS = 8
MAX_NEURONS_IMAGES = 64
MAX_HISTORY = 2000
"""History points kept; past that every other one is dropped and the spacing doubles."""
MAX_SENT_WEIGHTS = 4096
"""W, dW of a layer with more weights are left out of the state (the image presets)."""
MAX_POINTS = 5000
"""/api/points sends at most this many examples of each part (J is over all of them)."""
MAX_SENT_ARRAY = 20000
"""Arrays of /api/micro with more numbers are left out."""
LOSS_CHOICES = ("auto", *LOSSES)


class SessionError(ValueError):
    """A request the session refuses (a bad config value, a step after the NaN guard).

    ``status`` is the HTTP status the server answers with (400 or 409).
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# -- the config ----------------------------------------------------------------------------


@dataclass
class Config:
    """Everything that defines a run (the page's controls; API.md lists the ranges)."""

    dataset: str = "circle"
    classes: int = 2
    n_points: int = 400
    noise: float = 0.0
    train_fraction: float = 0.5
    data_seed: int = 0
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    hidden_layers: list[int] = field(default_factory=lambda: [4, 2])
    activation: str = "tanh"
    loss: str = "auto"
    init: str = "auto"
    init_seed: int = 0
    optimizer: str = "sgd"
    lr: float = 0.03
    batch_size: int = 10
    l2: float = 0.0
    convention: str = "course"

    DATA_FIELDS = (
        "dataset",
        "classes",
        "n_points",
        "noise",
        "train_fraction",
        "data_seed",
        "features",
    )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def merged(self, changes: dict[str, Any] | None) -> Config:
        """A checked copy with ``changes`` applied; SessionError names a bad field."""
        if changes is None:
            changes = {}
        if not isinstance(changes, dict):
            raise SessionError(f"config must be an object, got {type(changes).__name__}")
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise SessionError(f"config: unknown field(s) {', '.join(unknown)}")
        new = Config(**{**self.to_dict(), **changes})
        new._check()
        return new

    def _check(self) -> None:
        def choice(name: str, options: Any) -> None:
            value = getattr(self, name)
            if value not in options:
                raise SessionError(
                    f"config.{name} must be one of {', '.join(map(str, options))}, got {value!r}"
                )

        def integer(name: str, lo: int, hi: int) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise SessionError(
                    f"config.{name} must be a whole number in [{lo}, {hi}], got {value!r}"
                )

        def number(name: str, lo: float, hi: float, open_lo: bool = False) -> None:
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            ok = ok and math.isfinite(value) and (lo < value if open_lo else lo <= value)
            if not (ok and value <= hi):
                raise SessionError(
                    f"config.{name} must be a number in {'(' if open_lo else '['}{lo}, {hi}], "
                    f"got {value!r}"
                )
            setattr(self, name, float(value))

        choice("dataset", ds.DATASETS)
        integer("classes", 2, 5)
        integer("n_points", 50, 2000)
        number("noise", 0.0, 50.0)
        number("train_fraction", 0.1, 0.9)
        integer("data_seed", 0, 2**31 - 1)
        integer("init_seed", 0, 2**31 - 1)
        if (
            not isinstance(self.features, list)
            or not self.features
            or any(f not in ds.FEATURES for f in self.features)
            or len(set(self.features)) != len(self.features)
        ):
            raise SessionError(
                f"config.features must be a non-empty list of distinct names from "
                f"{', '.join(ds.FEATURES)}, got {self.features!r}"
            )
        self.features = [f for f in ds.FEATURES if f in self.features]  # the inputs' order
        images = self.dataset in ds.IMAGE_PRESETS
        widest = MAX_NEURONS_IMAGES if images else MAX_NEURONS
        if (
            not isinstance(self.hidden_layers, list)
            or len(self.hidden_layers) > MAX_HIDDEN_LAYERS
            or any(
                isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= widest
                for n in self.hidden_layers
            )
        ):
            raise SessionError(
                f"config.hidden_layers must list at most {MAX_HIDDEN_LAYERS} layer sizes, "
                f"each in [1, {widest}], got {self.hidden_layers!r}"
            )
        choice("activation", HIDDEN_ACTIVATIONS)
        choice("loss", LOSS_CHOICES)
        choice("init", ("auto", *INITIALIZERS))
        choice("optimizer", OPTIMIZERS)
        number("lr", 0.0, 10.0, open_lo=True)
        integer("batch_size", 0, 100000)
        number("l2", 0.0, 100.0)
        choice("convention", backprop.CONVENTIONS)


# -- helpers ---------------------------------------------------------------------------------


def _floats(a: Any) -> Any:
    """An array (or number) as JSON-able nested lists, non-finite values as None."""
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 0:
        v = float(arr)
        return v if math.isfinite(v) else None
    if np.isfinite(arr).all():
        return arr.tolist()
    obj = arr.astype(object)
    obj[~np.isfinite(arr)] = None
    return obj.tolist()


def _num(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def _norm(a: Array | None) -> float:
    """‖a‖_F (inf where it overflows, NaN for None)."""
    if a is None:
        return math.nan
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(a))


@dataclass
class _Batch:
    """One mini-batch's forward and backward pass, computed before its update.

    ``caches`` are the core's LayerCache (A_prev, Z, A) of each layer; ``grads`` its
    Gradients (dZ, dA per layer; dW, db views of the session's flat gradient g).
    """

    idx: Any  # None (all examples) or ndarray of int
    X: Array  # (n[0], m_b)
    Y: Array  # (n[L], m_b)
    caches: list[LayerCache]
    L: Array  # (1, m_b) per-example losses
    J_data: float  # (1/m_b) Σ L
    J_l2: float  # (λ/2m_b) Σ ‖W‖²
    grads: backprop.Gradients
    convention: str
    bad: dict[str, Any] | None  # the first non-finite array, if any
    applied: bool = False
    revealed: int = 0  # phases shown (index into Session.phases)
    whole: bool = False  # stepped as a whole batch (not micro-stepped): the phase is idle
    theta_before: Array | None = None  # θ before the update (once applied)
    kept: tuple[list[Array], list[Array]] | None = None  # dW, db copied out of g when applied

    def dW_db(self, l: int) -> tuple[Array, Array]:
        """dW[l], db[l] of this batch (g's views are the next batch's once it is computed)."""
        if self.kept is not None:
            return self.kept[0][l - 1], self.kept[1][l - 1]
        return self.grads.dW[l - 1], self.grads.db[l - 1]

    @property
    def m(self) -> int:
        return int(self.X.shape[1])


@dataclass
class _History:
    every: int = 1
    generation: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) > MAX_HISTORY:
            self.rows = self.rows[::2]
            self.every *= 2
            self.generation += 1


# -- the session -----------------------------------------------------------------------------


class Session:
    """The playground's one run: config, data, network, optimizer, history.

    Parameters
    ----------
    config : dict, optional
        Changes to the default :class:`Config`.
    data_dir : path, optional
        Where the cat and MNIST files are (default: chainrule.data's default folder).
    upload : path, optional
        A CSV file to start with as the ``upload`` data set (``--data FILE``).
    """

    def __init__(
        self,
        config: dict[str, Any] | None = None,
        *,
        data_dir: Any = None,
        upload: str | Path | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.data_dir = data_dir
        self._presets: dict[str, ds.PlaygroundData] = {}
        self._table: ds.Table | None = None
        self._upload_csv: bytes | None = None
        self.running = False
        self.rate: float | None = None  # batches per second while playing (None: no limit)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.version = 0
        self.config = Config()
        changes = dict(config or {})
        if upload is not None:
            self._set_upload(Path(upload).read_bytes(), Path(upload).name)
            changes.setdefault("dataset", "upload")
        self.data: ds.PlaygroundData
        self.net: Network
        self.opt: Optimizer
        self._reset(self.config.merged(changes), force_data=True)

    # ---------------------------------------------------------------- building

    def _load_data(self, cfg: Config) -> ds.PlaygroundData:
        if cfg.dataset in ds.TWO_D:
            return ds.make_2d(
                cfg.dataset,
                n_points=cfg.n_points,
                noise=cfg.noise,
                classes=cfg.classes,
                features=cfg.features,
                train_fraction=cfg.train_fraction,
                seed=cfg.data_seed,
            )
        if cfg.dataset in ds.IMAGE_PRESETS:
            if cfg.dataset not in self._presets:
                try:
                    self._presets[cfg.dataset] = ds.load_preset(cfg.dataset, self.data_dir)
                except (FileNotFoundError, OSError) as exc:
                    raise SessionError(f"dataset {cfg.dataset}: {exc}") from None
            return self._presets[cfg.dataset]
        if self._table is None:
            raise SessionError("dataset upload: no file uploaded yet (POST /api/upload)")
        return ds.table_data(
            self._table,
            features=cfg.features,
            train_fraction=cfg.train_fraction,
            seed=cfg.data_seed,
        )

    def output_and_loss(self, data: ds.PlaygroundData, loss: str) -> tuple[int, str, str]:
        """(n[L], output activation, loss name) for the task and the chosen loss."""
        task, k = data.task, data.n_classes
        if task == "regression":
            if loss not in ("auto", "squared_error"):
                raise SessionError(f"config.loss: a regression set needs squared_error, got {loss}")
            return 1, "identity", "squared_error"
        if loss == "auto":
            loss = "binary_crossentropy" if task == "binary" else "categorical_crossentropy"
        if task == "binary":
            if loss == "categorical_crossentropy":
                return 2, "softmax", loss
            return 1, "sigmoid", loss
        if loss == "binary_crossentropy":
            raise SessionError(
                f"config.loss: {k} classes need categorical_crossentropy or squared_error"
            )
        return k, "softmax", loss

    def _build_network(self, cfg: Config) -> Network:
        n_out, output, loss = self.output_and_loss(self.data, cfg.loss)
        dims = [self.data.n_inputs, *cfg.hidden_layers, n_out]
        try:
            return Network(
                dims,
                hidden=cfg.activation,
                output=output,
                loss=loss,
                init=cfg.init,
                seed=cfg.init_seed,
                l2=cfg.l2,
            )
        except ValueError as exc:
            raise SessionError(f"network: {exc}") from None

    def _targets(self, y: npt.NDArray[Any]) -> Array:
        """y (m,) -> Y (n[L], m): one-hot for a softmax output, a row otherwise."""
        if self.net.activations[-1].name == "softmax":
            return one_hot(y, self.net.layer_dims[-1])
        return np.asarray(y, dtype=np.float64).reshape(1, -1)

    def _reset(self, cfg: Config, *, force_data: bool = False) -> None:
        old = self.config
        new_data = force_data or any(getattr(old, f) != getattr(cfg, f) for f in Config.DATA_FIELDS)
        data = self._load_data(cfg) if new_data else self.data
        previous = getattr(self, "data", None)
        self.data = data
        try:
            net = self._build_network(cfg)
        except SessionError:
            if previous is not None:
                self.data = previous
            raise
        self.config = cfg
        self.net = net
        self.opt = get_optimizer(cfg.optimizer)
        self.opt.init(net.theta)
        self.Y_train = self._targets(data.y_train)
        self.Y_test = self._targets(data.y_test)
        # g = ∂J/∂θ in θ's layout: the backward pass writes dW[l], db[l] into its views
        self.grad = np.zeros_like(net.theta)
        self.dWs, self.dbs = net.layout.views(self.grad)
        self.iteration = 0
        self.epochs_done = 0
        self.tuned: list[str] = []  # settings changed during the run (tune), in order
        self.perm: npt.NDArray[np.intp] | None = None
        self.pos = 0  # the next batch's start in the epoch
        self.batch: _Batch | None = None
        self.prev_batch: _Batch | None = None  # the last applied batch, while one is micro-stepped
        self.nan: dict[str, Any] | None = None
        self.last_delta: Array | None = None  # θ after − θ before, of the last update
        self.ratio: list[float] = [math.nan] * net.L
        self.shown: list[dict[str, Any]] = [{} for _ in range(net.L)]  # revealed gradients
        gen = getattr(self, "history", _History()).generation + 1
        self.history = _History(generation=gen)
        self.cost = {"J": math.nan, "data": math.nan, "l2": math.nan}
        self.train_eval = self._evaluate(data.X_train, self.Y_train)
        self.test_eval = self._evaluate(data.X_test, self.Y_test)
        self._record()
        self._touch()

    def _touch(self) -> None:
        self.version += 1

    # ---------------------------------------------------------------- public: config

    def reset(self, config: dict[str, Any] | None = None, reinit: bool = False) -> dict[str, Any]:
        """Apply config changes and start over from the init seed (``reinit``: the next seed).

        Returns the state.
        """
        self.play(False)
        with self.lock:
            cfg = self.config.merged(config)
            if reinit:
                cfg.init_seed = (cfg.init_seed + 1) % (2**31)
            self._reset(cfg)
            return self.state()

    def tune(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change lr, l2, batch_size or convention while keeping the weights (and the epoch).

        The optimizer's state is kept too.  Returns the state.
        """
        live = {"lr", "l2", "batch_size", "convention"}
        if not isinstance(changes, dict) or not set(changes) <= live:
            raise SessionError(f"tune: only {', '.join(sorted(live))} can change without a reset")
        with self.lock:
            cfg = self.config.merged(changes)
            self._finish_batch()
            if self.iteration:
                self.tuned += [k for k in changes if getattr(cfg, k) != getattr(self.config, k)]
            self.config = cfg
            self.net.l2 = cfg.l2
            self._touch()
            return self.state()

    # ---------------------------------------------------------------- stepping

    @property
    def n_train(self) -> int:
        return int(self.data.X_train.shape[1])

    @property
    def batch_size(self) -> int:
        b = self.config.batch_size
        return self.n_train if b == 0 else min(b, self.n_train)

    @property
    def phases(self) -> list[tuple[str, int | None]]:
        """The micro-steps of one batch: forward 1..L, loss, backward L..1, update."""
        L = self.net.L
        out: list[tuple[str, int | None]] = [("forward", l) for l in range(1, L + 1)]
        out.append(("loss", None))
        out += [("backward", l) for l in range(L, 0, -1)]
        out.append(("update", None))
        return out

    def _next_index(self) -> Any:
        """The next batch's columns, shuffling at the start of an epoch as fit does."""
        m, size = self.n_train, self.batch_size
        if self.pos == 0:
            self.perm = self.net.rng.permutation(m) if size < m else None
        if self.perm is None:
            return None
        return self.perm[self.pos : self.pos + size]

    def _compute(self) -> _Batch:
        """The next batch's forward and backward pass (nothing applied)."""
        net, cfg = self.net, self.config
        idx = self._next_index()
        X = self.data.X_train if idx is None else self.data.X_train[:, idx]
        Y = self.Y_train if idx is None else self.Y_train[:, idx]
        Ws, bs, acts = list(net.Ws), list(net.bs), list(net.activations)
        m = X.shape[1]
        with np.errstate(all="ignore"):
            # Z[l] = W[l] A[l-1] + b[l];  A[l] = g(Z[l])
            AL, caches = backprop.forward(X, Ws, bs, acts)
            # J = (1/m) Σ L⁽ⁱ⁾ + (λ/2m) Σ ‖W[l]‖²
            Lb = per_example_loss(net.loss, acts[-1], AL, caches[-1].Z, Y)
            J_data = mean_cost(Lb)
            J_l2 = backprop.l2_cost(Ws, net.l2, m)
            grads = backprop.backward(
                caches,
                Y,
                Ws,
                acts,
                net.loss,
                convention=cfg.convention,  # type: ignore[arg-type]
                l2=net.l2,
                need_dA0=False,
                out=(self.dWs, self.dbs),
            )
        return _Batch(
            idx,
            X,
            Y,
            caches,
            Lb,
            J_data,
            J_l2,
            grads,
            cfg.convention,
            self._first_non_finite(caches, J_data + J_l2, grads),
        )

    def _first_non_finite(
        self, caches: list[LayerCache], J: float, grads: backprop.Gradients
    ) -> dict[str, Any] | None:
        """The first array of the pass (in the order computed) with a NaN or ±inf."""
        for l, c in enumerate(caches, 1):
            for name, a in (("Z", c.Z), ("A", c.A)):
                if not np.isfinite(a).all():
                    return {"layer": l, "array": name, "phase": "forward"}
        if not math.isfinite(J):
            return {"layer": len(caches), "array": "J", "phase": "loss"}
        for l in range(len(caches), 0, -1):
            for name, a in (
                ("dZ", grads.dZ[l - 1]),
                ("dW", grads.dW[l - 1]),
                ("db", grads.db[l - 1]),
            ):
                if not np.isfinite(a).all():
                    return {"layer": l, "array": name, "phase": "backward"}
        return None

    def _guard(self, bad: dict[str, Any]) -> None:
        """The NaN guard: stop, and say which layer went non-finite first."""
        where = f"{bad['array']}[{bad['layer']}]" if bad["array"] != "J" else "the cost J"
        bad = dict(bad)
        bad["message"] = (
            f"{where} became non-finite ({bad['phase']} pass) at iteration {self.iteration + 1}; "
            "training paused: lower the learning rate and reset"
        )
        self.nan = bad
        self.running = False
        self._stop.set()

    def _reveal(self, batch: _Batch, upto: int) -> None:
        """Show the batch's phases up to index ``upto`` (its gradients, layer by layer)."""
        phases = self.phases
        for k in range(batch.revealed, upto + 1):
            name, l = phases[k]
            if name == "loss":
                self.cost = {"J": batch.J_data + batch.J_l2, "data": batch.J_data, "l2": batch.J_l2}
            elif name == "backward" and l is not None:
                g = batch.grads
                self.shown[l - 1] = {
                    "dW": g.dW[l - 1].copy(),
                    "db": g.db[l - 1].copy(),
                    "norm_dZ": _norm(g.dZ[l - 1]),
                    "norm_dW": _norm(g.dW[l - 1]),
                }
        batch.revealed = max(batch.revealed, upto + 1)

    def _apply(self, batch: _Batch) -> None:
        """θ ← the optimizer's update with g (the batch's dW, db), then the bookkeeping."""
        if batch.applied:
            return
        self._reveal(batch, len(self.phases) - 2)
        if batch.bad is not None:
            self._guard(batch.bad)
            return
        net = self.net
        before = batch.theta_before = net.theta.copy()
        batch.kept = ([d.copy() for d in batch.grads.dW], [d.copy() for d in batch.grads.db])
        with np.errstate(all="ignore"):
            self.opt.step(net.theta, self.grad, self.config.lr)  # θ ← θ − α·(update of g)
        batch.applied = True
        batch.revealed = len(self.phases)
        self.iteration += 1
        self.pos += batch.m
        if self.pos >= self.n_train:
            self.pos = 0
            self.epochs_done += 1
        delta = net.theta - before
        self.last_delta = delta
        dW_views, _ = net.layout.views(delta)
        W_before, _ = net.layout.views(before)
        self.ratio = [
            _norm(d) / _norm(W) if _norm(W) > 0 else math.nan
            for d, W in zip(dW_views, W_before, strict=True)
        ]
        for l, (W, b) in enumerate(zip(net.Ws, net.bs, strict=True), 1):
            if not (np.isfinite(W).all() and np.isfinite(b).all()):
                self._guard(
                    {
                        "layer": l,
                        "array": "W" if not np.isfinite(W).all() else "b",
                        "phase": "update",
                    }
                )
                break
        if self._due():  # a history point only with fresh train and test losses
            self.train_eval = self._evaluate(self.data.X_train, self.Y_train)
            self.test_eval = self._evaluate(self.data.X_test, self.Y_test)
            self._record()

    def _due(self) -> bool:
        """Whether to evaluate the whole parts now: every step on small sets, every 10th
        step and at the end of each epoch on the image presets and large uploads."""
        size = self.data.X_train.size + self.data.X_test.size
        return size <= 200_000 or self.iteration % 10 == 0 or self.pos == 0

    def _record(self) -> None:
        h = self.history
        if self.iteration % h.every:
            return
        h.add(
            {
                "iteration": self.iteration,
                "epoch": self.iteration_epoch,
                "J": self.cost["J"],
                "train_loss": self.train_eval["loss"],
                "test_loss": self.test_eval["loss"],
                "train_accuracy": self.train_eval["accuracy"],
                "test_accuracy": self.test_eval["accuracy"],
                "norm_dZ": [s.get("norm_dZ", math.nan) for s in self.shown],
                "norm_dW": [s.get("norm_dW", math.nan) for s in self.shown],
                "ratio": list(self.ratio),
            }
        )

    @property
    def iteration_epoch(self) -> float:
        return self.epochs_done + self.pos / self.n_train

    def _evaluate(self, X: Array, Y: Array) -> dict[str, float]:
        """J (with the L2 term), the mean loss and the accuracy on a whole part."""
        if X.shape[1] == 0:
            return {"J": math.nan, "loss": math.nan, "accuracy": math.nan}
        net = self.net
        with np.errstate(all="ignore"):
            AL, caches = backprop.forward(X, list(net.Ws), list(net.bs), list(net.activations))
            loss = mean_cost(per_example_loss(net.loss, net.activations[-1], AL, caches[-1].Z, Y))
            J = loss + backprop.l2_cost(list(net.Ws), net.l2, X.shape[1])
            acc = head_accuracy(AL, Y, net.task)  # the decision rule of chainrule.head
        return {"J": J, "loss": loss, "accuracy": acc}

    def _finish_batch(self) -> None:
        """Apply a half micro-stepped batch (its update is the one already computed)."""
        if self.batch is not None and not self.batch.applied:
            self._apply(self.batch)
        if self.batch is not None:
            self.batch.whole = True

    def _check_can_step(self) -> None:
        if self.nan is not None:
            raise SessionError(self.nan["message"], status=409)

    def _set_batch(self, batch: _Batch) -> _Batch:
        if self.batch is not None and self.batch.applied:
            self.prev_batch = self.batch
        self.batch = batch
        return batch

    def _step_batch(self) -> None:
        batch = self._compute()
        batch.whole = True
        self._set_batch(batch)
        self._apply(batch)

    def step(self, unit: str) -> dict[str, Any]:
        """One ``"batch"``, the rest of the ``"epoch"``, or one ``"micro"`` step; the state."""
        if unit not in ("batch", "epoch", "micro"):
            raise SessionError(f"unit must be batch, epoch or micro, got {unit!r}")
        self.play(False)
        with self.lock:
            self._check_can_step()
            if unit == "micro":
                self._micro()
            else:
                half = self.batch is not None and not self.batch.applied
                self._finish_batch()
                if unit == "batch" and not half:
                    self._step_batch()
                elif unit == "epoch":
                    epoch = self.epochs_done
                    while self.nan is None and self.epochs_done == epoch:
                        self._step_batch()
            self._touch()
            return self.state()

    def _micro(self) -> None:
        b = self.batch
        if b is None or b.applied:
            b = self._set_batch(self._compute())
            b.revealed = 0
            self._reveal(b, 0)
            if b.bad is not None and b.bad["phase"] == "forward" and b.bad["layer"] == 1:
                self._guard(b.bad)
            return
        k = b.revealed  # the phase to show now
        name, l = self.phases[k]
        if name == "update":
            self._apply(b)
            return
        self._reveal(b, k)
        bad = b.bad
        if bad is not None and (bad["phase"], bad["layer"]) == (name, l if l else bad["layer"]):
            self._guard(bad)

    def run_for(self, seconds: float, limit: int | None = None) -> int:
        """Train batch after batch for about ``seconds`` (holding the lock), at most ``limit``
        batches (and at least one); the number of batches done."""
        done = 0
        end = time.perf_counter() + seconds
        with self.lock:
            if self.nan is not None:
                return 0
            self._finish_batch()
            while self.nan is None and (done == 0 or time.perf_counter() < end):
                if limit is not None and done >= limit:
                    break
                self._step_batch()
                done += 1
            if done:
                self._touch()
        return done

    # ---------------------------------------------------------------- playing

    def play(self, running: bool, rate: float | None = None) -> dict[str, Any] | None:
        """Start or stop the background training thread.

        ``rate``: at most this many mini-batches per second (None: as fast as it goes);
        it applies to a running loop too.
        """
        if rate is not None:
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0:
                raise SessionError(f"rate must be a positive number of batches/s, got {rate!r}")
            self.rate = float(rate) if math.isfinite(rate) else None
        elif running:
            self.rate = None
        if running:
            stopping = self._thread
            if stopping is not None and self._stop.is_set():
                stopping.join()  # a loop told to stop: let it end before starting anew
            with self.lock:
                self._check_can_step()
                if self._thread is not None and self._thread.is_alive():
                    return self.state()
                self._stop.clear()
                self.running = True
                self._thread = threading.Thread(
                    target=self._loop, name="chainrule-playground-train", daemon=True
                )
                self._thread.start()
                self._touch()
                return self.state()
        thread = self._thread
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._thread = None
        with self.lock:
            if self.running:
                self.running = False
                self._touch()
        return None

    def _loop(self) -> None:
        next_at = time.perf_counter()
        while not self._stop.is_set():
            rate = self.rate
            if rate is None:
                self.run_for(0.01)  # hold the lock ≤ 10 ms, then let the page's requests in
                pause = 0.001
            else:  # one batch per 1/rate seconds (several per wake-up above 100/s)
                per_wake = max(1, int(rate / 100))
                self.run_for(0.01, limit=per_wake)
                next_at = max(next_at + per_wake / rate, time.perf_counter() - 0.1)
                pause = max(0.0, next_at - time.perf_counter())
            if self.nan is not None:
                break
            self._stop.wait(pause)
        with self.lock:
            self.running = False
            self._touch()

    def close(self) -> None:
        """Stop the training thread."""
        self.play(False)

    # ---------------------------------------------------------------- views

    def phase(self) -> dict[str, Any]:
        """The micro-step shown: ``idle`` or the last phase revealed (index 1..count)."""
        phases = self.phases
        b = self.batch
        if b is None or b.whole or b.revealed == 0:
            return {"name": "idle", "layer": None, "index": 0, "count": len(phases)}
        name, l = phases[min(b.revealed, len(phases)) - 1]
        return {"name": name, "layer": l, "index": b.revealed, "count": len(phases)}

    def state(self, since: int | None = None, generation: int | None = None) -> dict[str, Any]:
        """The small JSON the page polls (API.md, GET /api/state)."""
        with self.lock:
            net, cfg = self.net, self.config
            layers = []
            for l in range(1, net.L + 1):
                W, b = net.Ws[l - 1], net.bs[l - 1]
                shown = self.shown[l - 1]
                small = W.size <= MAX_SENT_WEIGHTS
                layers.append(
                    {
                        "l": l,
                        "n": int(W.shape[0]),
                        "n_prev": int(W.shape[1]),
                        "activation": net.activations[l - 1].name,
                        "W": _floats(W) if small else None,
                        "W_shape": list(W.shape),
                        "b": _floats(b.ravel()),
                        "dW": _floats(shown["dW"]) if small and "dW" in shown else None,
                        "db": _floats(shown["db"].ravel()) if "db" in shown else None,
                        "norm_dZ": _num(shown.get("norm_dZ")),
                        "norm_dW": _num(shown.get("norm_dW")),
                        "ratio": _num(self.ratio[l - 1]),
                    }
                )
            return {
                "config": cfg.to_dict(),
                "dataset": {
                    "name": self.data.name,
                    "kind": self.data.kind,
                    "feature_names": self.data.feature_names,
                    "class_names": self.data.class_names,
                },
                "task": self.data.task,
                "classes": self.data.n_classes,
                "layer_dims": list(net.layer_dims),
                "activations": [a.name for a in net.activations],
                "loss": net.loss.name,
                "running": self.running,
                "rate": self.rate,
                "iteration": self.iteration,
                "epoch": self.iteration_epoch,
                "epochs_done": self.epochs_done,
                "batch_size": self.batch_size,
                "n_train": self.n_train,
                "n_test": int(self.data.X_test.shape[1]),
                "phase": self.phase(),
                "cost": {k: _num(v) for k, v in self.cost.items()},
                "train": {k: _num(v) for k, v in self.train_eval.items()},
                "test": {k: _num(v) for k, v in self.test_eval.items()},
                "layers": layers,
                "nan": self.nan,
                "history": self._history_json(since, generation),
                "version": self.version,
            }

    def _history_json(self, since: int | None, generation: int | None) -> dict[str, Any]:
        h = self.history
        start = since if (since is not None and generation == h.generation) else 0
        start = max(0, min(start, len(h.rows)))
        rows = h.rows[start:]
        out: dict[str, Any] = {
            "generation": h.generation,
            "start": start,
            "every": h.every,
            "length": len(h.rows),
        }
        for key in (
            "iteration",
            "epoch",
            "J",
            "train_loss",
            "test_loss",
            "train_accuracy",
            "test_accuracy",
            "norm_dZ",
            "norm_dW",
            "ratio",
        ):
            out[key] = [_floats(r[key]) if key != "iteration" else r[key] for r in rows]
        return out

    def micro(self) -> dict[str, Any]:
        """The arrays revealed so far of the current batch (API.md, GET /api/micro)."""
        with self.lock:
            b = self.batch
            phase = self.phase()
            if b is None:
                return {"phase": phase, "m": 0, "X": None, "Y": None, "layers": [], "cost": None}
            phases = self.phases
            shown = {phases[k] for k in range(min(b.revealed, len(phases)))}

            def send(a: Any) -> Any:
                return None if a is None or np.size(a) > MAX_SENT_ARRAY else _floats(a)

            layers = []
            for l in range(1, self.net.L + 1):
                c = b.caches[l - 1]
                fwd = ("forward", l) in shown
                bwd = ("backward", l) in shown
                layers.append(
                    {
                        "l": l,
                        "Z": send(c.Z) if fwd else None,
                        "A": send(c.A) if fwd else None,
                        "dZ": send(b.grads.dZ[l - 1]) if bwd else None,
                        "dW": send(self.shown[l - 1].get("dW")) if bwd else None,
                        "db": send(self.shown[l - 1].get("db")) if bwd else None,
                    }
                )
            loss_shown = ("loss", None) in shown
            return {
                "phase": phase,
                "m": b.m,
                "convention": b.convention,
                "X": send(b.X),
                "Y": send(b.Y),
                "L": send(b.L) if loss_shown else None,
                "layers": layers,
                "cost": {"J": _num(b.J_data + b.J_l2), "data": _num(b.J_data), "l2": _num(b.J_l2)}
                if loss_shown
                else None,
            }

    def maps(self, resolution: int = 60, neuron_resolution: int = 24) -> dict[str, Any]:
        """The decision map and one map per neuron, or the image views (API.md)."""
        for name, v in (("resolution", resolution), ("neuron_resolution", neuron_resolution)):
            if not 2 <= v <= 200:
                raise SessionError(f"{name} must be in [2, 200], got {v}")
        with self.lock:
            if self.data.kind == "images":
                return self._image_maps()
            if not self.data.two_d:
                return {"kind": "none", "version": self.version}
            net = self.net
            e = ds.EXTENT

            def grid(r: int) -> Array:
                x1 = np.linspace(-e, e, r)
                x2 = np.linspace(e, -e, r)  # top row = +e
                g1, g2 = np.meshgrid(x1, x2)
                return np.vstack([g1.ravel(), g2.ravel()])

            with np.errstate(all="ignore"):
                AL, _ = backprop.forward(
                    ds.feature_matrix(grid(resolution), self.config.features),
                    list(net.Ws),
                    list(net.bs),
                    list(net.activations),
                )
                _, small = backprop.forward(
                    ds.feature_matrix(grid(neuron_resolution), self.config.features),
                    list(net.Ws),
                    list(net.bs),
                    list(net.activations),
                )
            r = resolution
            confidence = None
            if AL.shape[0] == 1:
                output = AL[0].reshape(r, r)
            elif self.data.task == "binary":  # a two-unit softmax: P(class 1)
                output = AL[1].reshape(r, r)
            else:
                output = AL.argmax(axis=0).reshape(r, r).astype(np.float64)
                confidence = _floats(AL.max(axis=0).reshape(r, r))
            neurons = []
            nr = neuron_resolution
            for l, c in enumerate(small, 1):
                for u in range(c.A.shape[0]):
                    neurons.append({"l": l, "unit": u, "values": _floats(c.A[u].reshape(nr, nr))})
            inputs = ds.feature_matrix(grid(nr), self.config.features)
            return {
                "kind": "grid",
                "x1": [-e, e],
                "x2": [-e, e],
                "resolution": r,
                "output": _floats(output),
                "confidence": confidence,
                "inputs": [
                    {"name": f, "values": _floats(inputs[j].reshape(nr, nr))}
                    for j, f in enumerate(self.config.features)
                ],
                "neurons": neurons,
                "version": self.version,
            }

    def _image_maps(self, n_samples: int = 16, n_units: int = 16) -> dict[str, Any]:
        data, net = self.data, self.net
        assert data.image_shape is not None
        m = data.X_test.shape[1]
        picks = np.random.default_rng(self.config.data_seed).choice(m, min(n_samples, m), False)
        X = data.X_test[:, np.sort(picks)]
        with np.errstate(all="ignore"):
            AL, caches = backprop.forward(X, list(net.Ws), list(net.bs), list(net.activations))
        probs = np.vstack([1.0 - AL[0], AL[0]]) if AL.shape[0] == 1 else AL
        samples = []
        for j, k in enumerate(np.sort(picks)):
            samples.append(
                {
                    "index": int(k),
                    "part": "test",
                    "label": int(data.y_test[k]),
                    "pixels": np.rint(X[:, j] * 255.0).clip(0, 255).astype(int).tolist(),
                    "probs": _floats(probs[:, j]),
                }
            )
        # the output units, one per class (a sigmoid unit: P(the second class)), each with its
        # mean output over the samples shown: the page labels the output neurons with them
        names = data.class_names
        out_names = names[-1:] if AL.shape[0] == 1 else names[: AL.shape[0]]
        outputs = [
            {"unit": u, "label": out_names[u] if u < len(out_names) else str(u), "mean": mean}
            for u, mean in enumerate(_floats(AL.mean(axis=1)))
        ]
        # the input: the mean training image, 0..255 like the samples
        mean_image = np.rint(data.X_train.mean(axis=1) * 255.0).clip(0, 255).astype(int)
        W1 = net.Ws[0]
        units = []
        for u in range(min(n_units, W1.shape[0])):
            w = W1[u]
            top = float(np.max(np.abs(w))) if np.isfinite(w).all() else 0.0
            scaled = 128.0 + 127.0 * w / top if top > 0 else np.full_like(w, 128.0)
            units.append({"unit": u, "pixels": np.rint(scaled).astype(int).tolist()})
        return {
            "kind": "images",
            "shape": list(data.image_shape),
            "classes": data.class_names,
            "samples": samples,
            "outputs": outputs,
            # mean A[l] of every unit over the samples shown, l = 1..L (the output layer last)
            "layer_means": [_floats(c.A.mean(axis=1)) for c in caches],
            "mean_image": mean_image.tolist(),
            "first_layer": units,
            "version": self.version,
        }

    def points(self) -> dict[str, Any]:
        """Every example with its own loss L⁽ⁱ⁾, and J = mean L + the L2 term (API.md)."""
        with self.lock:
            net, data = self.net, self.data

            def part(X: Array, Y: Array, y: Any, raw: Array | None) -> tuple[list[Any], Array]:
                with np.errstate(all="ignore"):
                    AL, caches = backprop.forward(
                        X, list(net.Ws), list(net.bs), list(net.activations)
                    )
                    L = per_example_loss(net.loss, net.activations[-1], AL, caches[-1].Z, Y)[0]
                yv = np.asarray(y, dtype=np.float64)
                if raw is not None:
                    rows = np.column_stack([raw[0], raw[1], yv, L])
                else:
                    rows = np.column_stack([np.arange(len(yv)), yv, L])
                return _floats(rows[:MAX_POINTS]), L

            train, L_train = part(data.X_train, self.Y_train, data.y_train, data.raw_train)
            test, _ = part(data.X_test, self.Y_test, data.y_test, data.raw_test)
            J_data = mean_cost(L_train.reshape(1, -1)) if L_train.size else math.nan
            l2 = backprop.l2_cost(list(net.Ws), net.l2, self.n_train)
            kind = "2d" if data.two_d else ("images" if data.kind == "images" else "table")
            return {
                "kind": kind,
                "train": train,
                "test": test,
                "n_train": self.n_train,
                "n_test": int(data.X_test.shape[1]),
                "J_data": _num(J_data),
                "l2": _num(l2),
                "J": _num(J_data + l2),
                "version": self.version,
            }

    def explain(self, convention: str | None = None) -> dict[str, Any]:
        """The formula chain of ``chainrule.explain`` for this network (API.md)."""
        conv = convention or self.config.convention
        if conv not in backprop.CONVENTIONS:
            raise SessionError(f"convention must be course or cost, got {conv!r}")
        with self.lock:
            doc, _ = build_explanation(self.net, self.batch_size, conv, None)
            sections = []
            for s in doc.sections:
                backward = s.title.startswith("Backward")
                blocks: list[dict[str, Any]] = []
                for item in s.items:
                    if isinstance(item, Row):
                        enters = "enters here" in item.note or (backward and "1/m" in item.formula)
                        blocks.append(
                            {
                                "type": "row",
                                "formula": item.formula,
                                "shapes": [
                                    [n, "(" + ", ".join(map(str, sh)) + ")"]
                                    for n, sh in item.shapes
                                ],
                                "note": item.note,
                                "group": item.group,
                                "one_over_m": enters,
                            }
                        )
                    elif isinstance(item, (Para, Rule)):
                        kind = "para" if isinstance(item, Para) else "rule"
                        blocks.append({"type": kind, "text": item.text})
                    else:
                        blocks.append({"type": "item", "text": getattr(item, "text", str(item))})
                sections.append({"title": s.title, "blocks": blocks})
            return {
                "convention": conv,
                "m": self.batch_size,
                "title": list(doc.title),
                "text": to_text(doc),
                "sections": sections,
            }

    def formula(self, layer: int, row: int, col: int | None = None) -> dict[str, Any]:
        """dW[l]ᵢⱼ (or db[l]ᵢ) of the last backward pass with its numbers, both conventions."""
        with self.lock:
            net = self.net
            # the current batch once its layer's backward step is shown, else the last one
            b = self.batch
            if b is None or ("backward", layer) not in self.phases[: b.revealed]:
                b = self.prev_batch
            if not 1 <= layer <= net.L:
                raise SessionError(f"layer must be in [1, {net.L}], got {layer}")
            n, n_prev = net.Ws[layer - 1].shape
            if not 0 <= row < n:
                raise SessionError(f"row must be in [0, {n - 1}] for layer {layer}, got {row}")
            if col is not None and not 0 <= col < n_prev:
                raise SessionError(f"col must be in [0, {n_prev - 1}] for layer {layer}, got {col}")
            if b is None:
                raise SessionError("no gradient yet: take a step first", status=409)
            m = b.m
            lam = net.l2
            # the per-example dZ (course) and the cost's dZ̃ = (1/m) dZ, whichever was computed
            dZ = b.grads.dZ[layer - 1][row]
            dZ_course = dZ if b.convention == "course" else dZ * m
            dZ_cost = dZ / m if b.convention == "course" else dZ
            A_prev = b.caches[layer - 1].A_prev
            # W and b as they were in the batch's backward pass (before its update)
            theta = net.theta if b.theta_before is None else b.theta_before
            Ws_then, bs_then = net.layout.views(theta)
            W_then, b_then = Ws_then[layer - 1], bs_then[layer - 1]
            dWd: list[Array] | None = None
            dbd: list[Array] | None = None
            if b.applied and self.last_delta is not None:
                dWd, dbd = net.layout.views(self.last_delta)
            sub = "".join("₀₁₂₃₄₅₆₇₈₉"[int(c)] for c in str(row))
            delta: float | None
            if col is not None:
                subj = "".join("₀₁₂₃₄₅₆₇₈₉"[int(c)] for c in str(col))
                name = f"W[{layer}]{sub},{subj}"
                s_course = float(np.sum(dZ_course * A_prev[col]))
                s_cost = float(np.sum(dZ_cost * A_prev[col]))
                w = float(W_then[row, col])
                reg = lam / m * w
                course_val = s_course / m + reg
                cost_val = s_cost + reg
                core = float(b.dW_db(layer)[0][row, col])
                k_sum = f"Σₖ dZ[{layer}]{sub}ₖ A[{layer - 1}]{subj}ₖ"
                f_course = f"d{name} = (1/m) {k_sum} + (λ/m) {name}"
                f_cost = (
                    f"d{name} = Σₖ ((1/m) dZ[{layer}]{sub}ₖ) A[{layer - 1}]{subj}ₖ + (λ/m) {name}"
                )
                pairs = np.column_stack([dZ_course, A_prev[col]])
                delta = None if dWd is None else float(dWd[layer - 1][row, col])
            else:
                name = f"b[{layer}]{sub}"
                s_course = float(np.sum(dZ_course))
                s_cost = float(np.sum(dZ_cost))
                w = float(b_then[row, 0])
                course_val = s_course / m
                cost_val = s_cost
                core = float(b.dW_db(layer)[1][row, 0])
                f_course = f"d{name} = (1/m) Σₖ dZ[{layer}]{sub}ₖ"
                f_cost = f"d{name} = Σₖ (1/m) dZ[{layer}]{sub}ₖ"
                pairs = np.column_stack([dZ_course, np.ones_like(dZ_course)])
                delta = None if dbd is None else float(dbd[layer - 1][row, 0])
                reg = 0.0
            l2_txt = f" + ({lam:g}/{m}) · {w:.6g}" if col is not None else ""
            opt = self.opt
            update_formula = {
                "sgd": "θ ← θ − α dθ",
                "momentum": "v ← β v + (1 − β) dθ;  θ ← θ − α v",
                "nesterov": "Nesterov momentum on dθ (chainrule.optim.Nesterov)",
                "rmsprop": "s ← β s + (1 − β) dθ²;  θ ← θ − α dθ / (√s + ε)",
                "adam": "Adam (bias-corrected m̂, v̂):  θ ← θ − α m̂ / (√v̂ + ε)",
            }.get(opt.name, opt.name)
            tol = 1e-12 + 1e-9 * max(abs(course_val), abs(cost_val))
            return {
                "layer": layer,
                "row": row,
                "col": col,
                "param": name,
                "m": m,
                "convention_used": b.convention,
                "value": w,
                "dZ_row_course": _floats(dZ_course),
                "course": {
                    "formula": f_course,
                    "numbers": f"(1/{m}) · ({s_course:.6g}){l2_txt}",
                    "value": _num(course_val),
                },
                "cost": {
                    "formula": f_cost,
                    "numbers": f"{s_cost:.6g}{l2_txt}",
                    "value": _num(cost_val),
                },
                "core": _num(core),
                "equal": bool(abs(course_val - cost_val) <= tol),
                "l2_term": _num(reg),
                "update": {
                    "optimizer": opt.name,
                    "lr": self.config.lr,
                    "formula": update_formula,
                    "applied": b.applied,
                    "delta": _num(delta) if delta is not None else None,
                    "sgd_delta": _num(-self.config.lr * core),
                },
                "terms": _floats(pairs[:64]),
            }

    def gradcheck(self, max_examples: int = 64, per_tensor: int = 10) -> dict[str, Any]:
        """Finite differences on sampled parameters (``chainrule.gradcheck``), the course's
        thresholds; on the first ``max_examples`` training examples."""
        with self.lock:
            net = self.net.copy()
            k = min(max_examples, self.n_train)
            X, Y = self.data.X_train[:, :k], self.Y_train[:, :k]
        if not np.isfinite(net.theta).all():
            return {
                "status": "fail",
                "difference": None,
                "thresholds": list(THRESHOLDS),
                "verdict": "fail: the parameters are not finite",
                "n_checked": 0,
                "n_total": int(net.theta.size),
                "suspect_layer": None,
                "text": "",
            }
        with np.errstate(all="ignore"):
            report = gradcheck(net, X, Y, max_params_per_tensor=per_tensor, seed=0)
        return {
            "status": report.status,
            "difference": _num(report.difference),
            "thresholds": list(report.thresholds),
            "verdict": report.verdict,
            "n_checked": report.n_checked,
            "n_total": report.n_total,
            "m": report.m,
            "suspect_layer": report.suspect_layer,
            "text": str(report),
        }

    # ---------------------------------------------------------------- data in and out

    def _set_upload(self, body: bytes, name: str = "upload.csv") -> ds.Table:
        with tempfile.TemporaryDirectory(prefix="chainrule-upload-") as tmp:
            path = Path(tmp) / "upload.csv"
            path.write_bytes(body)
            try:
                table = ds.read_upload(path, name)
            except (ValueError, TypeError, UnicodeDecodeError) as exc:
                message = str(exc).replace(str(path), name)
                raise SessionError(f"upload: {message}") from None
        self._table = table
        self._upload_csv = body
        return table

    def upload(self, body: bytes, name: str = "upload.csv") -> dict[str, Any]:
        """Read a CSV upload (``chainrule.data.read_table``) and reset onto it."""
        self.play(False)
        with self.lock:
            old = (self._table, self._upload_csv)
            table = self._set_upload(body, name)
            try:
                cfg = self.config.merged({"dataset": "upload"})
                self._reset(cfg, force_data=True)
            except SessionError:
                self._table, self._upload_csv = old
                raise
            return {
                "name": table.name,
                "n_rows": int(table.X_rows.shape[0]),
                "n_features": int(table.X_rows.shape[1]),
                "task": table.task,
                "classes": table.class_names,
                "state": self.state(),
            }

    def export_model(self, path: str | Path) -> Path:
        """Write the model file (chainrule's own format, atomic; ``chainrule.load`` reads it)."""
        with self.lock:
            net = self.net.copy()
            meta: dict[str, Any] = {"dataset": f"playground:{self.data.name}"}
            if self.data.class_names:
                meta["class_names"] = list(self.data.class_names)
        return net.save(path, **meta)

    def export_model_bytes(self) -> bytes:
        with tempfile.TemporaryDirectory(prefix="chainrule-export-") as tmp:
            return self.export_model(Path(tmp) / "playground-model.npz").read_bytes()

    def export_history(self, fmt: str = "json") -> str:
        """The history as JSON (an object of columns) or CSV (one row per point)."""
        if fmt not in ("json", "csv"):
            raise SessionError(f"format must be json or csv, got {fmt!r}")
        with self.lock:
            rows = list(self.history.rows)
            L = self.net.L
            cfg = self.config.to_dict()
        if fmt == "json":
            cols = self._history_json(0, self.history.generation)
            return json.dumps({"config": cfg, "history": cols}, allow_nan=False)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        scalars = [
            "iteration",
            "epoch",
            "J",
            "train_loss",
            "test_loss",
            "train_accuracy",
            "test_accuracy",
        ]
        per_layer = ["norm_dZ", "norm_dW", "ratio"]
        w.writerow(scalars + [f"{k}[{l}]" for k in per_layer for l in range(1, L + 1)])
        for r in rows:
            vals = [r[k] for k in scalars] + [v for k in per_layer for v in r[k]]
            w.writerow(["" if isinstance(v, float) and not math.isfinite(v) else v for v in vals])
        return buf.getvalue()

    def export_data_csv(self) -> str:
        """The data set as the network sees it: feature columns, then the target; train rows
        first, then test rows (the file ``chainrule train --dataset`` reads)."""
        with self.lock:
            d = self.data
            names = d.feature_names or [f"x{j + 1}" for j in range(d.n_inputs)]
            X = np.hstack([d.X_train, d.X_test]).T
            y = np.concatenate([d.y_train, d.y_test])
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([*names, "y"])
        integer = d.task != "regression"
        for row, t in zip(X, y, strict=True):
            w.writerow([repr(float(v)) for v in row] + [int(t) if integer else repr(float(t))])
        return buf.getvalue()

    def command(self) -> dict[str, Any]:
        """ "Copy as command" and "copy as Python" (API.md, GET /api/command)."""
        with self.lock:
            cfg, d = self.config, self.data
            epochs = max(1, self.epochs_done)
            _, output, loss = self.output_and_loss(d, cfg.loss)
            hidden = ",".join(map(str, cfg.hidden_layers)) or "none"
            test_fraction = d.X_test.shape[1] / (d.X_test.shape[1] + self.n_train)
            parts = [
                "chainrule train",
                "--dataset playground-data.csv",
                f"--task {d.task}",
                f"--test-fraction {test_fraction:.6g}",
                "--val-fraction 0",
                "--scale none",
            ]
            if d.task == "regression":
                parts.append("--no-scale-target")
            parts += [
                f"--hidden-layers {hidden}",
                f"--hidden {cfg.activation}",
                f"--output {output}",
                f"--loss {loss}",
                f"--init {cfg.init}",
                f"--optimizer {cfg.optimizer}",
                f"--lr {cfg.lr:g}",
                f"--epochs {epochs}",
                f"--batch-size {cfg.batch_size if cfg.batch_size else 'full'}",
                f"--l2 {cfg.l2:g}",
                "--dropout 0",
                f"--seed {cfg.init_seed}",
                "--out playground-run",
            ]
            if d.kind == "images":
                preset = {"cat": "catvnoncat", "mnist": "mnist"}[d.name]
                parts[1] = f"--dataset {preset}"
                parts = [
                    p for p in parts if not p.startswith(("--task", "--test-fraction", "--scale"))
                ]
            command = " ".join(parts)
            python = self._python_snippet(epochs, output, loss)
            notes = [
                "The command trains on playground-data.csv (GET /api/export/data): the inputs "
                "as the network sees them (the chosen features, unscaled) and the target. "
                "chainrule train makes its own seeded split of that file, so its train/test "
                "parts differ from the page's; the network, optimizer, learning rate, batch "
                f"size, L2 and the {epochs} epoch(s) are the same.",
                "The Python snippet rebuilds the same data (same data seed) and network (same "
                "init seed) and trains with chainrule's fit, which shuffles as the page does: "
                "it retraces this run to rounding, if no setting was changed during it.",
            ]
            if d.kind == "images":
                notes[0] = (
                    f"The command trains on the whole {d.name} set (the page uses "
                    + ("a 2000/500 subset" if d.name == "mnist" else "the same files")
                    + "), with its own validation split."
                )
            if self.tuned:
                changed = ", ".join(dict.fromkeys(self.tuned))
                notes.append(
                    f"{changed} changed during the run; both use the current value from the "
                    "start, so they do not retrace it exactly."
                )
            if self.pos:
                notes.append(
                    f"The run is {self.pos} examples into epoch {self.epochs_done + 1}; "
                    f"both reproduce the {epochs} whole epoch(s)."
                )
            return {
                "command": command,
                "python": python,
                "notes": notes,
                "data_file": "playground-data.csv",
            }

    def _python_snippet(self, epochs: int, output: str, loss: str) -> str:
        cfg, d, net = self.config, self.data, self.net
        if d.name in ds.TWO_D:
            load = (
                "from chainrule.playground.datasets import make_2d\n\n"
                f"data = make_2d({d.name!r}, n_points={cfg.n_points}, noise={cfg.noise!r}, "
                f"classes={cfg.classes}, features={cfg.features!r},\n"
                f"               train_fraction={cfg.train_fraction!r}, seed={cfg.data_seed})\n"
            )
        elif d.kind == "images":
            load = (
                "from chainrule.playground.datasets import load_preset\n\n"
                f"data = load_preset({d.name!r})  # from chainrule's data folder\n"
            )
        else:
            load = (
                "from chainrule.playground.datasets import read_upload, table_data\n\n"
                "table = read_upload(Path('upload.csv'))  # the file you uploaded\n"
                f"data = table_data(table, features={cfg.features!r}, "
                f"train_fraction={cfg.train_fraction!r}, seed={cfg.data_seed})\n"
            )
        if output == "softmax":
            targets = (
                "from chainrule.data import one_hot\n\n"
                f"Y_train = one_hot(data.y_train, {net.layer_dims[-1]})\n"
                f"Y_test = one_hot(data.y_test, {net.layer_dims[-1]})\n"
            )
        else:
            targets = (
                "Y_train = data.y_train.reshape(1, -1).astype(float)\n"
                "Y_test = data.y_test.reshape(1, -1).astype(float)\n"
            )
        batch = "None" if cfg.batch_size == 0 else str(cfg.batch_size)
        return (
            "from pathlib import Path\n\n"
            "import chainrule\n"
            + load
            + targets
            + f"net = chainrule.Network({list(net.layer_dims)}, hidden={cfg.activation!r}, "
            f"output={output!r}, loss={loss!r},\n"
            f"                        init={cfg.init!r}, seed={cfg.init_seed}, l2={cfg.l2!r})\n"
            f"net.fit(data.X_train, Y_train, epochs={epochs}, batch_size={batch}, "
            f"optimizer={cfg.optimizer!r},\n"
            f"        learning_rate={cfg.lr!r}, progress=False)\n"
            'print("train J:", net.cost(data.X_train, Y_train), '
            '"test J:", net.cost(data.X_test, Y_test))\n'
        )

    # ---------------------------------------------------------------- /api/config

    def describe(self) -> dict[str, Any]:
        """What the page's controls offer (API.md, GET /api/config)."""
        datasets = []
        for name, info in ds.DATASETS.items():
            reason = ""
            if name in ds.IMAGE_PRESETS:
                reason = ds.preset_available(name, self.data_dir)
            elif name == "upload" and self._table is None:
                reason = "upload a CSV file first"
            datasets.append({"name": name, **info, "available": not reason, "reason": reason})
        with self.lock:
            current = self.config.to_dict()
        return {
            "datasets": datasets,
            "features": [{"name": k, "label": v[0]} for k, v in ds.FEATURES.items()],
            "activations": list(HIDDEN_ACTIVATIONS),
            "losses": list(LOSS_CHOICES),
            "optimizers": [{"name": k, "default_lr": DEFAULT_LR[k]} for k in OPTIMIZERS],
            "initializers": ["auto", *INITIALIZERS],
            "conventions": list(backprop.CONVENTIONS),
            "limits": {
                "max_hidden_layers": MAX_HIDDEN_LAYERS,
                "max_neurons": MAX_NEURONS,
                "max_neurons_images": MAX_NEURONS_IMAGES,
                "max_upload_bytes": 5 * 1024 * 1024,
                "n_points": [50, 2000],
                "classes": [2, 5],
                "noise": [0, 50],
            },
            "defaults": Config().to_dict(),
            "config": current,
        }
