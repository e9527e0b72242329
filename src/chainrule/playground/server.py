"""The playground's HTTP layer: the standard library's ``ThreadingHTTPServer`` over a Session.

The contract is ``API.md`` next to this file.  What this layer does besides routing:

* **a launch token** (``secrets.token_urlsafe``) in the printed URL; every ``/api/``
  request must carry it (header ``X-Chainrule-Token``, or ``?token=`` on a GET, for
  download links).  Static files need it too unless the server is on loopback; the page
  served with the right ``?token=`` sets a same-site cookie so that its scripts load;
* **DNS rebinding**: a ``Host`` header other than this server's ``host:port`` (or
  ``localhost:port`` / ``127.0.0.1:port`` on loopback; this machine's names and addresses
  on a wildcard bind) is refused with 403, and so is an ``Origin`` other than the server's
  own;
* **bounded bodies**: JSON bodies up to 64 KiB, uploads up to 5 MiB (413 beyond, read
  from ``Content-Length`` before anything is read);
* **no tracebacks out**: every error is ``{"error": "one line"}``; an unexpected exception
  is logged on the server's stderr and answered with a 500 naming only its type.

Uploads are CSV text, parsed by :func:`chainrule.data.read_table` through the session;
nothing received is unpickled or evaluated.
"""

from __future__ import annotations

import ipaddress
import json
import math
import mimetypes
import secrets
import socket
import sys
import threading
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chainrule.playground.config import MAX_UPLOAD_BYTES, SessionError
from chainrule.playground.session import Session

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_UPLOAD_BYTES",
    "STATIC_DIR",
    "TOKEN_HEADER",
    "PlaygroundServer",
    "is_loopback",
]

STATIC_DIR = Path(__file__).resolve().parent / "static"
TOKEN_HEADER = "X-Chainrule-Token"
COOKIE = "chainrule_playground"
MAX_JSON_BYTES = 64 * 1024
MAX_DRAIN_BYTES = 64 * 1024 * 1024
"""A refused body up to this size is read and dropped, so that the client sees the 413
(closing on a client still sending makes it see a reset instead)."""
CSP = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address to bind) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _machine_names() -> set[str]:
    """This machine's host name, full name and their addresses, and loopback (a wildcard bind)."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    for name in {socket.gethostname(), socket.getfqdn()}:
        if not name:
            continue
        names.add(name)
        try:
            infos = socket.getaddrinfo(name, None)
        except OSError:
            continue
        for info in infos:
            addr = str(info[4][0])
            names.add(f"[{addr}]" if ":" in addr else addr)
    return names


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _sanitize(obj: Any) -> Any:
    """NaN and ±inf → None, recursively (JSON has no NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _sanitize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_sanitize(v) for v in obj]
    return obj


