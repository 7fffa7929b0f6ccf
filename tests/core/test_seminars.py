"""/admin setup and /seminar: creating, updating and describing the seminar."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidInput
from bot.core.models import DEFAULT_ASSESSMENT, ParticipantStatus, Seminar
from bot.core.services import Services
from bot.store import audit
from tests.clock import FakeClock
from tests.core.helpers import (
    CONTACT,
    GUILD,
    ORGANISER,
    OTHER_GUILD,
    TITLE,
    add_paper,
    join_all,
    make_seminar,
)


async def test_first_setup_creates_the_seminar_with_defaults(services: Services) -> None:
    result = await services.seminars.setup(GUILD, ORGANISER, title=TITLE)
    assert result.created
    assert result.promoted == []
    seminar = result.seminar
    assert (seminar.guild_id, seminar.title, seminar.term) == (GUILD, TITLE, "")
    assert (seminar.timezone, seminar.capacity, seminar.pref_count) == ("Europe/Berlin", 20, 3)
    assert seminar.assessment == DEFAULT_ASSESSMENT
    assert seminar.channel_id is None
    assert seminar.organiser_role_id is None
    assert await services.seminars.find(GUILD) == seminar


async def test_second_setup_updates_only_the_fields_given(services: Services) -> None:
    created = await make_seminar(services, channel_id=55, organiser_role_id=66)
    result = await services.seminars.setup(
        GUILD, ORGANISER, capacity=25, timezone="America/New_York"
    )
    assert not result.created
    updated = result.seminar
    assert updated.id == created.id
    assert (updated.capacity, updated.timezone) == (25, "America/New_York")
    assert (updated.title, updated.term, updated.contact) == (TITLE, "Winter 2026/27", CONTACT)
    assert (updated.channel_id, updated.organiser_role_id) == (55, 66)


async def test_setup_strips_text_and_control_characters(services: Services) -> None:
    seminar = await make_seminar(services, title="  Deep\x00 Learning \x07 ", term=" WS ")
    assert (seminar.title, seminar.term) == ("Deep Learning", "WS")


async def test_a_new_seminar_needs_a_title(services: Services) -> None:
    with pytest.raises(InvalidInput, match="needs a title"):
        await services.seminars.setup(GUILD, ORGANISER, capacity=10)
    assert await services.seminars.find(GUILD) is None
    assert await audit.recent(services.db, GUILD) == []


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "not a known timezone"),
        ({"timezone": "../../etc/passwd"}, "not a known timezone"),
        ({"capacity": 0}, "between 1 and 1000"),
        ({"capacity": 1001}, "between 1 and 1000"),
        ({"pref_count": 0}, "between 1 and 5"),
        ({"pref_count": 6}, "between 1 and 5"),
        ({"title": "   "}, "title cannot be empty"),
        ({"title": "x" * 201}, "limit is 200"),
        ({"contact": "x" * 201}, "limit is 200"),
    ],
)
async def test_bad_setup_is_refused_and_changes_nothing(
    services: Services, seminar: Seminar, options: dict[str, object], reason: str
) -> None:
    before = await audit.recent(services.db, GUILD)
    with pytest.raises(InvalidInput, match=reason):
        # A valid change beside the bad one must not slip through either.
        await services.seminars.setup(GUILD, ORGANISER, term="Summer", **options)
    assert await services.seminars.find(GUILD) == seminar
    assert await audit.recent(services.db, GUILD) == before


async def test_unknown_timezone_on_creation_creates_nothing(services: Services) -> None:
    with pytest.raises(InvalidInput, match="Europe/Berlin"):
        await services.seminars.setup(GUILD, ORGANISER, title=TITLE, timezone="Berlin")
    assert await services.seminars.find(GUILD) is None


async def test_each_server_has_its_own_seminar(services: Services, seminar: Seminar) -> None:
    other = await make_seminar(services, OTHER_GUILD, title="Another seminar", capacity=5)
    assert other.id != seminar.id
    assert (await services.seminars.find(GUILD)) == seminar
    assert await services.seminars.find(None) is None
    assert await services.seminars.find(424242) is None


async def test_raising_capacity_promotes_the_waitlist_in_order(
    services: Services, seminar: Seminar
) -> None:
    await join_all(services, 101, 102, 103, 104, 105, 106)  # capacity 3: 104-106 wait
    result = await services.seminars.setup(GUILD, ORGANISER, capacity=5)
    assert [p.user_id for p in result.promoted] == [104, 105]
    overview = await services.registration.overview(GUILD)
    statuses = {row.participant.user_id: row.participant.status for row in overview.rows}
    assert [u for u, s in statuses.items() if s is ParticipantStatus.WAITLISTED] == [106]
    assert [row.waitlist_position for row in overview.rows if row.waitlist_position] == [1]
    assert (await audit.recent(services.db, GUILD, 1))[0]["detail"]["promoted"] == [104, 105]


async def test_lowering_capacity_moves_nobody_to_the_waitlist(
    services: Services, seminar: Seminar
) -> None:
    await join_all(services, 101, 102, 103)
    result = await services.seminars.setup(GUILD, ORGANISER, capacity=1)
    assert result.promoted == []
    overview = await services.seminars.overview(GUILD)
    assert (overview.registered, overview.waitlisted) == (3, 0)
    # …but the next one to join waits.
    joined = await services.registration.join(GUILD, 104, "late")
    assert joined.status is ParticipantStatus.WAITLISTED


async def test_overview_counts_and_lists_deadlines_in_time_order(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await join_all(services, 101, 102, 103, 104)
    await add_paper(services, "wei-ma-2019")
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    await services.deadlines.set(GUILD, ORGANISER, "preferences", "2026-10-20 23:59")
    overview = await services.seminars.overview(GUILD)
    assert overview.seminar == seminar
    assert (overview.registered, overview.waitlisted, overview.paper_count) == (3, 1, 1)
    assert [d.kind for d in overview.deadlines] == ["preferences", "report"]
