"""Ranked paper preferences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.base import Service
from bot.core.errors import DeadlinePassed, DomainError, InvalidInput, NotAllowed
from bot.core.models import Deadline, DeadlineKind, Paper, Participant, ParticipantStatus, Seminar
from bot.core.text import echo
from bot.store import deadlines, papers, participants
from bot.store.database import Transaction
from bot.store.reader import Reader

MAX_RANKS = 5
# What /prefs set reads from memory (see `PreferenceService.set`).
_READ_MOSTLY = ("papers", "deadlines")


@dataclass(frozen=True)
class Ranking:
    seminar: Seminar
    participant: Participant
    papers: list[Paper]
    updated_at: int | None

    @property
    def complete(self) -> bool:
        return len(self.papers) >= self.seminar.pref_count


class PreferenceService(Service):
    async def set(self, guild_id: int | None, user_id: int, choices: Sequence[str]) -> Ranking:
        """Replace the ranking with `choices` (codes or exact titles, best first).

        Everything is checked inside the transaction that writes the ranking: a
        paper removed or a registration ended meanwhile is a clear refusal, not a
        foreign-key error.
        """
        seminar = await self.seminar(guild_id)
        wanted = [choice.strip() for choice in choices if choice and choice.strip()]
        now = self.clock.now()
        # The catalogue and the deadline from memory, with the table versions they
        # were read at: inside the transaction they are used only if no row of
        # either table changed since, and read there again otherwise.
        seen_at = self.db.versions.of(_READ_MOSTLY)
        index = await papers.catalogue_index(self.db, seminar.id)
        deadline = await deadlines.by_kind_cached(self.db, seminar.id, DeadlineKind.PREFERENCES)
        if self.db.versions.of(_READ_MOSTLY) != seen_at:
            index, deadline = {}, None
            seen_at = ()

        async def checked(tx: Transaction) -> list[Paper]:
            """The ranked papers, or the refusal; reads only."""
            if self.db.versions.of(_READ_MOSTLY) == seen_at:
                self._check_deadline(deadline)
                known = index
            else:
                await self._refuse_after_deadline(tx, seminar)
                known = {}
            if len(wanted) > MAX_RANKS:
                raise InvalidInput(f"You can rank at most {MAX_RANKS} papers.")
            if len(wanted) < seminar.pref_count:
                raise InvalidInput(
                    f"Please rank at least {seminar.pref_count} papers (you gave {len(wanted)})."
                )
            ranked = [
                known.get(choice.lower()) or await self._resolve(tx, seminar, choice)
                for choice in wanted
            ]
            seen: dict[int, int] = {}
            for rank, paper in enumerate(ranked, start=1):
                if paper.id in seen:
                    raise InvalidInput(
                        f"`{paper.code}` is ranked twice (choice {seen[paper.id]} and {rank}). "
                        "Each paper can appear only once."
                    )
                seen[paper.id] = rank
            return ranked

        async def write(tx: Transaction) -> tuple[Participant, list[Paper]]:
            # Every refusal before the first change (a write that raises after
            # changing rows makes its whole group-commit batch run again), and
            # "not registered" before any other.
            try:
                ranked = await checked(tx)
            except DomainError:
                await self._registered(tx, seminar, user_id)
                raise
            # Who it is and the new time stamp in one statement.
            stamped = await participants.stamp_ranking(tx, seminar.id, user_id, now)
            if stamped is None:  # not in the seminar, or waiting: say which
                participant, ranked_before = await self._registered(tx, seminar, user_id), None
            else:
                participant, ranked_before = stamped
            await participants.write_ranking(
                tx, participant.id, [p.id for p in ranked], ranked_before
            )
            return participant, ranked

        # One hop, shared with other students' writes (group commit); committed
        # before this returns.
        participant, ranked = await self.db.write(write)
        return Ranking(seminar, participant, ranked, now)

    async def show(self, guild_id: int | None, user_id: int) -> Ranking:
        seminar = await self.seminar(guild_id)
        participant = await self._participant(self.db, seminar, user_id)
        ranked = await participants.ranking(self.db, participant.id)
        return Ranking(seminar, participant, ranked, participant.prefs_updated_at)

    async def clear(self, guild_id: int | None, user_id: int) -> Ranking:
        seminar = await self.seminar(guild_id)
        now = self.clock.now()

        async def write(tx: Transaction) -> Participant:
            participant = await self._participant(tx, seminar, user_id)
            await self._refuse_after_deadline(tx, seminar)
            await participants.replace_ranking(tx, participant.id, [], now)
            return participant

        return Ranking(seminar, await self.db.write(write), [], None)

    async def _participant(self, db: Reader, seminar: Seminar, user_id: int) -> Participant:
        participant = await participants.get(db, seminar.id, user_id)
        if participant is None:
            raise NotAllowed("You are not registered for this seminar. Use `/join` first.")
        return participant

    async def _registered(self, db: Reader, seminar: Seminar, user_id: int) -> Participant:
        participant = await self._participant(db, seminar, user_id)
        if participant.status is not ParticipantStatus.REGISTERED:
            raise NotAllowed(
                "You are on the waitlist, so you cannot rank papers yet. You will be told "
                "as soon as a place frees up."
            )
        return participant

    async def _refuse_after_deadline(self, db: Reader, seminar: Seminar) -> None:
        self._check_deadline(await deadlines.by_kind(db, seminar.id, DeadlineKind.PREFERENCES))

    def _check_deadline(self, deadline: Deadline | None) -> None:
        if deadline is not None and self.clock.now() > deadline.due_at:
            raise DeadlinePassed(
                "The preference deadline ({due}) has passed; rankings can no longer be "
                "changed. Please contact the organisers if something is wrong.",
                due=deadline.due_at,
            )

    async def _resolve(self, db: Reader, seminar: Seminar, choice: str) -> Paper:
        found = await papers.by_code(db, seminar.id, choice)
        if found is not None:
            return found
        # Someone may type a title by hand instead of picking from autocomplete.
        # Compared over the whole catalogue: a search page could be filled by
        # longer titles that merely contain the one typed.
        wanted = choice.casefold()
        matches = [
            paper
            for paper in await papers.list_all(db, seminar.id)
            if paper.title.casefold() == wanted
        ]
        if len(matches) == 1:
            return matches[0]
        raise InvalidInput(
            f"There is no paper `{echo(choice)}`. "
            "Pick papers from the suggestions, or see `/papers`."
        )
