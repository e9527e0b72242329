"""The playground's state: one network, its data, its optimizer, stepped by the core.

No HTTP here (``server.py`` is a thin layer over :class:`Session`).  Every number is the
core's:

* a mini-batch step is :func:`chainrule.playground.batch.compute` (``backprop.forward``,
  the batch cost, ``backprop.backward`` into the views dW[l], db[l] of one flat gradient
  g in θ's layout) and the optimizer's ``step(θ, g, α)``: the arrays and calls of
  :class:`chainrule.training.Trainer`'s step, without its buffers so that every array
  stays there to be shown;
* micro-steps run that forward and backward pass once for the batch and reveal its
  arrays one phase at a time (forward layer 1..L, the loss, backward layer L..1); the
  update is applied at the ``update`` phase;
* the epochs shuffle as :func:`chainrule.fit` does (``net.rng.permutation(m)`` at the
  start of each epoch, batches ``perm[k:k+B]``), so ``net.fit`` from the same seed
  retraces the run (to rounding: ``fit`` uses buffers and compiled kernels).

The data seed draws the points and the split; the init seed the initial weights and
then the shuffling.  A reset rebuilds the network from the init seed, so it restores
the same initial weights bit for bit.

Here live the state and its changes (reset, tune, step, micro-steps, the play thread,
the NaN guard) and the small state the page polls; the settings are
:mod:`~chainrule.playground.config`'s, the other views :mod:`~chainrule.playground.views`'
and the downloads :mod:`~chainrule.playground.exports`'.  All public methods take the
session's lock: the training thread and the HTTP threads share one session.
"""

from __future__ import annotations

import math
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from chainrule._typing import Array
from chainrule.head import one_hot
from chainrule.network import Network
from chainrule.optim import Optimizer, get_optimizer
from chainrule.playground import batch as batches
from chainrule.playground import datasets as ds
from chainrule.playground import exports, views
from chainrule.playground.batch import Batch
from chainrule.playground.config import (
    DEFAULT_LR,
    HIDDEN_ACTIVATIONS,
    Config,
    SessionError,
    describe,
    output_and_loss,
)
from chainrule.playground.history import MAX_HISTORY, History
from chainrule.playground.jsonable import num
from chainrule.playground.sources import Sources, read_upload

