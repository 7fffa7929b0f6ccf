"""Attendance, tier 1: codes, the check-in window at its edges, the rate limit, refusals
that change nothing but the attempt log, organiser corrections and excuses, the grade
rule, the export, and the presenter's code in the hour-before DM."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.attendance import (
    ALPHABET,
    CLOSES_AFTER,
    CODE_LENGTH,
    EXPORT_COLUMNS,
    MAX_WRONG,
    OPENS_BEFORE,
    WRONG_WINDOW,
    new_code,
)
from bot.core.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from bot.core.grading import GradeState
from bot.core.models import ALL_PLATFORMS, Platform, RefusalReason, Seminar, TalkCode
from bot.core.reminders import Dispatcher, ReminderPlanner
from bot.core.services import Services
from bot.discord.outbox import render
from bot.store import attendance as attendance_store
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, add_paper, audit_actions, join_all, make_seminar
from tests.core.reminder_fakes import CHANNEL, RecordingNotifier

BERLIN = ZoneInfo("Europe/Berlin")
# 201 presents p1 (talk 1), 202 p2 (talk 2), 203 p3 (talk 3); 204 only listens.
PRESENTERS = (201, 202, 203)
LISTENER = 204
STUDENTS = (*PRESENTERS, LISTENER)


def local(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp())


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    """Four students, three published papers, three 30-minute talks with 15-minute breaks
    on 2027-02-15 from 09:00 (Berlin): 09:00, 09:45, 10:30."""
    seminar = await make_seminar(services, capacity=10, channel_id=CHANNEL)
    for code in ("p1", "p2", "p3"):
        await add_paper(services, code)
    await join_all(services, *STUDENTS)
    for user_id, code in zip(PRESENTERS, ("p1", "p2", "p3"), strict=True):
        await services.assignments.pin(GUILD, ORGANISER, user_id, code)
    await services.assignments.run(GUILD, ORGANISER, seed=1)
    await services.assignments.publish(GUILD, ORGANISER)
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    return seminar


async def talks(services: Services, seminar: Seminar) -> list[TalkCode]:
    return await attendance_store.talks(services.db, seminar.id)


async def refusals(services: Services, seminar: Seminar) -> list[RefusalReason]:
    return [a.reason for a in await attendance_store.attempts(services.db, seminar.id)]


async def entries(services: Services, seminar: Seminar) -> list[tuple[int, int, bool]]:
    return [
        (e.presenter_id, e.account_id, e.present)
        for e in await attendance_store.entries(services.db, seminar.id)
    ]


# -- codes -----------------------------------------------------------------------------


def test_codes_use_the_unambiguous_alphabet() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 30
    assert not set(ALPHABET) & set("01OILU")
    taken: set[str] = set()
    codes = [new_code(taken) for _ in range(500)]
    assert len(set(codes)) == 500 and taken == set(codes)
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert 4 <= CODE_LENGTH <= 6


async def test_every_talk_gets_a_code_and_a_reschedule_makes_new_ones(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    first = await talks(services, seminar)
    assert [t.position for t in first] == [1, 2, 3]
    assert [t.presenter_id for t in first] == list(PRESENTERS)
    assert len({t.code for t in first}) == 3
    clock.set(first[0].starts_at)
    await services.attendance.check_in(GUILD, LISTENER, first[0].code)
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-22 10:00", 30, 15, 10)
    second = await talks(services, seminar)
    assert [t.starts_at for t in second] == [local("2027-02-22 10:00") + i * 2700 for i in range(3)]
    # New codes for every talk (a clash with an old one would be chance: 1 in 24 million).
    assert not {t.code for t in first} & {t.code for t in second}
    # A check-in names the talk by its presenter, so it survives the re-scheduling...
    assert await entries(services, seminar) == [(201, LISTENER, True)]
    # ...and the old code is gone with the old slots.
    clock.set(second[1].starts_at)
    with pytest.raises(InvalidInput, match="is not the code"):
        await services.attendance.check_in(GUILD, LISTENER, first[1].code)


# -- the window ----------------------------------------------------------------------------


async def test_window_opens_ten_minutes_before_and_closes_fifteen_after(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    one, two, three = await talks(services, seminar)
    opens = one.starts_at - OPENS_BEFORE  # nothing before talk 1
    assert opens == local("2027-02-15 08:50")
    clock.set(opens - 1)
    with pytest.raises(NotAllowed, match="No talk is open for check-in now") as early:
        await services.attendance.check_in(GUILD, LISTENER, one.code)
    assert early.value.instants == {"opens": opens}
    clock.set(opens)
    done = await services.attendance.check_in(GUILD, LISTENER, one.code.lower())
    assert done.talk.position == 1 and done.at == opens

    closes = three.ends_at + CLOSES_AFTER  # nothing after talk 3
    assert closes == local("2027-02-15 11:15")
    # The last second of the window counts; the next does not.
    clock.set(closes - 1)
    await services.attendance.check_in(GUILD, 202, f" {three.code[:2]}-{three.code[2:]} ")
    clock.set(closes)
    with pytest.raises(NotAllowed, match="the programme is over"):
        await services.attendance.check_in(GUILD, LISTENER, three.code)

    # Talk 1 closes at 09:45, while talk 2 is open (since 09:35): its code is then wrong.
    clock.set(one.ends_at + CLOSES_AFTER)
    with pytest.raises(InvalidInput, match=r"open for check-in now \(talk 2 "):
        await services.attendance.check_in(GUILD, 203, one.code)
    assert await entries(services, seminar) == [(201, LISTENER, True), (203, 202, True)]
    # Kept in time order: 08:49:59, 09:45, 11:15.
    assert await refusals(services, seminar) == [
        RefusalReason.CLOSED,
        RefusalReason.WRONG_CODE,
        RefusalReason.CLOSED,
    ]
    assert two.starts_at - OPENS_BEFORE < one.ends_at + CLOSES_AFTER


async def test_overlapping_windows_the_code_says_which_talk(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    one, two, _ = await talks(services, seminar)
    clock.set(local("2027-02-15 09:40"))  # talk 1 closes 09:45, talk 2 opened 09:35
    assert (await services.attendance.check_in(GUILD, LISTENER, two.code)).talk.position == 2
    assert (await services.attendance.check_in(GUILD, LISTENER, one.code)).talk.position == 1


async def test_after_the_programme_and_without_one(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    last = (await talks(services, seminar))[-1]
    clock.set(last.ends_at + CLOSES_AFTER)
    with pytest.raises(NotAllowed, match="the programme is over"):
        await services.attendance.check_in(GUILD, LISTENER, last.code)
    await make_seminar(services, guild_id=1002)
    await join_all(services, LISTENER, guild_id=1002)
    with pytest.raises(NotFound, match="not scheduled"):
        await services.attendance.check_in(1002, LISTENER, "ABCDE")


# -- refusals --------------------------------------------------------------------------------


async def test_refusals_change_nothing_but_the_attempt_log(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    one = (await talks(services, seminar))[0]
    clock.set(one.starts_at)
    wrong = "22222" if one.code != "22222" else "33333"
    with pytest.raises(InvalidInput, match="is not the code of the talk open") as bad:
        await services.attendance.check_in(GUILD, LISTENER, wrong)
    assert one.code not in str(bad.value)  # a wrong code learns nothing
    with pytest.raises(NotAllowed, match="presenters do not check in to their own talk"):
        await services.attendance.check_in(GUILD, 201, one.code)
    await services.attendance.check_in(GUILD, LISTENER, one.code)
    with pytest.raises(Conflict, match="already checked in to talk 1"):
        await services.attendance.check_in(GUILD, LISTENER, one.code)
    assert await entries(services, seminar) == [(201, LISTENER, True)]
    attempts = await attendance_store.attempts(services.db, seminar.id)
    assert [(a.account_id, a.code, a.reason, a.presenter_id) for a in attempts] == [
        (LISTENER, wrong, RefusalReason.WRONG_CODE, None),
        (201, one.code, RefusalReason.OWN_TALK, 201),
        (LISTENER, one.code, RefusalReason.AGAIN, 201),
    ]


async def test_only_registered_participants_check_in(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    one = (await talks(services, seminar))[0]
    clock.set(one.starts_at)
    with pytest.raises(NotAllowed, match="Only registered participants"):
        await services.attendance.check_in(GUILD, 999, one.code)
    with pytest.raises(InvalidInput, match="Type the code"):
        await services.attendance.check_in(GUILD, LISTENER, "  - ")
    assert await refusals(services, seminar) == []


async def test_rate_limit_refuses_without_looking_at_the_code(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    one = (await talks(services, seminar))[0]
    start = one.starts_at - OPENS_BEFORE
    clock.set(start)
    for typed in ("AAAAA", "BBBBB", "CCCCC", "DDDDD"):
        with pytest.raises(InvalidInput):
            await services.attendance.check_in(GUILD, LISTENER, typed)
        clock.advance(60)
    # Refusals that are not wrong codes do not count (they tell a guesser nothing).
    with pytest.raises(NotAllowed):
        await services.attendance.check_in(GUILD, 201, one.code)
    with pytest.raises(InvalidInput):
        await services.attendance.check_in(GUILD, LISTENER, "EEEEE")  # the fifth, at +4 min
    # Now even the right code is refused until the first wrong one is ten minutes old.
    with pytest.raises(NotAllowed, match="Too many wrong codes") as limited:
        await services.attendance.check_in(GUILD, LISTENER, one.code)
    assert limited.value.instants == {"retry": start + WRONG_WINDOW}
    clock.set(start + WRONG_WINDOW - 1)
    with pytest.raises(NotAllowed, match="Too many wrong codes"):
        await services.attendance.check_in(GUILD, LISTENER, one.code)
    # Others are not affected.
    await services.attendance.check_in(GUILD, 202, one.code)
    clock.set(start + WRONG_WINDOW)
    await services.attendance.check_in(GUILD, LISTENER, one.code)
    reasons = await refusals(services, seminar)
    assert reasons.count(RefusalReason.WRONG_CODE) == MAX_WRONG
    assert reasons.count(RefusalReason.RATE_LIMITED) == 2
    # The lockout is shorter than the shortest window, so the honest student made it.
    assert WRONG_WINDOW < OPENS_BEFORE + 5 * 60 + CLOSES_AFTER


# -- the organisers' side ---------------------------------------------------------------------


async def test_overview_set_excuse_and_the_grade_rule(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    one, two, three = await talks(services, seminar)
    for user_id in STUDENTS:
        await services.grading.grade(GUILD, ORGANISER, user_id, report="1.3", presentation="1.7")
    clock.set(one.starts_at)
    for user_id in (202, 203, LISTENER):
        await services.attendance.check_in(GUILD, user_id, one.code)
    clock.set(two.starts_at)
    for user_id in (201, 203):
        await services.attendance.check_in(GUILD, user_id, two.code)

    during = await services.attendance.overview(GUILD)
    assert [t.state for t in during.talks] == ["closed", "open", "upcoming"]
    assert during.talks[1].present == [201, 203] and during.talks[1].missing == [LISTENER]
    assert during.talks[2].missing == []
    assert [(s.account_id, s.missed) for s in during.students if s.missed] == []

    clock.set(three.ends_at + CLOSES_AFTER)  # the day is over; nobody checked in to talk 3
    after = await services.attendance.overview(GUILD)
    assert after.required and after.talks[1].missing == [LISTENER]
    assert {s.account_id: s.missed for s in after.students} == {
        201: 1,
        202: 1,
        203: 0,
        LISTENER: 2,
    }
    change = await services.grading.grade(GUILD, ORGANISER, 203, presentation="1.7")
    assert change.outcome.state is GradeState.PASSED and change.outcome.final == 17
    held = await services.grading.grade(GUILD, ORGANISER, LISTENER, presentation="1.7")
    assert held.outcome.state is GradeState.ATTENDANCE_INCOMPLETE
    assert held.outcome.final is None and held.outcome.talks_missed == 2

    export = list(csv.DictReader(io.StringIO(await services.grading.export_csv(GUILD))))
    assert {r["account"]: r["final"] for r in export} == {
        "201": "attendance incomplete",
        "202": "attendance incomplete",
        "203": "1.7",
        str(LISTENER): "attendance incomplete",
    }

    # Corrections: 201 was at talk 3 after all; LISTENER's absences are excused or set.
    await services.attendance.set(GUILD, ORGANISER, 201, "3", True)
    await services.attendance.excuse(GUILD, ORGANISER, LISTENER, "p2", "ill, certificate seen")
    await services.attendance.set(GUILD, ORGANISER, LISTENER, "#3", True)
    assert (await services.grading.of_user(GUILD, 201)).final == 17
    assert (await services.grading.of_user(GUILD, LISTENER)).final == 17
    assert (await services.grading.of_user(GUILD, 202)).talks_missed == 1
    # An organiser can also record an absence, which a code attempt never overrides.
    await services.attendance.set(GUILD, ORGANISER, 203, "1", False)
    assert (await services.grading.of_user(GUILD, 203)).state is GradeState.ATTENDANCE_INCOMPLETE
    assert (await audit_actions(services))[-4:] == [
        "attendance.set",
        "attendance.excuse",
        "attendance.set",
        "attendance.set",
    ]

    # Attendance optional: the same absences no longer hold back the grade.
    await services.seminars.setup(GUILD, ORGANISER, attendance_required=False)
    assert (await services.grading.of_user(GUILD, 202)).final == 17
    assert not (await services.attendance.overview(GUILD)).required


async def test_a_failed_part_still_fails_and_pending_also_names_attendance(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    clock.set((await talks(services, seminar))[-1].ends_at + CLOSES_AFTER)
    failed = await services.grading.grade(GUILD, ORGANISER, LISTENER, report="5.0")
    assert failed.outcome.state is GradeState.FAILED and failed.outcome.final == 50
    pending = await services.grading.grade(GUILD, ORGANISER, 202, report="2.0")
    assert pending.outcome.state is GradeState.PENDING
    assert pending.outcome.missing == ("presentation", "attendance")


async def test_organiser_commands_refuse_what_makes_no_sense(
    services: Services, seminar: Seminar
) -> None:
    with pytest.raises(NotFound, match="No talk `9`"):
        await services.attendance.set(GUILD, ORGANISER, LISTENER, "9", True)
    with pytest.raises(InvalidInput, match="presents talk 2"):
        await services.attendance.set(GUILD, ORGANISER, 202, "2", True)
    with pytest.raises(NotFound, match="not a registered participant"):
        await services.attendance.excuse(GUILD, ORGANISER, 999, "1", "no")
    with pytest.raises(InvalidInput, match="reason cannot be empty"):
        await services.attendance.excuse(GUILD, ORGANISER, LISTENER, "1", "  ")
    assert await entries(services, seminar) == []


async def test_export_names_accounts_by_their_external_id(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    matrix = await services.identities.account(Platform.MATRIX, "@eve:example.org")
    await services.registration.join(GUILD, matrix, "Eve")
    one, two, _ = await talks(services, seminar)
    clock.set(one.starts_at)
    await services.attendance.check_in(GUILD, matrix, one.code)
    await services.attendance.excuse(GUILD, ORGANISER, LISTENER, "1", "train, late")
    clock.set(two.ends_at + CLOSES_AFTER)
    rows = list(csv.reader(io.StringIO(await services.attendance.export_csv(GUILD))))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    # A leading @ is quoted so a spreadsheet never reads the cell as a formula.
    eve = [r for r in rows[1:] if r[0] == "'@eve:example.org"]
    assert [(r[2], r[5], r[6]) for r in eve] == [
        ("1", "present", "code"),
        ("2", "missed", ""),
        ("3", "pending", ""),
    ]
    listener = [r for r in rows[1:] if r[0] == str(LISTENER)]
    assert listener[0][5:] == ["excused", "", "", "train, late"]
    # A presenter has no row for their own talk.
    assert [r[2] for r in rows[1:] if r[0] == "201"] == ["2", "3"]


# -- the presenter's DM ------------------------------------------------------------------------


async def test_the_hour_before_dm_carries_the_code_but_never_the_channel(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    one, two, _ = await talks(services, seminar)
    planner = ReminderPlanner(db, clock, ALL_PLATFORMS)
    quiet = RecordingNotifier()
    await run_due(planner, Dispatcher(db, clock, {Platform.DISCORD: quiet}))  # publication
    notifier = RecordingNotifier(closed={202})
    dispatcher = Dispatcher(db, clock, {Platform.DISCORD: notifier})
    clock.set(one.starts_at - 86_400)
    await run_due(planner, dispatcher)
    day_before = [c for c in notifier.delivered if c.kind == "direct" and c.target == 201]
    assert len(day_before) == 2  # the block day and the talk, neither with the code
    assert all(one.code not in render(c.notice) for c in day_before)
    notifier.reset()
    clock.set(two.starts_at - 3_600)  # talk 1's and talk 2's hour-before notices
    await run_due(planner, dispatcher)
    hour = [c for c in notifier.delivered if "in one hour" in c.notice.template]
    [dm] = [c for c in hour if c.kind == "direct"]
    assert dm.target == 201 and f"`{one.code}`" in render(dm.notice)
    # Talk 1's notice went out this late only because the clock jumped: it says so, as
    # every shared notice does, and keeps its code.
    assert dm.notice.template.startswith("(Sent late.) 🎤 Your talk")
    # 202's DMs are closed: the channel mention reminds them without the code.
    [fallback] = [c for c in hour if c.kind == "mention"]
    assert fallback.user_ids == (202,) and two.code not in render(fallback.notice)


async def run_due(planner: ReminderPlanner, dispatcher: Dispatcher) -> None:
    for occurrence in await planner.pending():
        if occurrence.due_at <= planner.clock.now() and await planner.is_current(occurrence):
            await dispatcher.run(occurrence)


async def test_domain_errors_render_without_a_platform(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    clock.set((await talks(services, seminar))[0].starts_at - OPENS_BEFORE - 60)
    with pytest.raises(DomainError) as refused:
        await services.attendance.check_in(GUILD, LISTENER, "K7RM4")
    assert "<@" not in str(refused.value) and "UTC" in str(refused.value)
