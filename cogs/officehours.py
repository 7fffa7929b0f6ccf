"""/officehours: the weekly slot, its next occurrence and cancellations."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.officehours import (
    CANCELLED,
    TITLE,
    cancelled_lines,
    office_hours_fields,
    weekly_text,
)
from bot.core.officehours import OfficeHours
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import add_field, add_fields, embed, reply
from cogs.common import command_help, services_of

# The short fields, side by side.
INLINE_FIELDS = frozenset({"Term"})


def office_hours_embed(hours: OfficeHours, title: str = TITLE) -> discord.Embed:
    page = embed(title, weekly_text(hours, DISCORD_STYLE))
    add_fields(page, office_hours_fields(hours, DISCORD_STYLE), INLINE_FIELDS)
    if hours.cancelled:
        add_field(page, CANCELLED, "\n".join(cancelled_lines(hours, DISCORD_STYLE)))
    return page


class OfficeHoursInfo(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="officehours", description=command_help("officehours"))
    @app_commands.guild_only()
    async def officehours(self, interaction: discord.Interaction) -> None:
        hours = await services_of(interaction).office_hours.show(interaction.guild_id)
        await reply(interaction, embed=office_hours_embed(hours))


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(OfficeHoursInfo(bot))
