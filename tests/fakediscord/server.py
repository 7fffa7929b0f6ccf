"""A local fake of the Discord HTTP API and gateway, enough to run a discord.py 2.x bot.

One `FakeDiscord` = one aiohttp server on 127.0.0.1 (random port) serving
  - the REST API under /api/v10 (what a slash-command bot uses),
  - the gateway websocket at /gateway (plain JSON TEXT frames, no compression),
  - attachment downloads at /attachments/{id}/{filename}.
It owns one guild, records every request, validates what the bot sends against Discord's
documented limits, and lets tests inject interactions and failures. See README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .driver import DriverMixin
from .faults import FaultsMixin
from .gateway import GatewayMixin
from .interactions import FakeDiscordError, FakeInteraction
from .models import (
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMessage,
    FakeRole,
    FakeUser,
    Injection,
    Perm,
    RecordedRequest,
    snowflake,
)
from .recording import RecordingMixin
from .rest import RestMixin
from .routes import (
    CallbackRoutes,
    ChannelRoutes,
    CommandRoutes,
    EventRoutes,
    GuildRoutes,
    MessageRoutes,
    UserRoutes,
)
from .wire import API_PREFIX, ApiError, GatewaySession, _Conn
from .world import WorldMixin

__all__ = ["ApiError", "FakeDiscord"]


class FakeDiscord(
    WorldMixin,
    FaultsMixin,
    RecordingMixin,
    DriverMixin,
    GatewayMixin,
    RestMixin,
    UserRoutes,
    CommandRoutes,
    MessageRoutes,
    CallbackRoutes,
    ChannelRoutes,
    GuildRoutes,
    EventRoutes,
):
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
