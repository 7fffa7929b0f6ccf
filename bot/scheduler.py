"""The reminder engine's clock: in-memory timers rebuilt from the database rows.

Only occurrences due within the horizon (or fallen due since the last plan) are
planned and get an event-loop timer; an hourly APScheduler job re-plans, so a long
semester never means hundreds of thousands of timers in memory, nor a start that
reads them all. Anything already due when timers are rebuilt (the bot was down)
runs at once: the dispatcher marks it late, or missed once it is no longer useful.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import Clock
from bot.core.reminders import Dispatcher, Occurrence, Plan, ReminderPlanner
from bot.store import reminders as store
from bot.store.database import Database

log = logging.getLogger(__name__)

HORIZON_SECONDS = 36 * 3600
REPLAN_EVERY_SECONDS = 3600
# Each plan reaches back to the oldest occurrence the last one left unfinished (a
# mark kept in bot_state), less this much: a row committed just as a plan ran (a
# promotion notice is due the instant it is written) is still found.
CATCH_UP_SLACK_SECONDS = 3600
# With no mark yet (first start of this version): this far before the last start.
FIRST_CATCH_UP_SECONDS = 30 * 86_400
JOB_PREFIX = "occ:"
# How long a shutdown waits for sends in flight to finish and be recorded. Docker
# gives 10 s between SIGTERM and SIGKILL; what is still unsent then resumes, with
# the same nonce, at the next start.
SHUTDOWN_GRACE_SECONDS = 8.0


class ReminderScheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        planner: ReminderPlanner,
        dispatcher: Dispatcher,
        after_rebuild: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.after_rebuild = after_rebuild
        self.clock = clock
        self.planner = planner
        self.dispatcher = dispatcher
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                # Our dispatcher decides late vs. missed; APScheduler must never
                # skip a job for waking up a second late (its default grace is 1 s).
                "misfire_grace_time": None,
                "coalesce": True,
                "max_instances": 1,
            },
        )
        self._rebuild_lock = asyncio.Lock()
        self._rebuild_pending = False
        self._closing = False
        self.running: set[asyncio.Task[None]] = set()
        # Occurrences being fanned out right now; a rebuild must not schedule a
        # second, concurrent run of one (both would see the same claims).
        self._in_flight: set[str] = set()
        self._previous_start: int | None = None
        # One event-loop timer per occurrence within the horizon (job id -> timer).
        # Not APScheduler jobs: creating one costs ~0.1 ms (it inspects the
        # callable's signature every time), which for 2,000 occurrences was most of
        # a start; a loop timer is a heap push. APScheduler runs the hourly re-plan.
        self._timers: dict[str, asyncio.TimerHandle] = {}

    async def start(self) -> None:
        self._scheduler.start()
        self.dispatcher.started_at = self.clock.now()
        previous = await store.get_state(self.db, "last_start")
        self._previous_start = None if previous is None else int(previous)
        async with self.db.transaction() as tx:
            await store.set_state(tx, "last_start", str(self.dispatcher.started_at))
        await self.rebuild()
        self._scheduler.add_job(
            self.rebuild,
            "interval",
            seconds=REPLAN_EVERY_SECONDS,
            id="replan",
            replace_existing=True,
        )

    async def stop(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Take no new work; let sends in flight finish and be recorded (at most
        `grace` seconds), then cancel what is left.

        Cancelling a send mid-flight would leave it claimed but unmarked, so the next
        start would send it again and count it late though it arrived on time."""
        self._closing = True
        # Paused, not shut down yet: APScheduler's shutdown cancels the jobs it runs.
        if self._scheduler.running:
            self._scheduler.pause()
        self.dispatcher.stopping = True
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self.running:
            _, unfinished = await asyncio.wait(set(self.running), timeout=grace)
            for task in unfinished:
                log.warning("shutdown: cancelling %s after %.0f s", task.get_name(), grace)
                task.cancel()
            if unfinished:
                await asyncio.gather(*unfinished, return_exceptions=True)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def request_rebuild(self) -> None:
        """Called after any change to deadlines, announcements or office hours."""
        if self._rebuild_pending or self._closing:
            return
        self._rebuild_pending = True
        task = asyncio.get_running_loop().create_task(self._debounced_rebuild())
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _debounced_rebuild(self) -> None:
        await asyncio.sleep(0)
        self._rebuild_pending = False
        await self.rebuild()

    async def rebuild(self) -> int:
        """Replace the in-memory jobs with those the rows imply; returns how many."""
        async with self._rebuild_lock:
            now = self.clock.now()
            mark = await store.get_state(self.db, self.planner.catch_up_key)
            plan = await self.planner.plan(
                since=self._catch_up_from(mark, now), until=now + HORIZON_SECONDS
            )
            pending = plan.occurrences
            wanted = {_job_id(occ): occ for occ in pending}
            existing = set(self._timers)
            for job_id in existing - wanted.keys():
                self._timers.pop(job_id).cancel()
            for job_id in wanted.keys() - existing - self._in_flight:
                self._add(wanted[job_id], max(wanted[job_id].due_at, now))
            log.debug("scheduled %d occurrences", len(wanted))
            await self._advance_mark(mark, plan, now)
        if self.after_rebuild is not None:
            try:
                await self.after_rebuild()
            except Exception:
                log.exception("after-rebuild hook failed")
        return len(wanted)

    def _catch_up_from(self, mark: str | None, now: int) -> int:
        """How far back this plan reaches: what fell due while the bot was down, or
        is still unfinished (a retry, a fan-out cut off by a crash), is found."""
        if mark is not None:
            return int(mark) - CATCH_UP_SLACK_SECONDS
        since = now if self._previous_start is None else min(self._previous_start, now)
        return since - FIRST_CATCH_UP_SECONDS

    async def _advance_mark(self, mark: str | None, plan: Plan, now: int) -> None:
        """Record that everything due before the oldest unfinished occurrence (or
        before now) is finished, so the next plan need not look further back."""
        if plan.broken:
            # A broken row's past reminders must still be found (sent late or
            # recorded as missed) once it is fixed: keep looking back as far.
            return
        oldest = min((occ.due_at for occ in plan.occurrences if occ.due_at <= now), default=now)
        if mark is not None and int(mark) == oldest:
            return
        async with self.db.transaction() as tx:
            await store.set_state(tx, self.planner.catch_up_key, str(oldest))

    def pending_jobs(self) -> int:
        return len(self._timers)

    def scheduled(self) -> set[str]:
        """Ids (`occ:<key>@<due>`) of the occurrences waiting for their time."""
        return set(self._timers)

    def _add(self, occurrence: Occurrence, run_at: int) -> None:
        """Run `occurrence` at `run_at` (wall-clock unix seconds, at once if past)."""
        if self._closing:
            return
        job_id = _job_id(occurrence)
        replaced = self._timers.pop(job_id, None)
        if replaced is not None:
            replaced.cancel()
        delay = max(0.0, run_at - time.time())
        loop = asyncio.get_running_loop()
        self._timers[job_id] = loop.call_later(delay, self._due, job_id, occurrence)

    def _due(self, job_id: str, occurrence: Occurrence) -> None:
        self._timers.pop(job_id, None)
        if self._closing:
            return
        task = asyncio.get_running_loop().create_task(self._fire(occurrence), name=job_id)
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _fire(self, occurrence: Occurrence) -> None:
        job_id = _job_id(occurrence)
        if job_id in self._in_flight:
            return
        self._in_flight.add(job_id)
        task = asyncio.current_task()
        if task is not None:
            self.running.add(task)
        try:
            if not await self.planner.is_current(occurrence):
                log.info("skipping %s: its row changed since it was planned", occurrence.key)
                return
            outcome = await self.dispatcher.run(occurrence)
            if outcome.status == "stopped":
                return
            if not outcome.finished:
                log.warning(
                    "%s: some deliveries failed, retrying in %d s",
                    occurrence.key,
                    outcome.retry_in,
                )
                self._add(occurrence, self.clock.now() + outcome.retry_in)
        except Exception:
            log.exception("reminder %s failed; retrying in 60 s", occurrence.key)
            self._add(occurrence, self.clock.now() + 60)
        finally:
            self._in_flight.discard(job_id)
            if task is not None:
                self.running.discard(task)


def _job_id(occurrence: Occurrence) -> str:
    return f"{JOB_PREFIX}{occurrence.key}@{occurrence.due_at}"
