"""A clock the tests steer: services and the reminder engine read time from it."""

from __future__ import annotations

from datetime import datetime


class FakeClock:
    def __init__(self, start: int | datetime = 1_700_000_000) -> None:
        self._now = int(start.timestamp()) if isinstance(start, datetime) else start

    def now(self) -> int:
        return self._now

    def set(self, value: int | datetime) -> None:
        self._now = int(value.timestamp()) if isinstance(value, datetime) else value

    def advance(self, seconds: int) -> None:
        self._now += seconds
