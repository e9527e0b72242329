"""``chainrule check FILE``: the report card, the exit codes, and code that misbehaves.

The learner's file is imported in a subprocess; these tests run the command in
process (``main``, which still starts that subprocess) and once as a real
``python -m chainrule`` process, whose output must be the report shown in
docs/check.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import course_solutions
from _clihelpers import run_cli, run_process
from chainrule.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "my_assignment.py"


def write(tmp_path: Path, text: str, name: str = "my.py") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_docs_report_card_is_what_a_real_process_prints() -> None:
    proc = run_process(ROOT, "check", "docs/examples/my_assignment.py")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    docs = (ROOT / "docs" / "check.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n(chainrule check my_assignment\.py.*?)```", docs, re.S)
    assert block is not None, "docs/check.md has no report card block"
    assert proc.stdout == block.group(1)


def test_all_pass_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, "check", course_solutions.__file__)
    assert rc == 0, out + err
    assert "16 of 16 functions pass" in out
    assert "FAILED" not in out


def test_a_file_that_does_not_import(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "import numpy as np\nfrom testCases import *\n")
    rc, out, err = run_cli(capsys, "check", path)
    assert rc == 1
    assert out == ""
    assert err == (
        "chainrule check: error: my.py could not be imported: raised ModuleNotFoundError: "
        "No module named 'testCases' (my.py, line 2)\n"
    )
    rc, out, err = run_cli(capsys, "check", write(tmp_path, "def f(:\n", "syntax.py"))
    assert rc == 1
    assert "syntax.py could not be imported: raised SyntaxError" in err


def test_the_file_s_folder_is_on_the_path(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    write(tmp_path, "import numpy as np\ndef helper(A, W, b):\n    return W @ A + b\n", "dnn.py")
    src = (
        "from dnn import helper\n"
        "def linear_forward(A, W, b):\n"
        "    return helper(A, W, b), (A, W, b)\n"
    )
    rc, out, err = run_cli(capsys, "check", write(tmp_path, src))
    assert rc == 0, err
    assert "1 of 1 functions pass" in out


def test_misbehaving_functions_get_one_line_each(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src = (
        "def linear_forward(A, W, b):\n"
        "    while True:\n"
        "        pass\n"
        "def compute_cost(AL, Y):\n"
        "    return None\n"
        "def linear_backward(dZ, cache):\n"
        "    raise RuntimeError('not done yet')\n"
        "def update_parameters(params, grads, learning_rate):\n"
        "    for k in params:\n"
        "        params[k] -= learning_rate * grads['d' + k]\n"
        "    return params\n"
        "print('top-level output of the learner is not shown')\n"
    )
    rc, out, err = run_cli(capsys, "check", write(tmp_path, src), "--timeout", "0.5")
    assert rc == 1
    assert err == ""
    assert "Traceback" not in out
    assert "top-level output" not in out
    lines = {line.split()[0]: line for line in out.splitlines() if "FAILED" in line}
    assert "did not return within 0.5 s" in lines["linear_forward"]
    assert "returned None where a number belongs" in lines["compute_cost"]
    assert "raised RuntimeError: not done yet (my.py, line 7)" in lines["linear_backward"]
    assert "modified its argument params['W1'] in place" in lines["update_parameters"]


def test_no_course_function(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, out, err = run_cli(capsys, "check", write(tmp_path, "def f():\n    return 1\n"))
    assert rc == 1
    assert out == ""
    assert err.startswith("chainrule check: error: my.py defines none of the course functions")


def test_an_import_that_never_ends(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run_cli(
        capsys, "check", write(tmp_path, "while True:\n    pass\n"), "--timeout", "0.2"
    )
    assert rc == 1
    assert "my.py could not be imported: did not return within 0.6 s" in err


def test_usage_and_missing_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run_cli(capsys, "check", str(tmp_path / "nope.py"))
    assert rc == 1
    assert err == f"chainrule check: error: {tmp_path / 'nope.py'}: no such file\n"
    rc, _, err = run_cli(capsys, "check", str(EXAMPLE), "--timeout", "0")
    assert rc == 2
    assert "--timeout must be a number of seconds > 0, got 0.0" in err
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2
    assert "the following arguments are required: FILE.py" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["check", "--help"])
    assert exc.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "your own code: it runs, in a subprocess, with your rights" in help_text
    assert "exit codes: 0 every function found passes, 1" in help_text
