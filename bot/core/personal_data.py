"""`/mydata`: everything stored about a member in this server's seminar, or none of it.

Export is a JSON-ready dict of the member's own rows. Grades appear only once
released (both parts recorded), so an export never shows a half-finished
grade before the organisers are done.

Delete removes the rows in one transaction and the hand-in files after it
committed (a failed transaction must not leave rows pointing at deleted files).
Rows the organisers keep for the seminar's sake lose the member instead of
disappearing: audit entries by or about them are pseudonymised, announcements
they wrote lose their author. Leaving frees the member's place like `/leave`
(the waitlist moves up), but is allowed after the de-registration deadline: the
right to have one's data erased does not expire.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.base import FileBackedService
from bot.core.grading import final_text, format_grade, missed_talks, outcome, with_attendance
from bot.core.models import AuditEntry, Participant, ParticipantStatus, Seminar
from bot.core.registration import remove_participant
from bot.core.submissions import user_folder
from bot.core.timeutil import iso_instant
from bot.store import (
    assignments,
    attendance,
    audit,
    grades,
    identities,
    participants,
    reminders,
    submissions,
    talks,
)
from bot.store import personal_data as store
from bot.store.reader import Reader

log = logging.getLogger(__name__)

DELETED = "[deleted member]"
# Audit rows keep their action and time; the member they were about becomes this.
DELETED_ACTOR = 0


@dataclass(frozen=True)
class DeletionSummary:
    """What a delete would remove, shown before the member confirms."""

    registered: bool
    submissions: int
    has_grades: bool
    other_rows: int

    @property
    def empty(self) -> bool:
        return not (self.registered or self.submissions or self.has_grades or self.other_rows)


@dataclass(frozen=True)
class DeletionResult:
    seminar: Seminar
    promoted: Participant | None
    # They presented a published paper, now free: organisers see "re-run advised".
    freed_paper: bool
    files_removed: int
    # Files that could not be removed (logged); the rows are gone regardless.
    files_left: int


def iso(unix: int | None) -> str | None:
    return None if unix is None else iso_instant(unix)


def scrub(value: Any, user_id: int) -> Any:
    """`value` (parsed JSON) with every mention of `user_id` replaced by DELETED."""
    if isinstance(value, dict):
        return {key: scrub(item, user_id) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, user_id) for item in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value == user_id:
        return DELETED
    if isinstance(value, str) and str(user_id) in value:
        return value.replace(str(user_id), DELETED)
    return value


class PersonalDataService(FileBackedService):
    # -- export ----------------------------------------------------------------

    async def export(self, guild_id: int | None, user_id: int) -> dict[str, Any]:
        seminar = await self.seminar(guild_id)
        participant = await participants.get(self.db, seminar.id, user_id)
        return {
            "about": {
                "seminar": seminar.title,
                "server_id": str(seminar.guild_id),
                "user_id": str(user_id),
                "exported_at": iso(self.clock.now()),
                "note": "Times are UTC (ISO 8601). Hand-in files themselves are not included.",
            },
            "registration": await self._registration(participant),
            "preferences": await self._preferences(participant),
            "assignment": await self._assignment(seminar, user_id),
            "submissions": await self._submissions(seminar, user_id),
            "grades": await self._grades(seminar, user_id),
            "attendance": await self._attendance(seminar, user_id),
            "reminder_settings": await self._reminder_settings(seminar, user_id),
            "deliveries": [
                {
                    "job": delivery.job_key,
                    "due_at": iso(delivery.due_at),
                    "status": delivery.status,
                    "late": delivery.late,
                    "attempts": delivery.attempts,
                    "error": delivery.error,
                    "claimed_at": iso(delivery.claimed_at),
                    "sent_at": iso(delivery.sent_at),
                }
                for delivery in await store.deliveries(self.db, seminar.id, user_id)
            ],
            "dm_channel": await self._dm_channel(user_id),
            # Organisers' actions concerning the member: what and when, without
            # their details (which may hold grades not yet released).
            "organiser_actions": [
                {"action": entry.action, "at": iso(entry.at)}
                for entry in await store.audit_mentions(self.db, seminar.guild_id, user_id)
                if _mentions(entry, user_id)
            ],
        }

    async def _registration(self, participant: Participant | None) -> dict[str, Any] | None:
        if participant is None:
            return None
        position = None
        if participant.status is ParticipantStatus.WAITLISTED:
            position = await participants.waitlist_position(self.db, participant)
        return {
            "status": participant.status.value,
            "display_name": participant.display_name,
            "joined_at": iso(participant.joined_at),
            "waitlist_position": position,
            "preferences_updated_at": iso(participant.prefs_updated_at),
        }

    async def _preferences(self, participant: Participant | None) -> list[dict[str, Any]]:
        if participant is None:
            return []
        ranking = await participants.ranking(self.db, participant.id)
        return [
            {"rank": rank, "paper": paper.code, "title": paper.title}
            for rank, paper in enumerate(ranking, start=1)
        ]

    async def _assignment(self, seminar: Seminar, user_id: int) -> dict[str, Any]:
        """The published paper, a pin, and changes logged since publication.

        Previews an organiser has not published are left out, like grades not
        yet released: they are not decisions yet (and are deleted with the rest).
        """
        published = await assignments.assignment_of(self.db, seminar.id, user_id)
        pinned = await store.pin(self.db, seminar.id, user_id)
        slot = await talks.slot_of(self.db, seminar.id, user_id)
        return {
            "published": None
            if published is None
            else {
                "paper": published.paper_code,
                "title": published.paper_title,
                "rank": published.rank,
            },
            "pinned_to": None
            if pinned is None
            else {
                "paper": pinned.paper_code,
                "title": pinned.paper_title,
                "since": iso(pinned.pinned_at),
            },
            "changes_since_publication": await store.assignment_changes(
                self.db, seminar.id, user_id
            ),
            "talk": None
            if slot is None
            else {
                "paper": slot.paper_code,
                "day": slot.day_index + 1,
                "position": slot.position,
                "starts_at": iso(slot.starts_at),
                "ends_at": iso(slot.ends_at),
            },
        }

    async def _submissions(self, seminar: Seminar, user_id: int) -> list[dict[str, Any]]:
        return [
            {
                "kind": row.kind,
                "version": row.version,
                "submitted_at": iso(row.submitted_at),
                "deadline": iso(row.due_at),
                "on_time": row.on_time,
                "size_bytes": row.size_bytes,
                "sha256": row.sha256,
                "original_filename": row.original_filename,
            }
            for row in await submissions.of_user(self.db, seminar.id, user_id)
        ]

    async def _grades(self, seminar: Seminar, user_id: int) -> dict[str, Any] | None:
        missed = await missed_talks(self.db, seminar, self.clock.now())
        result = with_attendance(
            outcome(*await grades.parts(self.db, seminar.id, user_id)), missed.get(user_id, 0)
        )
        if not result.released:
            return None
        return {
            "report": format_grade(result.report),
            "presentation": format_grade(result.presentation),
            "final": final_text(result),
            "state": result.state.value,
        }

    async def _attendance(self, seminar: Seminar, user_id: int) -> dict[str, Any]:
        """My check-ins, excuses and refused attempts; talks named by number and paper,
        never by their presenter (someone else's data)."""
        entries, excuses, attempts = await attendance.of_member(self.db, seminar.id, user_id)
        talks_by = {t.presenter_id: t for t in await attendance.talks(self.db, seminar.id)}

        def talk(presenter_id: int | None) -> dict[str, Any] | None:
            found = None if presenter_id is None else talks_by.get(presenter_id)
            return None if found is None else {"talk": found.position, "paper": found.paper_code}

        return {
            "entries": [
                {
                    "talk": talk(e.presenter_id),
                    "present": e.present,
                    "source": e.source.value,
                    "at": iso(e.at),
                }
                for e in entries
            ],
            "excuses": [
                {"talk": talk(e.presenter_id), "reason": e.reason, "at": iso(e.at)} for e in excuses
            ],
            "refused_attempts": [
                {
                    "code": a.code,
                    "reason": a.reason.value,
                    "talk": talk(a.presenter_id),
                    "at": iso(a.at),
                }
                for a in attempts
            ],
        }

    async def _reminder_settings(self, seminar: Seminar, user_id: int) -> dict[str, Any]:
        settings = await store.user_settings(self.db, seminar.id, user_id)
        return {
            "dm_reminders": True if settings is None else settings.dm_reminders,
            "stored": settings is not None,
        }

    async def _dm_channel(self, user_id: int) -> dict[str, Any] | None:
        channel_id = await reminders.dm_channel(self.db, user_id)
        return None if channel_id is None else {"channel_id": str(channel_id)}

    # -- delete ----------------------------------------------------------------

    async def summary(self, guild_id: int | None, user_id: int) -> DeletionSummary:
        seminar = await self.seminar(guild_id)
        return await self._summary(self.db, seminar, user_id)

    async def _summary(self, db: Reader, seminar: Seminar, user_id: int) -> DeletionSummary:
        participant = await participants.get(db, seminar.id, user_id)
        handed_in = await submissions.of_user(db, seminar.id, user_id)
        report, presentation = await grades.parts(db, seminar.id, user_id)
        others = [
            await store.user_settings(db, seminar.id, user_id),
            await reminders.dm_channel(db, user_id),
        ]
        entries, excuses, attempts = await attendance.of_member(db, seminar.id, user_id)
        other_rows = (
            sum(row is not None for row in others)
            + len(await store.deliveries(db, seminar.id, user_id))
            + len(entries)
            + len(excuses)
            + len(attempts)
        )
        return DeletionSummary(
            registered=participant is not None,
            submissions=len(handed_in),
            has_grades=report is not None or presentation is not None,
            other_rows=other_rows,
        )

    async def delete(self, guild_id: int | None, user_id: int) -> DeletionResult:
        seminar = await self.seminar(guild_id)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            handed_in = await submissions.of_user(tx, seminar.id, user_id)
            participant = await participants.get(tx, seminar.id, user_id)
            paper = await assignments.assignment_of(tx, seminar.id, user_id)
            promoted = None
            if participant is not None:
                # Its triggers free the published paper and log it for organisers.
                promoted = await remove_participant(tx, seminar, participant, now)
            await store.forget_in_assignment(tx, seminar.id, user_id)
            await submissions.delete_of_user(tx, seminar.id, user_id)
            await grades.delete_of_user(tx, seminar.id, user_id)
            await attendance.forget_member(tx, seminar.id, user_id)
            await store.delete_user_rows(tx, seminar.id, user_id)
            for entry in await store.audit_mentions(tx, seminar.guild_id, user_id):
                actor = DELETED_ACTOR if entry.actor_id == user_id else entry.actor_id
                detail = json.dumps(scrub(json.loads(entry.detail), user_id), sort_keys=True)
                await store.rewrite_audit(tx, entry.id, actor, detail)
            await store.forget_author(tx, seminar.id, user_id)
            await identities.forget_account(tx, seminar.id, user_id)
            # Organisers see that data was erased (and what it freed), never whose.
            await audit.record(
                tx,
                seminar.guild_id,
                DELETED_ACTOR,
                "mydata.delete",
                {
                    "was_registered": participant is not None
                    and participant.status is ParticipantStatus.REGISTERED,
                    "submissions": len(handed_in),
                    "freed_a_paper": paper is not None,
                },
                now,
            )
        if promoted is not None:
            self.schedule_changed.fire()
        removed, left = await asyncio.to_thread(
            _remove_files,
            [self.data_dir / row.stored_path for row in handed_in],
            user_folder(self.data_dir, seminar.id, user_id),
        )
        return DeletionResult(seminar, promoted, paper is not None, removed, left)


def _mentions(entry: AuditEntry, user_id: int) -> bool:
    """Exactly: the SQL prefilter also matches ids that merely contain the digits."""
    if entry.actor_id == user_id:
        return True
    detail = json.loads(entry.detail)
    return bool(scrub(detail, user_id) != detail)


def _remove_files(paths: list[Path], folder: Path) -> tuple[int, int]:
    removed = left = 0
    for path in paths:
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError:
            log.exception("could not remove hand-in file %s", path)
            left += 1
    # Anything else in the member's folder is theirs too (e.g. an interrupted upload).
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        pass
    except OSError:
        log.exception("could not remove hand-in folder %s", folder)
        left += 1
    return removed, left
