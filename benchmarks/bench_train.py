#!/usr/bin/env python3
r"""Training-speed benchmark: chainrule against its peers, in one run, on one machine.

Every workload is timed for every implementation in the **same process**, in
round-robin order (one turn of each implementation per round, the order
rotating from round to round), so that a change of machine load hits all of
them alike; the table reports the **median** epoch time over the measured
rounds (after the warm-up rounds) and the ratios of medians.  A turn is one
epoch for the MNIST workloads; for W2 and W3, whose data and parameters fit
in the CPU's caches, it is a burst of 5 consecutive epochs of which the last
4 are recorded, so that every recorded epoch runs after an epoch of the same
implementation, as in a real training run, instead of on caches just filled
by another implementation's copy of the data.

Implementations ("peers"):

``chainrule``
    ``Network.fit`` (with the compiled kernels of :mod:`chainrule._kernels`).  Each epoch is
    timed *inside one* ``fit`` call (the epoch callback pauses training between
    rounds), so it is the steady-state epoch: the per-epoch bookkeeping (batch
    costs, accuracy, divergence checks) is included, the one-off setup is not.
``numpy``
    The same ``fit`` with the compiled kernels switched off (NumPy's
    operations only: what an install without numba runs).
``sklearn``
    ``MLPClassifier.fit`` (same batch size, solver, learning rate; shuffling
    on), timed epoch by epoch inside one call like chainrule: its verbose
    "Iteration k" line ends each epoch and pauses training between rounds, so
    the per-call input validation and setup are not counted (``partial_fit``
    per epoch would add them to every epoch).
``torch``
    PyTorch CPU (``torch.set_num_threads`` = the BLAS thread count), a plain
    ``nn.Sequential`` loop; skipped with a message when torch is not installed.
``gemm``
    The floor: only the matrix products one epoch needs, in NumPy, into
    preallocated outputs: per batch Z = W A for every layer, dW = dZ A_prevᵀ
    for every layer and dA_prev = Wᵀ dZ for layers 2..L.
``minimum``
    A second floor: the products of ``gemm`` plus the two other things an
    exact epoch cannot skip, gathering each shuffled mini-batch and the
    optimizer's update of every parameter (chainrule's compiled update where
    numba is installed).  The report prints ``minimum / peer`` under each
    target, by median and by fastest epoch: where both are above the target,
    it is out of reach on that machine for an implementation built from the
    same parts (NumPy/OpenBLAS products, a one-thread update).
``nielsen``
    (workload N3 only) ``chainrule.nielsen.sgd``, the chapter-3 trainer.

Run it through ``benchmarks/run.sh`` or directly; either way the script makes
sure ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` are unset before NumPy is
loaded (it re-executes itself without them), and prints the BLAS that
threadpoolctl reports.  It also measures the peak memory of a W1 epoch in a
subprocess per dtype (``--no-memory`` skips that).

Examples::

    benchmarks/run.sh                              # everything (about 15 min on 2 cores)
    benchmarks/run.sh --workloads W3 --rounds 30 --no-memory   # one workload, no memory
    benchmarks/run.sh --workloads none             # only the memory measurement
"""

from __future__ import annotations

import os
import sys

_UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if any(v in os.environ for v in _UNSET) and "numpy" not in sys.modules:
    # OpenBLAS reads these once, when it is loaded: unset them for this process only.
    _env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    os.execve(sys.executable, [sys.executable, *sys.argv], _env)

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

import chainrule  # noqa: E402
from chainrule import _kernels  # noqa: E402
from chainrule.parameters import ParameterLayout  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data"


# --------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------


@dataclass
class Workload:
    """One training configuration, identical for every peer."""

    name: str
    title: str
    dims: list[int]
    hidden: str  # "relu" or "sigmoid"
    output: str  # "softmax" or "sigmoid"
    batch_size: int | None  # None = full batch
    optimizer: str  # "adam" or "sgd"
    lr: float
    l2: float = 0.0  # chainrule's per-batch λ (Network(l2=...))
    nielsen_lmbda: float = 0.0  # N3: Nielsen's λ (λ/n convention)
    data: str = ""  # "mnist", "mnist-nielsen", "cat", "digits"
    dtypes: tuple[str, ...] = ("float64", "float32")
    peers: tuple[str, ...] = ("chainrule", "numpy", "sklearn", "torch", "gemm", "minimum")
    rounds_scale: float = 1.0
    # consecutive epochs per peer and round; with burst > 1 the first of each burst is
    # not recorded, so every recorded epoch follows an epoch of the same peer (steady
    # state, caches holding that peer's data) -- for the workloads that fit in the caches
    burst: int = 1
    note: str = ""
    # filled by load()
    X: Any = None  # (n0, m), F-ordered (examples are contiguous columns)
    y: Any = None  # (m,) int labels, or (1, m) 0/1 for the binary workload
    source: str = ""

    @property
    def loss(self) -> str:
        return "cce" if self.output == "softmax" else "bce"

    @property
    def m(self) -> int:
        return int(self.X.shape[1])


