"""SQL for attendance of the block seminar's talks: check-in codes, entries,
excuses and refused attempts. A talk is named by its presenter's account id."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.models import (
    AttendanceEntry,
    AttendanceSource,
    Excuse,
    RefusalReason,
    RefusedAttempt,
    TalkCode,
)
from bot.store.database import Row, Transaction
from bot.store.executor import Reader

_TALK = (
    "t.id AS slot_id, t.seminar_id, t.user_id AS presenter_id, t.position, t.day_index, "
    "pa.code AS paper_code, pa.title AS paper_title, t.starts_at, t.ends_at, c.code"
)
_ENTRY = "seminar_id, presenter_id, account_id, present, source, set_by, at"
_EXCUSE = "seminar_id, presenter_id, account_id, reason, excused_by, at"
_ATTEMPT = "id, seminar_id, account_id, code, reason, presenter_id, at"


def _talk(row: Row) -> TalkCode:
    return TalkCode(**{key: row[key] for key in row.keys()})  # noqa: SIM118 - sqlite3.Row


def _entry(row: Row) -> AttendanceEntry:
    return AttendanceEntry(
        seminar_id=row["seminar_id"],
        presenter_id=row["presenter_id"],
        account_id=row["account_id"],
        present=bool(row["present"]),
        source=AttendanceSource(row["source"]),
        set_by=row["set_by"],
        at=row["at"],
    )


def _excuse(row: Row) -> Excuse:
    return Excuse(**{key: row[key] for key in row.keys()})  # noqa: SIM118 - sqlite3.Row


def _attempt(row: Row) -> RefusedAttempt:
    values = {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row
    values["reason"] = RefusalReason(values["reason"])
    return RefusedAttempt(**values)


# -- codes -------------------------------------------------------------------


async def add_codes(
    tx: Transaction, seminar_id: int, codes: Iterable[tuple[int, str]], now: int
) -> None:
    """(slot_id, code) for slots just created by a (re-)scheduling."""
    await tx.executemany(
        "INSERT INTO talk_codes (slot_id, seminar_id, code, created_at) VALUES (?, ?, ?, ?)",
        [(slot_id, seminar_id, code, now) for slot_id, code in codes],
    )


async def slot_ids(tx: Transaction, seminar_id: int) -> list[int]:
    rows = await tx.fetch_all(
        "SELECT id FROM talk_slots WHERE seminar_id = ? ORDER BY position", (seminar_id,)
    )
    return [row["id"] for row in rows]


async def talks(db: Reader, seminar_id: int) -> list[TalkCode]:
    """Every talk of the programme in order, with its code."""
    rows = await db.fetch_all(
        f"SELECT {_TALK} FROM talk_slots t JOIN papers pa ON pa.id = t.paper_id "
        "JOIN talk_codes c ON c.slot_id = t.id WHERE t.seminar_id = ? ORDER BY t.position",
        (seminar_id,),
    )
    return [_talk(row) for row in rows]


async def code_of_slot(db: Reader, slot_id: int) -> str | None:
    value = await db.fetch_value("SELECT code FROM talk_codes WHERE slot_id = ?", (slot_id,))
    return None if value is None else str(value)


# -- entries and excuses -------------------------------------------------------


async def entries(db: Reader, seminar_id: int) -> list[AttendanceEntry]:
    rows = await db.fetch_all(
        f"SELECT {_ENTRY} FROM attendance WHERE seminar_id = ? ORDER BY at, account_id",
        (seminar_id,),
    )
    return [_entry(row) for row in rows]


async def entry(
    db: Reader, seminar_id: int, presenter_id: int, account_id: int
) -> AttendanceEntry | None:
    row = await db.fetch_one(
        f"SELECT {_ENTRY} FROM attendance WHERE seminar_id = ? AND presenter_id = ? "
        "AND account_id = ?",
        (seminar_id, presenter_id, account_id),
    )
    return None if row is None else _entry(row)


async def record(tx: Transaction, entry: AttendanceEntry) -> None:
    """Insert or replace the one entry of (talk, student)."""
    await tx.execute(
        f"INSERT INTO attendance ({_ENTRY}) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (seminar_id, presenter_id, account_id) DO UPDATE SET "
        "present = excluded.present, source = excluded.source, set_by = excluded.set_by, "
        "at = excluded.at",
        (
            entry.seminar_id,
            entry.presenter_id,
            entry.account_id,
            int(entry.present),
            entry.source.value,
            entry.set_by,
            entry.at,
        ),
    )


async def excuses(db: Reader, seminar_id: int) -> list[Excuse]:
    rows = await db.fetch_all(
        f"SELECT {_EXCUSE} FROM attendance_excuses WHERE seminar_id = ? ORDER BY at",
        (seminar_id,),
    )
    return [_excuse(row) for row in rows]


async def excuse(tx: Transaction, excuse: Excuse) -> None:
    await tx.execute(
        f"INSERT INTO attendance_excuses ({_EXCUSE}) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (seminar_id, presenter_id, account_id) DO UPDATE SET "
        "reason = excluded.reason, excused_by = excluded.excused_by, at = excluded.at",
        (
            excuse.seminar_id,
            excuse.presenter_id,
            excuse.account_id,
            excuse.reason,
            excuse.excused_by,
            excuse.at,
        ),
    )


# -- refused attempts -----------------------------------------------------------


async def refuse(
    tx: Transaction,
    seminar_id: int,
    account_id: int,
    code: str,
    reason: RefusalReason,
    presenter_id: int | None,
    now: int,
) -> None:
    await tx.execute(
        "INSERT INTO attendance_attempts (seminar_id, account_id, code, reason, presenter_id, "
        "at) VALUES (?, ?, ?, ?, ?, ?)",
        (seminar_id, account_id, code, reason.value, presenter_id, now),
    )


async def wrong_codes_since(db: Reader, seminar_id: int, account_id: int, since: int) -> list[int]:
    """When this student typed a wrong code after `since`, oldest first."""
    rows = await db.fetch_all(
        "SELECT at FROM attendance_attempts WHERE seminar_id = ? AND account_id = ? "
        "AND reason = 'wrong_code' AND at > ? ORDER BY at",
        (seminar_id, account_id, since),
    )
    return [row["at"] for row in rows]


async def attempts(db: Reader, seminar_id: int) -> list[RefusedAttempt]:
    rows = await db.fetch_all(
        f"SELECT {_ATTEMPT} FROM attendance_attempts WHERE seminar_id = ? ORDER BY at, id",
        (seminar_id,),
    )
    return [_attempt(row) for row in rows]


# -- one member's rows (/mydata) ---------------------------------------------------


async def of_member(
    db: Reader, seminar_id: int, account_id: int
) -> tuple[list[AttendanceEntry], list[Excuse], list[RefusedAttempt]]:
    """The member's own entries, excuses and refused attempts (as the attendee)."""
    entry_rows = await db.fetch_all(
        f"SELECT {_ENTRY} FROM attendance WHERE seminar_id = ? AND account_id = ? ORDER BY at",
        (seminar_id, account_id),
    )
    excuse_rows = await db.fetch_all(
        f"SELECT {_EXCUSE} FROM attendance_excuses WHERE seminar_id = ? AND account_id = ? "
        "ORDER BY at",
        (seminar_id, account_id),
    )
    attempt_rows = await db.fetch_all(
        f"SELECT {_ATTEMPT} FROM attendance_attempts WHERE seminar_id = ? AND account_id = ? "
        "ORDER BY at, id",
        (seminar_id, account_id),
    )
    return (
        [_entry(row) for row in entry_rows],
        [_excuse(row) for row in excuse_rows],
        [_attempt(row) for row in attempt_rows],
    )


