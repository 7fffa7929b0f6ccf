"""`/admin setup`: create or update this place's seminar."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.common import field
from bot.core.models import Platform, Seminar
from bot.core.seminars import SetupResult


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
    lines = [style.escape(seminar.term)] if seminar.term else []
    lines.extend(field(style, name, value) for name, value in settings_fields(seminar, style))
    if not discord:
        lines.append("Announcements and reminders are posted here.")
    if result.promoted:
        lines.append(field(style, PROMOTED, promoted_text(result, style)))
    return Answer("\n".join(lines), title=setup_title(result))


PROMOTED = "Moved up from the waitlist"


def setup_title(result: SetupResult) -> str:
    verb = "Seminar created: " if result.created else "Seminar updated: "
    return verb + result.seminar.title


def settings_fields(
    seminar: Seminar, style: Style, place_fields: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """The seminar's settings as (name, value) pairs; `place_fields` are the front end's own
    (Discord: channel and organiser role), shown after the numbers."""
    found = [
        ("Timezone", seminar.timezone),
        ("Capacity", str(seminar.capacity)),
        ("Papers to rank", str(seminar.pref_count)),
        *place_fields,
        (
            "Attendance of all talks",
            "required for a final grade" if seminar.attendance_required else "not required",
        ),
    ]
    if seminar.contact:
        found.append(("Contact", style.escape(seminar.contact)))
    return found


def promoted_text(result: SetupResult, style: Style) -> str:
    """Who a larger capacity moved up from the waitlist."""
    return ", ".join(style.person(p.user_id, p.display_name) for p in result.promoted)


def _optional_flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None
