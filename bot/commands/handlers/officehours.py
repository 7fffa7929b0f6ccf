"""`/officehours`: the weekly slot, its next occurrence and cancellations."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.common import field
from bot.core.officehours import WEEKDAYS, OfficeHours


def office_hours_text(hours: OfficeHours, style: Style) -> str:
    lines = [
        f"Every {style.bold(WEEKDAYS[hours.weekday].capitalize())}, {hours.start_text} "
        f"({hours.timezone}) for {hours.duration_minutes} min — {style.escape(hours.place)}",
        field(
            style,
            "Next",
            style.when(hours.upcoming[0]) if hours.upcoming else "No more office hours this term.",
        ),
        field(style, "Term", f"{hours.first.isoformat()} to {hours.last.isoformat()}"),
    ]
    if hours.cancelled:
        lines.append(style.bold("Cancelled"))
        lines.extend(
            f"• {day}" + (f" — {style.escape(reason)}" if reason else "")
            for day, reason in sorted(hours.cancelled.items())
        )
    return "\n".join(lines)


async def show(call: Call) -> Answer:
    hours = await call.services.office_hours.show(call.place_id)
    return Answer(office_hours_text(hours, call.style), title="Office hours")
