"""`/admin officehours set|cancel`."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.officehours import TITLE, office_hours_text

SAVED = "Office hours saved. The channel is reminded the day before and 15 minutes before each one."


def cancelled_text(start: int, reason: str, style: Style) -> str:
    return (
        f"Cancelled the office hours of {style.when(start)}"
        + (f" ({style.escape(reason)})" if reason else "")
        + ". The cancellation is announced in the channel."
    )


async def set_(call: Call) -> Answer:
    invocation = call.invocation
    hours = await call.services.office_hours.set(
        call.place_id,
        call.account_id,
        weekday=invocation.text("weekday"),
        start=invocation.text("start"),
        duration=invocation.integer("duration") or 120,
        place=invocation.text("place"),
        first=invocation.text("first"),
        last=invocation.text("last"),
    )
    return Answer(f"{SAVED}\n{office_hours_text(hours, call.style)}", title=TITLE)


async def cancel(call: Call) -> Answer:
    reason = call.invocation.text("reason")
    _, start = await call.services.office_hours.cancel(
        call.place_id, call.account_id, call.invocation.text("date"), reason
    )
    return Answer(cancelled_text(start, reason, call.style))
