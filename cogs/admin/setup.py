"""/admin setup."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.handlers.admin.setup import (
    PROMOTED,
    promoted_text,
    settings_fields,
    setup_title,
)
from bot.core.errors import InvalidInput
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import add_field, add_fields, embed, reply, safe
from cogs.admin.base import AdminMixin
from cogs.common import command_help, described, services_of


class SetupCommands(AdminMixin):
    @app_commands.command(name="setup", description=command_help("admin setup"))
    @described("admin setup")
    async def setup_(
        self,
        interaction: discord.Interaction,
        title: str | None = None,
        term: str | None = None,
        channel: discord.TextChannel | None = None,
        organiser_role: discord.Role | None = None,
        timezone: str | None = None,
        capacity: app_commands.Range[int, 1, 1000] | None = None,
        pref_count: app_commands.Range[int, 1, 5] | None = None,
        contact: str | None = None,
        attendance_required: bool | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        if organiser_role is not None and organiser_role.id == interaction.guild_id:
            # @everyone: every member has it, so every member could grade.
            raise InvalidInput(
                "@everyone cannot be the organiser role: every member of the server has "
                "it, so everyone could use `/admin`. Pick a role only the organisers have."
            )
        result = await services_of(interaction).seminars.setup(
            interaction.guild_id,
            interaction.user.id,
            title=title,
            term=term,
            channel_id=channel.id if channel else None,
            organiser_role_id=organiser_role.id if organiser_role else None,
            timezone=timezone,
            capacity=capacity,
            pref_count=pref_count,
            contact=contact,
            attendance_required=attendance_required,
        )
        seminar = result.seminar
        page = embed(setup_title(result), safe(seminar.term, 200))
        place_fields = [
            (
                "Announcements",
                f"<#{seminar.channel_id}>" if seminar.channel_id else "not set (use `channel:`)",
            ),
            (
                "Organiser role",
                f"<@&{seminar.organiser_role_id}>"
                if seminar.organiser_role_id
                else "Manage Server only",
            ),
        ]
        add_fields(page, settings_fields(seminar, DISCORD_STYLE, place_fields), inline=True)
        if result.promoted:
            add_field(page, PROMOTED, promoted_text(result, DISCORD_STYLE))
        await reply(interaction, embed=page)
