"""/admin officehours set|cancel."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from bot.commands.handlers.admin.officehours import SAVED, cancelled_text
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import reply
from cogs.admin.base import AdminMixin
from cogs.common import command_help, described, services_of
from cogs.officehours import office_hours_embed

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class OfficeHoursCommands(AdminMixin):
    officehours = app_commands.Group(name="officehours", description="Weekly office hours")

    @officehours.command(name="set", description=command_help("admin officehours set"))
    @described("admin officehours set")
    async def officehours_set(
        self,
        interaction: discord.Interaction,
        weekday: Weekday,
        start: str,
        place: str,
        first: str,
        last: str,
        duration: app_commands.Range[int, 5, 720] = 120,
    ) -> None:
        hours = await services_of(interaction).office_hours.set(
            interaction.guild_id,
            interaction.user.id,
            weekday=weekday,
            start=start,
            duration=duration,
            place=place,
            first=first,
            last=last,
        )
        await reply(interaction, SAVED, embed=office_hours_embed(hours))

    @officehours.command(name="cancel", description=command_help("admin officehours cancel"))
    @described("admin officehours cancel")
    async def officehours_cancel(
        self, interaction: discord.Interaction, date: str, reason: str = ""
    ) -> None:
        _, start = await services_of(interaction).office_hours.cancel(
            interaction.guild_id, interaction.user.id, date, reason
        )
        await reply(interaction, cancelled_text(start, reason, DISCORD_STYLE))
