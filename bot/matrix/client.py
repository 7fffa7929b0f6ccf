"""The bot's Matrix session: login, one stable device, the sync loop, DM rooms, lookups.

Password login happens once: the device id and access token it returns are kept
in the Matrix store and reused on every start (a new login per start would make
a new device, and the homeserver's transaction-id de-duplication is per device).
With `MATRIX_ACCESS_TOKEN` the token's own device is used. The sync token is
saved only after a batch has been handled, so a crash re-handles the batch
instead of losing it; replies carry transaction ids derived from the event they
answer, so a re-handled command does not answer twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from mautrix.api import Method, Path
from mautrix.client import Client
from mautrix.errors import MatrixRequestError, MUnknownToken
from mautrix.types import (
    EventID,
    EventType,
    Filter,
    PowerLevelStateEventContent,
    PresenceState,
    RoomCreatePreset,
    RoomEventFilter,
    RoomFilter,
    RoomID,
    StateFilter,
    SyncToken,
    UserID,
)
from pydantic import SecretStr

from bot.core.clock import Clock
from bot.core.errors import NoSeminar
from bot.core.models import DEFAULT_TIMEZONE, Platform
from bot.core.services import Services
from bot.matrix.http import PacedHTTPAPI
from bot.matrix.identity import Identities
from bot.matrix.render import Person
from bot.matrix.store import MatrixStore

log = logging.getLogger(__name__)

ORGANISER_LEVEL = 50
DEVICE_NAME = "seminar-bot"
SYNC_TIMEOUT_MS = 30_000


class LoginRefused(Exception):
    """The homeserver refused the configured credentials (a setting is wrong)."""


@dataclass(frozen=True)
class MatrixConfig:
    homeserver: str
    user_id: str
    password: SecretStr | None
    access_token: SecretStr | None
    store_path: pathlib.Path
    max_upload_bytes: int
    download_timeout_seconds: float


BatchHandler = Callable[[list[dict[str, Any]], bool], Awaitable[None]]


class MatrixSession:
    """The logged-in client plus what the front end and outbox look up through it."""

    def __init__(
        self,
        config: MatrixConfig,
        store: MatrixStore,
        services: Services,
        identities: Identities,
        clock: Clock,
    ) -> None:
        self.config = config
        self.store = store
        self.services = services
        self.identities = identities
        self.clock = clock
        self.api = PacedHTTPAPI(config.homeserver)
        self.client = Client(
            mxid=UserID(config.user_id),
            api=self.api,
            state_store=store.state,
            sync_store=store,
        )
        self._dm_locks: dict[str, asyncio.Lock] = {}
        self._stopping = False
        # mautrix's handlers of the batch being handled (they keep the state cache).
        self._handlers: set[asyncio.Task[Any]] = set()
        self._batch: asyncio.Task[str] | None = None

    @property
    def me(self) -> UserID:
        return UserID(self.config.user_id)

    # -- login ----------------------------------------------------------------------------

    async def login(self) -> None:
        """Resume the stored session, or log in once and store it."""
        if self.config.access_token is not None:
            self.api.token = self.config.access_token.get_secret_value()
            await self._whoami()
            return
        stored_token = await self.store.get("access_token")
        stored_user = await self.store.get("user_id")
        if stored_token and stored_user == self.config.user_id:
            self.api.token = stored_token
            try:
                await self._whoami()
                return
            except LoginRefused:
                log.warning("the stored Matrix session was logged out; logging in again")
                await self.store.forget("access_token")
        assert self.config.password is not None
        device = await self.store.get("device_id")
        try:
            response = await self.client.login(
                identifier=UserID(self.config.user_id),
                password=self.config.password.get_secret_value(),
                device_id=device or None,
                device_name=DEVICE_NAME,
            )
        except MatrixRequestError as exc:
            raise LoginRefused(
                f"the homeserver refused MATRIX_USER_ID/MATRIX_PASSWORD ({exc.http_status})"
            ) from None
        self.api.token = response.access_token
        await self.store.put("user_id", self.config.user_id)
        await self.store.put("device_id", str(response.device_id))
        await self.store.put("access_token", response.access_token)
        log.info("logged in to Matrix as %s (device %s)", response.user_id, response.device_id)

    async def _whoami(self) -> None:
        try:
            who = await self.client.whoami()
        except MUnknownToken:
            raise LoginRefused("the homeserver refused the Matrix access token") from None
        except MatrixRequestError as exc:
            if exc.http_status in (401, 403):
                raise LoginRefused("the homeserver refused the Matrix access token") from None
            raise
        if who.user_id != self.config.user_id:
            raise LoginRefused(
                f"the access token belongs to {who.user_id}, not MATRIX_USER_ID "
                f"{self.config.user_id}"
            )
        self.client.device_id = who.device_id or self.client.device_id
        log.info("Matrix session resumed as %s (device %s)", who.user_id, who.device_id)

    # -- syncing --------------------------------------------------------------------------

    async def sync_forever(self, on_batch: BatchHandler, ready: asyncio.Event) -> None:
        """Long-poll /sync; hand each batch over, then store its token."""
        filter_id = await self.client.create_filter(
            Filter(
                presence=StateFilter(not_types=[EventType.PRESENCE]),
                account_data=StateFilter(
                    limit=0, not_types=[EventType("*", EventType.Class.ACCOUNT_DATA)]
                ),
                room=RoomFilter(
                    timeline=RoomEventFilter(limit=100),
                    ephemeral=RoomEventFilter(
                        not_types=[EventType("*", EventType.Class.EPHEMERAL)]
                    ),
                ),
            )
        )
        token: str | None = await self.store.get_next_batch() or None
        pause = 1.0
        while not self._stopping:
            try:
                data = await self.client.sync(
                    since=SyncToken(token) if token else None,
                    timeout=SYNC_TIMEOUT_MS if token else 0,
                    filter_id=filter_id,
                    set_presence=PresenceState.OFFLINE,
                )
            except asyncio.CancelledError:
                raise
            except MUnknownToken:
                if self.config.password is None:
                    log.error("the homeserver logged the bot's Matrix session out")
                    raise
                # Logged out (e.g. by an admin): log in again with the password.
                log.warning("the Matrix session was logged out; logging in again")
                await self.store.forget("access_token")
                await self.login()
                continue
            except Exception as exc:
                log.warning("Matrix sync failed (%s); retrying in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 60.0)
                continue
            pause = 1.0
            # Shielded: a stop cancels the long poll, never a batch half handled. A batch
            # cut off before its token is stored would run its commands again after a
            # restart (a second announcement, a question asked twice).
            self._batch = asyncio.create_task(self._handle_batch(data, token, on_batch))
            token = await asyncio.shield(self._batch)
            ready.set()

    async def _handle_batch(self, data: Any, token: str | None, on_batch: BatchHandler) -> str:
        """Handle one sync response, then store its token; the token to sync from next."""
        initial = token is None
        # mautrix's own handlers keep the room-state cache (members, power levels).
        tasks = self.client.handle_sync(data)
        self._handlers = set(tasks)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._handlers = set()
        try:
            await on_batch(_events_of(data), initial)
        except Exception:
            log.exception("handling a Matrix sync batch failed")
        next_token = str(data.get("next_batch") or token or "")
        await self.store.put_next_batch(SyncToken(next_token))
        return next_token

    def stop(self) -> None:
        self._stopping = True

    async def finish_batch(self, grace: float) -> None:
        """Let the batch being handled finish (and its token be stored), for `grace` s."""
        batch = self._batch
        if batch is None or batch.done():
            return
        _, late = await asyncio.wait({batch}, timeout=grace)
        if late:
            log.warning("a Matrix batch was still running after %.0f s; cut off", grace)
            batch.cancel()
            await asyncio.gather(batch, return_exceptions=True)

    # -- rooms and people -----------------------------------------------------------------

    async def send(self, room: RoomID, event: dict[str, Any], txn: str | None = None) -> EventID:
        """PUT one `m.room.message`; `txn` makes re-sends of it idempotent."""
        path = Path.v3.rooms[room].send["m.room.message"][txn or self.api.get_txn_id()]
        response = await self.api.request(Method.PUT, path, event, metrics_method="send")
        return EventID(str(response["event_id"]))

    async def power_level(self, room: RoomID, user: UserID) -> int:
        levels = await self.store.state.get_power_levels(room)
        create = await self.store.state.get_create(room)
        if levels is None or create is None:
            await self.client.get_state(room)  # fills the cache
            levels = await self.store.state.get_power_levels(room)
            create = await self.store.state.get_create(room)
        if levels is None:
            levels = PowerLevelStateEventContent()
        return levels.get_user_level(user, create)

    async def is_organiser(self, room: RoomID, user: UserID) -> bool:
        return await self.power_level(room, user) >= ORGANISER_LEVEL

    async def display_name(self, room: RoomID, user: UserID) -> str:
        member = await self.store.state.get_member(room, user)
        if member is not None and member.displayname:
            return str(member.displayname)
        return str(user)

    async def dm_room(self, user: UserID) -> RoomID:
        """The bot's DM room with `user`: remembered, or created unencrypted now."""
        lock = self._dm_locks.setdefault(str(user), asyncio.Lock())
        async with lock:
            known = await self.store.dm_room(user)
            if known:
                return known
            room = await self.client.create_room(
                preset=RoomCreatePreset.TRUSTED_PRIVATE,
                is_direct=True,
                invitees=[user],
                name="seminar-bot",
                topic="Private answers and reminders from the seminar bot.",
            )
            await self.store.remember_dm_room(user, room)
            log.info("created a DM room for %s", user)
            return room

    async def room_zone(self, room: RoomID) -> ZoneInfo:
        """The timezone of the seminar in `room` (the default when it has none)."""
        place = await self.identities.place(Platform.MATRIX, str(room))
        try:
            seminar = await self.services.seminars.seminar(place)
        except NoSeminar:
            return ZoneInfo(DEFAULT_TIMEZONE)
        return seminar.tz

    async def account_zone(self, account_id: int, user: UserID) -> ZoneInfo:
        """A person's chosen timezone, else their seminar room's."""
        chosen = await self.identities.timezone(account_id)
        if chosen:
            return ZoneInfo(chosen)
        home = await self.store.home_room(user)
        if home:
            return await self.room_zone(home)
        return ZoneInfo(DEFAULT_TIMEZONE)

    async def people(self, account_ids: Iterable[int]) -> dict[int, Person]:
        found: dict[int, Person] = {}
        for account in account_ids:
            external = await self.identities.external_account(account)
            if external is not None and external[0] is Platform.MATRIX:
                user = external[1]
                found[account] = Person(user, user)
        return found

    async def close(self) -> None:
        """After the sync task was cancelled: let its handlers finish, then the HTTP session."""
        self.stop()
        for task in self._handlers:
            task.cancel()
        if self._handlers:
            # A cancelled gather does not wait for its children; these may touch the store.
            await asyncio.gather(*self._handlers, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.api.session.close()


def _events_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The batch's timeline events and invites, in order, each with its room id."""
    events: list[dict[str, Any]] = []
    rooms = data.get("rooms", {})
    for room_id, room in rooms.get("join", {}).items():
        for raw in room.get("timeline", {}).get("events", []):
            events.append({**raw, "room_id": room_id})
    for room_id, room in rooms.get("invite", {}).items():
        state = room.get("invite_state", {}).get("events", [])
        events.append({"type": "seminar_bot.invite", "room_id": room_id, "state": state})
    for room_id in rooms.get("leave", {}):
        events.append({"type": "seminar_bot.left", "room_id": room_id})
    return events
