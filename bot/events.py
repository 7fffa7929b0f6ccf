"""Mirrors the next office hours into a Discord scheduled event, where the bot may.

Students see it in the server's event list and can tap "Interested" to get
Discord's own notification; the bot's reminders do not depend on it.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

import discord
from discord.http import HTTPClient

from bot.core.officehours import EventPlan

log = logging.getLogger(__name__)

EXTERNAL = 3  # Discord's entity type for events that happen outside voice channels
GUILD_ONLY = 2


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat()


class EventSource(Protocol):
    """What the bot keeps as scheduled events: office hours, block days."""

    async def plans(self) -> list[EventPlan]: ...

    async def remember(self, plan: EventPlan, event_id: int | None) -> None: ...


class EventSync:
    def __init__(self, client: discord.Client, http: HTTPClient, *sources: EventSource):
        self.client = client
        self.http = http
        self.sources = sources

    def may_manage(self, guild_id: int) -> bool:
        guild = self.client.get_guild(guild_id)
        if guild is None or guild.me is None:
            return False
        return guild.me.guild_permissions.manage_events

    async def sync(self) -> None:
        for source in self.sources:
            for plan in await source.plans():
                await self._sync_one(source, plan)

    async def _sync_one(self, events: EventSource, plan: EventPlan) -> None:
        if (
            plan.start == plan.current_start
            and plan.current_event_id is not None
            and (plan.current_end is None or plan.end == plan.current_end)
        ):
            return
        if not self.may_manage(plan.guild_id):
            log.debug("no Manage Events in guild %s; skipping event sync", plan.guild_id)
            return
        try:
            await self._apply(events, plan)
        except discord.HTTPException as exc:
            log.warning("could not sync the %s event in %s: %s", plan.purpose, plan.guild_id, exc)

    async def _apply(self, events: EventSource, plan: EventPlan) -> None:
        if plan.start is None or plan.end is None:
            if plan.current_event_id is not None:
                with contextlib.suppress(discord.NotFound):
                    await self.http.delete_scheduled_event(plan.guild_id, plan.current_event_id)
            await events.remember(plan, None)
            return
        payload: dict[str, Any] = {
            "name": plan.name,
            "privacy_level": GUILD_ONLY,
            "scheduled_start_time": _iso(plan.start),
            "scheduled_end_time": _iso(plan.end),
            "entity_type": EXTERNAL,
            "entity_metadata": {"location": plan.place[:100]},
            "description": plan.description,
        }
        if plan.current_event_id is not None:
            try:
                await self.http.edit_scheduled_event(
                    plan.guild_id, plan.current_event_id, **payload
                )
                await events.remember(plan, plan.current_event_id)
                return
            except discord.NotFound:
                pass  # deleted by hand, or it already ended: create a new one
        created = await self.http.create_guild_scheduled_event(plan.guild_id, **payload)
        await events.remember(plan, int(created["id"]))
