"""`/admin deadline set|remove`."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Confirmation
from bot.commands.handlers.common import deadline_label
from bot.core.timeutil import format_offsets


async def set_(call: Call) -> Answer:
    style = call.style
    invocation = call.invocation
    change = await call.services.deadlines.set(
        call.place_id,
        call.account_id,
        invocation.text("kind"),
        invocation.text("when"),
        # Left out: a moved deadline keeps its reminders and note (a new one gets
        # the defaults).
        invocation.optional_text("reminders"),
        invocation.optional_text("note"),
    )
    deadline = change.deadline
    verb = "set" if change.created else "moved"
    lines = [
        f"{style.bold(deadline_label(deadline.kind))} deadline {verb}: "
        f"{style.when(deadline.due_at)}.",
        f"Reminders: {format_offsets(list(deadline.reminder_offsets)) or 'none'} before.",
    ]
    if deadline.note:
        lines.append(f"Note: {style.escape(deadline.note)}")
    if change.in_past:
        lines.append("⚠️ This time is already in the past, so no reminders will be sent.")
    return Answer("\n".join(lines))


async def remove(call: Call) -> Answer:
    style = call.style
    deadlines = call.services.deadlines
    place, account = call.place_id, call.account_id
    found = await deadlines.get(place, call.invocation.text("kind"))

    async def confirmed() -> Answer:
        removed = await deadlines.remove(place, account, found.kind)
        return Answer(
            f"Removed the {style.bold(deadline_label(removed.kind))} deadline and its "
            "pending reminders."
        )

    question = (
        f"Remove the {style.bold(deadline_label(found.kind))} deadline "
        f"({style.when(found.due_at)}) and its pending reminders?"
    )
    return Answer(question, confirm=Confirmation(question, "Remove it", confirmed))
