"""/admin deadline set|remove and /deadlines: local times, revisions, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.errors import InvalidInput, NotFound
from bot.core.models import Seminar
from bot.core.services import Services
from tests.clock import FakeClock
from tests.core.helpers import (
    GUILD,
    ORGANISER,
    add_paper,
    audit_actions,
    deadline,
    join_all,
    make_seminar,
)


def utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())  # type: ignore[misc]


async def test_set_creates_a_deadline_in_the_seminar_timezone(
    services: Services, seminar: Seminar
) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    assert change.created and not change.in_past
    assert change.seminar == seminar
    d = change.deadline
    assert (d.kind, d.due_at, d.reminder_offsets, d.note, d.revision) == (
        "report",
        utc(2027, 1, 15, 22, 59),
        (604_800, 86_400, 7_200),
        "",
        1,
    )
    assert await deadline(services, "report") == d


async def test_another_timezone_is_honoured(services: Services) -> None:
    await make_seminar(services, timezone="America/New_York")
    change = await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    assert change.deadline.due_at == utc(2027, 1, 16, 4, 59)


async def test_moving_bumps_the_revision_only_when_time_or_reminders_change(
    services: Services, seminar: Seminar
) -> None:
    dl = services.deadlines
    await dl.set(GUILD, ORGANISER, "report", "2027-01-15 23:59", "7d,1d")
    same = await dl.set(GUILD, ORGANISER, "report", "2027-01-15T23:59", "1d, 7d", "new note")
    assert not same.created
    assert (same.deadline.revision, same.deadline.note) == (1, "new note")
    moved = await dl.set(GUILD, ORGANISER, "report", "2027-01-22 23:59", "7d,1d", "new note")
    assert (moved.deadline.revision, moved.deadline.due_at) == (2, utc(2027, 1, 22, 22, 59))
    retimed = await dl.set(GUILD, ORGANISER, "report", "2027-01-22 23:59", "2h", "new note")
    assert (retimed.deadline.revision, retimed.deadline.reminder_offsets) == (3, (7_200,))
    # The same instant written with an explicit offset is no move.
    again = await dl.set(GUILD, ORGANISER, "report", "2027-01-22T23:59+01:00", "2h", "x")
    assert again.deadline.revision == 3
    assert [s.deadline.kind for s in (await dl.for_user(GUILD, 101))[1]] == ["report"]


async def test_kinds_are_normalised(services: Services, seminar: Seminar) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, " Intro Meeting ", "2026-10-05 10:00")
    assert change.deadline.kind == "intro-meeting"
    again = await services.deadlines.set(GUILD, ORGANISER, "REPORT", "2027-01-15 23:59")
    assert again.deadline.kind == "report"
    assert await services.deadlines.kinds(GUILD) == ["intro-meeting", "report"]
    assert (await services.deadlines.get(GUILD, "Intro meeting")).kind == "intro-meeting"


async def test_reminders_none_means_no_reminders(services: Services, seminar: Seminar) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, "slides", "2027-01-20 12:00", "none")
    assert change.deadline.reminder_offsets == ()


async def test_a_time_in_the_past_is_accepted_but_flagged(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, "kickoff", "2026-09-01 10:00")
    assert change.in_past
    at_now = await services.deadlines.set(
        GUILD, ORGANISER, "now", datetime.fromtimestamp(clock.now(), UTC).isoformat()
    )
    assert at_now.in_past


@pytest.mark.parametrize(
    ("kind", "when", "reminders", "note", "reason"),
    [
        ("report", "15.01.2027", "7d", "", "not a time I can read"),
        ("report", "2027-03-28 02:30", "7d", "", "does not exist in Europe/Berlin"),
        ("report", "2026-10-25 02:30", "7d", "", "happens twice in Europe/Berlin"),
        ("report", "", "7d", "", "Please give a time"),
        ("report", "2027-01-15 23:59", "7 days", "", "not a reminder offset"),
        ("report", "2027-01-15 23:59", "0d", "", "greater than zero"),
        ("report", "2027-01-15 23:59", "7d", "n" * 501, "limit is 500"),
        ("", "2027-01-15 23:59", "7d", "", "deadline kind"),
        ("report!", "2027-01-15 23:59", "7d", "", "deadline kind"),
        ("x" * 41, "2027-01-15 23:59", "7d", "", "deadline kind"),
        ("'; DROP TABLE deadlines; --", "2027-01-15 23:59", "7d", "", "deadline kind"),
    ],
)
async def test_refused_deadlines_change_nothing(
    services: Services,
    seminar: Seminar,
    kind: str,
    when: str,
    reminders: str,
    note: str,
    reason: str,
) -> None:
    existing = await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-10 12:00")
    actions = await audit_actions(services)
    with pytest.raises(InvalidInput, match=reason):
        await services.deadlines.set(GUILD, ORGANISER, kind, when, reminders, note)
    assert await services.deadlines.kinds(GUILD) == ["report"]
    assert await deadline(services, "report") == existing.deadline
    assert await audit_actions(services) == actions


async def test_remove_deletes_it(services: Services, seminar: Seminar) -> None:
    set_ = await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    removed = await services.deadlines.remove(GUILD, ORGANISER, "Report")
    assert removed == set_.deadline
    assert await services.deadlines.kinds(GUILD) == []
    with pytest.raises(NotFound, match="no `report` deadline"):
        await services.deadlines.get(GUILD, "report")
    with pytest.raises(NotFound, match="no `report` deadline"):
        await services.deadlines.remove(GUILD, ORGANISER, "report")
    # Set again after removal: a new deadline, revision 1.
    again = await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-22 23:59")
    assert again.created and again.deadline.revision == 1


async def test_for_user_lists_upcoming_deadlines_with_what_is_done(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    for code in ("a1", "b2", "c3"):
        await add_paper(services, code)
    await join_all(services, 101, 102, 103, 104)  # 104 waits
    await services.preferences.set(GUILD, 101, ["a1", "b2", "c3"])
    dl = services.deadlines
    await dl.set(GUILD, ORGANISER, "kickoff", "2026-09-01 10:00")
    await dl.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    await dl.set(GUILD, ORGANISER, "preferences", "2026-10-20 23:59")

    def summary(statuses: list) -> list[tuple[str, bool | None]]:  # type: ignore[type-arg]
        return [(s.deadline.kind, s.done) for s in statuses]

    assert summary((await dl.for_user(GUILD, 101))[1]) == [
        ("preferences", True),
        ("report", False),  # not handed in yet
    ]
    assert summary((await dl.for_user(GUILD, 102))[1]) == [
        ("preferences", False),
        ("report", False),
    ]
    for outsider in (104, 999):
        assert summary((await dl.for_user(GUILD, outsider))[1]) == [
            ("preferences", None),
            ("report", None),
        ]
    everything = (await dl.for_user(GUILD, 101, include_past=True))[1]
    assert [s.deadline.kind for s in everything] == ["kickoff", "preferences", "report"]
    clock.set(utc(2026, 12, 1, 0, 0))
    assert summary((await dl.for_user(GUILD, 101))[1]) == [("report", False)]


async def test_moving_a_deadline_keeps_its_note_and_reminders_none(
    services: Services, seminar: Seminar
) -> None:
    dl = services.deadlines
    await dl.set(GUILD, ORGANISER, "slides", "2027-01-20 12:00", "none", "PDF, 16:9")
    moved = await dl.set(GUILD, ORGANISER, "slides", "2027-01-27 12:00")
    assert not moved.created
    assert moved.deadline.due_at == utc(2027, 1, 27, 11, 0)
    assert (moved.deadline.reminder_offsets, moved.deadline.note) == ((), "PDF, 16:9")
    # Only what is given changes: a new note keeps the reminders off, and vice versa.
    renoted = await dl.set(GUILD, ORGANISER, "slides", "2027-01-27 12:00", note="")
    assert (renoted.deadline.reminder_offsets, renoted.deadline.note) == ((), "")
    reminded = await dl.set(GUILD, ORGANISER, "slides", "2027-01-27 12:00", "1d")
    assert (reminded.deadline.reminder_offsets, reminded.deadline.note) == ((86_400,), "")


async def test_a_new_deadline_gets_the_default_reminders_and_no_note(
    services: Services, seminar: Seminar
) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    assert (change.deadline.reminder_offsets, change.deadline.note) == (
        (604_800, 86_400, 7_200),
        "",
    )
