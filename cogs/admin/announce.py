"""/admin announce post|list|cancel."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.handlers.admin.announce import (
    CANCEL_LABEL,
    NONE_SCHEDULED,
    SCHEDULED,
    cancel_question,
    cancelled_text,
    entry_heading,
    posted_text,
)
from bot.core.text import clip
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import ask, embed, reply, safe
from cogs.admin.base import AdminMixin
from cogs.common import (
    command_help,
    described,
    is_organiser,
    services_of,
    still_organiser,
    unless_refused,
)


async def announcement_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    # discord.py runs no cog checks for autocomplete: without this, anyone could
    # read unposted announcements by crafting the request.
    if not await is_organiser(interaction):
        return []
    found = await unless_refused(
        services_of(interaction).announcements.scheduled(interaction.guild_id)
    )
    wanted = current.casefold()
    return [
        app_commands.Choice(name=clip(f"#{a.id} — {a.message}", 100), value=a.id)
        for a in found or ()
        if wanted in f"#{a.id} {a.message}".casefold()
    ][:25]


class AnnounceCommands(AdminMixin):
    announce = app_commands.Group(name="announce", description="Post and schedule announcements")

    @announce.command(name="post", description=command_help("admin announce post"))
    @described("admin announce post", ping="Optional role to ping with it")
    async def announce_post(
        self,
        interaction: discord.Interaction,
        message: str,
        when: str | None = None,
        ping: discord.Role | None = None,
    ) -> None:
        if ping is not None and ping.is_default():
            await reply(interaction, "Pinging @everyone is not allowed; choose a role.")
            return
        seminar, announcement = await services_of(interaction).announcements.post(
            interaction.guild_id,
            interaction.user.id,
            message,
            when,
            ping.id if ping else None,
        )
        text = posted_text(announcement, bool(when), f"<#{seminar.channel_id}>", DISCORD_STYLE)
        if ping is not None:
            text += f" It will ping {ping.mention}."
        await reply(interaction, text)

    @announce.command(name="list", description=command_help("admin announce list"))
    async def announce_list(self, interaction: discord.Interaction) -> None:
        found = await services_of(interaction).announcements.scheduled(interaction.guild_id)
        if not found:
            await reply(interaction, NONE_SCHEDULED)
            return
        lines = [
            entry_heading(a, f"pings <@&{a.ping_role_id}>" if a.ping_role_id else "", DISCORD_STYLE)
            + f"\n{safe(a.message, 300)}"
            for a in found
        ]
        await reply(interaction, embed=embed(SCHEDULED, "\n\n".join(lines)))

    @announce.command(name="cancel", description=command_help("admin announce cancel"))
    @described("admin announce cancel", announcement="The announcement to cancel")
    @app_commands.autocomplete(announcement=announcement_autocomplete)
    async def announce_cancel(self, interaction: discord.Interaction, announcement: int) -> None:
        service = services_of(interaction).announcements

        async def confirmed(click: discord.Interaction) -> str:
            await service.cancel(click.guild_id, click.user.id, announcement)
            return cancelled_text(announcement)

        question = cancel_question(announcement)
        await ask(interaction, question, CANCEL_LABEL, confirmed, still_allowed=still_organiser)
