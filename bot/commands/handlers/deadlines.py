"""`/deadlines`: what is due, and whether I have done it."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.commands.handlers.common import deadline_label


async def show(call: Call) -> Answer:
    style = call.style
    _, statuses = await call.services.deadlines.for_user(call.place_id, call.account_id)
    if not statuses:
        return Answer("There are no upcoming deadlines.")
    lines = []
    for status in statuses:
        mark = {True: "✅ done", False: "⏳ not done yet", None: ""}[status.done]
        deadline = status.deadline
        line = f"• {style.bold(deadline_label(deadline.kind))} — {style.when(deadline.due_at)}"
        if mark:
            line += f" — {mark}"
        if deadline.note:
            line += f"\n  {style.escape(deadline.note)}"
        lines.append(line)
    return Answer("\n".join(lines), title="Upcoming deadlines")
