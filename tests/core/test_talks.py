"""The block-seminar programme on a real SQLite file: instants (DST included), topic
grouping and catalogue order, re-scheduling after a drop-out, and the talk and
block-day reminders through the reminder engine."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.core.errors import InvalidInput, NotFound
from bot.core.models import ALL_PLATFORMS, Seminar
from bot.core.reminders import ReminderPlanner, Source
from bot.core.services import Services
from bot.discord.outbox import render
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, add_paper, audit_actions, join_all, make_seminar
from tests.core.reminder_fakes import CHANNEL, RecordingNotifier, occurrences
from tests.core.test_assigning import deliver_all

BERLIN = ZoneInfo("Europe/Berlin")
STUDENTS = tuple(range(101, 121))  # 20
# (code, topic, capacity) in catalogue order; topic B's first paper comes first.
CATALOGUE = (
    [("b1", "B", 1), ("a1", "A", 1), ("c1", "C", 1), ("b2", "B", 2)]
    + [(f"a{i}", "A", 1) for i in range(2, 8)]
    + [(f"c{i}", "C", 1) for i in range(2, 8)]
    + [(f"b{i}", "B", 1) for i in range(3, 6)]
)


def local(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp())


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    """20 students on 19 papers in three topics (`b2` has two presenters), published."""
    seminar = await make_seminar(services, capacity=25, channel_id=CHANNEL)
    for code, topic, capacity in CATALOGUE:
        await add_paper(services, code, f"Paper {code.upper()}", topic=topic, capacity=capacity)
    await join_all(services, *STUDENTS)
    seats = [code for code, _, capacity in CATALOGUE for _ in range(capacity)]
    for user_id, code in zip(STUDENTS, seats, strict=True):
        await services.assignments.pin(GUILD, ORGANISER, user_id, code)
    await services.assignments.run(GUILD, ORGANISER, seed=1)
    await services.assignments.publish(GUILD, ORGANISER)
    return seminar


def expected_order() -> list[str]:
    """Topics in the order of their first paper (B, A, C), catalogue order within."""
    order = []
    for topic in ("B", "A", "C"):
        for code, paper_topic, capacity in CATALOGUE:
            if paper_topic == topic:
                order += [code] * capacity
    return order


async def test_twenty_talks_over_two_days(services: Services, seminar: Seminar) -> None:
    programme = await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    assert [len(day.talks) for day in programme.days] == [10, 10]
    assert [t.paper_code for t in programme.talks] == expected_order()
    first, second = programme.days
    assert [t.starts_at for t in first.talks] == [
        local("2027-02-15 09:00") + i * 45 * 60 for i in range(10)
    ]
    assert first.talks[-1].ends_at == local("2027-02-15 16:15")
    assert second.talks[0].starts_at == local("2027-02-16 09:00")
    assert [t.position for t in programme.talks] == list(range(1, 21))
    # The two presenters of b2 talk back to back, each in their own slot.
    b2 = [t for t in programme.talks if t.paper_code == "b2"]
    assert len(b2) == 2 and b2[1].position == b2[0].position + 1
    assert {t.user_id for t in b2} == {104, 105}
    slot = await services.talks.slot_of(GUILD, 104)
    assert slot is not None and slot.paper_code == "b2"
    assert await services.talks.slot_of(GUILD, 999) is None
    assert "talks.schedule" in await audit_actions(services)


async def test_day_two_keeps_the_wall_time_across_the_dst_change(
    services: Services, seminar: Seminar
) -> None:
    # Summer time starts on 2027-03-28 at 02:00 in Berlin.
    programme = await services.talks.schedule(GUILD, ORGANISER, "2027-03-27 09:00", 30, 15, 10)
    day1, day2 = programme.days
    assert day2.starts_at == local("2027-03-28 09:00")
    assert day2.starts_at - day1.starts_at == 23 * 3600
    assert datetime.fromtimestamp(day2.talks[-1].starts_at, BERLIN).strftime("%H:%M") == "15:45"


async def test_refusals(services: Services, seminar: Seminar) -> None:
    with pytest.raises(InvalidInput, match="future"):
        await services.talks.schedule(GUILD, ORGANISER, "2026-09-01 09:00", 30, 15, 10)
    with pytest.raises(InvalidInput, match="midnight"):
        await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 20:00", 60, 15, 10)
    with pytest.raises(InvalidInput, match="per_day"):
        await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 0)
    with pytest.raises(NotFound, match="not scheduled"):
        await services.talks.programme(GUILD)


async def test_refused_without_a_published_assignment(services: Services) -> None:
    await make_seminar(services)
    with pytest.raises(NotFound, match="No paper assignment is published"):
        await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)


async def test_drop_out_leaves_a_gap_until_rescheduled(
    services: Services, seminar: Seminar
) -> None:
    before = await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    planner = ReminderPlanner(services.db, services.clock, ALL_PLATFORMS)
    days_before = await occurrences(planner, Source.BLOCK_DAY)
    leaver = before.talks[0].user_id  # day 1's first talk
    kept = {t.user_id: t.starts_at for t in before.talks if t.user_id != leaver}
    await services.registration.leave(GUILD, leaver)

    # The leaver's reminders are gone; the block day's stays as it was (not re-sent).
    talk_reminders = await occurrences(planner, Source.TALK)
    assert len(talk_reminders) == 38
    assert all(o.event_at != before.talks[0].starts_at for o in talk_reminders)
    assert await occurrences(planner, Source.BLOCK_DAY) == days_before

    gap = await services.talks.programme(GUILD)
    assert gap.dropped == 1 and len(gap.talks) == 19
    assert {t.user_id: t.starts_at for t in gap.talks} == kept
    assert await services.talks.slot_of(GUILD, leaver) is None

    again = await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    assert again.revision == before.revision + 1 and again.dropped == 0
    assert [len(day.talks) for day in again.days] == [10, 9]
    assert [t.starts_at for t in again.days[0].talks] == [
        local("2027-02-15 09:00") + i * 45 * 60 for i in range(10)
    ]


async def test_presenter_and_block_day_reminders_through_the_engine(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    programme = await services.talks.schedule(GUILD, ORGANISER, "2027-03-27 09:00", 30, 15, 10)
    planner = ReminderPlanner(db, clock, ALL_PLATFORMS)
    talk = programme.days[1].talks[0]  # day 2, 09:00 CEST, after the DST change
    mine = [
        o
        for o in await occurrences(planner, Source.TALK)
        if o.event_at == talk.starts_at and f":r{programme.revision}:" in o.key
    ]
    assert sorted(o.due_at for o in mine) == [
        local("2027-03-27 09:00"),  # the same wall time the day before (23 h)
        talk.starts_at - 3600,
    ]
    days = await occurrences(planner, Source.BLOCK_DAY)
    assert [o.due_at for o in days] == [local("2027-03-26 09:00"), local("2027-03-27 09:00")]

    await deliver_all(db, clock, RecordingNotifier())  # the publication's post and DMs
    notifier = RecordingNotifier()
    clock.set(local("2027-03-26 09:00"))
    await deliver_all(db, clock, notifier)
    # Everyone (DM) and one channel post: day 1 tomorrow, attendance required.
    assert set(notifier.dms()) == set(STUDENTS)
    [post] = notifier.posts()
    assert post.target == CHANNEL and "Attendance is required" in render(post.notice)
    assert "day 1" in render(post.notice) and "<@" in render(post.notice)

    day1, day2 = programme.days
    notifier.reset()
    clock.set(local("2027-03-26 16:00"))  # the other day-1 presenters, a day ahead
    await deliver_all(db, clock, notifier)
    assert notifier.dms() == {t.user_id: 1 for t in day1.talks[1:]}
    assert "is tomorrow" in render(notifier.delivered[0].notice)

    notifier.reset()
    clock.set(local("2027-03-27 08:00"))  # an hour before day 1's first talk
    await deliver_all(db, clock, notifier)
    assert notifier.dms() == {day1.talks[0].user_id: 1}
    assert not notifier.posts()
    assert "in one hour" in render(notifier.delivered[0].notice)

    notifier.reset()
    clock.set(local("2027-03-27 09:00"))  # day 2 is tomorrow; its first talk too
    await deliver_all(db, clock, notifier)
    dms = notifier.dms()
    assert set(dms) == set(STUDENTS)
    # Two DMs: day 2's first presenter (a day ahead) and day 1's second (09:45, in 1 h).
    assert {u for u, n in dms.items() if n == 2} == {
        day2.talks[0].user_id,
        day1.talks[1].user_id,
    }
    [post] = notifier.posts()
    assert "day 2" in render(post.notice)

    # Nothing goes out twice.
    notifier.reset()
    await deliver_all(db, clock, notifier)
    assert not notifier.delivered


async def test_rescheduling_replans_the_reminders(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    planner = ReminderPlanner(db, clock, ALL_PLATFORMS)
    first = await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    old = await occurrences(planner, Source.TALK)
    assert len(old) == 40
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-22 10:00", 30, 15, 10)
    new = await occurrences(planner, Source.TALK)
    assert len(new) == 40
    assert all(f":r{first.revision + 1}:" in o.key for o in new)
    for occurrence in old:
        assert not await planner.is_current(occurrence)
    assert all([await planner.is_current(o) for o in new])
    days = await occurrences(planner, Source.BLOCK_DAY)
    assert [o.event_at for o in days] == [local("2027-02-22 10:00"), local("2027-02-23 10:00")]


async def test_presenter_with_dms_off_gets_no_talk_reminder(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    programme = await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    first = programme.talks[0]
    await services.announcements.set_dm_reminders(GUILD, first.user_id, False)
    await deliver_all(db, clock, RecordingNotifier())  # the publication's post and DMs
    notifier = RecordingNotifier()
    clock.set(first.starts_at - 3600)
    await deliver_all(db, clock, notifier)
    assert first.user_id not in notifier.dms()


async def test_block_day_event_plans_follow_the_programme(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    events = services.block_day_events
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    plans = await events.plans()
    assert [(p.purpose, p.start, p.end) for p in plans] == [
        ("blockday:0", local("2027-02-15 09:00"), local("2027-02-15 16:15")),
        ("blockday:1", local("2027-02-16 09:00"), local("2027-02-16 16:15")),
    ]
    for number, plan in enumerate(plans):
        await events.remember(plan, 7000 + number)
    assert all(p.current_event_id for p in await events.plans())

    # One day only now: day 2's event is to be deleted, day 1's moved.
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-16 10:00", 30, 10, 20)
    plans = await events.plans()
    assert [(p.purpose, p.current_event_id, p.start) for p in plans] == [
        ("blockday:0", 7000, local("2027-02-16 10:00")),
        ("blockday:1", 7001, None),
    ]


async def test_calendar_has_my_talk_and_every_block_day(
    services: Services, seminar: Seminar
) -> None:
    await services.talks.schedule(GUILD, ORGANISER, "2027-03-27 09:00", 30, 15, 10)
    slot = await services.talks.slot_of(GUILD, 115)
    assert slot is not None
    parsed = Calendar.from_ical(await services.calendar.ics(GUILD, 115))
    events = {str(e["uid"]).split("@")[0]: e for e in parsed.walk("VEVENT")}
    mine = events[f"talk-{GUILD}-yours"]
    assert int(mine.decoded("dtstart").timestamp()) == slot.starts_at
    assert int(mine.decoded("dtend").timestamp()) == slot.ends_at
    assert slot.paper_code in str(mine["summary"])
    day2 = events[f"talk-{GUILD}-day-2"]
    assert int(day2.decoded("dtstart").timestamp()) == local("2027-03-28 09:00")
    assert "attendance required" in str(day2["summary"])
    # Someone without a talk still gets the block days.
    other = Calendar.from_ical(await services.calendar.ics(GUILD, 999))
    uids = {str(e["uid"]).split("@")[0] for e in other.walk("VEVENT")}
    assert f"talk-{GUILD}-yours" not in uids and f"talk-{GUILD}-day-1" in uids


async def test_mydata_exports_my_slot_and_delete_drops_it(
    services: Services, seminar: Seminar
) -> None:
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    data = await services.personal_data.export(GUILD, 103)
    assert data["assignment"]["talk"]["paper"] == "c1"
    assert data["assignment"]["talk"]["position"] == 14  # after B (6) and A (7)
    await services.personal_data.delete(GUILD, 103)
    assert await services.talks.slot_of(GUILD, 103) is None
    assert (await services.talks.programme(GUILD)).dropped == 1
    count = await services.db.fetch_value("SELECT count(*) FROM talk_slots WHERE user_id = 103")
    assert count == 0
