"""/admin grade: record the report and presentation grades; the final grade follows."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.handlers.admin.grade import grades_text
from bot.core.grading import STEPS, format_grade
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import reply
from cogs.admin.base import AdminMixin
from cogs.common import command_help, described, services_of


async def grade_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    typed = current.strip().replace(",", ".")
    return [
        app_commands.Choice(name=format_grade(step), value=format_grade(step))
        for step in STEPS
        if format_grade(step).startswith(typed)
    ]


class GradeCommands(AdminMixin):
    @app_commands.command(name="grade", description=command_help("admin grade"))
    @described("admin grade")
    @app_commands.autocomplete(report=grade_autocomplete, presentation=grade_autocomplete)
    async def grade(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        report: str | None = None,
        presentation: str | None = None,
    ) -> None:
        change = await services_of(interaction).grading.grade(
            interaction.guild_id,
            interaction.user.id,
            member.id,
            report=report,
            presentation=presentation,
        )
        await reply(interaction, grades_text(change, DISCORD_STYLE))
