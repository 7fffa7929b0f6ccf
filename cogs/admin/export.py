"""/admin export: organisers' CSV files."""

from __future__ import annotations

import io

import discord
from discord import app_commands

from bot.core.assigning import CsvExport, ExportKind
from bot.discord.ui import reply
from cogs.admin.base import AdminMixin
from cogs.common import services_of


class ExportCommands(AdminMixin):
    @app_commands.command(name="export", description="Download seminar data as a CSV file")
    @app_commands.describe(what="Which table to export")
    @app_commands.choices(
        what=[app_commands.Choice(name=kind.value, value=kind.value) for kind in ExportKind]
    )
    async def export(self, interaction: discord.Interaction, what: str) -> None:
        services = services_of(interaction)
        if what == ExportKind.SUBMISSIONS:
            # Hand-ins and grades own their exports; the rest belongs to the assignment service.
            text = await services.submissions.export_csv(interaction.guild_id)
            export = CsvExport(f"{ExportKind.SUBMISSIONS.value}.csv", text)
        elif what == ExportKind.GRADES:
            text = await services.grading.export_csv(interaction.guild_id)
            export = CsvExport(f"{ExportKind.GRADES.value}.csv", text)
        elif what == ExportKind.ATTENDANCE:
            text = await services.attendance.export_csv(interaction.guild_id)
            export = CsvExport(f"{ExportKind.ATTENDANCE.value}.csv", text)
        else:
            export = await services.assignments.export_csv(interaction.guild_id, what)
        await reply(
            interaction,
            f"Here is `{export.filename}` (UTF-8, one header row).",
            file=discord.File(io.BytesIO(export.text.encode("utf-8")), filename=export.filename),
        )
