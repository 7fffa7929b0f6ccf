"""/calendar: deadlines, office hours and talks as an .ics file."""

from __future__ import annotations

import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.calendar import ABOUT, FILENAME
from bot.discord.client import SeminarBot
from bot.discord.ui import reply
from cogs.common import command_help, services_of


class CalendarFile(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="calendar", description=command_help("calendar"))
    @app_commands.guild_only()
    async def calendar(self, interaction: discord.Interaction) -> None:
        data = await services_of(interaction).calendar.ics(
            interaction.guild_id, interaction.user.id
        )
        await reply(interaction, ABOUT, file=discord.File(io.BytesIO(data), filename=FILENAME))


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(CalendarFile(bot))
