"""`/admin participants`."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.core.models import ParticipantStatus, Seminar, SubmissionKind
from bot.core.registration import ParticipantOverview, ParticipantRow

NOBODY = "Nobody has joined yet."


def participant_line(row: ParticipantRow, seminar: Seminar, person: str, style: Style) -> str:
    """One participant's line; `person` is them as the front end names them."""
    if row.participant.status is ParticipantStatus.WAITLISTED:
        return f"⏳ {person} — waitlist #{row.waitlist_position}"
    done = "✅" if row.ranked >= seminar.pref_count else "❌"
    prefs = f"prefs {row.ranked}/{seminar.pref_count} {done}"
    handed_in = ", ".join(
        f"{kind} {'✅' if kind in row.handed_in else '❌'}"
        for kind in (SubmissionKind.REPORT, SubmissionKind.SLIDES)
    )
    paper = f", paper {style.code(row.paper)}" if row.paper else ""
    return f"• {person} — {prefs}, {handed_in}{paper}"


def participants_title(overview: ParticipantOverview) -> str:
    registered = sum(
        1 for r in overview.rows if r.participant.status is ParticipantStatus.REGISTERED
    )
    return f"Participants: {registered}/{overview.seminar.capacity}"


async def show(call: Call) -> Answer:
    style = call.style
    overview = await call.services.registration.overview(call.place_id)
    if not overview.rows:
        return Answer(NOBODY)
    lines = [
        participant_line(
            row,
            overview.seminar,
            style.person(row.participant.user_id, row.participant.display_name),
            style,
        )
        for row in overview.rows
    ]
    return Answer("\n".join(lines), title=participants_title(overview))
