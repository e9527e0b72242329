"""The document model of an explanation: a title and sections of rows, paragraphs and rules.

A :class:`Document` says *what* is explained; :mod:`chainrule.explain.render` says how it
looks in a terminal (Unicode text) or a notebook (Markdown with LaTeX).  Text fields hold
prose with ``$…$`` around Unicode math (``"$∂L/∂Z[2]$ per example"``): the text renderer
drops the dollars, the Markdown renderer turns each math span into LaTeX.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Block", "Document", "Item", "Para", "Row", "Rule", "Section", "Shape"]

Shape = tuple[int | str, ...]
"""An array's shape: ``(n[l], m)`` with ``"m"`` when the batch size is not given; ``()`` for J."""


@dataclass
class Row:
    """One formula line: ``formula`` (Unicode math), the shapes it produces, a note.

    ``group`` (e.g. ``"layer 2: relu"``) is printed once above the rows it introduces.
    """

    formula: str
    shapes: list[tuple[str, Shape]] = field(default_factory=list)
    note: str = ""
    group: str = ""


@dataclass
class Para:
    """A paragraph of prose."""

    text: str


@dataclass
class Rule:
    """A labelled divider, e.g. where the per-example loss L ends and the cost J begins."""

    text: str


@dataclass
class Item:
    """A bullet: ``text`` for the terminal, ``md`` (Markdown with LaTeX) for notebooks."""

    text: str
    md: str


Block = Row | Para | Rule | Item


@dataclass
class Section:
    """A titled run of blocks."""

    title: str
    items: list[Block] = field(default_factory=list)


@dataclass
class Document:
    """The whole explanation: the title lines, then the sections in order."""

    title: list[str]
    sections: list[Section] = field(default_factory=list)
