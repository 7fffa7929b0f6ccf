"""Whom a reminder reaches, decided at send time from the rows as they are then.

A preference reminder goes only to participants still short of a full ranking, a
report or slides reminder only to those who have not handed in, a talk reminder only
to its presenter; everyone else's DM follows their reminder setting. The text
itself is in wording.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.models import DeadlineKind
from bot.core.reminders.occurrences import Occurrence, Source
from bot.core.reminders.outbox import Notice, literal
from bot.core.reminders.wording import assignment_dm, notice_for, talk_notice, with_check_in_code
from bot.core.text import clip
from bot.store import assignments as assignment_store
from bot.store import attendance as attendance_store
from bot.store import deadlines as deadline_store
from bot.store import reminders as store
from bot.store import seminars as seminar_store
from bot.store import talks as talk_store
from bot.store.database import Database


@dataclass(frozen=True)
class Audience:
    channel_id: int | None
    dm_user_ids: list[int]
    # A DM's own wording where it differs per recipient (each student's paper);
    # everyone else in dm_user_ids gets the occurrence's notice.
    personal: dict[int, Notice] = field(default_factory=dict)
    # False: DMs only; the channel is used just to mention those whose DMs are closed.
    post: bool = True


class ReminderContent:
    """What an occurrence says and whom it reaches, decided at send time."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def notice(self, occurrence: Occurrence, *, prefix: str = "") -> Notice | None:
        return await notice_for(self.db, occurrence, prefix)

    async def audience(self, occurrence: Occurrence, *, prefix: str = "") -> Audience:
        """Who gets the occurrence; personal wordings start with `prefix` (sent late)."""
        seminar = await seminar_store.by_id(self.db, occurrence.seminar_id)
        if seminar is None:
            return Audience(None, [])
        channel_id = seminar.channel_id
        if occurrence.source is Source.PUBLICATION:
            return await self._publication_audience(occurrence, channel_id, prefix)
        if occurrence.source is Source.TALK:
            return await self._talk_audience(occurrence, channel_id, prefix)
        if occurrence.source is Source.BLOCK_DAY:
            people = await store.registered_users(self.db, occurrence.seminar_id)
            return Audience(channel_id, [p.user_id for p in people if p.dm])
        if occurrence.source is Source.NOTICE:
            # Not a reminder: sent whatever the reminder setting, like a publication DM.
            notice = await store.notice(self.db, occurrence.ref_id)
            return Audience(channel_id, [] if notice is None else [notice.account_id], post=False)
        if occurrence.source is not Source.DEADLINE:
            return Audience(channel_id, [])
        deadline = await deadline_store.by_id(self.db, occurrence.ref_id)
        kind = None if deadline is None else deadline.kind
        people = await store.registered_users(self.db, occurrence.seminar_id)
        if kind == DeadlineKind.PREFERENCES:
            people = [p for p in people if p.ranked < seminar.pref_count]
        elif kind in (DeadlineKind.REPORT, DeadlineKind.SLIDES):
            done = await store.submitted_users(self.db, occurrence.seminar_id, kind)
            people = [p for p in people if p.user_id not in done]
        return Audience(channel_id, [p.user_id for p in people if p.dm])

    async def _talk_audience(
        self, occurrence: Occurrence, channel_id: int | None, prefix: str
    ) -> Audience:
        """Only the presenter; the channel is where a closed DM falls back to."""
        slot = await talk_store.slot_by_id(self.db, occurrence.ref_id)
        people = await store.registered_users(self.db, occurrence.seminar_id)
        wanted = None if slot is None else slot.user_id
        dms = [p.user_id for p in people if p.user_id == wanted and p.dm]
        # The hour-before DM carries the talk's check-in code; only the DM does: a
        # closed DM's fallback mention in the channel must not show it to everyone.
        code = await attendance_store.code_of_slot(self.db, occurrence.ref_id)
        base = await talk_notice(self.db, occurrence, prefix)
        if wanted is None or code is None or base is None or occurrence.offset > 3_600:
            return Audience(channel_id, dms, post=False)
        return Audience(channel_id, dms, {wanted: with_check_in_code(base, code)}, post=False)

    async def _publication_audience(
        self, occurrence: Occurrence, channel_id: int | None, prefix: str
    ) -> Audience:
        """DMs to the students this publication gave a paper (or a different one)."""
        seminar = literal(clip(await seminar_store.title_of(self.db, occurrence.seminar_id), 200))
        personal = {
            assigned.user_id: assignment_dm(seminar, assigned, prefix)
            for assigned in await assignment_store.newly_assigned(self.db, occurrence.ref_id)
        }
        return Audience(channel_id, list(personal), personal)
