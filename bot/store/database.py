"""One long-lived aiosqlite connection, numbered migrations and serialised writes.

Every call to SQLite is a hop to aiosqlite's worker thread and back, and on a busy
event loop the hop, not SQLite, is what costs (bench/README.md). So a read is one
hop (execute and fetch together), a write of the hot path is queued for a shared
transaction (`write`, group commit: many interactions, one BEGIN..COMMIT), and rows
that rarely change are kept in memory (`cached`) behind table versions that SQLite
itself bumps on every change to those tables.

A group-commit batch runs its statements on the event-loop thread while aiosqlite's
worker waits, then the worker commits (`_batch_on_loop_thread`): on the worker, every
statement gave the GIL to the busy loop and waited to get it back, while every other
write waited behind it; the COMMIT stays on the worker because a checkpoint may fsync.

This reaches into aiosqlite's internals in two places, `_in_thread` (its
`Connection._execute` and `_conn`), to run a plain function on its worker thread,
and `_batch_on_loop_thread` (`_conn`, used while that thread waits);
aiosqlite is pinned to the 0.22 series for that (pyproject.toml), and
tests/core/test_database.py exercises it.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import logging
import re
import sqlite3
import threading
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Hashable,
    Iterable,
    Sequence,
)
from contextlib import asynccontextmanager
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Row = aiosqlite.Row
Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")

# Tables whose rows `cached` reads may keep in memory: read on almost every
# command, written only by organisers. A temporary trigger on each bumps its
# version on every insert, update or delete, whichever code path wrote it.
CACHED_TABLES = ("seminars", "papers", "deadlines")
# A group-commit batch of at least this many writes runs its statements on the event
# loop (`_batch_on_loop_thread`); a smaller one, all on the database thread in one hop:
# that is less work for an idle loop (a write at a time, ~0.25 ms less CPU per write
# at 100/s), while a batch this big means the loop is busy, and there each statement
# on the database thread waited for the GIL (bench/README.md).
LOOP_BATCH_MIN = 8
_TOUCH = "seminar_bot_touch"


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


class TableVersions:
    """A counter per cached table, bumped (on the database thread) by SQLite
    triggers whenever one of its rows changes, and by any rollback."""

    def __init__(self) -> None:
        self._counts = dict.fromkeys(CACHED_TABLES, 0)

    def touch(self, table: str) -> None:
        self._counts[table] += 1

    def touch_all(self) -> None:
        for table in self._counts:
            self._counts[table] += 1

    def of(self, tables: Iterable[str]) -> tuple[int, ...]:
        return tuple(self._counts[table] for table in tables)


async def _in_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """`fn(sqlite3_connection, *args)` on aiosqlite's worker thread: one hop.

    aiosqlite internals (`_execute`, `_conn`); pinned in pyproject.toml."""

    def call() -> T:
        return fn(conn._conn, *args)

    result = await conn._execute(call)  # type: ignore[no-untyped-call]
    return cast(T, result)


def _fetch_one(raw: sqlite3.Connection, sql: str, params: Params) -> Row | None:
    return cast(Row | None, raw.execute(sql, params).fetchone())


def _fetch_all(raw: sqlite3.Connection, sql: str, params: Params) -> list[Row]:
    return raw.execute(sql, params).fetchall()


def _execute(raw: sqlite3.Connection, sql: str, params: Params) -> int:
    return raw.execute(sql, params).lastrowid or 0


def _execute_rowcount(raw: sqlite3.Connection, sql: str, params: Params) -> int:
    return raw.execute(sql, params).rowcount


def _executemany(raw: sqlite3.Connection, sql: str, rows: list[Params]) -> None:
    raw.executemany(sql, rows)


class _Reads:
    """Queries shared by the database and an open transaction on it; one hop each."""

    _conn: aiosqlite.Connection

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await _in_thread(self._conn, _fetch_one, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await _in_thread(self._conn, _fetch_all, sql, params)

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
        self.versions = TableVersions()
        self._memo: dict[Hashable, tuple[tuple[int, ...], Any]] = {}
        self._loading: dict[Hashable, tuple[tuple[int, ...], asyncio.Task[Any]]] = {}
        self._queued: list[tuple[WriteBody[Any], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

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
                if path.exists() and not path.is_file():
                    raise DatabaseUnusable(
                        f"database {path} is not a regular file (a device or a pipe)"
                    )
                path.parent.mkdir(parents=True, exist_ok=True)
                # Tried with plain sqlite3 first: a failed aiosqlite.connect leaves its
                # worker thread reporting to a loop that is about to close.
                await asyncio.to_thread(_probe, path)
            # Not same-thread only: a group-commit batch uses the connection from the
            # event-loop thread while the worker waits (`_batch_on_loop_thread`).
            conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
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
            await db._watch_cached_tables()
            # The thread's id lets bench/ split the process's CPU by thread (/proc).
            log.info(
                "database %s open on thread %d",
                path,
                await _in_thread(conn, lambda _: threading.get_native_id()),
            )
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, OSError | sqlite3.Error):
                raise DatabaseUnusable(f"cannot use database {path}: {_reason(exc)}") from None
            raise
        return db

    async def _watch_cached_tables(self) -> None:
        """Temporary triggers (this connection only, never in the file) that bump a
        table's version whenever a row of it changes: a cache cannot miss a writer,
        however the row was changed (a service, a cascade, a test's raw UPDATE)."""
        await self._conn.create_function(_TOUCH, 1, self.versions.touch)
        present = {
            row[0]
            for row in await self.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        for table in (table for table in CACHED_TABLES if table in present):
            for event in ("INSERT", "UPDATE", "DELETE"):
                await self._conn.execute(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS {table}_{event.lower()}_touch "
                    f"AFTER {event} ON main.{table} BEGIN SELECT {_TOUCH}('{table}'); END"
                )

    async def cached(
        self, key: Hashable, tables: tuple[str, ...], load: Callable[[], Awaitable[T]]
    ) -> T:
        """`load()`'s value, kept until a row of `tables` changes (or a rollback).

        A value loaded while any of those tables changed is not kept, so an
        uncommitted or concurrent write never stays in memory. Callers that miss
        while a load of the same version is under way wait for that one: the first
        rush after a start or a catalogue change otherwise loaded it once per
        interaction in flight (367 loads of 100 papers in one burst). Keep values
        immutable: every caller gets the same object."""
        version = self.versions.of(tables)
        hit = self._memo.get(key)
        if hit is not None and hit[0] == version:
            return cast(T, hit[1])
        pending = self._loading.get(key)
        if pending is None or pending[0] != version:
            task = asyncio.ensure_future(self._load_and_keep(key, tables, version, load))
            # Retrieved here too: if every caller was cancelled, nobody else would.
            task.add_done_callback(_retrieve)
            pending = self._loading[key] = (version, task)
        # Shielded: one caller cancelled does not cancel the others' load.
        return cast(T, await asyncio.shield(pending[1]))

    async def _load_and_keep(
        self,
        key: Hashable,
        tables: tuple[str, ...],
        version: tuple[int, ...],
        load: Callable[[], Awaitable[T]],
    ) -> T:
        try:
            value = await load()
            if self.versions.of(tables) == version:
                self._memo[key] = (version, value)
            return value
        finally:
            if self._loading.get(key, (None, None))[1] is asyncio.current_task():
                del self._loading[key]

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
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
        # A cached read in between may have seen rows that are now gone.
        self.versions.touch_all()

    async def write(self, body: WriteBody[T]) -> T:
        """Run `body(tx)` in a transaction shared with other queued writes: group commit.

        Writes queued while one batch runs go together in the next: one BEGIN
        IMMEDIATE, the writes (one that raises is rolled back alone and its caller
        gets the exception; the others stand), one COMMIT. Each caller resumes only
        after the COMMIT that holds its change: acknowledged means durable.

        `body` is an `async def` over the usual store functions that must never
        really wait: its statements run synchronously, one after another (see
        `_SyncTransaction`); awaiting anything else raises there. It may run
        twice (see `_run_batch`), so it does nothing but run statements and return
        a value; and it should raise its refusals before its first change: one
        that raises after changing rows makes the whole batch run again.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued.append((body, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="group-commit")
        return await future

    async def _flush(self) -> None:
        while self._queued:
            async with self._write_lock:
                batch = [(body, fut) for body, fut in self._queued if not fut.done()]
                self._queued = []
                if not batch:
                    continue
                try:
                    bodies = [body for body, _ in batch]
                    if len(bodies) < LOOP_BATCH_MIN:
                        outcomes = await _in_thread(self._conn, _run_and_commit, bodies)
                    else:
                        outcomes = await self._batch_on_loop_thread(bodies)
                except BaseException as exc:
                    self.versions.touch_all()
                    for _, fut in batch:
                        if not fut.done():
                            if isinstance(exc, Exception):
                                fut.set_exception(exc)
                            else:
                                fut.cancel()
                    if not isinstance(exc, Exception):
                        raise
                    continue
            for (_, fut), (ok, value) in zip(batch, outcomes, strict=True):
                if fut.done():
                    continue  # its caller was cancelled; the change stands
                if ok:
                    fut.set_result(value)
                else:
                    fut.set_exception(value)

    async def _batch_on_loop_thread(self, bodies: list[WriteBody[Any]]) -> list[tuple[bool, Any]]:
        """`_run_batch` here, on the event-loop thread, while aiosqlite's worker waits
        (nothing else touches the connection meanwhile); then the worker commits.

        On the worker each of the batch's statements handed the GIL to the busy event
        loop and waited to get it back (bench/README.md). The batch itself never
        suspends, so no coroutine can queue a read while it runs. The COMMIT is the
        worker's because it may run a WAL checkpoint, which waits for the disk."""
        loop = asyncio.get_running_loop()
        worker_waiting: asyncio.Future[None] = loop.create_future()
        batch_done = threading.Event()

        def hold_then_commit(raw: sqlite3.Connection) -> None:
            loop.call_soon_threadsafe(_resolve, worker_waiting)
            batch_done.wait()
            # `_run_batch` leaves a transaction open only when it returned; one that
            # raised (or never ran) has nothing to keep.
            if raw.in_transaction:
                _commit(raw)

        held = asyncio.ensure_future(_in_thread(self._conn, hold_then_commit))
        try:
            await worker_waiting
            outcomes = _run_batch(self._conn._conn, bodies)
        finally:
            batch_done.set()
            # Whatever happened here, the worker commits or rolls back before the
            # connection is used again (the write lock is still held).
            await asyncio.shield(held)
        return outcomes

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
        return await _in_thread(self._conn, _execute, sql, params)

    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        return await _in_thread(self._conn, _execute_rowcount, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await _in_thread(self._conn, _executemany, sql, list(rows))


WriteBody = Callable[[Transaction], Coroutine[Any, Any, T]]


class _SyncTransaction(Transaction):
    """A transaction as a group-commit batch sees it, inside `Database.write`.

    The same interface as `Transaction`, so the usual store functions work
    unchanged, but every statement runs synchronously: these coroutines complete
    without ever suspending, and `_drive` runs them to the end in one step."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return _fetch_one(self._raw, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return _fetch_all(self._raw, sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _execute(self._raw, sql, params)

    async def execute_rowcount(self, sql: str, params: Params = ()) -> int:
        return _execute_rowcount(self._raw, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        _executemany(self._raw, sql, list(rows))


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class WouldWait(RuntimeError):
    """A body given to `Database.write` awaited something that really waits."""


def _drive(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends to its end, here and now."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    coroutine.close()
    raise WouldWait("a Database.write body must only run statements on its transaction")


def _run_and_commit(
    raw: sqlite3.Connection, bodies: list[WriteBody[Any]]
) -> list[tuple[bool, Any]]:
    """A small batch, all of it on the database thread: one hop."""
    outcomes = _run_batch(raw, bodies)
    _commit(raw)
    return outcomes


def _commit(raw: sqlite3.Connection) -> None:
    try:
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise


def _run_batch(raw: sqlite3.Connection, bodies: list[WriteBody[Any]]) -> list[tuple[bool, Any]]:
    """One transaction for many writes, left open for the caller to commit.

    A write that raises before it changed a row needs nothing undone (a statement
    that fails is undone by SQLite itself), so the batch first runs without a
    savepoint per write: those are two more statements each, while the event loop
    and every other write wait. Only if a write raises after changing rows, or an error
    ended the transaction, does the whole batch run again, each write in its own
    savepoint, so that one is rolled back alone.
    """
    outcomes = _attempt_batch(raw, bodies, savepoints=False)
    if outcomes is None:
        outcomes = _attempt_batch(raw, bodies, savepoints=True)
        assert outcomes is not None  # with savepoints, a failed write is rolled back alone
    return outcomes


def _attempt_batch(
    raw: sqlite3.Connection, bodies: list[WriteBody[Any]], *, savepoints: bool
) -> list[tuple[bool, Any]] | None:
    """The batch in one open transaction and its outcomes; None (rolled back) if,
    without savepoints, a failed write left changes behind."""
    tx = _SyncTransaction(raw)
    outcomes: list[tuple[bool, Any]] = []
    raw.execute("BEGIN IMMEDIATE")
    try:
        for body in bodies:
            if savepoints:
                raw.execute("SAVEPOINT write")
            changes_before = raw.total_changes
            try:
                value = _drive(body(tx))
            except Exception as exc:
                if savepoints:
                    raw.execute("ROLLBACK TO write")
                    raw.execute("RELEASE write")
                elif raw.total_changes != changes_before or not raw.in_transaction:
                    if raw.in_transaction:
                        raw.execute("ROLLBACK")
                    return None
                outcomes.append((False, exc))
            else:
                if savepoints:
                    raw.execute("RELEASE write")
                outcomes.append((True, value))
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return outcomes


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
