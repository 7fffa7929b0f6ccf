"""`/attend`: check in to the talk whose window is open, with the code the presenter shows."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.talks import presenter_names
from bot.core.attendance import CheckIn


async def attend(call: Call) -> Answer:
    style = call.style
    done = await call.services.attendance.check_in(
        call.place_id, call.account_id, call.invocation.text("code")
    )
    talk = done.talk
    names = await presenter_names(call)
    who = style.person(talk.presenter_id, names.get(talk.presenter_id, ""))
    return Answer(
        checked_in_text(
            done, who, f"starts {style.when(talk.starts_at)}", style.when(done.at), style
        )
    )


def checked_in_text(done: CheckIn, who: str, during: str, at: str, style: Style) -> str:
    """`who` presents; `during` and `at` are the talk's time and the check-in's, as shown."""
    talk = done.talk
    return (
        f"✅ Checked in to talk {talk.position}, {style.code(talk.paper_code)} by {who} "
        f"({during}), at {at}."
    )
