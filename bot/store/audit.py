"""The organisers' audit trail: one row per state-changing organiser action."""

from __future__ import annotations

import json
from typing import Any

from bot.store.database import Transaction
from bot.store.reader import Reader


async def record(
    tx: Transaction, guild_id: int, actor_id: int, action: str, detail: dict[str, Any], now: int
) -> None:
    await tx.execute(
        "INSERT INTO audit_log (guild_id, actor_id, action, detail, at) VALUES (?, ?, ?, ?, ?)",
        (guild_id, actor_id, action, json.dumps(detail, sort_keys=True, default=str), now),
    )


async def recent(db: Reader, guild_id: int, limit: int = 20) -> list[dict[str, Any]]:
    rows = await db.fetch_all(
        "SELECT actor_id, action, detail, at FROM audit_log WHERE guild_id = ? "
        "ORDER BY id DESC LIMIT ?",
        (guild_id, limit),
    )
    return [
        {
            "actor_id": row["actor_id"],
            "action": row["action"],
            "detail": json.loads(row["detail"]),
            "at": row["at"],
        }
        for row in rows
    ]
