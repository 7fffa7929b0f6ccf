"""The tree's error handler, the DM refusal, the organiser check and the confirm buttons."""

from __future__ import annotations

import logging
import re
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest
from discord import app_commands

from bot.core.errors import DeadlinePassed, InvalidInput, NoSeminar
from bot.core.models import Seminar
from bot.core.services import Services
from bot.discord.client import NotOrganiser, SeminarBot
from bot.discord.ui import ConfirmView
from cogs.admin import Admin, is_organiser
from tests.cogs.helpers import (
    click,
    find_command,
    invoke,
    mock_attachment,
    mock_interaction,
    mock_member,
    mock_role,
    mock_user,
    only_reply,
    replies,
)
from tests.core.helpers import GUILD, ORGANISER, make_seminar

ORGANISER_ROLE = 4242


def invoke_error(bot: SeminarBot, name: str, error: Exception) -> app_commands.AppCommandError:
    return app_commands.CommandInvokeError(find_command(bot, name), error)


# -- the tree error handler -----------------------------------------------------------


async def test_a_domain_error_becomes_an_ephemeral_message(bot: SeminarBot) -> None:
    interaction = mock_interaction(bot, command=find_command(bot, "join"))
    await bot.tree.on_error(interaction, invoke_error(bot, "join", InvalidInput("Not like that.")))
    assert only_reply(interaction) == {"content": "Not like that.", "ephemeral": True}


async def test_instants_in_a_domain_error_become_discord_timestamps(bot: SeminarBot) -> None:
    interaction = mock_interaction(bot, command=find_command(bot, "leave"))
    error = DeadlinePassed("The deadline ({due}) has passed.", due=1_793_577_540)
    await bot.tree.on_error(interaction, invoke_error(bot, "leave", error))
    message = only_reply(interaction)
    assert message["ephemeral"] is True
    assert message["content"] == ("The deadline (<t:1793577540:F> (<t:1793577540:R>)) has passed.")


async def test_a_domain_error_after_deferring_goes_to_the_followup(bot: SeminarBot) -> None:
    interaction = mock_interaction(bot, command=find_command(bot, "admin paper import"))
    await interaction.response.defer(ephemeral=True, thinking=True)
    await bot.tree.on_error(interaction, invoke_error(bot, "admin paper import", NoSeminar()))
    interaction.followup.send.assert_awaited_once()
    assert interaction.followup.send.await_args.kwargs["ephemeral"] is True
    assert "/admin setup" in interaction.followup.send.await_args.kwargs["content"]


async def test_an_unexpected_error_is_an_apology_with_an_id_that_is_logged(
    bot: SeminarBot, caplog: pytest.LogCaptureFixture
) -> None:
    interaction = mock_interaction(bot, user=mock_member(777), command=find_command(bot, "join"))
    boom = RuntimeError("database on fire; token=abc")
    with caplog.at_level(logging.ERROR, logger="bot.discord.client"):
        await bot.tree.on_error(interaction, invoke_error(bot, "join", boom))
    message = only_reply(interaction)
    assert message["ephemeral"] is True
    assert message["content"].startswith("Sorry, something went wrong on our side.")
    assert "database on fire" not in message["content"]
    match = re.search(r"error id `([0-9a-f]{8})`", message["content"])
    assert match is not None, message["content"]
    (record,) = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert "/join" in record.getMessage() and "777" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[1] is boom


async def test_error_ids_differ(bot: SeminarBot) -> None:
    seen = set()
    for _ in range(3):
        interaction = mock_interaction(bot, command=find_command(bot, "join"))
        await bot.tree.on_error(interaction, invoke_error(bot, "join", KeyError("x")))
        seen.add(re.findall(r"`([0-9a-f]{8})`", only_reply(interaction)["content"])[0])
    assert len(seen) == 3


async def test_a_failed_check_gets_a_short_refusal(bot: SeminarBot) -> None:
    interaction = mock_interaction(bot, command=find_command(bot, "join"))
    await bot.tree.on_error(interaction, app_commands.CheckFailure("internal detail"))
    assert only_reply(interaction) == {
        "content": "You cannot use this command here.",
        "ephemeral": True,
    }


