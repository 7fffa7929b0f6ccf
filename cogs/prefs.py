"""/prefs set|show|clear: a student's ranked paper preferences."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.preferences import Ranking
from bot.discord.client import SeminarBot
from bot.discord.ui import ConfirmView, embed, reply, safe, when
from cogs.common import paper_autocomplete, services_of

ORDINALS = ("1st", "2nd", "3rd", "4th", "5th")


def ranking_embed(ranking: Ranking, title: str) -> discord.Embed:
    lines = [
        f"**{ORDINALS[i]}** `{paper.code}` — {safe(paper.title, 150)}"
        for i, paper in enumerate(ranking.papers)
    ]
    page = embed(title, "\n".join(lines) or "You have not ranked any papers yet.")
    if ranking.updated_at is not None:
        page.add_field(name="Last changed", value=when(ranking.updated_at))
    if not ranking.complete:
        page.add_field(
            name="Incomplete",
            value=f"Please rank at least {ranking.seminar.pref_count} papers with `/prefs set`.",
        )
    return page


@app_commands.guild_only()
class Prefs(
    commands.GroupCog, group_name="prefs", group_description="Your ranked paper preferences"
):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="set", description="Replace your ranking (best first)")
    @app_commands.describe(
        first="Your favourite paper",
        second="Your second choice",
        third="Your third choice",
        fourth="Your fourth choice (optional)",
        fifth="Your fifth choice (optional)",
    )
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
        await reply(interaction, embed=ranking_embed(ranking, "Your ranking is saved"))

    @app_commands.command(name="show", description="Your current ranking")
    async def show(self, interaction: discord.Interaction) -> None:
        ranking = await services_of(interaction).preferences.show(
            interaction.guild_id, interaction.user.id
        )
        await reply(interaction, embed=ranking_embed(ranking, "Your ranking"))

    @app_commands.command(name="clear", description="Remove your ranking (asks to confirm)")
    async def clear(self, interaction: discord.Interaction) -> None:
        preferences = services_of(interaction).preferences
        await preferences.show(interaction.guild_id, interaction.user.id)

        async def confirmed(click: discord.Interaction) -> str:
            await preferences.clear(click.guild_id, click.user.id)
            return "Your ranking is cleared."

        view = ConfirmView(
            interaction.user.id,
            confirmed,
            still_allowed=None,  # their own action; the service checks it again
            confirm_label="Yes, clear it",
        )
        await reply(interaction, "Clear your whole ranking?", view=view)


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Prefs(bot))
