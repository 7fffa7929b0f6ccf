"""/join and /leave, with the waitlist."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.registration import (
    LEAVE_LABEL,
    joined_text,
    leave_question,
    left_text,
)
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import ask, reply
from cogs.common import command_help, display_name, services_of

log = logging.getLogger(__name__)


class Registration(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="join", description=command_help("join"))
    @app_commands.guild_only()
    async def join(self, interaction: discord.Interaction) -> None:
        result = await services_of(interaction).registration.join(
            interaction.guild_id, interaction.user.id, display_name(interaction.user)
        )
        await reply(interaction, joined_text(result, DISCORD_STYLE))

    @app_commands.command(name="leave", description=command_help("leave"))
    @app_commands.guild_only()
    async def leave(self, interaction: discord.Interaction) -> None:
        services = services_of(interaction)
        question = await leave_question(
            services, interaction.guild_id, interaction.user.id, DISCORD_STYLE
        )

        async def confirmed(click: discord.Interaction) -> str:
            # Whoever moves up into the freed place is told by the reminder engine.
            await services.registration.leave(click.guild_id, click.user.id)
            return left_text(DISCORD_STYLE)

        # still_allowed=None: their own action; the service checks it again.
        await ask(interaction, question, LEAVE_LABEL, confirmed, still_allowed=None)


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Registration(bot))
