"""/admin paper add|edit|remove|import."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import aiohttp
import discord
from discord import app_commands

from bot.core.errors import InvalidInput
from bot.core.models import PaperFields
from bot.core.text import echo
from bot.discord.client import SeminarBot
from bot.discord.ui import ConfirmView, add_field, embed, reply, safe
from cogs.admin.base import AdminMixin
from cogs.common import paper_autocomplete, services_of, still_organiser
from cogs.papers import paper_card

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 2 * 1024 * 1024
FIELD_HELP = {
    "code": "Short unique code, e.g. wei-ma-2019",
    "title": "Paper title",
    "authors": "Authors, separated by ;",
    "venue": "Venue, e.g. NeurIPS 2019",
    "url": "Link to the conference version",
    "arxiv": "arXiv id or link (the longer version the report follows)",
    "topic": "Topic, used to group papers",
    "capacity": "How many students can present it (default 1)",
}


class PaperCommands(AdminMixin):
    paper = app_commands.Group(name="paper", description="Manage the paper catalogue")

    @paper.command(name="add", description="Add a paper to the catalogue")
    @app_commands.describe(**FIELD_HELP)
    async def paper_add(
        self,
        interaction: discord.Interaction,
        code: str,
        title: str,
        authors: str = "",
        venue: str = "",
        url: str = "",
        arxiv: str = "",
        topic: str = "",
        capacity: app_commands.Range[int, 1, 10] = 1,
    ) -> None:
        fields = PaperFields(code, title, authors, venue, url, arxiv, topic, capacity)
        added = await services_of(interaction).papers.add(
            interaction.guild_id, interaction.user.id, fields
        )
        await reply(interaction, "Paper added.", embed=paper_card(added))

    @paper.command(name="edit", description="Change fields of a paper")
    @app_commands.describe(paper="The paper to change", **FIELD_HELP)
    @app_commands.autocomplete(paper=paper_autocomplete)
    async def paper_edit(
        self,
        interaction: discord.Interaction,
        paper: str,
        code: str | None = None,
        title: str | None = None,
        authors: str | None = None,
        venue: str | None = None,
        url: str | None = None,
        arxiv: str | None = None,
        topic: str | None = None,
        capacity: app_commands.Range[int, 1, 10] | None = None,
    ) -> None:
        changes: dict[str, object] = {
            "code": code,
            "title": title,
            "authors": authors,
            "venue": venue,
            "url": url,
            "arxiv": arxiv,
            "topic": topic,
            "capacity": capacity,
        }
        edited = await services_of(interaction).papers.edit(
            interaction.guild_id, interaction.user.id, paper, changes
        )
        await reply(interaction, "Paper updated.", embed=paper_card(edited))

    @paper.command(name="remove", description="Remove a paper (asks to confirm)")
    @app_commands.describe(paper="The paper to remove")
    @app_commands.autocomplete(paper=paper_autocomplete)
    async def paper_remove(self, interaction: discord.Interaction, paper: str) -> None:
        papers = services_of(interaction).papers
        found = await papers.get(interaction.guild_id, paper)

        async def confirmed(click: discord.Interaction) -> str:
            removal = await papers.remove(click.guild_id, click.user.id, found.code)
            note = (
                f" {removal.rankings_touched} student(s) had ranked it; their rankings "
                "are now one paper shorter."
                if removal.rankings_touched
                else ""
            )
            return f"Removed `{removal.paper.code}`.{note}"

        view = ConfirmView(
            interaction.user.id, confirmed, still_allowed=still_organiser, confirm_label="Remove it"
        )
        await reply(
            interaction,
            f"Remove `{found.code}` — {safe(found.title, 200)} from the catalogue?",
            view=view,
        )

    @paper.command(name="import", description="Add or update many papers from a CSV or BibTeX file")
    @app_commands.describe(
        file="CSV (code,title,authors,venue,url,arxiv,topic,capacity) or BibTeX (.bib)"
    )
    async def paper_import(
        self, interaction: discord.Interaction, file: discord.Attachment
    ) -> None:
        if file.size > MAX_IMPORT_BYTES:
            raise InvalidInput(
                f"That file is {file.size // 1024} KiB; catalogues can be at most "
                f"{MAX_IMPORT_BYTES // 1024} KiB."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        timeout = cast(SeminarBot, interaction.client).settings.download_timeout_seconds
        try:
            # The same bound as /submit: a hanging download must still get an answer.
            data = await asyncio.wait_for(file.read(), timeout=timeout)
        except TimeoutError as exc:
            log.warning("catalogue download timed out after %s s", timeout)
            raise InvalidInput(
                f"Downloading `{echo(file.filename, 60)}` from Discord took longer than "
                f"{timeout:g} seconds, so I gave up; nothing was changed. Please run "
                "`/admin paper import` again."
            ) from exc
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            log.warning("could not download a catalogue: %r", exc)
            raise InvalidInput(
                "I could not download that file from Discord, so nothing was changed; "
                "please try again."
            ) from exc
        report = await services_of(interaction).papers.import_file(
            interaction.guild_id, interaction.user.id, file.filename, data
        )
        changed = len(report.added) + len(report.updated)
        summary = (
            f"**{len(report.added)}** added, **{len(report.updated)}** updated, "
            f"**{len(report.unchanged)}** unchanged, **{len(report.refused)}** refused."
        )
        if not changed and report.refused:
            summary += "\nNothing was changed."
        page = embed(f"Import of {safe(file.filename, 100)}", summary)
        if report.added:
            add_field(page, "Added", ", ".join(f"`{c}`" for c in report.added))
        if report.updated:
            add_field(page, "Updated", ", ".join(f"`{c}`" for c in report.updated))
        if report.derived:
            add_field(
                page,
                "Codes made from entry keys",
                "\n".join(
                    f"line {code.line}: `{echo(code.key, 60)}` → `{code.code}`"
                    for code in report.derived
                ),
            )
        if report.ignored_columns:
            add_field(
                page,
                "Columns ignored",
                ", ".join(f"`{echo(name, 60)}`" for name in report.ignored_columns)
                + " (not catalogue fields)",
            )
        if report.refused:
            add_field(
                page,
                "Refused",
                "\n".join(
                    f"line {row.line}"
                    + (f" (`{echo(row.code, 40)}`)" if row.code else "")
                    + f": {safe(row.reason, 200)}"
                    for row in report.refused
                ),
            )
        await reply(interaction, embed=page)
