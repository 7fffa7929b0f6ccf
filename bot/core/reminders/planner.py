"""Which reminders exist: every pending occurrence the rows imply, within a window.

Deadlines, scheduled announcements, office hours, a published assignment, the talk
programme and one-off notices each imply occurrences (occurrences.py places them in
time). The scheduler (bot/scheduler.py) asks for the ones due within its horizon and
checks, just before sending, that the rows still imply each one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.models import DeadlineSchedule, OfficeHoursRule, Platform, TalkSlotSchedule
from bot.core.reminders.occurrences import (
    Occurrence,
    Source,
    block_day_occurrences,
    block_day_start,
    deadline_occurrences,
    office_hour_occurrences,
    office_hour_starts,
    posted_once,
    talk_occurrences,
)
from bot.store import announcements as announcement_store
from bot.store import assignments as assignment_store
from bot.store import reminders as store
from bot.store import talks as talk_store
from bot.store.database import Database

log = logging.getLogger(__name__)

ANNOUNCEMENT_USEFUL_FOR = 7 * 86_400
# Who presents what stays worth telling for the whole semester, however late.
PUBLICATION_USEFUL_FOR = 365 * 86_400
# A one-off notice (a waitlist promotion) is worth sending for a month.
NOTICE_USEFUL_FOR = 30 * 86_400


@dataclass(frozen=True)
class Plan:
    """Every pending occurrence, and what could not be planned, per seminar."""

    occurrences: list[Occurrence]
    # Seminar id -> the rows whose reminders could not be planned (e.g. a stored time
    # out of range). Only those rows' reminders are left out until they are set
    # again; the rest of that seminar's, and every other seminar's, go out as usual.
    broken: dict[int, list[str]] = field(default_factory=dict)


class ReminderPlanner:
    """Derives every pending occurrence from the rows."""

    def __init__(self, db: Database, clock: Clock, platforms: Collection[Platform]) -> None:
        self.db = db
        self.clock = clock
        # Only seminars these front ends run: another process delivers the rest.
        self.platforms = frozenset(platforms)

    @property
    def catch_up_key(self) -> str:
        """Where the scheduler records how far back this process's plan must reach."""
        return "caught_up_to:" + ",".join(sorted(p.value for p in self.platforms))

    async def pending(self) -> list[Occurrence]:
        """Every pending occurrence, past and future (reads every row: for tests,
        the benchmark's old figure and one seminar's status)."""
        return (await self.plan()).occurrences

    async def plan(
        self,
        *,
        since: int | None = None,
        until: int | None = None,
        seminar_id: int | None = None,
    ) -> Plan:
        """The unfinished occurrences due in [since, until] (None: unbounded), of one
        seminar or of all this process runs.

        The SQL reads only rows that can imply such an occurrence, so the cost
        follows what is due in the window, not the backlog of the semester.
        Plan row by row: one that raises is logged and left out, so a bad row never
        stops any other reminder (of its seminar or another), nor the start."""
        now = self.clock.now()
        window = store.Window(since, until, seminar_id)
        ours = await store.seminars_on(self.db, self.platforms)
        zones: dict[str, ZoneInfo] = {}
        found: list[Occurrence] = []
        broken: dict[int, list[str]] = {}

        def add(seminar_id: int, what: str, make: Callable[[], Iterable[Occurrence]]) -> None:
            if seminar_id not in ours:
                return
            try:
                found.extend(make())
            except Exception as exc:
                broken.setdefault(seminar_id, []).append(f"{what} ({exc})")
                log.error(
                    "seminar %s: cannot plan %s (%s); its reminders are skipped until it is "
                    "set again",
                    seminar_id,
                    what,
                    exc,
                    exc_info=exc,
                )

        for deadline in await store.all_deadlines(self.db, window):
            add(
                deadline.seminar_id,
                f"the deadline {deadline.kind}",
                functools.partial(_deadline_plan, deadline, zones, since, until),
            )
        for announcement in await store.live_announcements(self.db, window):
            found.append(
                posted_once(
                    Source.ANNOUNCEMENT,
                    announcement.id,
                    announcement.seminar_id,
                    announcement.post_at,
                    ANNOUNCEMENT_USEFUL_FOR,
                )
            )
        for hours in await announcement_store.all_office_hours(self.db, seminar_id):
            cancelled = await _cancelled_dates(self.db, hours.seminar_id)
            add(
                hours.seminar_id,
                "the office hours",
                functools.partial(_office_hours_plan, hours, cancelled, now),
            )
        for run in await assignment_store.published_runs(self.db, window):
            if run.published_at is None:
                continue  # publishing sets both at once: no notice without a time
            found.append(
                posted_once(
                    Source.PUBLICATION,
                    run.id,
                    run.seminar_id,
                    run.published_at,
                    PUBLICATION_USEFUL_FOR,
                )
            )
        by_seminar: dict[int, list[TalkSlotSchedule]] = {}
        for slot in await talk_store.slots_for_reminders(self.db, window=window):
            by_seminar.setdefault(slot.seminar_id, []).append(slot)
        for seminar_id, slots in by_seminar.items():
            add(seminar_id, "the programme", functools.partial(_talk_plan, slots, zones))
        for notice in await store.all_notices(self.db, window):
            found.append(
                posted_once(
                    Source.NOTICE,
                    notice.id,
                    notice.seminar_id,
                    notice.created_at,
                    NOTICE_USEFUL_FOR,
                )
            )
        low = -(2**63) if since is None else since
        high = 2**63 if until is None else until
        candidates = [
            occ
            for occ in found
            if occ.seminar_id in ours
            and low <= occ.due_at <= high
            and (seminar_id is None or occ.seminar_id == seminar_id)
        ]
        if since is None and until is None and seminar_id is None:
            finished = await store.finished_jobs(self.db)
        else:
            finished = await store.finished_among(self.db, {occ.key for occ in candidates})
        pending = [occ for occ in candidates if (occ.key, occ.due_at) not in finished]
        # By time, then key: the same order as the dataclass's, without its slow __lt__.
        pending.sort(key=_by_time)
        return Plan(pending, broken)

    async def is_current(self, occurrence: Occurrence) -> bool:
        """Whether the rows still imply this occurrence (not moved, removed or cancelled)."""
        if occurrence.source is Source.DEADLINE:
            deadline = await store.deadline_by_id(self.db, occurrence.ref_id)
            return deadline is not None and occurrence in _deadline_plan(deadline, {})
        if occurrence.source is Source.ANNOUNCEMENT:
            announcement = await store.live_announcement(self.db, occurrence.ref_id)
            return announcement is not None and announcement.post_at == occurrence.due_at
        if occurrence.source is Source.PUBLICATION:
            # A newer publication supersedes this one (and sends its own notice).
            run = await assignment_store.run_by_id(self.db, occurrence.ref_id)
            return (
                run is not None
                and run.status == "published"
                and run.published_at == occurrence.due_at
            )
        if occurrence.source in (Source.TALK, Source.BLOCK_DAY):
            slots = await talk_store.slots_for_reminders(self.db, occurrence.seminar_id)
            return occurrence in _talk_plan(slots, {})
        if occurrence.source is Source.NOTICE:
            return await store.notice(self.db, occurrence.ref_id) is not None
        hours = await announcement_store.office_hours(self.db, occurrence.seminar_id)
        if hours is None or f":r{hours.revision}:" not in occurrence.key:
            return False
        cancelled = await _cancelled_dates(self.db, occurrence.seminar_id)
        tz = ZoneInfo(hours.timezone)
        local_day = datetime.fromtimestamp(occurrence.event_at, tz).date().isoformat()
        return local_day not in cancelled


