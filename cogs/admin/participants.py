"""/admin participants."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.handlers.admin.participants import (
    NOBODY,
    participant_line,
    participants_title,
)
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import embed, mention, reply, safe
from cogs.admin.base import AdminMixin
from cogs.common import command_help, services_of

# Lines run to ~130 characters with a paper; an embed description holds 4096.
PAGE_LINES = 30


class ParticipantCommands(AdminMixin):
    @app_commands.command(name="participants", description=command_help("admin participants"))
    async def participants(self, interaction: discord.Interaction) -> None:
        overview = await services_of(interaction).registration.overview(interaction.guild_id)
        if not overview.rows:
            await reply(interaction, NOBODY)
            return
        lines = [
            # The name beside the mention: a member who left shows as an unknown user.
            participant_line(
                row,
                overview.seminar,
                f"{mention(row.participant.user_id)} ({safe(row.participant.display_name, 40)})",
                DISCORD_STYLE,
            )
            for row in overview.rows
        ]
        title = participants_title(overview)
        # One embed description holds 4096 characters; long lists go in several.
        pages = [lines[i : i + PAGE_LINES] for i in range(0, len(lines), PAGE_LINES)]
        for number, chunk in enumerate(pages, start=1):
            page = embed(title, "\n".join(chunk))
            if len(pages) > 1:
                page.set_footer(text=f"Part {number}/{len(pages)}")
            await reply(interaction, embed=page)
