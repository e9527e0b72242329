"""Helpers shared by the sub-command modules of :mod:`chainrule.cli`.

:func:`one_line_errors` gives every sub-command the same usage-error
behaviour: one line on stderr, ``chainrule <command>: error: <what> (see
'chainrule <command> --help')``, exit code 2 -- instead of argparse's default,
which prints the whole usage block first.  Unknown options after a
sub-command (``chainrule derive --bogus``) are reported by that sub-command's
parser, so the message names the command instead of plain ``chainrule``.
"""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

__all__ = ["one_line_errors"]


def one_line_errors(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make ``parser`` report a usage error as one line (not the whole usage block), exit 2.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        A sub-command's parser (as returned by ``subparsers.add_parser``); it is
        changed in place.

    Returns
    -------
    argparse.ArgumentParser
        The same parser, for chaining.

    Notes
    -----
    Two things change.  ``parser.error`` prints
    ``<prog>: error: <message> (see '<prog> --help')`` and exits 2.  And
    ``parser.parse_known_args`` refuses leftover arguments itself: argparse's
    sub-parsers hand unknown options back to the top-level parser, whose error
    would name ``chainrule`` instead of the sub-command.
    """

    def error(message: str) -> NoReturn:
        parser.exit(2, f"{parser.prog}: error: {message} (see '{parser.prog} --help')\n")

    parser.error = error  # type: ignore[method-assign]
    parse_known_args = parser.parse_known_args

    def strict_parse_known_args(args: Any = None, namespace: Any = None) -> Any:
        ns, extras = parse_known_args(args, namespace)
        if extras:
            error(f"unrecognized arguments: {' '.join(extras)}")
        return ns, extras

    parser.parse_known_args = strict_parse_known_args  # type: ignore[method-assign]
    return parser
