"""`/admin officehours set|cancel`."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.commands.handlers.officehours import office_hours_text


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
    return Answer(
        "Office hours saved. The channel is reminded the day before and 15 minutes before "
        "each one.\n" + office_hours_text(hours, call.style),
        title="Office hours",
    )


async def cancel(call: Call) -> Answer:
    style = call.style
    reason = call.invocation.text("reason")
    _, start = await call.services.office_hours.cancel(
        call.place_id, call.account_id, call.invocation.text("date"), reason
    )
    return Answer(
        f"Cancelled the office hours of {style.when(start)}"
        + (f" ({style.escape(reason)})" if reason else "")
        + ". The cancellation is announced in the channel."
    )
