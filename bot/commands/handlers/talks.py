"""`/talks`: the block-seminar programme, by day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands.context import Answer, Call, Style
from bot.core.talks import Programme, Talk


def talk_line(talk: Talk, style: Style, zone: ZoneInfo, name: str) -> str:
    start = datetime.fromtimestamp(talk.starts_at, zone).strftime("%H:%M")
    end = datetime.fromtimestamp(talk.ends_at, zone).strftime("%H:%M")
    return (
        f"{start}–{end} #{talk.position} {style.code(talk.paper_code)} "
        f"{style.escape(talk.paper_title)} — {style.person(talk.user_id, name)}"
    )


NONE_LEFT = "No talks are left in the programme."


def programme_title(programme: Programme) -> str:
    return f"Block seminar — {programme.seminar.title}"


def programme_summary(programme: Programme) -> str:
    return (
        f"{len(programme.talks)} talks of {programme.talk_minutes} min, "
        f"{programme.break_minutes} min between talks. Attendance is required on every day."
    )


def programme_text(programme: Programme, style: Style, names: Mapping[int, str]) -> str:
    seminar = programme.seminar
    lines = [programme_summary(programme)]
    for day in programme.days:
        lines.append("")
        lines.append(style.bold(f"Day {day.index + 1}") + f" — {style.when(day.starts_at)}")
        lines.extend(
            "• " + talk_line(talk, style, seminar.tz, names.get(talk.user_id, ""))
            for talk in day.talks
        )
    if not programme.days:
        lines.append(NONE_LEFT)
    lines.append("")
    lines.append(
        f"Talk times are in {seminar.timezone}. {style.code(style.command('assignment'))} "
        "shows your slot."
    )
    return "\n".join(lines)


async def show(call: Call) -> Answer:
    programme = await call.services.talks.programme(call.place_id)
    return Answer(
        programme_text(programme, call.style, await presenter_names(call)),
        title=programme_title(programme),
    )


async def presenter_names(call: Call) -> dict[int, str]:
    overview = await call.services.registration.overview(call.place_id)
    return {row.participant.user_id: row.participant.display_name for row in overview.rows}
