"""``chainrule playground`` as a process: prints its URL, serves, stops cleanly on Ctrl-C."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
URL = re.compile(r"serving on (http://127\.0\.0\.1:(\d+)/\?token=([\w-]+))")


def start(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), *sys.path])}
    env.pop("BROWSER", None)
    return subprocess.Popen(
        [sys.executable, "-m", "chainrule", "playground", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )


def read_url(proc: subprocess.Popen[str]) -> re.Match[str]:
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        found = URL.search(line)
        if found:
            return found
    proc.kill()
    _, err = proc.communicate()
    pytest.fail(f"no URL printed; stderr: {err}")


def get(port: int, path: str, token: str | None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"X-Chainrule-Token": token} if token else {}
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the server did not stop on SIGINT")
    return proc.returncode, err


def test_serves_the_api_and_stops_cleanly_on_ctrl_c():
    proc = start("--no-browser", "--port", "0", "--seed", "3")
    try:
        found = read_url(proc)
        url, port, token = found.group(1), int(found.group(2)), found.group(3)
        assert urlsplit(url).query == f"token={token}"
        status, body = get(port, "/api/config", token)
        assert status == 200
        config = json.loads(body)
        assert config["config"]["data_seed"] == 3
        assert config["config"]["init_seed"] == 3
        assert get(port, "/api/config", None)[0] == 401
        assert get(port, "/", None)[0] == 200
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "stopped" in err
    assert "Traceback" not in err


def test_starts_on_a_csv_file(tmp_path):
    data = tmp_path / "points.csv"
    data.write_text("x,y,label\n" + "".join(f"{i % 9},{i % 4},{i % 2}\n" for i in range(50)))
    proc = start("--no-browser", "--data", str(data))
    try:
        found = read_url(proc)
        status, body = get(int(found.group(2)), "/api/state", found.group(3))
        assert status == 200
        assert json.loads(body)["config"]["dataset"] == "upload"
    finally:
        code, err = stop(proc)
    assert code == 0, err


def test_a_bad_data_file_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\nx,y\n")
    proc = start("--no-browser", "--data", str(bad))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err.startswith("chainrule playground: error: --data")
    assert len(err.strip().splitlines()) == 1


def test_a_taken_port_is_one_line_and_exit_1():
    proc = start("--no-browser")
    try:
        port = int(read_url(proc).group(2))
        other = start("--no-browser", "--port", str(port))
        _, err = other.communicate(timeout=60)
        assert other.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in err
    finally:
        stop(proc)


def test_a_bad_port_is_a_usage_error():
    proc = start("--no-browser", "--port", "70000")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "--port" in err
