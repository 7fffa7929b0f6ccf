"""SQL for the reminder engine: what is pending, the delivery log, job runs."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeVar

from bot.core.models import (
    Announcement,
    DeadlineSchedule,
    Delivery,
    JobRun,
    Platform,
    ReminderRecipient,
    StoredNotice,
)
from bot.store.database import Params, Row, Transaction
from bot.store.reader import Reader

_Model = TypeVar("_Model")


def _record(model: Callable[..., _Model], row: Row) -> _Model:
    """A typed row: each column the statement names is the model's field of that name."""
    return model(**dict(zip(row.keys(), row, strict=True)))


async def _one(db: Reader, model: Callable[..., _Model], sql: str, params: Params) -> _Model | None:
    row = await db.fetch_one(sql, params)
    return None if row is None else _record(model, row)


async def _all(
    db: Reader, model: Callable[..., _Model], sql: str, params: Params = ()
) -> list[_Model]:
    return [_record(model, row) for row in await db.fetch_all(sql, params)]


@dataclass(frozen=True)
class Window:
    """Which rows the planner reads: those that can imply an occurrence due in
    [since, until] (None: unbounded), of one seminar or of all."""

    since: int | None = None
    until: int | None = None
    seminar_id: int | None = None

    def where(self, column: str, seminar_column: str, *, lead: str = "0") -> tuple[str, list[int]]:
        """SQL conditions on an instant `column` whose occurrences fall due up to
        `lead` seconds (an SQL expression) before it, and their parameters."""
        parts = ["1"]
        params: list[int] = []
        if self.since is not None:
            parts.append(f"{column} >= ?")
            params.append(self.since)
        if self.until is not None:
            parts.append(f"{column} - ({lead}) <= ?")
            params.append(self.until)
        if self.seminar_id is not None:
            parts.append(f"{seminar_column} = ?")
            params.append(self.seminar_id)
        return " AND ".join(parts), params


EVERYTHING = Window()
# A whole-day reminder offset lands on the calendar day, which a DST change makes
# up to an hour longer than the offset in seconds.
_DST = 3600


# A deadline's schedule: its reminders' times follow from these columns alone.
_DEADLINE_SCHEDULE = (
    "SELECT d.id, d.seminar_id, d.kind, d.due_at, d.reminder_offsets, d.revision, s.timezone "
    "FROM deadlines d JOIN seminars s ON s.id = d.seminar_id"
)


async def all_deadlines(db: Reader, window: Window = EVERYTHING) -> list[DeadlineSchedule]:
    """Deadlines whose reminders can fall due in the window. An occurrence is due at
    most its largest offset (first in `reminder_offsets`, the store writes them
    largest first; SQLite reads the leading number of the text) plus an hour of
    DST before the deadline, and never after it."""
    where, params = window.where(
        "d.due_at", "d.seminar_id", lead=f"CAST(d.reminder_offsets AS INTEGER) + {_DST}"
    )
    return await _all(db, DeadlineSchedule, f"{_DEADLINE_SCHEDULE} WHERE {where}", params)


async def deadline_by_id(db: Reader, deadline_id: int) -> DeadlineSchedule | None:
    return await _one(db, DeadlineSchedule, f"{_DEADLINE_SCHEDULE} WHERE d.id = ?", (deadline_id,))


_LIVE_ANNOUNCEMENTS = (
    "SELECT id, seminar_id, post_at, message, ping_role_id FROM announcements "
    "WHERE cancelled_at IS NULL"
)


async def live_announcements(db: Reader, window: Window = EVERYTHING) -> list[Announcement]:
    where, params = window.where("post_at", "seminar_id")
    return await _all(db, Announcement, f"{_LIVE_ANNOUNCEMENTS} AND {where}", params)


async def live_announcement(db: Reader, announcement_id: int) -> Announcement | None:
    return await _one(db, Announcement, f"{_LIVE_ANNOUNCEMENTS} AND id = ?", (announcement_id,))


_NOTICES = "SELECT id, seminar_id, account_id, template, created_at FROM notices"


async def all_notices(db: Reader, window: Window = EVERYTHING) -> list[StoredNotice]:
    where, params = window.where("created_at", "seminar_id")
    return await _all(db, StoredNotice, f"{_NOTICES} WHERE {where}", params)


