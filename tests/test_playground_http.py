"""The playground's HTTP layer over loopback: token, Host, Origin, sizes, errors, routes."""

from __future__ import annotations

import http.client
import json
import time

import numpy as np
import pytest

import chainrule
from chainrule.playground.server import MAX_UPLOAD_BYTES, TOKEN_HEADER, PlaygroundServer
from chainrule.playground.session import Session


@pytest.fixture(scope="module")
def server():
    srv = PlaygroundServer(Session({"n_points": 100}), port=0)
    srv.serve_in_thread()
    yield srv
    srv.close()


def request(srv, method, path, body=None, headers=None, token=True, host=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    h = {"Host": host or f"127.0.0.1:{srv.port}"}
    if token:
        h[TOKEN_HEADER] = srv.token
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), data


def api(srv, method, path, body=None, **kw):
    status, _, data = request(srv, method, path, body, **kw)
    assert status == 200, data
    return json.loads(data)


def test_url_has_the_token_and_a_free_loopback_port(server):
    assert server.url == f"http://127.0.0.1:{server.port}/?token={server.token}"
    assert server.port > 0
    assert len(server.token) >= 32


def test_api_needs_the_token(server):
    status, _, data = request(server, "GET", "/api/config", token=False)
    assert status == 401
    assert "token" in json.loads(data)["error"]
    status, _, _ = request(server, "GET", "/api/config", token=False,
                           headers={TOKEN_HEADER: "wrong"})  # fmt: skip
    assert status == 401
    status, _, _ = request(server, "POST", f"/api/step?token={server.token}",
                           {"unit": "batch"}, token=False)  # fmt: skip
    assert status == 401  # the query token is for GET links only
    status, _, _ = request(server, "GET", f"/api/config?token={server.token}", token=False)
    assert status == 200


def test_static_files_need_no_token_on_loopback(server):
    status, headers, body = request(server, "GET", "/", token=False)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert b"<html" in body.lower()
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    status, headers, _ = request(server, "GET", "/static/app.js", token=False)
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")


@pytest.mark.parametrize(
    "host", ["evil.example:80", "evil.example", "127.0.0.1:1", "localhost", "127.0.0.1"]
)
def test_a_foreign_host_is_refused(server, host):
    for path in ("/", "/api/config"):
        status, _, data = request(server, "GET", path, host=host)
        assert status == 403
        assert "Host" in json.loads(data)["error"]


def test_localhost_with_the_port_is_accepted(server):
    assert api(server, "GET", "/api/config", host=f"localhost:{server.port}")


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "https://127.0.0.1:{port}", "http://127.0.0.1:1"]
)
def test_a_foreign_origin_is_refused(server, origin):
    origin = origin.format(port=server.port)
    status, _, _ = request(server, "POST", "/api/step", {"unit": "batch"},
                           headers={"Origin": origin})  # fmt: skip
    assert status == 403
    status, _, _ = request(server, "GET", "/", headers={"Origin": origin}, token=False)
    assert status == 403


def test_the_own_origin_is_accepted(server):
    api(server, "GET", "/api/state", headers={"Origin": f"http://127.0.0.1:{server.port}"})


