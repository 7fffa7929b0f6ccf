"""The reminder engine plans only what is due soon (issue 12, item 3), and still
finds what fell due while the bot was down, however long ago."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.core.models import ALL_PLATFORMS
from bot.core.reminders import ReminderPlanner, Source
from bot.core.services import Services
from bot.scheduler import HORIZON_SECONDS, ReminderScheduler
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, OTHER_GUILD, make_seminar
from tests.core.reminder_fakes import RecordingNotifier, reminder_seminar
from tests.core.test_scheduler import iso, job_ids, start, wait_for

DAY = 86_400
STUDENTS = (101, 102, 103, 104)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(int(time.time()))


@pytest.fixture
async def schedulers() -> AsyncIterator[list[ReminderScheduler]]:
    started: list[ReminderScheduler] = []
    yield started
    for scheduler in started:
        await scheduler.stop()


async def test_only_what_falls_due_within_the_horizon_is_planned_at_start(
    services: Services, db: Database, clock: FakeClock, schedulers: list[ReminderScheduler]
) -> None:
    await reminder_seminar(services)
    now = clock.now()
    await services.deadlines.set(GUILD, ORGANISER, "report", iso(now + 200 * DAY), "7d,1d,2h")
    await services.deadlines.set(GUILD, ORGANISER, "slides", iso(now + DAY), "2h")
    scheduler = await start(db, clock, RecordingNotifier(), schedulers)

    [job] = job_ids(scheduler)
    assert f"@{now + DAY - 7200}" in job
    planner = ReminderPlanner(db, clock, ALL_PLATFORMS)
    soon = await planner.plan(since=now, until=now + HORIZON_SECONDS)
    assert [o.due_at for o in soon.occurrences] == [now + DAY - 7200]
    # The whole backlog is still there for whoever asks for it.
    assert len(await planner.pending()) == 4


async def test_a_reminder_that_fell_due_long_before_a_restart_is_sent_late(
    services: Services, db: Database, clock: FakeClock, schedulers: list[ReminderScheduler]
) -> None:
    real_now = clock.now()
    clock.set(real_now - 10 * DAY)
    await reminder_seminar(services)
    first = await start(db, clock, RecordingNotifier(), schedulers)
    await first.stop()
    # Set while the bot was down: its reminder falls due ten days before the restart,
    # far outside any horizon, while the deadline itself is still ahead.
    await services.deadlines.set(GUILD, ORGANISER, "report", iso(real_now + 600), "10d")

    clock.set(real_now)
    notifier = RecordingNotifier()
    await start(db, clock, notifier, schedulers)
    await wait_for(lambda: len(notifier.delivered) == 1 + len(STUDENTS))
    assert all(call.notice.template.startswith("(Sent late") for call in notifier.delivered)


async def test_status_counts_one_seminars_pending_reminders(
    services: Services, clock: FakeClock
) -> None:
    await reminder_seminar(services)
    await make_seminar(services, OTHER_GUILD, title="Another seminar")
    now = clock.now()
    await services.deadlines.set(GUILD, ORGANISER, "report", iso(now + 200 * DAY), "7d,1d,2h")
    await services.deadlines.set(OTHER_GUILD, ORGANISER, "report", iso(now + 9 * DAY), "1d")
    status = await services.status.status(GUILD)
    assert status.pending == 3
    assert [o.source for o in status.next_up] == [Source.DEADLINE] * 3
    assert [o.offset for o in status.next_up] == [7 * DAY, DAY, 7200]
