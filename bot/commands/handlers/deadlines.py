"""`/deadlines`: what is due, and whether I have done it."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.commands.handlers.common import deadline_entry

NONE_UPCOMING = "There are no upcoming deadlines."
UPCOMING = "Upcoming deadlines"


async def show(call: Call) -> Answer:
    style = call.style
    _, statuses = await call.services.deadlines.for_user(call.place_id, call.account_id)
    if not statuses:
        return Answer(NONE_UPCOMING)
    lines = [f"• {deadline_entry(s.deadline, style, s.done)}" for s in statuses]
    return Answer("\n".join(lines), title=UPCOMING)
