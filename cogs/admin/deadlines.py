"""/admin deadline set|remove."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.handlers.admin.deadlines import (
    REMOVE_LABEL,
    removal_question,
    removed_text,
    set_text,
)
from bot.core.models import DeadlineKind
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import ask, reply
from cogs.admin.base import AdminMixin
from cogs.common import command_help, described, services_of, still_organiser, unless_refused


async def kind_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    existing = await unless_refused(services_of(interaction).deadlines.kinds(interaction.guild_id))
    names = list(dict.fromkeys([*(k.value for k in DeadlineKind), *(existing or ())]))
    return [
        app_commands.Choice(name=name, value=name) for name in names if current.lower() in name
    ][:25]


class DeadlineCommands(AdminMixin):
    deadline = app_commands.Group(name="deadline", description="Set and remove deadlines")

    @deadline.command(name="set", description=command_help("admin deadline set"))
    @described("admin deadline set")
    @app_commands.autocomplete(kind=kind_autocomplete)
    async def deadline_set(
        self,
        interaction: discord.Interaction,
        kind: str,
        when: str,
        reminders: str | None = None,
        note: str | None = None,
    ) -> None:
        change = await services_of(interaction).deadlines.set(
            interaction.guild_id, interaction.user.id, kind, when, reminders, note
        )
        await reply(interaction, set_text(change, DISCORD_STYLE))

    @deadline.command(name="remove", description=command_help("admin deadline remove"))
    @described("admin deadline remove")
    @app_commands.autocomplete(kind=kind_autocomplete)
    async def deadline_remove(self, interaction: discord.Interaction, kind: str) -> None:
        deadlines = services_of(interaction).deadlines
        found = await deadlines.get(interaction.guild_id, kind)

        async def confirmed(click: discord.Interaction) -> str:
            removed = await deadlines.remove(click.guild_id, click.user.id, found.kind)
            return removed_text(removed, DISCORD_STYLE)

        question = removal_question(found, DISCORD_STYLE)
        await ask(interaction, question, REMOVE_LABEL, confirmed, still_allowed=still_organiser)
