"""Handlers: /admin announce."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.core.errors import DomainError


async def cancel(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")


async def list_(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")


async def post(call: Call) -> Answer:
    raise DomainError("This command is not available here yet.")
