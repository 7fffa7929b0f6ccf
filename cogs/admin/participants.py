"""/admin participants."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.models import ParticipantStatus, SubmissionKind
from bot.discord.ui import embed, reply, safe
from cogs.admin.base import AdminMixin
from cogs.common import services_of

# Lines run to ~130 characters with a paper; an embed description holds 4096.
PAGE_LINES = 30


class ParticipantCommands(AdminMixin):
    @app_commands.command(name="participants", description="Participants with their status")
    async def participants(self, interaction: discord.Interaction) -> None:
        overview = await services_of(interaction).registration.overview(interaction.guild_id)
        seminar = overview.seminar
        lines = []
        for row in overview.rows:
            person = f"<@{row.participant.user_id}> ({safe(row.participant.display_name, 40)})"
            if row.participant.status is ParticipantStatus.WAITLISTED:
                lines.append(f"⏳ {person} — waitlist #{row.waitlist_position}")
                continue
            prefs = (
                f"prefs {row.ranked}/{seminar.pref_count} ✅"
                if row.ranked >= seminar.pref_count
                else f"prefs {row.ranked}/{seminar.pref_count} ❌"
            )
            handed_in = ", ".join(
                f"{kind} {'✅' if kind in row.handed_in else '❌'}"
                for kind in (SubmissionKind.REPORT, SubmissionKind.SLIDES)
            )
            paper = f", paper `{row.paper}`" if row.paper else ""
            lines.append(f"• {person} — {prefs}, {handed_in}{paper}")
        registered = sum(
            1 for r in overview.rows if r.participant.status is ParticipantStatus.REGISTERED
        )
        title = f"Participants: {registered}/{seminar.capacity}"
        if not lines:
            await reply(interaction, "Nobody has joined yet.")
            return
        # One embed description holds 4096 characters; long lists go in several.
        pages = [lines[i : i + PAGE_LINES] for i in range(0, len(lines), PAGE_LINES)]
        for number, chunk in enumerate(pages, start=1):
            page = embed(title, "\n".join(chunk))
            if len(pages) > 1:
                page.set_footer(text=f"Part {number}/{len(pages)}")
            await reply(interaction, embed=page)
