"""The block-seminar programme, built from the published assignment.

Talks are grouped by topic (topics in the catalogue order of their first paper),
papers in catalogue order within a topic. A paper with two presenters gets one
slot per presenter, back to back (each student gives, and is graded on, their
own talk). `per_day` talks fill a day, `break_minutes` separate two talks; day
2 and later start at the same wall time as day 1 on the following calendar
days in the seminar's timezone, so a DST change in between does not move them.

Re-scheduling replaces the programme whole and bumps its revision, which gives
the reminders (`Source.TALK`, `Source.BLOCK_DAY`) fresh keys. A presenter who
leaves loses their slot (a trigger, whichever way they leave); the others keep
their times until the organisers re-schedule, which /admin status points out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.attendance import create_codes
from bot.core.base import Service
from bot.core.errors import InvalidInput, NotFound
from bot.core.models import Seminar
from bot.core.models import Talk as Talk  # the front ends import it from here
from bot.core.officehours import EventPlan, MirroredEvents
from bot.core.reminders.occurrences import block_day_start
from bot.core.timeutil import parse_local_time, resolve_wall_time
from bot.store import assignments as assignment_store
from bot.store import audit
from bot.store import talks as store

TALK_MINUTES = (5, 240)
BREAK_MINUTES = (0, 120)
PER_DAY = (1, 50)
BLOCK_DAY_PURPOSE = "blockday:"


@dataclass(frozen=True)
class BlockDay:
    index: int  # 0-based; shown as "Day index + 1"
    starts_at: int
    ends_at: int
    talks: list[Talk] = field(default_factory=list)


@dataclass(frozen=True)
class Programme:
    seminar: Seminar
    revision: int
    talk_minutes: int
    break_minutes: int
    per_day: int
    days: list[BlockDay]
    # Presenters who left since this revision: their slots are gone (a gap).
    dropped: int
    updated_at: int

    @property
    def talks(self) -> list[Talk]:
        return [talk for day in self.days for talk in day.talks]


@dataclass(frozen=True)
class PlannedSlot:
    user_id: int
    paper_id: int
    day_index: int
    position: int
    starts_at: int
    ends_at: int


def plan_slots(
    presenters: list[tuple[int, int]],
    first_start: int,
    tz: ZoneInfo,
    talk_minutes: int,
    break_minutes: int,
    per_day: int,
) -> list[PlannedSlot]:
    """Times for (user_id, paper_id) pairs already in programme order.

    Within a day talks follow each other by exact durations; each day starts
    at day 1's wall time on its own calendar day in `tz` (refused if that wall
    time does not exist or happens twice on that day).
    """
    wall = datetime.fromtimestamp(first_start, tz).replace(tzinfo=None)
    found = []
    for index, (user_id, paper_id) in enumerate(presenters):
        day, place = divmod(index, per_day)
        # Refuses a day whose wall time does not exist or happens twice.
        resolve_wall_time(wall + timedelta(days=day), tz)
        day_start = block_day_start(first_start, day, tz)
        start = day_start + place * (talk_minutes + break_minutes) * 60
        found.append(
            PlannedSlot(user_id, paper_id, day, index + 1, start, start + talk_minutes * 60)
        )
    return found


class TalkService(Service):
    async def schedule(
        self,
        guild_id: int | None,
        actor_id: int,
        start: str,
        talk_minutes: int,
        break_minutes: int,
        per_day: int,
    ) -> Programme:
        """Build (or rebuild) the programme from the published assignment."""
        seminar = await self.seminar(guild_id)
        _check_range("talk_minutes", talk_minutes, TALK_MINUTES)
        _check_range("break_minutes", break_minutes, BREAK_MINUTES)
        _check_range("per_day", per_day, PER_DAY)
        tz = seminar.tz
        first = parse_local_time(start, tz)
        now = self.clock.now()
        if first <= now:
            raise InvalidInput("The block seminar must start in the future ({first}).", first=first)
        local = datetime.fromtimestamp(first, tz)
        day_minutes = per_day * talk_minutes + (per_day - 1) * break_minutes
        if local.hour * 60 + local.minute + day_minutes > 24 * 60:
            raise InvalidInput(
                f"{per_day} talks of {talk_minutes} min with {break_minutes} min breaks take "
                f"{day_minutes} min and would run past midnight from "
                f"{local.strftime('%H:%M')}. Start earlier or use fewer talks per day."
            )
        async with self.db.transaction() as tx:
            run = await assignment_store.published_run(tx, seminar.id)
            if run is None:
                raise NotFound(
                    "No paper assignment is published yet, so there is no programme to "
                    "build. Publish one with `/admin assign publish` first."
                )
            presenters = await store.presenters_in_order(tx, seminar.id)
            if not presenters:
                raise NotFound("Nobody presents a paper in the published assignment.")
            planned = plan_slots(
                presenters,
                first,
                tz,
                talk_minutes,
                break_minutes,
                per_day,
            )
            revision = await store.replace_programme(
                tx,
                seminar.id,
                first_start=first,
                talk_minutes=talk_minutes,
                break_minutes=break_minutes,
                per_day=per_day,
                run_id=run.id,
                slots=[
                    (s.user_id, s.paper_id, s.day_index, s.position, s.starts_at, s.ends_at)
                    for s in planned
                ],
                now=now,
            )
            # Every talk gets a fresh check-in code; the old slots took theirs along.
            await create_codes(tx, seminar.id, now)
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "talks.schedule",
                {
                    "start": local.isoformat(),
                    "talk_minutes": talk_minutes,
                    "break_minutes": break_minutes,
                    "per_day": per_day,
                    "talks": len(planned),
                    "days": planned[-1].day_index + 1,
                    "revision": revision,
                    "run": run.id,
                },
                now,
            )
        self.schedule_changed.fire()
        return await self._programme(seminar)

    async def programme(self, guild_id: int | None) -> Programme:
        """`/talks`: the programme by day."""
        return await self._programme(await self.seminar(guild_id))

    async def slot_of(self, guild_id: int | None, user_id: int) -> Talk | None:
        """`/assignment`: this student's talk, if the programme has one for them."""
        seminar = await self.seminar(guild_id)
        return await store.slot_of(self.db, seminar.id, user_id)

    async def dropped(self, seminar: Seminar) -> int:
        """Presenters who left since the programme was last scheduled."""
        schedule = await store.schedule(self.db, seminar.id)
        return 0 if schedule is None else schedule.dropped

    async def _programme(self, seminar: Seminar) -> Programme:
        schedule = await store.schedule(self.db, seminar.id)
        if schedule is None:
            raise NotFound("The block-seminar programme is not scheduled yet.")
        talks = await store.talks(self.db, seminar.id)
        days = [
            BlockDay(
                d.day_index,
                d.starts_at,
                d.ends_at,
                [t for t in talks if t.day_index == d.day_index],
            )
            for d in await store.days_of(self.db, seminar.id)
        ]
        return Programme(
            seminar=seminar,
            revision=schedule.revision,
            talk_minutes=schedule.talk_minutes,
            break_minutes=schedule.break_minutes,
            per_day=schedule.per_day,
            days=days,
            dropped=schedule.dropped,
            updated_at=schedule.updated_at,
        )


