"""SQL for the paper assignment: pins, stored runs, the published assignment, changes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from bot.core.models import (
    AssignedPaper,
    AssignmentRun,
    ParticipantStatus,
    ParticipantSummary,
    PublishedPlacement,
    RankedChoice,
    RunPlacement,
    Student,
)
from bot.store.database import Row, Transaction
from bot.store.reader import Reader
from bot.store.reminders import EVERYTHING, Window

_RUN_COLUMNS = (
    "id, seminar_id, seed, mode, fill, input_hash, histogram, moved, based_on, status, "
    "created_at, created_by, published_at, published_by"
)


def _run(row: Row) -> AssignmentRun:
    return AssignmentRun(
        id=row["id"],
        seminar_id=row["seminar_id"],
        seed=row["seed"],
        mode=row["mode"],
        fill=bool(row["fill"]),
        input_hash=row["input_hash"],
        histogram={str(k): int(v) for k, v in json.loads(row["histogram"]).items()},
        moved=row["moved"],
        based_on=row["based_on"],
        status=row["status"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        published_at=row["published_at"],
        published_by=row["published_by"],
    )


def _student(row: Row) -> Student:
    return Student(user_id=row["user_id"], display_name=row["display_name"])


# -- the solver's input ---------------------------------------------------------------


async def registered_students(db: Reader, seminar_id: int) -> list[Student]:
    """Every registered participant, in joining order."""
    rows = await db.fetch_all(
        "SELECT user_id, display_name FROM participants "
        "WHERE seminar_id = ? AND status = 'registered' ORDER BY queue_seq",
        (seminar_id,),
    )
    return [_student(row) for row in rows]


async def rankings(db: Reader, seminar_id: int) -> dict[int, list[int]]:
    """user id -> paper ids, best first, for registered participants who ranked."""
    rows = await db.fetch_all(
        "SELECT p.user_id, pr.paper_id FROM preferences pr "
        "JOIN participants p ON p.id = pr.participant_id "
        "WHERE p.seminar_id = ? AND p.status = 'registered' ORDER BY p.user_id, pr.rank",
        (seminar_id,),
    )
    found: dict[int, list[int]] = {}
    for row in rows:
        found.setdefault(row["user_id"], []).append(row["paper_id"])
    return found


async def capacities(db: Reader, seminar_id: int) -> dict[int, int]:
    rows = await db.fetch_all("SELECT id, capacity FROM papers WHERE seminar_id = ?", (seminar_id,))
    return {row["id"]: row["capacity"] for row in rows}


async def pins(db: Reader, seminar_id: int) -> dict[int, int]:
    """user id -> pinned paper id."""
    rows = await db.fetch_all(
        "SELECT user_id, paper_id FROM assignment_pins WHERE seminar_id = ?", (seminar_id,)
    )
    return {row["user_id"]: row["paper_id"] for row in rows}


async def published_pairs(db: Reader, seminar_id: int) -> dict[int, int]:
    """user id -> paper id in the published assignment as it stands (leavers gone)."""
    rows = await db.fetch_all(
        "SELECT user_id, paper_id FROM assignments WHERE seminar_id = ?", (seminar_id,)
    )
    return {row["user_id"]: row["paper_id"] for row in rows}


# -- pins -----------------------------------------------------------------------------


async def pin_of(db: Reader, seminar_id: int, user_id: int) -> int | None:
    value = await db.fetch_value(
        "SELECT paper_id FROM assignment_pins WHERE seminar_id = ? AND user_id = ?",
        (seminar_id, user_id),
    )
    return None if value is None else int(value)


async def pinned_to(db: Reader, paper_id: int) -> list[int]:
    """Users pinned to this paper."""
    rows = await db.fetch_all(
        "SELECT user_id FROM assignment_pins WHERE paper_id = ? ORDER BY created_at, user_id",
        (paper_id,),
    )
    return [row["user_id"] for row in rows]


async def set_pin(
    tx: Transaction, seminar_id: int, user_id: int, paper_id: int, actor_id: int, now: int
) -> None:
    await tx.execute(
        "INSERT INTO assignment_pins (seminar_id, user_id, paper_id, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (seminar_id, user_id) DO UPDATE SET "
        "paper_id = excluded.paper_id, created_by = excluded.created_by, "
        "created_at = excluded.created_at",
        (seminar_id, user_id, paper_id, actor_id, now),
    )


async def delete_pin(tx: Transaction, seminar_id: int, user_id: int) -> bool:
    removed = await tx.execute_rowcount(
        "DELETE FROM assignment_pins WHERE seminar_id = ? AND user_id = ?", (seminar_id, user_id)
    )
    return removed > 0


# -- runs -----------------------------------------------------------------------------


async def insert_run(
    tx: Transaction,
    seminar_id: int,
    *,
    seed: int,
    mode: str,
    fill: bool,
    input_hash: str,
    histogram: Mapping[str, int],
    moved: int,
    based_on: int | None,
    actor_id: int,
    now: int,
) -> int:
    """Store a new preview; an older open preview is superseded by it."""
    await tx.execute(
        "UPDATE assignment_runs SET status = 'superseded' "
        "WHERE seminar_id = ? AND status = 'preview'",
        (seminar_id,),
    )
    return await tx.execute(
        "INSERT INTO assignment_runs (seminar_id, seed, mode, fill, input_hash, histogram, "
        "moved, based_on, status, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'preview', ?, ?)",
        (
            seminar_id,
            seed,
            mode,
            int(fill),
            input_hash,
            json.dumps(dict(histogram)),
            moved,
            based_on,
            now,
            actor_id,
        ),
    )


async def insert_run_rows(
    tx: Transaction, run_id: int, rows: Iterable[tuple[int, int | None, int | None, bool]]
) -> None:
    """(user_id, paper_id or None, rank or None, pinned) for every student of the run."""
    await tx.executemany(
        "INSERT INTO assignment_run_rows (run_id, user_id, paper_id, rank, pinned) "
        "VALUES (?, ?, ?, ?, ?)",
        [(run_id, user, paper, rank, int(pinned)) for user, paper, rank, pinned in rows],
    )


async def latest_run(db: Reader, seminar_id: int) -> AssignmentRun | None:
    """The newest run that is not superseded (the open preview, or else the published one)."""
    row = await db.fetch_one(
        f"SELECT {_RUN_COLUMNS} FROM assignment_runs "
        "WHERE seminar_id = ? AND status != 'superseded' ORDER BY id DESC LIMIT 1",
        (seminar_id,),
    )
    return None if row is None else _run(row)


async def published_run(db: Reader, seminar_id: int) -> AssignmentRun | None:
    row = await db.fetch_one(
        f"SELECT {_RUN_COLUMNS} FROM assignment_runs WHERE seminar_id = ? AND status = 'published'",
        (seminar_id,),
    )
    return None if row is None else _run(row)


async def published_runs(db: Reader, window: Window = EVERYTHING) -> list[AssignmentRun]:
    """Every seminar's published run (published in the window; for its notice)."""
    where, params = window.where("published_at", "seminar_id")
    rows = await db.fetch_all(
        f"SELECT {_RUN_COLUMNS} FROM assignment_runs WHERE status = 'published' AND {where}",
        params,
    )
    return [_run(row) for row in rows]


