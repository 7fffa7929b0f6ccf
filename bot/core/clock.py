"""Time sources. Services ask a clock instead of calling `time.time()` so tests can steer it."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Current time as unix seconds (UTC)."""
        ...


class SystemClock:
    def now(self) -> int:
        return int(time.time())
