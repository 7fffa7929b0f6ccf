"""/admin setup."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.errors import InvalidInput
from bot.discord.ui import add_field, embed, reply, safe
from cogs.admin.base import AdminMixin
from cogs.common import services_of


class SetupCommands(AdminMixin):
    @app_commands.command(name="setup", description="Create or update this server's seminar")
    @app_commands.describe(
        title="Seminar title (required the first time)",
        term="Term, e.g. Winter 2026/27",
        channel="Channel for announcements and reminders",
        organiser_role="Role whose members may use /admin",
        timezone="IANA timezone for times you type, e.g. Europe/Berlin (default)",
        capacity="Maximum number of participants (default 20)",
        pref_count="How many papers each student must rank (1-5, default 3)",
        contact="Who students should contact, e.g. an e-mail address",
        attendance_required="Whether a missed talk (not excused) holds back the final grade "
        "(default true)",
    )
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
        page = embed(
            ("Seminar created: " if result.created else "Seminar updated: ") + seminar.title,
            safe(seminar.term, 200),
        )
        add_field(page, "Timezone", seminar.timezone, inline=True)
        add_field(page, "Capacity", str(seminar.capacity), inline=True)
        add_field(page, "Papers to rank", str(seminar.pref_count), inline=True)
        add_field(
            page,
            "Announcements",
            f"<#{seminar.channel_id}>" if seminar.channel_id else "not set (use `channel:`)",
            inline=True,
        )
        add_field(
            page,
            "Organiser role",
            f"<@&{seminar.organiser_role_id}>"
            if seminar.organiser_role_id
            else "Manage Server only",
            inline=True,
        )
        add_field(
            page,
            "Attendance of all talks",
            "required for a final grade" if seminar.attendance_required else "not required",
            inline=True,
        )
        if seminar.contact:
            add_field(page, "Contact", safe(seminar.contact, 200), inline=True)
        if result.promoted:
            add_field(
                page,
                "Moved up from the waitlist",
                ", ".join(f"<@{p.user_id}>" for p in result.promoted),
            )
        await reply(interaction, embed=page)
