"""/mydata: everything stored about me as a file, or delete it after confirming."""

from __future__ import annotations

import io
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.mydata import (
    CONFIRM_LABEL,
    EXPORTED,
    NOTHING_STORED,
    deleted_text,
    deletion_question,
    export_file,
)
from bot.discord.client import SeminarBot
from bot.discord.ui import ask, reply
from cogs.common import command_help, described, services_of


class MyData(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="mydata", description=command_help("mydata"))
    @described("mydata")
    @app_commands.guild_only()
    async def mydata(
        self, interaction: discord.Interaction, action: Literal["export", "delete"]
    ) -> None:
        if action == "export":
            await self._export(interaction)
        else:
            await self._delete(interaction)

    async def _export(self, interaction: discord.Interaction) -> None:
        data = await services_of(interaction).personal_data.export(
            interaction.guild_id, interaction.user.id
        )
        filename, content = export_file(data)
        await reply(
            interaction, EXPORTED, file=discord.File(io.BytesIO(content), filename=filename)
        )

    async def _delete(self, interaction: discord.Interaction) -> None:
        personal_data = services_of(interaction).personal_data
        summary = await personal_data.summary(interaction.guild_id, interaction.user.id)
        if summary.empty:
            await reply(interaction, NOTHING_STORED)
            return

        async def confirmed(click: discord.Interaction) -> str:
            return deleted_text(await personal_data.delete(click.guild_id, click.user.id))

        # still_allowed=None: their own action; the service checks it again.
        question = deletion_question(summary)
        await ask(interaction, question, CONFIRM_LABEL, confirmed, still_allowed=None)


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(MyData(bot))