WORKLOADS = {
    "W1": Workload(
        "W1",
        "MNIST 60000×784 → 256 → 128 → 10, mini-batch 128, Adam",
        [784, 256, 128, 10],
        "relu",
        "softmax",
        128,
        "adam",
        1e-3,
        data="mnist",
        rounds_scale=0.4,
    ),
    "W1sgd": Workload(
        "W1sgd",
        "MNIST 60000×784 → 256 → 128 → 10, mini-batch 128, plain SGD",
        [784, 256, 128, 10],
        "relu",
        "softmax",
        128,
        "sgd",
        0.05,
        data="mnist",
        rounds_scale=0.4,
    ),
    "W2": Workload(
        "W2",
        "cat 209×12288 → 20 → 7 → 5 → 1, full-batch gradient descent",
        [12288, 20, 7, 5, 1],
        "relu",
        "sigmoid",
        None,
        "sgd",
        0.0075,
        data="cat",
        rounds_scale=2.0,
        burst=5,
    ),
    "W3": Workload(
        "W3",
        "digits 1797×64 → 32 → 10, mini-batch 32, Adam",
        [64, 32, 10],
        "relu",
        "softmax",
        32,
        "adam",
        1e-3,
        data="digits",
        rounds_scale=2.0,
        burst=5,
    ),
    "N3": Workload(
        "N3",
        "Nielsen ch. 3: MNIST 50000×784 → 100 → 10 sigmoid, cross-entropy, mini-batch 10, "
        "SGD η=0.1, λ=5 (λ/n)",
        [784, 100, 10],
        "sigmoid",
        "sigmoid",
        10,
        "sgd",
        0.1,
        l2=5.0 * 10 / 50000,
        nielsen_lmbda=5.0,
        data="mnist-nielsen",
        dtypes=("float64",),
        peers=("nielsen", "chainrule", "numpy", "sklearn", "torch", "gemm", "minimum"),
        rounds_scale=0.4,
        note="sklearn has no sigmoid output for multiclass: it uses softmax + log-loss",
    ),
    "N2": Workload(
        "N2",
        "MNIST 50000×784 → 256 → 128 → 10 (issue 6), mini-batch 128, Adam",
        [784, 256, 128, 10],
        "relu",
        "softmax",
        128,
        "adam",
        1e-3,
        data="mnist-nielsen",
        dtypes=("float64",),
        rounds_scale=0.4,
    ),
}


def load(w: Workload, dtype: str, data_dir: Path) -> None:
    """Fill w.X (n0, m) F-ordered in ``dtype`` and w.y, real data when present."""
    rng = np.random.default_rng(0)
    n0 = w.dims[0]
    if w.data.startswith("mnist"):
        m = 50000 if w.data == "mnist-nielsen" else 60000
        try:
            from chainrule.data import load_mnist

            split = "nielsen" if w.data == "mnist-nielsen" else "standard"
            ds = load_mnist(data_dir / "mnist", split=split, dtype=dtype)
            X, y = ds.X_train, np.asarray(ds.y_train)
            w.source = f"real MNIST training images ({split} split)"
        except (ImportError, FileNotFoundError, AttributeError) as exc:
            X = rng.random((m, n0), dtype=np.float64).astype(dtype).T
            y = rng.integers(0, 10, m)
            w.source = f"RANDOM data of MNIST's shape (no MNIST: {type(exc).__name__})"
    elif w.data == "cat":
        try:
            from chainrule.data import flatten_images, load_catvnoncat

            x_tr, y_tr, *_ = load_catvnoncat(data_dir)
            X = (flatten_images(x_tr) / 255.0).astype(dtype)
            y = np.asarray(y_tr).reshape(1, -1)
            w.source = "real cat-vs-non-cat training images"
        except (ImportError, FileNotFoundError, OSError) as exc:
            X = rng.random((209, n0)).astype(dtype).T
            y = (rng.random((1, 209)) < 0.35).astype(np.int64)
            w.source = f"RANDOM data of the cat set's shape (no cat data: {type(exc).__name__})"
    else:  # digits
        from sklearn.datasets import load_digits

        d = load_digits()
        X = (d.data / 16.0).astype(dtype).T
        y = d.target
        w.source = "scikit-learn's digits (all 1797 images, pixels / 16)"
    w.X = np.asfortranarray(X, dtype=dtype)
    w.y = y


