"""The reminder engine's Outbox for Matrix: room posts, DMs, and mentions as fallback.

Each send's transaction id is derived from the delivery log's nonce, so a
re-send after a crash (same device, same token) is de-duplicated by the
homeserver. A 429 is waited out as the homeserver asks (`PacedHTTPAPI`); a DM
that cannot be delivered raises `DeliveryFailed(dms_closed=True)`, and the
dispatcher falls back to `mention` in the seminar room.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import ClientError
from mautrix.errors import MatrixConnectionError, MatrixRequestError, MForbidden, MNotFound
from mautrix.types import RoomID, UserID

from bot.commands.spelling import respell
from bot.core.clock import Clock
from bot.core.models import DEFAULT_TIMEZONE, Platform
from bot.core.reminders.outbox import DeliveryFailed, Notice
from bot.core.timeutil import zone as zone_named
from bot.matrix.render import Person, content, people_in, when

if TYPE_CHECKING:
    from bot.matrix.client import MatrixSession

log = logging.getLogger(__name__)


def txn_id(nonce: str, part: str = "") -> str:
    """A transaction id that is the same for every re-send of one delivery."""
    return "sb" + hashlib.sha256(f"{nonce}/{part}".encode()).hexdigest()[:40]


class MatrixOutbox:
    """Built before login (the composition root wires it first); sends once started."""

    def __init__(self, session: Callable[[], MatrixSession], clock: Clock) -> None:
        self._session = session
        self.clock = clock

    @property
    def session(self) -> MatrixSession:
        return self._session()

    async def post(self, channel_id: int, notice: Notice, *, nonce: str) -> None:
        room = await self._room(channel_id)
        zone = await self.session.room_zone(room)
        event = await self._content(notice, zone, ping_room=notice.ping_role_id is not None)
        await self._send(room, event, nonce)

    async def direct(self, user_id: int, notice: Notice, *, nonce: str) -> None:
        mxid = await self._user(user_id)
        if await self.session.store.dm_closed(mxid):
            raise DeliveryFailed("they left their DM room", permanent=True, dms_closed=True)
        try:
            room = await self.session.dm_room(mxid)
        except (MForbidden, MNotFound) as exc:
            raise DeliveryFailed(f"cannot open a DM: {exc}", dms_closed=True) from exc
        except MatrixRequestError as exc:
            raise DeliveryFailed(f"opening a DM failed: {exc}") from exc
        except (MatrixConnectionError, ClientError, TimeoutError) as exc:
            raise DeliveryFailed(f"opening a DM failed: {exc}") from exc
        zone = await self.session.account_zone(user_id, mxid)
        event = await self._content(notice, zone)
        try:
            await self._send(room, event, nonce)
        except DeliveryFailed as exc:
            if exc.permanent:
                # Most likely they left the DM room.
                await self.session.store.close_dm(room)
                raise DeliveryFailed(exc.reason, permanent=True, dms_closed=True) from exc
            raise

    async def mention(
        self, channel_id: int, user_ids: list[int], notice: Notice, *, nonce: str
    ) -> None:
        room = await self._room(channel_id)
        zone = await self.session.room_zone(room)
        users = [await self._user(account) for account in user_ids]
        event = await self._content(
            notice, zone, ping_users=users, lead="(I could not reach you by DM, so here:) "
        )
        await self._send(room, event, nonce)

    # -- inside -------------------------------------------------------------------------

    async def _room(self, place_id: int) -> RoomID:
        found = await self.session.identities.external_place(place_id)
        if found is None or found[0] is not Platform.MATRIX:
            raise DeliveryFailed(f"place {place_id} is not a Matrix room", permanent=True)
        return RoomID(found[1])

    async def _user(self, account_id: int) -> UserID:
        found = await self.session.identities.external_account(account_id)
        if found is None or found[0] is not Platform.MATRIX:
            raise DeliveryFailed(f"account {account_id} is not a Matrix user", permanent=True)
        return UserID(found[1])

    async def _content(
        self,
        notice: Notice,
        zone: ZoneInfo,
        *,
        ping_room: bool = False,
        ping_users: list[UserID] | None = None,
        lead: str = "",
    ) -> dict[str, Any]:
        now = self.clock.now()
        values = {name: when(unix, zone, now) for name, unix in notice.instants.items()}
        # People are `{placeholders}` too: named as `<@id>`, which `render` turns into
        # a link that never pings.
        for name, account in notice.people.items():
            values[name] = f"<@{account}>"
        text = lead + respell(notice.template.format(**values), Platform.MATRIX)
        people = await self.session.people(people_in(text))
        return content(
            text,
            people=people,
            ping_room=ping_room,
            ping_users=[str(u) for u in ping_users or []],
        )

    async def _send(self, room: RoomID, event: dict[str, Any], nonce: str) -> None:
        try:
            await self.session.send(room, event, txn_id(nonce))
        except (MForbidden, MNotFound) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=True) from exc
        except MatrixRequestError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        except (MatrixConnectionError, ClientError, TimeoutError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


def default_zone() -> ZoneInfo:
    return zone_named(DEFAULT_TIMEZONE)


__all__ = ["MatrixOutbox", "Person", "txn_id"]
