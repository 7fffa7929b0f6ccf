"""Handlers: /admin papers."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.core.errors import DomainError


async def add(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")


async def edit(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")


async def import_(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")


async def remove(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")