# --------------------------------------------------------------------------------------
# Peers: each is an object whose epoch() runs one epoch and returns its seconds
# --------------------------------------------------------------------------------------


class FitRunner:
    """Turns a training call with an epoch callback into one-epoch-at-a-time steps.

    The training call runs in a worker thread; its callback records the epoch's
    time and blocks until the next ``epoch()``, so an epoch is timed inside one
    long training call (steady state, no per-call setup), and the other peers
    can run between two epochs.
    """

    def __init__(self, name: str, train: Callable[[int, Callable[..., Any]], Any], epochs: int):
        self.name = name
        self._go = threading.Semaphore(0)
        self._done = threading.Semaphore(0)
        self._times: list[float] = []
        self._t0 = 0.0
        self._finished = False
        self._error: BaseException | None = None
        self._stop = False

        def cb(*_: Any) -> bool:
            self._times.append(time.perf_counter() - self._t0)
            self._done.release()
            self._go.acquire()
            self._t0 = time.perf_counter()
            return self._stop

        def body() -> None:
            self._go.acquire()
            self._t0 = time.perf_counter()
            try:
                train(epochs + 1, cb)
            except BaseException as exc:
                self._error = exc
            self._finished = True
            self._done.release()

        self._thread = threading.Thread(target=body, daemon=True)
        self._thread.start()

    def epoch(self) -> float:
        n = len(self._times)
        self._go.release()
        self._done.acquire()
        if self._error is not None:
            raise RuntimeError(f"{self.name} failed: {self._error!r}") from self._error
        if len(self._times) == n:
            raise RuntimeError(f"{self.name} stopped training early")
        return self._times[-1]

    def close(self) -> None:
        self._stop = True
        while not self._finished:
            self._go.release()
            self._done.acquire()
        self._thread.join()


class FnRunner:
    """A peer whose one-epoch function is timed around the call."""

    def __init__(self, name: str, fn: Callable[[], Any]):
        self.name = name
        self._fn = fn

    def epoch(self) -> float:
        t = time.perf_counter()
        self._fn()
        return time.perf_counter() - t

    def close(self) -> None:
        pass


def chainrule_runner(w: Workload, dtype: str, epochs: int, *, fast: bool) -> FitRunner:
    net = chainrule.Network(w.dims, w.hidden, w.output, w.loss, seed=0, dtype=dtype, l2=w.l2)

    Y = w.y
    if w.output == "sigmoid" and w.dims[-1] > 1:  # several sigmoid outputs: one-hot targets
        Y = np.eye(w.dims[-1], dtype=dtype)[:, np.asarray(w.y).reshape(-1)]

    def train(n: int, cb: Callable[..., Any]) -> Any:
        old = _kernels.ENABLED
        _kernels.ENABLED = fast
        try:
            return net.fit(
                w.X,
                Y,
                epochs=n,
                batch_size=w.batch_size,
                optimizer=w.optimizer,
                learning_rate=w.lr,
                seed=1,
                progress=False,
                callback=cb,
                blas_threads=None,  # the threads this run sets for every peer (--threads)
            )
        finally:
            _kernels.ENABLED = old

    return FitRunner("chainrule" if fast else "numpy", train, epochs)


def nielsen_runner(w: Workload, dtype: str, epochs: int) -> FitRunner:
    from chainrule import nielsen

    net = nielsen.make_network(w.dims, cost="cross_entropy", seed=0, dtype=dtype)

    def train(n: int, cb: Callable[..., Any]) -> Any:
        assert w.batch_size is not None  # N3 is a mini-batch workload
        return nielsen.sgd(
            net,
            w.X,
            w.y,
            n,
            w.batch_size,
            w.lr,
            w.nielsen_lmbda,
            seed=1,
            progress=False,
            callback=cb,
        )

    return FitRunner("nielsen", train, epochs)


