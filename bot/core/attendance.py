"""Attendance of the block seminar's talks: check-in codes, `/attend`, the organisers'
overview and corrections, and the rule that holds back a final grade.

The numbers, and why:

- Codes are `CODE_LENGTH` (5) characters from `ALPHABET`: the digits 2-9 and the
  capital letters without I, L, O and U (30 symbols). 0/O, 1/I/L look alike on a
  slide and U/V are easily mixed up when said aloud; what a student types is
  upper-cased and spaces and dashes are dropped, so `k7r m4` works. 30^5 is about
  24 million codes, made with `secrets` (never guessable from earlier ones), unique
  within a seminar because neighbouring windows overlap and the code alone says
  which talk is meant.
- The window of a talk runs from `OPENS_BEFORE` (10 min) before its start to
  `CLOSES_AFTER` (15 min) after its end: [start - 10 min, end + 15 min), the start
  included, the end excluded. Early arrivals can check in while the room fills,
  and a student who was there can still do it during the next break. Instants are
  absolute; the seminar's timezone only decides how they are shown.
- Rate limit: `MAX_WRONG` (5) wrong codes within `WRONG_WINDOW` (10 min) and further
  attempts are refused without looking at the code until the oldest of those five
  is ten minutes old. Only wrong codes count: they are the only answers a guesser
  learns from (a closed window, a second check-in or one's own talk says nothing
  about other codes, and outside every window the code is not even compared, so
  no code can be guessed ahead of its talk). Five leaves room for a couple of
  typos; ten minutes is a third of the shortest window (5-minute talk: 30 min), so
  a locked-out honest student still checks in to that talk. A guesser gets at most
  30 tries an hour, each against the few codes open at that moment: over a
  ten-hour block day with even six windows open at once that is 1800 chances in
  24 million (under 0.01 %).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.base import Service
from bot.core.csvtext import to_csv
from bot.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, person
from bot.core.models import (
    AttendanceEntry,
    AttendanceSource,
    Excuse,
    ParticipantStatus,
    RefusalReason,
    RefusedAttempt,
    Seminar,
    TalkCode,
)
from bot.core.text import clean_text, clip, echo
from bot.store import attendance as store
from bot.store import audit, identities, participants
from bot.store.database import Transaction
from bot.store.executor import Reader

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 5
OPENS_BEFORE = 10 * 60
CLOSES_AFTER = 15 * 60
MAX_WRONG = 5
WRONG_WINDOW = 10 * 60
# What of a typed code is kept with a refused attempt.
TYPED_KEPT = 12
EXPORT_COLUMNS = (
    "account",
    "display_name",
    "talk",
    "paper",
    "talk_starts_at",
    "status",
    "source",
    "recorded_at",
    "excuse",
)


def new_code(taken: set[str]) -> str:
    """A fresh code not in `taken` (which it joins)."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def normalise(typed: str) -> str:
    return "".join(typed.split()).replace("-", "").upper()


def opens_at(talk: TalkCode) -> int:
    return talk.starts_at - OPENS_BEFORE


def closes_at(talk: TalkCode) -> int:
    return talk.ends_at + CLOSES_AFTER


def is_open(talk: TalkCode, now: int) -> bool:
    return opens_at(talk) <= now < closes_at(talk)


async def create_codes(tx: Transaction, seminar_id: int, now: int) -> None:
    """Codes for every slot of a programme just (re-)scheduled; the old slots took
    their codes with them, so every talk gets a new one."""
    taken: set[str] = set()
    slots = await store.slot_ids(tx, seminar_id)
    await store.add_codes(tx, seminar_id, [(slot, new_code(taken)) for slot in slots], now)


