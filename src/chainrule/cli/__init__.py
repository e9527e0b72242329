"""The ``chainrule`` command line.

``main(argv=None) -> int`` builds one argparse parser whose sub-commands come
from the modules listed in :data:`COMMAND_MODULES`; each module defines
``register(subparsers)``, which adds its sub-parser(s) and sets ``func`` to a
``run(args) -> int`` function.

The package, bottom up (a module imports only those above it in this list)::

    _common.py    UsageError, one-line usage errors, signals, add_command
    options.py    argument types (one validation style) and the option groups
    prepare.py    data -> network input: load, fit or apply the scaling, encode targets
    report.py     metrics (cost, accuracy, MSE, R²) and how numbers are printed
    train.py      chainrule train
    predict.py    chainrule evaluate, chainrule predict (and where the class is decided)
    verify.py     chainrule gradcheck, explain, derive
    course.py     chainrule course          nielsen.py   chainrule nielsen
    check.py      chainrule check           export.py    chainrule export
    playground.py chainrule playground (the web app of chainrule.playground)
    __init__.py   main: the parser, dispatch, exit codes

Exit codes: 0 success, 2 usage error (argparse's own, or :class:`UsageError`),
1 any other failure.  User errors print one clear line on stderr, never a
traceback (set ``CHAINRULE_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from chainrule._version import __version__
from chainrule.cli._common import (
    OptionValueError,
    Terminated,
    UsageError,
    interrupt_exit_code,
    one_line_errors,
    signal_name,
)

__all__ = ["COMMAND_MODULES", "Terminated", "UsageError", "build_parser", "main"]

COMMAND_MODULES = (
    "train",
    "predict",
    "course",
    "verify",
    "nielsen",
    "check",
    "export",
    "playground",
)
"""Sub-command modules of this package, in the order ``--help`` lists them."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description=(
            "Deep feed-forward networks from scratch on NumPy, with every backpropagation "
            "formula explicit, explained and verified."
        ),
    )
    one_line_errors(parser)  # `chainrule bogus`: one line on stderr, exit 2
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        modname = f"chainrule.cli.{name}"
        if importlib.util.find_spec(modname) is None:
            continue
        importlib.import_module(modname).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    SIGTERM is turned into :class:`Terminated` (a KeyboardInterrupt) while it runs, so
    that Ctrl-C and SIGTERM both end in one line on stderr, exit code 130 or 143, and
    (for ``train``) the work of the finished epochs written out.
    """
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        signal.signal(signal.SIGTERM, _raise_terminated)
        # Ctrl-C as a KeyboardInterrupt even where the shell started us with SIGINT ignored
        # (a background job of a script): the one way an interrupt keeps finished work
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return _main(argv)
    except KeyboardInterrupt as exc:  # during start-up, before a command runs
        print(f"chainrule: interrupted by {signal_name(exc)}", file=sys.stderr)
        return interrupt_exit_code(exc)
    finally:
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # exits 2 on argparse's own usage errors, 0 on --help
    except OptionValueError as exc:  # a value refused by an argument type of cli.options
        print(f"{exc.prog}: error: {exc}", file=sys.stderr)
        return 2
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except UsageError as exc:
        print(f"chainrule {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"chainrule {args.command}: interrupted by {signal_name(exc)}", file=sys.stderr)
        return interrupt_exit_code(exc)
    except (ValueError, TypeError, FileNotFoundError, OSError) as exc:
        if os.environ.get("CHAINRULE_DEBUG"):
            raise
        # a missing data set says --data DIR here, not data_dir= (data.DataNotFoundError)
        message = one_line(exc.for_cli() if hasattr(exc, "for_cli") else exc)
        print(f"chainrule {args.command}: error: {message}", file=sys.stderr)
        return 1
    except MemoryError as exc:
        if os.environ.get("CHAINRULE_DEBUG"):
            raise
        detail = f" ({one_line(exc)})" if str(exc) else ""
        print(
            f"chainrule {args.command}: error: out of memory{detail}; try smaller layers, "
            "a smaller --batch-size or less data",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:  # anything else: still one line, never a traceback
        if os.environ.get("CHAINRULE_DEBUG"):
            raise
        print(
            f"chainrule {args.command}: error: unexpected {type(exc).__name__}: {one_line(exc)} "
            "(a bug in chainrule; CHAINRULE_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1


def one_line(exc: BaseException | str) -> str:
    """An exception's message (or a message) on one line (its lines joined by spaces)."""
    return " ".join(line.strip() for line in str(exc).splitlines()) or type(exc).__name__
