"""/admin export: organisers' CSV files."""

from __future__ import annotations

import io

import discord
from discord import app_commands

from bot.commands.handlers.admin.export import export_text
from bot.core.exports import ExportKind, export_csv
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import reply
from cogs.admin.base import AdminMixin
from cogs.common import command_help, described, services_of


class ExportCommands(AdminMixin):
    @app_commands.command(name="export", description=command_help("admin export"))
    @described("admin export")
    @app_commands.choices(
        what=[app_commands.Choice(name=kind.value, value=kind.value) for kind in ExportKind]
    )
    async def export(self, interaction: discord.Interaction, what: str) -> None:
        found = await export_csv(services_of(interaction), interaction.guild_id, what)
        await reply(
            interaction,
            export_text(found, DISCORD_STYLE),
            file=discord.File(io.BytesIO(found.text.encode("utf-8")), filename=found.filename),
        )
