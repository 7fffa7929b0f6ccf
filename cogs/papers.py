"""/papers and /paper: the catalogue."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.common import paper_fields
from bot.commands.handlers.papers import browse_heading, nothing_found
from bot.core.models import Paper
from bot.core.papers import topic_key
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import (
    LazyPages,
    Pager,
    add_fields,
    embed,
    owner_only,
    reply,
    report,
    safe,
)
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


def page_ids(owner_id: int, topic: str | None) -> Callable[[str, int], str]:
    """The custom_ids of a /papers Pager's buttons: see `CataloguePageTurn`. A topic is
    kept as its `topic_key` (a topic is user text, a custom_id at most 100 characters)."""
    key = topic_key(topic) if topic else ""
    return lambda direction, page: f"papers:{direction}:{owner_id}:{page}:{key}"


def catalogue_answer(
    owner_id: int, topic: str | None, rendered: CataloguePages, index: int
) -> tuple[discord.Embed, Pager | None]:
    """Page `index` of the catalogue (or of `topic`) and its buttons, if there are pages."""
    heading = browse_heading(topic, DISCORD_STYLE)
    pages = LazyPages(len(rendered.bodies), functools.partial(catalogue_page, heading, rendered))
    if len(pages) == 1:
        return pages[0], None
    return pages[index], Pager(pages, index, page_ids(owner_id, topic))


class CataloguePageTurn(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.compile(r"papers:[pn]:(?P<owner>[0-9]+):(?P<page>[0-9]+):(?P<topic>[0-9a-f]*)"),
):
    """A click on Previous / Next under a /papers answer, from what its custom_id says: who
    may page, the page to show, the topic's key (empty: the whole catalogue). It reads
    the kept rendering again, so it works on a bot started after the answer was sent,
    and shows the last page if the catalogue has fewer pages by now."""

    def __init__(
        self, item: discord.ui.Button[Any], owner_id: int, page: int, key: str | None
    ) -> None:
        super().__init__(item)
        self.owner_id = owner_id
        self.page = page
        self.topic_key = key  # None: the whole catalogue

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        assert isinstance(item, discord.ui.Button)
        return cls(item, int(match["owner"]), int(match["page"]), match["topic"] or None)

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        return await owner_only(interaction, self.owner_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        # discord.py only logs what a DynamicItem's callback raises: answer it here.
        try:
            await self._turn(interaction)
        except Exception as error:
            await report(interaction, error, "button /papers page")

    async def _turn(self, interaction: discord.Interaction) -> None:
        papers = services_of(interaction).papers
        topic = None
        if self.topic_key is not None:
            topic = await papers.topic_by_key(interaction.guild_id, self.topic_key)
            if topic is None:
                await interaction.response.edit_message(
                    content="No papers on this topic any more.", embed=None, view=None
                )
                return
        rendered = await papers.rendered(
            interaction.guild_id, topic, "discord-pages", catalogue_pages
        )
        if rendered is None:
            await interaction.response.edit_message(
                content=nothing_found(topic, DISCORD_STYLE), embed=None, view=None
            )
            return
        index = min(self.page, len(rendered.bodies) - 1)
        page, pager = catalogue_answer(self.owner_id, topic, rendered, index)
        await interaction.response.edit_message(embed=page, view=pager)


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
        page, pager = catalogue_answer(interaction.user.id, topic, rendered, 0)
        await reply(interaction, embed=page, view=pager)

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
    # Persistent: a page click is answered even on a bot started after the answer was sent.
    bot.add_dynamic_items(CataloguePageTurn)


async def teardown(bot: SeminarBot) -> None:
    bot.remove_dynamic_items(CataloguePageTurn)
