"""DiscordNotifier through discord.py's real HTTPClient against a tiny local API.

The server speaks just enough of Discord's HTTP API: the bot's own user, opening
a DM channel, and posting a message (with `enforce_nonce` de-duplication). It can
refuse DMs for chosen users (403/50007) and answer 429 or 500 on demand.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from discord.http import HTTPClient, Route

from bot.core.identities import IdentityService
from bot.core.models import ALL_PLATFORMS, Platform
from bot.core.reminders import DeliveryFailed, Dispatcher, Notice, ReminderPlanner, Source
from bot.core.services import Services
from bot.core.signals import ScheduleChanged
from bot.discord.outbox import (
    DEFAULT_BURST,
    DEFAULT_RATE,
    GLOBAL_LIMIT,
    DiscordNotifier,
    RateLimiter,
)
from bot.store import reminders as store
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.reminder_fakes import CHANNEL, ROLE, occurrences, reminder_seminar, set_deadline

NOTICE = Notice("Due {due}. Not a {{placeholder}}", {"due": 1_790_000_000})


def identities(db: Database) -> IdentityService:
    return IdentityService(db, FakeClock(), ScheduleChanged())


def reply(
    payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # Exactly "application/json", no charset: discord.py compares the header verbatim.
    return web.Response(
        body=json.dumps(payload).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


@dataclass
class FakeAPI:
    """Discord's HTTP API, the few routes the notifier uses."""

    closed: set[int] = field(default_factory=set)
    # (path pattern, status, body, remaining times), answered before the real route.
    failures: list[list[Any]] = field(default_factory=list)
    # Seconds a message POST takes after it is stored (a slow Discord).
    message_delay: float = 0.0
    requests: list[tuple[float, str, str, dict[str, Any]]] = field(default_factory=list)
    messages: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    duplicates: int = 0
    answers: list[int] = field(default_factory=list)  # statuses of message POSTs
    dm_channels: dict[int, int] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(700_000))

    def fail(self, path: str, status: int, body: dict[str, Any], times: int = 1) -> None:
        self.failures.append([re.compile(path), status, body, times])

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_post("/api/v10/users/@me/channels", self._open_dm)
        app.router.add_post("/api/v10/channels/{channel_id}/messages", self._message)
        return app

    async def _scripted(self, request: web.Request) -> web.Response | None:
        body = await request.json() if request.can_read_body else {}
        self.requests.append((time.monotonic(), request.method, request.path, body))
        for failure in self.failures:
            pattern, status, payload, times = failure
            if times > 0 and pattern.search(request.path):
                failure[3] -= 1
                headers = {"Via": "1.1 google"} if status == 429 else {}
                if request.path.endswith("/messages"):
                    self.answers.append(status)
                return reply(payload, status=status, headers=headers)
        return None

    async def _me(self, request: web.Request) -> web.Response:
        return reply({"id": "1", "username": "seminar-bot", "discriminator": "0"})

    async def _open_dm(self, request: web.Request) -> web.Response:
        if (scripted := await self._scripted(request)) is not None:
            return scripted
        user_id = int(self.requests[-1][3]["recipient_id"])
        channel_id = self.dm_channels.setdefault(user_id, next(self._ids))
        return reply({"id": str(channel_id), "type": 1})

    async def _message(self, request: web.Request) -> web.Response:
        if (scripted := await self._scripted(request)) is not None:
            return scripted
        channel_id = int(request.match_info["channel_id"])
        payload = self.requests[-1][3]
        owner = next((u for u, c in self.dm_channels.items() if c == channel_id), None)
        if owner in self.closed:
            self.answers.append(403)
            return reply(
                {"code": 50007, "message": "Cannot send messages to this user"}, status=403
            )
        key = (channel_id, payload.get("nonce", ""))
        if payload.get("enforce_nonce") and key in self.messages:
            self.duplicates += 1  # Discord answers with the message it already has
        else:
            self.messages[key] = payload
        self.answers.append(200)
        await asyncio.sleep(self.message_delay)
        return reply({"id": str(next(self._ids)), "channel_id": str(channel_id)})

    def message_requests(self) -> list[dict[str, Any]]:
        return [body for _, method, path, body in self.requests if path.endswith("/messages")]

    def per_channel(self) -> Counter[int]:
        return Counter(channel for channel, _ in self.messages)


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeAPI]:
    fake = FakeAPI()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    monkeypatch.setattr(Route, "BASE", str(server.make_url("/api/v10")))
    try:
        yield fake
    finally:
        await server.close()


