"""A stored instant out of range (written before the range check, or by hand) poisons
nothing: only that row's reminders are left out (and shown in /admin status); the other
seminars' reminders still fire, start-up still works, and the seminar's own views and its
other deadlines still work (issue 11, item 1)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.core.models import ALL_PLATFORMS
from bot.core.reminders import ReminderPlanner, Source
from bot.core.services import Services
from bot.scheduler import ReminderScheduler
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, OTHER_GUILD, make_seminar
from tests.core.reminder_fakes import RecordingNotifier, reminder_seminar
from tests.core.test_scheduler import start, wait_for

STUDENTS = (101, 102, 103, 104)
# 0001-01-02 00:00 UTC and 9999-12-31T23:59-14:00 (already year 10000 in UTC).
YEAR_ONE = int(datetime(1, 1, 2, tzinfo=UTC).timestamp())
YEAR_TEN_THOUSAND = int(datetime(9999, 12, 31, 23, 59, tzinfo=UTC).timestamp()) + 14 * 3600


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(int(time.time()))


@pytest.fixture
async def schedulers() -> AsyncIterator[list[ReminderScheduler]]:
    started: list[ReminderScheduler] = []
    yield started
    for scheduler in started:
        await scheduler.stop()


def iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat()


async def poison(services: Services, db: Database, due_at: int) -> int:
    """A second seminar whose deadline row holds `due_at`, written straight into SQLite."""
    bad = await make_seminar(services, OTHER_GUILD, title="Broken seminar")
    await services.deadlines.set(OTHER_GUILD, ORGANISER, "intro-meeting", "2027-01-15 10:00")
    await db.execute("UPDATE deadlines SET due_at = ? WHERE seminar_id = ?", (due_at, bad.id))
    return bad.id


async def poison_office_hours(services: Services, db: Database) -> int:
    bad = await make_seminar(services, OTHER_GUILD, title="Broken seminar")
    await services.office_hours.set(
        OTHER_GUILD,
        ORGANISER,
        weekday="tuesday",
        start="14:00",
        duration=120,
        place="Room 1",
        first="2026-10-20",
        last="2027-02-09",
    )
    await db.execute(
        "UPDATE office_hours SET first_date = '9999-12-01', last_date = '9999-12-31' "
        "WHERE seminar_id = ?",
        (bad.id,),
    )
    return bad.id


@pytest.mark.parametrize("due_at", [YEAR_ONE, YEAR_TEN_THOUSAND])
async def test_another_seminars_reminder_still_fires_and_start_still_works(
    services: Services,
    db: Database,
    clock: FakeClock,
    schedulers: list[ReminderScheduler],
    due_at: int,
) -> None:
    await reminder_seminar(services)
    await poison(services, db, due_at)
    due = clock.now() + 2
    await services.deadlines.set(GUILD, ORGANISER, "report", iso(due + 60), "1m")

    notifier = RecordingNotifier()
    await start(db, clock, notifier, schedulers)  # used to raise OverflowError

    await wait_for(lambda: len(notifier.delivered) == 5)
    assert notifier.dms() == Counter(dict.fromkeys(STUDENTS, 1))
    assert [c.notice.instants["due"] for c in notifier.posts()] == [due + 60]


async def test_a_broken_office_hours_row_leaves_other_seminars_alone(
    services: Services, db: Database, clock: FakeClock
) -> None:
    good = await reminder_seminar(services)
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    await poison_office_hours(services, db)
    plan = await ReminderPlanner(db, clock, ALL_PLATFORMS).plan()
    mine = [o.source for o in plan.occurrences if o.seminar_id == good.id]
    assert mine == [Source.DEADLINE] * 3
    assert good.id not in plan.broken


@pytest.mark.parametrize("due_at", [YEAR_ONE, YEAR_TEN_THOUSAND])
async def test_the_broken_seminars_own_views_still_render(
    services: Services, db: Database, due_at: int
) -> None:
    await poison(services, db, due_at)
    # The same seminar's good deadline keeps its three reminders: only the bad row's go.
    await services.deadlines.set(OTHER_GUILD, ORGANISER, "report", "2027-01-20 23:59")
    status = await services.status.status(OTHER_GUILD)
    assert status.pending == 3
    [problem] = status.unplannable
    assert problem.startswith("the deadline intro-meeting (")
    _, deadlines = await services.deadlines.for_user(OTHER_GUILD, 101, include_past=True)
    assert sorted(d.deadline.kind for d in deadlines) == ["intro-meeting", "report"]
    ics = await services.calendar.ics(OTHER_GUILD, 101)
    assert b"BEGIN:VCALENDAR" in ics and b"intro-meeting" not in ics and b"report" in ics


async def test_broken_office_hours_still_render(services: Services, db: Database) -> None:
    await poison_office_hours(services, db)
    assert b"BEGIN:VCALENDAR" in await services.calendar.ics(OTHER_GUILD, 101)
    hours = await services.office_hours.show(OTHER_GUILD)
    assert hours.upcoming  # in the year 9999, but shown rather than failing
