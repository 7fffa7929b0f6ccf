"""`/reminders`: turn reminder DMs on or off."""

from __future__ import annotations

from bot.commands.context import Answer, Call


async def set_dm(call: Call) -> Answer:
    enabled = call.invocation.flag("dm")
    await call.services.announcements.set_dm_reminders(call.place_id, call.account_id, enabled)
    style = call.style
    if enabled:
        return Answer(
            f"Reminder DMs are {style.bold('on')}: I will message you privately before "
            "deadlines that concern you."
        )
    return Answer(
        f"Reminder DMs are {style.bold('off')}. Reminders still appear in the seminar's channel."
    )
