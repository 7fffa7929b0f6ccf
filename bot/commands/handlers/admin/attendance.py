"""`/admin attendance show|set|excuse`: who was at which talk, the codes, corrections.

The same information as the Discord cog, which takes its wording from here; as plain
text every name fits, so the overview lists who checked in too.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.commands.context import Answer, Call, Style
from bot.core.attendance import Overview, TalkAttendance
from bot.core.models import Excuse, RefusalReason, TalkCode

REFUSAL_NAMES = {
    RefusalReason.WRONG_CODE: "wrong code",
    RefusalReason.CLOSED: "no window open",
    RefusalReason.AGAIN: "already recorded",
    RefusalReason.OWN_TALK: "own talk",
    RefusalReason.RATE_LIMITED: "rate-limited",
}
MISSED_HEADING = "Missed talks (not excused)"
NOBODY_MISSED = "Nobody so far."
# The newest refused attempts shown; the rest are counted.
REFUSALS_SHOWN = 10


def _people(ids: list[int], style: Style, names: Mapping[int, str]) -> str:
    return ", ".join(style.person(i, names.get(i, "")) for i in ids) if ids else "—"


def _talk_lines(item: TalkAttendance, style: Style, names: Mapping[int, str]) -> list[str]:
    talk = item.talk
    state = "" if item.state == "closed" else f" ({item.state})"
    lines = [
        f"{style.bold(f'#{talk.position}')} {style.code(talk.paper_code)} — code "
        f"{style.code(talk.code)}{state}, {style.when(talk.starts_at)}, "
        f"{style.person(talk.presenter_id, names.get(talk.presenter_id, ''))}",
        f"  checked in ({len(item.present)}): {_people(item.present, style, names)}",
        f"  {'missing' if item.state == 'closed' else 'not yet'} ({len(item.missing)}): "
        f"{_people(item.missing, style, names)}",
    ]
    if item.excused:
        lines.append(f"  excused ({len(item.excused)}): {_people(item.excused, style, names)}")
    return lines


def overview_title(overview: Overview) -> str:
    return f"Attendance — {overview.seminar.title}"


def rule_text(overview: Overview, style: Style) -> str:
    """Whether a missed talk holds back the grade: the first thing the overview says."""
    if overview.required:
        return (
            f"Attendance of every talk is {style.bold('required')}: a missed talk (not "
            "excused) holds back the final grade."
        )
    return f"Attendance is recorded but {style.bold('not required')} for the grade."


def overview_text(overview: Overview, style: Style) -> str:
    names = {s.account_id: s.display_name for s in overview.students}
    lines = [rule_text(overview, style)]
    missed = [s for s in overview.students if s.missed]
    lines.append("")
    lines.append(style.bold(MISSED_HEADING))
    if missed:
        lines.extend(f"• {style.person(s.account_id, s.display_name)}: {s.missed}" for s in missed)
    else:
        lines.append(NOBODY_MISSED)
    if overview.refused:
        lines.append("")
        lines.append(style.bold(refused_heading(overview)))
        for attempt in list(reversed(overview.refused))[:REFUSALS_SHOWN]:
            lines.append(
                f"• {style.when(attempt.at)} "
                f"{style.person(attempt.account_id, names.get(attempt.account_id, ''))} "
                f"{style.code(attempt.code)} {REFUSAL_NAMES[attempt.reason]}"
            )
    for item in overview.talks:
        lines.append("")
        lines.extend(_talk_lines(item, style, names))
    lines.append("")
    lines.append(codes_hint(style.code(style.command("admin export"))))
    return "\n".join(lines)


def refused_heading(overview: Overview) -> str:
    return f"Refused check-ins ({len(overview.refused)}, newest first)"


def codes_hint(export_command: str) -> str:
    """The overview's last words; `export_command` as the front end shows it."""
    return (
        f"Show a talk's code on its slide or say it. {export_command} with what:attendance "
        "gives everything as CSV."
    )


def recorded_text(who: str, talk: TalkCode, present: bool, style: Style) -> str:
    """`who` is the member as the front end shows them (`style.person`)."""
    return (
        f"Recorded {who} as {style.bold('present' if present else 'absent')} at talk "
        f"{talk.position} ({style.code(talk.paper_code)})."
    )


def excused_text(who: str, talk: TalkCode, excuse: Excuse, style: Style) -> str:
    # The reason as stored (cleaned), not as typed: a NUL typed in it was echoed.
    return (
        f"Excused {who}'s absence from talk {talk.position} "
        f"({style.code(talk.paper_code)}): {style.escape(excuse.reason)}. It no "
        "longer holds back a final grade."
    )


async def show(call: Call) -> Answer:
    overview = await call.services.attendance.overview(call.place_id)
    return Answer(overview_text(overview, call.style), title=overview_title(overview))


async def set_present(call: Call) -> Answer:
    invocation = call.invocation
    member = invocation.integer("member")
    assert member is not None  # required; resolved by the layer
    present = invocation.flag("present")
    talk, _ = await call.services.attendance.set(
        call.place_id, call.account_id, member, invocation.text("talk"), present
    )
    who = call.style.person(member, await _name(call, member))
    return Answer(recorded_text(who, talk, present, call.style))


async def excuse(call: Call) -> Answer:
    invocation = call.invocation
    member = invocation.integer("member")
    assert member is not None  # required; resolved by the layer
    talk, found = await call.services.attendance.excuse(
        call.place_id, call.account_id, member, invocation.text("talk"), invocation.text("reason")
    )
    who = call.style.person(member, await _name(call, member))
    return Answer(excused_text(who, talk, found, call.style))


async def _name(call: Call, account_id: int) -> str:
    overview = await call.services.registration.overview(call.place_id)
    for row in overview.rows:
        if row.participant.user_id == account_id:
            return row.participant.display_name
    return ""
