"""Deadlines: stored, listed, and the source of the reminders they imply."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.base import Service
from bot.core.errors import InvalidInput, NotFound
from bot.core.models import Deadline, DeadlineKind, ParticipantStatus, Seminar
from bot.core.text import clean_text
from bot.core.timeutil import parse_local_time, parse_offsets
from bot.store import audit, deadlines, participants, submissions

DEFAULT_REMINDERS = "7d,1d,2h"
_KIND = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class DeadlineChange:
    seminar: Seminar
    deadline: Deadline
    created: bool
    in_past: bool


@dataclass(frozen=True)
class DeadlineStatus:
    deadline: Deadline
    # True/False where "done" means something for this reader (e.g. ranked
    # papers before `preferences`); None where it does not.
    done: bool | None


def normalise_kind(kind: str) -> str:
    cleaned = kind.strip().lower().replace(" ", "-")
    if not _KIND.match(cleaned):
        raise InvalidInput(
            "A deadline kind is a short name of letters, digits, `-` or `_` (up to 40), "
            "e.g. `report` or `intro-meeting`."
        )
    return cleaned


class DeadlineService(Service):
    async def set(
        self,
        guild_id: int | None,
        actor_id: int,
        kind: str,
        when: str,
        reminders: str | None = None,
        note: str | None = None,
    ) -> DeadlineChange:
        """Create the deadline or move it.

        `reminders` and `note` left out (None) keep what an existing deadline
        has, so moving one never turns back on reminders an organiser switched
        off; a new deadline gets `7d,1d,2h` and no note.
        """
        seminar = await self.seminar(guild_id)
        name = normalise_kind(kind)
        due_at = parse_local_time(when, seminar.tz)
        given_offsets = None if reminders is None else parse_offsets(reminders)
        given_note = (
            None if note is None else clean_text(note, field="note", max_length=500, multiline=True)
        )
        now = self.clock.now()
        async with self.db.transaction() as tx:
            before = await deadlines.by_kind(tx, seminar.id, name)
            if given_offsets is not None:
                offsets = given_offsets
            elif before is not None:
                offsets = list(before.reminder_offsets)
            else:
                offsets = parse_offsets(DEFAULT_REMINDERS)
            text = given_note if given_note is not None else (before.note if before else "")
            await deadlines.upsert(tx, seminar.id, name, due_at, offsets, text, now)
            after = await deadlines.by_kind(tx, seminar.id, name)
            assert after is not None
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "deadline.set",
                {
                    "kind": name,
                    "due_at": due_at,
                    "offsets": offsets,
                    "note": text,
                    "previous_due_at": None if before is None else before.due_at,
                },
                now,
            )
        self.schedule_changed.fire()
        return DeadlineChange(seminar, after, before is None, due_at <= now)

    async def remove(self, guild_id: int | None, actor_id: int, kind: str) -> Deadline:
        seminar = await self.seminar(guild_id)
        name = normalise_kind(kind)
        async with self.db.transaction() as tx:
            found = await deadlines.by_kind(tx, seminar.id, name)
            if found is None:
                raise NotFound(f"There is no `{name}` deadline.")
            await deadlines.delete(tx, found.id)
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "deadline.remove",
                {"kind": name, "due_at": found.due_at},
                self.clock.now(),
            )
        self.schedule_changed.fire()
        return found

    async def get(self, guild_id: int | None, kind: str) -> Deadline:
        seminar = await self.seminar(guild_id)
        name = normalise_kind(kind)
        found = await deadlines.by_kind(self.db, seminar.id, name)
        if found is None:
            raise NotFound(f"There is no `{name}` deadline.")
        return found

    async def kinds(self, guild_id: int | None) -> list[str]:
        seminar = await self.seminar(guild_id)
        return [d.kind for d in await deadlines.list_all(self.db, seminar.id)]

    async def for_user(
        self, guild_id: int | None, user_id: int, *, include_past: bool = False
    ) -> tuple[Seminar, list[DeadlineStatus]]:
        seminar = await self.seminar(guild_id)
        now = self.clock.now()
        participant = await participants.get(self.db, seminar.id, user_id)
        ranked = 0
        if participant is not None:
            ranked = len(await participants.ranking(self.db, participant.id))
        handed_in = {s.kind for s in await submissions.of_user(self.db, seminar.id, user_id)}
        statuses = []
        for deadline in await deadlines.list_all(self.db, seminar.id):
            if deadline.due_at < now and not include_past:
                continue
            done: bool | None = None
            if (
                deadline.kind == DeadlineKind.PREFERENCES
                and participant is not None
                and participant.status is ParticipantStatus.REGISTERED
            ):
                done = ranked >= seminar.pref_count
            elif (
                deadline.kind in (DeadlineKind.REPORT, DeadlineKind.SLIDES)
                and participant is not None
                and participant.status is ParticipantStatus.REGISTERED
            ):
                done = deadline.kind in handed_in
            statuses.append(DeadlineStatus(deadline, done))
        return seminar, statuses
