"""/mydata: everything stored about me as a file, or delete it after confirming."""

from __future__ import annotations

import io
import json
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import SeminarBot
from bot.discord.ui import ConfirmView, reply
from cogs.common import services_of

FILENAME = "mydata.json"


class MyData(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="mydata", description="Everything stored about you, as a file; or delete it"
    )
    @app_commands.describe(action="export: download it as JSON. delete: erase it (asks first)")
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
        text = json.dumps(data, indent=2, ensure_ascii=False)
        await reply(
            interaction,
            "Everything this bot stores about you in this server's seminar. Your hand-in "
            "PDFs are not included; you have them.",
            file=discord.File(io.BytesIO(text.encode("utf-8")), filename=FILENAME),
        )

    async def _delete(self, interaction: discord.Interaction) -> None:
        personal_data = services_of(interaction).personal_data
        summary = await personal_data.summary(interaction.guild_id, interaction.user.id)
        if summary.empty:
            await reply(interaction, "Nothing is stored about you in this seminar.")
            return
        what = []
        if summary.registered:
            what.append("your registration (your place and paper are freed)")
        what.append("your preferences and assignment")
        if summary.submissions:
            what.append(f"your {summary.submissions} handed-in file(s)")
        if summary.has_grades:
            what.append("your grades")
        what.append("your reminder settings and delivery log")

        async def confirmed(click: discord.Interaction) -> None:
            result = await personal_data.delete(click.guild_id, click.user.id)
            text = "Done: everything stored about you in this seminar is deleted."
            if result.freed_paper:
                text += " Your paper is free again; the organisers can see that."
            if result.files_left:
                text += (
                    " Some files could not be removed from the server's disk; the "
                    "organisers' logs say which."
                )
            await click.response.edit_message(content=text, view=None)

        view = ConfirmView(
            interaction.user.id,
            confirmed,
            still_allowed=None,  # their own action; the service checks it again
            confirm_label="Yes, delete everything",
        )
        await reply(
            interaction,
            "This deletes " + ", ".join(what) + ". It cannot be undone. Continue?",
            view=view,
        )


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(MyData(bot))
