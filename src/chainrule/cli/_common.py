"""What every sub-command module of :mod:`chainrule.cli` shares: errors and parsers.

* :class:`UsageError` -- a bad option value or a bad combination of options, exit code 2;
  :class:`Terminated` -- SIGTERM, raised like Ctrl-C's KeyboardInterrupt.
* :func:`add_command` -- a sub-command's parser, with the behaviour of
  :func:`one_line_errors`: a usage error is one line on stderr,
  ``chainrule <command>: error: <what> (see 'chainrule <command> --help')``, exit code 2,
  instead of argparse's whole usage block.
* :func:`refuse_overwriting_inputs` -- a usage error when a file a command would
  write (``train --out``, ``predict --output``) is one of the files it reads.

The option *values* are checked by the argument types of :mod:`chainrule.cli.options`,
which raise :class:`argparse.ArgumentTypeError` with a message that names the option;
the parser turns it into :class:`OptionValueError` (a :class:`UsageError`), which
:func:`chainrule.cli.main` reports as that one line and returns 2 from.
"""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "EXIT_CODES",
    "OptionValueError",
    "Terminated",
    "UsageError",
    "add_command",
    "interrupt_exit_code",
    "one_line_errors",
    "refuse_overwriting_inputs",
    "same_path",
    "signal_name",
]

EXIT_CODES = "Exit codes: 0 success, 2 usage error, 1 other failure (one line on stderr)."
"""The epilog of the commands whose exit codes are the usual three."""


class UsageError(Exception):
    """A bad combination of command-line options (exit code 2)."""


class OptionValueError(UsageError):
    """A bad value of one option, found while parsing (exit code 2).

    ``prog`` is the sub-command's program name (``chainrule train``), which the
    one-line message starts with.
    """

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(f"{message} (see '{prog} --help')")
        self.prog = prog


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so that the same code keeps work."""


def signal_name(exc: BaseException) -> str:
    """How an interruption came: ``SIGTERM`` or ``SIGINT (Ctrl-C)``."""
    return "SIGTERM" if isinstance(exc, Terminated) else "SIGINT (Ctrl-C)"


def interrupt_exit_code(exc: BaseException) -> int:
    """128 + the signal's number, as shells report a process killed by it."""
    return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)


def add_command(
    subparsers: Any,
    name: str,
    func: Callable[[argparse.Namespace], int],
    *,
    help: str,
    description: str,
    epilog: str = EXIT_CODES,
) -> argparse.ArgumentParser:
    """A new sub-command ``name`` that runs ``func(args)``, with one-line usage errors."""
    p = subparsers.add_parser(name, help=help, description=description, epilog=epilog)
    p.set_defaults(func=func)
    return one_line_errors(p)


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
    Three things change.  ``parser.error`` prints
    ``<prog>: error: <message> (see '<prog> --help')`` and exits 2.
    ``parser.parse_known_args`` refuses leftover arguments itself: argparse's
    sub-parsers hand unknown options back to the top-level parser, whose error
    would name ``chainrule`` instead of the sub-command.  And a value refused by an
    argument type (:mod:`chainrule.cli.options`) raises :class:`OptionValueError`
    with the type's own message, which names the option, so that ``main`` returns 2
    for it as for the checks made after parsing.
    """

    def error(message: str) -> NoReturn:
        parser.exit(2, f"{parser.prog}: error: {message} (see '{parser.prog} --help')\n")

    parser.error = error  # type: ignore[method-assign]
    parser.exit_on_error = False  # argparse.ArgumentError reaches the wrapper below
    parse_known_args = parser.parse_known_args

    def strict_parse_known_args(args: Any = None, namespace: Any = None) -> Any:
        try:
            ns, extras = parse_known_args(args, namespace)
        except argparse.ArgumentError as exc:
            if isinstance(exc.__context__, argparse.ArgumentTypeError):
                raise OptionValueError(parser.prog, str(exc.__context__)) from None
            error(str(exc))
        if extras:
            error(f"unrecognized arguments: {' '.join(extras)}")
        return ns, extras

    parser.parse_known_args = strict_parse_known_args  # type: ignore[method-assign]
    return parser


def same_path(a: Path, b: Path) -> bool:
    """Do ``a`` and ``b`` name the same file: the same resolved path, or the same inode?"""
    try:
        if a.expanduser().resolve() == b.expanduser().resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def refuse_overwriting_inputs(
    option: str, outputs: list[Path], inputs: list[tuple[str, Any]]
) -> None:
    """A usage error when a file this command would write is one of the files it reads."""
    for out in outputs:
        for in_option, given in inputs:
            if given is not None and same_path(out, Path(str(given))):
                raise UsageError(
                    f"{option} would overwrite {out}, which is the input given as {in_option} "
                    f"({given}); choose another {option}"
                )
