"""A plain-text Style: times in one zone with its name and a relative time.

The console uses it (without colour), tests read answers through it, and it is
the reference for what the chat front ends' styles must provide.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands.spelling import spell
from bot.core.clock import Clock
from bot.core.models import Platform
from bot.core.text import printable


def relative(seconds: int) -> str:
    """`in 3 days`, `2 hours ago`, `now`: the largest whole unit."""
    ahead = seconds >= 0
    size = abs(seconds)
    if size < 60:
        return "now"
    for unit, length in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if size >= length:
            amount = size // length
            text = f"{amount} {unit}{'' if amount == 1 else 's'}"
            return f"in {text}" if ahead else f"{text} ago"
    raise AssertionError("unreachable")  # pragma: no cover


class PlainStyle:
    """Markdown-ish plain text; `zone` is the reader's (or the seminar's) timezone."""

    def __init__(self, clock: Clock, zone: ZoneInfo, platform: Platform = Platform.CONSOLE):
        self.clock = clock
        self.zone = zone
        self.platform = platform

    def when(self, unix: int) -> str:
        try:
            local = datetime.fromtimestamp(unix, self.zone)
        except (OverflowError, ValueError, OSError):
            # A stored instant no calendar can show (a row written by hand): said
            # plainly rather than failing the whole answer.
            return f"unix time {unix} (out of range)"
        stamp = local.strftime("%a %Y-%m-%d %H:%M")
        return f"{stamp} {local.tzname()} ({self.zone.key}, {relative(unix - self.clock.now())})"

    def bold(self, text: str) -> str:
        return f"**{text}**"

    def code(self, text: str) -> str:
        return "`" + text.replace("`", "'") + "`"

    def escape(self, text: str) -> str:
        shown = printable(text, multiline=True)
        return shown.replace("`", "'").replace("*", "\\*").replace("_", "\\_")

    def command(self, path: str) -> str:
        return spell(path, self.platform)

    def person(self, account_id: int, name: str) -> str:
        return self.escape(name) if name else f"member {account_id}"
