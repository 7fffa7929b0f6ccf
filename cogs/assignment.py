"""/assignment: the paper I present, and what is due next."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.assignment import (
    NOTHING_DUE,
    YOUR_PAPER,
    due_lines,
    no_paper_text,
    paper_fields,
)
from bot.core.assignments import MyAssignment
from bot.core.talks import Talk
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import add_field, add_fields, embed, reply, safe, ts
from cogs.common import command_help, services_of

# The short fields, side by side.
INLINE_FIELDS = frozenset({"Code", "Choice", "Venue"})


def assignment_embed(mine: MyAssignment, slot: Talk | None = None) -> discord.Embed:
    paper = mine.paper
    if paper is None:
        page = embed(YOUR_PAPER, no_paper_text(mine))
    else:
        page = embed(paper.title, safe(paper.authors, 1000) if paper.authors else "")
        page.set_author(name=YOUR_PAPER)
        # A talk's end as a short time: its start just before has the date.
        found = paper_fields(mine, paper, slot, DISCORD_STYLE, until=lambda unix: ts(unix, "t"))
        add_fields(page, found, INLINE_FIELDS)
    add_field(page, "Due next", "\n".join(due_lines(mine, DISCORD_STYLE)) or NOTHING_DUE)
    if mine.published_at is not None:
        page.set_footer(text="/paper shows who else presents a paper")
    return page


class Assignment(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="assignment", description=command_help("assignment"))
    @app_commands.guild_only()
    async def assignment(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        mine = await services.assignments.mine(interaction.guild_id, interaction.user.id)
        slot = await services.talks.slot_of(interaction.guild_id, interaction.user.id)
        await reply(interaction, embed=assignment_embed(mine, slot))


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Assignment(bot))
