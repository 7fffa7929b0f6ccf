"""`/admin deadline set|remove`."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Confirmation, Style
from bot.commands.handlers.common import deadline_label
from bot.core.deadlines import DeadlineChange
from bot.core.models import Deadline
from bot.core.timeutil import format_offsets

REMOVE_LABEL = "Remove it"


def set_text(change: DeadlineChange, style: Style) -> str:
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
    return "\n".join(lines)


def removal_question(found: Deadline, style: Style) -> str:
    return (
        f"Remove the {style.bold(deadline_label(found.kind))} deadline "
        f"({style.when(found.due_at)}) and its pending reminders?"
    )


def removed_text(removed: Deadline, style: Style) -> str:
    label = style.bold(deadline_label(removed.kind))
    return f"Removed the {label} deadline and its pending reminders."


async def set_(call: Call) -> Answer:
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
    return Answer(set_text(change, call.style))


async def remove(call: Call) -> Answer:
    style = call.style
    deadlines = call.services.deadlines
    place, account = call.place_id, call.account_id
    found = await deadlines.get(place, call.invocation.text("kind"))

    async def confirmed() -> Answer:
        return Answer(removed_text(await deadlines.remove(place, account, found.kind), style))

    question = removal_question(found, style)
    return Answer(question, confirm=Confirmation(question, REMOVE_LABEL, confirmed))