async def notice(db: Reader, notice_id: int) -> StoredNotice | None:
    return await _one(db, StoredNotice, f"{_NOTICES} WHERE id = ?", (notice_id,))


async def add_notice(
    tx: Transaction, seminar_id: int, account_id: int, kind: str, template: str, now: int
) -> int:
    return await tx.execute(
        "INSERT INTO notices (seminar_id, account_id, kind, template, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (seminar_id, account_id, kind, template, now),
    )


async def seminars_on(db: Reader, platforms: frozenset[Platform]) -> set[int]:
    """Ids of the seminars run by these front ends."""
    if not platforms:
        return set()
    marks = ", ".join("?" for _ in platforms)
    rows = await db.fetch_all(
        f"SELECT id FROM seminars WHERE platform IN ({marks})", [p.value for p in platforms]
    )
    return {row[0] for row in rows}


async def seminar_platform(db: Reader, seminar_id: int) -> Platform:
    value = await db.fetch_value("SELECT platform FROM seminars WHERE id = ?", (seminar_id,))
    return Platform.DISCORD if value is None else Platform(value)


async def finished_jobs(db: Reader) -> set[tuple[str, int]]:
    rows = await db.fetch_all("SELECT job_key, due_at FROM job_runs")
    return {(row[0], row[1]) for row in rows}


async def finished_among(db: Reader, keys: Collection[str]) -> set[tuple[str, int]]:
    """Which of these job keys have finished (key, due time) runs: primary-key
    lookups, so the cost follows the plan, not the history."""
    found: set[tuple[str, int]] = set()
    wanted = sorted(keys)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        rows = await db.fetch_all(
            f"SELECT job_key, due_at FROM job_runs WHERE job_key IN ({marks})", chunk
        )
        found.update((row[0], row[1]) for row in rows)
    return found


_CHUNK = 900  # host parameters per statement, well inside SQLite's limit


async def job_finished(db: Reader, job_key: str, due_at: int) -> bool:
    return (
        await db.fetch_value(
            "SELECT 1 FROM job_runs WHERE job_key = ? AND due_at = ?", (job_key, due_at)
        )
        is not None
    )


async def finish_job(
    tx: Transaction, job_key: str, due_at: int, seminar_id: int, status: str, late: bool, now: int
) -> None:
    await tx.execute(
        "INSERT OR IGNORE INTO job_runs (job_key, due_at, seminar_id, status, late, finished_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (job_key, due_at, seminar_id, status, int(late), now),
    )


# The delivery log's rows as `delivery` reads them (/mydata reads them too).
DELIVERIES = (
    "SELECT id, job_key, recipient, status, attempts, error, due_at, late, claimed_at, "
    "sent_at FROM deliveries"
)


def delivery(row: Row) -> Delivery:
    return Delivery(
        id=row["id"],
        job_key=row["job_key"],
        recipient=row["recipient"],
        status=row["status"],
        attempts=row["attempts"],
        error=row["error"],
        due_at=row["due_at"],
        late=bool(row["late"]),
        claimed_at=row["claimed_at"],
        sent_at=row["sent_at"],
    )


async def claim(
    tx: Transaction,
    seminar_id: int,
    job_key: str,
    recipient: str,
    due_at: int,
    late: bool,
    now: int,
) -> Delivery:
    """The delivery row for this recipient, created as 'claimed' if it is new."""
    await tx.execute(
        "INSERT OR IGNORE INTO deliveries (seminar_id, job_key, recipient, due_at, late, "
        "claimed_at) VALUES (?, ?, ?, ?, ?, ?)",
        (seminar_id, job_key, recipient, due_at, int(late), now),
    )
    row = await tx.fetch_one(
        f"{DELIVERIES} WHERE job_key = ? AND recipient = ? AND due_at = ?",
        (job_key, recipient, due_at),
    )
    assert row is not None
    return delivery(row)


async def deliveries_of(db: Reader, job_key: str, due_at: int) -> list[Delivery]:
    rows = await db.fetch_all(f"{DELIVERIES} WHERE job_key = ? AND due_at = ?", (job_key, due_at))
    return [delivery(row) for row in rows]


