"""`/calendar`: an iCalendar file with a student's deadlines, office hours and talks.

Written for re-import: every event has a UID derived from what it is (not from
when the file was made), so importing a fresh file updates events instead of
duplicating them, and SEQUENCE follows the row's revision so a moved deadline
replaces the old one. Local times carry the seminar's TZID with a generated
VTIMEZONE, so calendar apps show office hours at the same wall-clock time on
both sides of the DST change, as the weekly rule in the seminar's zone means.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from bot.core.base import Service
from bot.core.models import DeadlineKind, OfficeHoursRule, Seminar
from bot.core.reminders.occurrences import office_hour_starts
from bot.core.reminders.wording import DEADLINE_ACTIONS, DEADLINE_NAMES
from bot.core.text import clip, printable
from bot.core.timeutil import within_range
from bot.store import announcements, deadlines
from bot.store import talks as talk_store

log = logging.getLogger(__name__)

PRODID = "-//seminar-bot//Seminar calendar 1.0//EN"
UID_DOMAIN = "seminar-bot"
# Deadlines without reminder offsets still get one alarm: a day before.
FALLBACK_ALARM = 86_400


@dataclass(frozen=True)
class TalkSlot:
    """One talk in the block-seminar programme, as the calendar shows it."""

    key: str  # stable across re-scheduling (e.g. the paper code), part of the UID
    title: str
    start: int
    end: int
    place: str = ""
    revision: int = 0


def local_time(instant: int, tz: ZoneInfo) -> datetime:
    """`instant` as a wall time in `tz`, or in UTC when the wall time is ambiguous.

    iCalendar has no way to say which of the two 02:30s of the autumn change is
    meant (it picks the first), so an instant inside the repeated hour is
    written in UTC instead, which is exact.
    """
    local = datetime.fromtimestamp(instant, tz)
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        return datetime.fromtimestamp(instant, UTC)
    return local


class CalendarService(Service):
    async def talks(self, seminar: Seminar, user_id: int) -> list[TalkSlot]:
        """The student's own talk and every block day (attendance is required).

        Keys stay the same across re-scheduling (`yours`, `day-<n>`), so a
        re-imported file moves the events; SEQUENCE is the schedule's revision.
        """
        schedule = await talk_store.schedule(self.db, seminar.id)
        if schedule is None:
            return []
        revision = schedule.revision
        found = []
        mine = await talk_store.slot_of(self.db, seminar.id, user_id)
        if mine is not None:
            found.append(
                TalkSlot(
                    key="yours",
                    title=f"Your talk: {mine.paper_code} — {clip(mine.paper_title, 150)}",
                    start=mine.starts_at,
                    end=mine.ends_at,
                    revision=revision,
                )
            )
        for day in await talk_store.days_of(self.db, seminar.id):
            found.append(
                TalkSlot(
                    key=f"day-{day.day_index + 1}",
                    title=(
                        f"Block seminar day {day.day_index + 1} — "
                        f"{clip(seminar.title, 150)} (attendance required)"
                    ),
                    start=day.starts_at,
                    end=day.ends_at,
                    revision=revision,
                )
            )
        return found

    async def ics(self, guild_id: int | None, user_id: int) -> bytes:
        seminar = await self.seminar(guild_id)
        tz = seminar.tz
        now = datetime.fromtimestamp(self.clock.now(), UTC)
        # A title stored before line breaks were refused must not break the file.
        title = clip(printable(seminar.title), 200)
        cal = Calendar.new(
            prodid=PRODID,
            uid=f"calendar-{seminar.guild_id}-{user_id}@{UID_DOMAIN}",
            name=title,
            calscale="GREGORIAN",
        )
        cal.add("x-wr-timezone", seminar.timezone)
        days: list[date] = []

        for deadline in await deadlines.list_all(self.db, seminar.id):
            if not within_range(deadline.due_at):
                log.warning("calendar: left out deadline %s (time out of range)", deadline.id)
                continue
            name, action = _deadline_words(deadline.kind)
            start = local_time(deadline.due_at, tz)
            # Calendar apps show text as is: no Discord markdown backticks.
            description = "\n".join(
                part for part in (deadline.note, action.replace("`", "")) if part
            )
            # A deadline is an instant: DTSTART without DTEND is a zero-length
            # event (RFC 5545 3.6.1), shown at the deadline's time.
            event = Event.new(
                uid=f"deadline-{seminar.guild_id}-{_uid_safe(deadline.kind)}@{UID_DOMAIN}",
                start=start,
                summary=f"Deadline: {name} — {title}",
                description=description or None,
                stamp=now,
                sequence=deadline.revision,
            )
            for offset in deadline.reminder_offsets or (FALLBACK_ALARM,):
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("trigger", timedelta(seconds=-offset))
                alarm.add("description", f"{name} is due")
                event.add_component(alarm)
            cal.add_component(event)
            days.append(start.date())

        hours = await announcements.office_hours(self.db, seminar.id)
        if hours is not None:
            first, last = date.fromisoformat(hours.first_date), date.fromisoformat(hours.last_date)
            starts = [
                start
                for start in office_hour_starts(hours.weekday, hours.start_minute, first, last, tz)
                if within_range(start)
            ]
            if starts:
                event = self._office_hours(seminar, hours, starts, now)
                cancelled = [
                    c.local_date for c in await announcements.cancellations(self.db, seminar.id)
                ]
                exdates = self._exdates(starts, cancelled, tz)
                if exdates:
                    event.add("exdate", exdates)
                cal.add_component(event)
                days += [
                    datetime.fromtimestamp(starts[0], tz).date(),
                    datetime.fromtimestamp(starts[-1], tz).date(),
                ]

        for talk in await self.talks(seminar, user_id):
            if not (within_range(talk.start) and within_range(talk.end)):
                log.warning("calendar: left out talk %s (time out of range)", talk.key)
                continue
            event = Event.new(
                uid=f"talk-{seminar.guild_id}-{_uid_safe(talk.key)}@{UID_DOMAIN}",
                start=local_time(talk.start, tz),
                end=local_time(talk.end, tz),
                summary=clip(talk.title, 200),
                location=talk.place or None,
                stamp=now,
                sequence=talk.revision,
            )
            cal.add_component(event)
            days.append(datetime.fromtimestamp(talk.start, tz).date())

        if days:
            # The VTIMEZONE only needs to cover the events (and stays small).
            cal.add_missing_timezones(
                first_date=_shifted(min(days), -366), last_date=_shifted(max(days), 366)
            )
        return bytes(cal.to_ical())

    def _office_hours(
        self, seminar: Seminar, rule: OfficeHoursRule, starts: list[int], now: datetime
    ) -> Event:
        tz = seminar.tz
        first_start = datetime.fromtimestamp(starts[0], tz)
        duration = timedelta(minutes=rule.duration_minutes)
        event = Event.new(
            uid=f"officehours-{seminar.guild_id}@{UID_DOMAIN}",
            start=first_start,
            # Wall-clock arithmetic in one zone: a 2 h slot stays 2 h on the calendar.
            end=first_start + duration,
            summary=f"Office hours — {clip(seminar.title, 200)}",
            location=clip(rule.place, 200),
            stamp=now,
            sequence=rule.revision,
        )
        # RFC 5545: with a TZID start, UNTIL must be in UTC; the last start itself
        # is included.
        until = datetime.fromtimestamp(starts[-1], UTC)
        event.add("rrule", {"freq": "weekly", "until": until})
        return event

    @staticmethod
    def _exdates(starts: list[int], cancelled: list[str], tz: ZoneInfo) -> list[datetime]:
        """Cancelled dates as the local start times the rule would have produced."""
        skip = set(cancelled)
        return [
            datetime.fromtimestamp(start, tz)
            for start in starts
            if datetime.fromtimestamp(start, tz).date().isoformat() in skip
        ]


def _deadline_words(kind: str) -> tuple[str, str]:
    """The deadline's name and what to do, as the reminders word them."""
    try:
        known = DeadlineKind(kind)
    except ValueError:
        return clip(kind, 60), ""
    return DEADLINE_NAMES[known], DEADLINE_ACTIONS[known]


def _shifted(day: date, days: int) -> date:
    """`day` moved by `days`, stopping at the ends of the calendar."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _uid_safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)[:80]
