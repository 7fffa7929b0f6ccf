"""/talks: the block-seminar programme, by day."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import SeminarBot
from bot.core.talks import Programme, Talk
from bot.ui import EMBED_FIELD_VALUE, add_field, embed, join_within, reply, safe, ts
from cogs.common import services_of


def talk_line(talk: Talk) -> str:
    """`09:00–09:30` #1 `code` title — @presenter (a mention that never pings)."""
    return (
        f"{ts(talk.starts_at, 't')}–{ts(talk.ends_at, 't')} #{talk.position} "
        f"`{talk.paper_code}` {safe(talk.paper_title, 60)} — <@{talk.user_id}>"
    )


def programme_embed(programme: Programme) -> discord.Embed:
    page = embed(
        f"Block seminar — {programme.seminar.title}",
        f"{len(programme.talks)} talks of {programme.talk_minutes} min, "
        f"{programme.break_minutes} min between talks. Attendance is required on every day.",
    )
    for day in programme.days:
        add_field(
            page,
            f"Day {day.index + 1} — {ts(day.starts_at, 'D')}",
            join_within([talk_line(t) for t in day.talks], EMBED_FIELD_VALUE),
        )
    if not programme.days:
        add_field(page, "Talks", "No talks are left in the programme.")
    page.set_footer(text="Times are shown in your own timezone. /assignment shows your slot.")
    return page


class Talks(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="talks", description="The block-seminar programme")
    @app_commands.guild_only()
    async def talks(self, interaction: discord.Interaction) -> None:
        programme = await services_of(interaction).talks.programme(interaction.guild_id)
        await reply(interaction, embed=programme_embed(programme))


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Talks(bot))
