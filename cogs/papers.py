"""/papers and /paper: the catalogue."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.common import paper_fields
from bot.commands.handlers.papers import browse_heading, nothing_found
from bot.core.models import Paper
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import LazyPages, Pager, add_fields, embed, reply, safe
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


@dataclass(frozen=True)
class CataloguePages:
    """The catalogue as /papers pages: each page's paper lines, and how many papers."""

    bodies: tuple[str, ...]
    papers: int


def catalogue_pages(found: Sequence[Paper]) -> CataloguePages:
    """Kept by the paper service until the catalogue changes (`PaperService.rendered`)."""
    bodies = tuple(
        "\n\n".join(paper_line(paper) for paper in found[start : start + PAGE_SIZE])
        for start in range(0, len(found), PAGE_SIZE)
    )
    return CataloguePages(bodies, len(found))


def catalogue_page(heading: str, pages: CataloguePages, index: int) -> discord.Embed:
    page = embed(heading, pages.bodies[index])
    page.set_footer(
        text=f"Page {index + 1}/{len(pages.bodies)} · {pages.papers} papers · /paper for details"
    )
    return page


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
        rendered = await services_of(interaction).papers.rendered(
            interaction.guild_id, topic, "discord-pages", catalogue_pages
        )
        if rendered is None:
            await reply(interaction, nothing_found(topic, DISCORD_STYLE))
            return
        # The topic as typed, so outside the kept rendering.
        heading = browse_heading(topic, DISCORD_STYLE)
        pages = LazyPages(
            len(rendered.bodies), functools.partial(catalogue_page, heading, rendered)
        )
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
