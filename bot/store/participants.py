"""SQL for registrations, the waitlist, preferences and per-user settings."""

from __future__ import annotations

from bot.core.models import Paper, Participant, ParticipantStatus
from bot.store.database import Row, Transaction
from bot.store.reader import Reader

_COLUMNS = "id, seminar_id, user_id, display_name, status, joined_at, prefs_updated_at"


def _participant(row: Row) -> Participant:
    return Participant(
        id=row["id"],
        seminar_id=row["seminar_id"],
        user_id=row["user_id"],
        display_name=row["display_name"],
        status=ParticipantStatus(row["status"]),
        joined_at=row["joined_at"],
        prefs_updated_at=row["prefs_updated_at"],
    )


async def get(db: Reader, seminar_id: int, user_id: int) -> Participant | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM participants WHERE seminar_id = ? AND user_id = ?",
        (seminar_id, user_id),
    )
    return None if row is None else _participant(row)


async def list_by_status(
    db: Reader, seminar_id: int, status: ParticipantStatus | None = None
) -> list[Participant]:
    if status is None:
        rows = await db.fetch_all(
            f"SELECT {_COLUMNS} FROM participants WHERE seminar_id = ? ORDER BY status, queue_seq",
            (seminar_id,),
        )
    else:
        rows = await db.fetch_all(
            f"SELECT {_COLUMNS} FROM participants WHERE seminar_id = ? AND status = ? "
            "ORDER BY queue_seq",
            (seminar_id, status.value),
        )
    return [_participant(row) for row in rows]


async def count_registered(db: Reader, seminar_id: int) -> int:
    return (await counts(db, seminar_id))[ParticipantStatus.REGISTERED]


async def waitlist_position(db: Reader, participant: Participant) -> int:
    """1-based place on the waitlist."""
    return int(
        await db.fetch_value(
            "SELECT count(*) FROM participants p, participants me "
            "WHERE me.id = ? AND p.seminar_id = me.seminar_id AND p.status = 'waitlisted' "
            "AND p.queue_seq <= me.queue_seq",
            (participant.id,),
        )
    )


async def insert_new(
    tx: Transaction,
    seminar_id: int,
    user_id: int,
    display_name: str,
    status: ParticipantStatus,
    now: int,
) -> bool:
    """Add `user_id` at the end of the queue; False (and nothing changed) if they
    are already in the seminar, so a newcomer needs no lookup first."""
    # rowcount, not RETURNING: a row to fetch is one more GIL hand-over on the
    # database thread.
    inserted = await tx.execute_rowcount(
        # The largest queue_seq per status is one seek in (seminar_id, status,
        # queue_seq); over the whole seminar it was a scan of every participant.
        "INSERT INTO participants (seminar_id, user_id, display_name, status, joined_at, "
        "queue_seq) VALUES (:seminar, :user, :name, :status, :now, max("
        "coalesce((SELECT max(queue_seq) FROM participants WHERE seminar_id = :seminar "
        "AND status = 'registered'), 0), "
        "coalesce((SELECT max(queue_seq) FROM participants WHERE seminar_id = :seminar "
        "AND status = 'waitlisted'), 0)) + 1) "
        "ON CONFLICT (seminar_id, user_id) DO NOTHING",
        {
            "seminar": seminar_id,
            "user": user_id,
            "name": display_name,
            "status": status.value,
            "now": now,
        },
    )
    return inserted == 1


async def set_display_name(tx: Transaction, participant_id: int, display_name: str) -> None:
    await tx.execute(
        "UPDATE participants SET display_name = ? WHERE id = ?", (display_name, participant_id)
    )


async def delete(tx: Transaction, participant_id: int) -> None:
    await tx.execute("DELETE FROM participants WHERE id = ?", (participant_id,))


async def promote_first_waiting(tx: Transaction, seminar_id: int) -> Participant | None:
    row = await tx.fetch_one(
        f"SELECT {_COLUMNS} FROM participants WHERE seminar_id = ? AND status = 'waitlisted' "
        "ORDER BY queue_seq LIMIT 1",
        (seminar_id,),
    )
    if row is None:
        return None
    await tx.execute("UPDATE participants SET status = 'registered' WHERE id = ?", (row["id"],))
    return _participant(row)


