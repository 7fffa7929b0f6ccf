"""SQL for deadlines."""

from __future__ import annotations

from bot.core.models import Deadline
from bot.store.database import Database, Row, Transaction
from bot.store.reader import Reader

_COLUMNS = "id, seminar_id, kind, due_at, reminder_offsets, note, revision"


def _deadline(row: Row) -> Deadline:
    offsets = tuple(int(part) for part in row["reminder_offsets"].split(",") if part)
    return Deadline(
        id=row["id"],
        seminar_id=row["seminar_id"],
        kind=row["kind"],
        due_at=row["due_at"],
        reminder_offsets=offsets,
        note=row["note"],
        revision=row["revision"],
    )


async def list_all(db: Reader, seminar_id: int) -> list[Deadline]:
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM deadlines WHERE seminar_id = ? ORDER BY due_at, kind",
        (seminar_id,),
    )
    return [_deadline(row) for row in rows]


async def by_id(db: Reader, deadline_id: int) -> Deadline | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM deadlines WHERE id = ?", (deadline_id,))
    return None if row is None else _deadline(row)


async def by_kind_cached(db: Database, seminar_id: int, kind: str) -> Deadline | None:
    """`by_kind` from memory until the deadlines table changes."""
    return await db.cached(
        ("deadline", seminar_id, kind), ("deadlines",), lambda: by_kind(db, seminar_id, kind)
    )


async def by_kind(db: Reader, seminar_id: int, kind: str) -> Deadline | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM deadlines WHERE seminar_id = ? AND kind = ?",
        (seminar_id, kind),
    )
    return None if row is None else _deadline(row)


async def upsert(
    tx: Transaction,
    seminar_id: int,
    kind: str,
    due_at: int,
    offsets: list[int],
    note: str,
    now: int,
) -> None:
    """Create the deadline or move it; a changed time bumps the revision."""
    # Largest first: the reminder planner reads the leading one as the earliest
    # reminder (bot/store/reminders.py, all_deadlines).
    stored = ",".join(str(offset) for offset in sorted(offsets, reverse=True))
    await tx.execute(
        "INSERT INTO deadlines (seminar_id, kind, due_at, reminder_offsets, note, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (seminar_id, kind) DO UPDATE SET "
        "revision = revision + (CASE WHEN due_at != excluded.due_at "
        "OR reminder_offsets != excluded.reminder_offsets THEN 1 ELSE 0 END), "
        "due_at = excluded.due_at, reminder_offsets = excluded.reminder_offsets, "
        "note = excluded.note, updated_at = excluded.updated_at",
        (seminar_id, kind, due_at, stored, note, now, now),
    )


async def delete(tx: Transaction, deadline_id: int) -> None:
    await tx.execute("DELETE FROM deadlines WHERE id = ?", (deadline_id,))
