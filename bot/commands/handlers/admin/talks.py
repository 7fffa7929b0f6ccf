"""`/admin talks schedule`: the block-seminar programme."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.talks import presenter_names, programme_text
from bot.core.talks import Programme


async def schedule(call: Call) -> Answer:
    invocation = call.invocation
    talk_minutes = invocation.integer("talk_minutes")
    break_minutes = invocation.integer("break_minutes")
    per_day = invocation.integer("per_day")
    # Required and range-checked by the parser.
    assert talk_minutes is not None and break_minutes is not None and per_day is not None
    programme = await call.services.talks.schedule(
        call.place_id,
        call.account_id,
        invocation.text("start"),
        talk_minutes,
        break_minutes,
        per_day,
    )
    names = await presenter_names(call)
    return Answer(
        f"{scheduled_text(programme, call.style)}\n\n"
        + programme_text(programme, call.style, names),
        title="Block-seminar programme",
    )


def scheduled_text(programme: Programme, style: Style) -> str:
    days = len(programme.days)
    again = " (replacing the previous one)" if programme.revision > 1 else ""
    talks = style.code(style.command("talks"))
    return (
        f"Programme scheduled{again}: {len(programme.talks)} talks over {days} "
        f"day{'' if days == 1 else 's'}. Presenters are reminded a day and an hour before "
        f"their talk, everyone the day before each block day. {talks} shows it to everyone."
    )
