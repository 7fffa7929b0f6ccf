"""Moving the simulated clock: every reminder in between, in order, at its own time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from bot.console.clock import ConsoleClock
from bot.core.clock import Clock
from bot.core.reminders import Occurrence, RunOutcome

log = logging.getLogger(__name__)

# An occurrence the dispatcher could not finish (it never happens with the
# console's outbox) is retried this many times within one `advance`.
MAX_RETRIES = 5


class Planner(Protocol):
    async def pending(self) -> list[Occurrence]: ...

    async def is_current(self, occurrence: Occurrence) -> bool: ...


class Runner(Protocol):
    async def run(self, occurrence: Occurrence) -> RunOutcome: ...


class Timeline:
    """Drives the real planner and dispatcher over simulated time.

    `advance_to(t)` asks the planner what is pending, runs the earliest
    occurrence due by `t` with the clock set to its due time, and asks again
    (a delivery can change what comes next: the next office hour is planned only
    once the previous one is past), until nothing is due before `t`; then the
    clock rests at `t`. The dispatcher's delivery log is the same as in
    production, so an occurrence runs once however often this is called.
    """

    def __init__(
        self,
        clock: ConsoleClock,
        planner: Planner,
        dispatcher: Runner,
        after_each: Callable[[], None] | None = None,
    ) -> None:
        self.clock = clock
        self.planner = planner
        self.dispatcher = dispatcher
        # Called after each occurrence ran (the console prints what it held back).
        self.after_each = after_each

    async def advance_to(self, target: int) -> int:
        """Deliver everything due up to `target`; returns how many occurrences ran."""
        ran = 0
        failures: dict[tuple[str, int], int] = {}
        while True:
            due = await self._next_due(target, failures)
            if due is None:
                break
            self.clock.move_to(max(due.due_at, self.clock.now()))
            try:
                outcome = await self.dispatcher.run(due)
            finally:
                if self.after_each is not None:
                    self.after_each()
            ran += 1
            if not outcome.finished:
                failures[(due.key, due.due_at)] = failures.get((due.key, due.due_at), 0) + 1
        self.clock.move_to(max(target, self.clock.now()))
        return ran

    async def deliver_due(self) -> int:
        """What is due right now (a post or publication an organiser just made)."""
        return await self.advance_to(self.clock.now())

    async def _next_due(
        self, target: int, failures: dict[tuple[str, int], int]
    ) -> Occurrence | None:
        for occurrence in await self.planner.pending():
            if occurrence.due_at > target:
                return None
            if failures.get((occurrence.key, occurrence.due_at), 0) >= MAX_RETRIES:
                continue
            if await self.planner.is_current(occurrence):
                return occurrence
            log.debug("skipping %s: its row changed since it was planned", occurrence.key)
        return None


async def settle(planner: Planner, clock: Clock) -> None:
    """Return once nothing due by now is left undelivered (callers bound the wait):
    what the wall-clock scheduler was sending when the input ended gets out."""
    while True:
        # The delivery log lives in the database; polling it is the observable effect.
        pending = await planner.pending()
        if all(occurrence.due_at > clock.now() for occurrence in pending):
            return
        await asyncio.sleep(0.05)
