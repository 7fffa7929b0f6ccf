"""Checks for free text typed by users (length limits come from Discord's own)."""

from __future__ import annotations

import re

from bot.core.errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    cleaned = _CONTROL.sub("", value).strip()
    if required and not cleaned:
        raise InvalidInput(f"The {field} cannot be empty.")
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"The {field} is {len(cleaned)} characters long; the limit is {max_length}."
        )
    return cleaned


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def echo(value: str, limit: int = 60) -> str:
    """User input repeated back inside a `code span`: backticks would end it early."""
    return clip(value.strip().replace("`", "'"), limit)
