"""/officehours: the weekly slot, its next occurrence and cancellations."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.officehours import WEEKDAYS, OfficeHours
from bot.discord.client import SeminarBot
from bot.discord.ui import add_field, embed, reply, safe, when
from cogs.common import services_of


def office_hours_embed(hours: OfficeHours, title: str = "Office hours") -> discord.Embed:
    page = embed(
        title,
        f"Every **{WEEKDAYS[hours.weekday].capitalize()}**, {hours.start_text} "
        f"({hours.timezone}) for {hours.duration_minutes} min — {safe(hours.place, 200)}",
    )
    if hours.upcoming:
        add_field(page, "Next", when(hours.upcoming[0]))
    else:
        add_field(page, "Next", "No more office hours this term.")
    add_field(page, "Term", f"{hours.first.isoformat()} to {hours.last.isoformat()}", inline=True)
    if hours.cancelled:
        add_field(
            page,
            "Cancelled",
            "\n".join(
                f"{day}" + (f" — {safe(reason, 150)}" if reason else "")
                for day, reason in sorted(hours.cancelled.items())
            ),
        )
    return page


class OfficeHoursInfo(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="officehours", description="The weekly office hours and the next one"
    )
    @app_commands.guild_only()
    async def officehours(self, interaction: discord.Interaction) -> None:
        hours = await services_of(interaction).office_hours.show(interaction.guild_id)
        await reply(interaction, embed=office_hours_embed(hours))


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(OfficeHoursInfo(bot))