async def run_by_id(db: Reader, run_id: int) -> AssignmentRun | None:
    row = await db.fetch_one(f"SELECT {_RUN_COLUMNS} FROM assignment_runs WHERE id = ?", (run_id,))
    return None if row is None else _run(row)


async def run_rows(db: Reader, run_id: int) -> list[RunPlacement]:
    """Every student of a run, by user id; names of those who have since left are empty."""
    rows = await db.fetch_all(
        "SELECT r.user_id, coalesce(p.display_name, '') AS display_name, r.paper_id, "
        "pa.code, r.rank, r.pinned FROM assignment_run_rows r "
        "JOIN assignment_runs run ON run.id = r.run_id "
        "LEFT JOIN participants p ON p.seminar_id = run.seminar_id AND p.user_id = r.user_id "
        "LEFT JOIN papers pa ON pa.id = r.paper_id "
        "WHERE r.run_id = ? ORDER BY r.user_id",
        (run_id,),
    )
    return [
        RunPlacement(
            user_id=row["user_id"],
            display_name=row["display_name"],
            paper_id=row["paper_id"],
            paper_code=row["code"],
            rank=row["rank"],
            pinned=bool(row["pinned"]),
        )
        for row in rows
    ]


async def mark_published(
    tx: Transaction, seminar_id: int, run_id: int, actor_id: int, now: int
) -> None:
    """Make `run_id` the published run; the one published before is superseded."""
    await tx.execute(
        "UPDATE assignment_runs SET status = 'superseded' "
        "WHERE seminar_id = ? AND status = 'published'",
        (seminar_id,),
    )
    await tx.execute(
        "UPDATE assignment_runs SET status = 'published', published_at = ?, published_by = ? "
        "WHERE id = ?",
        (now, actor_id, run_id),
    )


