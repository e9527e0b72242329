"""Running the command line in tests: in this process, or as a real process.

Shared by tests/test_cli*.py, test_hostile.py and test_export.py (imported as
``_clihelpers``; conftest.py puts the tests folder on sys.path).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chainrule.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``chainrule *argv`` in this process: (exit code, stdout, stderr).

    argparse's own usage errors (and ``--help``) leave ``main`` as SystemExit, which
    this lets through: a test that expects one says so with ``pytest.raises``.
    """
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def run_process(cwd: Path, *argv: str, exe: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m chainrule *argv`` (or ``exe *argv``) as a real process in ``cwd``.

    Without CHAINRULE_DEBUG, so that errors are the one line users see.
    """
    env = dict(os.environ)
    env.pop("CHAINRULE_DEBUG", None)
    command = [exe] if exe is not None else [sys.executable, "-m", "chainrule"]
    return subprocess.run(
        [*command, *argv], capture_output=True, text=True, timeout=300, env=env, cwd=cwd
    )


def train_ok(capsys: pytest.CaptureFixture[str], out_dir: Path, *argv: str) -> Path:
    """``chainrule train *argv --out out_dir``, which must succeed; the model file it wrote."""
    rc, _out, err = run_cli(capsys, "train", *argv, "--out", str(out_dir))
    assert rc == 0, err
    return out_dir / "model.npz"


def evaluate_json(capsys: pytest.CaptureFixture[str], model: Any, *argv: str) -> dict[str, Any]:
    """``chainrule evaluate MODEL *argv --json``, which must succeed; the JSON object."""
    rc, out, err = run_cli(capsys, "evaluate", str(model), *argv, "--json")
    assert rc == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def flat(out: str) -> str:
    """The output with every run of whitespace as one space: the header wraps at 80 columns."""
    return " ".join(out.split())


def one_error_line(err: str, command: str) -> str:
    """The one line on stderr of a failed command (no traceback); it is returned."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    assert "Warning" not in err, err  # NumPy's RuntimeWarnings never reach the user
    assert lines[0].startswith(f"chainrule {command}: error: "), err
    return lines[0]
