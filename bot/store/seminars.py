"""SQL for the seminars table."""

from __future__ import annotations

from typing import Any

from bot.core.models import Platform, Seminar
from bot.store.database import Database, Row, Transaction
from bot.store.reader import Reader

_COLUMNS = (
    "id, guild_id, title, term, channel_id, organiser_role_id, timezone, capacity, "
    "pref_count, contact, assessment, platform, attendance_required"
)
EDITABLE = (
    "title",
    "term",
    "channel_id",
    "organiser_role_id",
    "timezone",
    "capacity",
    "pref_count",
    "contact",
    "assessment",
    "attendance_required",
)


def _seminar(row: Row) -> Seminar:
    values = {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row
    values["platform"] = Platform(values["platform"])
    values["attendance_required"] = bool(values["attendance_required"])
    return Seminar(**values)


async def by_guild(db: Reader, guild_id: int) -> Seminar | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM seminars WHERE guild_id = ?", (guild_id,))
    return None if row is None else _seminar(row)


async def by_id(db: Reader, seminar_id: int) -> Seminar | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM seminars WHERE id = ?", (seminar_id,))
    return None if row is None else _seminar(row)


async def with_ids_from(db: Reader, ids_sql: str) -> list[Seminar]:
    """The seminars whose id the SELECT `ids_sql` (no parameters) lists, by id."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM seminars WHERE id IN ({ids_sql}) ORDER BY id"
    )
    return [_seminar(row) for row in rows]


async def title_of(db: Reader, seminar_id: int) -> str:
    """The seminar's title; empty once it is gone."""
    value = await db.fetch_value("SELECT title FROM seminars WHERE id = ?", (seminar_id,))
    return "" if value is None else str(value)


async def by_guild_cached(db: Database, guild_id: int) -> Seminar | None:
    """`by_guild` from memory until the seminars table changes (read on every command)."""
    return await db.cached(("seminar", guild_id), ("seminars",), lambda: by_guild(db, guild_id))


async def insert(
    tx: Transaction, guild_id: int, platform: Platform, values: dict[str, Any], now: int
) -> int:
    columns = [key for key in EDITABLE if key in values]
    placeholders = ", ".join("?" for _ in columns)
    return await tx.execute(
        f"INSERT INTO seminars (guild_id, platform, {', '.join(columns)}, created_at, "
        f"updated_at) VALUES (?, ?, {placeholders}, ?, ?)",
        (guild_id, platform.value, *(values[key] for key in columns), now, now),
    )


async def update(tx: Transaction, seminar_id: int, values: dict[str, Any], now: int) -> None:
    columns = [key for key in EDITABLE if key in values]
    if not columns:
        return
    assignments = ", ".join(f"{key} = ?" for key in columns)
    await tx.execute(
        f"UPDATE seminars SET {assignments}, updated_at = ? WHERE id = ?",
        (*(values[key] for key in columns), now, seminar_id),
    )
