"""`timezone [zone]`: the zone times are shown in for this reader (Matrix, console).

Discord shows every reader their own zone by itself, so it has no such command.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands.context import Answer, Call
from bot.core.models import DEFAULT_TIMEZONE

# What puts a reader back on the seminar's zone.
BACK_TO_SEMINAR = frozenset({"seminar", "default", "reset", "none", "off"})


async def timezone(call: Call) -> Answer:
    style = call.style
    identities = call.services.identities
    seminar = await call.services.seminars.find(call.place_id)
    seminar_zone = seminar.timezone if seminar is not None else DEFAULT_TIMEZONE
    wanted = call.invocation.text("zone").strip()
    if not wanted:
        chosen = await identities.timezone(call.account_id)
        change = (
            f"Change it with {style.code(style.command('timezone Europe/Lisbon'))}, or go back "
            f"to the seminar's with {style.code(style.command('timezone seminar'))}."
        )
        if chosen is None:
            return Answer(
                f"Times are shown in the seminar's timezone, {style.bold(seminar_zone)}. {change}"
            )
        return Answer(f"Times are shown in your timezone, {style.bold(chosen)}. {change}")
    if wanted.lower() in BACK_TO_SEMINAR:
        await identities.set_timezone(call.account_id, None)
        return Answer(
            f"Times are shown in the seminar's timezone again, {style.bold(seminar_zone)}."
        )
    chosen = await identities.set_timezone(call.account_id, wanted)
    assert chosen is not None
    local = datetime.fromtimestamp(call.services.clock.now(), ZoneInfo(chosen))
    return Answer(
        f"Times are now shown in {style.bold(chosen)} (it is {local.strftime('%H:%M')} "
        f"there). Deadlines stay where the organisers set them; only how they are shown "
        "changes."
    )
