"""Running the learner's code: silenced, time-limited, on copies; what changed in the inputs."""

from __future__ import annotations

import contextlib
import io
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_TIMEOUT = 10.0


@dataclass
class _Raised:
    kind: str  # "raised" or "timeout"
    message: str


def _call(fn: Callable[..., Any], args: tuple[Any, ...], timeout: float | None) -> Any:
    """fn(*args) with stdout silenced; a _Raised for an exception or a call that overran."""
    box: list[Any] = []

    def target() -> None:
        try:
            with np.errstate(all="ignore"):
                box.append(fn(*args))
        except BaseException as exc:  # the learner's code may raise anything
            message = f"raised {type(exc).__name__}: {exc}".strip() + _line(exc)
            box.append(_Raised("raised", message))

    # sys.stdout is redirected here, in the caller's thread, so that it is restored even
    # when the call is abandoned (what an abandoned call prints later is not caught)
    with contextlib.redirect_stdout(io.StringIO()):
        if timeout is None:
            target()
        else:
            thread = threading.Thread(target=target, daemon=True, name="chainrule-check-call")
            thread.start()
            thread.join(timeout)
            if thread.is_alive():  # abandoned: a thread cannot be stopped from outside
                message = f"did not return within {timeout:g} s (an endless loop?)"
                return _Raised("timeout", message)
    return box[0]


def _line(exc: BaseException) -> str:
    """`` (file.py, line N)``: the last line of the learner's code in the traceback."""
    here = Path(__file__).resolve().parents[2]  # the chainrule package
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename)
        if here not in path.parents and "numpy" not in path.parts and "threading" not in path.name:
            return f" ({path.name}, line {frame.lineno})"
    return ""


def _same(a: Any, b: Any) -> bool:
    """Whether an argument is unchanged (arrays bit for bit, containers entry by entry)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return (
            isinstance(b, (list, tuple))
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    return bool(a == b)


def _changed_leaf(a: Any, b: Any, path: str) -> str:
    """The first place where ``b`` differs from the original ``a``."""
    if isinstance(a, Mapping) and isinstance(b, Mapping) and a.keys() == b.keys():
        for k in a:
            if not _same(a[k], b[k]):
                return _changed_leaf(a[k], b[k], f"{path}[{k!r}]")
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if not _same(x, y):
                return _changed_leaf(x, y, f"{path}[{i}]")
    return path
