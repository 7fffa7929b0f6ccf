"""What the Matrix front end needs from the core's identity seam (services.identities).

A structural protocol, so this package depends on the shape, not on how the
core stores accounts and places.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.models import Platform


class Identities(Protocol):
    async def account(self, platform: Platform, external_id: str) -> int: ...

    async def place(self, platform: Platform, external_id: str) -> int: ...

    async def external_account(self, account_id: int) -> tuple[Platform, str] | None: ...

    async def external_place(self, place_id: int) -> tuple[Platform, str] | None: ...

    async def timezone(self, account_id: int) -> str | None: ...
