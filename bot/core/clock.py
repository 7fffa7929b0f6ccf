"""Time sources. Services ask a clock instead of calling `time.time()` so tests can steer it."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Current time as unix seconds (UTC)."""
        ...


class SystemClock:
    def now(self) -> int:
        return int(time.time())


class FakeClock:
    def __init__(self, start: int | datetime = 1_700_000_000) -> None:
        self._now = int(start.timestamp()) if isinstance(start, datetime) else start

    def now(self) -> int:
        return self._now

    def set(self, value: int | datetime) -> None:
        self._now = int(value.timestamp()) if isinstance(value, datetime) else value

    def advance(self, seconds: int) -> None:
        self._now += seconds
