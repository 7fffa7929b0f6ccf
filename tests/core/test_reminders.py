"""The reminder engine on a real SQLite file and a fake clock: planning, audience,
exactly-once delivery across crashes, late and missed, failures, DST, announcements
and office hours."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.models import ALL_PLATFORMS, Platform, Seminar
from bot.core.reminders import (
    LATE_AFTER,
    MAX_ATTEMPTS,
    PUBLICATION_POST_BUDGET,
    Dispatcher,
    Occurrence,
    ReminderPlanner,
    RunOutcome,
    Source,
    deadline_occurrences,
    office_hour_starts,
)
from bot.core.services import Services
from bot.discord.outbox import render
from bot.store import reminders as store
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, add_paper, join_all, make_seminar
from tests.core.reminder_fakes import (
    CHANNEL,
    ROLE,
    Crash,
    RecordingNotifier,
    occurrences,
    reminder_seminar,
    set_deadline,
)

BERLIN = ZoneInfo("Europe/Berlin")
STUDENTS = (101, 102, 103, 104)
DAY = 86_400


def utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())  # type: ignore[misc]


def berlin(*args: int) -> int:
    return int(datetime(*args, tzinfo=BERLIN).timestamp())  # type: ignore[misc]


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def planner(db: Database, clock: FakeClock) -> ReminderPlanner:
    return ReminderPlanner(db, clock, ALL_PLATFORMS)


@pytest.fixture
def dispatcher(db: Database, clock: FakeClock, notifier: RecordingNotifier) -> Dispatcher:
    return Dispatcher(db, clock, {Platform.DISCORD: notifier})


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    return await reminder_seminar(services)


async def the_occurrence(planner: ReminderPlanner, deadline_id: int, offset: int) -> Occurrence:
    found = [
        o for o in await occurrences(planner, Source.DEADLINE, deadline_id) if o.offset == offset
    ]
    assert len(found) == 1, found
    return found[0]


async def run_due(planner: ReminderPlanner, dispatcher: Dispatcher, now: int) -> list[RunOutcome]:
    """What the scheduler does when the clock reaches `now`: run every current due occurrence."""
    outcomes = []
    for occurrence in await planner.pending():
        if occurrence.due_at <= now and await planner.is_current(occurrence):
            outcomes.append(await dispatcher.run(occurrence))
    return outcomes


async def delivery_rows(db: Database, occurrence: Occurrence) -> dict[str, str]:
    rows = await store.deliveries_of(db, occurrence.key, occurrence.due_at)
    return {row.recipient: row.status for row in rows}


# -- planning -----------------------------------------------------------------


async def test_offsets_yield_exactly_those_occurrences(
    services: Services, seminar: Seminar, planner: ReminderPlanner
) -> None:
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00", "7d,1d,2h")
    found = await occurrences(planner, Source.DEADLINE)
    due = utc(2026, 10, 20, 10, 0)  # 12:00 CEST
    assert [(o.due_at, o.offset) for o in found] == [
        (due - 7 * DAY, 7 * DAY),
        (due - DAY, DAY),
        (due - 7200, 7200),
    ]
    assert {(o.ref_id, o.expires_at, o.event_at, o.seminar_id) for o in found} == {
        (deadline_id, due, due, seminar.id)
    }
    assert len({o.key for o in found}) == 3
    assert all([await planner.is_current(o) for o in found])
    # Setting the same time again (another note) keeps the very same occurrences.
    await set_deadline(services, "report", "2026-10-20 12:00", "7d,1d,2h", note="bring a PDF")
    assert await occurrences(planner, Source.DEADLINE) == found


async def test_moving_a_deadline_replans_and_removing_cancels(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00", "7d,1d,2h")
    old = await occurrences(planner, Source.DEADLINE)
    await set_deadline(services, "report", "2026-11-03 12:00", "7d,1d,2h")
    new = await occurrences(planner, Source.DEADLINE)
    assert not {o.key for o in old} & {o.key for o in new}
    due = utc(2026, 11, 3, 11, 0)  # 12:00 CET
    assert [o.due_at for o in new] == [due - 7 * DAY, due - DAY, due - 7200]
    assert [await planner.is_current(o) for o in old] == [False] * 3
    assert [await planner.is_current(o) for o in new] == [True] * 3

    await services.deadlines.remove(GUILD, ORGANISER, "report")
    assert await occurrences(planner, Source.DEADLINE) == []
    assert [await planner.is_current(o) for o in new] == [False] * 3
    # A job that fires anyway for the removed deadline sends nothing.
    clock.set(new[0].due_at)
    assert await dispatcher.run(new[0]) == RunOutcome(True, "gone")
    assert notifier.calls == []
    assert deadline_id not in {o.ref_id for o in await planner.pending()}


# -- audience, computed at send time ----------------------------------------------


async def test_preference_reminder_reaches_only_registered_students_without_a_ranking(
    services: Services,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    await reminder_seminar(services, students=4, capacity=4)
    await services.registration.join(GUILD, 105, "waiting")  # on the waitlist
    await services.preferences.set(GUILD, 101, ["P1", "P2"])
    await services.announcements.set_dm_reminders(GUILD, 103, False)
    deadline_id = await set_deadline(services, "preferences", "2026-10-20 12:00")
    occurrence = await the_occurrence(planner, deadline_id, DAY)
    # Ranks after the reminder was planned, before it is sent: no reminder for 102.
    await services.preferences.set(GUILD, 102, ["P2", "P3"])

    clock.set(occurrence.due_at)
    outcome = await dispatcher.run(occurrence)
    assert outcome == RunOutcome(True, "done", sent=2)
    assert notifier.dms() == Counter({104: 1})
    [post] = notifier.posts()
    assert post.target == CHANNEL
    assert "paper preferences" in post.notice.template
    assert post.notice.instants == {"due": utc(2026, 10, 20, 10, 0)}


@pytest.mark.parametrize(
    "kind", ["deregistration", "report", "slides", "presentation", "intro-meeting"]
)
async def test_other_kinds_reach_every_registered_student_with_dms_on(
    services: Services,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
    kind: str,
) -> None:
    await reminder_seminar(services, students=4, capacity=4)
    await services.registration.join(GUILD, 105, "waiting")
    await services.preferences.set(GUILD, 101, ["P1", "P2"])  # ranking is irrelevant here
    await services.announcements.set_dm_reminders(GUILD, 103, False)
    deadline_id = await set_deadline(services, kind, "2026-10-20 12:00")
    occurrence = await the_occurrence(planner, deadline_id, 7200)
    clock.set(occurrence.due_at)
    assert await dispatcher.run(occurrence) == RunOutcome(True, "done", sent=4)
    assert notifier.dms() == Counter({101: 1, 102: 1, 104: 1})
    assert len(notifier.posts()) == 1


# -- exactly once ----------------------------------------------------------------


async def test_running_an_occurrence_twice_sends_once(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00")
    occurrence = await the_occurrence(planner, deadline_id, DAY)
    clock.set(occurrence.due_at)
    assert (await dispatcher.run(occurrence)).sent == 5
    calls = list(notifier.calls)
    assert await dispatcher.run(occurrence) == RunOutcome(True, "done")
    assert notifier.calls == calls
    assert occurrence not in await planner.pending()
    # A restarted process (fresh dispatcher and planner) agrees.
    clock.advance(3600)
    fresh = Dispatcher(dispatcher.db, clock, {Platform.DISCORD: notifier})
    assert await fresh.run(occurrence) == RunOutcome(True, "done")
    assert notifier.calls == calls


@pytest.mark.parametrize("crash", [Crash, asyncio.CancelledError], ids=["crash", "cancelled"])
@pytest.mark.parametrize("after", [0, 2, 4])
async def test_a_crash_mid_fan_out_is_resumed_and_nobody_gets_two(
    services: Services,
    db: Database,
    planner: ReminderPlanner,
    clock: FakeClock,
    crash: type[BaseException],
    after: int,
) -> None:
    await reminder_seminar(services, students=12, capacity=12)
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00")
    occurrence = await the_occurrence(planner, deadline_id, DAY)
    clock.set(occurrence.due_at)
    discord = RecordingNotifier(crash_after=after, crash=crash)
    with pytest.raises(crash):
        await Dispatcher(db, clock, {Platform.DISCORD: discord}).run(occurrence)
    # The message that reached Discord just before the crash was never marked sent.
    crashed = discord.calls[after]
    recipient = "channel" if crashed.kind == "post" else f"user:{crashed.target}"
    before = await delivery_rows(db, occurrence)
    assert before[recipient] == "claimed"
    assert Counter(before.values())["sent"] <= after
    assert occurrence in await planner.pending()

    discord.crash_after = None
    clock.advance(30)
    outcome = await Dispatcher(db, clock, {Platform.DISCORD: discord}).run(occurrence)
    assert outcome.finished and outcome.status == "done"
    # The re-send of the claimed row carries the same nonce, so Discord drops it.
    resent = [
        c
        for c in discord.calls[after + 1 :]
        if (c.kind, c.target) == (crashed.kind, crashed.target)
    ]
    assert [c.nonce for c in resent] == [crashed.nonce]
    assert discord.dms() == Counter({user: 1 for user in range(101, 113)})
    assert len(discord.posts()) == 1
    assert set((await delivery_rows(db, occurrence)).values()) == {"sent"}
    assert occurrence not in await planner.pending()


async def test_a_crash_stops_the_fan_out(
    services: Services, db: Database, planner: ReminderPlanner, clock: FakeClock
) -> None:
    """Nothing keeps sending in the background once run() has raised."""
    await reminder_seminar(services, students=40, capacity=40)
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00")
    occurrence = await the_occurrence(planner, deadline_id, DAY)
    clock.set(occurrence.due_at)
    discord = RecordingNotifier(crash_after=1, crash=lambda: RuntimeError("bug in a notifier"))
    with pytest.raises(RuntimeError):
        await Dispatcher(db, clock, {Platform.DISCORD: discord}).run(occurrence)
    calls = len(discord.calls)
    await asyncio.sleep(0.2)  # orphaned sends would claim and send meanwhile
    assert len(discord.calls) == calls
    # The next attempt (the scheduler retries after a minute) completes the fan-out.
    discord.crash_after = None
    await Dispatcher(db, clock, {Platform.DISCORD: discord}).run(occurrence)
    assert discord.dms() == Counter({user: 1 for user in range(101, 141)})


# -- late and missed ----------------------------------------------------------------


async def test_down_across_the_due_time_sends_once_marked_late(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00")
    on_time = await the_occurrence(planner, deadline_id, 7 * DAY)
    clock.set(on_time.due_at + LATE_AFTER)
    await dispatcher.run(on_time)
    assert not notifier.posts()[0].notice.template.startswith("(Sent late")

    late = await the_occurrence(planner, deadline_id, DAY)
    clock.set(late.due_at + LATE_AFTER + 3600)  # before the deadline
    notifier.reset()
    outcome = await run_due(planner, dispatcher, clock.now())
    assert outcome == [RunOutcome(True, "done", sent=5)]
    assert notifier.dms() == Counter(dict.fromkeys(STUDENTS, 1))
    assert all(c.notice.template.startswith("(Sent late") for c in notifier.delivered)
    assert await run_due(planner, dispatcher, clock.now()) == []

    status = await services.status.status(GUILD)
    assert status.sent_late == 1
    assert status.missed_count == 0
    assert [o.key for o in status.next_up] == [
        (await the_occurrence(planner, deadline_id, 7200)).key
    ]


async def test_down_past_the_deadline_records_missed_and_sends_nothing(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00")
    planned = await occurrences(planner, Source.DEADLINE, deadline_id)
    clock.set(utc(2026, 10, 20, 10, 0) + 60)
    outcomes = await run_due(planner, dispatcher, clock.now())
    assert outcomes == [RunOutcome(True, "missed")] * 3
    assert notifier.calls == []
    assert await planner.pending() == []

    status = await services.status.status(GUILD)
    assert status.missed_count == 3
    assert sorted(status.missed) == sorted((o.key, o.due_at) for o in planned)
    assert (status.sent_late, status.pending) == (0, 0)


async def test_reminders_already_past_when_the_deadline_is_set_are_not_sent(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    """A deadline set two days ahead: the 7d reminder was never promised, so it is
    neither sent at once as "late: the bot was offline" nor reported as missed."""
    deadline_id = await set_deadline(services, "report", "2026-10-03 12:00", "7d,1d,2h")
    assert await run_due(planner, dispatcher, clock.now()) == [RunOutcome(True, "skipped")]
    assert notifier.calls == []
    status = await services.status.status(GUILD)
    assert (status.sent_late, status.missed_count, status.pending) == (0, 0, 2)

    one_day = await the_occurrence(planner, deadline_id, DAY)
    clock.set(one_day.due_at)
    assert await run_due(planner, dispatcher, clock.now()) == [RunOutcome(True, "done", sent=5)]

    # A deadline set in the past ("no reminders will be sent"): nothing, no noise.
    await set_deadline(services, "intro", "2026-09-20 12:00")
    notifier.reset()
    assert await run_due(planner, dispatcher, clock.now()) == [RunOutcome(True, "skipped")] * 3
    assert notifier.calls == []
    assert (await services.status.status(GUILD)).missed_count == 0


async def test_a_note_edit_does_not_drop_a_reminder_being_retried(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00")
    occurrence = await the_occurrence(planner, deadline_id, DAY)
    clock.set(occurrence.due_at)
    notifier.transient[102] = 1
    assert not (await dispatcher.run(occurrence)).finished
    clock.advance(30)
    await set_deadline(services, "report", "2026-10-20 12:00", note="room changed")
    clock.advance(30)
    assert await planner.is_current(occurrence)
    assert (await dispatcher.run(occurrence)).status == "done"
    assert notifier.dms() == Counter(dict.fromkeys(STUDENTS, 1))


# -- failures ------------------------------------------------------------------------


async def test_closed_dms_fall_back_to_one_channel_post_mentioning_only_them(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
    db: Database,
) -> None:
    notifier.closed = {102, 104}
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00")
    occurrence = await the_occurrence(planner, deadline_id, DAY)
    clock.set(occurrence.due_at)
    outcome = await dispatcher.run(occurrence)
    assert outcome == RunOutcome(True, "done", sent=4)  # post, two DMs, one fallback
    assert notifier.dms() == Counter({101: 1, 103: 1})
    [fallback] = notifier.mentions()
    assert (fallback.target, fallback.user_ids) == (CHANNEL, (102, 104))
    assert Counter(c.target for c in notifier.calls if c.kind == "direct") == Counter(
        dict.fromkeys(STUDENTS, 1)
    )
    # Never retried: running again (or after a restart) sends nothing more.
    calls = len(notifier.calls)
    clock.advance(600)
    await dispatcher.run(occurrence)
    await Dispatcher(db, clock, {Platform.DISCORD: notifier}).run(occurrence)
    assert len(notifier.calls) == calls

    status = await services.status.status(GUILD)
    assert (status.dms_closed, status.failed) == (2, 0)
    assert sorted((p.recipient, p.status) for p in status.problems) == [
        ("user:102", "dm_closed"),
        ("user:104", "dm_closed"),
    ]
    assert all("50007" in p.error for p in status.problems)


async def test_transient_failures_retry_with_backoff_then_succeed(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    notifier.transient[102] = 2
    notifier.transient[CHANNEL] = 1
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00")
    occurrence = await the_occurrence(planner, deadline_id, DAY)
    clock.set(occurrence.due_at)
    first = await dispatcher.run(occurrence)
    assert (first.finished, first.status, first.sent, first.retry_in) == (False, "retry", 3, 60)
    assert occurrence in await planner.pending()
    clock.advance(first.retry_in)
    second = await dispatcher.run(occurrence)
    assert (second.finished, second.sent, second.retry_in) == (False, 1, 120)
    clock.advance(second.retry_in)
    assert await dispatcher.run(occurrence) == RunOutcome(True, "done", sent=1)
    assert notifier.dms() == Counter(dict.fromkeys(STUDENTS, 1))
    assert len(notifier.posts()) == 1
    assert Counter(c.target for c in notifier.calls)[102] == 3
    assert occurrence not in await planner.pending()
    assert (await services.status.status(GUILD)).failed == 0


async def test_after_max_attempts_a_delivery_is_failed_and_reported(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    notifier.transient[103] = 1_000
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00")
    occurrence = await the_occurrence(planner, deadline_id, DAY)
    clock.set(occurrence.due_at)
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        outcome = await dispatcher.run(occurrence)
        assert not outcome.finished
        waits.append(outcome.retry_in)
        clock.advance(outcome.retry_in)
    assert waits == sorted(waits) and len(set(waits)) == len(waits)  # growing pauses
    last = await dispatcher.run(occurrence)
    assert (last.finished, last.status) == (True, "done")
    assert Counter(c.target for c in notifier.calls)[103] == MAX_ATTEMPTS
    assert notifier.dms() == Counter({101: 1, 102: 1, 104: 1})
    assert notifier.mentions() == []  # failed is not "DMs closed"
    await dispatcher.run(occurrence)
    assert Counter(c.target for c in notifier.calls)[103] == MAX_ATTEMPTS

    status = await services.status.status(GUILD)
    assert status.failed == 1
    [problem] = status.problems
    assert (problem.recipient, problem.status) == ("user:103", "failed")
    assert "503" in problem.error


# -- daylight saving time --------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # Autumn: clocks go back on 2026-10-25 at 03:00 CEST.
        (
            "2026-10-25 12:00",
            {
                DAY: berlin(2026, 10, 24, 12, 0),  # 25 h before: same wall time the day before
                7200: utc(2026, 10, 25, 9, 0),  # 10:00 CET: exactly two hours
            },
        ),
        # Spring: clocks go forward on 2027-03-28 at 02:00 CET.
        (
            "2027-03-28 12:00",
            {
                DAY: berlin(2027, 3, 27, 12, 0),  # 23 h before
                7200: utc(2027, 3, 28, 8, 0),  # 10:00 CEST
            },
        ),
    ],
)
async def test_day_offsets_keep_the_wall_time_across_dst(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    when: str,
    expected: dict[int, int],
) -> None:
    deadline_id = await set_deadline(services, "report", when, "1d,2h")
    found = {o.offset: o.due_at for o in await occurrences(planner, Source.DEADLINE, deadline_id)}
    assert found == expected
    assert datetime.fromtimestamp(found[DAY], BERLIN).strftime("%H:%M") == "12:00"


def test_day_offsets_are_calendar_days_hours_are_exact() -> None:
    due = berlin(2026, 10, 27, 12, 0)  # CET, the week after the change
    by_offset = {
        o.offset: o.due_at
        for o in deadline_occurrences(1, 1, due, [7 * DAY, 2 * DAY, 48 * 3600 + 60, 300], 1, BERLIN)
    }
    assert by_offset[7 * DAY] == berlin(2026, 10, 20, 12, 0)  # 12:00 CEST, 169 h before
    assert by_offset[2 * DAY] == berlin(2026, 10, 25, 12, 0)  # 49 h before
    assert by_offset[48 * 3600 + 60] == due - 48 * 3600 - 60  # not whole days: exact
    assert by_offset[300] == due - 300
    # Without a timezone (or in UTC) a day is 86,400 s.
    assert [o.due_at for o in deadline_occurrences(1, 1, due, [DAY], 1, None)] == [due - DAY]


def test_weekly_office_hours_stay_at_14_local_across_both_changes() -> None:
    for first, last in (
        (date(2026, 10, 1), date(2026, 11, 30)),
        (date(2027, 3, 1), date(2027, 4, 30)),
    ):
        for weekday in (0, 6):  # Monday, and Sunday (the day the clocks change)
            starts = office_hour_starts(weekday, 14 * 60, first, last, BERLIN)
            assert len(starts) >= 8
            local = [datetime.fromtimestamp(s, BERLIN) for s in starts]
            assert {(d.hour, d.minute, d.weekday()) for d in local} == {(14, 0, weekday)}
            gaps = {b - a for a, b in itertools.pairwise(starts)}
            assert gaps == {7 * DAY, 7 * DAY + 3600} or gaps == {7 * DAY, 7 * DAY - 3600}


@pytest.mark.parametrize(
    ("first", "last", "after", "start", "day_before"),
    [
        (
            "2026-10-18",
            "2026-11-01",
            berlin(2026, 10, 18, 15, 0),
            berlin(2026, 10, 25, 14, 0),  # CET, the Sunday the clocks go back
            berlin(2026, 10, 24, 14, 0),  # CEST: 25 h before
        ),
        (
            "2027-03-21",
            "2027-04-04",
            berlin(2027, 3, 21, 15, 0),
            berlin(2027, 3, 28, 14, 0),  # CEST, the Sunday the clocks go forward
            berlin(2027, 3, 27, 14, 0),  # CET: 23 h before
        ),
    ],
    ids=["october", "march"],
)
async def test_office_hour_notices_on_the_dst_sunday(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    clock: FakeClock,
    first: str,
    last: str,
    after: int,
    start: int,
    day_before: int,
) -> None:
    await services.office_hours.set(
        GUILD,
        ORGANISER,
        weekday="sunday",
        start="14:00",
        duration=60,
        place="Room 1",
        first=first,
        last=last,
    )
    clock.set(after)
    found = {o.offset: o for o in await occurrences(planner, Source.OFFICE_HOURS)}
    assert {o.event_at for o in found.values()} == {start}
    assert found[DAY].due_at == day_before
    assert found[900].due_at == start - 900


# -- announcements ------------------------------------------------------------------


async def test_an_announcement_posted_now_goes_out_at_once_exactly_once(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    _, announcement = await services.announcements.post(GUILD, ORGANISER, "Welcome!")
    [occurrence] = await occurrences(planner, Source.ANNOUNCEMENT)
    assert (occurrence.due_at, occurrence.ref_id) == (clock.now(), announcement.id)
    assert await run_due(planner, dispatcher, clock.now()) == [RunOutcome(True, "done", sent=1)]
    [post] = notifier.posts()
    assert (post.target, post.notice.template, post.notice.ping_role_id) == (
        CHANNEL,
        "📣 Welcome!",
        None,
    )
    assert notifier.dms() == Counter()
    assert await run_due(planner, dispatcher, clock.now()) == []
    assert await services.announcements.scheduled(GUILD) == []


async def test_a_scheduled_announcement_pings_only_its_role_at_its_time(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    await services.announcements.post(
        GUILD, ORGANISER, "Talks start", "2026-10-05 09:00", ping_role_id=ROLE
    )
    [occurrence] = await occurrences(planner, Source.ANNOUNCEMENT)
    assert occurrence.due_at == utc(2026, 10, 5, 7, 0)
    assert await run_due(planner, dispatcher, clock.now()) == []
    clock.set(occurrence.due_at)
    await run_due(planner, dispatcher, clock.now())
    [post] = notifier.posts()
    assert post.notice.ping_role_id == ROLE
    assert await services.announcements.scheduled(GUILD) == []


async def test_a_cancelled_announcement_is_gone(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    _, announcement = await services.announcements.post(
        GUILD, ORGANISER, "Maybe", "2026-10-05 09:00"
    )
    [occurrence] = await occurrences(planner, Source.ANNOUNCEMENT)
    await services.announcements.cancel(GUILD, ORGANISER, announcement.id)
    assert await occurrences(planner, Source.ANNOUNCEMENT) == []
    assert not await planner.is_current(occurrence)
    clock.set(occurrence.due_at)
    assert await dispatcher.run(occurrence) == RunOutcome(True, "gone")
    assert notifier.calls == []


async def test_user_text_in_an_announcement_is_literal(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    text = "Use {due} and {0} and {{x}} braces, @everyone <@&1> } {"
    await services.announcements.post(GUILD, ORGANISER, text)
    await run_due(planner, dispatcher, clock.now())
    [post] = notifier.posts()
    assert render(post.notice) == f"📣 {text}"
    assert post.notice.ping_role_id is None


# -- office hours ----------------------------------------------------------------------


async def test_cancelling_an_office_hour_drops_its_notices_and_announces_once(
    services: Services,
    seminar: Seminar,
    planner: ReminderPlanner,
    dispatcher: Dispatcher,
    notifier: RecordingNotifier,
    clock: FakeClock,
) -> None:
    await services.office_hours.set(
        GUILD,
        ORGANISER,
        weekday="tuesday",
        start="14:00",
        duration=60,
        place="Room 1",
        first="2026-10-01",
        last="2026-12-31",
    )
    planned = await occurrences(planner, Source.OFFICE_HOURS)
    assert {o.event_at for o in planned} == {berlin(2026, 10, 6, 14, 0)}

    await services.office_hours.cancel(GUILD, ORGANISER, "2026-10-06", "ill")
    assert [await planner.is_current(o) for o in planned] == [False, False]
    moved = await occurrences(planner, Source.OFFICE_HOURS)
    assert {o.event_at for o in moved} == {berlin(2026, 10, 13, 14, 0)}

    # The cancellation is announced through the engine, once.
    assert await run_due(planner, dispatcher, clock.now()) == [RunOutcome(True, "done", sent=1)]
    [post] = notifier.posts()
    assert "2026-10-06" in post.notice.template and "cancelled" in post.notice.template
    assert "ill" in post.notice.template

    # Through the cancelled date: no notice for it, the next week's notices on time.
    for when in (berlin(2026, 10, 5, 14, 0), berlin(2026, 10, 6, 13, 45)):
        clock.set(when)
        for occurrence in planned:
            if await planner.is_current(occurrence):
                await dispatcher.run(occurrence)
        await run_due(planner, dispatcher, clock.now())
    assert len(notifier.posts()) == 1
    clock.set(berlin(2026, 10, 12, 14, 0))
    await run_due(planner, dispatcher, clock.now())
    clock.set(berlin(2026, 10, 13, 13, 45))
    await run_due(planner, dispatcher, clock.now())
    texts = [c.notice.template for c in notifier.posts()[1:]]
    assert len(texts) == 2
    assert "tomorrow" in texts[0] and "in 15 minutes" in texts[1]
    assert {c.notice.instants["start"] for c in notifier.posts()[1:]} == {
        berlin(2026, 10, 13, 14, 0)
    }


async def test_a_promotion_is_told_once_by_dm_even_across_a_crash(
    services: Services, db: Database, planner: ReminderPlanner, clock: FakeClock
) -> None:
    await reminder_seminar(services, students=0, capacity=2)
    await join_all(services, 101, 102, 103)
    leave = await services.registration.leave(GUILD, 101)
    assert leave.promoted is not None and leave.promoted.user_id == 103
    [occurrence] = await occurrences(planner, Source.NOTICE)
    # The DM reaches Discord, then the process dies before marking it sent.
    dying = RecordingNotifier(crash_after=0)
    with pytest.raises(Crash):
        await Dispatcher(db, clock, {Platform.DISCORD: dying}).run(occurrence)
    # A restarted process re-sends with the same nonce: Discord drops the copy.
    dying.crash_after = None
    clock.advance(60)
    assert (await Dispatcher(db, clock, {Platform.DISCORD: dying}).run(occurrence)).finished
    assert dying.dms() == Counter({103: 1})
    [dm] = [call for call in dying.delivered if call.kind == "direct"]
    assert "you are now registered" in dm.notice.template
    assert "Theoretical Advances in Deep Learning" in dm.notice.template
    assert await occurrences(planner, Source.NOTICE) == []


async def test_a_promoted_student_with_closed_dms_is_mentioned_in_the_channel(
    services: Services, db: Database, planner: ReminderPlanner, clock: FakeClock
) -> None:
    await reminder_seminar(services, students=0, capacity=1)
    await join_all(services, 101, 102)
    await services.personal_data.delete(GUILD, 101)
    [occurrence] = await occurrences(planner, Source.NOTICE)
    closed = RecordingNotifier(closed={102})
    assert (await Dispatcher(db, clock, {Platform.DISCORD: closed}).run(occurrence)).sent == 1
    [mention] = closed.mentions()
    assert mention.target == CHANNEL and mention.user_ids == (102,)
    assert closed.posts() == []


async def test_a_promotion_is_not_sent_by_a_process_without_that_platform(
    services: Services, db: Database, clock: FakeClock
) -> None:
    await reminder_seminar(services, students=0, capacity=1)
    await join_all(services, 101, 102)
    await services.registration.leave(GUILD, 101)
    matrix_only = ReminderPlanner(db, clock, [Platform.MATRIX])
    assert await occurrences(matrix_only, Source.NOTICE) == []


async def test_each_seminar_is_delivered_through_its_own_platform(
    services: Services, db: Database, clock: FakeClock
) -> None:
    await reminder_seminar(services, students=1)
    room = await services.identities.place(Platform.MATRIX, "!room:uni.example")
    await services.seminars.setup(room, ORGANISER, title="On Matrix")
    alice = await services.identities.account(Platform.MATRIX, "@alice:uni.example")
    await services.registration.join(room, alice, "alice")
    await set_deadline(services, "report", "2026-10-20 12:00", "1d")
    await services.deadlines.set(room, ORGANISER, "report", "2026-10-20 12:00", "1d")
    discord, matrix = RecordingNotifier(), RecordingNotifier()
    both = Dispatcher(db, clock, {Platform.DISCORD: discord, Platform.MATRIX: matrix})
    due = await occurrences(ReminderPlanner(db, clock, ALL_PLATFORMS), Source.DEADLINE)
    assert len(due) == 2
    for occurrence in due:
        clock.set(occurrence.due_at)
        await both.run(occurrence)
    assert discord.dms() == Counter({101: 1}) and [c.target for c in discord.posts()] == [CHANNEL]
    assert matrix.dms() == Counter({alice: 1}) and [c.target for c in matrix.posts()] == [room]


async def test_a_failed_closed_dm_fallback_is_retried_not_dropped(
    services: Services, db: Database, planner: ReminderPlanner, clock: FakeClock
) -> None:
    await reminder_seminar(services, students=0, capacity=1)
    await join_all(services, 101, 102)
    await services.registration.leave(GUILD, 101)
    [occurrence] = await occurrences(planner, Source.NOTICE)
    flaky = RecordingNotifier(closed={102})
    flaky.transient[CHANNEL] = 1
    dispatcher = Dispatcher(db, clock, {Platform.DISCORD: flaky})
    first = await dispatcher.run(occurrence)
    assert not first.finished and first.status == "retry" and first.retry_in > 0
    assert flaky.mentions() == []
    clock.advance(first.retry_in)
    assert (await dispatcher.run(occurrence)).finished
    [mention] = flaky.mentions()
    assert mention.user_ids == (102,)


async def test_a_long_block_day_post_lists_what_fits_and_points_to_talks(
    services: Services, db: Database, planner: ReminderPlanner, clock: FakeClock
) -> None:
    """30 talks on one day do not fit one message: the post stops within its budget,
    says how many more there are, and names only people it has placeholders for."""
    students = range(201, 231)
    await make_seminar(services, capacity=len(students), channel_id=CHANNEL)
    for index, user_id in enumerate(students):
        code = f"p{index:02}"
        await add_paper(services, code, f"A rather long paper title number {index:02} " * 3)
        await join_all(services, user_id)
        await services.assignments.pin(GUILD, ORGANISER, user_id, code)
    await services.assignments.run(GUILD, ORGANISER, seed=1)
    await services.assignments.publish(GUILD, ORGANISER)
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 08:00", 10, 5, len(students))
    [day] = await occurrences(planner, Source.BLOCK_DAY)
    notifier = RecordingNotifier()
    clock.set(day.due_at)
    assert (await Dispatcher(db, clock, {Platform.DISCORD: notifier}).run(day)).finished
    [post] = notifier.posts()
    template = post.notice.template
    assert len(template) <= PUBLICATION_POST_BUDGET
    listed = template.count(" — {person")
    assert 0 < listed < len(students)
    assert template.endswith(f"\n… and {len(students) - listed} more: see `/talks`.")
    named = set(re.findall(r"\{(person\d+)\}", template))
    assert named <= set(post.notice.people)
