"""`/admin participants`."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.core.models import ParticipantStatus, SubmissionKind


async def show(call: Call) -> Answer:
    style = call.style
    overview = await call.services.registration.overview(call.place_id)
    seminar = overview.seminar
    if not overview.rows:
        return Answer("Nobody has joined yet.")
    lines = []
    for row in overview.rows:
        person = style.person(row.participant.user_id, row.participant.display_name)
        if row.participant.status is ParticipantStatus.WAITLISTED:
            lines.append(f"⏳ {person} — waitlist #{row.waitlist_position}")
            continue
        done = "✅" if row.ranked >= seminar.pref_count else "❌"
        prefs = f"prefs {row.ranked}/{seminar.pref_count} {done}"
        handed_in = ", ".join(
            f"{kind} {'✅' if kind in row.handed_in else '❌'}"
            for kind in (SubmissionKind.REPORT, SubmissionKind.SLIDES)
        )
        paper = f", paper {style.code(row.paper)}" if row.paper else ""
        lines.append(f"• {person} — {prefs}, {handed_in}{paper}")
    registered = sum(
        1 for r in overview.rows if r.participant.status is ParticipantStatus.REGISTERED
    )
    return Answer("\n".join(lines), title=f"Participants: {registered}/{seminar.capacity}")