def _git_commit() -> str:
    """' (git abc1234)' of the checkout chainrule is imported from ('+ changes' if dirty)."""
    src = Path(chainrule.__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=src, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        rev = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return ""
    return f" (git {rev}{' + changes' if dirty else ''})" if rev else ""


class _StopTraining(Exception):
    pass


class _EpochLines:
    """sys.stdout while MLPClassifier trains: its verbose line after each epoch is the callback.

    ``MLPClassifier(verbose=True)`` prints "Iteration k, loss = ..." at the end of
    every epoch; written from the training thread, that line calls ``cb`` (which
    times the epoch and pauses training, as chainrule's epoch callback does),
    and the training thread's output is swallowed.  Other threads' text, and
    every other attribute (``isatty``, ``encoding``, ...), go to the real stdout.
    """

    def __init__(self, cb: Callable[..., Any], out: Any) -> None:
        self.cb, self.out = cb, out
        self.thread = threading.get_ident()

    def write(self, text: str) -> int:
        if threading.get_ident() == self.thread:
            if text.startswith("Iteration") and self.cb():
                raise _StopTraining  # the runner is closing: end the fit call here
            return len(text)
        return int(self.out.write(text))

    def flush(self) -> None:
        self.out.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)


def sklearn_runner(w: Workload, dtype: str, epochs: int) -> FitRunner:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    act = {"relu": "relu", "sigmoid": "logistic"}[w.hidden]
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(w.dims[1:-1]),
        activation=act,
        solver=w.optimizer,
        alpha=w.l2,  # scikit-learn's alpha is chainrule's per-batch λ
        batch_size=w.batch_size or w.m,
        learning_rate_init=w.lr,
        momentum=0.0,
        nesterovs_momentum=False,
        shuffle=True,
        random_state=0,
        tol=0.0,
        verbose=True,
    )
    Xr = w.X.T  # (m, n0) C-ordered: scikit-learn's rows-are-examples, no copy
    y = np.asarray(w.y).reshape(-1)

    def train(n: int, cb: Callable[..., Any]) -> Any:
        # one fit call of n epochs that never stops early, timed epoch by epoch
        clf.set_params(max_iter=n, n_iter_no_change=n + 1)
        old = sys.stdout
        sys.stdout = _EpochLines(cb, old)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(Xr, y)
        except _StopTraining:
            pass
        finally:
            sys.stdout = old

    runner = FitRunner("sklearn", train, epochs + 1)
    runner.epoch()  # the first epoch (setup, validation) is not one of the timed ones
    dt = clf.coefs_[0].dtype
    if dt != np.dtype(dtype):
        runner.name = f"sklearn[{dt}]"
    return runner


def torch_runner(w: Workload, dtype: str, threads: int) -> FnRunner | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    tdt = {"float64": torch.float64, "float32": torch.float32}[dtype]
    torch.manual_seed(0)
    layers: list[Any] = []
    for l in range(1, len(w.dims)):
        layers.append(torch.nn.Linear(w.dims[l - 1], w.dims[l], dtype=tdt))
        if l < len(w.dims) - 1:
            layers.append(torch.nn.ReLU() if w.hidden == "relu" else torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    opt: Any
    if w.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=w.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=w.lr, weight_decay=0.0)
    Xt = torch.from_numpy(np.ascontiguousarray(w.X.T))  # (m, n0)
    m = w.m
    if w.output == "softmax":
        yt = torch.from_numpy(np.asarray(w.y).reshape(-1).astype(np.int64))
        lossf: Any = torch.nn.CrossEntropyLoss()
    else:
        Y = np.asarray(w.y)
        if Y.ndim == 1 or (Y.shape[0] == 1 and w.dims[-1] > 1):
            Y = np.eye(w.dims[-1])[Y.reshape(-1)].T
        yt = torch.from_numpy(np.ascontiguousarray(Y.T, dtype=dtype))  # (m, nL)
        lossf = torch.nn.BCEWithLogitsLoss()
    size = w.batch_size or m
    gen = torch.Generator().manual_seed(1)

    def epoch() -> None:
        perm = torch.randperm(m, generator=gen) if size < m else None
        for s in range(0, m, size):
            if perm is None:
                xb, yb = Xt, yt
            else:
                idx = perm[s : s + size]
                xb, yb = Xt[idx], yt[idx]
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()

    return FnRunner("torch", epoch)


