"""`/officehours`: the weekly slot, its next occurrence and cancellations."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.common import field
from bot.core.officehours import WEEKDAYS, OfficeHours

TITLE = "Office hours"
CANCELLED = "Cancelled"
NONE_LEFT = "No more office hours this term."


def weekly_text(hours: OfficeHours, style: Style) -> str:
    return (
        f"Every {style.bold(WEEKDAYS[hours.weekday].capitalize())}, {hours.start_text} "
        f"({hours.timezone}) for {hours.duration_minutes} min — {style.escape(hours.place)}"
    )


def office_hours_fields(hours: OfficeHours, style: Style) -> list[tuple[str, str]]:
    """The next one and the term, as (name, value) pairs."""
    upcoming = (
        style.when(hours.upcoming[0]) if hours.upcoming else "No more office hours this term."
    )
    return [
        ("Next", upcoming),
        ("Term", f"{hours.first.isoformat()} to {hours.last.isoformat()}"),
    ]


def cancelled_lines(hours: OfficeHours, style: Style) -> list[str]:
    return [
        f"{day}" + (f" — {style.escape(reason)}" if reason else "")
        for day, reason in sorted(hours.cancelled.items())
    ]


def office_hours_text(hours: OfficeHours, style: Style) -> str:
    lines = [weekly_text(hours, style)]
    lines.extend(field(style, name, value) for name, value in office_hours_fields(hours, style))
    if hours.cancelled:
        lines.append(style.bold(CANCELLED))
        lines.extend(f"• {line}" for line in cancelled_lines(hours, style))
    return "\n".join(lines)


async def show(call: Call) -> Answer:
    hours = await call.services.office_hours.show(call.place_id)
    return Answer(office_hours_text(hours, call.style), title=TITLE)
