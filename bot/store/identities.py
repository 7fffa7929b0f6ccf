"""SQL for accounts and places: a platform's external id <-> the bot's own id.

Discord ids are snowflakes and serve as the bot's own id unchanged; every other
platform's ids are allocated downwards from -1, so the two ranges never meet.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.models import Platform
from bot.store.database import Transaction
from bot.store.executor import Reader

_TABLES = ("accounts", "places")


async def lookup(db: Reader, table: str, platform: Platform, external_id: str) -> int | None:
    assert table in _TABLES
    value = await db.fetch_value(
        f"SELECT id FROM {table} WHERE platform = ? AND external_id = ?",
        (platform.value, external_id),
    )
    return None if value is None else int(value)


async def ensure(tx: Transaction, table: str, platform: Platform, external_id: str) -> int:
    """The id of (platform, external_id), recorded if new."""
    assert table in _TABLES
    found = await lookup(tx, table, platform, external_id)
    if found is not None:
        return found
    if platform is Platform.DISCORD:
        new_id = int(external_id)
    else:
        lowest = await tx.fetch_value(f"SELECT min(id) FROM {table}")
        new_id = min(int(lowest or 0), 0) - 1
    await tx.execute(
        f"INSERT INTO {table} (id, platform, external_id) VALUES (?, ?, ?)",
        (new_id, platform.value, external_id),
    )
    return new_id


async def external(db: Reader, table: str, internal_id: int) -> tuple[Platform, str] | None:
    assert table in _TABLES
    row = await db.fetch_one(
        f"SELECT platform, external_id FROM {table} WHERE id = ?", (internal_id,)
    )
    if row is None:
        # A Discord id seen before accounts existed (or never stored) is its own snowflake.
        return (Platform.DISCORD, str(internal_id)) if internal_id > 0 else None
    return Platform(row["platform"]), str(row["external_id"])


async def external_ids(db: Reader, account_ids: Iterable[int]) -> dict[int, str]:
    """Each account's id on its own platform (a snowflake, `@alice:uni.example`, a
    console name), for exports; a Discord id never stored is its own snowflake."""
    wanted = sorted(set(account_ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):  # SQLite's limit on bound parameters
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = await db.fetch_all(
            f"SELECT id, external_id FROM accounts WHERE id IN ({marks})", chunk
        )
        found.update({int(row["id"]): str(row["external_id"]) for row in rows})
    return {a: found.get(a, str(a) if a > 0 else "") for a in wanted}


async def timezone(db: Reader, account_id: int) -> str | None:
    value = await db.fetch_value("SELECT timezone FROM accounts WHERE id = ?", (account_id,))
    return None if value is None else str(value)


async def set_timezone(tx: Transaction, account_id: int, zone: str | None) -> None:
    await tx.execute("UPDATE accounts SET timezone = ? WHERE id = ?", (zone, account_id))


async def forget_account(tx: Transaction, seminar_id: int, account_id: int) -> bool:
    """What `/mydata delete` removes: this seminar's notices to the account and, once no
    seminar knows the account any more, the account itself (its id is made anew on
    return). Returns whether the account itself went."""
    await tx.execute(
        "DELETE FROM notices WHERE seminar_id = ? AND account_id = ?", (seminar_id, account_id)
    )
    still_known = await tx.fetch_value(
        "SELECT EXISTS (SELECT 1 FROM participants WHERE user_id = :id) "
        "OR EXISTS (SELECT 1 FROM submissions WHERE user_id = :id) "
        "OR EXISTS (SELECT 1 FROM grades WHERE user_id = :id) "
        "OR EXISTS (SELECT 1 FROM notices WHERE account_id = :id)",
        {"id": account_id},
    )
    if still_known:
        return False
    await tx.execute("DELETE FROM accounts WHERE id = ?", (account_id,))
    return True
