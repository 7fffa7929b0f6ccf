"""SQL for the block-seminar programme: the schedule row and its talk slots."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.models import (
    MirroredEvent,
    ProgrammeDay,
    Seminar,
    Talk,
    TalkSchedule,
    TalkSlotSchedule,
)
from bot.store import seminars
from bot.store.announcements import EVENT_COLUMNS, mirrored_event
from bot.store.database import Row, Transaction
from bot.store.reader import Reader
from bot.store.reminders import EVERYTHING, Window

_SLOT_COLUMNS = (
    "t.id, t.seminar_id, t.user_id, t.paper_id, t.day_index, t.position, t.starts_at, "
    "t.ends_at, pa.code, pa.title, pa.topic"
)


def _talk(row: Row) -> Talk:
    return Talk(
        position=row["position"],
        day_index=row["day_index"],
        user_id=row["user_id"],
        paper_code=row["code"],
        paper_title=row["title"],
        topic=row["topic"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
    )


def _schedule(row: Row) -> TalkSchedule:
    return TalkSchedule(
        seminar_id=row["seminar_id"],
        first_start=row["first_start"],
        talk_minutes=row["talk_minutes"],
        break_minutes=row["break_minutes"],
        per_day=row["per_day"],
        run_id=row["run_id"],
        revision=row["revision"],
        dropped=row["dropped"],
        updated_at=row["updated_at"],
    )


async def presenters_in_order(db: Reader, seminar_id: int) -> list[tuple[int, int]]:
    """(user_id, paper_id) of the published assignment, grouped by topic (topics in
    the catalogue order of their first paper), papers in catalogue order, a paper's
    presenters by name."""
    rows = await db.fetch_all(
        "SELECT a.user_id, pa.id AS paper_id, "
        "(SELECT min(o.position) FROM papers o WHERE o.seminar_id = pa.seminar_id "
        "AND o.topic = pa.topic) AS topic_first "
        "FROM assignments a JOIN papers pa ON pa.id = a.paper_id "
        "LEFT JOIN participants p ON p.seminar_id = a.seminar_id AND p.user_id = a.user_id "
        "WHERE a.seminar_id = ? "
        "ORDER BY topic_first, pa.position, p.display_name COLLATE NOCASE, a.user_id",
        (seminar_id,),
    )
    return [(row["user_id"], row["paper_id"]) for row in rows]


async def schedule(db: Reader, seminar_id: int) -> TalkSchedule | None:
    row = await db.fetch_one(
        "SELECT seminar_id, first_start, talk_minutes, break_minutes, per_day, run_id, "
        "revision, dropped, updated_at FROM talk_schedules WHERE seminar_id = ?",
        (seminar_id,),
    )
    return None if row is None else _schedule(row)


async def replace_programme(
    tx: Transaction,
    seminar_id: int,
    *,
    first_start: int,
    talk_minutes: int,
    break_minutes: int,
    per_day: int,
    run_id: int | None,
    slots: Iterable[tuple[int, int, int, int, int, int]],
    now: int,
) -> int:
    """Store the schedule (bumping its revision) and its slots
    (user_id, paper_id, day_index, position, starts_at, ends_at); returns the revision."""
    await tx.execute(
        "INSERT INTO talk_schedules (seminar_id, first_start, talk_minutes, break_minutes, "
        "per_day, run_id, revision, dropped, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 0, ?) "
        "ON CONFLICT (seminar_id) DO UPDATE SET first_start = excluded.first_start, "
        "talk_minutes = excluded.talk_minutes, break_minutes = excluded.break_minutes, "
        "per_day = excluded.per_day, run_id = excluded.run_id, "
        "revision = talk_schedules.revision + 1, dropped = 0, updated_at = excluded.updated_at",
        (seminar_id, first_start, talk_minutes, break_minutes, per_day, run_id, now),
    )
    await tx.execute("DELETE FROM talk_slots WHERE seminar_id = ?", (seminar_id,))
    await tx.executemany(
        "INSERT INTO talk_slots (seminar_id, user_id, paper_id, day_index, position, "
        "starts_at, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(seminar_id, *slot) for slot in slots],
    )
    return int(
        await tx.fetch_value(
            "SELECT revision FROM talk_schedules WHERE seminar_id = ?", (seminar_id,)
        )
    )


async def talks(db: Reader, seminar_id: int) -> list[Talk]:
    """Every talk of the programme in order, with its paper."""
    rows = await db.fetch_all(
        f"SELECT {_SLOT_COLUMNS} FROM talk_slots t JOIN papers pa ON pa.id = t.paper_id "
        "WHERE t.seminar_id = ? ORDER BY t.position",
        (seminar_id,),
    )
    return [_talk(row) for row in rows]


async def slot_of(db: Reader, seminar_id: int, user_id: int) -> Talk | None:
    """The member's talk, if the programme has one for them."""
    row = await db.fetch_one(
        f"SELECT {_SLOT_COLUMNS} FROM talk_slots t JOIN papers pa ON pa.id = t.paper_id "
        "WHERE t.seminar_id = ? AND t.user_id = ?",
        (seminar_id, user_id),
    )
    return None if row is None else _talk(row)


