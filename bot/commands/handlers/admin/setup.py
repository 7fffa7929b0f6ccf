"""`/admin setup`: create or update this place's seminar."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.commands.handlers.common import field
from bot.core.models import Platform


async def setup(call: Call) -> Answer:
    style = call.style
    invocation = call.invocation
    discord = invocation.platform is Platform.DISCORD
    # Off Discord the seminar's channel is the place itself, and organisers are
    # decided by the front end (room power levels, `as organiser`).
    channel = invocation.integer("channel") if discord else call.place_id
    result = await call.services.seminars.setup(
        call.place_id,
        call.account_id,
        title=invocation.optional_text("title"),
        term=invocation.optional_text("term"),
        channel_id=channel,
        organiser_role_id=invocation.integer("organiser_role") if discord else None,
        timezone=invocation.optional_text("timezone"),
        capacity=invocation.integer("capacity"),
        pref_count=invocation.integer("pref_count"),
        contact=invocation.optional_text("contact"),
        attendance_required=_optional_flag(invocation.values.get("attendance_required")),
    )
    seminar = result.seminar
    lines = []
    if seminar.term:
        lines.append(style.escape(seminar.term))
    lines.append(field(style, "Timezone", seminar.timezone))
    lines.append(field(style, "Capacity", str(seminar.capacity)))
    lines.append(field(style, "Papers to rank", str(seminar.pref_count)))
    lines.append(
        field(
            style,
            "Attendance of all talks",
            "required for a final grade" if seminar.attendance_required else "not required",
        )
    )
    if seminar.contact:
        lines.append(field(style, "Contact", style.escape(seminar.contact)))
    if not discord:
        lines.append("Announcements and reminders are posted here.")
    if result.promoted:
        lines.append(
            field(
                style,
                "Moved up from the waitlist",
                ", ".join(style.person(p.user_id, p.display_name) for p in result.promoted),
            )
        )
    verb = "Seminar created: " if result.created else "Seminar updated: "
    return Answer("\n".join(lines), title=verb + seminar.title)


def _optional_flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None