async def forget_member(tx: Transaction, seminar_id: int, account_id: int) -> int:
    """`/mydata delete`: the member's rows as attendee go, and so does the attendance of
    the talk they presented (their talk leaves the programme with them); rows that name
    them as organiser or as the talk of a refused attempt lose them. Returns rows deleted."""
    deleted = 0
    for table in ("attendance", "attendance_excuses"):
        deleted += await tx.execute_rowcount(
            f"DELETE FROM {table} WHERE seminar_id = ? AND (account_id = ? OR presenter_id = ?)",
            (seminar_id, account_id, account_id),
        )
    deleted += await tx.execute_rowcount(
        "DELETE FROM attendance_attempts WHERE seminar_id = ? AND account_id = ?",
        (seminar_id, account_id),
    )
    await tx.execute(
        "UPDATE attendance_attempts SET presenter_id = NULL WHERE seminar_id = ? "
        "AND presenter_id = ?",
        (seminar_id, account_id),
    )
    await tx.execute(
        "UPDATE attendance SET set_by = 0 WHERE seminar_id = ? AND set_by = ?",
        (seminar_id, account_id),
    )
    await tx.execute(
        "UPDATE attendance_excuses SET excused_by = 0 WHERE seminar_id = ? AND excused_by = ?",
        (seminar_id, account_id),
    )
    return deleted


async def required(db: Reader, seminar_id: int) -> bool:
    value = await db.fetch_value(
        "SELECT attendance_required FROM seminars WHERE id = ?", (seminar_id,)
    )
    return bool(value)
