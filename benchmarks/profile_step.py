#!/usr/bin/env python3
r"""Where the time of one training step goes: chainrule's W1 step, phase by phase.

Runs ``Trainer.epoch`` (the code ``fit`` runs) on MNIST with the W1 network
(784 → 256 → 128 → 10, ReLU, softmax + cross-entropy, mini-batch 128, Adam) and
times every call the step makes into NumPy's products, its reductions and
exponential, the batch gather and the compiled kernels, by wrapping them, not
by copying the step.  The rest of a step (a few small NumPy calls, the epoch
record, Python) is reported as "other".  Medians over the steps of the measured
epochs, in µs per step.  Then, in the same process and for comparison:

* the same products back to back on fixed operands (the ``gemm`` floor of
  ``bench_train.py``),
* the Adam update alone, called repeatedly on the same vectors ("in
  isolation": hot caches), then again after 2 ms of spinning (no memory
  traffic of ours) and after reading 64 MB (cold caches), and the gather of
  random batches alone.

The timers cost ~0.2 µs per call, so the step runs slightly slower than in
``fit``.  Examples::

    benchmarks/profile_step.py --dtype float64
    benchmarks/profile_step.py --dtype float32 --epochs 4 --threads 1
"""

from __future__ import annotations

import os
import sys

_UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if any(v in os.environ for v in _UNSET) and "numpy" not in sys.modules:
    _env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    os.execve(sys.executable, [sys.executable, *sys.argv], _env)

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_train  # noqa: E402
import chainrule  # noqa: E402
from chainrule import _kernels, backprop  # noqa: E402
from chainrule.optim import Adam  # noqa: E402
from chainrule.training import Trainer  # noqa: E402

clock = time.perf_counter_ns
# phase name -> ns spent in the current step; one dict per step in STEPS
CURRENT: dict[str, int] = defaultdict(int)
STEPS: list[dict[str, int]] = []


