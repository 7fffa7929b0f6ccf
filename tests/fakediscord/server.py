"""A local fake of the Discord HTTP API and gateway, enough to run a discord.py 2.x bot.

One `FakeDiscord` = one aiohttp server on 127.0.0.1 (random port) serving
  - the REST API under /api/v10 (what a slash-command bot uses),
  - the gateway websocket at /gateway (plain JSON TEXT frames, no compression),
  - attachment downloads at /attachments/{id}/{filename}.
It owns one guild, records every request, validates what the bot sends against Discord's
documented limits, and lets tests inject interactions and failures. See README.md.
"""

# The public helpers take `timeout=` like asyncio.wait_for; that is the API tests want.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import mimetypes
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    CommandUnavailable,
    FakeDiscordError,
    FakeInteraction,
    InteractionFailed,
    InteractionResult,
    OptionBuilder,
    command_paths,
    find_command,
    nest_options,
)
from .models import (
    ChannelType,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    Injection,
    Perm,
    RecordedRequest,
    iso_now,
    perm_value,
    snowflake,
)

API_PREFIX = "/api/v10"

# Gateway intents
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_GUILD_SCHEDULED_EVENTS = 1 << 16
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Message flags
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15
CHANNEL_MESSAGE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
INTERACTION_MESSAGE_FLAGS = CHANNEL_MESSAGE_FLAGS | FLAG_EPHEMERAL

# enforce_nonce: a message with a nonce the bot used "in the past few minutes" is not
# created again; the earlier one is returned.
NONCE_WINDOW = 300.0
MAX_NONCE_LENGTH = 25

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


class ApiError(Exception):
    """An error answer in Discord's JSON error format.

    `invalid=True` means the bot sent something Discord refuses (bad form body, double
    acknowledgement, ...): such requests are also collected in `FakeDiscord.rejected`.
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        *,
        invalid: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message} {errors or ''}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.invalid = invalid
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def form_error(problems: list[tuple[tuple[Any, ...], str]]) -> ApiError:
    """400 Invalid Form Body with Discord's nested `errors` object."""
    errors: dict[str, Any] = {}
    for path, message in problems:
        node = errors
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": message})
    return ApiError(400, 50035, "Invalid Form Body", errors, invalid=True)


@dataclass
class Reply:
    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Upload:
    field: str
    filename: str
    data: bytes
    content_type: str | None


class _Conn:
    def __init__(self, ws: web.WebSocketResponse, query: dict[str, str]) -> None:
        self.ws = ws
        self.query = query
        self.lock = asyncio.Lock()
        self.session: GatewaySession | None = None

    async def send(self, frame: dict[str, Any]) -> None:
        async with self.lock:
            if self.ws.closed:
                return
            with contextlib.suppress(ConnectionResetError, RuntimeError):
                await self.ws.send_str(json.dumps(frame))


@dataclass(eq=False)
class GatewaySession:
    session_id: str
    intents: int
    identify: dict[str, Any]
    seq: int = 0
    frames: list[dict[str, Any]] = field(default_factory=list)
    conn: _Conn | None = None
    resumes: int = 0


