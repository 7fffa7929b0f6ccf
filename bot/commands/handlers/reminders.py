"""Handlers: reminders."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.core.errors import DomainError


async def set_dm(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")
