"""Health of a seminar's reminders for `/admin status`."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.base import Service
from bot.core.reminders import Occurrence, ReminderPlanner
from bot.store import assignments, talks
from bot.store import reminders as store
from bot.store.reader import Reader


@dataclass(frozen=True)
class ProblemDelivery:
    job_key: str
    recipient: str
    status: str
    error: str
    due_at: int


@dataclass(frozen=True)
class Status:
    pending: int
    next_up: list[Occurrence]
    sent_late: int
    missed: list[tuple[str, int]]
    missed_count: int
    failed: int
    dms_closed: int
    problems: list[ProblemDelivery]
    last_start: int | None
    database_bytes: int
    # Leavers who freed a paper and newcomers since the assignment was published:
    # organisers decide whether to re-run; nothing re-runs by itself.
    assignment_changes: int = 0
    # Presenters who left since the programme was scheduled (their slots are gaps).
    talks_dropped: int = 0
    # This seminar's rows the reminder engine cannot plan (a stored time out of
    # range): their reminders are skipped until an organiser sets them again.
    unplannable: list[str] = field(default_factory=list)


class StatusService(Service):
    async def status(self, guild_id: int | None) -> Status:
        seminar = await self.seminar(guild_id)
        planner = ReminderPlanner(self.db, self.clock, [seminar.platform])
        # This seminar's rows only: the cost follows the seminar, not every pending
        # reminder of every seminar.
        plan = await planner.plan(seminar_id=seminar.id)
        mine = plan.occurrences
        counts = await store.status_counts(self.db, seminar.id)
        missed = await store.missed_jobs(self.db, seminar.id)
        problems = await store.problem_deliveries(self.db, seminar.id)
        last_start = await store.get_state(self.db, "last_start")
        return Status(
            pending=len(mine),
            next_up=mine[:5],
            sent_late=counts.get("late", 0),
            missed=[(run.job_key, run.due_at) for run in missed],
            missed_count=counts.get("missed", 0),
            failed=counts.get("failed", 0),
            dms_closed=counts.get("dm_closed", 0),
            problems=[
                ProblemDelivery(d.job_key, d.recipient, d.status, d.error or "", d.due_at)
                for d in problems
            ],
            last_start=None if last_start is None else int(last_start),
            database_bytes=await store.database_bytes(self.db),
            assignment_changes=await assignments.changes_since_publication(self.db, seminar.id),
            talks_dropped=await _talks_dropped(self.db, seminar.id),
            unplannable=plan.broken.get(seminar.id, []),
        )


async def _talks_dropped(db: Reader, seminar_id: int) -> int:
    schedule = await talks.schedule(db, seminar_id)
    return 0 if schedule is None else schedule.dropped
