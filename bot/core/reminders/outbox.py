"""What the engine hands a front end to send, and the interface each front end implements.

The engine never imports a platform: Discord, Matrix and the terminal each implement
`Outbox` (bot/discord/outbox.py, bot/matrix/outbox.py, bot/console/outbox.py) and
render a `Notice` in their own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Notice:
    """A message with `{name}` placeholders for instants the front end renders."""

    template: str
    instants: dict[str, int] = field(default_factory=dict)
    ping_role_id: int | None = None
    # `{name}` placeholders for people (account ids): each platform names them in its
    # own way, never pinging.
    people: dict[str, int] = field(default_factory=dict)


def literal(text: str) -> str:
    """User text placed into a Notice template, with its braces kept literal."""
    return text.replace("{", "{{").replace("}", "}}")


class DeliveryFailed(Exception):
    """A send that did not go out; `permanent` says whether retrying can help."""

    def __init__(self, reason: str, *, permanent: bool = False, dms_closed: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.dms_closed = dms_closed


class Outbox(Protocol):
    """How one platform delivers what the bot sends on its own.

    `channel_id` is the place id public posts go to, `user_id` an account id. The
    nonce is stable across retries of one delivery: a platform that can, uses it to
    drop a duplicate re-send (Discord's enforce_nonce, Matrix's transaction id).
    """

    async def post(self, channel_id: int, notice: Notice, *, nonce: str) -> None: ...

    async def direct(self, user_id: int, notice: Notice, *, nonce: str) -> None: ...

    async def mention(
        self, channel_id: int, user_ids: list[int], notice: Notice, *, nonce: str
    ) -> None: ...