async def published_since(db: Reader, seminar_id: int) -> dict[int, tuple[int, int]]:
    """user id -> (paper id, the publication that gave it to them)."""
    rows = await db.fetch_all(
        "SELECT user_id, paper_id, since_run FROM assignments WHERE seminar_id = ?",
        (seminar_id,),
    )
    return {row["user_id"]: (row["paper_id"], row["since_run"]) for row in rows}


async def replace_published(
    tx: Transaction,
    seminar_id: int,
    run_id: int,
    rows: Iterable[tuple[int, int, int | None, int]],
) -> None:
    """The published assignment becomes `rows`: (user_id, paper_id, rank, since_run)."""
    await tx.execute("DELETE FROM assignments WHERE seminar_id = ?", (seminar_id,))
    await tx.executemany(
        "INSERT INTO assignments (seminar_id, user_id, paper_id, rank, run_id, since_run) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(seminar_id, user, paper, rank, run_id, since) for user, paper, rank, since in rows],
    )


async def changes_since_publication(db: Reader, seminar_id: int) -> int:
    """Leavers who freed a paper and newcomers without one since the last publication."""
    return int(
        await db.fetch_value(
            "SELECT count(*) FROM assignment_changes c JOIN assignment_runs r "
            "ON r.id = c.run_id AND r.status = 'published' WHERE c.seminar_id = ?",
            (seminar_id,),
        )
    )


# -- reading the published assignment ---------------------------------------------------


# A row of the published assignment with its paper, as `assigned_paper` reads it.
_ASSIGNED = (
    "SELECT a.user_id, a.paper_id, pa.code, pa.title, pa.authors, pa.url, pa.arxiv, a.rank, "
    "a.run_id FROM assignments a JOIN papers pa ON pa.id = a.paper_id"
)


def assigned_paper(row: Row) -> AssignedPaper:
    return AssignedPaper(
        user_id=row["user_id"],
        paper_id=row["paper_id"],
        paper_code=row["code"],
        paper_title=row["title"],
        authors=row["authors"],
        url=row["url"],
        arxiv=row["arxiv"],
        rank=row["rank"],
        run_id=row["run_id"],
    )


async def assignment_of(db: Reader, seminar_id: int, user_id: int) -> AssignedPaper | None:
    """This student's published paper."""
    row = await db.fetch_one(
        f"{_ASSIGNED} WHERE a.seminar_id = ? AND a.user_id = ?", (seminar_id, user_id)
    )
    return None if row is None else assigned_paper(row)


async def published_codes(db: Reader, seminar_id: int) -> dict[int, str]:
    """user id -> code of their paper in the published assignment."""
    rows = await db.fetch_all(
        "SELECT a.user_id, p.code FROM assignments a JOIN papers p ON p.id = a.paper_id "
        "WHERE a.seminar_id = ?",
        (seminar_id,),
    )
    return {row["user_id"]: row["code"] for row in rows}


async def is_pinned_in(db: Reader, run_id: int, user_id: int) -> bool:
    value = await db.fetch_value(
        "SELECT pinned FROM assignment_run_rows WHERE run_id = ? AND user_id = ?",
        (run_id, user_id),
    )
    return bool(value)


async def presenters_of(db: Reader, paper_id: int) -> list[Student]:
    """The students who present this paper, by name."""
    rows = await db.fetch_all(
        "SELECT a.user_id, coalesce(p.display_name, '') AS display_name FROM assignments a "
        "LEFT JOIN participants p ON p.seminar_id = a.seminar_id AND p.user_id = a.user_id "
        "WHERE a.paper_id = ? ORDER BY p.display_name COLLATE NOCASE, a.user_id",
        (paper_id,),
    )
    return [_student(row) for row in rows]


