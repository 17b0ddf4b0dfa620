"""Filling a canned response's `{placeholder}`s: plain substitution, never `str.format` (which would let a
template reach attributes like `{0.__class__}`). Doubled braces `{{` and `}}` stand for literal ones."""

from __future__ import annotations

import re

from carebird.casework.errors import Invalid

_TOKEN = re.compile(r"\{\{|\}\}|\{([a-z][a-z0-9_]{0,39})\}")


def placeholders(template: str) -> list[str]:
    """The placeholder names of `template`, in order of first appearance."""
    names: list[str] = []
    for match in _TOKEN.finditer(template):
        name = match.group(1)
        if name and name not in names:
            names.append(name)
    return names


def render(template: str, values: dict[str, str]) -> str:
    """`template` with every placeholder replaced; Invalid naming each one without a value."""
    missing = [name for name in placeholders(template) if name not in values]
    if missing:
        raise Invalid(
            "the canned response needs values for " + ", ".join(missing) + " (pass them in `variables`)"
        )

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return values[match.group(1)]

    return _TOKEN.sub(substitute, template)
