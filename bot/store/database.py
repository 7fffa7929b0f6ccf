"""One long-lived aiosqlite connection, numbered migrations and serialised writes."""

from __future__ import annotations

import asyncio
import importlib.resources
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Row = aiosqlite.Row
Params = Sequence[Any] | dict[str, Any]


class DatabaseUnusable(RuntimeError):
    """The database cannot be opened or brought up to date; the message is one line
    that names the file and the problem (the bot cannot start)."""


class DatabaseTooNew(DatabaseUnusable):
    """The file was written by a newer version of the bot; refusing to touch it."""


class MigrationsMissing(DatabaseUnusable):
    """The migrations that ship with the package are missing or broken."""


def bundled_migrations() -> Traversable:
    """The `migrations` package installed with the bot (a wheel or the source tree)."""
    try:
        return importlib.resources.files("migrations")
    except ModuleNotFoundError:
        raise MigrationsMissing(
            "the migrations package is not installed; reinstall seminar-bot"
        ) from None


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
    async def open(cls, path: Path | str, migrations: Traversable | None = None) -> Database:
        """Open (creating if needed) and migrate the database at `path`.

        Every way this can fail raises a `DatabaseUnusable` whose message is one
        line; the connection's worker thread is stopped first, so the process can
        exit instead of hanging on it.
        """
        path = Path(path)
        found = load_migrations(bundled_migrations() if migrations is None else migrations)
        try:
            if str(path) != ":memory:":
                if path.is_dir():
                    raise DatabaseUnusable(f"database {path} is a directory, not a file")
                path.parent.mkdir(parents=True, exist_ok=True)
                # Tried with plain sqlite3 first: a failed aiosqlite.connect leaves its
                # worker thread reporting to a loop that is about to close.
                await asyncio.to_thread(_probe, path)
            conn = await aiosqlite.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseUnusable(f"cannot open database {path}: {_reason(exc)}") from None
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            await conn.execute("PRAGMA synchronous=NORMAL")
            async with conn.execute("PRAGMA quick_check") as cursor:
                verdict = [str(row[0]) for row in await cursor.fetchall()]
            if verdict != ["ok"]:
                raise DatabaseUnusable(
                    f"database {path} is damaged: {_one_line('; '.join(verdict[:3]))}"
                )
            db = cls(conn, path)
            await db._migrate(found)
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, OSError | sqlite3.Error):
                raise DatabaseUnusable(f"cannot use database {path}: {_reason(exc)}") from None
            raise
        return db

    async def close(self) -> None:
        async with self._write_lock:
            await self._conn.close()

    # -- migrations -------------------------------------------------------

    async def user_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Traversable | None = None) -> int:
        """Apply pending migrations in order; returns the resulting version."""
        return await self._migrate(
            load_migrations(bundled_migrations() if migrations is None else migrations)
        )

    async def _migrate(self, migrations: list[tuple[int, str, str]]) -> int:
        latest = migrations[-1][0]
        current = await self.user_version()
        if current > latest:
            raise DatabaseTooNew(
                f"database {self.path} is at schema version {current}, but this version "
                f"of seminar-bot only knows up to {latest}; upgrade the bot"
            )
        for version, name, sql in migrations:
            if version <= current:
                continue
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
                    # Only if BEGIN took: a ROLLBACK without a transaction would hide
                    # the real error behind "cannot rollback - no transaction is active".
                    await self._rollback()
                    raise
            log.info("applied migration %s", name)
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


def load_migrations(source: Traversable) -> list[tuple[int, str, str]]:
    """The numbered `NNNN_name.sql` files in `source`, in order; none is an error."""
    try:
        files = sorted(
            (item for item in source.iterdir() if item.name.endswith(".sql")),
            key=lambda item: item.name,
        )
        found: list[tuple[int, str, str]] = []
        for item in files:
            match = _MIGRATION_NAME.match(item.name)
            if match is None:
                raise MigrationsMissing(f"migration file name {item.name!r} is not NNNN_name.sql")
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    except OSError as exc:
        raise MigrationsMissing(f"cannot read the migrations: {_reason(exc)}") from None
    if not found:
        raise MigrationsMissing(
            f"no migrations found in {source}; the bot would start on an empty schema"
        )
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationsMissing(f"migrations must be numbered 1..n without gaps, found {versions}")
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


def _probe(path: Path) -> None:
    sqlite3.connect(path).close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return _one_line(exc.strerror)
    return _one_line(str(exc) or type(exc).__name__)


def _one_line(text: str) -> str:
    return " ".join(text.split())
