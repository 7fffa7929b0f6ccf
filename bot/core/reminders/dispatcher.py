"""Sending: one occurrence's fan-out, exactly once per recipient, across restarts.

Each recipient is claimed in the delivery log before it is sent and marked after,
so a restart resumes a fan-out instead of repeating it; a whole occurrence is
finished in the job log (done, missed or skipped). Each platform is behind the
`Outbox` protocol (outbox.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.clock import Clock
from bot.core.models import Delivery, Platform
from bot.core.reminders.audience import Audience, ReminderContent
from bot.core.reminders.occurrences import Occurrence, Source
from bot.core.reminders.outbox import DeliveryFailed, Notice, Outbox
from bot.core.reminders.wording import late_prefix
from bot.store import announcements as announcement_store
from bot.store import reminders as store
from bot.store import talks as talk_store
from bot.store.database import Database

log = logging.getLogger(__name__)

# A delivery this much after its due time is marked late ("the bot was offline"),
# as is anything that fell due before the bot (re)started.
LATE_AFTER = 120
# Transient failures are retried this many times, with growing pauses, then reported.
MAX_ATTEMPTS = 5
# Sends in flight at once during a fan-out; the notifier paces the actual rate.
FANOUT_CONCURRENCY = 8


@dataclass(frozen=True)
class RunOutcome:
    finished: bool
    status: str  # 'done', 'missed', 'retry', 'gone', 'skipped'
    sent: int = 0
    retry_in: int = 0


class Dispatcher:
    """Runs one occurrence: claims, sends, marks; safe to call again after a crash."""

    def __init__(self, db: Database, clock: Clock, outboxes: Mapping[Platform, Outbox]) -> None:
        self.db = db
        self.clock = clock
        # One per front end of this process; the planner plans only their seminars.
        self.outboxes = dict(outboxes)
        # Set at shutdown: sends in flight finish and are recorded, no new one starts.
        self.stopping = False
        self.content = ReminderContent(db)
        # When this process started (set by the scheduler): what fell due before it
        # fell due while the bot was down, however short the downtime.
        self.started_at: int | None = None

    async def run(self, occurrence: Occurrence) -> RunOutcome:
        now = self.clock.now()
        if await store.job_finished(self.db, occurrence.key, occurrence.due_at):
            return RunOutcome(True, "done")
        down = self.started_at is not None and occurrence.due_at < self.started_at
        late = down or now - occurrence.due_at > LATE_AFTER
        if late and await self._predates_its_row(occurrence):
            # Already past when its row was set (a deadline two days ahead has no
            # "7 days before"): never promised, so neither sent late nor missed.
            await self._finish(occurrence, "done", False, now)
            return RunOutcome(True, "skipped")
        if now >= occurrence.expires_at:
            await self._finish(occurrence, "missed", False, now)
            log.warning("missed %s (due %s): no longer useful", occurrence.key, occurrence.due_at)
            return RunOutcome(True, "missed")
        # Every wording sent late says so: the shared notice and each personal one.
        prefix = late_prefix(late, down)
        notice = await self.content.notice(occurrence, prefix=prefix)
        if notice is None:
            return RunOutcome(True, "gone")
        audience = await self.content.audience(occurrence, prefix=prefix)
        outbox = self.outboxes[await store.seminar_platform(self.db, occurrence.seminar_id)]
        recipients: list[str] = []
        if audience.channel_id is not None and audience.post:
            recipients.append("channel")
        recipients.extend(f"user:{user_id}" for user_id in audience.dm_user_ids)

        results = await _bounded_gather(
            (
                self._deliver(outbox, occurrence, audience, notice, recipient, late, now)
                for recipient in recipients
            ),
            limit=FANOUT_CONCURRENCY,
            stopping=lambda: self.stopping,
        )
        sent = sum(1 for result in results if result == "sent")
        if "stopped" in results:
            # Shutting down: the rest is claimed and sent by the next start.
            return RunOutcome(False, "stopped", sent)
        if any(result == "retry" for result in results):
            retry_in = await self._retry_in(occurrence, lambda d: d.status == "claimed")
            return RunOutcome(False, "retry", sent, retry_in=retry_in)

        fallback = await self._fallback(outbox, occurrence, audience, notice, late, now)
        if fallback == "retry":
            retry_in = await self._retry_in(occurrence, lambda d: d.recipient == "fallback")
            return RunOutcome(False, "retry", sent, retry_in=retry_in)
        sent += fallback == "sent"
        await self._finish(occurrence, "done", late, self.clock.now())
        return RunOutcome(True, "done", sent)

    async def _finish(self, occurrence: Occurrence, status: str, late: bool, now: int) -> None:
        """Record the occurrence as finished: no later run sends any of it."""
        async with self.db.transaction() as tx:
            await store.finish_job(
                tx, occurrence.key, occurrence.due_at, occurrence.seminar_id, status, late, now
            )

    async def _retry_in(self, occurrence: Occurrence, retried: Callable[[Delivery], bool]) -> int:
        """Seconds until the next try: doubling with the most attempts any of the
        `retried` deliveries has had, at most 15 minutes."""
        rows = await store.deliveries_of(self.db, occurrence.key, occurrence.due_at)
        attempts = max((d.attempts for d in rows if retried(d)), default=1)
        backoff: int = 30 * 2**attempts
        return min(backoff, 900)

    async def _predates_its_row(self, occurrence: Occurrence) -> bool:
        """Whether the occurrence fell due before its row was last set, and nothing
        of it was claimed (a fan-out being retried is never dropped)."""
        if occurrence.source is Source.DEADLINE:
            changed = await store.deadline_updated_at(self.db, occurrence.ref_id)
        elif occurrence.source is Source.OFFICE_HOURS:
            hours = await announcement_store.office_hours(self.db, occurrence.seminar_id)
            changed = None if hours is None else hours.updated_at
        elif occurrence.source in (Source.TALK, Source.BLOCK_DAY):
            # Scheduled (or re-scheduled) closer than a day before: never promised.
            schedule = await talk_store.schedule(self.db, occurrence.seminar_id)
            changed = None if schedule is None else schedule.updated_at
        else:
            return False  # an announcement is never due before it was written
        if changed is None or occurrence.due_at >= changed:
            return False
        return not await store.deliveries_of(self.db, occurrence.key, occurrence.due_at)

    async def _claim(
        self, occurrence: Occurrence, recipient: str, late: bool, now: int
    ) -> Delivery | None:
        """This recipient's delivery, claimed for this run; None if it is not ours to
        send (sent, given up or closed already)."""
        async with self.db.transaction() as tx:
            delivery = await store.claim(
                tx, occurrence.seminar_id, occurrence.key, recipient, occurrence.due_at, late, now
            )
        return delivery if delivery.status == "claimed" else None

    async def _mark(self, delivery: Delivery, status: str, error: str | None = None) -> None:
        async with self.db.transaction() as tx:
            await store.mark(tx, delivery.id, status, self.clock.now(), error=error)

    async def _deliver(
        self,
        outbox: Outbox,
        occurrence: Occurrence,
        audience: Audience,
        notice: Notice,
        recipient: str,
        late: bool,
        now: int,
    ) -> str:
        """Claim, send, mark one recipient; returns 'sent', 'skip', 'retry' or 'given-up'."""
        delivery = await self._claim(occurrence, recipient, late, now)
        if delivery is None:
            return "skip"
        # The same nonce on a re-send after a crash lets Discord drop the duplicate.
        nonce = _nonce(delivery)
        try:
            if recipient == "channel":
                assert audience.channel_id is not None
                await outbox.post(audience.channel_id, notice, nonce=nonce)
            else:
                user_id = int(recipient.removeprefix("user:"))
                await outbox.direct(user_id, audience.personal.get(user_id, notice), nonce=nonce)
        except DeliveryFailed as exc:
            if exc.dms_closed:
                status = "dm_closed"
            elif _gives_up(exc, delivery):
                status = "failed"
            else:
                status = "claimed"
            await self._mark(delivery, status, exc.reason)
            log.info("delivery %s to %s: %s (%s)", occurrence.key, recipient, status, exc)
            return "retry" if status == "claimed" else "given-up"
        await self._mark(delivery, "sent")
        return "sent"

    async def _fallback(
        self,
        outbox: Outbox,
        occurrence: Occurrence,
        audience: Audience,
        notice: Notice,
        late: bool,
        now: int,
    ) -> str:
        """One channel post mentioning everyone whose DMs are closed; retried like any
        delivery. Returns 'sent', 'retry' or 'none' (nothing to send, or given up)."""
        if audience.channel_id is None:
            return "none"
        rows = await store.deliveries_of(self.db, occurrence.key, occurrence.due_at)
        closed = sorted(int(d.recipient[5:]) for d in rows if d.status == "dm_closed")
        if not closed:
            return "none"
        delivery = await self._claim(occurrence, "fallback", late, now)
        if delivery is None:
            return "none"
        try:
            await outbox.mention(audience.channel_id, closed, notice, nonce=_nonce(delivery))
        except DeliveryFailed as exc:
            retry = not _gives_up(exc, delivery)
            await self._mark(delivery, "claimed" if retry else "failed", exc.reason)
            log.info("fallback for %s: %s", occurrence.key, exc)
            return "retry" if retry else "none"
        await self._mark(delivery, "sent")
        return "sent"


def _nonce(delivery: Delivery) -> str:
    return f"sb{delivery.id}"


def _gives_up(failure: DeliveryFailed, delivery: Delivery) -> bool:
    """Whether this failure ends the delivery: retrying cannot help, or this was the
    last attempt."""
    return failure.permanent or delivery.attempts + 1 >= MAX_ATTEMPTS


async def _bounded_gather(
    coroutines: Iterable[Coroutine[Any, Any, str]],
    *,
    limit: int,
    stopping: Callable[[], bool],
) -> list[str]:
    """Run at most `limit` at once; once one raises, or `stopping()` turns true, start
    no more (those left answer "stopped"); re-raise what raised.

    Sends already in flight are let finish (and marked) rather than cancelled;
    nothing keeps sending after this returns. What was claimed and not marked
    is resumed, with the same nonce, by the next run.
    """
    semaphore = asyncio.Semaphore(limit)
    stopped = False

    async def guarded(coroutine: Coroutine[Any, Any, str]) -> str:
        nonlocal stopped
        try:
            async with semaphore:
                if stopped or stopping():
                    return "stopped"
                try:
                    return await coroutine
                except BaseException:
                    stopped = True
                    raise
        finally:
            coroutine.close()  # a no-op once it ran; frees one never started

    results = await asyncio.gather(*(guarded(c) for c in coroutines), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [str(result) for result in results]
