"""`Database.write` (group commit) and `Database.cached` (rows kept in memory).

Many interactions' writes share one transaction (a savepoint each only when one
fails after changing rows): one that fails is rolled back alone, and every caller
resumes only once its change is committed. Cached rows follow every change to their
table, whoever made it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.core.errors import InvalidInput
from bot.core.models import ParticipantStatus, Seminar
from bot.core.services import Services
from bot.store import database, papers, seminars
from bot.store.database import Database, Transaction, WouldWait
from tests.core.helpers import GUILD, ORGANISER, add_paper, make_seminar


@pytest.fixture(autouse=True, params=["on the event loop", "on the database thread"])
def batch_thread(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here, with batches of any size run where big ones run, then where
    small ones run (`LOOP_BATCH_MIN`)."""
    smallest = 1 if request.param == "on the event loop" else 1_000_000
    monkeypatch.setattr(database, "LOOP_BATCH_MIN", smallest)


async def _insert_seminar(db: Database, guild_id: int, *, fail: bool = False) -> int:
    async def body(tx: Transaction) -> int:
        row_id = await tx.execute(
            "INSERT INTO seminars (guild_id, title, created_at, updated_at) VALUES (?, 'T', 0, 0)",
            (guild_id,),
        )
        if fail:
            raise InvalidInput("refused after writing")
        return row_id

    return await db.write(body)


def committed_guilds(path: Path) -> set[int]:
    """What another connection sees: only committed rows."""
    with sqlite3.connect(path) as other:
        return {row[0] for row in other.execute("SELECT guild_id FROM seminars")}


async def test_an_acknowledged_write_is_committed(db: Database) -> None:
    await _insert_seminar(db, 1)
    assert committed_guilds(db.path) == {1}


async def test_a_failing_write_is_rolled_back_alone(db: Database) -> None:
    results = await asyncio.gather(
        *(_insert_seminar(db, guild, fail=guild % 3 == 0) for guild in range(1, 10)),
        return_exceptions=True,
    )
    refused = [
        guild for guild, r in zip(range(1, 10), results, strict=True) if isinstance(r, InvalidInput)
    ]
    assert refused == [3, 6, 9]
    assert committed_guilds(db.path) == {1, 2, 4, 5, 7, 8}


async def test_a_constraint_violation_fails_only_its_own_write(db: Database) -> None:
    results = await asyncio.gather(
        _insert_seminar(db, 1),
        _insert_seminar(db, 1),
        _insert_seminar(db, 2),
        return_exceptions=True,
    )
    assert [isinstance(r, sqlite3.IntegrityError) for r in results] == [False, True, False]
    assert committed_guilds(db.path) == {1, 2}


async def test_a_body_that_waits_is_refused_and_leaves_the_others(db: Database) -> None:
    async def waits(tx: Transaction) -> None:
        await tx.execute(
            "INSERT INTO seminars (guild_id, title, created_at, updated_at) VALUES (7, 'T', 0, 0)"
        )
        await asyncio.sleep(0)

    results = await asyncio.gather(db.write(waits), _insert_seminar(db, 8), return_exceptions=True)
    assert isinstance(results[0], WouldWait)
    assert committed_guilds(db.path) == {8}


async def test_concurrent_joins_keep_their_order_on_the_waitlist(services: Services) -> None:
    await make_seminar(services, capacity=2)
    users = list(range(500, 520))
    results = await asyncio.gather(
        *(services.registration.join(GUILD, user, f"Student {user}") for user in users)
    )
    assert [r.status for r in results[:2]] == [ParticipantStatus.REGISTERED] * 2
    assert [r.waitlist_position for r in results[2:]] == list(range(1, 19))
    overview = await services.registration.overview(GUILD)
    assert [row.participant.user_id for row in overview.rows][2:] == users[2:]


async def test_concurrent_rankings_are_all_saved_and_a_refused_one_changes_nothing(
    services: Services,
) -> None:
    await make_seminar(services, capacity=50, pref_count=2)
    for code in ("pa", "pb", "pc"):
        await add_paper(services, code)
    users = list(range(600, 630))
    for user in users:
        await services.registration.join(GUILD, user, f"S{user}")
    choices = {user: ["pa", "pb"] if user % 2 else ["pc", "nope"] for user in users}
    results = await asyncio.gather(
        *(services.preferences.set(GUILD, user, choices[user]) for user in users),
        return_exceptions=True,
    )
    for user, result in zip(users, results, strict=True):
        shown = await services.preferences.show(GUILD, user)
        if user % 2:
            assert not isinstance(result, BaseException)
            assert [p.code for p in shown.papers] == ["pa", "pb"]
        else:
            assert isinstance(result, InvalidInput)
            assert shown.papers == []


async def test_the_cached_seminar_follows_every_change(services: Services, db: Database) -> None:
    seminar = await make_seminar(services)
    assert await services.seminars.find(GUILD) == seminar
    # Not through a service: the table's trigger still tells the cache.
    await db.execute("UPDATE seminars SET title = 'Renamed' WHERE id = ?", (seminar.id,))
    found = await services.seminars.find(GUILD)
    assert found is not None and found.title == "Renamed"
    await services.seminars.setup(GUILD, ORGANISER, title="Through the service")
    found = await services.seminars.find(GUILD)
    assert found is not None and found.title == "Through the service"


