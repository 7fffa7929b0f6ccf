"""Handlers: registration."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.core.errors import DomainError


async def join(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")


async def leave(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")