def timed(name: str | Callable[..., str], fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with its time added to CURRENT[name] (name may depend on the arguments)."""

    def call(*args: Any, **kw: Any) -> Any:
        t = clock()
        out = fn(*args, **kw)
        CURRENT[name(*args, **kw) if callable(name) else name] += clock() - t
        return out

    return call


class _TimedRows(np.ndarray):
    """The (m, n0) data whose ``take`` (the batch gather) is timed."""

    def take(self, *args: Any, **kw: Any) -> Any:
        t = clock()
        out = np.ndarray.take(self, *args, **kw)
        CURRENT["gather X"] += clock() - t
        return out


def product_name(ft: Trainer, dims: list[int]) -> Callable[..., str]:
    """Name a product of ``ft``'s step: forward Z[l], dW[l] or dA[l]."""
    L = len(dims) - 1

    def name(a: Any, b: Any, out: Any = None) -> str:
        if out is not None and np.shares_memory(out, ft.grad):  # dW[l] = dZ[l] A[l-1]ᵀ
            l = next(l for l in range(1, L + 1) if out.shape == (dims[l], dims[l - 1]))
            return f"dW{l} = dZ{l} A{l - 1}ᵀ"
        if a.flags.c_contiguous:  # Z[l] = W[l] A[l-1]
            l = next(l for l in range(1, L + 1) if a.shape == (dims[l], dims[l - 1]))
            return f"Z{l} = W{l} A{l - 1}"
        l = next(l for l in range(1, L) if a.shape == (dims[l], dims[l + 1]))  # W[l+1]ᵀ
        return f"dA{l} = W{l + 1}ᵀ dZ{l + 1}"

    return name


def instrument(ft: Trainer, dims: list[int]) -> None:
    """Wrap what one step calls: NumPy (through a proxy module), the kernels, the gather."""
    ufunc_add = types.SimpleNamespace(reduce=timed("db = Σ dZ (add.reduce)", np.add.reduce))
    proxy = types.SimpleNamespace(
        matmul=timed(product_name(ft, dims), np.matmul),
        add=ufunc_add,
        exp=timed("softmax exp", np.exp),
    )
    proxy.__dict__.update({k: getattr(np, k) for k in dir(np) if k not in proxy.__dict__})
    backprop.np = proxy  # type: ignore[assignment]
    _kernels.np = proxy  # type: ignore[assignment]
    ops = ft.ops
    if isinstance(ops, _kernels.CompiledOps):
        for name, label in [
            ("bias_relu", "bias + relu (compiled)"),
            ("relu_backward", "relu backward (compiled)"),
            ("relu_backward_db", "relu backward + db (compiled)"),
            ("subtract_db", "dZ = A − Y + db (compiled)"),
            ("bias_softmax_shift", "softmax bias + shift (compiled)"),
            ("softmax_normalize", "softmax normalize (compiled)"),
        ]:
            if ops.kernel(name) is not None:
                ops._compiled[name] = timed(label, ops.kernel(name))
    ops.update = timed("Adam update", ops.update)  # type: ignore[method-assign]
    if ft.X_rows is not None:
        ft.X_rows = ft.X_rows.view(_TimedRows)
    step = ft.step

    def timed_step(*args: Any, **kw: Any) -> Any:
        CURRENT.clear()
        t = clock()
        out = step(*args, **kw)
        total = clock() - t
        CURRENT["other (small NumPy calls, record, Python)"] = total - sum(CURRENT.values())
        CURRENT["step total"] = total
        STEPS.append(dict(CURRENT))
        return out

    ft.step = timed_step  # type: ignore[method-assign]


def median_us(values: list[int]) -> float:
    return statistics.median(values) / 1e3


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    ap.add_argument("--epochs", type=int, default=3, help="measured epochs (after one warm-up)")
    ap.add_argument("--threads", type=int, help="BLAS threads (threadpoolctl)")
    ap.add_argument("--data", type=Path, default=bench_train.DEFAULT_DATA)
    ap.add_argument("--out", type=Path, help="also write the output to this file")
    args = ap.parse_args(argv)
    lines: list[str] = []

    def out(s: str) -> None:
        print(s, flush=True)
        lines.append(s)

    out("$ " + " ".join(["benchmarks/profile_step.py", *(argv or sys.argv[1:])]))
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.threads, user_api="blas")
    bench_train.environment(out)

    w = bench_train.WORKLOADS["W1"]
    bench_train.load(w, args.dtype, args.data)
    out(f"W1 [{args.dtype}]: {w.title}; data: {w.source}")
    net = chainrule.Network(w.dims, w.hidden, w.output, w.loss, seed=0, dtype=args.dtype)
    Y = np.asfortranarray(np.eye(w.dims[-1], dtype=args.dtype)[:, w.y])
    ops = _kernels.CompiledOps(args.dtype) if _kernels.available() else backprop.Ops()
    ft = Trainer(net, Adam(), w.X, Y, None, ops=ops)
    instrument(ft, w.dims)
    rng = np.random.default_rng(1)
    size = w.batch_size or w.m
    try:
        for e in range(1 + args.epochs):
            if e == 1:
                STEPS.clear()  # the warm-up epoch is not recorded
            ft.epoch(rng.permutation(w.m), size, w.lr, rng)
    finally:
        backprop.np = _kernels.np = np
    full = [s for s in STEPS if s["step total"] > 0]

    def med(k: str) -> float:
        return median_us([s.get(k, 0) for s in full])

    names = sorted({k for s in full for k in s}, key=lambda k: -med(k))
    out(f"\nin the loop: median µs per step over {len(full)} steps ({args.epochs} epochs)")
    for k in names:
        out(f"  {k:50} {med(k):8.1f}")
    products = [sum(v for k, v in s.items() if "=" in k and "Σ" not in k) for s in full]
    out(f"  {'all products':50} {median_us(products):8.1f}")

    # -- the same in isolation ------------------------------------------------------------
    dt = np.dtype(args.dtype)
    mb = size
    Ws = [W.copy() for W in net.Ws]
    Xb = np.asfortranarray(rng.random((w.dims[0], mb)).astype(dt))
    A = [Xb] + [rng.random((n, mb)).astype(dt) for n in w.dims[1:]]
    dZ = [rng.random((n, mb)).astype(dt) for n in w.dims[1:]]
    dW = [np.empty_like(W) for W in Ws]
    dA = [np.empty((n, mb), dt) for n in w.dims[1:-1]]
    reps = 300

    def floor_step() -> None:
        bench_train._products(Ws, A, dZ, dW, dA)

    def median_of(fn: Callable[[], Any]) -> float:
        fn()
        ts = []
        for _ in range(reps):
            t = clock()
            fn()
            ts.append(clock() - t)
        return median_us(ts)

    out("\nin isolation (same process, hot caches): median µs per call")
    out(f"  {'all products, back to back (gemm floor)':50} {median_of(floor_step):8.1f}")
    opt = Adam()
    flat = (rng.standard_normal(net.n_params) * 0.05).astype(dt)
    grad = rng.standard_normal(net.n_params).astype(dt)
    opt.init(flat)
    upd: Any = None
    if _kernels.available():
        compiled = _kernels.CompiledOps(dt)

        def upd(*_: Any) -> None:
            compiled.update(opt, flat, grad, 1e-3, 1.0)

        out(f"  {'Adam update (compiled)':50} {median_of(upd):8.1f}")
    out(f"  {'Adam update (NumPy)':50} {median_of(lambda: opt.step(flat, grad, 1e-3)):8.1f}")
    if upd is not None:
        # the same call after time has passed with no memory traffic of ours (2 ms of
        # spinning, about one step), and after streaming 64 MB (caches surely cold):
        # how long the update's vectors stay in this machine's caches between steps
        big = np.ones(8_000_000)

        def spin_then_update() -> float:
            end = clock() + 2_000_000
            while clock() < end:
                pass
            t = clock()
            upd()
            return (clock() - t) / 1e3

        def stream_then_update() -> float:
            big.sum()
            t = clock()
            upd()
            return (clock() - t) / 1e3

        for label, fn in (
            ("Adam update (compiled), after 2 ms of spinning", spin_then_update),
            ("Adam update (compiled), after reading 64 MB", stream_then_update),
        ):
            out(f"  {label:50} {statistics.median(fn() for _ in range(200)):8.1f}")
    X_rows = np.ascontiguousarray(w.X.T)
    buf = np.empty((mb, w.dims[0]), dt)
    out(
        f"  {'gather of a random batch':50} "
        f"{median_of(lambda: X_rows.take(rng.integers(0, w.m, mb), 0, buf, 'clip')):8.1f}"
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
