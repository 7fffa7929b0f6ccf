"""`/admin announce post|list|cancel`."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Confirmation, Style, UsageError
from bot.core.errors import NotFound
from bot.core.models import Announcement, Platform

NONE_SCHEDULED = "No announcements are scheduled."
SCHEDULED = "Scheduled announcements"
CANCEL_LABEL = "Cancel it"
# Off Discord there are no roles: `ping:room` notifies the whole seminar room.
ROOM_PINGS = ("room", "everyone", "all", "yes", "true")


def posted_text(announcement: Announcement, scheduled: bool, where: str, style: Style) -> str:
    """`where` is the seminar's channel as the front end names it."""
    if scheduled:
        return f"Scheduled #{announcement.id} for {style.when(announcement.post_at)} in {where}."
    return f"Posting now in {where}."


def entry_heading(announcement: Announcement, ping: str, style: Style) -> str:
    """One scheduled announcement's first line; `ping` says whom it pings, if anyone."""
    return f"{style.bold(f'#{announcement.id}')} {style.when(announcement.post_at)}" + (
        f" · {ping}" if ping else ""
    )


def cancel_question(number: int) -> str:
    return f"Cancel scheduled announcement #{number}?"


def cancelled_text(number: int) -> str:
    return f"Cancelled announcement #{number}."


async def post(call: Call) -> Answer:
    style = call.style
    invocation = call.invocation
    ping = invocation.optional_text("ping")
    ping_id: int | None = None
    if ping is not None:
        if invocation.platform is Platform.DISCORD:
            ping_id = invocation.integer("ping")
        elif ping.strip().lower() in ROOM_PINGS:
            ping_id = call.place_id
        else:
            raise UsageError(
                "Here `ping` can only be `room` (notify everyone in the seminar's room)."
            )
    when = invocation.optional_text("when")
    _, announcement = await call.services.announcements.post(
        call.place_id, call.account_id, invocation.text("message"), when, ping_id
    )
    text = posted_text(announcement, bool(when), "the seminar's channel", style)
    if ping_id is not None:
        text += " It will notify everyone there."
    return Answer(text)


async def list_(call: Call) -> Answer:
    style = call.style
    found = await call.services.announcements.scheduled(call.place_id)
    if not found:
        return Answer(NONE_SCHEDULED)
    lines = [
        entry_heading(a, "with a ping" if a.ping_role_id else "", style)
        + f"\n  {style.escape(a.message)}"
        for a in found
    ]
    return Answer("\n".join(lines), title=SCHEDULED)


async def cancel(call: Call) -> Answer:
    service = call.services.announcements
    place, account = call.place_id, call.account_id
    number = call.invocation.integer("announcement")
    assert number is not None  # required, converted by the parser
    if number not in {a.id for a in await service.scheduled(place)}:
        raise NotFound(
            f"There is no scheduled announcement #{number} (it may have been posted or "
            "cancelled already). See `/admin announce list`."
        )

    async def confirmed() -> Answer:
        await service.cancel(place, account, number)
        return Answer(cancelled_text(number))

    question = cancel_question(number)
    return Answer(question, confirm=Confirmation(question, CANCEL_LABEL, confirmed))
