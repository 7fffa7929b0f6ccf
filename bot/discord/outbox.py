"""Delivers the reminder engine's notices to Discord: paced, deduplicated, never pinging.

Messages go through discord.py's HTTP client (which already retries 429s and
5xx responses with backoff) as raw payloads, because the payload carries
`enforce_nonce`: a re-send after a crash reuses the nonce and Discord drops the
duplicate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
import discord
from discord.http import HTTPClient, Route

from bot.core.identities import IdentityService
from bot.core.reminders.outbox import DeliveryFailed, Notice
from bot.core.text import clip
from bot.discord.ui import mention

log = logging.getLogger(__name__)

# Discord's global limit is 50 requests per second per bot; stay a little below.
GLOBAL_LIMIT = 50
DEFAULT_RATE = 47.0
# A token bucket lets `rate + burst` requests through in one second (a full bucket,
# then the refill); more than 50 earns a global 429 that stalls every request.
DEFAULT_BURST = 3
MESSAGE_LIMIT = 2000
CANNOT_DM = 50007


class RateLimiter:
    """A token bucket: at most `rate` acquisitions per second, bursts of `burst`."""

    def __init__(self, rate: float, burst: int = 5) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


def render(notice: Notice) -> str:
    """Fill in a notice's instants as Discord timestamps (each reader's own timezone) and
    its people as mentions (which never ping: allowed_mentions says so)."""
    values = {name: f"<t:{unix}:F> (<t:{unix}:R>)" for name, unix in notice.instants.items()}
    values.update({name: mention(account) for name, account in notice.people.items()})
    return notice.template.format(**values)


class DiscordNotifier:
    def __init__(
        self, http: HTTPClient, identities: IdentityService, rate: float = DEFAULT_RATE
    ) -> None:
        self.http = http
        self.identities = identities
        self.limiter = RateLimiter(rate, burst=DEFAULT_BURST)

    async def post(self, channel_id: int, notice: Notice, *, nonce: str) -> None:
        content = render(notice)
        mentions: dict[str, Any] = {"parse": []}
        if notice.ping_role_id is not None:
            content = f"<@&{notice.ping_role_id}> {content}"
            mentions["roles"] = [str(notice.ping_role_id)]
        await self._send(channel_id, content, mentions, nonce)

    async def direct(self, user_id: int, notice: Notice, *, nonce: str) -> None:
        channel_id = await self._dm_channel(user_id)
        try:
            await self._send(channel_id, render(notice), {"parse": []}, nonce)
        except DeliveryFailed as exc:
            if exc.permanent and not exc.dms_closed:
                raise DeliveryFailed(exc.reason, permanent=True, dms_closed=True) from exc
            raise

    async def mention(
        self, channel_id: int, user_ids: list[int], notice: Notice, *, nonce: str
    ) -> None:
        who = " ".join(f"<@{user_id}>" for user_id in user_ids)
        content = f"{who} (your DMs are closed, so here:) {render(notice)}"
        await self._send(
            channel_id, content, {"parse": [], "users": [str(u) for u in user_ids]}, nonce
        )

    async def _dm_channel(self, user_id: int) -> int:
        known = await self.identities.dm_channel(user_id)
        if known is not None:
            return known
        await self.limiter.acquire()
        try:
            data = await self.http.start_private_message(user_id)
        except discord.Forbidden as exc:
            raise DeliveryFailed(f"cannot open a DM: {exc.text}", dms_closed=True) from exc
        except discord.NotFound as exc:
            raise DeliveryFailed("unknown user", permanent=True) from exc
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError) as exc:
            raise DeliveryFailed(f"opening a DM failed: {exc}") from exc
        channel_id = int(data["id"])
        await self.identities.remember_dm_channel(user_id, channel_id)
        return channel_id

    async def _send(
        self, channel_id: int, content: str, mentions: dict[str, Any], nonce: str
    ) -> None:
        payload = {
            "content": clip(content, MESSAGE_LIMIT),
            "nonce": nonce,
            "enforce_nonce": True,
            "allowed_mentions": mentions,
        }
        await self.limiter.acquire()
        try:
            await self.http.request(
                Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id),
                json=payload,
            )
        except discord.Forbidden as exc:
            closed = exc.code == CANNOT_DM
            raise DeliveryFailed(
                f"forbidden ({exc.code}): {exc.text}", permanent=True, dms_closed=closed
            ) from exc
        except discord.NotFound as exc:
            raise DeliveryFailed(f"channel {channel_id} not found", permanent=True) from exc
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError) as exc:
            # discord.py has already retried 429 and 5xx; try again later.
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