async def _cancelled_dates(db: Database, seminar_id: int) -> set[str]:
    """The local dates (YYYY-MM-DD) whose office hour is cancelled."""
    return {c.local_date for c in await announcement_store.cancellations(db, seminar_id)}


def _by_time(occurrence: Occurrence) -> tuple[int, str]:
    return occurrence.due_at, occurrence.key


def _zone(cache: dict[str, ZoneInfo], name: str) -> ZoneInfo:
    found = cache.get(name)
    if found is None:
        found = cache[name] = ZoneInfo(name)
    return found


def _deadline_plan(
    deadline: DeadlineSchedule,
    zones: dict[str, ZoneInfo],
    low: int | None = None,
    high: int | None = None,
) -> list[Occurrence]:
    """A deadline's reminders; with `low`/`high`, only those that can fall due in
    between (the calendar arithmetic is what costs; a day-based offset lands within
    an hour of DST of `due_at - offset`)."""
    due = deadline.due_at
    offsets = [
        offset
        for offset in deadline.offsets
        if (low is None or due - offset + 3600 >= low)
        and (high is None or due - offset - 3600 <= high)
    ]
    return deadline_occurrences(
        deadline.id,
        deadline.seminar_id,
        due,
        offsets,
        deadline.revision,
        _zone(zones, deadline.timezone),
    )


def _office_hours_plan(
    hours: OfficeHoursRule, cancelled: Iterable[str], now: int
) -> list[Occurrence]:
    tz = ZoneInfo(hours.timezone)
    starts = office_hour_starts(
        hours.weekday,
        hours.start_minute,
        date.fromisoformat(hours.first_date),
        date.fromisoformat(hours.last_date),
        tz,
        cancelled,
    )
    return office_hour_occurrences(hours.seminar_id, hours.revision, starts, now, tz)


def _talk_plan(slots: Iterable[TalkSlotSchedule], zones: dict[str, ZoneInfo]) -> list[Occurrence]:
    """Every talk and block-day occurrence the programme's slots imply.

    A block day's time comes from the schedule, not from its first remaining
    talk, so a drop-out never moves (and re-sends) the day's reminder.
    """
    found: list[Occurrence] = []
    days: dict[tuple[int, int, str], dict[int, int]] = {}
    for slot in slots:
        tz = _zone(zones, slot.timezone)
        found.extend(
            talk_occurrences(slot.slot_id, slot.seminar_id, slot.revision, slot.starts_at, tz)
        )
        starts = days.setdefault((slot.seminar_id, slot.revision, slot.timezone), {})
        if slot.day_index not in starts:
            starts[slot.day_index] = block_day_start(slot.first_start, slot.day_index, tz)
    for (seminar_id, revision, zone_name), starts in days.items():
        found.extend(block_day_occurrences(seminar_id, revision, starts, _zone(zones, zone_name)))
    return found
