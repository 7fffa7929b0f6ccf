"""/prefs set|show|clear: a student's ranked paper preferences."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.prefs import (
    CLEAR_LABEL,
    CLEAR_QUESTION,
    CLEARED,
    NOTHING_RANKED,
    SAVED,
    YOURS,
    ranking_lines,
    ranking_notes,
)
from bot.core.preferences import Ranking
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import add_fields, ask, embed, reply
from cogs.common import command_help, described, paper_autocomplete, services_of


def ranking_embed(ranking: Ranking, title: str) -> discord.Embed:
    lines = ranking_lines(ranking, DISCORD_STYLE)
    page = embed(title, "\n".join(lines) or NOTHING_RANKED)
    add_fields(page, ranking_notes(ranking, DISCORD_STYLE))
    return page


@app_commands.guild_only()
class Prefs(
    commands.GroupCog, group_name="prefs", group_description="Your ranked paper preferences"
):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="set", description=command_help("prefs set"))
    @described("prefs set")
    @app_commands.autocomplete(
        first=paper_autocomplete,
        second=paper_autocomplete,
        third=paper_autocomplete,
        fourth=paper_autocomplete,
        fifth=paper_autocomplete,
    )
    async def set_(
        self,
        interaction: discord.Interaction,
        first: str,
        second: str | None = None,
        third: str | None = None,
        fourth: str | None = None,
        fifth: str | None = None,
    ) -> None:
        choices = [c for c in (first, second, third, fourth, fifth) if c is not None]
        ranking = await services_of(interaction).preferences.set(
            interaction.guild_id, interaction.user.id, choices
        )
        await reply(interaction, embed=ranking_embed(ranking, SAVED))

    @app_commands.command(name="show", description=command_help("prefs show"))
    async def show(self, interaction: discord.Interaction) -> None:
        ranking = await services_of(interaction).preferences.show(
            interaction.guild_id, interaction.user.id
        )
        await reply(interaction, embed=ranking_embed(ranking, YOURS))

    @app_commands.command(name="clear", description=command_help("prefs clear"))
    async def clear(self, interaction: discord.Interaction) -> None:
        preferences = services_of(interaction).preferences
        await preferences.show(interaction.guild_id, interaction.user.id)

        async def confirmed(click: discord.Interaction) -> str:
            await preferences.clear(click.guild_id, click.user.id)
            return CLEARED

        # still_allowed=None: their own action; the service checks it again.
        await ask(interaction, CLEAR_QUESTION, CLEAR_LABEL, confirmed, still_allowed=None)


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Prefs(bot))
