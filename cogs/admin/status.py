"""/admin status: the reminder engine's health."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.handlers.admin.status import (
    TITLE,
    advice_fields,
    count_fields,
    engine_fields,
    job_lists,
)
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import add_field, add_fields, embed, reply, safe
from cogs.admin.base import AdminMixin
from cogs.common import command_help, services_of


class StatusCommands(AdminMixin):
    @app_commands.command(name="status", description=command_help("admin status"))
    async def status(self, interaction: discord.Interaction) -> None:
        status = await services_of(interaction).status.status(interaction.guild_id)
        page = embed(TITLE)
        add_fields(page, count_fields(status), inline=True)
        if status.unplannable:
            add_field(
                page,
                "⚠️ Reminders that cannot be planned",
                "\n".join(safe(what, 200) for what in status.unplannable[:5])
                + "\nTheir reminders are skipped until you set them again with a time "
                "between the years 2000 and 2100; everything else goes out as usual.",
            )
        for heading, entries in job_lists(status, DISCORD_STYLE):
            add_field(page, heading, "\n".join(entries))
        add_fields(page, advice_fields(status, DISCORD_STYLE))
        add_fields(page, engine_fields(status, DISCORD_STYLE), inline=True)
        await reply(interaction, embed=page)
