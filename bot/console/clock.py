"""The terminal's clock: the wall clock, or a simulated one that `advance` moves forward.

A chat bot lives on the wall clock. The terminal can also stand in for a whole
semester: its clock then stands still between commands and moves only when
told (`advance 3d`, `advance to 2026-11-01 23:00`), and never backwards, so the
reminder engine sees time pass exactly as it would have, only faster.
"""

from __future__ import annotations

import re
import time
from zoneinfo import ZoneInfo

from bot.core.errors import InvalidInput
from bot.core.text import echo
from bot.core.timeutil import parse_local_time

# `3d`, `2h30m`, `1w 2d`, `90m`, `45s`: one or more amounts with a unit each.
_SPAN_PART = re.compile(r"(\d{1,7})\s*([wdhms])")
_SPAN = re.compile(r"^(?:\s*\d{1,7}\s*[wdhms])+\s*$")
_UNIT_SECONDS = {"w": 7 * 86_400, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
# Far enough for any semester (and a typo such as `advance 3000d` is refused).
MAX_ADVANCE_SECONDS = 2 * 366 * 86_400
ADVANCE_USAGE = (
    "Use `advance 3d`, `advance 2h30m` (units w, d, h, m, s) or "
    "`advance to 2026-11-01 23:00` (a time in the seminar's timezone)."
)


class ConsoleClock:
    """Unix seconds from the wall clock until `simulate` pins it; then only forward.

    `now()` is what every service, the planner and the dispatcher read; the
    console moves it with `move_to` while it delivers what fell due.
    """

    def __init__(self, start: int | None = None) -> None:
        # None: follow the wall clock (a real-time session).
        self._simulated: int | None = start

    @property
    def simulated(self) -> bool:
        return self._simulated is not None

    def now(self) -> int:
        if self._simulated is None:
            return int(time.time())
        return self._simulated

    def simulate(self) -> None:
        """Stop following the wall clock; from here on time moves only on request."""
        if self._simulated is None:
            self._simulated = int(time.time())

    def move_to(self, instant: int) -> None:
        """Move the simulated clock forward to `instant` (never backwards)."""
        if self._simulated is None:
            raise RuntimeError("the clock follows the wall clock; call simulate() first")
        if instant < self._simulated:
            raise ValueError(f"the clock never goes backwards ({instant} < {self._simulated})")
        self._simulated = instant


def parse_span(text: str) -> int:
    """`3d` -> 259200, `2h30m` -> 9000; refuses anything else, and zero."""
    raw = text.strip().lower()
    if not _SPAN.fullmatch(raw):
        raise InvalidInput(f"`{echo(text.strip())}` is not a span of time. {ADVANCE_USAGE}")
    seconds = sum(int(amount) * _UNIT_SECONDS[unit] for amount, unit in _SPAN_PART.findall(raw))
    if seconds <= 0:
        raise InvalidInput(f"Advance by more than nothing. {ADVANCE_USAGE}")
    return seconds


def advance_target(argument: str, now: int, tz: ZoneInfo) -> int:
    """Where `advance <argument>` moves the clock: a span from now, or `to <time>`."""
    raw = argument.strip()
    if not raw:
        raise InvalidInput(f"Advance by how much? {ADVANCE_USAGE}")
    words = raw.split(maxsplit=1)
    if words[0].lower() == "to":
        if len(words) == 1:
            raise InvalidInput(f"Advance to when? {ADVANCE_USAGE}")
        target = parse_local_time(words[1], tz)
        if target < now:
            raise InvalidInput(
                "The clock never goes backwards: {target} is before now ({now}).",
                target=target,
                now=now,
            )
    else:
        target = now + parse_span(raw)
    if target - now > MAX_ADVANCE_SECONDS:
        raise InvalidInput(f"That is more than two years ahead. {ADVANCE_USAGE}")
    return target
