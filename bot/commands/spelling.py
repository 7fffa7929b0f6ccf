"""Core messages name commands as `/prefs set`; each platform types them its own way."""

from __future__ import annotations

import functools
import re

from bot.commands.spec import COMMANDS
from bot.core.models import Platform

# What a user types before a command's name on each platform.
PREFIX = {Platform.DISCORD: "/", Platform.MATRIX: "!", Platform.CONSOLE: "/"}


def spell(path: str, platform: Platform) -> str:
    """`prefs set` as typed on `platform`: `/prefs set` or `!prefs set`."""
    return PREFIX[platform] + path


def respell(text: str, platform: Platform, names: frozenset[str] | None = None) -> str:
    """Rewrite `/command` (a known top-level command name) for `platform`.

    Only a `/` that starts a word is touched, so links (`https://x/papers`) and
    fractions (`40/60`) stay as they are.
    """
    prefix = PREFIX[platform]
    if prefix == "/":
        return text
    return _pattern(names if names is not None else _known_names()).sub(prefix, text)


@functools.cache
def _known_names() -> frozenset[str]:
    return frozenset(command.path[0] for command in COMMANDS)


@functools.cache
def _pattern(names: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    return re.compile(rf"(?<![\w/:.\-])/(?=(?:{alternatives})\b)")