def _json_bytes(obj: Any) -> bytes:
    try:
        text = json.dumps(obj, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        text = json.dumps(_sanitize(obj), allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8")


class PlaygroundServer(ThreadingHTTPServer):
    """The playground's server: a Session behind the routes of API.md.

    Parameters
    ----------
    session : Session
    host : str, default "127.0.0.1"
        Where to listen.  Any host that is not loopback makes the token required for
        every request, static files included.
    port : int, default 0
        0: a free port chosen by the system.
    token : str, optional
        The launch token (default: ``secrets.token_urlsafe(24)``).
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, session: Session, host: str = "127.0.0.1", port: int = 0, token: str | None = None
    ) -> None:
        if ":" in host and not host.startswith("["):
            self.address_family = socket.AF_INET6
        super().__init__((host.strip("[]"), port), _Handler)
        self.session = session
        self.host = host
        self.port = int(self.server_address[1])
        self.token = token or secrets.token_urlsafe(24)
        self.loopback = is_loopback(host)
        shown = f"[{host.strip('[]')}]" if ":" in host else host
        names = {shown}
        if self.loopback:
            names |= {"127.0.0.1", "localhost"}
        elif host.strip("[]") in ("0.0.0.0", "::"):
            names |= _machine_names()  # every address: the names this machine goes by
        self.allowed_hosts = {f"{n}:{self.port}" for n in names}
        self.allowed_origins = {f"http://{h}" for h in self.allowed_hosts}
        self.display_host = "127.0.0.1" if self.loopback and ":" not in host else shown

    @property
    def url(self) -> str:
        """The URL to open, token included."""
        return f"http://{self.display_host}:{self.port}/?token={self.token}"

    def serve_in_thread(self) -> threading.Thread:
        """Serve in a daemon thread (tests); stop with :meth:`shutdown`."""
        thread = threading.Thread(target=self.serve_forever, name="chainrule-playground-http")
        thread.daemon = True
        thread.start()
        return thread

    def close(self) -> None:
        """Stop training and serving, and free the port."""
        self.session.close()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    server_version = "chainrule-playground"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: with Nagle's algorithm on, a kept-alive
    # connection waits for the client's delayed ACK (~40 ms) before the body
    disable_nagle_algorithm = True

    # ---------------------------------------------------------------- plumbing

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the page polls often
        pass

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Content-Security-Policy", CSP)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, obj: Any, status: int = 200) -> None:
        self._send(status, _json_bytes(obj), "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        if status >= 400:
            self.close_connection = True  # a refused body may still be on the wire
        self._json({"error": message}, status)

    def _query(self) -> dict[str, str]:
        q = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        return {k: v[-1] for k, v in q.items()}

    def _int(self, q: dict[str, str], name: str, default: int | None = None) -> int | None:
        if name not in q or q[name] == "":
            return default
        try:
            return int(q[name])
        except ValueError:
            raise _HTTPError(400, f"{name} must be a whole number, got {q[name]!r}") from None

    def _body(self, limit: int) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise _HTTPError(411, "send the body with a Content-Length, not chunked")
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            raise _HTTPError(400, "Content-Length must be a number") from None
        if length < 0:
            raise _HTTPError(400, "Content-Length must not be negative")
        if length > limit:
            if length <= MAX_DRAIN_BYTES:
                left = length
                while left > 0:
                    chunk = self.rfile.read(min(left, 1 << 16))
                    if not chunk:
                        break
                    left -= len(chunk)
            raise _HTTPError(413, f"request body of {length} bytes; the limit is {limit} bytes")
        return self.rfile.read(length)

    def _json_body(self) -> dict[str, Any]:
        raw = self._body(MAX_JSON_BYTES)
        if not raw.strip():
            return {}
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _HTTPError(400, f"the body is not JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise _HTTPError(400, "the body must be a JSON object")
        return obj

    # ---------------------------------------------------------------- the checks

    def _check_host_and_origin(self) -> None:
        host = self.headers.get("Host", "")
        if host not in self.server.allowed_hosts:
            raise _HTTPError(403, f"refused: Host {host!r} is not this server")
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.server.allowed_origins:
            raise _HTTPError(403, f"refused: Origin {origin!r} is not this server")

    def _token_ok(self, allow_query: bool, allow_cookie: bool) -> bool:
        want = self.server.token
        given = self.headers.get(TOKEN_HEADER)
        if given is None and allow_query:
            given = self._query().get("token")
        if given is None and allow_cookie:
            morsel = SimpleCookie(self.headers.get("Cookie", "")).get(COOKIE)
            given = None if morsel is None else morsel.value
        return given is not None and secrets.compare_digest(given.encode(), want.encode())

    # ---------------------------------------------------------------- dispatch

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _refuse_method(self) -> None:
        try:
            self._check_host_and_origin()
            self._error(405, f"method {self.command} not allowed")
        except _HTTPError as exc:
            self._error(exc.status, str(exc))

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _dispatch(self, method: str) -> None:
        try:
            self._check_host_and_origin()
            path = urlsplit(self.path).path
            if path.startswith("/api/"):
                if not self._token_ok(allow_query=method == "GET", allow_cookie=False):
                    raise _HTTPError(401, f"missing or wrong launch token ({TOKEN_HEADER})")
                self._api(method, path)
            else:
                if method != "GET":
                    raise _HTTPError(405, f"method {method} not allowed on {path}")
                self._static(path)
        except _HTTPError as exc:
            self._error(exc.status, str(exc))
        except SessionError as exc:
            self._error(exc.status, str(exc))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # a bug: one line out, the traceback on the server's stderr
            import traceback

            traceback.print_exc(file=sys.stderr)
            self._error(500, f"internal error ({type(exc).__name__}); see the server's output")

    def _static(self, path: str) -> None:
        if not self.server.loopback and not self._token_ok(allow_query=True, allow_cookie=True):
            raise _HTTPError(401, "missing or wrong launch token")
        extra: dict[str, str] = {}
        if path in ("/", "/index.html"):
            file = STATIC_DIR / "index.html"
            if self._token_ok(allow_query=True, allow_cookie=False):
                # the page's own scripts and styles then carry the token (non-loopback hosts)
                extra["Set-Cookie"] = (
                    f"{COOKIE}={self.server.token}; Path=/; HttpOnly; SameSite=Strict"
                )
        elif path.startswith("/static/"):
            file = (STATIC_DIR / path.removeprefix("/static/")).resolve()
            if STATIC_DIR not in file.parents:
                raise _HTTPError(404, f"not found: {path}")
        elif path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
            return
        else:
            raise _HTTPError(404, f"not found: {path}")
        if not file.is_file():
            raise _HTTPError(404, f"not found: {path}")
        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if file.suffix in (".js", ".mjs"):
            ctype = "text/javascript"
        if ctype.startswith("text/") or ctype in ("application/json", "image/svg+xml"):
            ctype += "; charset=utf-8"
        self._send(200, file.read_bytes(), ctype, extra)

    def _api(self, method: str, path: str) -> None:
        s = self.server.session
        q = self._query()
        route = (method, path)
        if route == ("GET", "/api/config"):
            self._json(s.describe())
        elif route == ("GET", "/api/state"):
            self._json(s.state(self._int(q, "since"), self._int(q, "generation")))
        elif route == ("POST", "/api/reset"):
            body = self._json_body()
            reinit = body.get("reinit", False)
            if not isinstance(reinit, bool):
                raise _HTTPError(400, f"reinit must be true or false, got {reinit!r}")
            self._json(s.reset(body.get("config"), reinit=reinit))
        elif route == ("POST", "/api/tune"):
            self._json(s.tune(self._json_body().get("config", {})))
        elif route == ("POST", "/api/step"):
            self._json(s.step(self._json_body().get("unit", "batch")))
        elif route == ("POST", "/api/play"):
            body = self._json_body()
            running = body.get("running", True)
            if not isinstance(running, bool):
                raise _HTTPError(400, f"running must be true or false, got {running!r}")
            s.play(running, body.get("rate"))
            self._json(s.state())
        elif route == ("GET", "/api/micro"):
            self._json(s.micro())
        elif route == ("GET", "/api/maps"):
            self._json(
                s.maps(
                    self._int(q, "resolution", 60) or 60,
                    self._int(q, "neuron_resolution", 24) or 24,
                )
            )
        elif route == ("GET", "/api/points"):
            self._json(s.points())
        elif route == ("GET", "/api/explain"):
            self._json(s.explain(q.get("convention") or None))
        elif route == ("GET", "/api/formula"):
            layer, row = self._int(q, "layer"), self._int(q, "row")
            if layer is None or row is None:
                raise _HTTPError(400, "layer and row are required")
            self._json(s.formula(layer, row, self._int(q, "col")))
        elif route == ("GET", "/api/gradcheck"):
            self._json(s.gradcheck())
        elif route == ("POST", "/api/upload"):
            data = self._body(MAX_UPLOAD_BYTES)
            if not data:
                raise _HTTPError(400, "the upload is empty: send the CSV text as the body")
            name = Path(q.get("name") or "upload.csv").name[:100] or "upload.csv"
            self._json(s.upload(data, name))
        elif route == ("GET", "/api/export/model"):
            self._download(s.export_model_bytes(), "application/octet-stream",
                           "playground-model.npz")  # fmt: skip
        elif route == ("GET", "/api/export/history"):
            fmt = q.get("format", "json")
            text = s.export_history(fmt)
            ctype = "application/json" if fmt == "json" else "text/csv"
            self._download(text.encode(), f"{ctype}; charset=utf-8", f"playground-history.{fmt}")
        elif route == ("GET", "/api/export/data"):
            self._download(s.export_data_csv().encode(), "text/csv; charset=utf-8",
                           "playground-data.csv")  # fmt: skip
        elif route == ("GET", "/api/command"):
            self._json(s.command())
        else:
            known = {p for _, p in _ROUTES}
            if path in known:
                raise _HTTPError(405, f"method {method} not allowed on {path}")
            raise _HTTPError(404, f"not found: {path}")

    def _download(self, body: bytes, ctype: str, filename: str) -> None:
        self._send(200, body, ctype, {"Content-Disposition": f'attachment; filename="{filename}"'})


_ROUTES = [
    ("GET", "/api/config"),
    ("GET", "/api/state"),
    ("POST", "/api/reset"),
    ("POST", "/api/tune"),
    ("POST", "/api/step"),
    ("POST", "/api/play"),
    ("GET", "/api/micro"),
    ("GET", "/api/maps"),
    ("GET", "/api/points"),
    ("GET", "/api/explain"),
    ("GET", "/api/formula"),
    ("GET", "/api/gradcheck"),
    ("POST", "/api/upload"),
    ("GET", "/api/export/model"),
    ("GET", "/api/export/history"),
    ("GET", "/api/export/data"),
    ("GET", "/api/command"),
]
"""Every route of API.md (a known path with another method is a 405)."""
