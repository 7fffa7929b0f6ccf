"""/join and /leave: capacity, the waitlist, the de-registration deadline."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.errors import DeadlinePassed, NotFound
from bot.core.models import ParticipantStatus, Seminar
from bot.core.services import Services
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, add_paper, join_all, ranking_codes

DEADLINE = "2026-11-01 23:59"  # the reference seminar's de-registration deadline


def mention(account_id: int) -> str:
    return f"<@{account_id}>"


def when(unix: int) -> str:
    return f"<t:{unix}:F>"


async def statuses(services: Services) -> list[tuple[int, str, int | None]]:
    overview = await services.registration.overview(GUILD)
    return [
        (row.participant.user_id, row.participant.status.value, row.waitlist_position)
        for row in overview.rows
    ]


async def test_join_registers_until_full_then_gives_waitlist_places(
    services: Services, seminar: Seminar
) -> None:
    results = [await services.registration.join(GUILD, u, f"s{u}") for u in range(101, 107)]
    assert [r.status for r in results] == [ParticipantStatus.REGISTERED] * 3 + [
        ParticipantStatus.WAITLISTED
    ] * 3
    assert [r.waitlist_position for r in results] == [None, None, None, 1, 2, 3]
    assert not any(r.already for r in results)
    assert all(r.seminar == seminar for r in results)


async def test_join_is_idempotent_and_keeps_the_place(services: Services, seminar: Seminar) -> None:
    await join_all(services, 101, 102, 103, 104, 105)
    again = await services.registration.join(GUILD, 105, "new name")
    assert (again.already, again.status, again.waitlist_position) == (
        True,
        ParticipantStatus.WAITLISTED,
        2,
    )
    first = await services.registration.join(GUILD, 101, "student 101")
    assert (first.already, first.status, first.waitlist_position) == (
        True,
        ParticipantStatus.REGISTERED,
        None,
    )
    overview = await services.registration.overview(GUILD)
    assert len(overview.rows) == 5
    names = {row.participant.user_id: row.participant.display_name for row in overview.rows}
    assert names[105] == "new name"


async def test_display_names_are_clipped(services: Services, seminar: Seminar) -> None:
    await services.registration.join(GUILD, 101, "  " + "n" * 300)
    (row,) = (await services.registration.overview(GUILD)).rows
    assert len(row.participant.display_name) == 100


async def test_leave_promotes_the_first_waiting_student(
    services: Services, seminar: Seminar
) -> None:
    await join_all(services, 101, 102, 103, 104, 105)
    result = await services.registration.leave(GUILD, 102)
    assert result.left.user_id == 102
    assert result.promoted is not None and result.promoted.user_id == 104
    assert await statuses(services) == [
        (101, "registered", None),
        (103, "registered", None),
        (104, "registered", None),
        (105, "waitlisted", 1),
    ]


async def test_leaving_the_waitlist_promotes_nobody_and_closes_the_gap(
    services: Services, seminar: Seminar
) -> None:
    await join_all(services, 101, 102, 103, 104, 105, 106)
    result = await services.registration.leave(GUILD, 104)
    assert result.promoted is None
    assert [s for s in await statuses(services) if s[1] == "waitlisted"] == [
        (105, "waitlisted", 1),
        (106, "waitlisted", 2),
    ]
    again = await services.registration.join(GUILD, 106, "student 106")
    assert again.waitlist_position == 2


async def test_leave_without_waitlist_frees_a_place(services: Services, seminar: Seminar) -> None:
    await join_all(services, 101, 102, 103)
    result = await services.registration.leave(GUILD, 101)
    assert result.promoted is None
    joined = await services.registration.join(GUILD, 104, "s")
    assert joined.status is ParticipantStatus.REGISTERED


async def test_rejoining_after_leaving_goes_to_the_back(
    services: Services, seminar: Seminar
) -> None:
    await join_all(services, 101, 102, 103, 104)
    await services.registration.leave(GUILD, 104)
    await join_all(services, 105)
    again = await services.registration.join(GUILD, 104, "back")
    assert again.waitlist_position == 2


async def test_leave_deletes_the_ranking(services: Services, seminar: Seminar) -> None:
    for code in ("aa", "bb", "cc"):
        await add_paper(services, code)
    await join_all(services, 101)
    await services.preferences.set(GUILD, 101, ["aa", "bb", "cc"])
    await services.registration.leave(GUILD, 101)
    await join_all(services, 101)
    assert await ranking_codes(services, 101) == []


async def test_someone_not_registered_cannot_leave(services: Services, seminar: Seminar) -> None:
    with pytest.raises(NotFound, match="not registered"):
        await services.registration.check_leave(GUILD, 101)
    with pytest.raises(NotFound, match="not registered"):
        await services.registration.leave(GUILD, 101)


async def test_leave_after_the_deadline_is_refused_naming_the_contact(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await join_all(services, 101, 102, 103, 104)
    change = await services.deadlines.set(GUILD, ORGANISER, "deregistration", DEADLINE)
    clock.set(change.deadline.due_at + 1)
    before = await statuses(services)
    for attempt in (services.registration.check_leave, services.registration.leave):
        with pytest.raises(DeadlinePassed) as caught:
            await attempt(GUILD, 101)
        assert "tadl@example.org" in caught.value.message
        assert "de-registration deadline" in caught.value.message
        assert caught.value.instants == {"due": change.deadline.due_at}
        rendered = caught.value.render(when, mention)
        assert f"<t:{change.deadline.due_at}:F>" in rendered
    assert await statuses(services) == before


async def test_leave_refusal_without_a_contact_says_to_ask_the_organisers(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await services.seminars.setup(GUILD, ORGANISER, contact="")
    await join_all(services, 101)
    change = await services.deadlines.set(GUILD, ORGANISER, "deregistration", DEADLINE)
    clock.set(change.deadline.due_at + 3600)
    with pytest.raises(DeadlinePassed, match=r"Please contact the organisers\.$"):
        await services.registration.leave(GUILD, 101)


async def test_contact_text_with_braces_cannot_break_the_message(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await services.seminars.setup(GUILD, ORGANISER, contact="{due} {0} {x.y} }{")
    await join_all(services, 101)
    change = await services.deadlines.set(GUILD, ORGANISER, "deregistration", DEADLINE)
    clock.set(change.deadline.due_at + 1)
    with pytest.raises(DeadlinePassed) as caught:
        await services.registration.leave(GUILD, 101)
    rendered = caught.value.render(when, mention)
    assert rendered.count("<t:") == 1  # only the real deadline was filled in
    assert "(due) (0) (x.y) )(" in rendered


async def test_leave_up_to_and_at_the_deadline_is_allowed(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await join_all(services, 101, 102)
    change = await services.deadlines.set(GUILD, ORGANISER, "deregistration", DEADLINE)
    clock.set(change.deadline.due_at - 86_400)
    assert (await services.registration.check_leave(GUILD, 101)).user_id == 101
    await services.registration.leave(GUILD, 101)
    clock.set(change.deadline.due_at)
    await services.registration.leave(GUILD, 102)
    assert await statuses(services) == []


async def test_the_waitlisted_can_leave_any_time(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await join_all(services, 101, 102, 103, 104, 105)
    change = await services.deadlines.set(GUILD, ORGANISER, "deregistration", DEADLINE)
    clock.set(change.deadline.due_at + 30 * 86_400)
    assert (await services.registration.check_leave(GUILD, 104)).status is (
        ParticipantStatus.WAITLISTED
    )
    result = await services.registration.leave(GUILD, 104)
    assert result.promoted is None
    assert [s[0] for s in await statuses(services)] == [101, 102, 103, 105]


async def test_other_deadlines_do_not_block_leaving(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await join_all(services, 101)
    await services.deadlines.set(GUILD, ORGANISER, "preferences", "2026-10-02 12:00")
    clock.advance(30 * 86_400)
    result = await services.registration.leave(GUILD, 101)
    assert result.left.user_id == 101
    assert await statuses(services) == []


async def test_participants_overview_shows_ranking_sizes(
    services: Services, seminar: Seminar
) -> None:
    for code in ("aa", "bb", "cc", "dd"):
        await add_paper(services, code)
    await join_all(services, 101, 102, 103, 104)
    await services.preferences.set(GUILD, 102, ["aa", "bb", "cc", "dd"])
    overview = await services.registration.overview(GUILD)
    assert overview.seminar == seminar
    assert [(r.participant.user_id, r.ranked, r.waitlist_position) for r in overview.rows] == [
        (101, 0, None),
        (102, 4, None),
        (103, 0, None),
        (104, 0, 1),
    ]


async def test_simultaneous_joins_never_overfill(services: Services, seminar: Seminar) -> None:
    results = await asyncio.gather(
        *(services.registration.join(GUILD, u, f"s{u}") for u in range(101, 111))
    )
    registered = [r for r in results if r.status is ParticipantStatus.REGISTERED]
    waiting = sorted(r.waitlist_position or 0 for r in results if r.waitlist_position)
    assert len(registered) == 3
    assert waiting == list(range(1, 8))
    overview = await services.seminars.overview(GUILD)
    assert (overview.registered, overview.waitlisted) == (3, 7)


async def test_simultaneous_leaves_promote_each_waiting_student_once(
    services: Services, seminar: Seminar
) -> None:
    await join_all(services, 101, 102, 103, 104, 105, 106)
    results = await asyncio.gather(
        services.registration.leave(GUILD, 101), services.registration.leave(GUILD, 102)
    )
    promoted = sorted(r.promoted.user_id for r in results if r.promoted is not None)
    assert promoted == [104, 105]
    assert await statuses(services) == [
        (103, "registered", None),
        (104, "registered", None),
        (105, "registered", None),
        (106, "waitlisted", 1),
    ]


async def counted_and_kept(services: Services, seminar: Seminar) -> tuple[tuple[int, int], ...]:
    """The rows counted, and the per-seminar counts /join reads (migration 0008)."""
    counted = await services.db.fetch_one(
        "SELECT sum(status = 'registered'), sum(status = 'waitlisted') FROM participants "
        "WHERE seminar_id = ?",
        (seminar.id,),
    )
    kept = await services.db.fetch_one(
        "SELECT registered, waitlisted FROM participant_counts WHERE seminar_id = ?",
        (seminar.id,),
    )
    assert counted is not None and kept is not None
    return (counted[0] or 0, counted[1] or 0), (kept[0], kept[1])


async def test_the_counts_join_reads_follow_every_change(
    services: Services, seminar: Seminar
) -> None:
    counted, kept = await counted_and_kept(services, seminar)
    assert counted == kept == (0, 0)
    await join_all(services, *range(101, 108))
    await services.registration.leave(GUILD, 101)  # promotes 104
    await services.registration.leave(GUILD, 106)  # leaves the waitlist
    await services.seminars.setup(GUILD, ORGANISER, capacity=4)  # promotes 105
    counted, kept = await counted_and_kept(services, seminar)
    assert counted == kept == (4, 1)
    # Whichever way a row changes, not only through the services.
    await services.db.execute("UPDATE participants SET status = 'waitlisted' WHERE user_id = 102")
    await services.db.execute("DELETE FROM participants WHERE user_id = 103")
    counted, kept = await counted_and_kept(services, seminar)
    assert counted == kept == (2, 2)
    result = await services.registration.join(GUILD, 108, "s108")
    assert (result.status, result.waitlist_position) == (ParticipantStatus.REGISTERED, None)
    await services.db.execute("DELETE FROM seminars WHERE id = ?", (seminar.id,))
    assert await services.db.fetch_value("SELECT count(*) FROM participant_counts") == 0
