"""What repository functions need from a connection: a Database or an open Transaction."""

from __future__ import annotations

from typing import Any, Protocol

from bot.store.database import Params, Row


class Reader(Protocol):
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def fetch_value(self, sql: str, params: Params = ()) -> Any: ...