def gemm_runner(w: Workload, dtype: str) -> FnRunner:
    """Only the matrix products of one epoch, in NumPy, into preallocated outputs."""
    rng = np.random.default_rng(0)
    dims, m = w.dims, w.m
    size = w.batch_size or m
    L = len(dims) - 1
    Ws = [rng.standard_normal((dims[l], dims[l - 1])).astype(dtype) for l in range(1, L + 1)]
    bufs: dict[int, Any] = {}

    def make(mb: int) -> Any:
        # the input batch in the layout chainrule's gather gives (column-major)
        A = [np.asfortranarray(rng.random((dims[0], mb)).astype(dtype))]
        A += [rng.random((n, mb)).astype(dtype) for n in dims[1:]]
        dZ = [rng.random((n, mb)).astype(dtype) for n in dims[1:]]
        dW = [np.empty_like(W) for W in Ws]
        dA = [np.empty((n, mb), dtype) for n in dims[1:-1]]
        return A, dZ, dW, dA

    sizes = [min(size, m - s) for s in range(0, m, size)]
    for mb in set(sizes):
        bufs[mb] = make(mb)

    def epoch() -> None:
        for mb in sizes:
            A, dZ, dW, dA = bufs[mb]
            _products(Ws, A, dZ, dW, dA)

    return FnRunner("gemm", epoch)


def _products(Ws: list[Any], A: list[Any], dZ: list[Any], dW: list[Any], dA: list[Any]) -> None:
    """One step's matrix products into preallocated outputs (A[0] is the input batch).

    Z[l] = W[l] A[l-1] (into A[l]) for every layer, dW[l] = dZ[l] A[l-1]ᵀ for
    every layer, dA[l-1] = W[l]ᵀ dZ[l] for layers 2..L.
    """
    L = len(Ws)
    for l in range(L):
        np.matmul(Ws[l], A[l], out=A[l + 1])
    for l in range(L - 1, -1, -1):
        np.matmul(dZ[l], A[l].T, out=dW[l])
        if l > 0:
            np.matmul(Ws[l].T, dZ[l], out=dA[l - 1])


def minimum_runner(w: Workload, dtype: str) -> FnRunner:
    """The floor plus the two other things no exact epoch can skip.

    Per batch: gather the shuffled mini-batch's examples into a buffer (as
    chainrule's ``take``), the products of ``gemm_runner`` on that batch, and
    the optimizer's update of every parameter, with the fastest exact update
    we have (chainrule's compiled kernel where numba is installed, else its
    NumPy update).  No bias, activation, loss or bookkeeping: what an epoch
    of this arithmetic costs at the least with NumPy/OpenBLAS products and a
    one-thread update on this machine.  A target ratio below
    ``minimum / peer`` (by median and by fastest epoch) is out of reach here
    for an implementation built from the same parts.
    """
    from chainrule.optim import SGD, Adam

    rng = np.random.default_rng(0)
    dims, m = w.dims, w.m
    size = w.batch_size or m
    layout = ParameterLayout(dims)
    flat = (rng.standard_normal(layout.size) * 0.05).astype(dtype)
    grad = np.zeros_like(flat)
    Ws, _ = layout.views(flat)
    dWs, _ = layout.views(grad)
    opt = Adam() if w.optimizer == "adam" else SGD()
    opt.init(flat)
    ops = _kernels.compiled_ops(dtype)  # the fastest exact update: compiled where numba is

    def update() -> None:
        ops.update(opt, flat, grad, w.lr, 1.0)

    X_rows = np.ascontiguousarray(w.X.T)  # (m, n0): chainrule gathers rows of this layout
    sizes = [min(size, m - s) for s in range(0, m, size)]
    bufs: dict[int, Any] = {}
    for mb in set(sizes):
        A = [np.empty((mb, dims[0]), dtype)]  # the gathered rows; A[0] = its transpose
        A += [rng.random((n, mb)).astype(dtype) for n in dims[1:]]
        dZ = [(rng.random((n, mb)) - 0.5).astype(dtype) for n in dims[1:]]
        dA = [np.empty((n, mb), dtype) for n in dims[1:-1]]
        bufs[mb] = A, dZ, dA

    def epoch() -> None:
        perm = rng.permutation(m)
        for start, mb in zip(range(0, m, size), sizes, strict=True):
            A, dZ, dA = bufs[mb]
            Xb = X_rows if mb == m else X_rows.take(perm[start : start + mb], 0, A[0], "clip")
            _products(Ws, [Xb.T, *A[1:]], dZ, dWs, dA)
            update()

    return FnRunner("minimum", epoch)


# --------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------


@dataclass
class Result:
    workload: str
    dtype: str
    times: dict[str, list[float]] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)
    skipped: list[str] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])


