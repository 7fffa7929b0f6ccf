"""A small typed Matrix client for tests: the raw Client-Server API over aiohttp.

    alice = MatrixClient(server.base_url, user.user_id, user.access_token)
    room = await alice.create_room(invite=[bob.user_id])
    mark = bob.cursor()
    await alice.send_text(room, "!seminar")
    reply = await bob.wait_for(lambda e: e.body == "!seminar", room_id=room, after=mark)
    await alice.close()

Events reach the client only through `sync()`, which `wait_for` calls (long-polling) until
an event matches. Every timeline event seen is kept in `events`, in order; `cursor()` is a
position in that list, so "a reply after my command" is `wait_for(..., after=mark)`.
Invites are joined during sync when `auto_join` (the default), which is how a user follows
the DM room the bot opens with them; `invites` records who invited us where.
"""

# The public helpers take `timeout=` like asyncio.wait_for; that is the API tests want.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp

MEGOLM = "m.megolm.v1.aes-sha2"

# What a test needs from /sync: timelines and invites; no presence, no account data.
_SYNC_FILTER: dict[str, Any] = {
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
    "room": {
        "timeline": {"limit": 100},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
}


class MatrixError(Exception):
    """A Client-Server API call answered with an error status."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        body_map: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
        self.status = status
        self.body = body
        self.errcode: str | None = body_map.get("errcode")
        self.error: str | None = body_map.get("error")
        retry = body_map.get("retry_after_ms")
        self.retry_after_ms: int | None = int(retry) if isinstance(retry, int | float) else None
        super().__init__(f"{method} {path} -> HTTP {status}: {body}")


@dataclass(frozen=True)
class Event:
    """A room event as a test reads it."""

    room_id: str
    event_id: str
    type: str
    sender: str
    content: dict[str, Any]
    state_key: str | None = None
    origin_server_ts: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, room_id: str, data: Mapping[str, Any]) -> Event:
        return cls(
            room_id=room_id,
            event_id=str(data.get("event_id", "")),
            type=str(data.get("type", "")),
            sender=str(data.get("sender", "")),
            content=dict(data.get("content") or {}),
            state_key=data.get("state_key"),
            origin_server_ts=int(data.get("origin_server_ts", 0)),
            raw=dict(data),
        )

    @property
    def is_message(self) -> bool:
        return self.type == "m.room.message"

    @property
    def body(self) -> str:
        """The plain `body` of a message ("" for anything else)."""
        value = self.content.get("body", "") if self.is_message else ""
        return value if isinstance(value, str) else ""

    @property
    def formatted_body(self) -> str | None:
        value = self.content.get("formatted_body")
        return value if isinstance(value, str) else None

    @property
    def msgtype(self) -> str | None:
        value = self.content.get("msgtype")
        return value if isinstance(value, str) else None

    @property
    def relates_to(self) -> dict[str, Any]:
        value = self.content.get("m.relates_to")
        return dict(value) if isinstance(value, Mapping) else {}

    @property
    def in_reply_to(self) -> str | None:
        """The event id this message replies to, if it is a reply."""
        reply = self.relates_to.get("m.in_reply_to")
        if isinstance(reply, Mapping) and isinstance(reply.get("event_id"), str):
            return str(reply["event_id"])
        return None

    @property
    def mentions(self) -> dict[str, Any] | None:
        """`m.mentions` as sent (None when the key is absent: clients then scan the body)."""
        value = self.content.get("m.mentions")
        return dict(value) if isinstance(value, Mapping) else None


def joined(event: Event, user_id: str) -> bool:
    """`user_id` has joined: its membership event says "join" (an invite is one too)."""
    return (
        event.type == "m.room.member"
        and event.state_key == user_id
        and event.content.get("membership") == "join"
    )


@dataclass(frozen=True)
class Invite:
    room_id: str
    inviter: str
    is_direct: bool


Predicate = Callable[[Event], bool]


class MatrixClient:
    """One logged-in user (access token) talking to one homeserver."""

    def __init__(
        self,
        base_url: str,
        user_id: str,
        access_token: str,
        *,
        device_id: str | None = None,
        auto_join: bool = True,
        retry_rate_limited: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.user_id = user_id
        self.access_token = access_token
        self.device_id = device_id
        self.auto_join = auto_join
        # Off by default: a test of rate limiting wants to see the 429 itself.
        self.retry_rate_limited = retry_rate_limited
        self.events: list[Event] = []
        self.invites: dict[str, Invite] = {}
        self.joined_rooms: set[str] = set()
        self.next_batch: str | None = None
        self._session: aiohttp.ClientSession | None = None
        self._sync_lock = asyncio.Lock()
        self._filter_id: str | None = None

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def login(
        cls, base_url: str, user_id: str, password: str, *, device_id: str | None = None
    ) -> MatrixClient:
        """Password login (spends rc_login on a server with default limits)."""
        body: dict[str, Any] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user_id},
            "password": password,
        }
        if device_id is not None:
            body["device_id"] = device_id
        anonymous = cls(base_url, user_id, "")
        try:
            answer = await anonymous.request("POST", "/_matrix/client/v3/login", body, auth=False)
        finally:
            await anonymous.close()
        return cls(
            base_url, answer["user_id"], answer["access_token"], device_id=answer["device_id"]
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> MatrixClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ HTTP

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(base_url=self.base_url)
        return self._session

    async def request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        data: bytes | None = None,
        content_type: str | None = None,
        auth: bool = True,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        """One API call; a JSON object back, or MatrixError (with errcode, retry_after_ms)."""
        while True:
            status, answer = await self._send(
                method, path, body, params, data, content_type, auth, timeout
            )
            if status == 200:
                result: dict[str, Any] = answer
                return result
            error = MatrixError(method, path, status, answer)
            if status == 429 and self.retry_rate_limited and error.retry_after_ms is not None:
                # Honour the server's own wait, as a well-behaved client must.
                await asyncio.sleep(error.retry_after_ms / 1000)
                continue
            raise error

    async def _send(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        params: Mapping[str, str] | None,
        data: bytes | None,
        content_type: str | None,
        auth: bool,
        timeout: float,
    ) -> tuple[int, Any]:
        headers: dict[str, str] = {}
        if auth:
            headers["Authorization"] = f"Bearer {self.access_token}"
        if content_type is not None:
            headers["Content-Type"] = content_type
        async with self._http().request(
            method,
            path,
            json=body if data is None else None,
            data=data,
            params=params,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            return response.status, await response.json(content_type=None)

    async def download(self, mxc: str, *, timeout: float = 30.0) -> bytes:
        """GET /_matrix/client/v1/media/download/{server}/{media id}, authenticated."""
        server, media_id = _split_mxc(mxc)
        path = f"/_matrix/client/v1/media/download/{_q(server)}/{_q(media_id)}"
        headers = {"Authorization": f"Bearer {self.access_token}"}
        async with self._http().get(
            path, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            content = await response.read()
            if response.status != 200:
                raise MatrixError("GET", path, response.status, _json_or_text(content))
            return content

    # ------------------------------------------------------------------ rooms

    async def create_room(
        self,
        *,
        name: str | None = None,
        topic: str | None = None,
        invite: Iterable[str] = (),
        is_direct: bool = False,
        preset: str | None = None,
        encrypted: bool = False,
        room_version: str | None = None,
        power_level_content_override: Mapping[str, Any] | None = None,
        initial_state: Iterable[Mapping[str, Any]] = (),
    ) -> str:
        """POST /createRoom; returns the room id. Preset defaults to private_chat
        (trusted_private_chat when is_direct), as Element does."""
        body: dict[str, Any] = {
            "preset": preset or ("trusted_private_chat" if is_direct else "private_chat"),
            "invite": list(invite),
            "is_direct": is_direct,
        }
        if name is not None:
            body["name"] = name
        if topic is not None:
            body["topic"] = topic
        if room_version is not None:
            body["room_version"] = room_version
        if power_level_content_override is not None:
            body["power_level_content_override"] = dict(power_level_content_override)
        state = [dict(s) for s in initial_state]
        if encrypted:
            state.append(
                {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}
            )
        if state:
            body["initial_state"] = state
        answer = await self.request("POST", "/_matrix/client/v3/createRoom", body)
        room_id: str = answer["room_id"]
        self.joined_rooms.add(room_id)
        return room_id

    async def invite(self, room_id: str, user_id: str) -> None:
        await self.request(
            "POST", f"/_matrix/client/v3/rooms/{_q(room_id)}/invite", {"user_id": user_id}
        )

    async def join(self, room_id_or_alias: str) -> str:
        answer = await self.request("POST", f"/_matrix/client/v3/join/{_q(room_id_or_alias)}", {})
        room_id: str = answer["room_id"]
        self.joined_rooms.add(room_id)
        return room_id

    async def leave(self, room_id: str) -> None:
        await self.request("POST", f"/_matrix/client/v3/rooms/{_q(room_id)}/leave", {})
        self.joined_rooms.discard(room_id)

    async def state(self, room_id: str, event_type: str, state_key: str = "") -> dict[str, Any]:
        """The content of one state event (MatrixError 404 if there is none)."""
        path = f"/_matrix/client/v3/rooms/{_q(room_id)}/state/{_q(event_type)}/{_q(state_key)}"
        return await self.request("GET", path)

    async def put_state(
        self, room_id: str, event_type: str, content: Mapping[str, Any], state_key: str = ""
    ) -> str:
        path = f"/_matrix/client/v3/rooms/{_q(room_id)}/state/{_q(event_type)}/{_q(state_key)}"
        answer = await self.request("PUT", path, content)
        event_id: str = answer["event_id"]
        return event_id

    async def power_levels(self, room_id: str) -> dict[str, Any]:
        """The m.room.power_levels content. In room version 12 the room's creators are not
        in `users`: they have unlimited power (see `creators`)."""
        return await self.state(room_id, "m.room.power_levels")

    async def creators(self, room_id: str) -> list[str]:
        """Room version 12: the create event's sender plus `additional_creators`."""
        path = f"/_matrix/client/v3/rooms/{_q(room_id)}/state"
        answer: Any = await self.request("GET", path)
        # GET /state answers with a JSON list; request() passes it through untouched.
        for event in answer:
            if event.get("type") == "m.room.create":
                extra = event.get("content", {}).get("additional_creators", [])
                return [event["sender"], *extra]
        return []

    async def set_power_level(self, room_id: str, user_id: str, level: int) -> str:
        """Give `user_id` a power level (e.g. 50: a moderator, an organiser for the bot)."""
        levels = await self.power_levels(room_id)
        users = dict(levels.get("users", {}))
        users[user_id] = level
        levels["users"] = users
        return await self.put_state(room_id, "m.room.power_levels", levels)

    # ------------------------------------------------------------------ sending

    async def send_event(self, room_id: str, event_type: str, content: Mapping[str, Any]) -> str:
        """PUT /rooms/{room}/send/{type}/{txn} with a fresh transaction id; the event id."""
        txn = uuid.uuid4().hex
        path = f"/_matrix/client/v3/rooms/{_q(room_id)}/send/{_q(event_type)}/{txn}"
        answer = await self.request("PUT", path, content)
        event_id: str = answer["event_id"]
        return event_id

    async def send_text(
        self,
        room_id: str,
        body: str,
        *,
        reply_to: str | None = None,
        html: str | None = None,
        msgtype: str = "m.text",
        mentions: Mapping[str, Any] | None = None,
    ) -> str:
        """An m.text message (optionally a reply, with HTML, with m.mentions)."""
        content: dict[str, Any] = {"msgtype": msgtype, "body": body}
        if html is not None:
            content["format"] = "org.matrix.custom.html"
            content["formatted_body"] = html
        if reply_to is not None:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        if mentions is not None:
            content["m.mentions"] = dict(mentions)
        return await self.send_event(room_id, "m.room.message", content)

    async def react(self, room_id: str, event_id: str, key: str = "✅") -> str:
        """An m.reaction (annotation) on `event_id`."""
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return await self.send_event(room_id, "m.reaction", content)

    async def upload(
        self, data: bytes, *, filename: str, content_type: str = "application/octet-stream"
    ) -> str:
        """POST /_matrix/media/v3/upload; returns the mxc:// URI."""
        answer = await self.request(
            "POST",
            "/_matrix/media/v3/upload",
            params={"filename": filename},
            data=data,
            content_type=content_type,
        )
        uri: str = answer["content_uri"]
        return uri

    async def send_file(
        self,
        room_id: str,
        data: bytes,
        *,
        filename: str,
        content_type: str = "application/pdf",
        caption: str | None = None,
        reply_to: str | None = None,
    ) -> str:
        """Upload `data` and send it as m.file. With a caption, `body` is the caption and
        `filename` the file's name (Matrix 1.10 media captions); without, `body` is the name."""
        uri = await self.upload(data, filename=filename, content_type=content_type)
        content: dict[str, Any] = {
            "msgtype": "m.file",
            "body": caption if caption is not None else filename,
            "filename": filename,
            "url": uri,
            "info": {"size": len(data), "mimetype": content_type},
        }
        if reply_to is not None:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        return await self.send_event(room_id, "m.room.message", content)

    # ------------------------------------------------------------------ receiving

    async def sync(self, timeout: float = 0.0) -> None:
        """One /sync (long-polling up to `timeout` seconds); records events and invites and
        joins invited rooms when `auto_join`."""
        async with self._sync_lock:
            if self._filter_id is None:
                # Uploaded once, so the access log shows `filter=0`, not the whole filter.
                path = f"/_matrix/client/v3/user/{_q(self.user_id)}/filter"
                self._filter_id = str((await self.request("POST", path, _SYNC_FILTER))["filter_id"])
            params = {
                "timeout": str(int(timeout * 1000)),
                "filter": self._filter_id,
                "set_presence": "offline",
            }
            if self.next_batch is not None:
                params["since"] = self.next_batch
            answer = await self.request(
                "GET", "/_matrix/client/v3/sync", params=params, timeout=timeout + 30
            )
            self.next_batch = answer["next_batch"]
            rooms = answer.get("rooms", {})
            for room_id, room in rooms.get("join", {}).items():
                self.joined_rooms.add(room_id)
                for raw in room.get("timeline", {}).get("events", []):
                    self.events.append(Event.from_json(room_id, raw))
            for room_id, room in rooms.get("invite", {}).items():
                self._record_invite(room_id, room.get("invite_state", {}).get("events", []))
            for room_id in rooms.get("leave", {}):
                self.joined_rooms.discard(room_id)
        for room_id in [r for r in rooms.get("invite", {}) if self.auto_join]:
            await self.join(room_id)

    def _record_invite(self, room_id: str, stripped: list[dict[str, Any]]) -> None:
        for raw in stripped:
            if raw.get("type") == "m.room.member" and raw.get("state_key") == self.user_id:
                content = raw.get("content", {})
                self.invites[room_id] = Invite(
                    room_id, str(raw.get("sender", "")), bool(content.get("is_direct", False))
                )

    def cursor(self) -> int:
        """A position in `events`: pass it as `after=` to see only what arrives later."""
        return len(self.events)

    def find(
        self, predicate: Predicate, *, room_id: str | None = None, after: int = 0
    ) -> list[Event]:
        """Events seen so far (from position `after`) that match."""
        return [
            e
            for e in self.events[after:]
            if (room_id is None or e.room_id == room_id) and predicate(e)
        ]

    async def wait_for(
        self,
        predicate: Predicate,
        *,
        room_id: str | None = None,
        after: int = 0,
        timeout: float = 10.0,
        what: str = "a matching event",
    ) -> Event:
        """The first event (from position `after`, in `room_id` or any room) that matches,
        syncing until one arrives; TimeoutError listing the recent events otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.find(predicate, room_id=room_id, after=after)
            if found:
                return found[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"{self.user_id}: no {what} within {timeout}s"
                    f"{' in ' + room_id if room_id else ''}\n{self.describe(after=after)}"
                )
            await self.sync(timeout=min(remaining, 10.0))

    async def wait_for_text(
        self,
        *,
        sender: str | None = None,
        contains: str | None = None,
        msgtype: str | None = None,
        room_id: str | None = None,
        after: int = 0,
        timeout: float = 10.0,
    ) -> Event:
        """The first message matching all the given conditions (see `wait_for`)."""

        def matches(event: Event) -> bool:
            return (
                event.is_message
                and (sender is None or event.sender == sender)
                and (contains is None or contains in event.body)
                and (msgtype is None or event.msgtype == msgtype)
            )

        what = f"message{' from ' + sender if sender else ''}"
        what += f" containing {contains!r}" if contains else ""
        return await self.wait_for(
            matches, room_id=room_id, after=after, timeout=timeout, what=what
        )

    async def wait_for_invite(self, *, inviter: str | None = None, timeout: float = 10.0) -> Invite:
        """The first invite (from `inviter`) this client has seen; syncs until one arrives.
        With `auto_join` the room is joined by the time this returns."""
        deadline = time.monotonic() + timeout
        while True:
            for invite in self.invites.values():
                if inviter is None or invite.inviter == inviter:
                    return invite
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.user_id}: no invite from {inviter} within {timeout}s")
            await self.sync(timeout=min(remaining, 10.0))

    def describe(self, *, after: int = 0, last: int = 15) -> str:
        """The last events seen (for failure messages)."""
        lines = [
            f"  {e.room_id} {e.sender} {e.type} {e.msgtype or ''} {e.body[:120]!r}"
            for e in self.events[after:][-last:]
        ]
        return "recent events:\n" + ("\n".join(lines) if lines else "  (none)")


def _q(part: str) -> str:
    return quote(part, safe="")


def _split_mxc(mxc: str) -> tuple[str, str]:
    if not mxc.startswith("mxc://") or "/" not in mxc[6:]:
        raise ValueError(f"not an mxc:// URI: {mxc!r}")
    server, media_id = mxc[6:].split("/", 1)
    return server, media_id


def _json_or_text(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")
