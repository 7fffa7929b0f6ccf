"""/assignment: the paper I present, and what is due next."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.common import deadline_label
from bot.core.assignments import MyAssignment
from bot.core.talks import Talk
from bot.discord.client import SeminarBot
from bot.discord.ui import add_field, embed, reply, safe, ts, when
from cogs.common import services_of

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def slot_text(slot: Talk | None) -> str:
    if slot is None:
        return "not scheduled yet — see `/talks` once it is"
    return (
        f"Day {slot.day_index + 1}, talk #{slot.position}: {when(slot.starts_at)} "
        f"to {ts(slot.ends_at, 't')}. The whole programme: `/talks`."
    )


def assignment_embed(mine: MyAssignment, slot: Talk | None = None) -> discord.Embed:
    paper = mine.paper
    if paper is None:
        text = (
            "The paper assignment is not published yet; you will get a DM when it is."
            if mine.published_at is None
            else "You have no paper in the published assignment. Please contact the organisers."
        )
        page = embed("Your paper", text)
    else:
        page = embed(paper.title, safe(paper.authors, 1000) if paper.authors else "")
        page.set_author(name="Your paper")
        add_field(page, "Code", f"`{paper.code}`", inline=True)
        if mine.rank is not None:
            choice = f"your {ORDINALS.get(mine.rank, f'{mine.rank}th')} choice"
        elif mine.pinned:
            choice = "assigned by the organisers"
        else:
            choice = "not on your list (placed on a free paper)"
        add_field(page, "Choice", choice, inline=True)
        if paper.venue:
            add_field(page, "Venue", safe(paper.venue, 200), inline=True)
        if paper.url:
            add_field(page, "Conference version", paper.url)
        if paper.arxiv:
            add_field(page, "arXiv (the report follows this longer version)", paper.arxiv)
        add_field(page, "Talk slot", slot_text(slot))
    due = [f"**{deadline_label(d.kind)}** — {when(d.due_at)}" for d in mine.upcoming]
    add_field(page, "Due next", "\n".join(due) or "Nothing is due.")
    if mine.published_at is not None:
        page.set_footer(text="/paper shows who else presents a paper")
    return page


class Assignment(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="assignment", description="The paper you present, your talk slot, what is due next"
    )
    @app_commands.guild_only()
    async def assignment(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        mine = await services.assignments.mine(interaction.guild_id, interaction.user.id)
        slot = await services.talks.slot_of(interaction.guild_id, interaction.user.id)
        await reply(interaction, embed=assignment_embed(mine, slot))


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Assignment(bot))
