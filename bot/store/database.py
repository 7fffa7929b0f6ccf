"""One long-lived aiosqlite connection, numbered migrations and serialised writes."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Row = aiosqlite.Row
Params = Sequence[Any] | dict[str, Any]


class DatabaseTooNew(RuntimeError):
    """The file was written by a newer version of the bot; refusing to touch it."""


class _Reads:
    """Queries shared by the database and an open transaction on it."""

    _conn: aiosqlite.Connection

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


class Database(_Reads):
    """The bot's only handle on SQLite.

    Reads run directly; writes go through `transaction()`, which holds an
    asyncio lock so two coroutines never interleave statements inside one
    transaction on the shared connection.
    """

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._conn = connection
        self._write_lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path | str, migrations_dir: Path = MIGRATIONS_DIR) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        db = cls(conn, path)
        try:
            await db.migrate(migrations_dir)
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        async with self._write_lock:
            await self._conn.close()

    # -- migrations -------------------------------------------------------

    async def user_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations_dir: Path = MIGRATIONS_DIR) -> int:
        """Apply pending migrations in order; returns the resulting version."""
        migrations = load_migrations(migrations_dir)
        latest = migrations[-1][0] if migrations else 0
        current = await self.user_version()
        if current > latest:
            raise DatabaseTooNew(
                f"database {self.path} is at schema version {current}, but this version "
                f"of seminar-bot only knows up to {latest}; upgrade the bot"
            )
        for version, name, sql in migrations:
            if version <= current:
                continue
            log.info("applying migration %s", name)
            async with self._write_lock:
                # executescript() would COMMIT first and run statements outside our
                # transaction, so statements run one by one inside BEGIN..COMMIT.
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in split_sql(sql):
                        await self._conn.execute(statement)
                    await self._conn.execute(f"PRAGMA user_version = {version:d}")
                    await self._conn.execute("COMMIT")
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
            current = version
        return current

    # -- writes -----------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (cancellation included)."""
        async with self._write_lock:
            await self._discard_abandoned_transaction()
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._conn)
            except BaseException:
                # Shielded: a cancelled task must still leave the shared connection clean.
                await asyncio.shield(self._rollback())
                raise
            else:
                await self._conn.execute("COMMIT")

    async def _rollback(self) -> None:
        if self._conn.in_transaction:
            await self._conn.execute("ROLLBACK")

    async def _discard_abandoned_transaction(self) -> None:
        """Roll back what a task cancelled mid-BEGIN left open.

        aiosqlite runs statements in order on one thread, so a cancelled
        BEGIN may still run after its task is gone; a no-op statement first
        waits for it. We hold the write lock, so an open transaction is stale.
        """
        await self._conn.execute("SELECT 1")
        await self._rollback()

    async def execute(self, sql: str, params: Params = ()) -> int:
        """A single write in its own transaction; returns lastrowid."""
        async with self.transaction() as tx:
            return await tx.execute(sql, params)


class Transaction(_Reads):
    """Statements issued while the write lock and a transaction are held."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._conn.execute(sql, params) as cursor:
            return cursor.lastrowid or 0

    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        async with self._conn.execute(sql, params) as cursor:
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)


def load_migrations(migrations_dir: Path) -> list[tuple[int, str, str]]:
    found: list[tuple[int, str, str]] = []
    for path in sorted(migrations_dir.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file name {path.name!r} is not NNNN_name.sql")
        found.append((int(match.group(1)), path.name, path.read_text(encoding="utf-8")))
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def split_sql(script: str) -> list[str]:
    """Split a migration into statements; SQLite's own tokenizer decides where one
    ends, so `;` inside literals and trigger bodies is handled."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            if _has_code(statement):
                statements.append(statement)
            buffer = ""
    if _has_code(buffer):
        raise ValueError(f"migration ends inside a statement: {buffer.strip()[:80]!r}")
    return statements


def _has_code(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in text.splitlines())
