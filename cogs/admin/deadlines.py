"""/admin deadline set|remove."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.errors import DomainError
from bot.core.models import DeadlineKind
from bot.core.timeutil import format_offsets
from bot.discord.ui import ConfirmView, reply, safe
from bot.discord.ui import when as show_time
from cogs.admin.base import AdminMixin
from cogs.common import services_of, still_organiser
from cogs.seminar import deadline_label


async def kind_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    try:
        existing = await services_of(interaction).deadlines.kinds(interaction.guild_id)
    except DomainError:
        existing = []
    names = list(dict.fromkeys([*(k.value for k in DeadlineKind), *existing]))
    return [
        app_commands.Choice(name=name, value=name) for name in names if current.lower() in name
    ][:25]


class DeadlineCommands(AdminMixin):
    deadline = app_commands.Group(name="deadline", description="Set and remove deadlines")

    @deadline.command(name="set", description="Create or move a deadline")
    @app_commands.describe(
        kind="preferences, deregistration, report, slides, presentation, or any other name",
        when="Local time in the seminar's timezone, e.g. 2027-01-15 23:59",
        reminders="When to remind before it, e.g. 7d,1d,2h (default for a new one), or none",
        note="Shown with the deadline and in reminders (kept when left out)",
    )
    @app_commands.autocomplete(kind=kind_autocomplete)
    async def deadline_set(
        self,
        interaction: discord.Interaction,
        kind: str,
        when: str,
        reminders: str | None = None,
        note: str | None = None,
    ) -> None:
        change = await services_of(interaction).deadlines.set(
            interaction.guild_id, interaction.user.id, kind, when, reminders, note
        )
        deadline = change.deadline
        verb = "set" if change.created else "moved"
        text = f"**{deadline_label(deadline.kind)}** deadline {verb}: {show_time(deadline.due_at)}."
        offsets = format_offsets(list(deadline.reminder_offsets))
        text += f"\nReminders: {offsets or 'none'} before."
        if deadline.note:
            text += f"\nNote: {safe(deadline.note, 500)}"
        if change.in_past:
            text += "\n⚠️ This time is already in the past, so no reminders will be sent."
        await reply(interaction, text)

    @deadline.command(name="remove", description="Remove a deadline and its pending reminders")
    @app_commands.describe(kind="The deadline to remove")
    @app_commands.autocomplete(kind=kind_autocomplete)
    async def deadline_remove(self, interaction: discord.Interaction, kind: str) -> None:
        deadlines = services_of(interaction).deadlines
        found = await deadlines.get(interaction.guild_id, kind)

        async def confirmed(click: discord.Interaction) -> str:
            removed = await deadlines.remove(click.guild_id, click.user.id, found.kind)
            return (
                f"Removed the **{deadline_label(removed.kind)}** deadline and its "
                "pending reminders."
            )

        view = ConfirmView(
            interaction.user.id, confirmed, still_allowed=still_organiser, confirm_label="Remove it"
        )
        await reply(
            interaction,
            f"Remove the **{deadline_label(found.kind)}** deadline ({show_time(found.due_at)}) "
            "and its pending reminders?",
            view=view,
        )