@pytest.fixture
async def http(api: FakeAPI) -> AsyncIterator[HTTPClient]:
    client = HTTPClient(asyncio.get_running_loop())
    await client.static_login("test-token")
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def notifier(http: HTTPClient, db: Database) -> DiscordNotifier:
    return DiscordNotifier(http, identities(db), rate=1_000.0)


async def test_a_channel_post_carries_a_nonce_and_pings_nobody(
    api: FakeAPI, notifier: DiscordNotifier
) -> None:
    await notifier.post(CHANNEL, NOTICE, nonce="sb1")
    [payload] = api.message_requests()
    assert payload == {
        "content": "Due <t:1790000000:F> (<t:1790000000:R>). Not a {placeholder}",
        "nonce": "sb1",
        "enforce_nonce": True,
        "allowed_mentions": {"parse": []},
    }


async def test_only_the_chosen_role_is_pinged(api: FakeAPI, notifier: DiscordNotifier) -> None:
    await notifier.post(CHANNEL, Notice("📣 hi @everyone", ping_role_id=ROLE), nonce="sb2")
    [payload] = api.message_requests()
    assert payload["content"] == f"<@&{ROLE}> 📣 hi @everyone"
    assert payload["allowed_mentions"] == {"parse": [], "roles": [str(ROLE)]}


async def test_a_dm_opens_the_channel_once_and_remembers_it(
    api: FakeAPI, notifier: DiscordNotifier, db: Database
) -> None:
    await notifier.direct(101, NOTICE, nonce="sb3")
    await notifier.direct(101, NOTICE, nonce="sb4")
    opens = [body for _, _, path, body in api.requests if path.endswith("/users/@me/channels")]
    assert opens == [{"recipient_id": 101}]
    channel = api.dm_channels[101]
    assert await store.dm_channel(db, 101) == channel
    assert api.per_channel() == Counter({channel: 2})
    assert all(p["allowed_mentions"] == {"parse": []} for p in api.message_requests())


async def test_the_fallback_mentions_only_the_given_users(
    api: FakeAPI, notifier: DiscordNotifier
) -> None:
    await notifier.mention(CHANNEL, [102, 104], NOTICE, nonce="sb5")
    [payload] = api.message_requests()
    assert payload["content"].startswith("<@102> <@104> ")
    assert payload["allowed_mentions"] == {"parse": [], "users": ["102", "104"]}
    assert payload["nonce"] == "sb5" and payload["enforce_nonce"] is True


async def test_closed_dms_raise_dms_closed(api: FakeAPI, notifier: DiscordNotifier) -> None:
    api.closed.add(102)
    with pytest.raises(DeliveryFailed) as failed:
        await notifier.direct(102, NOTICE, nonce="sb6")
    assert failed.value.dms_closed and failed.value.permanent
    assert "50007" in failed.value.reason
    # A refused DM channel (403 when opening it) counts as closed DMs too.
    api.fail(r"/users/@me/channels$", 403, {"code": 50007, "message": "Cannot send"})
    with pytest.raises(DeliveryFailed) as refused:
        await notifier.direct(103, NOTICE, nonce="sb7")
    assert refused.value.dms_closed


async def test_an_unknown_channel_is_a_permanent_failure(
    api: FakeAPI, notifier: DiscordNotifier
) -> None:
    api.fail(r"/messages$", 404, {"code": 10003, "message": "Unknown Channel"})
    with pytest.raises(DeliveryFailed) as failed:
        await notifier.post(CHANNEL, NOTICE, nonce="sb8")
    assert failed.value.permanent and not failed.value.dms_closed


