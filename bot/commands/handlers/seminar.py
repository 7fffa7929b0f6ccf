"""`/seminar`: the course page."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.commands.handlers.common import deadline_label, field
from bot.core.errors import NotFound


async def show(call: Call) -> Answer:
    style = call.style
    overview = await call.services.seminars.overview(call.place_id)
    seminar = overview.seminar
    lines = []
    if seminar.term:
        lines.append(style.escape(seminar.term))
    if seminar.contact:
        lines.append(field(style, "Contact", style.escape(seminar.contact)))
    places = f"{overview.registered} of {seminar.capacity} places taken"
    if overview.waitlisted:
        places += f", {overview.waitlisted} waiting"
    lines.append(field(style, "Participants", places))
    lines.append(
        field(
            style,
            "Papers",
            f"{overview.paper_count} in the catalogue — see {style.code(style.command('papers'))}",
        )
    )
    lines.append("")
    lines.append(style.bold("Timeline"))
    if overview.deadlines:
        for deadline in overview.deadlines:
            lines.append(
                f"• {style.bold(deadline_label(deadline.kind))} — {style.when(deadline.due_at)}"
            )
            if deadline.note:
                lines.append(f"  {style.escape(deadline.note)}")
    else:
        lines.append("No deadlines yet.")
    lines.append("")
    lines.append(field(style, "Assessment", style.escape(seminar.assessment or "—")))
    try:
        hours = await call.services.office_hours.show(call.place_id)
    except NotFound:
        hours = None
    if hours is not None and hours.upcoming:
        lines.append(
            field(
                style,
                "Next office hours",
                f"{style.when(hours.upcoming[0])} — {style.escape(hours.place)}",
            )
        )
    lines.append(f"Times are shown in {seminar.timezone} unless you chose your own zone.")
    return Answer("\n".join(lines), title=seminar.title)
