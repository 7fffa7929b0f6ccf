"""The file Docker's HEALTHCHECK watches (`python -m bot.healthcheck`): touched only while
every front end of the process is alive and the database answers.

Each front end reports itself alive: Discord every `HEARTBEAT_INTERVAL_SECONDS` while
connected, Matrix after every sync (at least every 30 s). With both in one process, a
Matrix sync that hangs while Discord stays connected used to leave the file fresh: a
container that Matrix users got only silence from looked healthy. Now a front end that
has not reported for as long as the health check tolerates stops the touching.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from bot.core.models import Platform

# A front end may stay silent as long as the health check lets the file go untouched.
from bot.healthcheck import TOLERATED_INTERVALS

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(
        self,
        path: Path | None,
        interval_seconds: float,
        platforms: Iterable[Platform],
        probe: Callable[[], Awaitable[object]],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`probe` raises unless the database answers; `platforms` are the front ends
        that must all report."""
        self.path = path
        self.interval_seconds = interval_seconds
        self._platforms = frozenset(platforms)
        self._probe = probe
        self._monotonic = monotonic
        self._reported: dict[Platform, float] = {}
        self._withheld: list[Platform] = []

    async def reset(self) -> None:
        """At start: a file left by the previous run (a container restart keeps /tmp)
        must not vouch for this one before it has connected."""
        if self.path is not None:
            await asyncio.to_thread(self.path.unlink, missing_ok=True)

    async def beat(self, platform: Platform) -> None:
        """`platform` is alive now; touch the file if every other one is too."""
        if self.path is None:
            return
        now = self._monotonic()
        self._reported[platform] = now
        tolerated = TOLERATED_INTERVALS * self.interval_seconds
        silent = sorted(
            p for p in self._platforms if now - self._reported.get(p, -float("inf")) > tolerated
        )
        if silent:
            # Said once when a front end that had reported falls silent (not at start,
            # while the others are still connecting).
            gone = [p for p in silent if p in self._reported]
            if gone and silent != self._withheld:
                log.warning("heartbeat withheld: no report from %s", ", ".join(gone))
            self._withheld = silent
            return
        self._withheld = []
        try:
            await self._probe()
            await asyncio.to_thread(_touch, self.path)
        except Exception:
            log.exception("heartbeat check failed")


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
