"""SQL for announcements and office hours."""

from __future__ import annotations

from bot.core.models import (
    Announcement,
    MirroredEvent,
    OfficeHourCancellation,
    OfficeHoursRule,
    Seminar,
)
from bot.store import seminars
from bot.store.database import Row, Transaction
from bot.store.reader import Reader

# The columns `mirrored_event` reads.
EVENT_COLUMNS = "purpose, event_id, starts_at, ends_at"


def mirrored_event(row: Row) -> MirroredEvent:
    return MirroredEvent(row["purpose"], row["event_id"], row["starts_at"], row["ends_at"])


async def insert_announcement(
    tx: Transaction,
    seminar_id: int,
    author_id: int,
    message: str,
    ping_role_id: int | None,
    post_at: int,
    now: int,
) -> int:
    return await tx.execute(
        "INSERT INTO announcements (seminar_id, author_id, message, ping_role_id, post_at, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (seminar_id, author_id, message, ping_role_id, post_at, now),
    )


async def scheduled(db: Reader, seminar_id: int) -> list[Announcement]:
    """Announcements not cancelled and not yet posted, soonest first."""
    rows = await db.fetch_all(
        "SELECT a.id, a.seminar_id, a.message, a.ping_role_id, a.post_at FROM announcements a "
        "WHERE a.seminar_id = ? AND a.cancelled_at IS NULL AND NOT EXISTS ("
        "SELECT 1 FROM job_runs j WHERE j.job_key = 'announcement:' || a.id) "
        "ORDER BY a.post_at",
        (seminar_id,),
    )
    return [
        Announcement(
            id=row["id"],
            seminar_id=row["seminar_id"],
            message=row["message"],
            ping_role_id=row["ping_role_id"],
            post_at=row["post_at"],
        )
        for row in rows
    ]


async def cancel(tx: Transaction, seminar_id: int, announcement_id: int, now: int) -> int:
    return await tx.execute_rowcount(
        "UPDATE announcements SET cancelled_at = ? WHERE id = ? AND seminar_id = ? "
        "AND cancelled_at IS NULL AND NOT EXISTS ("
        "SELECT 1 FROM job_runs j WHERE j.job_key = 'announcement:' || announcements.id)",
        (now, announcement_id, seminar_id),
    )


_OFFICE_HOURS = (
    "SELECT o.seminar_id, o.weekday, o.start_minute, o.duration_minutes, o.place, "
    "o.first_date, o.last_date, o.revision, o.updated_at, s.timezone "
    "FROM office_hours o JOIN seminars s ON s.id = o.seminar_id"
)


def _office_hours(row: Row) -> OfficeHoursRule:
    return OfficeHoursRule(
        seminar_id=row["seminar_id"],
        weekday=row["weekday"],
        start_minute=row["start_minute"],
        duration_minutes=row["duration_minutes"],
        place=row["place"],
        first_date=row["first_date"],
        last_date=row["last_date"],
        revision=row["revision"],
        updated_at=row["updated_at"],
        timezone=row["timezone"],
    )


async def office_hours(db: Reader, seminar_id: int) -> OfficeHoursRule | None:
    row = await db.fetch_one(f"{_OFFICE_HOURS} WHERE o.seminar_id = ?", (seminar_id,))
    return None if row is None else _office_hours(row)


async def all_office_hours(db: Reader, seminar_id: int | None = None) -> list[OfficeHoursRule]:
    """Every seminar's office hours, or one seminar's (for the reminder planner)."""
    if seminar_id is None:
        rows = await db.fetch_all(_OFFICE_HOURS)
    else:
        rows = await db.fetch_all(f"{_OFFICE_HOURS} WHERE o.seminar_id = ?", (seminar_id,))
    return [_office_hours(row) for row in rows]


async def set_office_hours(
    tx: Transaction,
    seminar_id: int,
    weekday: int,
    start_minute: int,
    duration_minutes: int,
    place: str,
    first_date: str,
    last_date: str,
    now: int,
) -> None:
    await tx.execute(
        "INSERT INTO office_hours (seminar_id, weekday, start_minute, duration_minutes, place, "
        "first_date, last_date, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (seminar_id) DO UPDATE SET weekday = excluded.weekday, "
        "start_minute = excluded.start_minute, duration_minutes = excluded.duration_minutes, "
        "place = excluded.place, first_date = excluded.first_date, "
        "last_date = excluded.last_date, revision = revision + 1, "
        "updated_at = excluded.updated_at",
        (seminar_id, weekday, start_minute, duration_minutes, place, first_date, last_date, now),
    )


async def cancel_office_hour(
    tx: Transaction, seminar_id: int, local_date: str, reason: str, now: int
) -> None:
    await tx.execute(
        "INSERT INTO office_hour_cancellations (seminar_id, local_date, reason, created_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (seminar_id, local_date) DO UPDATE SET "
        "reason = excluded.reason",
        (seminar_id, local_date, reason, now),
    )


async def cancellations(db: Reader, seminar_id: int) -> list[OfficeHourCancellation]:
    rows = await db.fetch_all(
        "SELECT local_date, reason FROM office_hour_cancellations WHERE seminar_id = ? "
        "ORDER BY local_date",
        (seminar_id,),
    )
    return [OfficeHourCancellation(row["local_date"], row["reason"]) for row in rows]


async def scheduled_event(db: Reader, seminar_id: int, purpose: str) -> MirroredEvent | None:
    row = await db.fetch_one(
        f"SELECT {EVENT_COLUMNS} FROM scheduled_events WHERE seminar_id = ? AND purpose = ?",
        (seminar_id, purpose),
    )
    return None if row is None else mirrored_event(row)


async def remember_scheduled_event(
    tx: Transaction,
    seminar_id: int,
    purpose: str,
    event_id: int,
    starts_at: int,
    ends_at: int | None,
) -> None:
    await tx.execute(
        "INSERT INTO scheduled_events (seminar_id, purpose, event_id, starts_at, ends_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (seminar_id, purpose) DO UPDATE SET "
        "event_id = excluded.event_id, starts_at = excluded.starts_at, "
        "ends_at = excluded.ends_at",
        (seminar_id, purpose, event_id, starts_at, ends_at),
    )


async def forget_scheduled_event(tx: Transaction, seminar_id: int, purpose: str) -> None:
    await tx.execute(
        "DELETE FROM scheduled_events WHERE seminar_id = ? AND purpose = ?", (seminar_id, purpose)
    )


async def seminars_with_office_hours(db: Reader) -> list[Seminar]:
    """Seminars with office hours or an office-hours event to clean up."""
    return await seminars.with_ids_from(
        db,
        "SELECT seminar_id FROM office_hours UNION "
        "SELECT seminar_id FROM scheduled_events WHERE purpose = 'officehours'",
    )