class Status(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"  # an organiser said so
    MISSED = "missed"  # the window closed without a check-in
    EXCUSED = "excused"
    PENDING = "pending"  # the window has not closed yet
    PRESENTER = "presenter"


COUNTS_AS_MISSED = frozenset({Status.ABSENT, Status.MISSED})


@dataclass(frozen=True)
class TalkAttendance:
    talk: TalkCode
    state: str  # 'upcoming', 'open', 'closed'
    present: list[int]
    # Not (yet) checked in: missed once closed, or absent as an organiser set it.
    missing: list[int]
    excused: list[int]


@dataclass(frozen=True)
class StudentAttendance:
    account_id: int
    display_name: str
    present: int
    missed: int  # not excused
    excused: int


@dataclass(frozen=True)
class Overview:
    seminar: Seminar
    required: bool
    talks: list[TalkAttendance]
    students: list[StudentAttendance]
    refused: list[RefusedAttempt]
    now: int


@dataclass(frozen=True)
class CheckIn:
    talk: TalkCode
    at: int


@dataclass(frozen=True)
class Sheet:
    """Who was at which talk, from the rows, as of `now`."""

    talks: list[TalkCode]
    students: dict[int, str]  # registered account id -> display name
    status: dict[tuple[int, int], Status] = field(default_factory=dict)  # (presenter, student)
    entries: dict[tuple[int, int], AttendanceEntry] = field(default_factory=dict)
    excuses: dict[tuple[int, int], Excuse] = field(default_factory=dict)

    def missed(self, account_id: int) -> int:
        return sum(
            self.status.get((talk.presenter_id, account_id)) in COUNTS_AS_MISSED
            for talk in self.talks
        )


def status_of(
    talk: TalkCode, student: int, entry: AttendanceEntry | None, excused: bool, now: int
) -> Status:
    if student == talk.presenter_id:
        return Status.PRESENTER
    if entry is not None and entry.present:
        return Status.PRESENT
    if excused:
        return Status.EXCUSED
    if entry is not None:
        return Status.ABSENT
    return Status.MISSED if now >= closes_at(talk) else Status.PENDING


async def sheet(db: Reader, seminar_id: int, now: int) -> Sheet:
    talks = await store.talks(db, seminar_id)
    registered = await participants.list_by_status(db, seminar_id, ParticipantStatus.REGISTERED)
    students = {p.user_id: p.display_name for p in registered}
    entries = {(e.presenter_id, e.account_id): e for e in await store.entries(db, seminar_id)}
    excuses = {(e.presenter_id, e.account_id): e for e in await store.excuses(db, seminar_id)}
    found = Sheet(talks, students, {}, entries, excuses)
    for talk in talks:
        for student in students:
            key = (talk.presenter_id, student)
            found.status[key] = status_of(talk, student, entries.get(key), key in excuses, now)
    return found


async def unexcused_absences(db: Reader, seminar_id: int, now: int) -> dict[int, int]:
    """Per registered student, the talks they missed and nobody excused (for grading)."""
    found = await sheet(db, seminar_id, now)
    return {student: found.missed(student) for student in found.students}


class AttendanceService(Service):
    async def check_in(self, guild_id: int | None, account_id: int, code: str) -> CheckIn:
        """`/attend code:…`: check in to the open talk with this code."""
        seminar = await self.seminar(guild_id)
        typed = clip(normalise(code), TYPED_KEPT)
        if not typed:
            raise InvalidInput("Type the code the presenter shows, e.g. `/attend code:K7RM4`.")
        now = self.clock.now()
        async with self.db.transaction() as tx:
            member = await participants.get(tx, seminar.id, account_id)
            if member is None or member.status is not ParticipantStatus.REGISTERED:
                raise NotAllowed(
                    "Only registered participants check in to talks (`/join` registers you)."
                )
            wrong = await store.wrong_codes_since(tx, seminar.id, account_id, now - WRONG_WINDOW)
            refusal: Exception | None
            talk: TalkCode | None = None
            if len(wrong) >= MAX_WRONG:
                await store.refuse(
                    tx, seminar.id, account_id, typed, RefusalReason.RATE_LIMITED, None, now
                )
                refusal = NotAllowed(
                    f"Too many wrong codes: {MAX_WRONG} within {WRONG_WINDOW // 60} minutes. "
                    "Try again {retry}; the organisers can also record your attendance.",
                    retry=wrong[-MAX_WRONG] + WRONG_WINDOW,
                )
            else:
                refusal, talk = await self._check(tx, seminar, account_id, typed, now)
            if talk is not None:
                entry = AttendanceEntry(
                    seminar.id,
                    talk.presenter_id,
                    account_id,
                    True,
                    AttendanceSource.CODE,
                    None,
                    now,
                )
                await store.record(tx, entry)
                return CheckIn(talk, now)
        # Committed: the refused attempt is kept, nothing else changed.
        assert refusal is not None
        raise refusal

    async def _check(
        self, tx: Transaction, seminar: Seminar, account_id: int, typed: str, now: int
    ) -> tuple[Exception | None, TalkCode | None]:
        """The talk to check in to, or the refusal (already recorded)."""
        talks = await store.talks(tx, seminar.id)
        if not talks:
            raise NotFound("The block-seminar programme is not scheduled yet.")
        open_talks = [talk for talk in talks if is_open(talk, now)]
        if not open_talks:
            await store.refuse(tx, seminar.id, account_id, typed, RefusalReason.CLOSED, None, now)
            window = (
                f"Check-in opens {OPENS_BEFORE // 60} minutes before a talk starts and "
                f"closes {CLOSES_AFTER // 60} minutes after it ends"
            )
            upcoming = [talk for talk in talks if opens_at(talk) > now]
            if not upcoming:
                return (
                    NotAllowed(
                        f"No talk is open for check-in: the programme is over. {window}; "
                        "ask the organisers if you were there."
                    ),
                    None,
                )
            nxt = upcoming[0]
            return (
                NotAllowed(
                    f"No talk is open for check-in now. {window}: the next, talk "
                    f"{nxt.position} (`{nxt.paper_code}`), opens {{opens}}.",
                    opens=opens_at(nxt),
                ),
                None,
            )
        talk = next((t for t in open_talks if t.code == typed), None)
        if talk is None:
            # Which open talk is meant stays unsaid: a wrong code learns nothing.
            await store.refuse(
                tx, seminar.id, account_id, typed, RefusalReason.WRONG_CODE, None, now
            )
            running = ", ".join(f"{t.position} (`{t.paper_code}`)" for t in open_talks)
            plural = "s" if len(open_talks) > 1 else ""
            return (
                InvalidInput(
                    f"`{echo(typed, TYPED_KEPT)}` is not the code of the talk{plural} open "
                    f"for check-in now (talk{plural} {running}). Check the characters "
                    f"(no 0, O, 1, I, L or U are used). After {MAX_WRONG} wrong codes within "
                    f"{WRONG_WINDOW // 60} minutes check-in pauses for you."
                ),
                None,
            )
        if talk.presenter_id == account_id:
            await store.refuse(
                tx, seminar.id, account_id, typed, RefusalReason.OWN_TALK, talk.presenter_id, now
            )
            return (
                NotAllowed(
                    f"Talk {talk.position} is yours: presenters do not check in to their "
                    "own talk (you are there by definition). Share the code with your audience."
                ),
                None,
            )
        existing = await store.entry(tx, seminar.id, talk.presenter_id, account_id)
        if existing is not None:
            await store.refuse(
                tx, seminar.id, account_id, typed, RefusalReason.AGAIN, talk.presenter_id, now
            )
            if existing.source is AttendanceSource.CODE:
                message = "You already checked in to talk {n} ({at}); nothing changed."
            elif existing.present:
                message = "An organiser already recorded you as present at talk {n} ({at})."
            else:
                message = (
                    "An organiser recorded you as absent from talk {n} ({at}); only they "
                    "can change that."
                )
            return Conflict(message.replace("{n}", str(talk.position)), at=existing.at), None
        return None, talk

    async def overview(self, guild_id: int | None) -> Overview:
        """`/admin attendance show`: per talk who checked in and who is missing, per
        student the talks missed, the codes, and the refused attempts."""
        seminar = await self.seminar(guild_id)
        now = self.clock.now()
        found = await sheet(self.db, seminar.id, now)
        if not found.talks:
            raise NotFound("The block-seminar programme is not scheduled yet.")
        talks = []
        for talk in found.talks:
            state = (
                "upcoming" if now < opens_at(talk) else "open" if is_open(talk, now) else "closed"
            )
            by = {s: found.status[(talk.presenter_id, s)] for s in found.students}
            talks.append(
                TalkAttendance(
                    talk,
                    state,
                    [s for s, st in by.items() if st is Status.PRESENT],
                    [
                        s
                        for s, st in by.items()
                        if st in COUNTS_AS_MISSED or (st is Status.PENDING and state == "open")
                    ],
                    [s for s, st in by.items() if st is Status.EXCUSED],
                )
            )
        students = [
            StudentAttendance(
                account_id=student,
                display_name=name,
                present=sum(
                    found.status[(t.presenter_id, student)] is Status.PRESENT for t in found.talks
                ),
                missed=found.missed(student),
                excused=sum(
                    found.status[(t.presenter_id, student)] is Status.EXCUSED for t in found.talks
                ),
            )
            for student, name in sorted(found.students.items(), key=lambda i: i[1].casefold())
        ]
        return Overview(
            seminar,
            seminar.attendance_required,
            talks,
            students,
            await store.attempts(self.db, seminar.id),
            now,
        )

    async def find_talk(self, seminar: Seminar, ref: str) -> TalkCode:
        """A talk by its number (`3`, `#3`) or a paper code that only one talk has."""
        talks = await store.talks(self.db, seminar.id)
        if not talks:
            raise NotFound("The block-seminar programme is not scheduled yet.")
        text = ref.strip().lstrip("#").strip()
        if text.isdigit():
            found = [t for t in talks if t.position == int(text)]
        else:
            found = [t for t in talks if t.paper_code.casefold() == text.casefold()]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            numbers = ", ".join(str(t.position) for t in found)
            raise InvalidInput(
                f"`{echo(ref)}` has several talks ({numbers}): name the talk by its number."
            )
        raise NotFound(
            f"No talk `{echo(ref)}` in the programme: give its number (1-"
            f"{talks[-1].position}) or paper code, as `/talks` lists them."
        )

    async def set(
        self,
        guild_id: int | None,
        actor_id: int,
        account_id: int,
        talk_ref: str,
        present: bool,
    ) -> tuple[TalkCode, AttendanceEntry]:
        """`/admin attendance set`: correct one entry (audited)."""
        seminar = await self.seminar(guild_id)
        talk = await self.find_talk(seminar, talk_ref)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await self._registered(tx, seminar, account_id, talk)
            before = await store.entry(tx, seminar.id, talk.presenter_id, account_id)
            entry = AttendanceEntry(
                seminar.id,
                talk.presenter_id,
                account_id,
                present,
                AttendanceSource.ORGANISER,
                actor_id,
                now,
            )
            await store.record(tx, entry)
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "attendance.set",
                {
                    "user_id": account_id,
                    "talk": talk.position,
                    "present": present,
                    "was": None if before is None else before.present,
                },
                now,
            )
        return talk, entry

    async def excuse(
        self, guild_id: int | None, actor_id: int, account_id: int, talk_ref: str, reason: str
    ) -> tuple[TalkCode, Excuse]:
        """`/admin attendance excuse`: this absence no longer holds back the grade (audited)."""
        seminar = await self.seminar(guild_id)
        why = clean_text(reason, field="reason", max_length=300, required=True)
        talk = await self.find_talk(seminar, talk_ref)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await self._registered(tx, seminar, account_id, talk)
            excuse = Excuse(seminar.id, talk.presenter_id, account_id, why, actor_id, now)
            await store.excuse(tx, excuse)
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "attendance.excuse",
                {"user_id": account_id, "talk": talk.position, "reason": why},
                now,
            )
        return talk, excuse

    async def _registered(
        self, tx: Transaction, seminar: Seminar, account_id: int, talk: TalkCode
    ) -> None:
        member = await participants.get(tx, seminar.id, account_id)
        if member is None or member.status is not ParticipantStatus.REGISTERED:
            raise NotFound("That member is not a registered participant of this seminar.")
        if talk.presenter_id == account_id:
            people: dict[str, int] = {}
            who = person(people, account_id)
            raise InvalidInput(
                f"{who} presents talk {talk.position}: a presenter's own talk has no attendance.",
                people=people,
            )

    async def export_csv(self, guild_id: int | None) -> str:
        """`/admin export what:attendance`: one row per (registered student, talk)."""
        seminar = await self.seminar(guild_id)
        now = self.clock.now()
        found = await sheet(self.db, seminar.id, now)
        rows = []
        accounts = await identities.external_ids(self.db, found.students)
        for student, name in sorted(found.students.items(), key=lambda i: (i[1].casefold(), i[0])):
            account = accounts[student]
            for talk in found.talks:
                status = found.status[(talk.presenter_id, student)]
                if status is Status.PRESENTER:
                    continue
                entry = found.entries.get((talk.presenter_id, student))
                excuse = found.excuses.get((talk.presenter_id, student))
                rows.append(
                    [
                        account,
                        name,
                        talk.position,
                        talk.paper_code,
                        _local_iso(talk.starts_at, seminar),
                        status.value,
                        "" if entry is None else entry.source.value,
                        "" if entry is None else _local_iso(entry.at, seminar),
                        "" if excuse is None else excuse.reason,
                    ]
                )
        return to_csv(EXPORT_COLUMNS, rows)


def _local_iso(unix: int, seminar: Seminar) -> str:
    return datetime.fromtimestamp(unix, seminar.tz).isoformat()