async def mark(
    tx: Transaction,
    delivery_id: int,
    status: str,
    now: int,
    *,
    error: str | None = None,
    count_attempt: bool = True,
) -> None:
    await tx.execute(
        "UPDATE deliveries SET status = ?, error = ?, attempts = attempts + ?, "
        "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
        (status, error, int(count_attempt), status, now, delivery_id),
    )


async def dm_channel(db: Reader, user_id: int) -> int | None:
    value = await db.fetch_value("SELECT channel_id FROM dm_channels WHERE user_id = ?", (user_id,))
    return None if value is None else int(value)


async def remember_dm_channel(tx: Transaction, user_id: int, channel_id: int) -> None:
    await tx.execute(
        "INSERT INTO dm_channels (user_id, channel_id) VALUES (?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET channel_id = excluded.channel_id",
        (user_id, channel_id),
    )


async def registered_users(db: Reader, seminar_id: int) -> list[ReminderRecipient]:
    """Every registered participant, with their ranking's size and DM setting."""
    rows = await db.fetch_all(
        "SELECT p.user_id, p.id AS participant_id, "
        "(SELECT count(*) FROM preferences pr WHERE pr.participant_id = p.id) AS ranked, "
        "coalesce(us.dm_reminders, 1) AS dm "
        "FROM participants p LEFT JOIN user_settings us "
        "ON us.seminar_id = p.seminar_id AND us.user_id = p.user_id "
        "WHERE p.seminar_id = ? AND p.status = 'registered' ORDER BY p.queue_seq",
        (seminar_id,),
    )
    return [
        ReminderRecipient(row["user_id"], row["participant_id"], row["ranked"], bool(row["dm"]))
        for row in rows
    ]


async def submitted_users(db: Reader, seminar_id: int, kind: str) -> set[int]:
    """Users who handed in `kind` ('report' or 'slides'); a late hand-in counts too."""
    rows = await db.fetch_all(
        "SELECT DISTINCT user_id FROM submissions WHERE seminar_id = ? AND kind = ?",
        (seminar_id, kind),
    )
    return {row[0] for row in rows}


async def set_state(tx: Transaction, key: str, value: str) -> None:
    await tx.execute(
        "INSERT INTO bot_state (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


async def get_state(db: Reader, key: str) -> str | None:
    value = await db.fetch_value("SELECT value FROM bot_state WHERE key = ?", (key,))
    return None if value is None else str(value)


async def status_counts(db: Reader, seminar_id: int) -> dict[str, int]:
    rows = await db.fetch_all(
        "SELECT 'late' AS what, count(*) FROM job_runs WHERE seminar_id = ? AND late = 1 "
        "AND status = 'done' "
        "UNION ALL SELECT 'missed', count(*) FROM job_runs WHERE seminar_id = ? "
        "AND status = 'missed' "
        "UNION ALL SELECT 'failed', count(*) FROM deliveries WHERE seminar_id = ? "
        "AND status = 'failed' "
        "UNION ALL SELECT 'dm_closed', count(*) FROM deliveries WHERE seminar_id = ? "
        "AND status = 'dm_closed'",
        (seminar_id, seminar_id, seminar_id, seminar_id),
    )
    return {row[0]: int(row[1]) for row in rows}


async def missed_jobs(db: Reader, seminar_id: int, limit: int = 10) -> list[JobRun]:
    return await _all(
        db,
        JobRun,
        "SELECT job_key, due_at, finished_at FROM job_runs WHERE seminar_id = ? "
        "AND status = 'missed' ORDER BY due_at DESC LIMIT ?",
        (seminar_id, limit),
    )


async def problem_deliveries(db: Reader, seminar_id: int, limit: int = 10) -> list[Delivery]:
    rows = await db.fetch_all(
        f"{DELIVERIES} WHERE seminar_id = ? "
        "AND status IN ('failed', 'dm_closed') ORDER BY claimed_at DESC LIMIT ?",
        (seminar_id, limit),
    )
    return [delivery(row) for row in rows]


async def deadline_updated_at(db: Reader, deadline_id: int) -> int | None:
    value = await db.fetch_value("SELECT updated_at FROM deadlines WHERE id = ?", (deadline_id,))
    return None if value is None else int(value)


async def database_bytes(db: Reader) -> int:
    pages = await db.fetch_value("PRAGMA page_count")
    size = await db.fetch_value("PRAGMA page_size")
    return int(pages) * int(size)
