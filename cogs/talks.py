"""/talks: the block-seminar programme, by day."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.talks import NONE_LEFT, programme_summary, programme_title
from bot.core.talks import Programme, Talk
from bot.discord.client import SeminarBot
from bot.discord.ui import EMBED_FIELD_VALUE, add_field, embed, reply, safe, ts
from cogs.common import command_help, services_of


def talk_line(talk: Talk, title_length: int = 60) -> str:
    """`09:00–09:30` #1 `code` title — @presenter (a mention that never pings)."""
    title = f" {safe(talk.paper_title, title_length)}" if title_length else ""
    return (
        f"{ts(talk.starts_at, 't')}–{ts(talk.ends_at, 't')} #{talk.position} "
        f"`{talk.paper_code}`{title} — <@{talk.user_id}>"
    )


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Whole lines packed into field values of at most `limit` characters."""
    found: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > limit:
            found.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        found.append(current)
    return found


def programme_embed(programme: Programme) -> discord.Embed:
    """Every talk, by day; titles are shortened (then left out) until all talks fit."""
    for title_length in (60, 30, 0):
        page = _programme_page(programme, title_length)
        shown = sum(field.value.count("<@") for field in page.fields if field.value)
        if shown >= len(programme.talks):
            return page
    page.set_footer(text="Not every talk fits here: ask the organisers for the full list.")
    return page


def _programme_page(programme: Programme, title_length: int) -> discord.Embed:
    page = embed(programme_title(programme), programme_summary(programme))
    for day in programme.days:
        name = f"Day {day.index + 1} — {ts(day.starts_at, 'D')}"
        lines = [talk_line(t, title_length) for t in day.talks]
        for part, value in enumerate(_chunks(lines, EMBED_FIELD_VALUE)):
            add_field(page, name if part == 0 else f"Day {day.index + 1} (continued)", value)
    if not programme.days:
        add_field(page, "Talks", NONE_LEFT)
    page.set_footer(text="Times are shown in your own timezone. /assignment shows your slot.")
    return page


class Talks(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="talks", description=command_help("talks"))
    @app_commands.guild_only()
    async def talks(self, interaction: discord.Interaction) -> None:
        programme = await services_of(interaction).talks.programme(interaction.guild_id)
        await reply(interaction, embed=programme_embed(programme))


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Talks(bot))