class BlockDayEvents(MirroredEvents, TalkService):
    """One Discord scheduled event per block day (purpose `blockday:<index>`)."""

    async def plans(self) -> list[EventPlan]:
        now = self.clock.now()
        found = []
        for seminar in await store.seminars_with_programme(self.db):
            existing = {e.purpose: e for e in await store.block_day_events(self.db, seminar.id)}
            wanted = {
                f"{BLOCK_DAY_PURPOSE}{d.day_index}": d
                for d in await store.days_of(self.db, seminar.id)
            }
            for purpose in sorted(wanted.keys() | existing.keys()):
                day = wanted.get(purpose)
                current = existing.get(purpose)
                if day is not None and day.ends_at <= now:
                    continue  # over: Discord ends it by itself
                if day is None and (current is None or current.starts_at <= now):
                    continue  # a past day's event is left as it was
                index = int(purpose.removeprefix(BLOCK_DAY_PURPOSE))
                found.append(
                    EventPlan(
                        seminar_id=seminar.id,
                        guild_id=seminar.guild_id,
                        current_event_id=None if current is None else current.event_id,
                        current_start=None if current is None else current.starts_at,
                        start=None if day is None else day.starts_at,
                        end=None if day is None else day.ends_at,
                        place="See /talks",
                        purpose=purpose,
                        name=f"Block seminar, day {index + 1}",
                        description=(
                            f"{seminar.title}: {day.talks if day else 0} talks. Attendance is "
                            "required. The programme: /talks."
                        ),
                        current_end=None if current is None else current.ends_at,
                    )
                )
        return found


def _check_range(name: str, value: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise InvalidInput(f"`{name}` must be between {low} and {high}.")
