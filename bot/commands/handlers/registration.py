"""`/join` and `/leave`, with the waitlist."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Confirmation
from bot.core.models import ParticipantStatus


async def join(call: Call) -> Answer:
    style = call.style
    actor = call.invocation.actor
    result = await call.services.registration.join(
        call.place_id, actor.account_id, actor.display_name
    )
    title = style.bold(style.escape(result.seminar.title))
    if result.status is ParticipantStatus.REGISTERED:
        if result.already:
            return Answer(f"You are already registered for {title}.")
        return Answer(
            f"Welcome! You are registered for {title}. Next: browse "
            f"{style.code(style.command('papers'))} and rank your favourites with "
            f"{style.code(style.command('prefs set'))}."
        )
    prefix = "You are already on" if result.already else "The seminar is full, so you are on"
    return Answer(
        f"{prefix} the waitlist for {title}, position "
        f"{style.bold(str(result.waitlist_position))}. You will be told as soon as a place "
        "frees up."
    )


async def leave(call: Call) -> Answer:
    style = call.style
    services = call.services
    place, account = call.place_id, call.account_id
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

    async def confirmed() -> Answer:
        # Promotion of whoever waits next is told through the delivery log by the core.
        await services.registration.leave(place, account)
        return Answer(
            f"Done: you have left. You can {style.code(style.command('join'))} again while "
            "places are free."
        )

    question = f"Do you really want to {what}?"
    return Answer(question, confirm=Confirmation(question, "Yes, leave", confirmed))
