"""`/join` and `/leave`, with the waitlist."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Confirmation, Style
from bot.core.models import ParticipantStatus
from bot.core.registration import JoinResult
from bot.core.services import Services

LEAVE_LABEL = "Yes, leave"


def joined_text(result: JoinResult, style: Style) -> str:
    title = style.bold(style.escape(result.seminar.title))
    if result.status is ParticipantStatus.REGISTERED:
        if result.already:
            return f"You are already registered for {title}."
        return (
            f"Welcome! You are registered for {title}. Next: browse "
            f"{style.code(style.command('papers'))} and rank your favourites with "
            f"{style.code(style.command('prefs set'))}."
        )
    prefix = "You are already on" if result.already else "The seminar is full, so you are on"
    return (
        f"{prefix} the waitlist for {title}, position "
        f"{style.bold(str(result.waitlist_position))}. You will be told as soon as a place "
        "frees up."
    )


async def leave_question(services: Services, place: int | None, account: int, style: Style) -> str:
    """What leaving would take away, asked before anything happens; refuses who cannot leave."""
    participant = await services.registration.check_leave(place, account)
    what = (
        "leave the waitlist"
        if participant.status is ParticipantStatus.WAITLISTED
        else "de-register from the seminar; your paper preferences will be deleted"
    )
    if participant.status is ParticipantStatus.REGISTERED:
        mine = await services.assignments.mine(place, account)
        if mine.published_at is not None and mine.paper is not None:
            what += f", and your paper {style.code(mine.paper.code)} goes back to the organisers"
    return f"Do you really want to {what}?"


def left_text(style: Style) -> str:
    return (
        f"Done: you have left. You can {style.code(style.command('join'))} again while "
        "places are free."
    )


async def join(call: Call) -> Answer:
    actor = call.invocation.actor
    result = await call.services.registration.join(
        call.place_id, actor.account_id, actor.display_name
    )
    return Answer(joined_text(result, call.style))


async def leave(call: Call) -> Answer:
    style = call.style
    services = call.services
    place, account = call.place_id, call.account_id
    question = await leave_question(services, place, account, style)

    async def confirmed() -> Answer:
        # Promotion of whoever waits next is told through the delivery log by the core.
        await services.registration.leave(place, account)
        return Answer(left_text(style))

    return Answer(question, confirm=Confirmation(question, LEAVE_LABEL, confirmed))
