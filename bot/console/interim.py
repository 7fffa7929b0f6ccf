"""INTERIM until the lead's identity seam (bot/core/identities.py) lands on main:
console names and places kept in memory, with negative ids as the seam will give.
Delete this file once `services.identities` exists."""

from __future__ import annotations

from bot.core.models import Platform


class MemoryIdentities:
    def __init__(self) -> None:
        self._accounts: dict[tuple[Platform, str], int] = {}
        self._places: dict[tuple[Platform, str], int] = {}
        self._names: dict[int, tuple[Platform, str]] = {}
        self._next = -1

    async def account(self, platform: Platform, external_id: str, display_name: str = "") -> int:
        key = (platform, external_id)
        if key not in self._accounts:
            self._accounts[key] = self._next
            self._names[self._next] = key
            self._next -= 1
        return self._accounts[key]

    async def place(self, platform: Platform, external_id: str) -> int:
        key = (platform, external_id)
        if key not in self._places:
            self._places[key] = self._next
            self._next -= 1
        return self._places[key]

    async def external_account(self, account_id: int) -> tuple[Platform, str] | None:
        return self._names.get(account_id)