class FakeDiscord:
    """A fake Discord for one bot and one guild. See the package README for the API."""

    def __init__(
        self,
        *,
        token: str | None = "fake-bot-token",
        guild_name: str = "TUM Deep Learning Theory",
        bot_name: str = "SeminarBot",
        interaction_timeout: float = 3.0,
        followup_timeout: float = 10.0,
        settle: float = 0.15,
        heartbeat_interval: float = 41.25,
        privileged_intents: int = 0,
    ) -> None:
        self.token = token
        self.interaction_timeout = interaction_timeout
        self.followup_timeout = followup_timeout
        self.settle_time = settle
        self.heartbeat_interval = heartbeat_interval
        self.privileged_intents = privileged_intents

        # ---- recording
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        self.rejected: list[RecordedRequest] = []
        self.injections: list[Injection] = []
        self.dm_failures: list[tuple[int, RecordedRequest]] = []
        self.closed_dms: set[int] = set()
        self.attachments: dict[int, FakeAttachment] = {}
        self.attachment_downloads: list[tuple[int, str, int]] = []  # (id, filename, status)
        self.messages: list[FakeMessage] = []
        self._messages_by_id: dict[int, FakeMessage] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self._by_token: dict[str, FakeInteraction] = {}
        self.late_interactions: list[FakeInteraction] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_syncs: list[tuple[int | None, list[dict[str, Any]]]] = []
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self.scheduled_events: dict[int, dict[str, Any]] = {}
        self.scheduled_event_log: list[tuple[str, dict[str, Any]]] = []
        self.gateway_log: list[dict[str, Any]] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.session: GatewaySession | None = None
        self.ready_generation = 0
        self.diagnostics: list[Callable[[], str]] = []
        self.global_rate_limit: float | None = None
        self.rate_limited: list[RecordedRequest] = []
        self.nonce_replays: list[RecordedRequest] = []
        self._nonces: dict[str, tuple[FakeMessage, float]] = {}
        self._rate_window: deque[float] = deque()
        self.last_request_at = time.monotonic()
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._conns: set[_Conn] = set()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

        # ---- the world
        self.bot_user = FakeUser(snowflake(), bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        gid = snowflake()
        owner = FakeUser(snowflake(), "ghoshdastidar", "Debarghya Ghoshdastidar")
        self.guild = FakeGuild(
            id=gid,
            name=guild_name,
            owner_id=owner.id,
            everyone=FakeRole(gid, "@everyone", Perm.EVERYONE_DEFAULT, position=0),
        )
        self.organiser_role = self._new_role("Organisers", 0, mentionable=True)
        self.admin_role = self._new_role("Admins", Perm.MANAGE_GUILD | Perm.MANAGE_EVENTS)
        self.bot_role = self._new_role(
            bot_name,
            Perm.VIEW_CHANNEL
            | Perm.SEND_MESSAGES
            | Perm.EMBED_LINKS
            | Perm.ATTACH_FILES
            | Perm.READ_MESSAGE_HISTORY
            | Perm.ADD_REACTIONS
            | Perm.MENTION_EVERYONE
            | Perm.USE_APPLICATION_COMMANDS
            | Perm.MANAGE_EVENTS
            | Perm.CREATE_EVENTS,
            managed=True,
            bot_id=self.bot_user.id,
        )
        self._channels: dict[int, FakeChannel] = {}
        self.general = self.add_channel("general")
        self.announcements = self.add_channel("announcements")
        self._dm_channels: dict[int, FakeChannel] = {}
        self.owner = self._add_member_obj(owner, [])
        self.bot_member = self._add_member_obj(self.bot_user, [self.bot_role])
        self.organiser = self.add_member(
            "craciun",
            roles=[self.organiser_role, self.admin_role],
            global_name="Alexandru Crăciun",
        )

    # ================================================================== lifecycle

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._handle_http)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        for conn in list(self._conns):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"fake discord stopping")
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise FakeDiscordError("FakeDiscord.start() has not been awaited")
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        """The environment variables that point the bot at this fake."""
        return {
            "DISCORD_TOKEN": self.token or "any-token",
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DEV_GUILD_ID": str(self.guild.id),
        }

    # ================================================================== the world

    def _new_role(
        self,
        name: str,
        permissions: int,
        *,
        mentionable: bool = False,
        managed: bool = False,
        bot_id: int | None = None,
    ) -> FakeRole:
        role = FakeRole(
            snowflake(),
            name,
            perm_value(permissions),
            position=len(self.guild.roles) + 1,
            mentionable=mentionable,
            managed=managed,
            bot_id=bot_id,
        )
        self.guild.roles.append(role)
        return role

    def add_role(self, name: str, permissions: Any = 0, *, mentionable: bool = False) -> FakeRole:
        role = self._new_role(name, perm_value(permissions), mentionable=mentionable)
        self._dispatch_soon(
            "GUILD_ROLE_CREATE", {"guild_id": str(self.guild.id), "role": role.to_payload()}
        )
        return role

    def add_channel(self, name: str, type: int = ChannelType.GUILD_TEXT) -> FakeChannel:
        channel = FakeChannel(
            snowflake(), name, type, guild_id=self.guild.id, position=len(self.guild.channels)
        )
        self.guild.channels.append(channel)
        self._channels[channel.id] = channel
        self._dispatch_soon("CHANNEL_CREATE", channel.to_payload())
        return channel

    def add_user(self, name: str, *, global_name: str | None = None) -> FakeUser:
        """A Discord user who is not a member of the guild."""
        user = FakeUser(snowflake(), name, global_name or name.capitalize())
        self.users[user.id] = user
        return user

    def _add_member_obj(self, user: FakeUser, roles: list[FakeRole]) -> FakeMember:
        self.users[user.id] = user
        member = FakeMember(user=user, guild=self.guild, roles=list(roles))
        self.guild.members[user.id] = member
        return member

    def add_member(
        self,
        name: str,
        *,
        roles: list[FakeRole | str] | tuple[FakeRole | str, ...] = (),
        permissions: Any = None,
        global_name: str | None = None,
        nick: str | None = None,
    ) -> FakeMember:
        """Add a guild member. `permissions` (int or discord.Permissions) is granted through an
        extra role named "<name> permissions", so role-based permission checks agree."""
        user = FakeUser(snowflake(), name, global_name or name.capitalize())
        role_objs = [self._resolve_role(r) for r in roles]
        if permissions is not None:
            role_objs.append(self._new_role(f"{name} permissions", perm_value(permissions)))
        member = self._add_member_obj(user, role_objs)
        member.nick = nick
        if self.session is not None and self.session.intents & INTENT_GUILD_MEMBERS:
            payload = member.to_payload()
            payload["guild_id"] = str(self.guild.id)
            self._dispatch_soon("GUILD_MEMBER_ADD", payload)
        return member

    def remove_member(self, member: FakeMember) -> None:
        self.guild.members.pop(member.id, None)
        if self.session is not None and self.session.intents & INTENT_GUILD_MEMBERS:
            self._dispatch_soon(
                "GUILD_MEMBER_REMOVE",
                {"guild_id": str(self.guild.id), "user": member.user.to_payload()},
            )

    def add_attachment(
        self,
        filename: str,
        data: bytes,
        content_type: str | None = None,
        *,
        behaviour: str = "ok",
    ) -> FakeAttachment:
        """Register a file a user "uploads"; pass the result as an attachment option.

        behaviour: "ok" (served), "404" (download fails), "hang" (download never completes).
        """
        if content_type is None:
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        att_id = snowflake()
        att = FakeAttachment(
            id=att_id,
            filename=filename,
            data=data,
            content_type=content_type,
            url=f"{self.base_url}/attachments/{att_id}/{filename}",
            behaviour=behaviour,
        )
        self.attachments[att_id] = att
        return att

    def set_attachment_behaviour(self, attachment: FakeAttachment | int, behaviour: str) -> None:
        att = self._resolve_attachment(attachment)
        if behaviour not in ("ok", "404", "hang"):
            raise ValueError(behaviour)
        att.behaviour = behaviour

    # ---- resolvers used by option building

    def _resolve_user(self, value: Any) -> FakeUser:
        if isinstance(value, FakeMember):
            return value.user
        if isinstance(value, FakeUser):
            return value
        if isinstance(value, int) and value in self.users:
            return self.users[value]
        if isinstance(value, str):
            for user in self.users.values():
                if user.username == value:
                    return user
        raise FakeDiscordError(f"unknown user {value!r}")

    def _resolve_role(self, value: Any) -> FakeRole:
        if isinstance(value, FakeRole):
            return value
        for role in self.guild.all_roles():
            if value in (role.id, role.name):
                return role
        raise FakeDiscordError(f"unknown role {value!r}")

    def _resolve_channel(self, value: Any) -> FakeChannel:
        if isinstance(value, FakeChannel):
            return value
        if isinstance(value, int) and value in self._channels:
            return self._channels[value]
        if isinstance(value, str):
            return self.guild.channel(value.lstrip("#"))
        raise FakeDiscordError(f"unknown channel {value!r}")

    def _resolve_attachment(self, value: Any) -> FakeAttachment:
        if isinstance(value, FakeAttachment):
            return value
        if isinstance(value, dict) and "id" in value:
            return self.attachments[int(value["id"])]
        if isinstance(value, int):
            return self.attachments[value]
        if isinstance(value, tuple) and len(value) in (2, 3):
            return self.add_attachment(*value)
        raise FakeDiscordError(
            "an attachment option takes fake.add_attachment(...) or (filename, bytes), "
            f"not {value!r}"
        )

    def _permissions_in(self, user: FakeUser, channel: FakeChannel) -> int:
        if channel.is_dm:
            return Perm.DM_DEFAULT
        member = self.guild.members.get(user.id)
        return member.permissions if member else 0

    def dm_channel(self, user: FakeUser | FakeMember) -> FakeChannel:
        """The DM channel between the bot and `user` (created on first use)."""
        user = self._resolve_user(user)
        channel = self._dm_channels.get(user.id)
        if channel is None:
            channel = FakeChannel(snowflake(), "", ChannelType.DM, recipient=user)
            self._dm_channels[user.id] = channel
            self._channels[channel.id] = channel
        return channel

    # ================================================================== failure injection

    def inject(
        self,
        status: int,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Injection:
        """The next `times` requests matching `method` and the regex `path` get `status`."""
        inj = Injection(
            status=status,
            method=method,
            path=path,
            times=times,
            body=body,
            headers=dict(headers or {}),
        )
        self.injections.append(inj)
        return inj

    def rate_limit(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        retry_after: float = 0.25,
        is_global: bool = False,
    ) -> Injection:
        """Answer 429 (as Discord does, with X-RateLimit-* headers) to matching requests."""
        inj = self.inject(429, method=method, path=path, times=times)
        inj.retry_after = retry_after
        inj.is_global = is_global
        return inj

    def server_error(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        status: int = 500,
    ) -> Injection:
        return self.inject(status, method=method, path=path, times=times)

    def slow(
        self,
        seconds: float,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1_000_000,
    ) -> Injection:
        """Matching requests take effect at once but are answered only after `seconds`
        (a slow Discord): a client killed meanwhile never learns that they succeeded."""
        inj = Injection(status=0, method=method, path=path, times=times, delay=seconds)
        self.injections.append(inj)
        return inj

    def close_dms(self, *users: FakeUser | FakeMember) -> None:
        """Messages to these users' DM channels fail with 403 / 50007 from now on."""
        for user in users:
            self.closed_dms.add(self._resolve_user(user).id)

    def open_dms(self, *users: FakeUser | FakeMember) -> None:
        for user in users:
            self.closed_dms.discard(self._resolve_user(user).id)

    def set_global_rate_limit(self, per_second: float | None) -> None:
        """Enforce Discord's global limit (N requests per second, bot routes only; interaction
        callbacks and followups are exempt as on Discord). None switches it off."""
        self.global_rate_limit = per_second
        self._rate_window.clear()

    # ================================================================== recording helpers

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 10.0, *, what: str = "condition"
    ) -> Any:
        """Wait until predicate() is truthy (re-checked on every request/event); return it."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FakeDiscordError(
                    f"timed out after {timeout}s waiting for {what}\n{self.describe()}"
                )
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.1))

    async def settle(self, quiet: float | None = None, max_wait: float = 5.0) -> None:
        """Return once the bot has sent no request for `quiet` seconds (or after max_wait)."""
        quiet = self.settle_time if quiet is None else quiet
        end = time.monotonic() + max_wait
        while True:
            now = time.monotonic()
            idle = now - self.last_request_at
            if idle >= quiet or now >= end:
                return
            await asyncio.sleep(min(quiet - idle, end - now))

    def channel_messages(self, channel: FakeChannel | int | str) -> list[FakeMessage]:
        """Messages the bot posted in a guild channel (not interaction responses)."""
        ch = self._resolve_channel(channel)
        return [
            m
            for m in self.messages
            if m.channel_id == ch.id and m.kind == "channel" and not m.deleted
        ]

    def dms(self, user: FakeUser | FakeMember) -> list[FakeMessage]:
        """Messages the bot delivered to this user's DMs (failed sends are not here)."""
        uid = self._resolve_user(user).id
        return [
            m
            for m in self.messages
            if m.kind == "dm" and m.dm_recipient and m.dm_recipient.id == uid and not m.deleted
        ]

    async def wait_for_dm(
        self, user: FakeUser | FakeMember, count: int = 1, timeout: float = 5.0
    ) -> list[FakeMessage]:
        return await self.wait_for(
            lambda: (lambda ms: ms if len(ms) >= count else None)(self.dms(user)),
            timeout,
            what=f"{count} DM(s) to {self._resolve_user(user).username}",
        )

    async def wait_for_channel_message(
        self,
        channel: FakeChannel | int | str,
        predicate: Callable[[FakeMessage], bool] = lambda m: True,
        timeout: float = 5.0,
    ) -> FakeMessage:
        def check() -> FakeMessage | None:
            return next((m for m in self.channel_messages(channel) if predicate(m)), None)

        return await self.wait_for(check, timeout, what=f"a message in {channel!r}")

    def find_requests(
        self, method: str | None = None, path: str | None = None
    ) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method.upper())
            and (path is None or re.search(path, r.path))
        ]

    def pinging_messages(self) -> list[tuple[FakeMessage, dict[str, Any]]]:
        """Every non-ephemeral message that notifies anyone, with whom it notifies."""
        out = []
        for m in self.messages:
            p = m.pings()
            if p["everyone"] or p["users"] or p["roles"]:
                out.append((m, p))
        return out

    def assert_clean(self) -> None:
        """No unknown routes, no requests Discord would refuse, no late interaction answers."""
        problems = []
        if self.unhandled:
            problems.append(
                "unhandled routes:\n  " + "\n  ".join(r.short() for r in self.unhandled)
            )
        if self.rejected:
            problems.append("refused requests:\n  " + "\n  ".join(r.short() for r in self.rejected))
        if self.late_interactions:
            problems.append(
                "late interaction answers: " + ", ".join(i.label for i in self.late_interactions)
            )
        if problems:
            raise FakeDiscordError("\n".join(problems))

    def describe(self, interaction: FakeInteraction | None = None, last: int = 25) -> str:
        lines = ["--- fake discord ---"]
        s = self.session
        lines.append(
            f"gateway: {'connected' if s and s.conn else 'not connected'}, identifies="
            f"{len(self.identify_payloads)}, commands synced: {len(self.command_syncs)}"
        )
        if interaction is not None:
            lines.append(f"requests for {interaction.label}:")
            lines.extend("  " + r.short() for r in interaction.requests)
        if self.unhandled:
            lines.append("unhandled:")
            lines.extend("  " + r.short() for r in self.unhandled[-10:])
        if self.rejected:
            lines.append("rejected:")
            lines.extend("  " + r.short() for r in self.rejected[-10:])
        lines.append(f"last {last} requests:")
        lines.extend("  " + r.short() for r in self.requests[-last:])
        for hook in self.diagnostics:
            with contextlib.suppress(Exception):
                lines.append(hook())
        return "\n".join(lines)

    # ================================================================== HTTP

    async def _read_body(self, request: web.Request) -> tuple[Any, list[_Upload]]:
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            uploads: list[_Upload] = []
            reader = await request.multipart()
            async for part in reader:
                if not hasattr(part, "read"):
                    continue
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                elif part.filename is not None:
                    data = bytes(await part.read(decode=False))
                    uploads.append(
                        _Upload(
                            part.name or "", part.filename, data, part.headers.get("Content-Type")
                        )
                    )
                else:
                    if payload is None:
                        payload = {}
                    if isinstance(payload, dict):
                        payload[part.name or ""] = await part.text()
            return payload, uploads
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode("utf-8", "replace"), []

    @staticmethod
    def _json_response(
        status: int, payload: Any, headers: dict[str, str] | None = None
    ) -> web.Response:
        hdrs = dict(headers or {})
        if status == 204 or payload is None:
            return web.Response(
                status=204 if payload is None and status < 300 else status, headers=hdrs
            )
        hdrs["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(payload).encode(), headers=hdrs)

    async def _handle_http(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/attachments/"):
            return await self._serve_attachment(request)
        body, uploads = await self._read_body(request)
        rel = (
            request.path[len(API_PREFIX) :]
            if request.path.startswith(API_PREFIX + "/")
            else request.path
        )
        rec = RecordedRequest(
            method=request.method,
            path=rel,
            query=dict(request.query),
            headers=dict(request.headers),
            json=body,
            files=[(u.filename, u.data, u.content_type) for u in uploads],
        )
        self.requests.append(rec)
        self.last_request_at = time.monotonic()
        try:
            reply = await self._process(request, rec, uploads)
        except ApiError as exc:
            reply = Reply(exc.status, exc.body(), exc.headers)
            if exc.invalid:
                self.rejected.append(rec)
        except FakeDiscordError as exc:
            reply = Reply(500, {"message": f"fake discord: {exc}", "code": 0})
            self.rejected.append(rec)
        except Exception as exc:  # a bug in the fake: make it loud
            reply = Reply(500, {"message": f"fake discord crashed: {exc!r}", "code": 0})
            self.rejected.append(rec)
            rec.injected = f"FAKE CRASH {exc!r}"
        rec.status = reply.status
        rec.response = reply.payload
        self.last_request_at = time.monotonic()
        self._notify()
        slow = next(
            (i for i in self.injections if i.delay and i.matches(rec.method, rec.path)), None
        )
        if slow is not None:
            slow.hits += 1
            await asyncio.sleep(slow.delay)
        return self._json_response(reply.status, reply.payload, reply.headers)

    async def _process(
        self, request: web.Request, rec: RecordedRequest, uploads: list[_Upload]
    ) -> Reply:
        if not request.path.startswith(API_PREFIX + "/"):
            self.unhandled.append(rec)
            return Reply(404, {"message": "404: Not Found", "code": 0})
        path = rec.path
        is_interaction_route = path.startswith("/interactions/") or (
            path.startswith("/webhooks/") and path.count("/") >= 3
        )
        for inj in self.injections:
            if not inj.delay and inj.matches(rec.method, path):
                inj.hits += 1
                rec.injected = f"injected {inj.status}"
                return self._injected_reply(inj)
        if not is_interaction_route:
            auth = rec.headers.get("Authorization", "")
            if not auth.startswith("Bot ") or (
                self.token is not None and auth != f"Bot {self.token}"
            ):
                raise ApiError(401, 0, "401: Unauthorized", invalid=True)
            if self.global_rate_limit is not None:
                limited = self._check_global_rate(rec)
                if limited is not None:
                    return limited
        for method, pattern, handler in self._routes():
            if method != rec.method:
                continue
            m = pattern.fullmatch(path)
            if m is None:
                continue
            result = await handler(rec, uploads, **m.groupdict())
            if isinstance(result, Reply):
                return result
            if result is None:
                return Reply(204)
            return Reply(200, result)
        self.unhandled.append(rec)
        return Reply(404, {"message": "404: Not Found", "code": 0})

    def _injected_reply(self, inj: Injection) -> Reply:
        if inj.status == 429:
            ra = inj.retry_after
            headers = {
                "Retry-After": str(max(1, math.ceil(ra))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + ra:.3f}",
                "X-RateLimit-Reset-After": f"{ra:.3f}",
                "X-RateLimit-Bucket": "fakebucket" + secrets.token_hex(4),
                "X-RateLimit-Scope": "global" if inj.is_global else "user",
                "Via": "1.1 google",
            }
            if inj.is_global:
                headers["X-RateLimit-Global"] = "true"
            headers.update(inj.headers)
            body = inj.body or {
                "message": "You are being rate limited.",
                "retry_after": ra,
                "global": inj.is_global,
            }
            return Reply(429, body, headers)
        body = inj.body or {"message": f"{inj.status}: Injected failure", "code": 0}
        return Reply(inj.status, body, dict(inj.headers))

    def _check_global_rate(self, rec: RecordedRequest) -> Reply | None:
        assert self.global_rate_limit is not None
        now = time.monotonic()
        while self._rate_window and now - self._rate_window[0] >= 1.0:
            self._rate_window.popleft()
        if len(self._rate_window) >= self.global_rate_limit:
            retry_after = max(0.001, 1.0 - (now - self._rate_window[0]))
            rec.injected = "global rate limit"
            self.rate_limited.append(rec)
            return Reply(
                429,
                {
                    "message": "You are being rate limited.",
                    "retry_after": round(retry_after, 3),
                    "global": True,
                },
                {
                    "Retry-After": str(max(1, math.ceil(retry_after))),
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                    "Via": "1.1 google",
                },
            )
        self._rate_window.append(now)
        return None

    async def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        m = re.fullmatch(r"/attachments/(\d+)/(.+)", request.path)
        att = self.attachments.get(int(m.group(1))) if m else None
        if att is None or att.behaviour == "404":
            self.attachment_downloads.append((int(m.group(1)) if m else 0, request.path, 404))
            self._notify()
            return web.Response(status=404, text="Not Found")
        if att.behaviour == "hang":
            self.attachment_downloads.append((att.id, att.filename, 0))
            self._notify()
            await asyncio.sleep(3600)
        self.attachment_downloads.append((att.id, att.filename, 200))
        self._notify()
        return web.Response(
            body=att.data, content_type=att.content_type or "application/octet-stream"
        )

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Awaitable[Any]]]]:
        if not hasattr(self, "_route_table"):
            app = r"/applications/(?P<app_id>\d+)"
            gcmd = app + r"/guilds/(?P<guild_id>\d+)/commands"
            hook = r"/webhooks/(?P<app_id>\d+)/(?P<token>[^/]+)"
            table: list[tuple[str, str, Callable[..., Awaitable[Any]]]] = [
                ("GET", r"/users/@me", self._r_get_me),
                ("GET", r"/users/(?P<user_id>\d+)", self._r_get_user),
                ("POST", r"/users/@me/channels", self._r_create_dm),
                ("GET", r"/oauth2/applications/@me", self._r_get_app),
                ("GET", r"/applications/@me", self._r_get_app),
                ("GET", r"/gateway", self._r_gateway),
                ("GET", r"/gateway/bot", self._r_gateway),
                ("GET", app + r"/commands", self._r_get_commands),
                ("PUT", app + r"/commands", self._r_put_commands),
                ("POST", app + r"/commands", self._r_post_command),
                ("GET", app + r"/commands/(?P<cmd_id>\d+)", self._r_get_command),
                ("PATCH", app + r"/commands/(?P<cmd_id>\d+)", self._r_patch_command),
                ("DELETE", app + r"/commands/(?P<cmd_id>\d+)", self._r_delete_command),
                ("GET", gcmd, self._r_get_commands),
                ("PUT", gcmd, self._r_put_commands),
                ("POST", gcmd, self._r_post_command),
                ("GET", gcmd + r"/permissions", self._r_command_permissions),
                ("GET", gcmd + r"/(?P<cmd_id>\d+)", self._r_get_command),
                ("PATCH", gcmd + r"/(?P<cmd_id>\d+)", self._r_patch_command),
                ("DELETE", gcmd + r"/(?P<cmd_id>\d+)", self._r_delete_command),
                ("POST", r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", self._r_callback),
                ("POST", hook, self._r_followup),
                ("GET", hook + r"/messages/(?P<mid>@original|\d+)", self._r_get_webhook_message),
                ("PATCH", hook + r"/messages/(?P<mid>@original|\d+)", self._r_edit_webhook_message),
                (
                    "DELETE",
                    hook + r"/messages/(?P<mid>@original|\d+)",
                    self._r_delete_webhook_message,
                ),
                ("GET", r"/channels/(?P<cid>\d+)", self._r_get_channel),
                ("POST", r"/channels/(?P<cid>\d+)/messages", self._r_post_message),
                ("GET", r"/channels/(?P<cid>\d+)/messages", self._r_history),
                ("GET", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._r_get_message),
                ("PATCH", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._r_edit_message),
                ("DELETE", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._r_delete_message),
                ("POST", r"/channels/(?P<cid>\d+)/typing", self._r_typing),
                ("GET", r"/guilds/(?P<gid>\d+)", self._r_get_guild),
                ("GET", r"/guilds/(?P<gid>\d+)/channels", self._r_guild_channels),
                ("GET", r"/guilds/(?P<gid>\d+)/roles", self._r_guild_roles),
                ("GET", r"/guilds/(?P<gid>\d+)/members", self._r_guild_members),
                ("GET", r"/guilds/(?P<gid>\d+)/members/search", self._r_search_members),
                ("GET", r"/guilds/(?P<gid>\d+)/members/(?P<uid>\d+)", self._r_guild_member),
                ("GET", r"/guilds/(?P<gid>\d+)/scheduled-events", self._r_list_events),
                ("POST", r"/guilds/(?P<gid>\d+)/scheduled-events", self._r_create_event),
                ("GET", r"/guilds/(?P<gid>\d+)/scheduled-events/(?P<eid>\d+)", self._r_get_event),
                (
                    "PATCH",
                    r"/guilds/(?P<gid>\d+)/scheduled-events/(?P<eid>\d+)",
                    self._r_edit_event,
                ),
                (
                    "DELETE",
                    r"/guilds/(?P<gid>\d+)/scheduled-events/(?P<eid>\d+)",
                    self._r_delete_event,
                ),
            ]
            self._route_table = [(m, re.compile(p), h) for m, p, h in table]
        return self._route_table

    # ---------------------------------------------------------------- users, app, gateway

    async def _r_get_me(self, rec: RecordedRequest, uploads: list[_Upload]) -> Any:
        data = self.bot_user.to_payload()
        data.update({"verified": True, "mfa_enabled": False, "email": None, "bot": True})
        return data

    async def _r_get_user(self, rec: RecordedRequest, uploads: list[_Upload], user_id: str) -> Any:
        user = self.users.get(int(user_id))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return user.to_payload()

    async def _r_create_dm(self, rec: RecordedRequest, uploads: list[_Upload]) -> Any:
        body = rec.json or {}
        try:
            user = self.users[int(body["recipient_id"])]
        except (KeyError, ValueError, TypeError):
            raise ApiError(400, 50033, "Invalid Recipient(s)", invalid=True) from None
        return self.dm_channel(user).to_payload()

    async def _r_get_app(self, rec: RecordedRequest, uploads: list[_Upload]) -> Any:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "rpc_origins": [],
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self.guild.owner.user.to_payload(),
            "team": None,
            "bot": self.bot_user.to_payload(),
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "redirect_uris": [],
            "tags": [],
            "approximate_guild_count": 1,
            "install_params": None,
            "integration_types_config": {"0": {}},
        }

    async def _r_gateway(self, rec: RecordedRequest, uploads: list[_Upload]) -> Any:
        return {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    # ---------------------------------------------------------------- application commands

    def _scope(self, app_id: str, guild_id: str | None) -> int | None:
        if int(app_id) != self.application_id:
            raise ApiError(403, 50001, "Missing Access", invalid=True)
        if guild_id is None:
            return None
        if int(guild_id) != self.guild.id:
            raise ApiError(403, 50001, "Missing Access", invalid=True)
        return int(guild_id)

    def _store_command(self, scope: int | None, cmd: dict[str, Any]) -> dict[str, Any]:
        ctype = cmd.get("type", 1)
        key = (scope, cmd["name"], ctype)
        cid = self._command_ids.setdefault(key, snowflake())
        perms = cmd.get("default_member_permissions")
        stored = {
            "id": str(cid),
            "application_id": str(self.application_id),
            "version": str(snowflake()),
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description", ""),
            "description_localizations": cmd.get("description_localizations"),
            "options": cmd.get("options", []) or [],
            "default_member_permissions": None if perms is None else str(perms),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types", [0]),
            "nsfw": bool(cmd.get("nsfw", False)),
        }
        if scope is not None:
            stored["guild_id"] = str(scope)
        return stored

    async def _r_get_commands(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, guild_id: str | None = None
    ) -> Any:
        return self.commands.get(self._scope(app_id, guild_id), [])

    async def _r_put_commands(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, guild_id: str | None = None
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        payload = rec.json
        if not isinstance(payload, list):
            raise form_error([((), "Expected a list of commands")])
        problems = validate_commands(payload)
        if problems:
            raise form_error(problems)
        stored = [self._store_command(scope, c) for c in payload]
        self.commands[scope] = stored
        self.command_syncs.append((scope, payload))
        self._notify()
        return stored

    async def _r_post_command(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, guild_id: str | None = None
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        cmd = rec.json or {}
        problems = validate_commands([cmd])
        if problems:
            raise form_error(problems)
        stored = self._store_command(scope, cmd)
        current = [c for c in self.commands.get(scope, []) if c["id"] != stored["id"]]
        self.commands[scope] = [*current, stored]
        self.command_syncs.append((scope, [cmd]))
        return stored

    def _find_command_by_id(self, scope: int | None, cmd_id: str) -> dict[str, Any]:
        for c in self.commands.get(scope, []):
            if c["id"] == cmd_id:
                return c
        raise ApiError(404, 10063, "Unknown application command")

    async def _r_get_command(
        self,
        rec: RecordedRequest,
        uploads: list[_Upload],
        app_id: str,
        cmd_id: str,
        guild_id: str | None = None,
    ) -> Any:
        return self._find_command_by_id(self._scope(app_id, guild_id), cmd_id)

    async def _r_patch_command(
        self,
        rec: RecordedRequest,
        uploads: list[_Upload],
        app_id: str,
        cmd_id: str,
        guild_id: str | None = None,
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        cmd = self._find_command_by_id(scope, cmd_id)
        cmd.update({k: v for k, v in (rec.json or {}).items() if k != "id"})
        return cmd

    async def _r_delete_command(
        self,
        rec: RecordedRequest,
        uploads: list[_Upload],
        app_id: str,
        cmd_id: str,
        guild_id: str | None = None,
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        self._find_command_by_id(scope, cmd_id)
        self.commands[scope] = [c for c in self.commands.get(scope, []) if c["id"] != cmd_id]
        return None

    async def _r_command_permissions(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, guild_id: str
    ) -> Any:
        self._scope(app_id, guild_id)
        return []

    @property
    def commands_synced(self) -> bool:
        return bool(self.command_syncs)

    def synced_commands(self, *, dm: bool = False) -> list[dict[str, Any]]:
        """Commands a user sees: guild + global in the guild, global only in DMs."""
        glob = self.commands.get(None, [])
        if dm:
            return list(glob)
        guild = self.commands.get(self.guild.id, [])
        names = {c["name"] for c in guild}
        return [*guild, *[c for c in glob if c["name"] not in names]]

    def command_paths(self, *, dm: bool = False) -> list[str]:
        return command_paths(self.synced_commands(dm=dm))

    def command_schema(self, path: str) -> list[dict[str, Any]]:
        """The option schemas of an invocable command path, e.g. 'prefs set'."""
        return find_command(self.synced_commands(), path)[2]

    # ---------------------------------------------------------------- messages (shared)

    def _validate_message(
        self, data: dict[str, Any], n_files: int, *, existing_files: int = 0
    ) -> None:
        problems: list[tuple[tuple[Any, ...], str]] = []
        content = data.get("content")
        if content is not None and not isinstance(content, str):
            problems.append((("content",), "Must be a string"))
        elif content is not None and len(content) > 2000:
            problems.append(
                (("content",), f"Must be 2000 or fewer in length (got {len(content)}).")
            )
        embeds = data.get("embeds") or []
        if len(embeds) > 10:
            problems.append((("embeds",), "Must be 10 or fewer in length."))
        total = 0
        for i, e in enumerate(embeds):
            limits = {"title": 256, "description": 4096}
            for key, limit in limits.items():
                v = e.get(key)
                if v is not None:
                    total += len(str(v))
                    if len(str(v)) > limit:
                        problems.append(
                            (("embeds", i, key), f"Must be {limit} or fewer in length.")
                        )
            fields = e.get("fields") or []
            if len(fields) > 25:
                problems.append((("embeds", i, "fields"), "Must be 25 or fewer in length."))
            for j, f in enumerate(fields):
                name, value = str(f.get("name", "")), str(f.get("value", ""))
                total += len(name) + len(value)
                if not name.strip() or len(name) > 256:
                    problems.append(
                        (("embeds", i, "fields", j, "name"), "Must be between 1 and 256 in length.")
                    )
                if not value.strip() or len(value) > 1024:
                    problems.append(
                        (
                            ("embeds", i, "fields", j, "value"),
                            "Must be between 1 and 1024 in length.",
                        )
                    )
            footer = (e.get("footer") or {}).get("text")
            if footer is not None:
                total += len(footer)
                if len(footer) > 2048:
                    problems.append(
                        (("embeds", i, "footer", "text"), "Must be 2048 or fewer in length.")
                    )
            author = (e.get("author") or {}).get("name")
            if author is not None:
                total += len(author)
                if len(author) > 256:
                    problems.append(
                        (("embeds", i, "author", "name"), "Must be 256 or fewer in length.")
                    )
            for key in ("url",):
                v = e.get(key)
                if v is not None and not re.match(r"^(https?|attachment)://", str(v)):
                    problems.append(
                        (("embeds", i, key), "Scheme must be one of ('http', 'https').")
                    )
        if total > 6000:
            problems.append((("embeds",), f"Embed size exceeds maximum size of 6000 (got {total})"))
        problems.extend(
            self._validate_components(data.get("components") or [], data.get("flags", 0) or 0)
        )
        nonce = data.get("nonce")
        if nonce is not None and (isinstance(nonce, bool) or not isinstance(nonce, (str, int))):
            problems.append((("nonce",), "Must be a string or an integer."))
        elif nonce is not None and len(str(nonce)) > MAX_NONCE_LENGTH:
            problems.append((("nonce",), f"Must be {MAX_NONCE_LENGTH} or fewer in length."))
        if "enforce_nonce" in data and not isinstance(data["enforce_nonce"], bool):
            problems.append((("enforce_nonce",), "Must be a boolean."))
        am = data.get("allowed_mentions")
        if isinstance(am, dict):
            parse = am.get("parse") or []
            for kind in ("users", "roles"):
                if kind in parse and am.get(kind):
                    problems.append(
                        (
                            ("allowed_mentions",),
                            f'parse:["{kind}"] and {kind}: [ids] are mutually exclusive.',
                        )
                    )
        if problems:
            raise form_error(problems)

    @staticmethod
    def _validate_components(
        components: list[dict[str, Any]], flags: int
    ) -> list[tuple[tuple[Any, ...], str]]:
        problems: list[tuple[tuple[Any, ...], str]] = []
        if flags & FLAG_COMPONENTS_V2:
            return problems  # layout components: only basic checks below are not applied
        if len(components) > 5:
            problems.append((("components",), "Must be 5 or fewer in length."))
        seen: set[str] = set()
        for i, row in enumerate(components):
            if row.get("type") != 1:
                problems.append(
                    (("components", i, "type"), "Top-level components must be action rows.")
                )
                continue
            children = row.get("components") or []
            if not 1 <= len(children) <= 5:
                problems.append(
                    (("components", i, "components"), "Must be between 1 and 5 in length.")
                )
            for j, c in enumerate(children):
                where = ("components", i, "components", j)
                cid = c.get("custom_id")
                if c.get("type") == 2:
                    if c.get("style") == 5:
                        if not c.get("url") or cid:
                            problems.append((where, "Link buttons need a url and no custom_id."))
                    elif c.get("style") != 6 and not cid:
                        problems.append(((*where, "custom_id"), "This field is required"))
                    label = c.get("label")
                    if label is not None and len(label) > 80:
                        problems.append(((*where, "label"), "Must be 80 or fewer in length."))
                    if not label and not c.get("emoji"):
                        problems.append((where, "A button needs a label or an emoji."))
                elif c.get("type") == 3:
                    options = c.get("options") or []
                    if not 1 <= len(options) <= 25:
                        problems.append(
                            ((*where, "options"), "Must be between 1 and 25 in length.")
                        )
                if cid is not None:
                    if len(cid) > 100:
                        problems.append(((*where, "custom_id"), "Must be 100 or fewer in length."))
                    if cid in seen:
                        problems.append(
                            ((*where, "custom_id"), "Component custom id cannot be duplicated")
                        )
                    seen.add(cid)
        return problems

    def _make_attachments(
        self, data: dict[str, Any], uploads: list[_Upload], keep: list[FakeAttachment]
    ) -> list[FakeAttachment]:
        """Existing attachments still listed in data['attachments'] + the newly uploaded files."""
        listed = data.get("attachments")
        result: list[FakeAttachment] = []
        if listed is None:
            result.extend(keep)
        else:
            keep_ids = {str(a.get("id")) for a in listed if isinstance(a, dict)}
            result.extend(a for a in keep if str(a.id) in keep_ids)
        meta_by_index: dict[int, dict[str, Any]] = {}
        for a in listed or []:
            with contextlib.suppress(TypeError, ValueError):
                idx = int(a.get("id"))
                if idx < 1000:
                    meta_by_index[idx] = a
        for n, up in enumerate(uploads):
            m = re.fullmatch(r"files\[(\d+)\]", up.field)
            idx = int(m.group(1)) if m else n
            meta = meta_by_index.get(idx, {})
            filename = meta.get("filename") or up.filename
            att_id = snowflake()
            att = FakeAttachment(
                id=att_id,
                filename=filename,
                data=up.data,
                content_type=up.content_type or mimetypes.guess_type(filename)[0],
                url=f"{self.base_url}/attachments/{att_id}/{filename}",
                description=meta.get("description"),
            )
            self.attachments[att_id] = att
            result.append(att)
        return result

    def _new_message(
        self,
        data: dict[str, Any],
        uploads: list[_Upload],
        *,
        channel: FakeChannel,
        kind: str,
        flags_mask: int,
        interaction: FakeInteraction | None = None,
        extra_flags: int = 0,
        allow_empty: bool = False,
    ) -> FakeMessage:
        self._validate_message(data, len(uploads))
        attachments = self._make_attachments(data, uploads, [])
        msg = FakeMessage(
            id=snowflake(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=self.bot_user,
            content=data.get("content") or "",
            embeds=[_normalise_embed(e) for e in data.get("embeds") or []],
            components=list(data.get("components") or []),
            attachments=attachments,
            flags=(int(data.get("flags") or 0) & flags_mask) | extra_flags,
            allowed_mentions=data.get("allowed_mentions"),
            nonce=data.get("nonce"),
            tts=bool(data.get("tts")),
            kind=kind,
            dm_recipient=channel.recipient,
        )
        if not allow_empty and _is_empty(msg):
            raise ApiError(400, 50006, "Cannot send an empty message", invalid=True)
        if interaction is not None:
            msg.interaction_id = interaction.id
            msg.webhook_id = self.application_id
            msg.message_type = 20 if interaction.type == APPLICATION_COMMAND else 0
            msg.interaction_metadata = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.to_payload(),
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
        self.messages.append(msg)
        self._messages_by_id[msg.id] = msg
        return msg

    def _edit(self, msg: FakeMessage, data: dict[str, Any], uploads: list[_Upload]) -> FakeMessage:
        if msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        self._validate_message({**data, "flags": data.get("flags", msg.flags)}, len(uploads))
        before = msg.to_payload()
        attachments = self._make_attachments(data, uploads, msg.attachments)
        new = FakeMessage(**{**msg.__dict__})
        if "content" in data:
            new.content = data["content"] or ""
        if "embeds" in data:
            new.embeds = [_normalise_embed(e) for e in data["embeds"] or []]
        if "components" in data:
            new.components = list(data["components"] or [])
        if "allowed_mentions" in data:
            new.allowed_mentions = data["allowed_mentions"]
        if "flags" in data and data["flags"] is not None:
            keep = msg.flags & FLAG_EPHEMERAL
            new.flags = (int(data["flags"]) & CHANNEL_MESSAGE_FLAGS) | keep
        new.attachments = attachments
        new.flags &= ~FLAG_LOADING
        if _is_empty(new):
            raise ApiError(400, 50006, "Cannot send an empty message", invalid=True)
        msg.history.append(before)
        for key in ("content", "embeds", "components", "allowed_mentions", "flags", "attachments"):
            setattr(msg, key, getattr(new, key))
        msg.edited_timestamp = iso_now()
        return msg

    # ---------------------------------------------------------------- interaction callbacks

    async def _r_callback(
        self, rec: RecordedRequest, uploads: list[_Upload], iid: str, token: str
    ) -> Any:
        inter = self.interactions.get(int(iid))
        if inter is None or inter.token != token:
            raise ApiError(404, 10062, "Unknown interaction", invalid=True)
        inter.requests.append(rec)
        if inter.callback_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.", invalid=True)
        if time.monotonic() - inter.created > self.interaction_timeout:
            inter.expired = True
            inter.callback_at = time.monotonic()
            self.late_interactions.append(inter)
            inter.answered.set()
            raise ApiError(404, 10062, "Unknown interaction", invalid=True)
        body = rec.json or {}
        ctype = body.get("type")
        data = body.get("data") or {}
        allowed = {
            APPLICATION_COMMAND: {4, 5, 9},
            MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            AUTOCOMPLETE: {8},
            MODAL_SUBMIT: {4, 5, 6, 7} if inter.target_message else {4, 5},
        }[inter.type]
        if ctype not in allowed:
            raise form_error(
                [
                    (
                        ("type",),
                        f"callback type {ctype} is not valid for interaction type {inter.type}",
                    )
                ]
            )
        msg: FakeMessage | None = None
        if ctype == 4:
            msg = self._new_message(
                data,
                uploads,
                channel=inter.channel,
                kind="response",
                flags_mask=INTERACTION_MESSAGE_FLAGS,
                interaction=inter,
            )
            inter.original = msg
        elif ctype == 5:
            msg = self._new_message(
                {"flags": data.get("flags", 0)},
                [],
                channel=inter.channel,
                kind="response",
                flags_mask=FLAG_EPHEMERAL,
                interaction=inter,
                extra_flags=FLAG_LOADING,
                allow_empty=True,
            )
            inter.original = msg
        elif ctype == 6:
            inter.original = inter.target_message
        elif ctype == 7:
            assert inter.target_message is not None
            msg = self._edit(inter.target_message, data, uploads)
            inter.original = msg
        elif ctype == 8:
            self._validate_choices(data.get("choices"))
            inter.choices = list(data.get("choices") or [])
        elif ctype == 9:
            problems = []
            if not data.get("custom_id") or len(data["custom_id"]) > 100:
                problems.append((("data", "custom_id"), "Must be between 1 and 100 in length."))
            if not data.get("title") or len(data["title"]) > 45:
                problems.append((("data", "title"), "Must be between 1 and 45 in length."))
            if not 1 <= len(data.get("components") or []) <= 5:
                problems.append((("data", "components"), "Must be between 1 and 5 in length."))
            if problems:
                raise form_error(problems)
            inter.modal = data
        inter.callback_type = ctype
        inter.callback_data = data
        inter.callback_at = time.monotonic()
        inter.answered.set()
        if "with_response" not in rec.query or rec.query.get("with_response") in ("false", "0"):
            return None
        result: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.type,
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": bool(msg.ephemeral) if msg else False,
            }
        }
        if msg is not None:
            result["interaction"]["response_message_id"] = str(msg.id)
            result["resource"] = {"type": ctype, "message": msg.to_payload()}
        return result

    @staticmethod
    def _validate_choices(choices: Any) -> None:
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not isinstance(choices, list):
            raise form_error([(("data", "choices"), "This field is required")])
        if len(choices) > 25:
            problems.append(
                (("data", "choices"), f"Must be 25 or fewer in length (got {len(choices)}).")
            )
        for i, c in enumerate(choices):
            name = c.get("name")
            if not isinstance(name, str) or not 1 <= len(name) <= 100:
                problems.append(
                    (("data", "choices", i, "name"), "Must be between 1 and 100 in length.")
                )
            value = c.get("value")
            if isinstance(value, str) and len(value) > 100:
                problems.append(
                    (("data", "choices", i, "value"), "Must be 100 or fewer in length.")
                )
        if problems:
            raise form_error(problems)

    def _webhook_interaction(
        self, app_id: str, token: str, rec: RecordedRequest
    ) -> FakeInteraction:
        inter = self._by_token.get(token)
        if int(app_id) != self.application_id or inter is None:
            raise ApiError(404, 10015, "Unknown Webhook", invalid=True)
        inter.requests.append(rec)
        if inter.callback_type is None or inter.expired:
            raise ApiError(404, 10015, "Unknown Webhook", invalid=True)
        if time.monotonic() - inter.created > 15 * 60:
            raise ApiError(401, 50027, "Invalid Webhook Token", invalid=True)
        if inter.callback_type in (8, 9):
            raise ApiError(400, 40060, "Interaction has already been acknowledged.", invalid=True)
        return inter

    async def _r_followup(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, token: str
    ) -> Any:
        inter = self._webhook_interaction(app_id, token, rec)
        data = rec.json or {}
        orig = inter.original
        if inter.callback_type == 5 and orig is not None and orig.loading:
            # The first followup after a deferred ("thinking") response replaces it.
            msg = self._edit(orig, {k: v for k, v in data.items() if k != "flags"}, uploads)
        else:
            msg = self._new_message(
                data,
                uploads,
                channel=inter.channel,
                kind="followup",
                flags_mask=INTERACTION_MESSAGE_FLAGS,
                interaction=inter,
            )
            inter.followups.append(msg)
        if rec.query.get("wait") in ("true", "1", "True"):
            return msg.to_payload()
        return None

    def _webhook_message(self, inter: FakeInteraction, mid: str) -> FakeMessage:
        if mid == "@original":
            if inter.original is None or inter.original.deleted:
                raise ApiError(404, 10008, "Unknown Message")
            return inter.original
        for m in [inter.original, *inter.followups]:
            if m is not None and m.id == int(mid) and not m.deleted:
                return m
        raise ApiError(404, 10008, "Unknown Message")

    async def _r_get_webhook_message(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, token: str, mid: str
    ) -> Any:
        inter = self._webhook_interaction(app_id, token, rec)
        return self._webhook_message(inter, mid).to_payload()

    async def _r_edit_webhook_message(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, token: str, mid: str
    ) -> Any:
        inter = self._webhook_interaction(app_id, token, rec)
        msg = self._webhook_message(inter, mid)
        return self._edit(msg, rec.json or {}, uploads).to_payload()

    async def _r_delete_webhook_message(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, token: str, mid: str
    ) -> Any:
        inter = self._webhook_interaction(app_id, token, rec)
        self._webhook_message(inter, mid).deleted = True
        return None

    # ---------------------------------------------------------------- channels

    def _channel_or_404(self, cid: str) -> FakeChannel:
        channel = self._channels.get(int(cid))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    async def _r_get_channel(self, rec: RecordedRequest, uploads: list[_Upload], cid: str) -> Any:
        return self._channel_or_404(cid).to_payload()

    async def _r_post_message(self, rec: RecordedRequest, uploads: list[_Upload], cid: str) -> Any:
        channel = self._channel_or_404(cid)
        if channel.is_dm:
            assert channel.recipient is not None
            if channel.recipient.id in self.closed_dms:
                self.dm_failures.append((channel.recipient.id, rec))
                raise ApiError(403, 50007, "Cannot send messages to this user")
        else:
            perms = self._permissions_in(self.bot_user, channel)
            if perms & (Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES) != (
                Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES
            ):
                raise ApiError(403, 50013, "Missing Permissions")
        data = rec.json or {}
        nonce = data.get("nonce")
        enforce = nonce is not None and data.get("enforce_nonce") is True
        if enforce:
            # As on Discord: a nonce this author used in the past few minutes returns
            # that message instead of creating another (a re-send after a crash).
            seen = self._nonces.get(str(nonce))
            if seen is not None and time.monotonic() - seen[1] < NONCE_WINDOW:
                self._validate_message(data, len(uploads))
                self.nonce_replays.append(rec)
                return seen[0].to_payload()
        kind = "dm" if channel.is_dm else "channel"
        msg = self._new_message(
            data, uploads, channel=channel, kind=kind, flags_mask=CHANNEL_MESSAGE_FLAGS
        )
        if enforce:
            self._nonces[str(nonce)] = (msg, time.monotonic())
        return msg.to_payload()

    def _channel_message(self, cid: str, mid: str) -> FakeMessage:
        self._channel_or_404(cid)
        msg = self._messages_by_id.get(int(mid))
        if msg is None or msg.channel_id != int(cid) or msg.deleted or msg.ephemeral:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def _r_history(self, rec: RecordedRequest, uploads: list[_Upload], cid: str) -> Any:
        channel = self._channel_or_404(cid)
        limit = int(rec.query.get("limit", 50))
        msgs = [
            m
            for m in self.messages
            if m.channel_id == channel.id and not m.deleted and not m.ephemeral
        ]
        return [m.to_payload() for m in reversed(msgs)][:limit]

    async def _r_get_message(
        self, rec: RecordedRequest, uploads: list[_Upload], cid: str, mid: str
    ) -> Any:
        return self._channel_message(cid, mid).to_payload()

    async def _r_edit_message(
        self, rec: RecordedRequest, uploads: list[_Upload], cid: str, mid: str
    ) -> Any:
        msg = self._channel_message(cid, mid)
        if msg.author.id != self.bot_user.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        return self._edit(msg, rec.json or {}, uploads).to_payload()

    async def _r_delete_message(
        self, rec: RecordedRequest, uploads: list[_Upload], cid: str, mid: str
    ) -> Any:
        self._channel_message(cid, mid).deleted = True
        return None

    async def _r_typing(self, rec: RecordedRequest, uploads: list[_Upload], cid: str) -> Any:
        self._channel_or_404(cid)
        return None

    # ---------------------------------------------------------------- guild

    def _guild_or_404(self, gid: str) -> FakeGuild:
        if int(gid) != self.guild.id:
            raise ApiError(404, 10004, "Unknown Guild")
        return self.guild

    async def _r_get_guild(self, rec: RecordedRequest, uploads: list[_Upload], gid: str) -> Any:
        return self._guild_or_404(gid).to_payload(rest=True)

    async def _r_guild_channels(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str
    ) -> Any:
        return [c.to_payload() for c in self._guild_or_404(gid).channels]

    async def _r_guild_roles(self, rec: RecordedRequest, uploads: list[_Upload], gid: str) -> Any:
        return [r.to_payload() for r in self._guild_or_404(gid).all_roles()]

    async def _r_guild_member(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str, uid: str
    ) -> Any:
        member = self._guild_or_404(gid).members.get(int(uid))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member.to_payload()

    async def _r_guild_members(self, rec: RecordedRequest, uploads: list[_Upload], gid: str) -> Any:
        guild = self._guild_or_404(gid)
        limit = int(rec.query.get("limit", 1))
        after = int(rec.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return [m.to_payload() for m in members[:limit]]

    async def _r_search_members(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str
    ) -> Any:
        guild = self._guild_or_404(gid)
        query = rec.query.get("query", "").lower()
        limit = int(rec.query.get("limit", 1))
        found = [
            m
            for m in guild.members.values()
            if m.user.username.lower().startswith(query) or (m.nick or "").lower().startswith(query)
        ]
        return [m.to_payload() for m in found[:limit]]

    # ---------------------------------------------------------------- scheduled events

    def _validate_event(self, data: dict[str, Any], existing: dict[str, Any] | None) -> None:
        merged = {**(existing or {}), **data}
        problems: list[tuple[tuple[Any, ...], str]] = []
        name = merged.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            problems.append((("name",), "Must be between 1 and 100 in length."))
        if merged.get("description") and len(merged["description"]) > 1000:
            problems.append((("description",), "Must be 1000 or fewer in length."))
        if merged.get("privacy_level") != 2:
            problems.append((("privacy_level",), "Value must be one of {2}."))
        etype = merged.get("entity_type")
        if etype not in (1, 2, 3):
            problems.append((("entity_type",), "Value must be one of {1, 2, 3}."))
        start = _parse_time(merged.get("scheduled_start_time"))
        end = _parse_time(merged.get("scheduled_end_time"))
        if start is None:
            problems.append((("scheduled_start_time",), "Invalid ISO8601 timestamp."))
        elif (existing is None or "scheduled_start_time" in data) and start < datetime.now(UTC):
            problems.append((("scheduled_start_time",), "Cannot schedule event in the past."))
        if etype == 3:
            location = (merged.get("entity_metadata") or {}).get("location")
            if not location or len(location) > 100:
                problems.append(
                    (("entity_metadata", "location"), "Must be between 1 and 100 in length.")
                )
            if end is None:
                problems.append(
                    (("scheduled_end_time",), "This field is required for external events.")
                )
            if merged.get("channel_id"):
                problems.append((("channel_id",), "External events cannot have a channel."))
        elif etype in (1, 2) and not merged.get("channel_id"):
            problems.append((("channel_id",), "This field is required."))
        if start is not None and end is not None and end <= start:
            problems.append((("scheduled_end_time",), "Must be after the start time."))
        if problems:
            raise form_error(problems)

    def _event_or_404(self, gid: str, eid: str) -> dict[str, Any]:
        self._guild_or_404(gid)
        event = self.scheduled_events.get(int(eid))
        if event is None:
            raise ApiError(404, 10070, "Unknown Guild Scheduled Event")
        return event

    async def _r_list_events(self, rec: RecordedRequest, uploads: list[_Upload], gid: str) -> Any:
        self._guild_or_404(gid)
        return list(self.scheduled_events.values())

    async def _r_get_event(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str, eid: str
    ) -> Any:
        return self._event_or_404(gid, eid)

    async def _r_create_event(self, rec: RecordedRequest, uploads: list[_Upload], gid: str) -> Any:
        self._guild_or_404(gid)
        data = rec.json or {}
        self._validate_event(data, None)
        event = {
            "id": str(snowflake()),
            "guild_id": str(self.guild.id),
            "channel_id": data.get("channel_id"),
            "creator_id": str(self.bot_user.id),
            "creator": self.bot_user.to_payload(),
            "name": data["name"],
            "description": data.get("description"),
            "scheduled_start_time": data["scheduled_start_time"],
            "scheduled_end_time": data.get("scheduled_end_time"),
            "privacy_level": data["privacy_level"],
            "status": 1,
            "entity_type": data["entity_type"],
            "entity_id": None,
            "entity_metadata": data.get("entity_metadata"),
            "user_count": 0,
            "image": None,
            "recurrence_rule": data.get("recurrence_rule"),
        }
        self.scheduled_events[int(event["id"])] = event
        self.scheduled_event_log.append(("create", dict(event)))
        self._dispatch_event_if_subscribed("GUILD_SCHEDULED_EVENT_CREATE", event)
        return event

    async def _r_edit_event(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str, eid: str
    ) -> Any:
        event = self._event_or_404(gid, eid)
        data = rec.json or {}
        self._validate_event(data, event)
        event.update({k: v for k, v in data.items() if k != "id"})
        self.scheduled_event_log.append(("update", dict(event)))
        self._dispatch_event_if_subscribed("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return event

    async def _r_delete_event(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str, eid: str
    ) -> Any:
        event = self._event_or_404(gid, eid)
        del self.scheduled_events[int(eid)]
        self.scheduled_event_log.append(("delete", dict(event)))
        self._dispatch_event_if_subscribed("GUILD_SCHEDULED_EVENT_DELETE", event)
        return None

    def _dispatch_event_if_subscribed(self, name: str, event: dict[str, Any]) -> None:
        if self.session is not None and self.session.intents & INTENT_GUILD_SCHEDULED_EVENTS:
            self._dispatch_soon(name, dict(event))

    # ================================================================== gateway

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return await self._handle_http(request)
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        conn = _Conn(ws, dict(request.query))
        self._conns.add(conn)
        self.gateway_log.append({"event": "connect", "query": dict(request.query)})
        if request.query.get("v") != "10" or request.query.get("encoding", "json") != "json":
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        await conn.send(
            {
                "op": 10,
                "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)},
                "s": None,
                "t": None,
            }
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        frame = json.loads(msg.data)
                    except ValueError:
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                        break
                    await self._on_gateway_frame(conn, frame)
                elif msg.type == WSMsgType.BINARY:
                    self.gateway_log.append({"event": "binary frame (unsupported)"})
        finally:
            self._conns.discard(conn)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self.gateway_log.append({"event": "disconnect", "code": ws.close_code})
            self._notify()
        return ws

    async def _on_gateway_frame(self, conn: _Conn, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        d = frame.get("d")
        if op != 1:
            logged = dict(frame)
            if op == 2 and isinstance(d, dict):
                logged = {"op": 2, "d": {**d, "token": "<redacted>"}}
            self.gateway_log.append({"event": "receive", "frame": logged})
        if op == 1:
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, d or {})
        elif op == 6:
            await self._resume(conn, d or {})
        elif op == 3:
            self.presence_updates.append(d or {})
        elif op == 8:
            await self._request_members(conn, d or {})
        elif op == 4:
            pass  # voice state: ignored
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, conn: _Conn, d: dict[str, Any]) -> None:
        if self.token is not None and d.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if "intents" not in d:
            await conn.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        intents = int(d["intents"])
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identify_payloads.append({k: v for k, v in d.items() if k != "token"})
        session = GatewaySession(
            session_id=secrets.token_hex(16), intents=intents, identify=d, conn=conn
        )
        conn.session = session
        self.session = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": {
                **self.bot_user.to_payload(),
                "verified": True,
                "mfa_enabled": False,
                "email": None,
            },
            "guilds": [{"id": str(self.guild.id), "unavailable": True}],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-discord"],
        }
        if "shard" in d:
            ready["shard"] = d["shard"]
        await self._send_dispatch(session, "READY", ready)
        await self._send_dispatch(session, "GUILD_CREATE", self._guild_create_payload(intents))
        self.ready_generation += 1
        self._notify()

    def _guild_create_payload(self, intents: int) -> dict[str, Any]:
        data = self.guild.to_payload()
        members = list(self.guild.members.values())
        if not intents & INTENT_GUILD_MEMBERS:
            members = [self.bot_member]
        data.update(
            {
                "channels": [c.to_payload(include_guild_id=False) for c in self.guild.channels],
                "threads": [],
                "members": [m.to_payload() for m in members],
                "member_count": len(self.guild.members),
                "voice_states": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": list(self.scheduled_events.values()),
                "soundboard_sounds": [],
                "joined_at": self.bot_member.joined_at,
                "large": False,
                "unavailable": False,
                "lazy": True,
            }
        )
        return data

    async def _resume(self, conn: _Conn, d: dict[str, Any]) -> None:
        session = self.session
        if (
            session is None
            or d.get("session_id") != session.session_id
            or (self.token is not None and d.get("token") != self.token)
        ):
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        seq = int(d.get("seq") or 0)
        old = session.conn
        session.conn = conn
        conn.session = session
        session.resumes += 1
        if old is not None and old is not conn:
            with contextlib.suppress(Exception):
                await old.ws.close(code=4000)
        for frame in [f for f in session.frames if f["s"] > seq]:
            await conn.send(frame)
        await self._send_dispatch(session, "RESUMED", {"_trace": ["fake-discord"]})
        self._notify()

    async def _request_members(self, conn: _Conn, d: dict[str, Any]) -> None:
        if conn.session is None:
            return
        members = list(self.guild.members.values())
        user_ids = d.get("user_ids")
        if user_ids is not None:
            ids = {int(x) for x in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.id in ids]
        elif d.get("query"):
            q = str(d["query"]).lower()
            members = [m for m in members if m.user.username.lower().startswith(q)]
        limit = int(d.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk = {
            "guild_id": str(self.guild.id),
            "members": [m.to_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self._send_dispatch(conn.session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send_dispatch(
        self, session: GatewaySession, event: str, data: dict[str, Any]
    ) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.frames.append(frame)
        if session.conn is not None:
            await session.conn.send(frame)

    @property
    def connected(self) -> bool:
        return self.session is not None and self.session.conn is not None

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway DISPATCH event to the connected bot."""
        if self.session is None or self.session.conn is None:
            raise FakeDiscordError(
                f"cannot dispatch {event}: the bot is not connected\n{self.describe()}"
            )
        await self._send_dispatch(self.session, event, data)

    def _dispatch_soon(self, event: str, data: dict[str, Any]) -> None:
        if self.session is None or self.session.conn is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self.dispatch(event, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_until_ready(self, timeout: float = 30.0, *, after_generation: int = 0) -> None:
        """Wait until the bot identified (READY + GUILD_CREATE sent) and has synced commands."""
        await self.wait_for(
            lambda: (
                self.ready_generation > after_generation and self.commands_synced and self.connected
            ),
            timeout,
            what="the bot to identify on the gateway and sync its commands",
        )

    async def gateway_reconnect(self) -> None:
        """Send op 7 RECONNECT: the bot should reconnect and RESUME."""
        if self.session is None or self.session.conn is None:
            raise FakeDiscordError("not connected")
        await self.session.conn.send({"op": 7, "d": None, "s": None, "t": None})

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's websocket (session kept, so the bot can RESUME)."""
        if self.session is None or self.session.conn is None:
            raise FakeDiscordError("not connected")
        await self.session.conn.ws.close(code=code)

    # ================================================================== interactions

    def _invoker(self, user: Any, dm: bool) -> tuple[FakeUser, FakeMember | None]:
        u = self._resolve_user(user)
        member = self.guild.members.get(u.id)
        if not dm and member is None:
            raise FakeDiscordError(f"{u.username} is not a member of the guild")
        return u, (None if dm else member)

    def _check_available(
        self, top: dict[str, Any], member: FakeMember | None, dm: bool, path: str
    ) -> None:
        contexts = top.get("contexts")
        if dm:
            if top.get("guild_id"):
                raise CommandUnavailable(
                    f"/{path} is a guild command: Discord does not offer it in DMs "
                    "(pass force=True "
                    "to send the interaction anyway, as for a global command)"
                )
            if (contexts is not None and 1 not in contexts) or top.get("dm_permission") is False:
                raise CommandUnavailable(f"/{path} is not allowed in DMs (contexts={contexts})")
            return
        assert member is not None
        if contexts is not None and 0 not in contexts:
            raise CommandUnavailable(f"/{path} is not allowed in guilds (contexts={contexts})")
        required = top.get("default_member_permissions")
        if required is not None and not member.has(int(required)):
            raise CommandUnavailable(
                f"/{path} needs permissions {required} (default_member_permissions) that "
                f"{member.name} lacks, so Discord hides it. Pass force=True to simulate a server "
                "admin granting the command to them in Integrations settings."
            )

    def _lookup(
        self, path: str, *, dm: bool, force: bool, member: FakeMember | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        commands = self.synced_commands(dm=dm)
        if dm and not any(c["name"] == path.split()[0] for c in commands):
            # Only registered for the guild: Discord would not offer it in a DM at all.
            commands = self.synced_commands()
        top, chain, leaf = find_command(commands, path)
        if not force:
            self._check_available(top, member, dm, path)
        return top, chain, leaf

    def _interaction_payload(
        self,
        itype: int,
        iid: int,
        token: str,
        data: dict[str, Any] | None,
        user: FakeUser,
        member: FakeMember | None,
        channel: FakeChannel,
        message: FakeMessage | None,
        locale: str,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(self._permissions_in(self.bot_user, channel)),
            "channel_id": str(channel.id),
        }
        if data is not None:
            payload["data"] = data
        if member is not None:
            ch = channel.to_payload()
            ch["permissions"] = str(self._permissions_in(user, channel))
            payload.update(
                {
                    "guild_id": str(self.guild.id),
                    "guild": {
                        "id": str(self.guild.id),
                        "locale": self.guild.locale,
                        "features": [],
                    },
                    "guild_locale": self.guild.locale,
                    "member": member.to_payload(with_permissions=True),
                    "channel": ch,
                    "context": 0,
                    "authorizing_integration_owners": {"0": str(self.guild.id)},
                }
            )
        else:
            payload.update(
                {
                    "user": user.to_payload(),
                    "channel": channel.to_payload(),
                    "context": 1,
                    "authorizing_integration_owners": {"0": "0"},
                }
            )
        if message is not None:
            payload["message"] = message.to_payload()
        return payload

    async def _start_interaction(
        self,
        itype: int,
        data: dict[str, Any] | None,
        *,
        user: FakeUser,
        member: FakeMember | None,
        channel: FakeChannel,
        label: str,
        message: FakeMessage | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        if not self.connected:
            raise FakeDiscordError(
                f"{label}: the bot is not connected to the gateway\n{self.describe()}"
            )
        iid = snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        payload = self._interaction_payload(
            itype, iid, token, data, user, member, channel, message, locale
        )
        inter = FakeInteraction(
            id=iid,
            token=token,
            type=itype,
            payload=payload,
            user=user,
            member=member,
            channel=channel,
            label=label,
            target_message=message,
        )
        self.interactions[iid] = inter
        self._by_token[token] = inter
        await self.dispatch("INTERACTION_CREATE", payload)
        return inter

    async def _await_response(
        self, inter: FakeInteraction, *, timeout: float | None, settle: float | None
    ) -> InteractionResult:
        try:
            await asyncio.wait_for(inter.answered.wait(), self.interaction_timeout + 0.5)
        except TimeoutError:
            raise InteractionFailed(
                f"{inter.label}: the bot did not answer within {self.interaction_timeout}s "
                f"(Discord shows 'The application did not respond')\n{self.describe(inter)}"
            ) from None
        if inter.expired:
            raise InteractionFailed(
                f"{inter.label}: the bot answered after {inter.latency:.2f}s; Discord allows "
                f"{self.interaction_timeout}s and refuses late answers "
                "(10062 Unknown interaction). "
                f"Defer first.\n{self.describe(inter)}"
            )
        if inter.callback_type == 5:
            limit = self.followup_timeout if timeout is None else timeout
            await self.wait_for(
                lambda: inter.original is not None and not inter.original.loading,
                limit,
                what=f"{inter.label}: a followup after the deferred response",
            )
        if inter.type != AUTOCOMPLETE:
            await self.settle(settle)
        return InteractionResult(self, inter)

    async def command(
        self,
        name: str,
        *,
        user: Any,
        in_channel: FakeChannel | int | str | None = None,
        dm: bool = False,
        force: bool = False,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        timeout: float | None = None,
        settle: float | None = None,
        **option_values: Any,
    ) -> InteractionResult:
        """Invoke a slash command as `user`, built from the commands the bot synced.

        Options are keyword arguments (or `options={...}` for names that clash with these
        parameters). Returns after the bot answered and went quiet.
        """
        opts = {**(options or {}), **option_values}
        path = " ".join(name.strip().lstrip("/").split())
        invoker, member = self._invoker(user, dm)
        top, chain, leaf = self._lookup(path, dm=dm, force=force, member=member)
        builder = OptionBuilder(self, path=path, dm=dm, invoker=invoker)
        leaf_options = builder.build(leaf, opts)
        data: dict[str, Any] = {
            "id": top["id"],
            "name": top["name"],
            "type": 1,
            "options": nest_options(chain, leaf_options),
        }
        if builder.resolved:
            data["resolved"] = builder.resolved
        if top.get("guild_id") and not dm:
            data["guild_id"] = top["guild_id"]
        channel = (
            self.dm_channel(invoker) if dm else self._resolve_channel(in_channel or self.general)
        )
        inter = await self._start_interaction(
            APPLICATION_COMMAND,
            data,
            user=invoker,
            member=member,
            channel=channel,
            label=f"/{path}" + (" (DM)" if dm else ""),
            locale=locale,
        )
        return await self._await_response(inter, timeout=timeout, settle=settle)

    # ---------------------------------------------------------------- many at once (benchmarks)

    def prepare_command(
        self,
        name: str,
        *,
        user: Any,
        in_channel: FakeChannel | int | str | None = None,
        options: dict[str, Any] | None = None,
        **option_values: Any,
    ) -> FakeInteraction:
        """Build a guild slash-command interaction as `command` does, without sending it.

        For benchmarks that dispatch many interactions at once: building payloads first
        keeps that work out of the burst. Send it with `send_prepared`.
        """
        opts = {**(options or {}), **option_values}
        path = " ".join(name.strip().lstrip("/").split())
        invoker, member = self._invoker(user, False)
        top, chain, leaf = self._lookup(path, dm=False, force=False, member=member)
        builder = OptionBuilder(self, path=path, dm=False, invoker=invoker)
        leaf_options = builder.build(leaf, opts)
        data: dict[str, Any] = {
            "id": top["id"],
            "name": top["name"],
            "type": 1,
            "options": nest_options(chain, leaf_options),
        }
        if builder.resolved:
            data["resolved"] = builder.resolved
        if top.get("guild_id"):
            data["guild_id"] = top["guild_id"]
        channel = self._resolve_channel(in_channel or self.general)
        iid = snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        payload = self._interaction_payload(
            APPLICATION_COMMAND, iid, token, data, invoker, member, channel, None, "en-US"
        )
        return FakeInteraction(
            id=iid,
            token=token,
            type=APPLICATION_COMMAND,
            payload=payload,
            user=invoker,
            member=member,
            channel=channel,
            label=f"/{path}",
        )

    async def send_prepared(self, inter: FakeInteraction) -> None:
        """Dispatch an interaction from `prepare_command`; its clock (`created`) starts now.

        Returns once the gateway frame is written; the answer is recorded on `inter`
        (`answered`, `callback_at`, `original`, `followups`, `requests`).
        """
        if not self.connected:
            raise FakeDiscordError(
                f"{inter.label}: the bot is not connected to the gateway\n{self.describe()}"
            )
        inter.created = time.monotonic()
        self.interactions[inter.id] = inter
        self._by_token[inter.token] = inter
        await self.dispatch("INTERACTION_CREATE", inter.payload)

    async def autocomplete(
        self,
        name: str,
        option: str,
        typed: str,
        *,
        user: Any,
        in_channel: FakeChannel | int | str | None = None,
        dm: bool = False,
        force: bool = False,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        **option_values: Any,
    ) -> list[tuple[str, Any]]:
        """Type `typed` into `option` of a command; returns the bot's [(name, value)] choices."""
        opts = {**(options or {}), **option_values}
        path = " ".join(name.strip().lstrip("/").split())
        invoker, member = self._invoker(user, dm)
        top, chain, leaf = self._lookup(path, dm=dm, force=force, member=member)
        builder = OptionBuilder(self, path=path, dm=dm, invoker=invoker)
        leaf_options = builder.build(
            leaf, opts, focused=option, focused_value=typed, check_required=False
        )
        data: dict[str, Any] = {
            "id": top["id"],
            "name": top["name"],
            "type": 1,
            "options": nest_options(chain, leaf_options),
        }
        if top.get("guild_id") and not dm:
            data["guild_id"] = top["guild_id"]
        channel = (
            self.dm_channel(invoker) if dm else self._resolve_channel(in_channel or self.general)
        )
        inter = await self._start_interaction(
            AUTOCOMPLETE,
            data,
            user=invoker,
            member=member,
            channel=channel,
            label=f"autocomplete /{path} {option}={typed!r}",
            locale=locale,
        )
        result = await self._await_response(inter, timeout=None, settle=0)
        if inter.callback_type != 8:
            raise InteractionFailed(
                f"{inter.label}: expected an autocomplete result, "
                f"got callback {inter.callback_type}"
            )
        return result.choices

    async def _component_interaction(
        self,
        msg: FakeMessage,
        data: dict[str, Any],
        *,
        who: Any,
        label: str,
        timeout: float | None,
        settle: float | None,
    ) -> InteractionResult:
        if msg.deleted:
            raise FakeDiscordError(f"{label}: the message was deleted")
        channel = self._channels[msg.channel_id]
        dm = channel.is_dm
        invoker, member = self._invoker(who, dm)
        if msg.ephemeral and msg.interaction_metadata is not None:
            owner = int(msg.interaction_metadata["user"]["id"])
            if owner != invoker.id:
                raise FakeDiscordError(
                    f"{label}: only the user who ran the command sees this ephemeral message"
                )
        inter = await self._start_interaction(
            MESSAGE_COMPONENT,
            data,
            user=invoker,
            member=member,
            channel=channel,
            label=label,
            message=msg,
        )
        return await self._await_response(inter, timeout=timeout, settle=settle)

    async def click(
        self,
        target: InteractionResult | FakeMessage,
        button: str,
        *,
        user: Any = None,
        timeout: float | None = None,
        settle: float | None = None,
    ) -> InteractionResult:
        """Click a button (by custom_id or label) on a message the bot sent.

        `target` is a command result (its messages are searched) or a FakeMessage (e.g. from
        fake.dms(...)). `user` defaults to whoever ran the command.
        """
        if isinstance(target, InteractionResult):
            msg, btn = target.find_button(button)
            who = user if user is not None else target.interaction.user
        else:
            msg, btn = target, target.button(button)
            who = user
        if who is None:
            raise FakeDiscordError("click(): pass user=")
        if btn.url:
            raise FakeDiscordError(
                f"button {button!r} is a link to {btn.url}; clients just open it"
            )
        if btn.disabled:
            raise FakeDiscordError(
                f"button {button!r} is disabled; Discord does not let users click it"
            )
        data = {"custom_id": btn.custom_id, "component_type": 2}
        return await self._component_interaction(
            msg,
            data,
            who=who,
            label=f"click {btn.label or btn.custom_id!r}",
            timeout=timeout,
            settle=settle,
        )

    async def select(
        self,
        target: InteractionResult | FakeMessage,
        custom_id: str,
        values: list[str],
        *,
        user: Any = None,
        timeout: float | None = None,
        settle: float | None = None,
    ) -> InteractionResult:
        """Pick `values` in a string select menu."""
        msgs = target.messages if isinstance(target, InteractionResult) else [target]
        found = [(m, s) for m in msgs for s in m.selects if s.custom_id == custom_id]
        if not found:
            raise FakeDiscordError(f"no select menu {custom_id!r}")
        msg, sel = found[0]
        if sel.type != 3:
            raise FakeDiscordError("only string selects are supported")
        offered = {v for _, v in sel.options}
        if not set(values) <= offered or not sel.min_values <= len(values) <= sel.max_values:
            raise FakeDiscordError(
                f"the client would not allow values {values} (offered {offered})"
            )
        who = (
            user
            if user is not None
            else (target.interaction.user if isinstance(target, InteractionResult) else None)
        )
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return await self._component_interaction(
            msg,
            data,
            who=who,
            label=f"select {custom_id!r}={values}",
            timeout=timeout,
            settle=settle,
        )

    async def submit_modal(
        self,
        target: InteractionResult,
        values: dict[str, str],
        *,
        user: Any = None,
        timeout: float | None = None,
        settle: float | None = None,
    ) -> InteractionResult:
        """Fill in and submit the modal the bot opened in `target` (text inputs by custom_id)."""
        modal = target.modal
        if modal is None:
            raise FakeDiscordError(f"{target.interaction.label} did not open a modal")
        used: set[str] = set()

        def answer(component: dict[str, Any]) -> dict[str, Any] | None:
            if component.get("type") == 1:
                inner = [a for c in component.get("components", []) if (a := answer(c)) is not None]
                return {"type": 1, "components": inner}
            if component.get("type") == 18:
                inner_c = answer(component["component"])
                return {"type": 18, "id": component.get("id"), "component": inner_c}
            if component.get("type") == 4:
                cid = component["custom_id"]
                value = values.get(cid, component.get("value") or "")
                if component.get("required", True) and not value:
                    raise FakeDiscordError(f"modal field {cid!r} is required")
                used.add(cid)
                return {"type": 4, "id": component.get("id"), "custom_id": cid, "value": value}
            return None

        components = [a for c in modal.get("components", []) if (a := answer(c)) is not None]
        unknown = set(values) - used
        if unknown:
            raise FakeDiscordError(f"the modal has no text inputs {sorted(unknown)}")
        inter0 = target.interaction
        msg = inter0.target_message if inter0.type == MESSAGE_COMPONENT else None
        who = user if user is not None else inter0.user
        invoker, member = self._invoker(who, inter0.channel.is_dm)
        data = {"custom_id": modal["custom_id"], "components": components}
        inter = await self._start_interaction(
            MODAL_SUBMIT,
            data,
            user=invoker,
            member=member,
            channel=inter0.channel,
            label=f"modal {modal.get('title')!r}",
            message=msg,
        )
        return await self._await_response(inter, timeout=timeout, settle=settle)


# ---------------------------------------------------------------------- helpers


def _normalise_embed(embed: dict[str, Any]) -> dict[str, Any]:
    e = dict(embed)
    e.setdefault("type", "rich")
    return e


def _is_empty(msg: FakeMessage) -> bool:
    return not (msg.content.strip() or msg.embeds or msg.attachments or msg.components)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def validate_commands(commands: list[dict[str, Any]]) -> list[tuple[tuple[Any, ...], str]]:
    """Discord's rules for application command payloads (the ones a bot can get wrong)."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    seen: set[tuple[str, int]] = set()
    chat_input = 0
    for i, cmd in enumerate(commands):
        ctype = cmd.get("type", 1)
        name = cmd.get("name", "")
        key = (name, ctype)
        if key in seen:
            problems.append(((i, "name"), f"Application command names must be unique ({name!r})"))
        seen.add(key)
        if ctype == 1:
            chat_input += 1
            _check_name(problems, (i,), name)
            _check_description(problems, (i,), cmd.get("description"))
            _check_options(problems, (i, "options"), cmd.get("options") or [], depth=0)
        elif not 1 <= len(name) <= 32:
            problems.append(((i, "name"), "Must be between 1 and 32 in length."))
        perms = cmd.get("default_member_permissions")
        if perms is not None and not str(perms).isdigit():
            problems.append(
                ((i, "default_member_permissions"), "Must be a permission integer string")
            )
    if chat_input > 100:
        problems.append(((), "Maximum number of application commands reached (100)"))
    return problems


def _check_name(
    problems: list[tuple[tuple[Any, ...], str]], path: tuple[Any, ...], name: Any
) -> None:
    if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
        problems.append(
            ((*path, "name"), f"Command name {name!r} is invalid (lowercase, 1-32, no spaces)")
        )


def _check_description(
    problems: list[tuple[tuple[Any, ...], str]], path: tuple[Any, ...], desc: Any
) -> None:
    if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
        problems.append(((*path, "description"), "Must be between 1 and 100 in length."))


def _check_options(
    problems: list[tuple[tuple[Any, ...], str]],
    path: tuple[Any, ...],
    options: list[dict[str, Any]],
    depth: int,
) -> None:
    if len(options) > 25:
        problems.append((path, "Must be 25 or fewer in length."))
    names: set[str] = set()
    kinds = {o.get("type") in (1, 2) for o in options}
    if len(kinds) > 1:
        problems.append(
            (
                path,
                "Sub-command and sub-command group option types are mutually exclusive "
                "to all other types",
            )
        )
    seen_optional = False
    for j, opt in enumerate(options):
        p = (*path, j)
        otype = opt.get("type")
        name = opt.get("name", "")
        _check_name(problems, p, name)
        _check_description(problems, p, opt.get("description"))
        if name in names:
            problems.append(((*p, "name"), f"Option names must be unique ({name!r})"))
        names.add(name)
        if otype not in range(1, 12):
            problems.append(((*p, "type"), f"Invalid option type {otype}"))
            continue
        if otype in (1, 2):
            if depth >= 2 or (otype == 2 and depth >= 1):
                problems.append((p, "Sub-commands nest at most: command > group > subcommand"))
            inner = opt.get("options") or []
            if otype == 2 and any(o.get("type") != 1 for o in inner):
                problems.append(
                    ((*p, "options"), "A sub-command group may only contain sub-commands")
                )
            _check_options(problems, (*p, "options"), inner, depth + 1)
            continue
        if opt.get("required"):
            if seen_optional:
                problems.append(
                    (
                        (*p, "required"),
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if choices:
            if opt.get("autocomplete"):
                problems.append(
                    ((*p, "autocomplete"), "Autocomplete and choices are mutually exclusive")
                )
            if otype not in (3, 4, 10):
                problems.append(
                    ((*p, "choices"), "Only string, integer and number options take choices")
                )
            if len(choices) > 25:
                problems.append(((*p, "choices"), "Must be 25 or fewer in length."))
            for k, ch in enumerate(choices):
                cname = ch.get("name")
                if not isinstance(cname, str) or not 1 <= len(cname) <= 100:
                    problems.append(
                        ((*p, "choices", k, "name"), "Must be between 1 and 100 in length.")
                    )
                value = ch.get("value")
                if otype == 3 and (not isinstance(value, str) or len(value) > 100):
                    problems.append(
                        ((*p, "choices", k, "value"), "String choices: 1-100 characters")
                    )
                if otype in (4, 10) and (
                    isinstance(value, bool) or not isinstance(value, int | float)
                ):
                    problems.append(
                        ((*p, "choices", k, "value"), "Numeric choices need numeric values")
                    )
        if opt.get("autocomplete") and otype not in (3, 4, 10):
            problems.append(
                ((*p, "autocomplete"), "Only string, integer and number options autocomplete")
            )
        for lo, hi in (("min_length", "max_length"), ("min_value", "max_value")):
            a, b = opt.get(lo), opt.get(hi)
            if a is not None and b is not None and a > b:
                problems.append(((*p, lo), f"{lo} must not exceed {hi}"))
