r"""The renderers of a :class:`~chainrule.explain.document.Document`: Unicode text and Markdown.

* :func:`to_text`: for a terminal.  Each section's formula rows are aligned in three
  columns (formula, shapes, note); prose is wrapped at 96 characters; ``$`` math markers
  are dropped.
* :func:`to_markdown`: for Jupyter and the docs.  Rows become a table
  (``| | formula | shape | note |``), Unicode math becomes LaTeX through
  :func:`chainrule.symbolic.unicode_to_latex` (which needs no SymPy).
"""

from __future__ import annotations

import textwrap

from chainrule.explain.document import Document, Item, Para, Row, Rule, Shape

__all__ = ["fmt_shape", "md_math", "to_markdown", "to_text"]

WIDTH = 96
"""Text lines are wrapped at this many characters."""


def fmt_shape(shape: Shape) -> str:
    """``(3, "m")`` -> ``"(3, m)"``; ``()`` -> ``"scalar"``."""
    if len(shape) == 0:
        return "scalar"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _strip_math(text: str) -> str:
    return text.replace("$", "")


def md_math(text: str) -> str:
    """Prose with $Unicode math$ -> Markdown with $LaTeX$ (a span that does not parse stays)."""
    from chainrule.symbolic import unicode_to_latex

    parts = text.split("$")
    out = []
    for k, p in enumerate(parts):
        if k % 2 == 1:
            try:
                out.append(f"${unicode_to_latex(p)}$")
            except ValueError:
                out.append(p)
        else:
            out.append(p)
    return "".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", r"\|")


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text, width=WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    ) or [indent.rstrip()]


def _hang(text: str) -> list[str]:
    return textwrap.wrap(
        text, width=WIDTH, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False
    )


def _shapes_text(row: Row) -> str:
    return "  ".join(f"{n}: {fmt_shape(s)}" for n, s in row.shapes)


def to_text(doc: Document) -> str:
    """The document as Unicode text for a terminal."""
    lines = list(doc.title)
    for sec in doc.sections:
        head = _strip_math(sec.title)
        lines += ["", head, "─" * min(len(head), WIDTH)]
        rows = [it for it in sec.items if isinstance(it, Row)]
        width = min(max([len(r.formula) for r in rows] + [0]), 46)
        swidth = min(max([len(_shapes_text(r)) for r in rows] + [0]), 34)
        for it in sec.items:
            if isinstance(it, Para):
                lines += _wrap(_strip_math(it.text), "  ")
            elif isinstance(it, Item):
                lines += _hang(it.text)
            elif isinstance(it, Rule):
                lines.append(f"  ── {it.text} ──")
            else:
                if it.group:
                    lines.append(f"  {_strip_math(it.group)}")
                line = f"    {it.formula:<{width}}  {_shapes_text(it):<{swidth}}"
                if it.note:
                    line += f"  {_strip_math(it.note)}"
                lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def to_markdown(doc: Document) -> str:
    """The document as Markdown with LaTeX math (rows as tables, items as bullets)."""
    from chainrule.symbolic import unicode_to_latex

    title = doc.title
    lines = [f"### {md_math(title[0])}", ""] + [md_math(t) + "  " for t in title[1:]]
    for sec in doc.sections:
        lines += ["", f"#### {md_math(sec.title)}", ""]
        in_table = False
        in_list = False
        for it in sec.items:
            if in_list and not isinstance(it, Item):
                lines.append("")
                in_list = False
            if isinstance(it, Row):
                if not in_table:
                    lines += ["| | formula | shape | note |", "|---|---|---|---|"]
                    in_table = True
                shapes = ", ".join(f"${unicode_to_latex(n)}$: {fmt_shape(s)}" for n, s in it.shapes)
                lines.append(
                    f"| {_md_cell(md_math(it.group))} | "
                    f"${_md_cell(unicode_to_latex(it.formula))}$ | "
                    f"{_md_cell(shapes)} | {_md_cell(md_math(it.note))} |"
                )
            else:
                if in_table:
                    lines.append("")
                    in_table = False
                if isinstance(it, Rule):
                    lines.append(f"*— {md_math(it.text)} —*")
                    lines.append("")
                elif isinstance(it, Item):
                    lines.append(f"- {it.md}")
                    in_list = True
                else:
                    lines.append(md_math(it.text))
                    lines.append("")
    return "\n".join(lines).rstrip() + "\n"
