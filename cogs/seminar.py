"""/seminar and /deadlines: what the seminar is and what is due."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.common import deadline_entry
from bot.commands.handlers.deadlines import NONE_UPCOMING, UPCOMING
from bot.commands.handlers.seminar import NO_DEADLINES, papers_text, places_text
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import EMBED_FIELD_VALUE, add_field, embed, join_within, reply, safe
from cogs.common import command_help, services_of


class SeminarInfo(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="seminar", description=command_help("seminar"))
    @app_commands.guild_only()
    async def seminar(self, interaction: discord.Interaction) -> None:
        overview = await services_of(interaction).seminars.overview(interaction.guild_id)
        seminar = overview.seminar
        page = embed(seminar.title, safe(seminar.term, 200) if seminar.term else "")
        if seminar.organiser_role_id:
            add_field(page, "Organisers", f"<@&{seminar.organiser_role_id}>", inline=True)
        if seminar.contact:
            add_field(page, "Contact", safe(seminar.contact, 200), inline=True)
        add_field(page, "Participants", places_text(overview), inline=True)
        add_field(page, "Papers", papers_text(overview, DISCORD_STYLE), inline=True)
        entries = [deadline_entry(d, DISCORD_STYLE) for d in overview.deadlines]
        add_field(page, "Timeline", join_within(entries, EMBED_FIELD_VALUE) or NO_DEADLINES)
        add_field(page, "Assessment", safe(seminar.assessment or "—", 500))
        if seminar.channel_id:
            add_field(page, "Announcements", f"<#{seminar.channel_id}>", inline=True)
        page.set_footer(
            text=f"Times are shown in your own timezone. Seminar timezone: {seminar.timezone}"
        )
        await reply(interaction, embed=page)

    @app_commands.command(name="deadlines", description=command_help("deadlines"))
    @app_commands.guild_only()
    async def deadlines(self, interaction: discord.Interaction) -> None:
        _, statuses = await services_of(interaction).deadlines.for_user(
            interaction.guild_id, interaction.user.id
        )
        if not statuses:
            await reply(interaction, NONE_UPCOMING)
            return
        lines = [deadline_entry(s.deadline, DISCORD_STYLE, s.done) for s in statuses]
        await reply(interaction, embed=embed(UPCOMING, "\n".join(lines)))


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(SeminarInfo(bot))
