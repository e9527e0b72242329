"""Rich display in Jupyter: HTML and text tables, and whether a kernel is running.

Every object a learner looks at (a Network, a History, a Dataset, Gradients,
a gradient-check report, an explanation, a derivation) has a short ``repr``
and, for Jupyter, ``_repr_html_`` or ``_repr_markdown_`` built from the
helpers here.  IPython is never imported by chainrule: :func:`in_kernel` only
looks at it when the user's process has already imported it (a kernel has).
"""

from __future__ import annotations

import html
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["display", "html_table", "in_kernel", "text_table"]

Row = Sequence[Any]

# A small, theme-neutral style: Jupyter's own table CSS does the rest.
_TABLE = 'style="border-collapse:collapse;margin:0.25em 0"'
_CELL = 'style="padding:0.15em 0.75em;text-align:{align}"'


def _is_number(cell: Any) -> bool:
    text = str(cell).replace(",", "").replace("−", "-")
    try:
        float(text)
    except ValueError:
        return False
    return True


def html_table(
    header: Row,
    rows: Sequence[Row],
    *,
    caption: str = "",
    footer: Row | None = None,
) -> str:
    """An HTML table (numbers right-aligned but in the first column, a bold ``footer`` row).

    Every cell is escaped.
    """
    out = [f"<table {_TABLE}>"]
    if caption:
        out.append(f'<caption style="text-align:left">{html.escape(caption)}</caption>')
    out.append("<thead><tr>")
    out += [f"<th {_CELL.format(align='left')}>{html.escape(str(h))}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    body = [*rows, footer] if footer is not None else list(rows)
    for k, row in enumerate(body):
        weight = ' style="font-weight:bold"' if footer is not None and k == len(body) - 1 else ""
        out.append(f"<tr{weight}>")
        for j, cell in enumerate(row):
            align = "right" if j and _is_number(cell) else "left"
            out.append(f"<td {_CELL.format(align=align)}>{html.escape(str(cell))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def text_table(header: Row, rows: Sequence[Row], *, indent: str = "") -> str:
    """A plain-text table: columns padded, numbers right-aligned (not in the first column,
    which holds labels), a rule under the header."""
    cells = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = []
    for k, r in enumerate(cells):
        parts = [
            c.rjust(w) if k and j and _is_number(c) else c.ljust(w)
            for j, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append(indent + "  ".join(parts).rstrip())
        if k == 0:
            lines.append(indent + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def in_kernel() -> bool:
    """True inside a Jupyter (IPython) kernel; never imports IPython itself."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # a half-initialised or unusual IPython
        return False
    return shell is not None and getattr(shell, "kernel", None) is not None


def display(obj: Any, *, raw: bool = False, display_id: bool = False) -> Any:
    """``IPython.display.display`` (call only when :func:`in_kernel` is true)."""
    from IPython.display import display as ipython_display

    return ipython_display(obj, raw=raw, display_id=display_id)