def bench(
    w: Workload, dtype: str, peers: list[str], warmup: int, rounds: int, threads: int
) -> Result:
    res = Result(w.name, dtype)
    load0 = os.getloadavg()[0]
    runners: list[Any] = []
    burst = max(1, w.burst)
    epochs = (warmup + rounds) * burst
    for p in peers:
        if p not in w.peers:
            continue
        if p == "chainrule":
            runners.append(chainrule_runner(w, dtype, epochs, fast=True))
        elif p == "numpy":
            runners.append(chainrule_runner(w, dtype, epochs, fast=False))
        elif p == "nielsen":
            runners.append(nielsen_runner(w, dtype, epochs))
        elif p == "sklearn":
            runners.append(sklearn_runner(w, dtype, epochs))
        elif p == "torch":
            r = torch_runner(w, dtype, threads)
            if r is None:
                res.skipped.append("torch (not installed: pip install torch)")
            else:
                runners.append(r)
        elif p == "gemm":
            runners.append(gemm_runner(w, dtype))
        elif p == "minimum":
            runners.append(minimum_runner(w, dtype))
    try:
        for r in runners:
            res.times[r.name] = []
        for k in range(warmup + rounds):
            shift = k % len(runners)
            for r in runners[shift:] + runners[:shift]:
                gc.collect()
                for j in range(burst):
                    t = r.epoch()
                    if k >= warmup and (burst == 1 or j > 0):
                        res.times[r.name].append(t)
    finally:
        for r in runners:
            r.close()
    res.load = (load0, os.getloadavg()[0])
    return res


TARGETS = {
    # (workload, dtype): [(peer, max ratio chainrule/peer), ...]
    ("W1", "float32"): [("torch", 0.65), ("gemm", 1.4)],
    ("W1", "float64"): [("sklearn", 0.4)],
    ("W3", "float64"): [("sklearn", 0.35)],
    ("W2", "float64"): [("gemm", 1.25)],
}


def fmt_ms(s: float) -> str:
    ms = s * 1e3
    return f"{ms:.0f}" if ms >= 100 else (f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}")


def report(results: list[Result], out: Callable[[str], None]) -> None:
    cols = ["chainrule", "nielsen", "numpy", "sklearn", "torch", "gemm", "minimum"]
    out("")
    out("median epoch time in ms (ratio = chainrule / peer; < 1 means chainrule is faster)")
    head = f"{'workload':8} {'dtype':8}" + "".join(f"{c:>11}" for c in cols)
    head += "   ratios vs chainrule            load(start→end)"
    out(head)
    for r in results:
        names = {n.split("[")[0]: n for n in r.times}
        row = f"{r.workload:8} {r.dtype:8}"
        for c in cols:
            n = names.get(c)
            row += f"{fmt_ms(r.median(n)) if n else '-':>11}"
        base = "chainrule" if "chainrule" in r.times else None
        ratios = []
        if base:
            for c in cols[1:]:
                n = names.get(c)
                if n:
                    ratios.append(f"/{c}={r.median(base) / r.median(n):.2f}")
        row += "   " + " ".join(ratios)
        row += f"   {r.load[0]:.1f}→{r.load[1]:.1f}"
        out(row)
        for s in r.skipped:
            out(f"{'':17}skipped: {s}")
    out("")
    out("the same with each peer's fastest epoch (min) instead of the median:")
    for r in results:
        names = {n.split("[")[0]: n for n in r.times}
        if "chainrule" not in r.times:
            continue
        fastest = min(r.times["chainrule"])
        ratios = [f"/{c}={fastest / min(r.times[names[c]]):.2f}" for c in cols[1:] if c in names]
        out(f"{r.workload:8} {r.dtype:8} chainrule {fmt_ms(fastest)} ms   " + " ".join(ratios))
    out("")
    out("targets (issue 5):")
    for r in results:
        for peer, limit in TARGETS.get((r.workload, r.dtype), []):
            names = {n.split("[")[0]: n for n in r.times}
            if "chainrule" not in r.times or peer not in names:
                out(f"  {r.workload} {r.dtype}: chainrule ≤ {limit} × {peer}: not measured")
                continue
            ratio = r.median("chainrule") / r.median(names[peer])
            verdict = "MET" if ratio <= limit else f"MISSED by {ratio / limit - 1:.0%}"
            out(
                f"  {r.workload} {r.dtype}: chainrule / {peer} = {ratio:.2f} (target ≤ {limit}): "
                f"{verdict}"
            )
            if "minimum" in names:
                # the same ratio for the products + gather + update alone, by median and by
                # fastest epoch (one noisy median must not decide it)
                mn, pn = names["minimum"], names[peer]
                bound = r.median(mn) / r.median(pn)
                fastest = min(r.times[mn]) / min(r.times[pn])
                if bound > limit and fastest > limit:
                    verdict = "both above the target: out of reach here with these parts"
                elif bound > limit or fastest > limit:
                    verdict = "one above the target: too noisy to tell"
                else:
                    verdict = f"the target leaves {limit / bound - 1:.0%} on top of the median"
                out(
                    f"      floor of products + gather + update: minimum / {peer} = {bound:.2f}"
                    f" (fastest epochs: {fastest:.2f}; {verdict})"
                )


