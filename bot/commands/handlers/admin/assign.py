"""Handlers: /admin assign."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.core.errors import DomainError


async def pin(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")


async def publish(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")


async def run(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")


async def unpin(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")
