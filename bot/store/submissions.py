"""SQL for PDF hand-ins: every version is a row; the highest version counts."""

from __future__ import annotations

from bot.core.models import Submission
from bot.store.database import Row, Transaction
from bot.store.reader import Reader

_COLUMNS = (
    "id, seminar_id, user_id, kind, version, size_bytes, sha256, stored_path, "
    "original_filename, submitted_at, due_at, on_time"
)


def _submission(row: Row) -> Submission:
    return Submission(
        id=row["id"],
        seminar_id=row["seminar_id"],
        user_id=row["user_id"],
        kind=row["kind"],
        version=row["version"],
        size_bytes=row["size_bytes"],
        sha256=row["sha256"],
        stored_path=row["stored_path"],
        original_filename=row["original_filename"],
        submitted_at=row["submitted_at"],
        due_at=row["due_at"],
        on_time=bool(row["on_time"]),
    )


async def next_version(db: Reader, seminar_id: int, user_id: int, kind: str) -> int:
    value = await db.fetch_value(
        "SELECT coalesce(max(version), 0) + 1 FROM submissions "
        "WHERE seminar_id = ? AND user_id = ? AND kind = ?",
        (seminar_id, user_id, kind),
    )
    return int(value)


async def insert(tx: Transaction, submission: Submission) -> int:
    """Store a submission's metadata (its id is assigned here)."""
    return await tx.execute(
        "INSERT INTO submissions (seminar_id, user_id, kind, version, size_bytes, sha256, "
        "stored_path, original_filename, submitted_at, due_at, on_time) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            submission.seminar_id,
            submission.user_id,
            submission.kind,
            submission.version,
            submission.size_bytes,
            submission.sha256,
            submission.stored_path,
            submission.original_filename,
            submission.submitted_at,
            submission.due_at,
            int(submission.on_time),
        ),
    )


async def of_user(db: Reader, seminar_id: int, user_id: int) -> list[Submission]:
    """Every version this user handed in, oldest first."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM submissions WHERE seminar_id = ? AND user_id = ? "
        "ORDER BY kind, version",
        (seminar_id, user_id),
    )
    return [_submission(row) for row in rows]


async def latest_by_user(db: Reader, seminar_id: int) -> dict[tuple[int, str], Submission]:
    """(user_id, kind) -> the version that counts, for everyone who handed in."""
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM submissions s WHERE seminar_id = ? AND version = ("
        "SELECT max(version) FROM submissions t WHERE t.seminar_id = s.seminar_id "
        "AND t.user_id = s.user_id AND t.kind = s.kind)",
        (seminar_id,),
    )
    return {(row["user_id"], row["kind"]): _submission(row) for row in rows}


async def delete_of_user(tx: Transaction, seminar_id: int, user_id: int) -> int:
    return await tx.execute_rowcount(
        "DELETE FROM submissions WHERE seminar_id = ? AND user_id = ?", (seminar_id, user_id)
    )