async def test_the_cached_catalogue_follows_adds_edits_and_removals(
    services: Services, db: Database, seminar: Seminar
) -> None:
    await add_paper(services, "p1")
    assert [p.code for p in await services.papers.browse(GUILD)] == ["p1"]
    await add_paper(services, "p2")
    assert [p.code for p in await services.papers.browse(GUILD)] == ["p1", "p2"]
    await db.execute("DELETE FROM papers WHERE code = 'p1'")
    assert [p.code for p in await services.papers.browse(GUILD)] == ["p2"]


async def test_nothing_uncommitted_stays_cached_after_a_rollback(
    services: Services, db: Database, seminar: Seminar
) -> None:
    await add_paper(services, "p1")
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("UPDATE papers SET title = 'Uncommitted' WHERE code = 'p1'")
            # Read (and cache) while the change is open on the shared connection.
            assert (await papers.catalogue(db, seminar.id))[0].title == "Uncommitted"
            raise RuntimeError("roll back")
    assert (await papers.catalogue(db, seminar.id))[0].title != "Uncommitted"
    assert await seminars.by_guild_cached(db, GUILD) == seminar


async def test_a_paper_removed_after_it_was_read_from_memory_is_a_clear_refusal(
    services: Services, db: Database
) -> None:
    await make_seminar(services, capacity=10, pref_count=2)
    await add_paper(services, "keep-1")
    await add_paper(services, "gone-1")
    await services.registration.join(GUILD, 700, "S")
    await services.papers.browse(GUILD)  # the catalogue is in memory
    async with db.transaction() as tx:
        # The ranking resolves its codes from memory and queues its write, which
        # waits for this transaction; the paper goes meanwhile.
        ranking = asyncio.create_task(services.preferences.set(GUILD, 700, ["gone-1", "keep-1"]))
        for _ in range(500):
            if db._queued:
                break
            await asyncio.sleep(0.01)
        assert db._queued
        await tx.execute("DELETE FROM papers WHERE code = 'gone-1'")
    with pytest.raises(InvalidInput, match="no paper"):
        await ranking
    assert (await services.preferences.show(GUILD, 700)).papers == []


async def test_a_refusal_before_any_change_needs_no_second_run(db: Database) -> None:
    """Without savepoints a batch runs once; only a write that fails after changing
    rows sends the batch round again, each write then in its own savepoint."""
    runs: list[int] = []

    def writer(guild_id: int, *, refuse: str = "") -> Callable[[Transaction], Awaitable[None]]:
        async def body(tx: Transaction) -> None:
            runs.append(guild_id)
            if refuse == "before":
                raise InvalidInput("refused before writing")
            await tx.execute(
                "INSERT INTO seminars (guild_id, title, created_at, updated_at) "
                "VALUES (?, 'T', 0, 0)",
                (guild_id,),
            )
            if refuse == "after":
                raise InvalidInput("refused after writing")

        return body

    for first, refuse, runs_seen in (
        (1, "before", [1, 2, 3]),  # one batch, one run
        (4, "after", [4, 5, 4, 5, 6]),  # the batch again, with savepoints
    ):
        runs.clear()
        results = await asyncio.gather(
            db.write(writer(first)),
            db.write(writer(first + 1, refuse=refuse)),
            db.write(writer(first + 2)),
            return_exceptions=True,
        )
        assert [isinstance(r, InvalidInput) for r in results] == [False, True, False]
        assert runs == runs_seen
    assert committed_guilds(db.path) == {1, 3, 4, 6}


async def test_a_batch_whose_commit_fails_keeps_nothing_and_the_next_write_works(
    db: Database,
) -> None:
    # A deferred foreign key is checked only at COMMIT: the statements pass, the
    # COMMIT (on the database thread, wherever the batch ran) fails.
    await db.execute(
        "CREATE TABLE notes (seminar_id INTEGER REFERENCES seminars (id) "
        "DEFERRABLE INITIALLY DEFERRED)"
    )

    async def dangling_note(tx: Transaction) -> None:
        await tx.execute("INSERT INTO notes (seminar_id) VALUES (999)")

    results = await asyncio.gather(
        _insert_seminar(db, 1), db.write(dangling_note), return_exceptions=True
    )

    assert all(isinstance(r, sqlite3.IntegrityError) for r in results), results
    assert committed_guilds(db.path) == set()
    await _insert_seminar(db, 2)
    assert committed_guilds(db.path) == {2}


async def test_callers_that_miss_the_cache_together_share_one_load(db: Database) -> None:
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        await db.fetch_value("SELECT 1")  # a real hop: the other callers arrive meanwhile
        return 42

    values = await asyncio.gather(*(db.cached("k", ("papers",), load) for _ in range(50)))

    assert values == [42] * 50
    assert loads == 1


async def test_a_cancelled_caller_does_not_cancel_the_load_the_others_wait_for(
    db: Database,
) -> None:
    release = asyncio.Event()

    async def load() -> str:
        await release.wait()
        return "catalogue"

    first = asyncio.create_task(db.cached("k", ("papers",), load))
    second = asyncio.create_task(db.cached("k", ("papers",), load))
    await asyncio.sleep(0)  # both are waiting on the one load
    first.cancel()
    release.set()

    assert await second == "catalogue"
    with pytest.raises(asyncio.CancelledError):
        await first
