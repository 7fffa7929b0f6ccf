"""Joining, leaving and the waitlist."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.base import Service
from bot.core.errors import DeadlinePassed, NotFound
from bot.core.models import DeadlineKind, Participant, ParticipantStatus, Seminar
from bot.core.reminders.outbox import literal
from bot.core.text import clip, printable
from bot.store import assignments, deadlines, participants, reminders, submissions
from bot.store.database import Transaction


@dataclass(frozen=True)
class JoinResult:
    seminar: Seminar
    status: ParticipantStatus
    already: bool
    waitlist_position: int | None


@dataclass(frozen=True)
class LeaveResult:
    seminar: Seminar
    left: Participant
    promoted: Participant | None


@dataclass(frozen=True)
class ParticipantRow:
    participant: Participant
    ranked: int
    waitlist_position: int | None
    # Kinds handed in ('report', 'slides'), any version.
    handed_in: frozenset[str] = frozenset()
    # Code of the paper in the published assignment, if any.
    paper: str | None = None


@dataclass(frozen=True)
class ParticipantOverview:
    seminar: Seminar
    rows: list[ParticipantRow]


PROMOTION_NOTICE = (
    "Good news: a place in **{title}** has freed up and you are now registered. "
    "Rank your papers with `/prefs set`."
)


async def promote_first_waiting(tx: Transaction, seminar: Seminar, now: int) -> Participant | None:
    """Move the first waiting person into a free place and, in the same transaction,
    queue the DM that tells them, so the news can neither be lost nor sent twice."""
    moved = await participants.promote_first_waiting(tx, seminar.id)
    if moved is not None:
        text = PROMOTION_NOTICE.format(title=literal(clip(seminar.title, 200)))
        await reminders.add_notice(tx, seminar.id, moved.user_id, "promotion", text, now)
    return moved


async def remove_participant(
    tx: Transaction, seminar: Seminar, participant: Participant, now: int
) -> Participant | None:
    """Delete a registration (preferences go with it) and promote the first waiting
    person into a freed place; shared by `/leave` and `/mydata delete`."""
    await participants.delete(tx, participant.id)
    if participant.status is ParticipantStatus.REGISTERED and (
        await participants.count_registered(tx, seminar.id) < seminar.capacity
    ):
        return await promote_first_waiting(tx, seminar, now)
    return None


class RegistrationService(Service):
    async def join(self, guild_id: int | None, user_id: int, display_name: str) -> JoinResult:
        seminar = await self.seminar(guild_id)
        name = clip(printable(display_name).strip(), 100)
        now = self.clock.now()

        async def write(tx: Transaction) -> JoinResult:
            # A newcomer costs two statements: the counts (one row: is there a seat,
            # and, as the newcomer goes to the end of the queue, which place on the
            # waitlist) and the INSERT, which does nothing for someone already in.
            # Each statement here hands the GIL to the busy event loop and back while
            # every other write waits, so there is no lookup first.
            counts = await participants.counts(tx, seminar.id)
            full = counts[ParticipantStatus.REGISTERED] >= seminar.capacity
            status = ParticipantStatus.WAITLISTED if full else ParticipantStatus.REGISTERED
            if await participants.insert_new(tx, seminar.id, user_id, name, status, now):
                position = counts[ParticipantStatus.WAITLISTED] + 1 if full else None
                return JoinResult(seminar, status, False, position)
            existing = await participants.get(tx, seminar.id, user_id)
            assert existing is not None  # the INSERT just found them
            if existing.display_name != name:
                await participants.set_display_name(tx, existing.id, name)
            position = (
                await participants.waitlist_position(tx, existing)
                if existing.status is ParticipantStatus.WAITLISTED
                else None
            )
            return JoinResult(seminar, existing.status, True, position)

        # One hop, shared with other joins (group commit): the waitlist order is the
        # order the writes run in, and each is committed before this returns.
        return await self.db.write(write)

    async def check_leave(self, guild_id: int | None, user_id: int) -> Participant:
        """Who would leave; raises when leaving is not possible (asked before confirming)."""
        seminar = await self.seminar(guild_id)
        participant = await participants.get(self.db, seminar.id, user_id)
        if participant is None:
            raise NotFound("You are not registered for this seminar.")
        await self._refuse_after_deadline(seminar, participant)
        return participant

    async def leave(self, guild_id: int | None, user_id: int) -> LeaveResult:
        seminar = await self.seminar(guild_id)
        async with self.db.transaction() as tx:
            participant = await participants.get(tx, seminar.id, user_id)
            if participant is None:
                raise NotFound("You are not registered for this seminar.")
            # Checked again inside the transaction: the deadline may have passed
            # while the confirm button was waiting.
            await self._refuse_after_deadline(seminar, participant)
            promoted = await remove_participant(tx, seminar, participant, self.clock.now())
        if promoted is not None:
            self.schedule_changed.fire()
        return LeaveResult(seminar, participant, promoted)

    async def _refuse_after_deadline(self, seminar: Seminar, participant: Participant) -> None:
        if participant.status is ParticipantStatus.WAITLISTED:
            return  # leaving the waitlist frees nobody's paper
        deadline = await deadlines.by_kind(self.db, seminar.id, DeadlineKind.DEREGISTRATION)
        if deadline is not None and self.clock.now() > deadline.due_at:
            whom = "Please contact the organisers"
            if seminar.contact:
                whom += f": {seminar.contact.replace('{', '(').replace('}', ')')}"
            raise DeadlinePassed(
                "The de-registration deadline ({due}) has passed, so you cannot leave with "
                f"`/leave` any more. {whom}.",
                due=deadline.due_at,
            )

    async def overview(self, guild_id: int | None) -> ParticipantOverview:
        """Everyone registered or waiting, with what organisers check on them."""
        seminar = await self.seminar(guild_id)
        everyone = await participants.list_by_status(self.db, seminar.id)
        sizes = await participants.ranking_sizes(self.db, seminar.id)
        handed_in: dict[int, set[str]] = {}
        for user_id, kind in await submissions.latest_by_user(self.db, seminar.id):
            handed_in.setdefault(user_id, set()).add(kind)
        papers = await assignments.published_codes(self.db, seminar.id)
        rows = []
        waiting = 0
        for participant in everyone:
            position = None
            if participant.status is ParticipantStatus.WAITLISTED:
                waiting += 1
                position = waiting
            rows.append(
                ParticipantRow(
                    participant,
                    sizes.get(participant.id, 0),
                    position,
                    frozenset(handed_in.get(participant.user_id, ())),
                    papers.get(participant.user_id),
                )
            )
        return ParticipantOverview(seminar, rows)
