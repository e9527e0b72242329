r"""The progress bar of ``fit``: a tqdm bar over the epochs and its postfix.

On a terminal, ``fit`` shows a bar whose postfix holds the last epoch's
numbers under short keys (:func:`format_postfix`): ``J`` (training cost),
``acc``, ``val_J``, ``val_acc``, to 4 significant digits.  When the terminal
is too narrow for all of them next to a bar of at least :data:`MIN_BAR`
columns, the least important are left out (training accuracy first, then
validation accuracy, then the training cost).

In a Jupyter kernel (:func:`default_show`: shown there by default) the bar is
an HTML bar with the same line of text under it, updated in place through one
display (no widget library needed).  It ends green when training ended as
asked (every epoch, early stopping, a callback's stop) and red when it
diverged or was interrupted, and the final line, with the last epoch's numbers
and how training ended, is kept as the output's plain text: it survives saving
the notebook and reads the same in a viewer that runs no JavaScript.
"""

from __future__ import annotations

import html
import math
import sys
import time
from collections.abc import Mapping
from typing import Any

from chainrule._display import display, in_kernel

__all__ = [
    "BAR_FORMAT",
    "MIN_BAR",
    "POSTFIX_KEYS",
    "NotebookBar",
    "ProgressBar",
    "default_show",
    "format_postfix",
    "postfix_width",
]

# The progress bar: percentage, bar, epochs done/total, elapsed<remaining, postfix.
# (tqdm's default also shows a description and the rate, which leave no room for the
# numbers on an 80-column terminal; the remaining time says what the rate would.)
BAR_FORMAT = "{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]"
MIN_BAR = 10  # columns the bar keeps before numbers are left out of the postfix

# logs key -> (postfix key, importance: the lowest is left out first when space is short)
POSTFIX_KEYS: dict[str, tuple[str, int]] = {
    "cost": ("J", 2),
    "accuracy": ("acc", 0),
    "val_cost": ("val_J", 3),
    "val_accuracy": ("val_acc", 1),
}


def format_postfix(logs: Mapping[str, float], width: int | None = None) -> str:
    """The progress bar's postfix for one epoch's ``logs``: ``"J=0.2134 acc=0.991 ..."``.

    Parameters
    ----------
    logs : mapping of str to float
        The values ``fit`` hands to its callback: ``cost``, ``accuracy`` and,
        with validation data, ``val_cost``, ``val_accuracy``.  They are shown
        as ``J``, ``acc``, ``val_J``, ``val_acc`` (other keys under their own
        names), in the order of ``logs``, to 4 significant digits; NaN values (the
        accuracy of a regression) are left out.
    width : int, optional
        The most characters the postfix may take.  When all the values do not
        fit, the least important are left out: other keys first, then the
        training accuracy, the validation accuracy and the training cost; the
        most important one (``val_J``, else ``J``) is always kept, even if it
        alone is wider.  None: no limit.

    Returns
    -------
    str
        ``"key=value"`` items separated by single spaces (empty for no values).

    Examples
    --------
    >>> format_postfix({"cost": 0.213456, "accuracy": 0.9125})
    'J=0.2135 acc=0.9125'
    >>> logs = {"cost": 0.2, "accuracy": 0.9, "val_cost": 0.31, "val_accuracy": 0.875}
    >>> format_postfix(logs, width=30)
    'J=0.2 val_J=0.31 val_acc=0.875'
    """
    items: list[tuple[int, int, str]] = []  # (importance, position, "key=value")
    for pos, (key, value) in enumerate(logs.items()):
        v = float(value)
        if math.isnan(v):
            continue
        short, importance = POSTFIX_KEYS.get(key, (key, -1))
        items.append((importance, pos, f"{short}={v:.4g}"))
    while width is not None and len(items) > 1 and len(" ".join(t for *_, t in items)) > width:
        items.remove(min(items, key=lambda t: (t[0], -t[1])))  # least important, latest
    return " ".join(t for *_, t in items)


def postfix_width(bar: Any) -> int | None:
    """Columns left for the postfix when the bar keeps ``MIN_BAR`` columns (None: no limit).

    The terminal's width (tqdm re-reads it with ``dynamic_ncols``) less the
    rest of the line, as tqdm itself would format it without a bar.
    """
    try:
        fd = dict(bar.format_dict)
        ncols = fd.get("ncols")
        if not ncols:  # a notebook widget, or a stream of unknown width
            return None
        fd.update(ncols=None, postfix=None, bar_format=BAR_FORMAT.replace("{bar}", ""))
        rest = len(bar.format_meter(**fd))
    except (AttributeError, KeyError, TypeError, ValueError):  # another tqdm flavour
        return None
    return max(0, int(ncols) - rest - len(", ") - MIN_BAR)


