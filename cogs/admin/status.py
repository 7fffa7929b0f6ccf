"""/admin status: the reminder engine's health."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.handlers.admin.status import describe_job
from bot.discord.ui import add_field, embed, reply, safe
from bot.discord.ui import when as show_time
from cogs.admin.base import AdminMixin
from cogs.common import services_of


def recipient_label(recipient: str) -> str:
    if recipient.startswith("user:"):
        return f"<@{recipient.removeprefix('user:')}>"
    return "the seminar channel"


class StatusCommands(AdminMixin):
    @app_commands.command(name="status", description="Reminders pending, late, missed, failed")
    async def status(self, interaction: discord.Interaction) -> None:
        status = await services_of(interaction).status.status(interaction.guild_id)
        page = embed("Seminar bot status")
        add_field(page, "Pending", str(status.pending), inline=True)
        add_field(page, "Sent late", str(status.sent_late), inline=True)
        add_field(page, "Missed", str(status.missed_count), inline=True)
        add_field(page, "Failed deliveries", str(status.failed), inline=True)
        add_field(page, "DMs closed (posted in channel)", str(status.dms_closed), inline=True)
        if status.unplannable:
            add_field(
                page,
                "⚠️ Reminders that cannot be planned",
                "\n".join(safe(what, 200) for what in status.unplannable[:5])
                + "\nTheir reminders are skipped until you set them again with a time "
                "between the years 2000 and 2100; everything else goes out as usual.",
            )
        if status.next_up:
            add_field(
                page,
                "Next up",
                "\n".join(f"{show_time(o.due_at)} — {describe_job(o.key)}" for o in status.next_up),
            )
        if status.missed:
            add_field(
                page,
                "Missed (bot was offline past the deadline)",
                "\n".join(f"{show_time(due)} — {describe_job(key)}" for key, due in status.missed),
            )
        if status.problems:
            add_field(
                page,
                "Delivery problems",
                "\n".join(
                    f"{recipient_label(p.recipient)} — {p.status}: {safe(p.error, 120)}"
                    for p in status.problems
                ),
            )
        if status.assignment_changes:
            add_field(
                page,
                "Paper assignment",
                f"A re-run is advised: {status.assignment_changes} change"
                f"{'' if status.assignment_changes == 1 else 's'} since publication "
                "(`/admin assign run`, then `/admin assign publish`).",
            )
        if status.talks_dropped:
            add_field(
                page,
                "Block-seminar programme",
                f"{status.talks_dropped} presenter{'' if status.talks_dropped == 1 else 's'} "
                "left since it was scheduled; their slots are gaps. Re-schedule with "
                "`/admin talks schedule` to close them.",
            )
        if status.last_start is not None:
            add_field(page, "Last start", show_time(status.last_start), inline=True)
        add_field(page, "Database size", f"{status.database_bytes / 1024:.0f} KiB", inline=True)
        await reply(interaction, embed=page)