def test_an_oversized_upload_is_413(server):
    body = b"1,2,0\n" * (MAX_UPLOAD_BYTES // 6 + 10)
    assert len(body) > MAX_UPLOAD_BYTES
    status, _, data = request(server, "POST", "/api/upload", body,
                              headers={"Content-Type": "text/csv"})  # fmt: skip
    assert status == 413
    assert "limit" in json.loads(data)["error"]
    status, _, _ = request(server, "POST", "/api/step", {"unit": "x" * 70000})
    assert status == 413  # JSON bodies are limited too


def test_unknown_paths_404_and_wrong_methods_405(server):
    for path in ("/api/nope", "/nope", "/static/nope.js", "/static/../session.py",
                 "/static/%2e%2e/session.py"):  # fmt: skip
        status, _, data = request(server, "GET", path)
        assert status == 404, path
        assert b"Traceback" not in data
    status, _, _ = request(server, "GET", "/api/step")
    assert status == 405
    status, _, _ = request(server, "DELETE", "/api/state")
    assert status == 405


def test_errors_are_one_json_line_without_traceback(server):
    cases = [
        ("POST", "/api/reset", {"config": {"lr": "fast"}}, 400, "config.lr"),
        ("POST", "/api/reset", b"{not json", 400, "not JSON"),
        ("POST", "/api/step", {"unit": "century"}, 400, "unit"),
        ("GET", "/api/formula?layer=x&row=0", None, 400, "layer"),
        ("GET", "/api/formula?layer=9&row=0", None, 400, "layer"),
        ("GET", "/api/explain?convention=other", None, 400, "convention"),
        ("POST", "/api/upload", b"a,b\n\x00,\xff\n", 400, "upload"),
        ("POST", "/api/play", {"running": "yes"}, 400, "running"),
    ]
    for method, path, body, want, word in cases:
        status, headers, data = request(server, method, path, body)
        assert status == want, (path, data)
        assert headers["Content-Type"].startswith("application/json")
        message = json.loads(data)["error"]
        assert word in message
        assert "Traceback" not in message
        assert "\n" not in message


def test_a_session_through_the_api(server, tmp_path):
    cfg = api(server, "GET", "/api/config")
    assert {d["name"] for d in cfg["datasets"]} >= {"circle", "xor", "spiral", "plane"}
    st = api(server, "POST", "/api/reset", {"config": {"dataset": "xor", "batch_size": 10}})
    assert st["iteration"] == 0
    assert st["config"]["dataset"] == "xor"
    st = api(server, "POST", "/api/step", {"unit": "batch"})
    assert st["iteration"] == 1
    J_server = st["cost"]["J"]
    assert J_server is not None
    st = api(server, "POST", "/api/step", {"unit": "micro"})
    assert st["phase"]["name"] == "forward"
    micro = api(server, "GET", "/api/micro")
    assert micro["layers"][0]["Z"] is not None
    assert api(server, "GET", "/api/maps?resolution=8&neuron_resolution=4")["kind"] == "grid"
    assert len(api(server, "GET", "/api/points")["train"]) == st["n_train"]
    assert api(server, "GET", "/api/explain?convention=cost")["convention"] == "cost"
    f = api(server, "GET", "/api/formula?layer=1&row=0&col=1")
    assert f["equal"] is True
    assert api(server, "GET", "/api/gradcheck")["status"] == "pass"
    assert api(server, "GET", "/api/command")["command"].startswith("chainrule train")
    status, headers, model = request(server, "GET", f"/api/export/model?token={server.token}",
                                     token=False)  # fmt: skip
    assert status == 200
    assert "attachment" in headers["Content-Disposition"]
    (tmp_path / "m.npz").write_bytes(model)
    net = chainrule.load(tmp_path / "m.npz")
    assert net.layer_dims == st["layer_dims"]
    status, _, text = request(server, "GET", "/api/export/history?format=csv")
    assert status == 200
    assert text.startswith(b"iteration,")
    status, _, text = request(server, "GET", "/api/export/data")
    assert text.splitlines()[0] == b"x1,x2,y"


def test_upload_over_http(server):
    rng = np.random.default_rng(0)
    X = rng.uniform(-4, 4, (80, 2))
    body = "".join(f"{a},{b},{int(a * b > 0)}\n" for a, b in X).encode()
    out = api(server, "POST", "/api/upload?name=mine.csv", body,
              headers={"Content-Type": "text/csv"})  # fmt: skip
    assert out["n_rows"] == 80
    assert out["state"]["config"]["dataset"] == "upload"


def test_play_and_pause_over_http(server):
    api(server, "POST", "/api/reset", {"config": {"dataset": "circle"}})
    st = api(server, "POST", "/api/play", {"running": True})
    assert st["running"] is True
    deadline = time.monotonic() + 10
    while api(server, "GET", "/api/state")["iteration"] < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    st = api(server, "POST", "/api/play", {"running": False})
    assert st["running"] is False
    assert st["iteration"] >= 3


def test_non_loopback_host_needs_the_token_for_static_files_too():
    srv = PlaygroundServer(Session({"n_points": 60}), host="0.0.0.0", port=0)
    srv.serve_in_thread()
    try:
        host = f"0.0.0.0:{srv.port}"
        status, _, _ = request(srv, "GET", "/", token=False, host=host)
        assert status == 401
        status, headers, _ = request(srv, "GET", f"/?token={srv.token}", token=False, host=host)
        assert status == 200
        cookie = headers["Set-Cookie"].split(";")[0]
        status, _, _ = request(srv, "GET", "/static/app.js", token=False, host=host,
                               headers={"Cookie": cookie})  # fmt: skip
        assert status == 200
        status, _, _ = request(srv, "GET", "/static/app.js", token=False, host=host)
        assert status == 401
        # the cookie does not open the API (it needs the header)
        status, _, _ = request(srv, "GET", "/api/config", token=False, host=host,
                               headers={"Cookie": cookie})  # fmt: skip
        assert status == 401
        import socket

        status, _, _ = request(srv, "GET", "/", token=False, host=f"evil.example:{srv.port}")
        assert status == 403  # still only this machine's names
        name = socket.gethostname()
        status, _, _ = request(srv, "GET", f"/?token={srv.token}", token=False,
                               host=f"{name}:{srv.port}")  # fmt: skip
        assert status == 200  # a wildcard bind answers to the machine's own name
    finally:
        srv.close()


def test_a_bug_is_a_500_naming_its_type_only(capfd):
    class Broken(Session):
        def points(self):
            raise RuntimeError("secret internals /home/someone/path")

    srv = PlaygroundServer(Broken({"n_points": 60}), port=0)
    srv.serve_in_thread()
    try:
        status, headers, data = request(srv, "GET", "/api/points")
    finally:
        srv.close()
    assert status == 500
    assert headers["Content-Type"].startswith("application/json")
    message = json.loads(data)["error"]
    assert "RuntimeError" in message
    assert "secret" not in message
    assert "Traceback" not in message
    assert "Traceback" in capfd.readouterr().err  # kept on the server's side