async def ranking(db: Reader, participant_id: int) -> list[Paper]:
    from bot.store.papers import _COLUMNS as PAPER_COLUMNS  # one column list for papers

    columns = ", ".join(f"p.{name.strip()}" for name in PAPER_COLUMNS.split(","))
    rows = await db.fetch_all(
        f"SELECT {columns} FROM preferences pr JOIN papers p ON p.id = pr.paper_id "
        "WHERE pr.participant_id = ? ORDER BY pr.rank",
        (participant_id,),
    )
    return [Paper(**{key: row[key] for key in row.keys()}) for row in rows]  # noqa: SIM118


async def stamp_ranking(
    tx: Transaction, seminar_id: int, user_id: int, now: int
) -> tuple[Participant, int] | None:
    """Mark the ranking of `user_id` as changed at `now` if they are registered;
    their row then and how many papers they had ranked, or None (not in the
    seminar, or waiting). The lookup, the count and the stamp in one statement:
    each one on the database thread costs a GIL hand-over with a busy event loop."""
    row = await tx.fetch_one(
        "UPDATE participants SET prefs_updated_at = ? "
        "WHERE seminar_id = ? AND user_id = ? AND status = 'registered' "
        f"RETURNING {_COLUMNS}, "
        "(SELECT count(*) FROM preferences WHERE participant_id = participants.id) AS ranked",
        (now, seminar_id, user_id),
    )
    return None if row is None else (_participant(row), row["ranked"])


async def write_ranking(
    tx: Transaction, participant_id: int, paper_ids: list[int], ranked_before: int | None = None
) -> None:
    """The ranked papers, best first, in place of the old ranking (not stamped).

    `ranked_before` is how many papers the old ranking had (None: not known). The
    new ranks replace the old rows in place (REPLACE drops an old row holding the
    same rank or the same paper), and only the ranks past the new end, if the old
    ranking had any, are deleted: usually one statement, where delete-all and
    insert were two, and each statement on the database thread gives up the GIL
    and waits to get it back from a busy event loop."""
    if paper_ids:
        await tx.execute(
            "REPLACE INTO preferences (participant_id, rank, paper_id) VALUES "
            + ", ".join("(?, ?, ?)" for _ in paper_ids),
            [
                value
                for rank, paper_id in enumerate(paper_ids, start=1)
                for value in (participant_id, rank, paper_id)
            ],
        )
    if ranked_before is None or ranked_before > len(paper_ids):
        await tx.execute(
            "DELETE FROM preferences WHERE participant_id = ? AND rank > ?",
            (participant_id, len(paper_ids)),
        )


async def replace_ranking(
    tx: Transaction, participant_id: int, paper_ids: list[int], now: int
) -> None:
    await write_ranking(tx, participant_id, paper_ids)
    await tx.execute(
        "UPDATE participants SET prefs_updated_at = ? WHERE id = ?",
        (now if paper_ids else None, participant_id),
    )


async def ranking_sizes(db: Reader, seminar_id: int) -> dict[int, int]:
    """participant id -> number of ranked papers, for every participant."""
    rows = await db.fetch_all(
        "SELECT p.id, count(pr.rank) AS n FROM participants p "
        "LEFT JOIN preferences pr ON pr.participant_id = p.id "
        "WHERE p.seminar_id = ? GROUP BY p.id",
        (seminar_id,),
    )
    return {row["id"]: row["n"] for row in rows}


async def dm_reminders(db: Reader, seminar_id: int, user_id: int) -> bool:
    value = await db.fetch_value(
        "SELECT dm_reminders FROM user_settings WHERE seminar_id = ? AND user_id = ?",
        (seminar_id, user_id),
    )
    return True if value is None else bool(value)


async def set_dm_reminders(tx: Transaction, seminar_id: int, user_id: int, enabled: bool) -> None:
    await tx.execute(
        "INSERT INTO user_settings (seminar_id, user_id, dm_reminders) VALUES (?, ?, ?) "
        "ON CONFLICT (seminar_id, user_id) DO UPDATE SET dm_reminders = excluded.dm_reminders",
        (seminar_id, user_id, int(enabled)),
    )


async def counts(db: Reader, seminar_id: int) -> dict[ParticipantStatus, int]:
    # One seek: triggers keep the counts per seminar (migration 0008); counting the
    # rows walked the whole seminar on every /join.
    row = await db.fetch_one(
        "SELECT registered, waitlisted FROM participant_counts WHERE seminar_id = ?",
        (seminar_id,),
    )
    registered, waitlisted = (0, 0) if row is None else (row[0], row[1])
    return {ParticipantStatus.REGISTERED: registered, ParticipantStatus.WAITLISTED: waitlisted}
