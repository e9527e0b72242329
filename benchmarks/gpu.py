#!/usr/bin/env python3
"""The GPU check of issue 15, part 1, in one prepared script: tests, then the benchmark.

1. ``tests/test_array_api.py`` on CUDA: the PyTorch-CUDA and CuPy cases (the same
   oracles as on the CPU: gradients against NumPy's, a training run, outputs'
   namespace and device, mixing errors, save/load).
2. The benchmark: 784 → 4096 → 4096 → 10 (ReLU, softmax + cross-entropy), batch
   1024, Adam (α = 1e-3), float32 and float64; the step time of chainrule on
   PyTorch-CUDA and on CuPy against a ``torch.nn.Sequential`` + ``torch.optim.Adam``
   reference on the same card, each the **median of 200 steps** (after 10 warm-up
   steps), the device synchronised after every step.  chainrule's step is
   :meth:`chainrule.training.Trainer.step` (forward, backward, Adam update, no
   cost monitoring: as the reference's loop), with θ and the optimizer state on the
   device (``training._on_device_of``, what ``fit`` does).  Float32 products are
   true float32 for both (TF32 off: ``chainrule._xp.exact_matmul``).  The goal:
   chainrule within 1.2× of the reference.

The results (the command, the machine, the versions, the test summary and the table)
are written to ``--out`` (default ``benchmarks/results/<date>-gpu-<card>.txt``).

``--smoke`` runs everything on the CPU with tiny sizes (784 → 64 → 64 → 10, batch
128, 5 steps; PyTorch on the CPU; the CuPy part skips without CuPy): a check that
the script works, not a measurement.

The GPU machine has no internet: put the wheels it lacks in a folder beforehand
(``pip download array-api-compat array-api-strict -d .whl``) and give
``--wheels .whl``; the script installs them with ``pip --no-index`` first.

Examples::

    python3 benchmarks/gpu.py --smoke --out /tmp/gpu-smoke.txt   # on the CPU, seconds
    python3 benchmarks/gpu.py --wheels .whl                      # on a GPU machine
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # this checkout's chainrule

FULL = {"dims": [784, 4096, 4096, 10], "batch": 1024, "steps": 200, "warmup": 10}
SMOKE = {"dims": [784, 64, 64, 10], "batch": 128, "steps": 5, "warmup": 2}
LEARNING_RATE = 1e-3


def install_wheels(folder: str) -> None:
    """pip install, without the network, the wheels in ``folder``."""
    wheels = sorted(str(p) for p in Path(folder).glob("*.whl"))
    if wheels:
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-index"]
        subprocess.run([*cmd, "--find-links", folder, *wheels], check=True)


def run_tests(smoke: bool) -> str:
    """The CUDA cases of tests/test_array_api.py (smoke: the PyTorch-CPU gradients)."""
    select = "gradients and torch-cpu" if smoke else "torch-cuda or cupy"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs"]
    cmd += ["tests/test_array_api.py", "-k", select]
    env = {"PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, check=False
    )
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    shown = shlex.join(["python3", *cmd[1:]])
    return f"$ {shown}\n" + "\n".join(lines[-25:]) + f"\n(exit status {proc.returncode})"


def median_step(
    step: Callable[[], None], sync: Callable[[], None], steps: int, warmup: int
) -> float:
    """The median wall time of one step in ms, the device synchronised after every step."""
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def data(dims: list[int], batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Host inputs X (n[0], batch) and one-hot targets Y (n[L], batch)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(dims[0], batch))
    Y = np.eye(dims[-1])[rng.integers(0, dims[-1], batch)].T
    return X, Y


def chainrule_step(put: Callable[[np.ndarray], Any], dtype: str, cfg: dict[str, Any]) -> Any:
    """A context manager yielding chainrule's step on ``put``'s device."""
    import contextlib

    import chainrule
    from chainrule import training
    from chainrule.optim import Adam

    @contextlib.contextmanager
    def ctx() -> Any:
        dims = cfg["dims"]
        net = chainrule.Network(
            dims, hidden="relu", output="softmax", loss="cce", dtype=dtype, seed=0
        )
        X, Y = data(dims, cfg["batch"])
        Xd, Yd = put(X.astype(dtype)), put(Y.astype(dtype))
        opt = Adam()
        rng = np.random.default_rng(1)
        with training._on_device_of(net, opt, Xd):
            trainer = training.Trainer(
                net, opt, net.check_X(Xd), net.check_Y(Yd, cfg["batch"]), None
            )
            yield lambda: trainer.step(None, LEARNING_RATE, rng, monitor=False)

    return ctx()


def torch_reference_step(device: str, dtype: str, cfg: dict[str, Any]) -> Any:
    """A context manager yielding the torch.nn + torch.optim.Adam step on ``device``."""
    import contextlib

    import torch

    from chainrule import _xp

    @contextlib.contextmanager
    def ctx() -> Any:
        dims = cfg["dims"]
        tdtype = getattr(torch, dtype)
        torch.manual_seed(0)
        layers: list[Any] = []
        for i in range(1, len(dims)):
            layers.append(torch.nn.Linear(dims[i - 1], dims[i]))
            if i < len(dims) - 1:
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers).to(device=device, dtype=tdtype)
        opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        loss_fn = torch.nn.CrossEntropyLoss()
        X, Y = data(dims, cfg["batch"])
        Xr = torch.asarray(X.T.copy(), device=device, dtype=tdtype)  # rows: torch's layout
        labels = torch.asarray(Y.argmax(axis=0), device=device)

        def step() -> None:
            opt.zero_grad(set_to_none=True)
            loss_fn(model(Xr), labels).backward()
            opt.step()

        with _xp.exact_matmul(Xr):
            yield step

    return ctx()


def backends(smoke: bool) -> list[tuple[str, Callable[[np.ndarray], Any], Callable[[], None], str]]:
    """(name, put, sync, torch device of the reference) for each available backend."""
    out: list[tuple[str, Callable[[np.ndarray], Any], Callable[[], None], str]] = []
    try:
        import torch

        if smoke:
            out.append(("torch-cpu", lambda a: torch.asarray(a), lambda: None, "cpu"))
        elif torch.cuda.is_available():
            out.append(
                (
                    "torch-cuda",
                    lambda a: torch.asarray(a, device="cuda"),
                    torch.cuda.synchronize,
                    "cuda",
                )
            )
    except ImportError:
        pass
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            out.append(("cupy", cupy.asarray, lambda: cupy.cuda.Device().synchronize(), "cuda"))
    except Exception:  # no CuPy, or no CUDA for it
        pass
    return out


def machine() -> str:
    """The machine and versions, for the results file."""
    import numpy

    lines = [
        f"python {platform.python_version()}, numpy {numpy.__version__}, {platform.platform()}"
    ]
    try:
        import torch

        card = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA"
        lines.append(f"torch {torch.__version__}, CUDA {torch.version.cuda}, card: {card}")
    except ImportError:
        lines.append("torch: not installed")
    try:
        import cupy

        lines.append(f"cupy {cupy.__version__}")
    except ImportError:
        lines.append("cupy: not installed")
    try:
        import array_api_compat

        lines.append(f"array-api-compat {array_api_compat.__version__}")
    except ImportError:
        lines.append("array-api-compat: not installed")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes on the CPU")
    parser.add_argument("--out", help="results file (default benchmarks/results/<date>-gpu-*.txt)")
    parser.add_argument("--wheels", help="a folder of wheels to pip install --no-index first")
    parser.add_argument("--steps", type=int, help="timed steps per case (default 200; smoke 5)")
    parser.add_argument("--no-tests", action="store_true", help="only the benchmark")
    args = parser.parse_args(argv)
    if args.wheels:
        install_wheels(args.wheels)
    cfg: dict[str, Any] = dict(SMOKE if args.smoke else FULL)
    if args.steps:
        cfg["steps"] = args.steps

    now = datetime.datetime.now(datetime.UTC)
    given = argv if argv is not None else sys.argv[1:]
    report = [
        f"# benchmarks/gpu.py{' --smoke' if args.smoke else ''}  ({now:%Y-%m-%d %H:%M} UTC)",
        f"$ {shlex.join(['python3', 'benchmarks/gpu.py', *given])}",
        machine(),
        "",
    ]
    if not args.no_tests:
        report += ["## tests/test_array_api.py", run_tests(args.smoke), ""]

    dims, batch = cfg["dims"], cfg["batch"]
    report.append(
        f"## step time, {'-'.join(map(str, dims))}, batch {batch}, Adam, "
        f"median of {cfg['steps']} steps (ms)"
    )
    report.append(f"{'backend':<12} {'dtype':<8} {'chainrule':>10} {'torch.nn':>10} {'ratio':>7}")
    found = backends(args.smoke)
    if not found:
        report.append("(no backend: neither PyTorch with CUDA nor CuPy is available here)")
    for name, put, sync, ref_device in found:
        for dtype in ("float32", "float64"):
            with chainrule_step(put, dtype, cfg) as step:
                ours = median_step(step, sync, cfg["steps"], cfg["warmup"])
            try:
                import torch
            except ImportError:  # CuPy without PyTorch: no reference to compare with
                ref, ratio = float("nan"), "  n/a"
            else:
                sync_ref = torch.cuda.synchronize if ref_device == "cuda" else (lambda: None)
                with torch_reference_step(ref_device, dtype, cfg) as ref_step:
                    ref = median_step(ref_step, sync_ref, cfg["steps"], cfg["warmup"])
                ratio = f"{ours / ref:6.2f}×"
            report.append(f"{name:<12} {dtype:<8} {ours:10.3f} {ref:10.3f} {ratio:>7}")
    report.append("goal: ratio ≤ 1.2 on the same card (issue 15, part 1)")
    text = "\n".join(report) + "\n"
    print(text)
    if args.out or not args.smoke:
        card = "cpu" if args.smoke else "gpu"
        out = Path(args.out or ROOT / f"benchmarks/results/{datetime.date.today()}-gpu-{card}.txt")
        out.write_text(text, encoding="utf-8")
        print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