async def test_a_reply_that_cannot_be_delivered_is_logged_not_raised(
    bot: SeminarBot, caplog: pytest.LogCaptureFixture
) -> None:
    interaction = mock_interaction(bot, command=find_command(bot, "join"))
    response = MagicMock(status=404, reason="Not Found")
    interaction.response.send_message.side_effect = discord.NotFound(
        response, "Unknown interaction"
    )
    with caplog.at_level(logging.WARNING, logger="bot.discord.client"):
        await bot.tree.on_error(interaction, invoke_error(bot, "join", InvalidInput("No.")))
    assert "could not deliver an error reply" in caplog.text


# -- the DM refusal -------------------------------------------------------------------


async def test_a_command_from_a_dm_is_refused_politely(bot: SeminarBot) -> None:
    interaction = mock_interaction(bot, user=mock_user(101), guild_id=None)
    assert await bot.tree.interaction_check(interaction) is False
    message = only_reply(interaction)
    assert message["ephemeral"] is True
    assert "in the seminar's server, not in DMs" in message["content"]


async def test_autocomplete_from_a_dm_is_dropped_silently(bot: SeminarBot) -> None:
    interaction = mock_interaction(
        bot,
        user=mock_user(101),
        guild_id=None,
        kind=discord.InteractionType.autocomplete,
    )
    assert await bot.tree.interaction_check(interaction) is False
    assert replies(interaction) == []


async def test_a_dm_never_reaches_the_command(bot: SeminarBot, services: Services) -> None:
    await make_seminar(services)
    interaction = mock_interaction(bot, user=mock_user(101), guild_id=None)
    await invoke(bot, "join", interaction)
    assert (await services.registration.overview(GUILD)).rows == []
    assert "not in DMs" in only_reply(interaction)["content"]


async def test_commands_in_a_server_pass_the_tree_check(bot: SeminarBot) -> None:
    assert await bot.tree.interaction_check(mock_interaction(bot)) is True


# -- the organiser check --------------------------------------------------------------


@pytest.fixture
async def organised(services: Services) -> Seminar:
    return await make_seminar(services, organiser_role_id=ORGANISER_ROLE)


async def test_manage_server_is_an_organiser(bot: SeminarBot, organised: Seminar) -> None:
    admin = mock_member(ORGANISER, manage_guild=True)
    assert await is_organiser(mock_interaction(bot, user=admin))


async def test_manage_server_is_an_organiser_even_before_setup(bot: SeminarBot) -> None:
    admin = mock_member(ORGANISER, manage_guild=True)
    assert await is_organiser(mock_interaction(bot, user=admin))


async def test_the_organiser_role_is_an_organiser(bot: SeminarBot, organised: Seminar) -> None:
    tutor = mock_member(55, roles=[mock_role(1), mock_role(ORGANISER_ROLE)])
    assert await is_organiser(mock_interaction(bot, user=tutor))


@pytest.mark.parametrize(
    "user",
    [
        mock_member(101),
        mock_member(101, roles=[mock_role(1), mock_role(ORGANISER_ROLE + 1)]),
        mock_user(101),  # not a member at all
    ],
    ids=["student", "other roles", "plain user"],
)
async def test_everyone_else_is_not(bot: SeminarBot, organised: Seminar, user: object) -> None:
    assert not await is_organiser(mock_interaction(bot, user=user))


async def test_the_role_counts_only_in_its_own_server(bot: SeminarBot, services: Services) -> None:
    await make_seminar(services, 1002, organiser_role_id=ORGANISER_ROLE)
    tutor = mock_member(55, roles=[mock_role(ORGANISER_ROLE)])
    assert not await is_organiser(mock_interaction(bot, user=tutor, guild_id=GUILD))


async def test_admin_check_refuses_and_logs_a_non_organiser(
    bot: SeminarBot, organised: Seminar, caplog: pytest.LogCaptureFixture
) -> None:
    # load_extension executes the module afresh, so the class is not `cogs.admin.Admin`.
    cog = bot.get_cog("Admin")
    assert cog is not None and type(cog).__name__ == Admin.__name__
    interaction = mock_interaction(
        bot, user=mock_member(31337), command=find_command(bot, "admin paper add")
    )
    with (
        caplog.at_level(logging.WARNING, logger="cogs.admin"),
        pytest.raises(NotOrganiser, match="Only the seminar's organisers"),
    ):
        await cog.interaction_check(interaction)
    assert "refused /admin paper add for user 31337" in caplog.text
    assert await cog.interaction_check(
        mock_interaction(bot, user=mock_member(ORGANISER, manage_guild=True))
    )


