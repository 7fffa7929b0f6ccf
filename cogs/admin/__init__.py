"""/admin …: the organisers' commands, one group assembled from one mixin per area."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.client import NotOrganiser, SeminarBot
from cogs.admin.announce import AnnounceCommands
from cogs.admin.assign import AssignCommands
from cogs.admin.attendance import AttendanceCommands
from cogs.admin.deadlines import DeadlineCommands
from cogs.admin.export import ExportCommands
from cogs.admin.grade import GradeCommands
from cogs.admin.officehours import OfficeHoursCommands
from cogs.admin.papers import PaperCommands
from cogs.admin.participants import ParticipantCommands
from cogs.admin.setup import SetupCommands
from cogs.admin.status import StatusCommands
from cogs.admin.talks import TalkCommands
from cogs.common import is_organiser

log = logging.getLogger(__name__)


# Hidden from members without Manage Server; checked again in interaction_check
# because server admins can re-grant integration permissions to anyone.
@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Admin(
    SetupCommands,
    PaperCommands,
    DeadlineCommands,
    ParticipantCommands,
    AnnounceCommands,
    OfficeHoursCommands,
    StatusCommands,
    GradeCommands,
    AssignCommands,
    ExportCommands,
    TalkCommands,
    AttendanceCommands,
    commands.GroupCog,
    group_name="admin",
    group_description="Organiser commands",
):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if await is_organiser(interaction):
            return True
        log.warning(
            "refused /%s for user %s in guild %s: not an organiser",
            interaction.command.qualified_name if interaction.command else "admin",
            interaction.user.id,
            interaction.guild_id,
        )
        raise NotOrganiser("Only the seminar's organisers can use `/admin` commands.")


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Admin(bot))
