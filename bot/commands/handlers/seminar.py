"""`/seminar`: the course page."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.common import deadline_entry, field
from bot.core.errors import NotFound
from bot.core.seminars import Overview as SeminarOverview

NO_DEADLINES = "No deadlines yet."


def places_text(overview: SeminarOverview) -> str:
    places = f"{overview.registered} of {overview.seminar.capacity} places taken"
    if overview.waitlisted:
        places += f", {overview.waitlisted} waiting"
    return places


def papers_text(overview: SeminarOverview, style: Style) -> str:
    return f"{overview.paper_count} in the catalogue — see {style.code(style.command('papers'))}"


async def show(call: Call) -> Answer:
    style = call.style
    overview = await call.services.seminars.overview(call.place_id)
    seminar = overview.seminar
    lines = []
    if seminar.term:
        lines.append(style.escape(seminar.term))
    if seminar.contact:
        lines.append(field(style, "Contact", style.escape(seminar.contact)))
    lines.append(field(style, "Participants", places_text(overview)))
    lines.append(field(style, "Papers", papers_text(overview, style)))
    lines.append("")
    lines.append(style.bold("Timeline"))
    entries = [f"• {deadline_entry(deadline, style)}" for deadline in overview.deadlines]
    lines.extend(entries or [NO_DEADLINES])
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