@pytest.mark.parametrize(
    "name",
    [
        "admin setup",
        "admin paper add",
        "admin paper edit",
        "admin paper remove",
        "admin paper import",
        "admin deadline set",
        "admin deadline remove",
        "admin participants",
    ],
)
async def test_every_admin_command_is_refused_to_a_student(
    bot: SeminarBot, services: Services, organised: Seminar, name: str
) -> None:
    """The cog check guards subcommands of nested groups too, and answers ephemerally."""
    callback = AsyncMock()
    command = find_command(bot, name)
    interaction = mock_interaction(bot, user=mock_member(101), command=command)
    original = command._callback
    command._callback = callback  # type: ignore[assignment]
    try:
        await invoke(bot, name, interaction)
    finally:
        command._callback = original
    callback.assert_not_awaited()
    assert only_reply(interaction) == {
        "content": "Only the seminar's organisers can use `/admin` commands.",
        "ephemeral": True,
    }
    assert await services.seminars.find(GUILD) == organised


# -- the confirm buttons --------------------------------------------------------------


async def test_confirm_view_only_reacts_to_its_owner(bot: SeminarBot) -> None:
    confirmed = AsyncMock()
    view = ConfirmView(101, confirmed, still_allowed=None)
    stranger = mock_interaction(bot, user=mock_member(202))
    assert await click(view, "Confirm", stranger) is False
    confirmed.assert_not_awaited()
    assert only_reply(stranger) == {
        "content": "These buttons belong to someone else's request.",
        "ephemeral": True,
    }
    assert await click(view, "Cancel", mock_interaction(bot, user=mock_member(202))) is False
    assert not view.is_finished()

    owner = mock_interaction(bot, user=mock_member(101))
    assert await click(view, "Confirm", owner) is True
    confirmed.assert_awaited_once_with(owner)
    assert view.is_finished()


async def test_cancel_changes_nothing_and_says_so(bot: SeminarBot) -> None:
    confirmed = AsyncMock()
    view = ConfirmView(101, confirmed, still_allowed=None, confirm_label="Yes, leave")
    assert [getattr(item, "label", None) for item in view.children] == ["Yes, leave", "Cancel"]
    owner = mock_interaction(bot, user=mock_member(101))
    assert await click(view, "Cancel", owner)
    confirmed.assert_not_awaited()
    owner.response.edit_message.assert_awaited_once_with(
        content="Cancelled. Nothing changed.", view=None
    )
    assert view.is_finished()


# -- a server without a seminar -------------------------------------------------------

NO_SEMINAR_CALLS: dict[str, dict[str, object]] = {
    "seminar": {},
    "join": {},
    "leave": {},
    "papers": {},
    "paper": {"paper": "wei-ma-2019"},
    "prefs set": {"first": "a1", "second": "b2", "third": "c3"},
    "prefs show": {},
    "prefs clear": {},
    "deadlines": {},
    "admin paper add": {"code": "wei-ma-2019", "title": "T"},
    "admin paper edit": {"paper": "wei-ma-2019", "title": "T"},
    "admin paper remove": {"paper": "wei-ma-2019"},
    "admin paper import": {"file": None},
    "admin deadline set": {"kind": "report", "when": "2027-01-15 23:59"},
    "admin deadline remove": {"kind": "report"},
    "admin participants": {},
}


@pytest.mark.parametrize("name", sorted(NO_SEMINAR_CALLS))
async def test_every_command_without_a_seminar_says_how_to_set_one_up(
    bot: SeminarBot, services: Services, name: str
) -> None:
    options = dict(NO_SEMINAR_CALLS[name])
    if "file" in options:
        options["file"] = mock_attachment("c.csv", b"code,title\nwei-ma-2019,T\n")
    await make_seminar(services, 1002)  # another server's seminar must not answer
    interaction = mock_interaction(
        bot, user=mock_member(ORGANISER, manage_guild=True), guild_id=GUILD
    )
    await invoke(bot, name, interaction, **options)
    message = only_reply(interaction)
    assert message["ephemeral"] is True
    assert message["content"] == NoSeminar().message
    assert "view" not in message
    assert await services.seminars.find(GUILD) is None
