"""ReminderScheduler with a real AsyncIOScheduler on a short real-time horizon.

The fake clock is set to the real time, so due times one or two seconds ahead
fire for real; each test takes a few seconds at most.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest

from bot.core.models import ALL_PLATFORMS, Platform
from bot.core.reminders import Dispatcher, ReminderPlanner, Source
from bot.core.services import Services
from bot.scheduler import ReminderScheduler
from bot.store import reminders as store
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER
from tests.core.reminder_fakes import RecordingNotifier, occurrences, reminder_seminar

STUDENTS = (101, 102, 103, 104)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(int(time.time()))


@pytest.fixture
async def seminar_ready(services: Services) -> None:
    await reminder_seminar(services)


@pytest.fixture
async def schedulers() -> AsyncIterator[list[ReminderScheduler]]:
    started: list[ReminderScheduler] = []
    yield started
    for scheduler in started:
        await scheduler.stop()


def iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat()


async def start(
    db: Database, clock: FakeClock, notifier: RecordingNotifier, into: list[ReminderScheduler]
) -> ReminderScheduler:
    scheduler = ReminderScheduler(
        db,
        clock,
        ReminderPlanner(db, clock, ALL_PLATFORMS),
        Dispatcher(db, clock, {Platform.DISCORD: notifier}),
    )
    into.append(scheduler)
    await scheduler.start()
    return scheduler


async def wait_for(condition: Callable[[], bool], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


def job_ids(scheduler: ReminderScheduler) -> set[str]:
    return scheduler.scheduled()


async def test_a_reminder_fires_at_its_instant_and_once(
    services: Services,
    db: Database,
    clock: FakeClock,
    seminar_ready: None,
    schedulers: list[ReminderScheduler],
) -> None:
    # The fake clock stands still; set it to the real time the engine's timers run on.
    clock.set(int(time.time()))
    due = clock.now() + 2
    await services.deadlines.set(GUILD, ORGANISER, "report", iso(due + 60), "1m")
    notifier = RecordingNotifier()
    fired_at: list[float] = []
    notifier.before = lambda call: fired_at.append(time.time())
    scheduler = await start(db, clock, notifier, schedulers)
    assert scheduler.pending_jobs() == 1
    assert notifier.calls == []

    await wait_for(lambda: len(notifier.delivered) == 5, within=30.0)
    assert due <= min(fired_at)  # never early (how late depends on the machine's load)
    assert notifier.dms() == Counter(dict.fromkeys(STUDENTS, 1))
    await asyncio.sleep(0.2)
    assert len(notifier.calls) == 5
    assert scheduler.pending_jobs() == 0
    assert await scheduler.rebuild() == 0


async def test_a_change_requests_a_rebuild_that_replans(
    services: Services,
    db: Database,
    clock: FakeClock,
    seminar_ready: None,
    schedulers: list[ReminderScheduler],
) -> None:
    t0 = clock.now()
    await services.deadlines.set(GUILD, ORGANISER, "report", iso(t0 + 2 + 60), "1m")
    notifier = RecordingNotifier()
    scheduler = await start(db, clock, notifier, schedulers)
    services.schedule_changed.subscribe(scheduler.request_rebuild)
    [old] = job_ids(scheduler)

    # Moved one second later: the old job goes, the new one comes.
    await services.deadlines.set(GUILD, ORGANISER, "report", iso(t0 + 3 + 60), "1m")
    await wait_for(lambda: job_ids(scheduler) != {old})
    [new] = job_ids(scheduler)
    [occurrence] = await occurrences(ReminderPlanner(db, clock, ALL_PLATFORMS), Source.DEADLINE)
    assert occurrence.due_at == t0 + 3 and new.endswith(f"@{t0 + 3}")

    # An announcement posted now goes out at once, without waiting for the hourly re-plan.
    await services.announcements.post(GUILD, ORGANISER, "Room change")
    await wait_for(lambda: len(notifier.posts()) == 1, within=1.0)
    assert notifier.posts()[0].notice.template == "📣 Room change"

    await wait_for(lambda: len(notifier.delivered) == 6, within=4.0)
    assert notifier.dms() == Counter(dict.fromkeys(STUDENTS, 1))
    deadline_posts = [c for c in notifier.posts() if "Reminder" in c.notice.template]
    assert [c.notice.instants["due"] for c in deadline_posts] == [t0 + 3 + 60]

    # Removing a deadline removes its jobs.
    await services.deadlines.set(GUILD, ORGANISER, "slides", iso(t0 + 600), "5m")
    await wait_for(lambda: len(job_ids(scheduler)) == 1)
    await services.deadlines.remove(GUILD, ORGANISER, "slides")
    await wait_for(lambda: job_ids(scheduler) == set())


async def test_a_restart_neither_drops_nor_repeats(
    services: Services,
    db: Database,
    clock: FakeClock,
    seminar_ready: None,
    schedulers: list[ReminderScheduler],
) -> None:
    t0 = clock.now()
    # Two reminders one second apart; the bot restarts between them.
    await services.deadlines.set(GUILD, ORGANISER, "report", iso(t0 + 62), "61s,60s")
    notifier = RecordingNotifier()
    first_process = await Database.open(db.path)
    first = await start(first_process, clock, notifier, schedulers)
    assert first.pending_jobs() == 2
    await wait_for(lambda: len(notifier.delivered) == 5)
    await wait_for(lambda: not first.running)  # the fan-out has recorded itself done
    await first.stop()
    await first_process.close()

    second_process = await Database.open(db.path)
    try:
        second = await start(second_process, clock, notifier, schedulers)
        assert second.pending_jobs() == 1  # the first reminder is done, not re-planned
        await wait_for(lambda: len(notifier.delivered) == 10)
        await asyncio.sleep(0.2)
        assert notifier.dms() == Counter(dict.fromkeys(STUDENTS, 2))
        assert len(notifier.posts()) == 2
        assert len(notifier.calls) == 10
        await second.stop()
    finally:
        await second_process.close()


async def test_a_restart_mid_fan_out_sends_everyone_exactly_one(
    services: Services,
    db: Database,
    clock: FakeClock,
    schedulers: list[ReminderScheduler],
) -> None:
    await reminder_seminar(services, students=20, capacity=20)
    t0 = clock.now()
    await services.deadlines.set(GUILD, ORGANISER, "report", iso(t0 + 61), "60s")
    notifier = RecordingNotifier(delay=0.1)  # 21 sends, 8 at a time: about 0.3 s
    first_process = await Database.open(db.path)
    first = await start(first_process, clock, notifier, schedulers)
    await wait_for(lambda: len(notifier.calls) >= 5)
    await first.stop()  # mid-way: sends in flight finish and are recorded; no new one starts
    await first_process.close()
    [occurrence] = await occurrences(ReminderPlanner(db, clock, ALL_PLATFORMS), Source.DEADLINE)
    rows = await store.deliveries_of(db, occurrence.key, occurrence.due_at)
    assert 0 < len(notifier.delivered) < 21
    assert {r.status for r in rows} == {"sent"}
    assert len(rows) == len(notifier.delivered)  # every send that went out is on record

    second_process = await Database.open(db.path)
    try:
        second = await start(second_process, clock, notifier, schedulers)
        await wait_for(lambda: len(notifier.delivered) == 21)
        await asyncio.sleep(0.3)
        assert notifier.dms() == Counter(dict.fromkeys(range(101, 121), 1))
        assert len(notifier.posts()) == 1
        await second.stop()
    finally:
        await second_process.close()
    statuses = {r.status for r in await store.deliveries_of(db, occurrence.key, occurrence.due_at)}
    assert statuses == {"sent"}


async def test_a_shutdown_waits_for_slow_sends_only_as_long_as_its_grace(
    services: Services,
    db: Database,
    clock: FakeClock,
    schedulers: list[ReminderScheduler],
) -> None:
    await reminder_seminar(services, students=2, capacity=2)
    t0 = clock.now()
    await services.deadlines.set(GUILD, ORGANISER, "report", iso(t0 + 61), "60s")
    notifier = RecordingNotifier(delay=3600)  # a send that never comes back
    first = await start(db, clock, notifier, schedulers)
    await wait_for(lambda: len(first.running) > 0)
    await first.stop(grace=0.2)  # returns: the hung send is cancelled, left claimed
    assert not first.running
    [occurrence] = await occurrences(ReminderPlanner(db, clock, ALL_PLATFORMS), Source.DEADLINE)
    rows = await store.deliveries_of(db, occurrence.key, occurrence.due_at)
    assert {r.status for r in rows} <= {"claimed"}  # resumed, same nonce, at the next start
