"""SQL for grades: the two parts in tenths (13 = 1.3); the final grade is derived, never stored."""

from __future__ import annotations

from bot.core.models import GradeRecord
from bot.store.database import Transaction
from bot.store.reader import Reader

GradeParts = tuple[int | None, int | None]


async def set_parts(
    tx: Transaction,
    seminar_id: int,
    user_id: int,
    report: int | None,
    presentation: int | None,
    now: int,
) -> None:
    """Record the parts given; a part passed as None keeps its stored value."""
    await tx.execute(
        "INSERT INTO grades (seminar_id, user_id, report, presentation, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (seminar_id, user_id) DO UPDATE SET "
        "report = coalesce(excluded.report, report), "
        "presentation = coalesce(excluded.presentation, presentation), "
        "updated_at = excluded.updated_at",
        (seminar_id, user_id, report, presentation, now),
    )


async def parts(db: Reader, seminar_id: int, user_id: int) -> GradeParts:
    row = await db.fetch_one(
        "SELECT report, presentation FROM grades WHERE seminar_id = ? AND user_id = ?",
        (seminar_id, user_id),
    )
    return (None, None) if row is None else (row["report"], row["presentation"])


async def delete_of_user(tx: Transaction, seminar_id: int, user_id: int) -> int:
    return await tx.execute_rowcount(
        "DELETE FROM grades WHERE seminar_id = ? AND user_id = ?", (seminar_id, user_id)
    )


async def export_rows(db: Reader, seminar_id: int) -> list[GradeRecord]:
    """One row per registered participant, by name; the paper is the published one
    (0003's assignments table)."""
    rows = await db.fetch_all(
        "SELECT p.user_id, p.display_name, pa.code, g.report, g.presentation "
        "FROM participants p "
        "LEFT JOIN grades g ON g.seminar_id = p.seminar_id AND g.user_id = p.user_id "
        "LEFT JOIN assignments a ON a.seminar_id = p.seminar_id AND a.user_id = p.user_id "
        "LEFT JOIN papers pa ON pa.id = a.paper_id "
        "WHERE p.seminar_id = ? AND p.status = 'registered' "
        "ORDER BY p.display_name COLLATE NOCASE, p.user_id",
        (seminar_id,),
    )
    return [
        GradeRecord(
            user_id=row["user_id"],
            display_name=row["display_name"],
            paper_code=row["code"],
            report=row["report"],
            presentation=row["presentation"],
        )
        for row in rows
    ]
