r"""The progress bar of ``fit``: a tqdm bar over the epochs and its postfix.

On a terminal, ``fit`` shows a bar whose postfix holds the last epoch's
numbers under short keys (:func:`format_postfix`): ``J`` (training cost),
``acc``, ``val_J``, ``val_acc``, to 4 significant digits.  When the terminal
is too narrow for all of them next to a bar of at least :data:`MIN_BAR`
columns, the least important are left out (training accuracy first, then
validation accuracy, then the training cost).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "BAR_FORMAT",
    "MIN_BAR",
    "POSTFIX_KEYS",
    "ProgressBar",
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


class ProgressBar:
    """The tqdm bar over the epochs that ``fit`` shows (nothing when not shown).

    Parameters
    ----------
    show : bool
    epochs : int
        The bar's total.
    """

    def __init__(self, show: bool, epochs: int) -> None:
        self.bar: Any = None
        if show:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=epochs, unit="epoch", leave=True, dynamic_ncols=True, bar_format=BAR_FORMAT
            )

    def epoch_done(self, logs: Mapping[str, float]) -> None:
        """One more epoch, with its numbers in the postfix (:func:`format_postfix`)."""
        if self.bar is not None:
            self.bar.set_postfix_str(format_postfix(logs, postfix_width(self.bar)), refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        """Close the bar (it stays on the screen)."""
        if self.bar is not None:
            self.bar.close()
