"""The ``chainrule`` command line.

``main(argv=None) -> int`` builds one argparse parser whose sub-commands come
from the modules listed in :data:`COMMAND_MODULES`; each module defines
``register(subparsers)``, which adds its sub-parser(s) and sets ``func`` to a
``run(args) -> int`` function.

Exit codes: 0 success, 2 usage error (argparse's own, or :class:`UsageError`),
1 any other failure.  User errors print one clear line on stderr, never a
traceback (set ``CHAINRULE_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence

from chainrule._version import __version__
from chainrule.cli._common import one_line_errors

__all__ = ["COMMAND_MODULES", "UsageError", "build_parser", "main"]

COMMAND_MODULES = ("train", "course", "verify", "nielsen", "check", "export")
"""Sub-command modules of this package, in the order ``--help`` lists them."""


class UsageError(Exception):
    """A bad combination of command-line options (exit code 2)."""


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
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors, 0 on --help
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except UsageError as exc:
        print(f"chainrule {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("chainrule: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, FileNotFoundError, OSError) as exc:
        if os.environ.get("CHAINRULE_DEBUG"):
            raise
        print(f"chainrule {args.command}: error: {exc}", file=sys.stderr)
        return 1
