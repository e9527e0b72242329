"""A griffe extension for the API reference: chainrule's reST-flavoured docstrings as Markdown.

mkdocstrings renders docstrings as Markdown.  chainrule's docstrings are NumPy style with two
reST habits that Markdown does not know: roles (:func:`fit`, :class:`~chainrule.History`),
shown here as plain code, and doctest blocks (>>> lines) outside an Examples section,
fenced here as Python console code.  Loaded by mkdocs.yml (mkdocstrings' extensions).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

# the first NumPy-style section: griffe reads the >>> lines of an Examples section itself
_SECTION = re.compile(
    r"^[ \t]*(Parameters|Other Parameters|Returns|Yields|Receives|Raises|Warns|Warnings|"
    r"See Also|Notes|References|Examples|Attributes|Methods)\n[ \t]*-{3,}[ \t]*$",
    re.MULTILINE,
)
_ROLE = re.compile(r":(?:py:)?(?:mod|func|meth|class|data|attr|exc|obj|const):`(~?)([^`]+)`")


def _role(match: re.Match[str]) -> str:
    target = match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if match.group(1) else target}`"


def fence_doctests(text: str) -> str:
    """Wrap every run of >>> lines (with their output, up to a blank line) in a pycon fence."""
    lines, out, i, in_fence = text.split("\n"), [], 0, False
    while i < len(lines):
        stripped = lines[i].lstrip()
        if stripped.startswith("```"):
            in_fence = not in_fence
        if stripped.startswith(">>>") and not in_fence:
            indent = lines[i][: len(lines[i]) - len(stripped)]
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i].removeprefix(indent))
                i += 1
            out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


class ChainruleDocstrings(griffe.Extension):
    """Roles to code, doctest blocks to fenced code, in every docstring."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            text = _ROLE.sub(_role, obj.docstring.value)
            section = _SECTION.search(text)
            cut = section.start() if section else len(text)
            obj.docstring.value = fence_doctests(text[:cut]) + text[cut:]
