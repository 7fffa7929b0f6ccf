"""/reminders: turn reminder DMs on or off."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import SeminarBot
from bot.discord.ui import reply
from cogs.common import command_help, described, services_of


class Reminders(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="reminders", description=command_help("reminders"))
    @described("reminders")
    @app_commands.guild_only()
    async def reminders(self, interaction: discord.Interaction, dm: bool) -> None:
        await services_of(interaction).announcements.set_dm_reminders(
            interaction.guild_id, interaction.user.id, dm
        )
        await reply(
            interaction,
            "Reminder DMs are **on**: I will DM you before deadlines that concern you."
            if dm
            else "Reminder DMs are **off**. Reminders still appear in the seminar channel.",
        )


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Reminders(bot))