__all__ = [
    # Config, SessionError and the constants live in config.py and history.py; re-exported
    # so that imports from chainrule.playground.session keep working
    "DEFAULT_LR",
    "HIDDEN_ACTIVATIONS",
    "MAX_HISTORY",
    "Config",
    "Session",
    "SessionError",
]


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
        self.sources = Sources(data_dir)
        self.running = False
        self.rate: float | None = None  # batches per second while playing (None: no limit)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.version = 0
        self.config = Config()
        changes = dict(config or {})
        if upload is not None:
            self.sources.table = read_upload(Path(upload).read_bytes(), Path(upload).name)
            changes.setdefault("dataset", "upload")
        self.data: ds.PlaygroundData
        self.net: Network
        self.opt: Optimizer
        self._reset(self.config.merged(changes), force_data=True)

    # ---------------------------------------------------------------- building

    def output_and_loss(self, data: ds.PlaygroundData, loss: str) -> tuple[int, str, str]:
        """(n[L], output activation, loss name) for the task and the chosen loss."""
        return output_and_loss(data, loss)

    def _build_network(self, cfg: Config) -> Network:
        n_out, output, loss = output_and_loss(self.data, cfg.loss)
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
        data = self.sources.load(cfg) if new_data else self.data
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
        self.batch: Batch | None = None
        self.prev_batch: Batch | None = None  # the last applied batch, while one is micro-stepped
        self.nan: dict[str, Any] | None = None
        self.last_delta: Array | None = None  # θ after − θ before, of the last update
        self.ratio: list[float] = [math.nan] * net.L
        self.shown: list[dict[str, Any]] = [{} for _ in range(net.L)]  # revealed gradients
        gen = getattr(self, "history", History()).generation + 1
        self.history = History(generation=gen)
        self.cost = {"J": math.nan, "data": math.nan, "l2": math.nan}
        self.train_eval = batches.evaluate(net, data.X_train, self.Y_train)
        self.test_eval = batches.evaluate(net, data.X_test, self.Y_test)
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

    def describe(self) -> dict[str, Any]:
        """What the page's controls offer (API.md, GET /api/config)."""
        with self.lock:
            current = self.config.to_dict()
        return describe(current, self.data_dir, self.sources.table is not None)

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
        return batches.phases(self.net.L)

    def _next_index(self) -> Any:
        """The next batch's columns, shuffling at the start of an epoch as fit does."""
        m, size = self.n_train, self.batch_size
        if self.pos == 0:
            self.perm = self.net.rng.permutation(m) if size < m else None
        if self.perm is None:
            return None
        return self.perm[self.pos : self.pos + size]

    def _compute(self) -> Batch:
        """The next batch's forward and backward pass (nothing applied)."""
        idx = self._next_index()
        X = self.data.X_train if idx is None else self.data.X_train[:, idx]
        Y = self.Y_train if idx is None else self.Y_train[:, idx]
        return batches.compute(self.net, X, Y, idx, self.config.convention, (self.dWs, self.dbs))

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

    def _reveal(self, batch: Batch, upto: int) -> None:
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
                    "norm_dZ": batches.norm(g.dZ[l - 1]),
                    "norm_dW": batches.norm(g.dW[l - 1]),
                }
        batch.revealed = max(batch.revealed, upto + 1)

    def _apply(self, batch: Batch) -> None:
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
        self.last_delta = net.theta - before
        self.ratio = batches.update_ratios(net, before, self.last_delta)
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
            self.train_eval = batches.evaluate(net, self.data.X_train, self.Y_train)
            self.test_eval = batches.evaluate(net, self.data.X_test, self.Y_test)
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

    def _finish_batch(self) -> None:
        """Apply a half micro-stepped batch (its update is the one already computed)."""
        if self.batch is not None and not self.batch.applied:
            self._apply(self.batch)
        if self.batch is not None:
            self.batch.whole = True

    def _check_can_step(self) -> None:
        if self.nan is not None:
            raise SessionError(self.nan["message"], status=409)

    def _set_batch(self, batch: Batch) -> Batch:
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
                "cost": {k: num(v) for k, v in self.cost.items()},
                "train": {k: num(v) for k, v in self.train_eval.items()},
                "test": {k: num(v) for k, v in self.test_eval.items()},
                "layers": views.layers(net, self.shown, self.ratio),
                "nan": self.nan,
                "history": self.history.columns(since, generation),
                "version": self.version,
            }

    def micro(self) -> dict[str, Any]:
        """The arrays revealed so far of the current batch (API.md, GET /api/micro)."""
        with self.lock:
            return views.micro(self.batch, self.phase(), self.phases, self.shown)

    def maps(self, resolution: int = 60, neuron_resolution: int = 24) -> dict[str, Any]:
        """The decision map and one map per neuron, or the image views (API.md)."""
        views.check_resolutions(resolution, neuron_resolution)
        with self.lock:
            return views.maps(
                self.net, self.data, self.config, self.version, resolution, neuron_resolution
            )

    def points(self) -> dict[str, Any]:
        """Every example with its own loss L⁽ⁱ⁾, and J = mean L + the L2 term (API.md)."""
        with self.lock:
            return views.points(self.net, self.data, self.Y_train, self.Y_test, self.version)

    def explain(self, convention: str | None = None) -> dict[str, Any]:
        """The formula chain of ``chainrule.explain`` for this network (API.md)."""
        conv = convention or self.config.convention
        views.check_convention(conv)
        with self.lock:
            return views.explanation(self.net, self.batch_size, conv)

    def formula(self, layer: int, row: int, col: int | None = None) -> dict[str, Any]:
        """dW[l]ᵢⱼ (or db[l]ᵢ) of the last backward pass with its numbers, both conventions."""
        with self.lock:
            # the current batch once its layer's backward step is shown, else the last one
            b = self.batch
            if b is None or ("backward", layer) not in self.phases[: b.revealed]:
                b = self.prev_batch
            return views.weight_formula(
                self.net, b, self.last_delta, self.opt, self.config.lr, layer, row, col
            )

    def gradcheck(self, max_examples: int = 64, per_tensor: int = 10) -> dict[str, Any]:
        """Finite differences on sampled parameters (``chainrule.gradcheck``), the course's
        thresholds; on the first ``max_examples`` training examples."""
        with self.lock:
            net = self.net.copy()
            k = min(max_examples, self.n_train)
            X, Y = self.data.X_train[:, :k], self.Y_train[:, :k]
        return views.gradient_check(net, X, Y, per_tensor)

    # ---------------------------------------------------------------- data in and out

    def upload(self, body: bytes, name: str = "upload.csv") -> dict[str, Any]:
        """Read a CSV upload (``chainrule.data.read_table``) and reset onto it."""
        self.play(False)
        with self.lock:
            old = self.sources.table
            table = self.sources.table = read_upload(body, name)
            try:
                cfg = self.config.merged({"dataset": "upload"})
                self._reset(cfg, force_data=True)
            except SessionError:
                self.sources.table = old
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
            net, data = self.net.copy(), self.data
        return exports.save_model(net, data, path)

    def export_model_bytes(self) -> bytes:
        with tempfile.TemporaryDirectory(prefix="chainrule-export-") as tmp:
            return self.export_model(Path(tmp) / "playground-model.npz").read_bytes()

    def export_history(self, fmt: str = "json") -> str:
        """The history as JSON (an object of columns) or CSV (one row per point)."""
        with self.lock:
            return exports.history_file(self.history, self.net.L, self.config.to_dict(), fmt)

    def export_data_csv(self) -> str:
        """The data set as the network sees it: feature columns, then the target; train rows
        first, then test rows (the file ``chainrule train --dataset`` reads)."""
        with self.lock:
            data = self.data
        return exports.data_csv(data)

    def command(self) -> dict[str, Any]:
        """ "Copy as command" and "copy as Python" (API.md, GET /api/command)."""
        with self.lock:
            return exports.command(
                self.config,
                self.data,
                self.net.layer_dims,
                epochs_done=self.epochs_done,
                pos=self.pos,
                tuned=self.tuned,
            )
