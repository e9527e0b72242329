"""``chainrule check``: run a learner's own course functions and name the mistake.

::

    chainrule check my_assignment.py
    chainrule check my_assignment.py --timeout 2 --seed 1

The file is imported in a **subprocess** (it is your own code and runs with
your rights), every function it defines under one of the course's names
(:data:`chainrule.stepwise.checking.FUNCTIONS`) is checked by
:func:`chainrule.stepwise.checking.check_module`, and the report card is printed:
one line per function, then the details of each failure (the first differing
output, the named mistake and its fix).  Each call of your code has a time
limit (``--timeout``); the subprocess as a whole has a larger one.

Exit codes: 0 every function found passes; 1 a function fails, the file
cannot be imported, defines none of the course's functions, or the check
does not finish, or FILE is missing; 2 a usage error (a bad option).
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from chainrule.cli._common import add_command
from chainrule.cli.options import add_seed, positive_float

__all__ = ["check_file", "register", "run"]

OVERALL_FACTOR = 25
"""The subprocess may take this many per-call time limits in all (and at least a minute)."""


def register(subparsers: Any) -> None:
    """Add the ``check`` sub-command."""
    p = add_command(
        subparsers,
        "check",
        run,
        help="run your own course functions (a .py file) and name the mistake",
        description=(
            "Import FILE.py -- your own code: it runs, in a subprocess, with your rights -- "
            "find the deeplearning.ai course functions it defines by name "
            "(initialize_parameters_deep, linear_forward, ..., L_model_backward, "
            "update_parameters, compute_cost_with_regularization, "
            "backward_propagation_with_dropout, update_parameters_with_adam, "
            "gradient_check_n, ...), run each on generated cases (the course's shapes, m = 1, "
            "one unit, deep stacks, saturated activations) and compare with "
            "chainrule.stepwise. A wrong output is matched against a catalogue of classic "
            "mistakes (1/m missing or twice, transposes, relu′ from A, +α, ...), and the "
            "report names the one that explains it, with the fix."
        ),
        epilog=(
            "exit codes: 0 every function found passes, 1 a function fails, the file is missing, "
            "cannot be imported or defines no course function, 2 usage error. Helper modules "
            "the file imports (dnn_utils, testCases, ...) are looked up next to it."
        ),
    )
    p.add_argument("file", metavar="FILE.py", help="your assignment as a Python file")
    p.add_argument(
        "--timeout",
        type=positive_float("--timeout", "a number of seconds > 0"),
        default=10.0,
        metavar="S",
        help="seconds one call of your function may take (default: 10; importing the file "
        "gets 3 times as long)",
    )
    add_seed(p, "the generated cases")


def check_file(path: str | Path, seed: int = 0, timeout: float = 10.0) -> dict[str, Any]:
    """Import ``path`` and check it, in this process (the subprocess's work).

    Returns
    -------
    dict
        ``{"status": "ok" | "import error" | "none found", "passed": bool,
        "text": str}``: the report card, or the one-line reason.
    """
    from chainrule.stepwise.checking import _call, check_module

    path = Path(path).resolve()
    spec = importlib.util.spec_from_file_location("chainrule_checked_assignment", path)
    if spec is None or spec.loader is None:
        return {"status": "import error", "passed": False, "text": f"{path.name} is not Python"}
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))  # its helper modules, as in the notebook's folder
    sys.modules[spec.name] = module
    loader = spec.loader
    outcome = _call(lambda: loader.exec_module(module), (), 3 * timeout)
    if hasattr(outcome, "kind"):  # raised, or ran past the limit
        text = f"{path.name} could not be imported: {outcome.message}"
        return {"status": "import error", "passed": False, "text": text}
    report = check_module(module, seed=seed, timeout=timeout)
    if not report.functions:
        from chainrule.stepwise.checking import FUNCTIONS

        text = (
            f"{path.name} defines none of the course functions chainrule checks "
            f"({', '.join(FUNCTIONS)})"
        )
        return {"status": "none found", "passed": False, "text": text}
    return {"status": "ok", "passed": report.passed, "text": str(report)}


def _child(path: str, seed: int, timeout: float, conn: Connection) -> None:
    # the learner's prints (also from calls abandoned past their limit) are not the report
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    try:
        result = check_file(path, seed, timeout)
    except BaseException as exc:  # chainrule's own failure: still one line, never a traceback
        result = {"status": "error", "passed": False, "text": f"{type(exc).__name__}: {exc}"}
    conn.send(result)
    conn.close()
    os._exit(0)  # do not wait for the abandoned threads of calls that ran past the limit


def run(args: argparse.Namespace) -> int:
    """Check the file in a subprocess and print the report card; the exit code."""
    path = Path(args.file)
    if not path.is_file():
        raise FileNotFoundError(f"{args.file}: no such file")
    limit = max(60.0, OVERALL_FACTOR * args.timeout)
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(str(path), args.seed, args.timeout, send), daemon=True)
    proc.start()
    send.close()
    try:
        result = receive.recv() if receive.poll(limit) else None
    except EOFError:  # the subprocess died (os._exit, a crash in compiled code)
        result = None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
    if result is None:
        print(
            f"chainrule check: error: checking {path.name} did not finish within {limit:g} s "
            "(or its process died); no report",
            file=sys.stderr,
        )
        return 1
    if result["status"] != "ok":
        print(f"chainrule check: error: {result['text']}", file=sys.stderr)
        return 1
    print(f"chainrule check {path.name} (seed {args.seed}, at most {args.timeout:g} s a call)")
    print(result["text"])
    return 0 if result["passed"] else 1
