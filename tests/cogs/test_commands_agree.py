"""The Discord command tree and the command table cannot drift apart.

Same command paths, same option names, same required-ness, and organiser-only
exactly for what sits under `/admin`. (Range limits and choices are checked
where Discord declares them.)
"""

from __future__ import annotations

from typing import Any

from discord import app_commands

from bot.commands.options import OptionType
from bot.commands.spec import COMMANDS
from bot.core.models import Platform
from bot.discord.client import SeminarBot

DISCORD_COMMANDS = [c for c in COMMANDS if Platform.DISCORD in c.platforms]


def discord_leaves(bot: SeminarBot) -> dict[tuple[str, ...], app_commands.Command[Any, ..., Any]]:
    found: dict[tuple[str, ...], app_commands.Command[Any, ..., Any]] = {}

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, app_commands.Group):
                walk(item.commands)
            else:
                found[tuple(item.qualified_name.split())] = item

    walk(bot.tree.get_commands())
    return found


def test_the_same_commands_exist_on_both_sides(bot: SeminarBot) -> None:
    tree = set(discord_leaves(bot))
    table = {c.path for c in DISCORD_COMMANDS}
    assert tree - table == set(), "commands only in the cogs: add them to bot/commands/spec.py"
    assert table - tree == set(), "commands only in the table: add them to the cogs"


def test_the_same_options_with_the_same_required_ness(bot: SeminarBot) -> None:
    tree = discord_leaves(bot)
    problems = []
    for command in DISCORD_COMMANDS:
        parameters = {p.name: p for p in tree[command.path].parameters}
        options = {o.name: o for o in command.options}
        if set(parameters) != set(options):
            problems.append(
                f"/{command.name}: cogs {sorted(parameters)} vs table {sorted(options)}"
            )
            continue
        for name, option in options.items():
            if parameters[name].required != option.required:
                problems.append(
                    f"/{command.name} {name}: required {parameters[name].required} in the cogs, "
                    f"{option.required} in the table"
                )
    assert not problems, "\n".join(problems)


def test_organiser_only_is_exactly_what_is_under_admin(bot: SeminarBot) -> None:
    for command in COMMANDS:
        assert command.organiser == (command.path[0] == "admin"), command.name
    admin = bot.tree.get_command("admin")
    assert isinstance(admin, app_commands.Group)
    assert admin.default_permissions is not None and admin.default_permissions.manage_guild


def test_ranges_and_choices_agree(bot: SeminarBot) -> None:
    tree = discord_leaves(bot)
    problems = []
    for command in DISCORD_COMMANDS:
        parameters = {p.name: p for p in tree[command.path].parameters}
        for option in command.options:
            parameter = parameters[option.name]
            limits = (parameter.min_value, parameter.max_value)
            if (
                option.type is OptionType.INTEGER
                and parameter.min_value is not None
                and limits != (option.min_value, option.max_value)
            ):
                problems.append(
                    f"/{command.name} {option.name}: range "
                    f"{parameter.min_value}..{parameter.max_value} vs "
                    f"{option.min_value}..{option.max_value}"
                )
            if option.type is OptionType.CHOICE and parameter.choices:
                values = tuple(str(choice.value) for choice in parameter.choices)
                if set(values) != set(option.choices):
                    problems.append(f"/{command.name} {option.name}: {values} vs {option.choices}")
    assert not problems, "\n".join(problems)


def test_every_command_and_option_has_help() -> None:
    for command in COMMANDS:
        assert command.help.strip(), command.name
        assert len(command.help) <= 100, command.name  # Discord's description limit
        for option in command.options:
            assert option.help.strip(), f"{command.name} {option.name}"
            assert len(option.help) <= 100, f"{command.name} {option.name}"


def test_descriptions_agree_with_the_cogs(bot: SeminarBot) -> None:
    """The help text a Matrix user reads is the one a Discord user sees."""
    tree = discord_leaves(bot)
    problems = []
    for command in DISCORD_COMMANDS:
        found = tree[command.path]
        if found.description != command.help:
            problems.append(f"/{command.name}: {found.description!r} vs {command.help!r}")
    assert not problems, "\n".join(problems)