# --------------------------------------------------------------------------------------
# Memory (issue 5, item 4)
# --------------------------------------------------------------------------------------


def memory_child(dtype: str, data_dir: Path) -> dict[str, Any]:
    """Peak memory of the second W1 epoch, measured with tracemalloc (NumPy reports to it)."""
    w = WORKLOADS["W1"]
    # Every lazy import (the data loader, numba when installed, ...) happens in a tiny
    # warm-up fit first, so that the traced memory is the training's, not the modules'.
    import chainrule.data

    tiny = chainrule.Network(w.dims, w.hidden, w.output, w.loss, seed=0, dtype=dtype)
    tiny.fit(
        np.zeros((w.dims[0], 300), dtype),
        np.arange(300) % 10,
        epochs=1,
        batch_size=w.batch_size,
        optimizer=w.optimizer,
        progress=False,
    )
    del tiny
    gc.collect()
    tracemalloc.start()
    load(w, dtype, data_dir)
    X, y = w.X, w.y
    net = chainrule.Network(w.dims, w.hidden, w.output, w.loss, seed=0, dtype=dtype)
    gc.collect()
    tracemalloc.reset_peak()
    before_fit = tracemalloc.get_traced_memory()[0]
    marks: dict[str, int] = {}

    def cb(epoch: int, logs: Any) -> None:
        _, peak = tracemalloc.get_traced_memory()
        if epoch == 1:
            marks["setup_and_epoch1_peak"] = peak
            tracemalloc.reset_peak()
        else:
            marks["epoch2_peak"] = peak

    net.fit(
        X,
        y,
        epochs=2,
        batch_size=w.batch_size,
        optimizer=w.optimizer,
        learning_rate=w.lr,
        seed=1,
        progress=False,
        callback=cb,
    )
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    item = np.dtype(dtype).itemsize
    n_params = net.n_params
    mb = w.batch_size or w.m
    acts = sum(2 * n * mb for n in w.dims[1:]) + w.dims[0] * mb  # Z[l], A[l] and the input batch
    data = X.nbytes + np.asarray(y).nbytes
    parts = {
        "parameters": n_params * item,
        "optimizer state (Adam m, v)": 2 * n_params * item,
        "one mini-batch's activations (X_b, Z[l], A[l])": acts * item,
        "data set (X + labels)": data,
    }
    budget = sum(parts.values())
    return {
        "dtype": dtype,
        "source": w.source,
        "parts": parts,
        "budget": budget,
        "before_fit": before_fit,
        "epoch2_peak": marks["epoch2_peak"],
        "fit_peak_incl_setup": marks["setup_and_epoch1_peak"],
        "maxrss": rss1 * 1024,
    }


