"""Checks for free text typed by users (length limits come from Discord's own)."""

from __future__ import annotations

import re

from bot.core.errors import InvalidInput

# Never repeated back to anyone: C0 and C1 controls, DEL, and the bidi controls
# that reorder what follows them (LRM/RLM/ALM marks, embeddings, overrides and
# isolates), with which `abc` can be made to read as `cba` in an answer.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile("\r\n|[\n\r\t\v\f\u2028\u2029\x85]")


def clean_text(
    value: str, *, field: str, max_length: int, required: bool = False, multiline: bool = False
) -> str:
    """Free text to store: no controls or bidi overrides (it is shown to others later),
    one line unless `multiline`, ends trimmed; refused when empty (if `required`) or
    too long."""
    cleaned = printable(value, multiline=multiline).strip()
    if required and not cleaned:
        raise InvalidInput(f"The {field} cannot be empty.")
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"The {field} is {len(cleaned)} characters long; the limit is {max_length}."
        )
    return cleaned


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def printable(value: str, *, multiline: bool = False) -> str:
    """User text made safe to repeat back: controls and bidi overrides dropped.

    Line breaks and tabs become spaces, or, with `multiline`, line breaks stay
    as `\n` where a message has room for several lines.
    """
    if multiline:
        lines = re.split("\r\n|[\n\r\u2028\u2029\x85]", value)
        return "\n".join(_UNPRINTABLE.sub("", line.replace("\t", " ")) for line in lines)
    return _UNPRINTABLE.sub("", _LINE_BREAK.sub(" ", value))


def echo(value: str, limit: int = 60) -> str:
    """User input repeated back inside a `code span` of a refusal: one line, no
    controls or bidi overrides, and no backtick that would end the span early."""
    return clip(printable(value).strip().replace("`", "'"), limit)