async def presenter_count(db: Reader, paper_id: int) -> int:
    return int(
        await db.fetch_value("SELECT count(*) FROM assignments WHERE paper_id = ?", (paper_id,))
    )


# -- the publication notice (read by the reminder engine) --------------------------------


async def publication_listing(db: Reader, run_id: int) -> list[AssignedPaper]:
    """The run's published assignment, in catalogue order."""
    rows = await db.fetch_all(
        f"{_ASSIGNED} WHERE a.run_id = ? ORDER BY pa.position, a.user_id", (run_id,)
    )
    return [assigned_paper(row) for row in rows]


async def newly_assigned(db: Reader, run_id: int) -> list[AssignedPaper]:
    """The students this publication gave a paper (or a different one) who are still
    registered, by user id."""
    rows = await db.fetch_all(
        f"{_ASSIGNED} WHERE a.run_id = ? AND a.since_run = ? ORDER BY a.user_id", (run_id, run_id)
    )
    return [assigned_paper(row) for row in rows]


# -- exports ----------------------------------------------------------------------------


async def participants_export(db: Reader, seminar_id: int) -> list[ParticipantSummary]:
    """Everyone registered or waiting, with ranking size and published paper."""
    rows = await db.fetch_all(
        "SELECT p.user_id, p.display_name, p.status, p.joined_at, "
        "(SELECT count(*) FROM preferences pr WHERE pr.participant_id = p.id) AS ranked, "
        "pa.code AS paper_code "
        "FROM participants p "
        "LEFT JOIN assignments a ON a.seminar_id = p.seminar_id AND a.user_id = p.user_id "
        "LEFT JOIN papers pa ON pa.id = a.paper_id "
        "WHERE p.seminar_id = ? ORDER BY p.status, p.queue_seq",
        (seminar_id,),
    )
    return [
        ParticipantSummary(
            user_id=row["user_id"],
            display_name=row["display_name"],
            status=ParticipantStatus(row["status"]),
            joined_at=row["joined_at"],
            ranked=row["ranked"],
            paper_code=row["paper_code"],
        )
        for row in rows
    ]


async def preferences_export(db: Reader, seminar_id: int) -> list[RankedChoice]:
    """One row per ranked paper, and one with rank None for participants who ranked
    nothing; in participant order, then rank order."""
    rows = await db.fetch_all(
        "SELECT p.user_id, p.display_name, p.status, p.prefs_updated_at, pr.rank, pa.code "
        "FROM participants p "
        "LEFT JOIN preferences pr ON pr.participant_id = p.id "
        "LEFT JOIN papers pa ON pa.id = pr.paper_id "
        "WHERE p.seminar_id = ? ORDER BY p.status, p.queue_seq, pr.rank",
        (seminar_id,),
    )
    return [
        RankedChoice(
            user_id=row["user_id"],
            display_name=row["display_name"],
            status=ParticipantStatus(row["status"]),
            prefs_updated_at=row["prefs_updated_at"],
            rank=row["rank"],
            paper_code=row["code"],
        )
        for row in rows
    ]


async def assignment_export(db: Reader, seminar_id: int, run_id: int) -> list[PublishedPlacement]:
    """Every registered participant with their published paper (None if none) and
    whether the run pinned them there."""
    rows = await db.fetch_all(
        "SELECT p.user_id, p.display_name, p.status, pa.code, pa.title, a.rank, "
        "coalesce(r.pinned, 0) AS pinned "
        "FROM participants p "
        "LEFT JOIN assignments a ON a.seminar_id = p.seminar_id AND a.user_id = p.user_id "
        "LEFT JOIN papers pa ON pa.id = a.paper_id "
        "LEFT JOIN assignment_run_rows r ON r.run_id = ? AND r.user_id = p.user_id "
        "AND r.paper_id = a.paper_id "
        "WHERE p.seminar_id = ? AND p.status = 'registered' ORDER BY p.queue_seq",
        (run_id, seminar_id),
    )
    return [
        PublishedPlacement(
            user_id=row["user_id"],
            display_name=row["display_name"],
            status=ParticipantStatus(row["status"]),
            paper_code=row["code"],
            paper_title=row["title"],
            rank=row["rank"],
            pinned=bool(row["pinned"]),
        )
        for row in rows
    ]
