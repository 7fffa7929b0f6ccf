"""The text rules every catalogue field shares: control characters, whitespace, echoes."""

from __future__ import annotations

import re

from bot.core.errors import InvalidInput
from bot.core.text import printable

ECHO_MAX = 60
# C0 and C1 controls (tab and newline included: prose turns them into spaces
# first) and lone surrogates, which SQLite cannot store.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Dropped from prose, which others read: they reorder the text that follows. A code
# keeps them, so it is refused as not ASCII rather than silently changed.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SPACE = re.compile(r"\s+")


def as_text(value: object, label: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"The {label} must be text.")
    return value


def trimmed(value: str) -> str:
    """A single-word value (code, link): control characters gone, ends trimmed."""
    return CONTROL.sub("", value).strip()


def collapse(value: str) -> str:
    # Whitespace first, so a newline becomes a space rather than vanishing.
    return SPACE.sub(" ", _BIDI.sub("", CONTROL.sub("", SPACE.sub(" ", value)))).strip()


def echo(value: str) -> str:
    """User input made safe to quote inside inline code in a message."""
    text = printable(collapse(value)).replace("`", "'")  # bidi overrides too
    return text if len(text) <= ECHO_MAX else text[: ECHO_MAX - 1] + "…"
