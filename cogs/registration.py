"""/join and /leave, with the waitlist."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.models import ParticipantStatus
from bot.discord.client import SeminarBot
from bot.discord.ui import ConfirmView, reply, safe
from cogs.common import display_name, services_of

log = logging.getLogger(__name__)


class Registration(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="join", description="Register as a participant of this seminar")
    @app_commands.guild_only()
    async def join(self, interaction: discord.Interaction) -> None:
        result = await services_of(interaction).registration.join(
            interaction.guild_id, interaction.user.id, display_name(interaction.user)
        )
        title = safe(result.seminar.title, 200)
        if result.status is ParticipantStatus.REGISTERED:
            text = (
                f"You are already registered for **{title}**."
                if result.already
                else f"Welcome! You are registered for **{title}**. "
                "Next: browse `/papers` and rank your favourites with `/prefs set`."
            )
        else:
            prefix = (
                "You are already on" if result.already else "The seminar is full, so you are on"
            )
            text = (
                f"{prefix} the waitlist for **{title}**, position **{result.waitlist_position}**. "
                "You will be told as soon as a place frees up."
            )
        await reply(interaction, text)

    @app_commands.command(
        name="leave", description="De-register from this seminar (asks to confirm)"
    )
    @app_commands.guild_only()
    async def leave(self, interaction: discord.Interaction) -> None:
        registration = services_of(interaction).registration
        participant = await registration.check_leave(interaction.guild_id, interaction.user.id)
        what = (
            "leave the waitlist"
            if participant.status is ParticipantStatus.WAITLISTED
            else "de-register from the seminar; your paper preferences will be deleted"
        )
        if participant.status is ParticipantStatus.REGISTERED:
            mine = await services_of(interaction).assignments.mine(
                interaction.guild_id, interaction.user.id
            )
            if mine.published_at is not None and mine.paper is not None:
                what += f", and your paper `{mine.paper.code}` goes back to the organisers"

        async def confirmed(click: discord.Interaction) -> None:
            # Whoever moves up into the freed place is told by the reminder engine.
            await registration.leave(click.guild_id, click.user.id)
            await click.response.edit_message(
                content="Done: you have left. You can `/join` again while places are free.",
                view=None,
            )

        view = ConfirmView(
            interaction.user.id,
            confirmed,
            still_allowed=None,  # their own action; the service checks it again
            confirm_label="Yes, leave",
        )
        await reply(interaction, f"Do you really want to {what}?", view=view)


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Registration(bot))
