"""``chainrule playground``: the chain rule running in your browser, served from this machine.

::

    chainrule playground
    chainrule playground --port 8765 --no-browser
    chainrule playground --data points.csv --seed 3

Serves the playground (:mod:`chainrule.playground`) on 127.0.0.1 (a free port unless
``--port``), prints the URL with its launch token, opens it in the browser unless
``--no-browser``, and runs until Ctrl-C (exit code 0).  ``--host`` binds elsewhere; the
token is then required for every request, static files included.

Exit codes: 0 stopped by Ctrl-C (or SIGTERM); 1 the port is taken or the data cannot be
read; 2 a usage error (a bad option).
"""

from __future__ import annotations

import argparse
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Any

from chainrule.cli._common import UsageError, add_command, signal_name
from chainrule.cli.options import nonneg_int

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``playground`` sub-command."""
    p = add_command(
        subparsers,
        "playground",
        run,
        help="watch the chain rule run, step by step, in your browser (a local web app)",
        description=(
            "Serve the playground on this machine and open it in the browser: 2-D data sets, "
            "the cat and MNIST presets or your own CSV, a network you shape, trained by "
            "chainrule's own forward pass, backward pass and optimizer, one mini-batch, one "
            "epoch or one layer at a time, with the formula chain, the gradients and where "
            "1/m enters. No internet needed. Stop it with Ctrl-C."
        ),
        epilog=(
            "Exit codes: 0 stopped by Ctrl-C, 1 the port is taken or the data cannot be "
            "read, 2 usage error."
        ),
    )
    p.add_argument(
        "--port",
        type=nonneg_int("--port"),
        default=0,
        metavar="N",
        help="port to listen on (default: 0, a free port)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help=(
            "address to listen on (default: 127.0.0.1, this machine only); any other "
            "address requires the launch token on every request"
        ),
    )
    p.add_argument(
        "--no-browser", action="store_true", help="print the URL but do not open a browser"
    )
    p.add_argument(
        "--data",
        metavar="FILE|DIR",
        default=None,
        help=(
            "a .csv file (one example per row, the label last) to start with, or the folder "
            "with catvnoncat/ and mnist/ for the image presets (default: $CHAINRULE_DATA or "
            "../shared/data)"
        ),
    )
    p.add_argument(
        "--seed",
        type=nonneg_int("--seed"),
        default=0,
        metavar="S",
        help="the first data seed and init seed (default: 0); the page changes them",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from chainrule.playground.server import PlaygroundServer, is_loopback
    from chainrule.playground.session import Session, SessionError

    if args.port > 65535:
        raise UsageError(f"--port must be in [0, 65535], got {args.port}")
    data_dir: Path | None = None
    upload: Path | None = None
    if args.data is not None:
        given = Path(args.data).expanduser()
        if given.is_dir():
            data_dir = given
        elif given.is_file():
            if given.suffix.lower() != ".csv":
                raise UsageError(f"--data: expected a .csv file or a folder, got {given}")
            upload = given
        else:
            raise FileNotFoundError(f"--data: no such file or folder: {given}")
    try:
        session = Session(
            {"data_seed": args.seed, "init_seed": args.seed}, data_dir=data_dir, upload=upload
        )
    except SessionError as exc:
        raise ValueError(str(exc).replace("upload:", "--data:", 1)) from None
    try:
        server = PlaygroundServer(session, host=args.host, port=args.port)
    except OSError as exc:
        session.close()
        raise OSError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    print(f"chainrule playground: serving on {server.url}", flush=True)
    if not is_loopback(args.host):
        print(
            f"chainrule playground: listening on {args.host}, beyond this machine: anyone "
            "with the URL (its token) can use it",
            file=sys.stderr,
            flush=True,
        )
    print("chainrule playground: Ctrl-C stops it", file=sys.stderr, flush=True)
    if not args.no_browser:
        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt as exc:
        print(f"\nchainrule playground: stopped by {signal_name(exc)}", file=sys.stderr)
    finally:
        session.close()
        server.server_close()
    return 0
