"""Organiser checks without holes (issue 11, item 7): @everyone cannot be the organiser
role, and a confirm button opened by an organiser re-checks, at click time, that the
clicker is still one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.core.models import Seminar
from bot.core.services import Services
from bot.discord.client import SeminarBot
from cogs.common import is_organiser
from tests.cogs.helpers import (
    admin,
    click,
    edit,
    invoke,
    mock_interaction,
    mock_member,
    mock_role,
    only_reply,
    view_of,
)
from tests.core.helpers import GUILD, ORGANISER, add_paper, join_all, make_seminar

ROLE = 4_321
TUTOR = 55


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    seminar = await make_seminar(
        services, capacity=5, channel_id=4_242, organiser_role_id=ROLE, pref_count=1
    )
    for code in ("p1", "p2"):
        await add_paper(services, code)
    await join_all(services, 101, 102)
    return seminar


async def test_setup_refuses_everyone_as_the_organiser_role(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    everyone = mock_role(GUILD, name="@everyone")
    message = only_reply(await admin(bot, "admin setup", organiser_role=everyone))
    assert message["ephemeral"] is True
    assert "@everyone cannot be the organiser role" in message["content"]
    assert (await services.seminars.seminar(GUILD)).organiser_role_id == ROLE
    # A real role is still accepted.
    other = mock_role(ROLE + 1)
    await admin(bot, "admin setup", organiser_role=other)
    assert (await services.seminars.seminar(GUILD)).organiser_role_id == ROLE + 1


async def test_everyone_stored_earlier_makes_nobody_an_organiser(
    bot: SeminarBot, services: Services
) -> None:
    await make_seminar(services, organiser_role_id=GUILD)
    member = mock_member(101, roles=[mock_role(GUILD, name="@everyone")])
    assert not await is_organiser(mock_interaction(bot, user=member))
    refused = only_reply(await _as(bot, member, "admin participants"))
    assert "Only the seminar's organisers" in refused["content"]


async def _as(bot: SeminarBot, user: Any, name: str, **options: Any) -> Any:
    interaction = mock_interaction(bot, user=user)
    await invoke(bot, name, interaction, **options)
    return interaction


Still = Callable[[Services], Awaitable[bool]]


async def _deadline_kept(services: Services) -> bool:
    return await services.deadlines.kinds(GUILD) == ["report"]


async def _paper_kept(services: Services) -> bool:
    return "p1" in [paper.code for paper in await services.papers.browse(GUILD)]


async def _announcement_kept(services: Services) -> bool:
    return len(await services.announcements.scheduled(GUILD)) == 1


async def _not_published(services: Services) -> bool:
    return (await services.assignments.preview(GUILD)).status == "preview"


async def _prepare(services: Services) -> None:
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    await services.announcements.post(GUILD, ORGANISER, "Later", "2027-01-10 10:00")
    await services.assignments.run(GUILD, ORGANISER, seed=1)


CONFIRMS: list[tuple[str, dict[str, Any], str, Still]] = [
    ("admin deadline remove", {"kind": "report"}, "Remove it", _deadline_kept),
    ("admin paper remove", {"paper": "p1"}, "Remove it", _paper_kept),
    ("admin announce cancel", {"announcement": 1}, "Cancel it", _announcement_kept),
    ("admin assign publish", {}, "Publish", _not_published),
]


@pytest.mark.parametrize(
    ("name", "options", "label", "unchanged"), CONFIRMS, ids=[c[0] for c in CONFIRMS]
)
async def test_a_confirm_click_after_the_role_was_taken_away_changes_nothing(
    bot: SeminarBot,
    services: Services,
    seminar: Seminar,
    name: str,
    options: dict[str, Any],
    label: str,
    unchanged: Still,
) -> None:
    await _prepare(services)
    role = mock_role(ROLE)
    tutor = mock_member(TUTOR, roles=[role])
    view = view_of(only_reply(await _as(bot, tutor, name, **options)))

    tutor.roles = []  # the organisers took the role away while the buttons waited
    clicked = mock_interaction(bot, user=tutor)
    assert await click(view, label, clicked)
    assert "no longer one of this seminar's organisers" in edit(clicked)["content"]
    assert await unchanged(services)


@pytest.mark.parametrize(
    ("name", "options", "label", "unchanged"), CONFIRMS, ids=[c[0] for c in CONFIRMS]
)
async def test_a_confirm_click_by_a_current_organiser_still_works(
    bot: SeminarBot,
    services: Services,
    seminar: Seminar,
    name: str,
    options: dict[str, Any],
    label: str,
    unchanged: Still,
) -> None:
    await _prepare(services)
    tutor = mock_member(TUTOR, roles=[mock_role(ROLE)])
    view = view_of(only_reply(await _as(bot, tutor, name, **options)))
    clicked = mock_interaction(bot, user=tutor)
    assert await click(view, label, clicked)
    assert "no longer" not in edit(clicked)["content"]
    assert not await unchanged(services)