async def slot_by_id(db: Reader, slot_id: int) -> Talk | None:
    """The talk of this slot (a talk reminder names its slot), while it exists."""
    row = await db.fetch_one(
        f"SELECT {_SLOT_COLUMNS} FROM talk_slots t JOIN papers pa ON pa.id = t.paper_id "
        "WHERE t.id = ?",
        (slot_id,),
    )
    return None if row is None else _talk(row)


async def days_of(db: Reader, seminar_id: int) -> list[ProgrammeDay]:
    """Each block day that still has talks, in order."""
    rows = await db.fetch_all(
        "SELECT day_index, min(starts_at) AS starts_at, max(ends_at) AS ends_at, "
        "count(*) AS talks FROM talk_slots WHERE seminar_id = ? "
        "GROUP BY day_index ORDER BY day_index",
        (seminar_id,),
    )
    return [
        ProgrammeDay(row["day_index"], row["starts_at"], row["ends_at"], row["talks"])
        for row in rows
    ]


async def seminars_with_programme(db: Reader) -> list[Seminar]:
    """Seminars with a programme or a block-day event to clean up."""
    return await seminars.with_ids_from(
        db,
        "SELECT seminar_id FROM talk_schedules UNION "
        "SELECT seminar_id FROM scheduled_events WHERE purpose LIKE 'blockday:%'",
    )


async def block_day_events(db: Reader, seminar_id: int) -> list[MirroredEvent]:
    """The block-day events the bot made."""
    rows = await db.fetch_all(
        f"SELECT {EVENT_COLUMNS} FROM scheduled_events "
        "WHERE seminar_id = ? AND purpose LIKE 'blockday:%'",
        (seminar_id,),
    )
    return [mirrored_event(row) for row in rows]


async def slots_for_reminders(
    db: Reader, seminar_id: int | None = None, window: Window = EVERYTHING
) -> list[TalkSlotSchedule]:
    """Every slot, or one seminar's, or those whose talk or block day reminders can
    fall due in the window (a talk's come at most a day and an hour of DST before
    it; its day's the day before that day starts); by seminar, then position."""
    where, params = window.where("t.starts_at", "t.seminar_id", lead=str(2 * 86_400 + 7_200))
    if seminar_id is not None:
        where += " AND t.seminar_id = ?"
        params.append(seminar_id)
    rows = await db.fetch_all(
        "SELECT t.id, t.seminar_id, t.day_index, t.starts_at, "
        "sc.revision, sc.first_start, s.timezone FROM talk_slots t "
        "JOIN talk_schedules sc ON sc.seminar_id = t.seminar_id "
        f"JOIN seminars s ON s.id = t.seminar_id WHERE {where} ORDER BY t.seminar_id, t.position",
        params,
    )
    return [
        TalkSlotSchedule(
            slot_id=row["id"],
            seminar_id=row["seminar_id"],
            day_index=row["day_index"],
            starts_at=row["starts_at"],
            revision=row["revision"],
            first_start=row["first_start"],
            timezone=row["timezone"],
        )
        for row in rows
    ]
