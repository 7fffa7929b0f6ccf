"""What an occurrence is, and the calendar arithmetic that places each kind in time.

Pure functions of a row's values: no database, no clock. The planner (planner.py)
feeds them rows; tests and the calendar view call them directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# Office hours: the day before, and 15 minutes before.
OFFICE_HOUR_NOTICES = (86_400, 900)
# More weekly occurrences than any term has (the command allows 60 weeks).
OFFICE_HOUR_MAX_WEEKS = 10 * 53
# A presenter hears about their talk the day before and an hour before; everyone
# hears the day before each block day (attendance is required).
TALK_NOTICES = (86_400, 3_600)
BLOCK_DAY_NOTICE = 86_400


class Source(StrEnum):
    DEADLINE = "deadline"
    ANNOUNCEMENT = "announcement"
    OFFICE_HOURS = "officehours"
    PUBLICATION = "publication"
    TALK = "talk"
    BLOCK_DAY = "blockday"
    NOTICE = "notice"


@dataclass(frozen=True, order=True)
class Occurrence:
    due_at: int
    key: str
    seminar_id: int
    source: Source
    ref_id: int
    # After this instant the message is no longer useful: recorded as missed.
    expires_at: int
    offset: int = 0
    event_at: int = 0


def before(instant: int, offset: int, tz: ZoneInfo | None) -> int:
    """`offset` seconds before `instant`, whole days counted on the calendar in `tz`.

    "1d before" a 12:00 deadline means 12:00 the day before, which is what a
    student expects, even when the clocks change in between (then it is 23 or
    25 hours). Offsets that are not whole days (2h, 90m) are exact durations.
    """
    days, rest = divmod(offset, 86_400)
    if tz is None or rest or not days:
        return instant - offset
    local = datetime.fromtimestamp(instant, tz)
    # Aware arithmetic with one tzinfo is wall-clock arithmetic in Python.
    return int((local - timedelta(days=days)).timestamp())


def notice_before(
    source: Source,
    seminar_id: int,
    ref_id: int,
    key: str,
    event_at: int,
    offset: int,
    tz: ZoneInfo | None,
) -> Occurrence:
    """A notice `offset` seconds before an event, useful until the event starts."""
    return Occurrence(
        due_at=before(event_at, offset, tz),
        key=key,
        seminar_id=seminar_id,
        source=source,
        ref_id=ref_id,
        expires_at=event_at,
        offset=offset,
        event_at=event_at,
    )


def notices_before(
    source: Source,
    seminar_id: int,
    ref_id: int,
    key: str,
    event_at: int,
    offsets: Iterable[int],
    tz: ZoneInfo | None,
) -> list[Occurrence]:
    """One notice per offset before an event, keyed `{key}:{offset}`."""
    return [
        notice_before(source, seminar_id, ref_id, f"{key}:{offset}", event_at, offset, tz)
        for offset in offsets
    ]


def posted_once(
    source: Source, ref_id: int, seminar_id: int, due_at: int, useful_for: int
) -> Occurrence:
    """A message sent once at `due_at` (an announcement, a publication, a notice),
    still worth sending late for `useful_for` seconds."""
    return Occurrence(
        due_at=due_at,
        key=f"{source.value}:{ref_id}",
        seminar_id=seminar_id,
        source=source,
        ref_id=ref_id,
        expires_at=due_at + useful_for,
    )


def deadline_occurrences(
    deadline_id: int,
    seminar_id: int,
    due_at: int,
    offsets: Iterable[int],
    revision: int,
    tz: ZoneInfo | None = None,
) -> list[Occurrence]:
    key = f"deadline:{deadline_id}:r{revision}"
    return notices_before(Source.DEADLINE, seminar_id, deadline_id, key, due_at, offsets, tz)


def office_hour_starts(
    weekday: int,
    start_minute: int,
    first: date,
    last: date,
    tz: ZoneInfo,
    cancelled: Iterable[str] = (),
) -> list[int]:
    """Every weekly occurrence's start, on the calendar in `tz` (DST-proof)."""
    skip = set(cancelled)
    starts: list[int] = []
    hour, minute = divmod(start_minute, 60)
    try:
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        # Bounded: a row spanning centuries (written by hand) costs no more than this.
        for _ in range(OFFICE_HOUR_MAX_WEEKS):
            if day > last:
                break
            if day.isoformat() not in skip:
                local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                starts.append(int(local.timestamp()))
            day += timedelta(days=7)
    except OverflowError:
        pass  # the calendar ends (year 9999): there are no later weeks
    return starts


def office_hour_occurrences(
    seminar_id: int, revision: int, starts: Iterable[int], now: int, tz: ZoneInfo | None = None
) -> list[Occurrence]:
    """Notices for the next occurrence, plus any still-useful one a restart missed."""
    upcoming = [start for start in starts if start > now]
    return [
        occurrence
        for start in upcoming[:1]
        for occurrence in notices_before(
            Source.OFFICE_HOURS,
            seminar_id,
            seminar_id,
            f"officehours:{seminar_id}:r{revision}:{start}",
            start,
            OFFICE_HOUR_NOTICES,
            tz,
        )
    ]


def talk_occurrences(
    slot_id: int, seminar_id: int, revision: int, starts_at: int, tz: ZoneInfo | None = None
) -> list[Occurrence]:
    """A presenter's reminders for their talk slot (1 day and 1 hour before)."""
    key = f"talk:{seminar_id}:r{revision}:{slot_id}"
    return notices_before(Source.TALK, seminar_id, slot_id, key, starts_at, TALK_NOTICES, tz)


def block_day_occurrences(
    seminar_id: int, revision: int, day_starts: dict[int, int], tz: ZoneInfo | None = None
) -> list[Occurrence]:
    """Everyone's reminder the day before each block day (day index -> its first talk)."""
    return [
        notice_before(
            Source.BLOCK_DAY,
            seminar_id,
            index,
            f"blockday:{seminar_id}:r{revision}:d{index}",
            start,
            BLOCK_DAY_NOTICE,
            tz,
        )
        for index, start in sorted(day_starts.items())
    ]


def block_day_start(first_start: int, day_index: int, tz: ZoneInfo) -> int:
    """Day `day_index` (0-based) of a block seminar: day 1's wall time, that many
    calendar days later in `tz` (DST-proof)."""
    wall = datetime.fromtimestamp(first_start, tz).replace(tzinfo=None)
    return int((wall + timedelta(days=day_index)).replace(tzinfo=tz).timestamp())
