"""/admin talks schedule: the block-seminar programme."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.handlers.admin.talks import scheduled_text
from bot.core.talks import BREAK_MINUTES, PER_DAY, TALK_MINUTES
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import reply
from cogs.admin.base import AdminMixin
from cogs.common import command_help, described, services_of
from cogs.talks import programme_embed


class TalkCommands(AdminMixin):
    talks = app_commands.Group(name="talks", description="The block-seminar programme")

    @talks.command(name="schedule", description=command_help("admin talks schedule"))
    @described("admin talks schedule")
    async def talks_schedule(
        self,
        interaction: discord.Interaction,
        start: str,
        talk_minutes: app_commands.Range[int, TALK_MINUTES[0], TALK_MINUTES[1]],
        break_minutes: app_commands.Range[int, BREAK_MINUTES[0], BREAK_MINUTES[1]],
        per_day: app_commands.Range[int, PER_DAY[0], PER_DAY[1]],
    ) -> None:
        programme = await services_of(interaction).talks.schedule(
            interaction.guild_id,
            interaction.user.id,
            start,
            talk_minutes,
            break_minutes,
            per_day,
        )
        await reply(
            interaction,
            scheduled_text(programme, DISCORD_STYLE),
            embed=programme_embed(programme),
        )
