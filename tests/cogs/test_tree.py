"""The command surface as it would be synced: names, descriptions, permissions, autocomplete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from discord import app_commands

from bot.core.services import Services
from bot.discord.client import SeminarBot
from cogs.admin.deadlines import kind_autocomplete
from cogs.common import paper_autocomplete, topic_autocomplete
from tests.cogs.helpers import mock_interaction, mock_member
from tests.core.helpers import OTHER_GUILD, add_paper, make_seminar

# The foundation's part of COMMANDS.md: these names are the product's interface.
FOUNDATION = {
    "seminar": set(),
    "join": set(),
    "leave": set(),
    "papers": {"topic"},
    "paper": {"paper"},
    "prefs set": {"first", "second", "third", "fourth", "fifth"},
    "prefs show": set(),
    "prefs clear": set(),
    "deadlines": set(),
    "admin setup": {
        "title",
        "term",
        "channel",
        "organiser_role",
        "timezone",
        "capacity",
        "pref_count",
        "contact",
    },
    "admin paper add": {"code", "title", "authors", "venue", "url", "arxiv", "topic", "capacity"},
    "admin paper edit": {
        "paper",
        "code",
        "title",
        "authors",
        "venue",
        "url",
        "arxiv",
        "topic",
        "capacity",
    },
    "admin paper remove": {"paper"},
    "admin paper import": {"file"},
    "admin deadline set": {"kind", "when", "reminders", "note"},
    "admin deadline remove": {"kind"},
    "admin participants": set(),
}
PLACEHOLDER = "…"  # what discord.py fills in when a description is missing


def walk(
    commands: list[app_commands.Command[Any, ..., Any] | app_commands.Group],
) -> Iterator[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    for command in commands:
        yield command
        if isinstance(command, app_commands.Group):
            yield from walk(command.commands)


def leaves(bot: SeminarBot) -> dict[str, app_commands.Command[Any, ..., Any]]:
    return {
        c.qualified_name: c
        for c in walk(bot.tree.get_commands())
        if isinstance(c, app_commands.Command)
    }


def test_the_foundation_commands_have_their_documented_names_and_options(
    bot: SeminarBot,
) -> None:
    found = leaves(bot)
    missing = set(FOUNDATION) - set(found)
    assert not missing, f"commands missing from the tree: {sorted(missing)}"
    for name, options in FOUNDATION.items():
        have = {parameter.name for parameter in found[name].parameters}
        assert options <= have, f"/{name} lacks options {sorted(options - have)}"


def test_prefs_set_requires_only_the_first_choice(bot: SeminarBot) -> None:
    parameters = {p.name: p for p in leaves(bot)["prefs set"].parameters}
    assert parameters["first"].required
    assert not any(parameters[n].required for n in ("second", "third", "fourth", "fifth"))


def test_every_command_group_and_option_has_a_description(bot: SeminarBot) -> None:
    problems = []
    for command in walk(bot.tree.get_commands()):
        if not command.description.strip() or command.description == PLACEHOLDER:
            problems.append(f"/{command.qualified_name}")
        if isinstance(command, app_commands.Command):
            for parameter in command.parameters:
                if not parameter.description.strip() or parameter.description == PLACEHOLDER:
                    problems.append(f"/{command.qualified_name} {parameter.name}")
    assert not problems, f"no description: {problems}"


def test_the_synced_payload_is_within_discords_limits(bot: SeminarBot) -> None:
    def check(payload: dict[str, Any], where: str) -> None:
        assert 1 <= len(payload["name"]) <= 32, where
        assert payload["name"] == payload["name"].lower(), where
        assert 1 <= len(payload["description"]) <= 100, f"{where}: {payload['description']!r}"
        options = payload.get("options") or []
        assert len(options) <= 25, where
        seen_optional = False
        for option in options:
            check(option, f"{where} {option['name']}")
            if option["type"] > 2:  # an argument, not a subcommand or group
                if option.get("required"):
                    assert not seen_optional, f"{where}: required option after an optional one"
                else:
                    seen_optional = True

    for command in bot.tree.get_commands():
        check(command.to_dict(bot.tree), f"/{command.name}")


def test_every_top_level_command_is_guild_only(bot: SeminarBot) -> None:
    for command in bot.tree.get_commands():
        assert command.guild_only, f"/{command.name} is usable in DMs"
        payload = command.to_dict(bot.tree)
        assert payload["contexts"] == [0], f"/{command.name}: {payload['contexts']}"


def test_admin_is_hidden_from_members_without_manage_server(bot: SeminarBot) -> None:
    admin = bot.tree.get_command("admin")
    assert isinstance(admin, app_commands.Group)
    assert admin.default_permissions is not None
    assert admin.default_permissions.manage_guild
    assert admin.default_permissions.value == 1 << 5  # manage_guild and nothing else
    assert int(admin.to_dict(bot.tree)["default_member_permissions"]) == 1 << 5
    others = [c for c in bot.tree.get_commands() if c.name != "admin"]
    assert all(c.default_permissions is None for c in others)


# -- autocomplete ---------------------------------------------------------------------


@pytest.fixture
async def big_catalogue(services: Services) -> None:
    await make_seminar(services)
    long = "A Remarkably Long Title About Deep Learning Theory " * 4
    for n in range(40):
        await add_paper(services, f"paper-{n:02d}-" + "x" * 30, f"{long} {n}", topic=f"Topic {n}")


@pytest.mark.parametrize("typed", ["", "paper", "deep", "PAPER-1", "%", "x" * 200])
async def test_paper_autocomplete_is_within_limits(
    bot: SeminarBot, big_catalogue: None, typed: str
) -> None:
    choices = await paper_autocomplete(mock_interaction(bot), typed)
    assert len(choices) <= 25
    for choice in choices:
        assert 1 <= len(choice.name) <= 100
        assert len(choice.value) <= 100
    if typed in ("", "paper", "deep"):
        assert len(choices) == 25


async def test_paper_autocomplete_offers_codes_as_values(
    bot: SeminarBot, services: Services
) -> None:
    await make_seminar(services)
    await add_paper(services, "wei-ma-2019", "Data-dependent sample complexity")
    await add_paper(services, "jacot-2018", "Neural Tangent Kernel")
    choices = await paper_autocomplete(mock_interaction(bot), "kernel")
    assert [(c.name, c.value) for c in choices] == [
        ("jacot-2018 — Neural Tangent Kernel", "jacot-2018")
    ]


@pytest.mark.parametrize("typed", ["", "topic", "TOPIC 1"])
async def test_topic_autocomplete_is_within_limits(
    bot: SeminarBot, big_catalogue: None, typed: str
) -> None:
    choices = await topic_autocomplete(mock_interaction(bot), typed)
    assert 0 < len(choices) <= 25
    assert all(1 <= len(c.name) <= 100 and len(c.value) <= 100 for c in choices)


async def test_kind_autocomplete_offers_known_and_existing_kinds(
    bot: SeminarBot, services: Services
) -> None:
    await make_seminar(services)
    await services.deadlines.set(1001, 9, "intro-meeting", "2026-10-05 10:00")
    choices = await kind_autocomplete(mock_interaction(bot), "")
    names = [c.name for c in choices]
    assert names[:5] == ["preferences", "deregistration", "report", "slides", "presentation"]
    assert "intro-meeting" in names
    assert len(choices) <= 25
    assert [c.name for c in await kind_autocomplete(mock_interaction(bot), "RE")] == [
        "preferences",
        "deregistration",
        "report",
        "presentation",
    ]


@pytest.mark.parametrize("autocomplete", [paper_autocomplete, topic_autocomplete])
async def test_autocomplete_without_a_seminar_offers_nothing_quietly(
    bot: SeminarBot, services: Services, autocomplete: Any
) -> None:
    await make_seminar(services, OTHER_GUILD)
    interaction = mock_interaction(bot, user=mock_member())
    assert await autocomplete(interaction, "") == []
    interaction.response.send_message.assert_not_awaited()


async def test_every_autocomplete_in_the_tree_answers_within_limits(
    bot: SeminarBot, big_catalogue: None
) -> None:
    """Also covers autocompletes added later: each is called as Discord would."""
    called = 0
    for command in leaves(bot).values():
        for name, parameter in command._params.items():
            if parameter.autocomplete is None:
                continue
            interaction = mock_interaction(bot, command=command)
            choices = await parameter.autocomplete(interaction, "")
            called += 1
            assert len(choices) <= 25, f"/{command.qualified_name} {name}"
            assert all(1 <= len(c.name) <= 100 for c in choices), command.qualified_name
    assert called >= 10