async def test_500_and_429_are_retried_by_discord_py_then_succeed(
    api: FakeAPI, notifier: DiscordNotifier
) -> None:
    api.fail(r"/messages$", 500, {"message": "Internal Server Error"})  # discord.py waits 1 s
    api.fail(
        r"/messages$",
        429,
        {"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
    )
    await notifier.post(CHANNEL, NOTICE, nonce="sb9")
    assert api.answers == [500, 429, 200]
    assert api.per_channel() == Counter({CHANNEL: 1})
    assert api.duplicates == 0


async def test_a_restart_mid_fan_out_reuses_nonces_so_discord_drops_the_repeats(
    api: FakeAPI, http: HTTPClient, services: Services, db: Database, clock: FakeClock
) -> None:
    """The real notifier under the dispatcher: the bot dies while Discord is
    answering; the restarted bot re-sends what it had not marked, with the same
    nonces, and every student ends up with exactly one DM."""
    await reminder_seminar(services, students=16, capacity=16)
    deadline_id = await set_deadline(services, "report", "2026-10-20 12:00")
    [occurrence] = [
        o
        for o in await occurrences(
            ReminderPlanner(db, clock, ALL_PLATFORMS), Source.DEADLINE, deadline_id
        )
        if o.offset == 86_400
    ]
    clock.set(occurrence.due_at)
    api.message_delay = 0.3  # stored at once, answered late

    first_process = await Database.open(db.path)
    run = asyncio.create_task(
        Dispatcher(
            first_process,
            clock,
            {Platform.DISCORD: DiscordNotifier(http, identities(first_process), 1_000.0)},
        ).run(occurrence)
    )
    async with asyncio.timeout(5):
        while len(api.messages) < 3:  # noqa: ASYNC110 - the server is in this loop
            await asyncio.sleep(0.01)
    run.cancel()  # the process dies with requests in flight
    await asyncio.gather(run, return_exceptions=True)
    await first_process.close()
    stored = len(api.messages)
    assert 0 < stored < 17

    api.message_delay = 0.0
    outcome = await Dispatcher(
        db, clock, {Platform.DISCORD: DiscordNotifier(http, identities(db), 1_000.0)}
    ).run(occurrence)
    assert outcome.finished and outcome.status == "done"
    assert api.duplicates >= 1  # a re-send Discord recognised by its nonce
    assert sorted(api.per_channel().values()) == [1] * 17  # 16 DMs and the channel post
    rows = await store.deliveries_of(db, occurrence.key, occurrence.due_at)
    assert {r.status for r in rows} == {"sent"}


async def test_the_rate_limiter_paces_to_its_rate() -> None:
    limiter = RateLimiter(rate=200.0, burst=5)
    stamps: list[float] = []
    start = time.monotonic()
    while time.monotonic() - start < 0.5:
        await limiter.acquire()
        stamps.append(time.monotonic())
    elapsed = stamps[-1] - start
    assert len(stamps) <= 5 + 200 * elapsed + 1
    assert len(stamps) >= 0.6 * 200 * elapsed  # loose: a loaded machine is slower
    window = 0.1
    busiest = max(sum(1 for s in stamps if t <= s < t + window) for t in stamps)
    assert busiest <= 5 + 200 * window + 1


def test_the_default_pace_stays_within_discords_global_limit() -> None:
    """Rate plus burst is what a token bucket lets through in one second."""
    assert DEFAULT_RATE + DEFAULT_BURST <= GLOBAL_LIMIT
    assert DEFAULT_RATE >= 0.9 * GLOBAL_LIMIT


async def test_the_notifier_paces_every_request(
    api: FakeAPI, http: HTTPClient, db: Database
) -> None:
    notifier = DiscordNotifier(http, identities(db), rate=100.0)
    await asyncio.gather(*(notifier.direct(200 + i, NOTICE, nonce=f"sb{i}") for i in range(20)))
    stamps = [t for t, *_ in api.requests]
    assert len(stamps) == 40  # 20 DM channels opened, 20 messages
    elapsed = stamps[-1] - stamps[0]
    assert elapsed >= (40 - 5 - 1) / 100  # the burst, then 100 per second
    window = 0.1
    busiest = max(sum(1 for s in stamps if t <= s < t + window) for t in stamps)
    assert busiest <= notifier.limiter.burst + 100 * window + 1