def memory(dtypes: list[str], data_dir: Path, out: Callable[[str], None]) -> None:
    out("")
    out("memory of a W1 epoch (issue 5, item 4: peak ≤ 1.5 × budget); tracemalloc, own subprocess")
    for dt in dtypes:
        cmd = [sys.executable, __file__, "--memory-child", dt, "--data", str(data_dir)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            out(f"  {dt}: FAILED: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        mib = 2**20
        out(f"  {dt} ({r['source']}):")
        for k, v in r["parts"].items():
            out(f"    {k:48} {v / mib:9.1f} MiB")
        out(f"    {'budget (sum)':48} {r['budget'] / mib:9.1f} MiB")
        ratio = r["epoch2_peak"] / r["budget"]
        verdict = "MET" if ratio <= 1.5 else "MISSED"
        out(
            f"    {'peak traced during an epoch (epoch 2)':48} {r['epoch2_peak'] / mib:9.1f} MiB"
            f"  = {ratio:.2f} × budget: {verdict}"
        )
        out(
            f"    {'peak traced over fit incl. setup + epoch 1':48} "
            f"{r['fit_peak_incl_setup'] / mib:9.1f} MiB  = "
            f"{r['fit_peak_incl_setup'] / r['budget']:.2f} × budget"
        )
        out(
            f"    {'max RSS of the whole process (getrusage)':48} {r['maxrss'] / mib:9.1f} MiB"
            "  (interpreter, libraries and data loading included)"
        )


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def environment(out: Callable[[str], None]) -> int:
    import sklearn

    out(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    out(f"machine: {cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}")
    tv = "not installed"
    try:
        import torch

        tv = torch.__version__
    except ImportError:
        pass
    try:
        import numba

        nv = numba.__version__
        if os.environ.get("CHAINRULE_NUMBA", "1") == "0":
            nv += " (disabled by CHAINRULE_NUMBA=0: no compiled kernels)"
    except ImportError:
        nv = "not installed (no compiled updates)"
    out(
        f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, torch {tv}, numba {nv}, chainrule {chainrule.__version__}"
        f"{_git_commit()}"
    )
    threads = 1
    try:
        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            out(
                f"threadpool: {lib.get('internal_api')} {lib.get('version')} "
                f"kernel={lib.get('architecture')} threads={lib.get('num_threads')} "
                f"({Path(lib.get('filepath', '')).name})"
            )
            if lib.get("user_api") == "blas":
                threads = max(threads, int(lib.get("num_threads") or 1))
    except ImportError:
        out("threadpoolctl not installed: BLAS kernel unknown")
    out(
        "env: "
        + ", ".join(
            f"{v}={os.environ.get(v, '(unset)')}"
            for v in (*_UNSET, "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
        )
    )
    out(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return threads


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--workloads",
        default="W1,W1sgd,W2,W3,N3,N2",
        help="comma-separated, from " + ", ".join(WORKLOADS) + " (or 'none')",
    )
    ap.add_argument("--dtypes", default="float64,float32")
    ap.add_argument("--peers", default="chainrule,nielsen,numpy,sklearn,torch,gemm,minimum")
    ap.add_argument(
        "--rounds",
        type=int,
        default=15,
        help="measured rounds (scaled per workload: W1 ×0.4, W2/W3 ×2, in bursts of 5 epochs)",
    )
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument(
        "--memory",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure a W1 epoch's peak memory (issue 5, item 4; default: on)",
    )
    ap.add_argument("--memory-child", help=argparse.SUPPRESS)
    ap.add_argument(
        "--threads",
        type=int,
        help="BLAS threads (threadpoolctl) and torch threads; default: as found",
    )
    ap.add_argument("--out", type=Path, help="also write the output to this file")
    args = ap.parse_args(argv)

    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.data)))
        return 0

    lines: list[str] = []

    def out(s: str) -> None:
        print(s, flush=True)
        lines.append(s)

    out("$ " + " ".join(["benchmarks/bench_train.py", *(argv or sys.argv[1:])]))
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.threads, user_api="blas")
    threads = environment(out)
    names = [] if args.workloads == "none" else args.workloads.split(",")
    dtypes = args.dtypes.split(",")
    peers = args.peers.split(",")
    results: list[Result] = []
    try:
        run_all(args, names, dtypes, peers, threads, results, out)
    finally:
        out(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


def run_all(
    args: Any,
    names: list[str],
    dtypes: list[str],
    peers: list[str],
    threads: int,
    results: list[Result],
    out: Callable[[str], None],
) -> None:
    """Every workload, then the report and (optionally) the memory measurement."""
    for name in names:
        w = WORKLOADS[name]
        for dt in dtypes:
            if dt not in w.dtypes:
                continue
            load(w, dt, args.data)
            rounds = max(3, round(args.rounds * w.rounds_scale))
            out(
                f"\n{w.name} [{dt}]: {w.title}; data: {w.source}; "
                f"{args.warmup} warm-up + {rounds} measured rounds"
                + (
                    f" of {w.burst} consecutive epochs per implementation (the first not recorded)"
                    if w.burst > 1
                    else ""
                )
                + (f"\n    note: {w.note}" if w.note else "")
            )
            r = bench(w, dt, peers, args.warmup, rounds, threads)
            for n, ts in r.times.items():
                out(
                    f"    {n:16} median {fmt_ms(statistics.median(ts)):>7} ms   "
                    f"min {fmt_ms(min(ts)):>7}   all: " + " ".join(fmt_ms(t) for t in ts)
                )
            results.append(r)
            w.X = w.y = None
            gc.collect()
    if results:
        report(results, out)
    if args.memory:
        memory(dtypes, args.data, out)


if __name__ == "__main__":
    sys.exit(main())
