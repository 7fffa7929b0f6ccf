"""`/calendar`: deadlines, office hours and talks as an .ics file."""

from __future__ import annotations

from bot.commands.context import Answer, Call

FILENAME = "seminar.ics"
ABOUT = (
    "Your seminar calendar. Open or import it in your calendar app; importing a newer "
    "file later updates these events instead of adding them twice."
)


async def ics(call: Call) -> Answer:
    data = await call.services.calendar.ics(call.place_id, call.account_id)
    return Answer(ABOUT, file=(FILENAME, data))
