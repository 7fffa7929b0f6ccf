"""/attend: check in to the talk whose window is open, with the code the presenter shows."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.attend import checked_in_text
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import reply, ts
from cogs.common import command_help, described, services_of


class Attend(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="attend", description=command_help("attend"))
    @described("attend")
    @app_commands.guild_only()
    async def attend(
        self, interaction: discord.Interaction, code: app_commands.Range[str, 1, 20]
    ) -> None:
        done = await services_of(interaction).attendance.check_in(
            interaction.guild_id, interaction.user.id, code
        )
        talk = done.talk
        who = DISCORD_STYLE.person(talk.presenter_id, "")
        during = f"{ts(talk.starts_at, 't')}–{ts(talk.ends_at, 't')}"
        await reply(
            interaction, checked_in_text(done, who, during, ts(done.at, "T"), DISCORD_STYLE)
        )


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Attend(bot))
