"""Weekly office hours: a calendar rule in the seminar's timezone, with cancellations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.base import Service
from bot.core.errors import InvalidInput, NotFound
from bot.core.reminders.occurrences import office_hour_starts
from bot.core.text import clean_text
from bot.core.timeutil import parse_date
from bot.store import announcements, audit

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
MAX_WEEKS = 60


@dataclass(frozen=True)
class OfficeHours:
    weekday: int
    start_minute: int
    duration_minutes: int
    place: str
    first: date
    last: date
    timezone: str
    cancelled: dict[str, str]
    upcoming: list[int]  # starts from now on, cancellations excluded

    @property
    def start_text(self) -> str:
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}"


def parse_weekday(text: str) -> int:
    cleaned = text.strip().lower()
    for index, name in enumerate(WEEKDAYS):
        if cleaned in (name, name[:3]):
            return index
    raise InvalidInput("Weekday must be a day name such as `tuesday` or `tue`.")


def parse_clock(text: str) -> int:
    match = _HHMM.match(text)
    if match is None:
        raise InvalidInput("Start must be a 24-hour time such as `14:00`.")
    return int(match.group(1)) * 60 + int(match.group(2))


class OfficeHoursService(Service):
    async def set(
        self,
        guild_id: int | None,
        actor_id: int,
        *,
        weekday: str,
        start: str,
        duration: int,
        place: str,
        first: str,
        last: str,
    ) -> OfficeHours:
        seminar = await self.seminar(guild_id)
        day = parse_weekday(weekday)
        start_minute = parse_clock(start)
        if not 5 <= duration <= 720:
            raise InvalidInput("Duration must be between 5 and 720 minutes.")
        where = clean_text(place, field="place", max_length=200, required=True)
        first_day, last_day = parse_date(first, "first"), parse_date(last, "last")
        if last_day < first_day:
            raise InvalidInput("`last` must not be before `first`.")
        if (last_day - first_day).days > MAX_WEEKS * 7:
            raise InvalidInput(f"Office hours can span at most {MAX_WEEKS} weeks.")
        if not office_hour_starts(day, start_minute, first_day, last_day, seminar.tz):
            raise InvalidInput(
                f"There is no {WEEKDAYS[day].capitalize()} between {first_day} and {last_day}."
            )
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await announcements.set_office_hours(
                tx,
                seminar.id,
                day,
                start_minute,
                duration,
                where,
                first_day.isoformat(),
                last_day.isoformat(),
                now,
            )
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "officehours.set",
                {
                    "weekday": day,
                    "start": start_minute,
                    "duration": duration,
                    "place": where,
                    "first": first_day.isoformat(),
                    "last": last_day.isoformat(),
                },
                now,
            )
        self.schedule_changed.fire()
        return await self.show(guild_id)

    async def cancel(
        self, guild_id: int | None, actor_id: int, day: str, reason: str
    ) -> tuple[OfficeHours, int]:
        """Cancel the occurrence on `day`; returns the hours and the cancelled start."""
        seminar = await self.seminar(guild_id)
        hours = await self.show(guild_id)
        local_day = parse_date(day, "date")
        why = clean_text(reason, field="reason", max_length=300)
        starts = office_hour_starts(
            hours.weekday,
            hours.start_minute,
            hours.first,
            hours.last,
            seminar.tz,
            hours.cancelled,
        )
        matching = [
            start
            for start in starts
            if datetime.fromtimestamp(start, seminar.tz).date() == local_day
        ]
        if not matching:
            raise NotFound(
                f"There are no office hours on {local_day.isoformat()} to cancel "
                "(wrong weekday, outside the term, or already cancelled)."
            )
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await announcements.cancel_office_hour(tx, seminar.id, local_day.isoformat(), why, now)
            if seminar.channel_id is not None:
                # Announced through the engine like any announcement: exactly once.
                weekday_name = WEEKDAYS[hours.weekday].capitalize()
                text = (
                    f"Office hours on {weekday_name} {local_day.isoformat()} "
                    f"({hours.start_text}, {hours.place}) are cancelled."
                    + (f" Reason: {why}" if why else "")
                )
                await announcements.insert_announcement(
                    tx, seminar.id, actor_id, text, None, now, now
                )
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "officehours.cancel",
                {"date": local_day.isoformat(), "reason": why},
                now,
            )
        self.schedule_changed.fire()
        return await self.show(guild_id), matching[0]

    async def show(self, guild_id: int | None) -> OfficeHours:
        seminar = await self.seminar(guild_id)
        rule = await announcements.office_hours(self.db, seminar.id)
        if rule is None:
            raise NotFound("No office hours are set for this seminar.")
        cancelled = {
            c.local_date: c.reason for c in await announcements.cancellations(self.db, seminar.id)
        }
        first, last = date.fromisoformat(rule.first_date), date.fromisoformat(rule.last_date)
        starts = office_hour_starts(
            rule.weekday, rule.start_minute, first, last, seminar.tz, cancelled
        )
        now = self.clock.now()
        return OfficeHours(
            weekday=rule.weekday,
            start_minute=rule.start_minute,
            duration_minutes=rule.duration_minutes,
            place=rule.place,
            first=first,
            last=last,
            timezone=seminar.timezone,
            cancelled=cancelled,
            upcoming=[s for s in starts if s + rule.duration_minutes * 60 > now],
        )


@dataclass(frozen=True)
class EventPlan:
    """The Discord scheduled event a seminar's office hours should have right now."""

    seminar_id: int
    guild_id: int
    current_event_id: int | None
    current_start: int | None
    # None: there should be no event (no office hours left, or none set).
    start: int | None
    end: int | None
    place: str
    # Which of the seminar's events (`scheduled_events.purpose`) and its wording.
    purpose: str = "officehours"
    name: str = "Office hours"
    description: str = "Weekly office hours of the seminar. See /officehours."
    # The end the event was last given, where it is recorded (block days).
    current_end: int | None = None


class MirroredEvents(Service):
    """Records which Discord scheduled event mirrors a plan (office hours, block days)."""

    async def remember(self, plan: EventPlan, event_id: int | None) -> None:
        async with self.db.transaction() as tx:
            if event_id is None or plan.start is None or plan.end is None:
                await announcements.forget_scheduled_event(tx, plan.seminar_id, plan.purpose)
            else:
                await announcements.remember_scheduled_event(
                    tx, plan.seminar_id, plan.purpose, event_id, plan.start, plan.end
                )


class OfficeHourEvents(MirroredEvents, OfficeHoursService):
    """Keeps one scheduled event per seminar on the next office-hour occurrence."""

    PURPOSE = "officehours"

    async def plans(self) -> list[EventPlan]:
        found = []
        for seminar in await announcements.seminars_with_office_hours(self.db):
            existing = await announcements.scheduled_event(self.db, seminar.id, self.PURPOSE)
            start = end = None
            place = ""
            try:
                hours = await self.show(seminar.guild_id)
            except NotFound:
                hours = None
            if hours is not None and hours.upcoming:
                start = hours.upcoming[0]
                end = start + hours.duration_minutes * 60
                place = hours.place
            found.append(
                EventPlan(
                    seminar_id=seminar.id,
                    guild_id=seminar.guild_id,
                    current_event_id=None if existing is None else existing.event_id,
                    current_start=None if existing is None else existing.starts_at,
                    current_end=None if existing is None else existing.ends_at,
                    start=start,
                    end=end,
                    place=place,
                )
            )
        return found
