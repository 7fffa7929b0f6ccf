"""Discord scheduled events follow everything they show (issue 11, item 5): the
office-hours event is edited when the place or the duration changes although the
start does not, and block-day descriptions are refreshed when the programme changes.

`EventSync` runs against the real services on SQLite and a small stand-in for
discord.py's client cache and HTTP client that keeps events the way Discord does
(including its refusal of a start in the past).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from bot.core.models import Seminar
from bot.core.services import Services
from bot.discord.scheduled_events import EventSync
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, add_paper, join_all, make_seminar

_ids = itertools.count(7_000)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class CachedEvent:
    """The attributes of discord.ScheduledEvent that EventSync reads."""

    name: str
    description: str | None
    location: str | None
    start_time: datetime
    end_time: datetime | None


@dataclass
class FakeDiscordEvents:
    """HTTP calls in, a guild cache out; `gateway=False` leaves the cache stale."""

    now: FakeClock
    gateway: bool = True
    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    cache: dict[int, CachedEvent] = field(default_factory=dict)

    # -- discord.Client ------------------------------------------------------
    def get_guild(self, guild_id: int) -> Any:
        if guild_id != GUILD:
            return None
        me = SimpleNamespace(guild_permissions=SimpleNamespace(manage_events=True))
        return SimpleNamespace(me=me, get_scheduled_event=self.cache.get)

    # -- discord.http.HTTPClient ---------------------------------------------
    async def create_guild_scheduled_event(self, guild_id: int, **payload: Any) -> Any:
        self._refuse_past_start(payload)
        event_id = next(_ids)
        self.events[event_id] = dict(payload)
        self.calls.append(("create", dict(payload)))
        self._dispatch(event_id)
        return {"id": str(event_id)}

    async def edit_scheduled_event(self, guild_id: int, event_id: int, **payload: Any) -> Any:
        self._refuse_past_start(payload)
        self.events[event_id].update(payload)
        self.calls.append(("edit", dict(payload)))
        self._dispatch(event_id)
        return self.events[event_id]

    async def delete_scheduled_event(self, guild_id: int, event_id: int) -> None:
        del self.events[event_id]
        self.cache.pop(event_id, None)
        self.calls.append(("delete", {"id": event_id}))

    def _refuse_past_start(self, payload: dict[str, Any]) -> None:
        start = payload.get("scheduled_start_time")
        if start is not None and _parse(start).timestamp() < self.now.now():
            raise AssertionError("Discord refuses a start in the past (400)")

    def _dispatch(self, event_id: int) -> None:
        if not self.gateway:
            return
        data = self.events[event_id]
        end = data.get("scheduled_end_time")
        self.cache[event_id] = CachedEvent(
            name=data["name"],
            description=data.get("description"),
            location=(data.get("entity_metadata") or {}).get("location"),
            start_time=_parse(data["scheduled_start_time"]),
            end_time=None if end is None else _parse(end),
        )


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


OFFICE_HOURS = {
    "weekday": "tuesday",
    "start": "14:00",
    "duration": 120,
    "place": "Room 01.09.014",
    "first": "2026-10-06",
    "last": "2027-02-09",
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at("2026-10-01T10:00:00+00:00"))


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    return await make_seminar(services, capacity=10, channel_id=4_242)


def sync_for(services: Services, discord: FakeDiscordEvents) -> EventSync:
    sources = (services.office_hour_events, services.block_day_events)
    return EventSync(discord, discord, *sources)  # type: ignore[arg-type]


@pytest.mark.parametrize("gateway", [True, False], ids=["cache", "recorded-times-only"])
async def test_office_hours_event_follows_place_and_duration(
    services: Services, seminar: Seminar, clock: FakeClock, gateway: bool
) -> None:
    discord = FakeDiscordEvents(clock, gateway=gateway)
    sync = sync_for(services, discord)
    await services.office_hours.set(GUILD, ORGANISER, **OFFICE_HOURS)
    await sync.sync()
    [(kind, created)] = discord.calls
    assert kind == "create" and created["entity_metadata"] == {"location": "Room 01.09.014"}

    await sync.sync()
    assert len(discord.calls) == 1  # nothing changed: no request

    # Longer, same start: the end moves (recorded, so seen even without the cache).
    await services.office_hours.set(GUILD, ORGANISER, **{**OFFICE_HOURS, "duration": 180})
    await sync.sync()
    kind, edited = discord.calls[-1]
    assert kind == "edit" and "scheduled_start_time" not in edited
    assert edited["scheduled_end_time"] == "2026-10-06T15:00:00+00:00"

    if not gateway:
        return  # a place alone is seen through the cache of what the event shows
    await services.office_hours.set(
        GUILD, ORGANISER, **{**OFFICE_HOURS, "duration": 180, "place": "Zoom (link in /seminar)"}
    )
    await sync.sync()
    kind, edited = discord.calls[-1]
    assert kind == "edit" and edited["entity_metadata"] == {"location": "Zoom (link in /seminar)"}
    assert "scheduled_start_time" not in edited
    await sync.sync()
    assert discord.calls[-1] == (kind, edited)  # and then it is up to date


async def test_a_place_change_during_the_office_hour_edits_without_touching_the_start(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    discord = FakeDiscordEvents(clock)
    sync = sync_for(services, discord)
    await services.office_hours.set(GUILD, ORGANISER, **OFFICE_HOURS)
    await sync.sync()
    clock.set(at("2026-10-06T12:30:00+00:00"))  # 14:30 in Berlin: under way
    await services.office_hours.set(GUILD, ORGANISER, **{**OFFICE_HOURS, "place": "Room 2"})
    await sync.sync()  # a start in the past would be refused by Discord
    kind, edited = discord.calls[-1]
    assert kind == "edit" and edited["entity_metadata"] == {"location": "Room 2"}


async def test_block_day_descriptions_are_refreshed(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    for code in ("p1", "p2", "p3"):
        await add_paper(services, code)
    await join_all(services, 101, 102, 103)
    for user_id, code in zip((101, 102, 103), ("p1", "p2", "p3"), strict=True):
        await services.assignments.pin(GUILD, ORGANISER, user_id, code)
    await services.assignments.run(GUILD, ORGANISER, seed=1)
    await services.assignments.publish(GUILD, ORGANISER)
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    discord = FakeDiscordEvents(clock)
    sync = sync_for(services, discord)
    await sync.sync()
    [(kind, created)] = discord.calls
    assert kind == "create" and "3 talks" in created["description"]

    # A presenter leaves: the day keeps its start and end, but the count changes.
    await services.registration.leave(GUILD, 103)
    await sync.sync()
    kind, edited = discord.calls[-1]
    assert kind == "edit" and "2 talks" in edited["description"]

    await services.seminars.setup(GUILD, ORGANISER, title="Deep Learning Theory")
    await sync.sync()
    kind, edited = discord.calls[-1]
    assert kind == "edit" and edited["description"].startswith("Deep Learning Theory: 2 talks")
    calls = len(discord.calls)
    await sync.sync()
    assert len(discord.calls) == calls