def default_show() -> bool:
    """Whether ``fit`` shows a bar when not told: on a terminal, and in a Jupyter kernel."""
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stderr, or a closed one
        tty = False
    return tty or in_kernel()


# the final line of a run that ended early as asked: epochs done of those allowed
_SHORT_FORMAT = "{n_fmt}/{total_fmt} epochs [{elapsed}{postfix}]"

# the bar's colours in a notebook: running, success, failure
_COLORS = {"running": "#1f77b4", "success": "#2ca02c", "danger": "#d62728"}


class NotebookBar:
    """The progress bar in a Jupyter kernel: one display, updated in place.

    Each update replaces the display's MIME bundle: ``text/html`` (a bar and
    the line of text) and ``text/plain`` (the line as tqdm formats it on a
    terminal).  Updates come at most every ``mininterval`` seconds, and always
    at :meth:`close`, so that what is left is the final state.

    Parameters
    ----------
    epochs : int
        The bar's total.
    mininterval : float, default=0.1
        Seconds between two updates of the display.
    """

    def __init__(self, epochs: int, mininterval: float = 0.1) -> None:
        self.total = int(epochs)
        self.n = 0
        self.postfix = ""
        self.state = "running"
        self.note = ""
        self.mininterval = mininterval
        self._start = time.monotonic()
        self._last = -math.inf
        self.handle: Any = display(self.bundle(), raw=True, display_id=True)

    def line(self) -> str:
        """The plain-text line: tqdm's terminal format, then how training ended."""
        from tqdm import tqdm

        elapsed = time.monotonic() - self._start
        # ended before the last epoch as asked (early stopping): no percentage, no time left
        short = self.state == "success" and self.n < self.total
        text: str = tqdm.format_meter(
            self.n,
            self.total,
            elapsed,
            bar_format=_SHORT_FORMAT if short else BAR_FORMAT,
            postfix=self.postfix or None,
            unit="epoch",
        )
        return f"{text} {self.note}" if self.note else text

    def bundle(self) -> dict[str, str]:
        """The MIME bundle shown now: ``text/html`` and ``text/plain``."""
        line = self.line()
        done = self.state == "success"
        frac = 1.0 if done else (self.n / self.total if self.total else 0.0)
        color = _COLORS[self.state]
        bar = (
            '<div style="width:16em;max-width:40%;height:0.9em;background:#e0e0e0;'
            'border-radius:3px;flex:none">'
            f'<div style="width:{100 * frac:.1f}%;height:100%;background:{color};'
            'border-radius:3px"></div></div>'
        )
        text = (
            '<span style="font-family:monospace;white-space:pre-wrap;min-width:0">'
            f"{html.escape(line)}</span>"
        )
        page = (
            f'<div class="chainrule-progress" data-state="{self.state}" '
            f'style="display:flex;align-items:center;gap:0.75em">{bar}{text}</div>'
        )
        return {"text/html": page, "text/plain": line}

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.mininterval:
            self._last = now
            self.handle.update(self.bundle(), raw=True)

    def update(self, postfix: str) -> None:
        """One more epoch, with its numbers."""
        self.n += 1
        self.postfix = postfix
        self._refresh(force=self.n >= self.total)

    def close(self, success: bool = True, note: str = "") -> None:
        """The final state: green (``success``) or red, and ``note`` after the numbers."""
        self.state = "success" if success else "danger"
        self.note = note
        self._refresh(force=True)


class ProgressBar:
    """The bar over the epochs that ``fit`` shows (nothing when not shown).

    A tqdm bar on a terminal (or any stream), a :class:`NotebookBar` in a
    Jupyter kernel.

    Parameters
    ----------
    show : bool
    epochs : int
        The bar's total.
    """

    def __init__(self, show: bool, epochs: int) -> None:
        self.bar: Any = None
        self.notebook: NotebookBar | None = None
        if show and in_kernel():
            self.notebook = NotebookBar(epochs)
        elif show:
            from tqdm import tqdm

            self.bar = tqdm(
                total=epochs, unit="epoch", leave=True, dynamic_ncols=True, bar_format=BAR_FORMAT
            )

    def epoch_done(self, logs: Mapping[str, float]) -> None:
        """One more epoch, with its numbers in the postfix (:func:`format_postfix`)."""
        if self.notebook is not None:
            self.notebook.update(format_postfix(logs))
        if self.bar is not None:
            self.bar.set_postfix_str(format_postfix(logs, postfix_width(self.bar)), refresh=False)
            self.bar.update(1)

    def close(self, success: bool = True, note: str = "") -> None:
        """Close the bar (it stays on the screen).

        ``success``: training ended as asked, possibly before the last epoch
        (early stopping, a callback); the notebook bar then ends green, else
        red.  ``note``: a few words on how training ended, shown after the
        numbers in a notebook.
        """
        if self.notebook is not None:
            self.notebook.close(success, note)
        if self.bar is not None:
            self.bar.close()
