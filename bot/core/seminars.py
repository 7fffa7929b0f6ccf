"""Creating and describing a server's seminar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.base import Service
from bot.core.errors import InvalidInput
from bot.core.models import (
    DEFAULT_ASSESSMENT,
    DEFAULT_TIMEZONE,
    Deadline,
    Participant,
    ParticipantStatus,
    Platform,
    Seminar,
)
from bot.core.registration import promote_first_waiting
from bot.core.text import clean_text
from bot.core.timeutil import zone
from bot.store import audit, deadlines, identities, papers, participants, seminars

MAX_CAPACITY = 1000


@dataclass(frozen=True)
class SetupResult:
    seminar: Seminar
    created: bool
    promoted: list[Participant]


@dataclass(frozen=True)
class Overview:
    seminar: Seminar
    deadlines: list[Deadline]
    registered: int
    waitlisted: int
    paper_count: int


class SeminarService(Service):
    async def setup(
        self,
        guild_id: int,
        actor_id: int,
        *,
        title: str | None = None,
        term: str | None = None,
        channel_id: int | None = None,
        organiser_role_id: int | None = None,
        timezone: str | None = None,
        capacity: int | None = None,
        pref_count: int | None = None,
        contact: str | None = None,
        attendance_required: bool | None = None,
    ) -> SetupResult:
        """Create this server's seminar, or change the fields given."""
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = clean_text(title, field="title", max_length=200, required=True)
        if term is not None:
            values["term"] = clean_text(term, field="term", max_length=100)
        if channel_id is not None:
            values["channel_id"] = channel_id
        if organiser_role_id is not None:
            values["organiser_role_id"] = organiser_role_id
        if timezone is not None:
            values["timezone"] = zone(timezone).key
        if capacity is not None:
            if not 1 <= capacity <= MAX_CAPACITY:
                raise InvalidInput(f"Capacity must be between 1 and {MAX_CAPACITY}.")
            values["capacity"] = capacity
        if pref_count is not None:
            if not 1 <= pref_count <= 5:
                raise InvalidInput("The number of ranked papers must be between 1 and 5.")
            values["pref_count"] = pref_count
        if contact is not None:
            values["contact"] = clean_text(contact, field="contact", max_length=200)
        if attendance_required is not None:
            values["attendance_required"] = attendance_required

        now = self.clock.now()
        promoted: list[Participant] = []
        async with self.db.transaction() as tx:
            existing = await seminars.by_guild(tx, guild_id)
            if existing is None:
                if "title" not in values:
                    raise InvalidInput("A new seminar needs a title.")
                values.setdefault("timezone", DEFAULT_TIMEZONE)
                values.setdefault("assessment", DEFAULT_ASSESSMENT)
                where = await identities.external(tx, "places", guild_id)
                platform = Platform.DISCORD if where is None else where[0]
                if platform is not Platform.DISCORD:
                    # A Matrix room or the terminal is its own announcement channel.
                    values.setdefault("channel_id", guild_id)
                await seminars.insert(tx, guild_id, platform, values, now)
            else:
                await seminars.update(tx, existing.id, values, now)
            seminar = await seminars.by_guild(tx, guild_id)
            assert seminar is not None
            # More seats: the waitlist moves up in the same transaction.
            while await participants.count_registered(tx, seminar.id) < seminar.capacity:
                moved = await promote_first_waiting(tx, seminar, now)
                if moved is None:
                    break
                promoted.append(moved)
            await audit.record(
                tx,
                guild_id,
                actor_id,
                "seminar.create" if existing is None else "seminar.update",
                {**values, "promoted": [p.user_id for p in promoted]},
                now,
            )
        self.schedule_changed.fire()
        return SetupResult(seminar=seminar, created=existing is None, promoted=promoted)

    async def overview(self, guild_id: int | None) -> Overview:
        seminar = await self.seminar(guild_id)
        counts = await participants.counts(self.db, seminar.id)
        return Overview(
            seminar=seminar,
            deadlines=await deadlines.list_all(self.db, seminar.id),
            registered=counts[ParticipantStatus.REGISTERED],
            waitlisted=counts[ParticipantStatus.WAITLISTED],
            paper_count=await papers.count(self.db, seminar.id),
        )

    async def find(self, guild_id: int | None) -> Seminar | None:
        """This server's seminar, or None (for checks that must not raise)."""
        return None if guild_id is None else await seminars.by_guild_cached(self.db, guild_id)
