"""/admin paper add|edit|remove|import."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import aiohttp
import discord
from discord import app_commands

from bot.commands.handlers.admin.papers import (
    REMOVE_LABEL,
    codes,
    import_summary,
    refused_line,
    removal_question,
    removed_text,
    too_big,
)
from bot.core.errors import InvalidInput
from bot.core.models import PaperFields
from bot.core.text import echo
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import add_field, ask, embed, reply, safe
from cogs.admin.base import AdminMixin
from cogs.common import command_help, described, paper_autocomplete, services_of, still_organiser
from cogs.papers import paper_card

log = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 2 * 1024 * 1024


class PaperCommands(AdminMixin):
    paper = app_commands.Group(name="paper", description="Manage the paper catalogue")

    @paper.command(name="add", description=command_help("admin paper add"))
    @described("admin paper add")
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

    @paper.command(name="edit", description=command_help("admin paper edit"))
    @described("admin paper edit")
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

    @paper.command(name="remove", description=command_help("admin paper remove"))
    @described("admin paper remove")
    @app_commands.autocomplete(paper=paper_autocomplete)
    async def paper_remove(self, interaction: discord.Interaction, paper: str) -> None:
        papers = services_of(interaction).papers
        found = await papers.get(interaction.guild_id, paper)

        async def confirmed(click: discord.Interaction) -> str:
            removal = await papers.remove(click.guild_id, click.user.id, found.code)
            return removed_text(removal, DISCORD_STYLE)

        question = removal_question(found, DISCORD_STYLE)
        await ask(interaction, question, REMOVE_LABEL, confirmed, still_allowed=still_organiser)

    @paper.command(name="import", description=command_help("admin paper import"))
    @described("admin paper import")
    async def paper_import(
        self, interaction: discord.Interaction, file: discord.Attachment
    ) -> None:
        if file.size > MAX_IMPORT_BYTES:
            raise InvalidInput(too_big(file.size, MAX_IMPORT_BYTES))
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
        summary = import_summary(report, DISCORD_STYLE)
        page = embed(f"Import of {safe(file.filename, 100)}", summary)
        if report.added:
            add_field(page, "Added", codes(report.added, DISCORD_STYLE))
        if report.updated:
            add_field(page, "Updated", codes(report.updated, DISCORD_STYLE))
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
                "\n".join(refused_line(row, DISCORD_STYLE) for row in report.refused),
            )
        await reply(interaction, embed=page)
