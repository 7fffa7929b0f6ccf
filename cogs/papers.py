"""/papers and /paper: the catalogue."""

from __future__ import annotations

import functools

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.common import paper_fields
from bot.commands.handlers.papers import browse_heading, nothing_found
from bot.core.models import Paper
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import Pager, add_fields, embed, reply, safe
from cogs.common import command_help, described, paper_autocomplete, services_of, topic_autocomplete

PAGE_SIZE = 8


@functools.lru_cache(maxsize=4096)  # pure in the (immutable) paper: one line per paper
def paper_line(paper: Paper) -> str:
    line = f"`{paper.code}` — **{safe(paper.title, 200)}**"
    if paper.authors:
        line += f"\n{safe(paper.authors, 150)}"
    extras = [safe(paper.venue, 80)] if paper.venue else []
    if paper.topic:
        extras.append(f"*{safe(paper.topic, 60)}*")
    if extras:
        line += "\n" + " · ".join(extras)
    return line


# The short fields, side by side.
INLINE_FIELDS = frozenset({"Code", "Venue", "Topic", "Presenters"})


def paper_card(paper: Paper, presenters: list[str] | None = None) -> discord.Embed:
    card = embed(paper.title, safe(paper.authors, 1000) if paper.authors else "")
    add_fields(card, paper_fields(paper, DISCORD_STYLE, presenters or ()), INLINE_FIELDS)
    return card


class Papers(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="papers", description=command_help("papers"))
    @described("papers")
    @app_commands.autocomplete(topic=topic_autocomplete)
    @app_commands.guild_only()
    async def papers(self, interaction: discord.Interaction, topic: str | None = None) -> None:
        found = await services_of(interaction).papers.browse(interaction.guild_id, topic)
        if not found:
            await reply(interaction, nothing_found(topic, DISCORD_STYLE))
            return
        chunks = [found[i : i + PAGE_SIZE] for i in range(0, len(found), PAGE_SIZE)]
        heading = browse_heading(topic, DISCORD_STYLE)
        pages = []
        for number, chunk in enumerate(chunks, start=1):
            page = embed(heading, "\n\n".join(paper_line(p) for p in chunk))
            page.set_footer(
                text=f"Page {number}/{len(chunks)} · {len(found)} papers · /paper for details"
            )
            pages.append(page)
        if len(pages) == 1:
            await reply(interaction, embed=pages[0])
        else:
            await reply(interaction, embed=pages[0], view=Pager(interaction.user.id, pages))

    @app_commands.command(name="paper", description=command_help("paper"))
    @described("paper")
    @app_commands.autocomplete(paper=paper_autocomplete)
    @app_commands.guild_only()
    async def paper(self, interaction: discord.Interaction, paper: str) -> None:
        card = await services_of(interaction).assignments.presenters(interaction.guild_id, paper)
        # Mentions in an embed never ping; Discord shows them as names.
        presenters = [DISCORD_STYLE.person(s.user_id, s.display_name) for s in card.presenters]
        await reply(interaction, embed=paper_card(card.paper, presenters))


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Papers(bot))
