"""What the composition root needs of a chat front end (Discord, Matrix)."""

from __future__ import annotations

from typing import Protocol

from bot.core.models import Platform
from bot.core.reminders.outbox import Outbox


class FrontEnd(Protocol):
    @property
    def platform(self) -> Platform: ...

    @property
    def outbox(self) -> Outbox:
        """Where the reminder engine delivers this platform's notices."""

    async def start(self) -> None:
        """Log in; once this returns, the Outbox can deliver."""

    async def serve(self) -> None:
        """Receive commands until `close()`; raises if the connection is lost for good."""

    async def close(self, grace: float) -> None:
        """Disconnect; work in hand may take at most `grace` seconds to finish."""

    async def after_rebuild(self) -> None:
        """Called after the reminder engine re-planned (e.g. to mirror events)."""
