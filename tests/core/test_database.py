from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.database import Database, DatabaseTooNew, load_migrations, split_sql
from tests.core.helpers import open_at_version


async def test_fresh_database_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "s.db")
    try:
        latest = load_migrations(Path("migrations"))[-1][0]
        assert await db.user_version() == latest
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        assert await db.fetch_value("PRAGMA journal_mode") == "wal"
    finally:
        await db.close()


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "s.db")
    await db.execute(
        "INSERT INTO seminars (guild_id, title, created_at, updated_at) VALUES (1, 'T', 0, 0)"
    )
    await db.close()
    db = await Database.open(tmp_path / "s.db")
    try:
        assert await db.fetch_value("SELECT count(*) FROM seminars") == 1
    finally:
        await db.close()


async def test_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "s.db")
    await db.execute("PRAGMA user_version = 999")
    await db.close()
    with pytest.raises(DatabaseTooNew, match="999"):
        await Database.open(tmp_path / "s.db")


async def test_failed_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "0001_a.sql").write_text("CREATE TABLE a (x INTEGER);")
    db = await Database.open(tmp_path / "s.db", good)
    await db.close()
    (good / "0002_b.sql").write_text("CREATE TABLE b (x INTEGER);\nINSERT INTO nope VALUES (1);")
    with pytest.raises(Exception, match="nope"):
        await Database.open(tmp_path / "s.db", good)
    (good / "0002_b.sql").unlink()
    db = await Database.open(tmp_path / "s.db", good)
    try:
        assert await db.user_version() == 1
        tables = {r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master")}
        assert "b" not in tables
    finally:
        await db.close()


async def test_transaction_rolls_back_every_statement_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO seminars (guild_id, title, created_at, updated_at) VALUES (1,'T',0,0)"
            )
            raise RuntimeError("boom")
    assert await db.fetch_value("SELECT count(*) FROM seminars") == 0


def test_split_sql_keeps_semicolons_inside_literals_and_triggers() -> None:
    script = """
    -- comment; with a semicolon
    CREATE TABLE t (x TEXT DEFAULT 'a;b');
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = 'c;d'; END;
    """
    statements = split_sql(script)
    assert len(statements) == 2
    assert "'a;b'" in statements[0]
    assert statements[1].endswith("END;")


async def test_a_cancelled_writer_leaves_the_connection_usable(db: Database) -> None:
    import asyncio

    async def slow_writer() -> None:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO seminars (guild_id, title, created_at, updated_at) VALUES (1,'T',0,0)"
            )
            await asyncio.sleep(10)

    for delay in (0, 0.001, 0.01):
        task = asyncio.create_task(slow_writer())
        await asyncio.sleep(delay)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await db.execute(
            "INSERT INTO seminars (guild_id, title, created_at, updated_at) VALUES (?,'U',0,0)",
            (100 + int(delay * 1000),),
        )
    assert await db.fetch_value("SELECT count(*) FROM seminars WHERE guild_id = 1") == 0
    assert await db.fetch_value("SELECT count(*) FROM seminars") == 3


async def test_participant_counts_start_from_the_rows_already_there(tmp_path: Path) -> None:
    """Migration 0008 counts the registrations of an existing database."""
    path = tmp_path / "old.db"
    old = await open_at_version(path, 7)
    async with old.transaction() as tx:
        for guild in (1, 2):
            await tx.execute(
                "INSERT INTO seminars (guild_id, title, created_at, updated_at) "
                "VALUES (?, 'T', 0, 0)",
                (guild,),
            )
        for user, status in enumerate(["registered", "registered", "waitlisted"], start=1):
            await tx.execute(
                "INSERT INTO participants (seminar_id, user_id, status, joined_at, queue_seq) "
                "VALUES (1, ?, ?, 0, ?)",
                (user, status, user),
            )
    await old.close()
    db = await Database.open(path)
    try:
        rows = await db.fetch_all("SELECT * FROM participant_counts ORDER BY seminar_id")
        assert [tuple(row) for row in rows] == [(1, 2, 1), (2, 0, 0)]
    finally:
        await db.close()
