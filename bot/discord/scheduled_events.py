"""Mirrors the next office hours into a Discord scheduled event, where the bot may.

Students see it in the server's event list and can tap "Interested" to get
Discord's own notification; the bot's reminders do not depend on it. An event
is edited whenever anything it shows differs from the plan (name, description,
place, start, end), not only when the start moves.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
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
                try:
                    await self._sync_one(source, plan)
                except Exception:
                    # One seminar's event (say, a stored time out of range) never
                    # keeps the others from being synced.
                    log.exception("could not sync the %s event in %s", plan.purpose, plan.guild_id)

    def _shown(self, plan: EventPlan) -> Shown | None:
        """What the event shows now, from the client's cache (None: not known)."""
        if plan.current_event_id is None:
            return None
        guild = self.client.get_guild(plan.guild_id)
        event = None if guild is None else guild.get_scheduled_event(plan.current_event_id)
        if event is None:
            return None
        return Shown(
            name=event.name,
            description=event.description or "",
            location=event.location or "",
            start=int(event.start_time.timestamp()),
            end=None if event.end_time is None else int(event.end_time.timestamp()),
        )

    def _up_to_date(self, plan: EventPlan) -> bool:
        if plan.start is None or plan.end is None:
            return plan.current_event_id is None
        if plan.current_event_id is None or plan.start != plan.current_start:
            return False
        if plan.current_end is not None and plan.end != plan.current_end:
            return False
        shown = self._shown(plan)
        # Not in the cache: judged by the recorded times alone, as before.
        return shown is None or shown == Shown.of(plan)

    async def _sync_one(self, events: EventSource, plan: EventPlan) -> None:
        if self._up_to_date(plan):
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
        wanted = Shown.of(plan)
        if plan.current_event_id is not None:
            # Only what shows: an unchanged start is left out, since Discord refuses
            # a start in the past (office hours under way whose place changed).
            changes: dict[str, Any] = {
                "name": wanted.name,
                "description": wanted.description,
                "entity_metadata": {"location": wanted.location},
                "scheduled_end_time": _iso(plan.end),
            }
            if plan.start != plan.current_start:
                changes["scheduled_start_time"] = _iso(plan.start)
            try:
                await self.http.edit_scheduled_event(
                    plan.guild_id, plan.current_event_id, **changes
                )
                await events.remember(plan, plan.current_event_id)
                return
            except discord.NotFound:
                pass  # deleted by hand, or it already ended: create a new one
        created = await self.http.create_guild_scheduled_event(
            plan.guild_id,
            name=wanted.name,
            privacy_level=GUILD_ONLY,
            scheduled_start_time=_iso(plan.start),
            scheduled_end_time=_iso(plan.end),
            entity_type=EXTERNAL,
            entity_metadata={"location": wanted.location},
            description=wanted.description,
        )
        await events.remember(plan, int(created["id"]))


@dataclass(frozen=True)
class Shown:
    """Everything a scheduled event shows; any difference means an edit."""

    name: str
    description: str
    location: str
    start: int
    end: int | None

    @classmethod
    def of(cls, plan: EventPlan) -> Shown:
        assert plan.start is not None and plan.end is not None
        return cls(plan.name, plan.description, plan.place[:100], plan.start, plan.end)
