"""The paper assignment around the solver: pins, previews, publication, exports.

`bot.core.solver` is the pure solver; this service feeds it from the rows,
stores every run as a preview (with its seed and input hash, so it can be
reproduced), and publishes a preview exactly as it was shown. Publishing only
changes rows; the announcement post and the students' DMs are an occurrence of
the reminder engine (`Source.PUBLICATION`), so they go out once, also across
restarts.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from bot.core.base import Service
from bot.core.csvtext import to_csv
from bot.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, person
from bot.core.exports import CsvExport, ExportKind
from bot.core.models import (
    AssignmentRun,
    Deadline,
    Paper,
    ParticipantStatus,
    RankedChoice,
    Seminar,
    Student,
)
from bot.core.preferences import MAX_RANKS
from bot.core.solver import (
    MODES,
    AssignmentError,
    AssignmentInput,
    AssignmentResult,
    Mode,
    solve_assignment,
)
from bot.core.text import echo
from bot.core.timeutil import iso_instant
from bot.store import assignments as store
from bot.store import audit, deadlines, identities, papers, participants
from bot.store.reader import Reader

# Discord's integer options stop at 2**53; a seed an organiser cannot type back
# would make a run impossible to reproduce from the command line.
SEED_LIMIT = 2**53
# Random seeds are kept short enough to read out and type.
RANDOM_SEED_BELOW = 1_000_000_000
UPCOMING_SHOWN = 3


# The exact columns of each export: adding one is a deliberate change (and a test's).
EXPORT_COLUMNS: dict[ExportKind, tuple[str, ...]] = {
    ExportKind.PARTICIPANTS: (
        "account",
        "display_name",
        "status",
        "joined_at",
        "papers_ranked",
        "preferences_complete",
        "assigned_paper",
    ),
    ExportKind.PREFERENCES: (
        "account",
        "display_name",
        "status",
        *(f"choice_{rank}" for rank in range(1, MAX_RANKS + 1)),
        "updated_at",
    ),
    ExportKind.ASSIGNMENT: (
        "account",
        "display_name",
        "status",
        "paper_code",
        "paper_title",
        "rank",
        "pinned",
    ),
}


@dataclass(frozen=True)
class RunSummary:
    """A stored run as organisers see it in the preview."""

    seminar: Seminar
    run_id: int
    seed: int
    mode: str
    fill: bool
    input_hash: str
    # "1".."5" (more if lists were longer), "unranked", "unassigned", "pinned".
    histogram: dict[str, int]
    # Students of the published assignment this run moves; None without one.
    moved: int | None
    students: int
    unassigned: list[Student]
    status: str
    created_at: int

    @property
    def placed(self) -> int:
        return self.students - len(self.unassigned)

    @property
    def ranks(self) -> list[tuple[int, int]]:
        """(rank, students at that rank), ranks 1.. in order."""
        return sorted((int(key), n) for key, n in self.histogram.items() if key.isdigit())


@dataclass(frozen=True)
class PinChange:
    seminar: Seminar
    student: Student
    paper: Paper
    # The paper the student was pinned to before, if another one.
    replaced: Paper | None


@dataclass(frozen=True)
class PublishResult:
    seminar: Seminar
    run: RunSummary
    # True when this preview was already published: nothing is sent again.
    already: bool
    placed: int
    # Students who get a DM (their paper is new or changed).
    notified: int


@dataclass(frozen=True)
class MyAssignment:
    seminar: Seminar
    published_at: int | None
    paper: Paper | None
    rank: int | None
    pinned: bool
    upcoming: list[Deadline]


@dataclass(frozen=True)
class PaperPresenters:
    paper: Paper
    presenters: list[Student]
    published: bool


@dataclass(frozen=True)
class _Input:
    students: list[Student]
    data: AssignmentInput
    papers: dict[int, Paper]
    published_run: int | None


class AssignmentService(Service):
    # -- previews ---------------------------------------------------------------------

    async def run(
        self,
        guild_id: int | None,
        actor_id: int,
        seed: int | None = None,
        mode: str = "linear",
        fill: bool = False,
    ) -> RunSummary:
        """Compute an assignment and store it as the preview; nothing public changes."""
        seminar = await self.seminar(guild_id)
        checked_mode = _mode(mode)
        if seed is None:
            # Recorded with the run, so "random" is reproducible afterwards.
            seed = secrets.randbelow(RANDOM_SEED_BELOW)
        elif not 0 <= seed < SEED_LIMIT:
            raise InvalidInput(f"A seed is a whole number from 0 to {SEED_LIMIT - 1}.")
        given = await self._input(self.db, seminar)
        if not given.students:
            raise NotFound("Nobody is registered yet, so there is nothing to assign.")
        _refuse_conflicting_pins(given)
        result = await _solve(given, seed, checked_mode, fill)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            run_id = await store.insert_run(
                tx,
                seminar.id,
                seed=seed,
                mode=checked_mode,
                fill=fill,
                input_hash=result.input_hash,
                histogram=result.histogram,
                moved=result.moved,
                based_on=given.published_run,
                actor_id=actor_id,
                now=now,
            )
            pinned = set(given.data.pins)
            await store.insert_run_rows(
                tx,
                run_id,
                [
                    (
                        s.user_id,
                        result.assignment.get(s.user_id),
                        result.rank_of.get(s.user_id),
                        s.user_id in pinned,
                    )
                    for s in given.students
                ],
            )
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "assign.run",
                {
                    "run": run_id,
                    "seed": seed,
                    "mode": checked_mode,
                    "fill": fill,
                    "input_hash": result.input_hash,
                    "histogram": result.histogram,
                    "moved": result.moved,
                },
                now,
            )
        by_id = {s.user_id: s for s in given.students}
        return RunSummary(
            seminar=seminar,
            run_id=run_id,
            seed=seed,
            mode=checked_mode,
            fill=fill,
            input_hash=result.input_hash,
            histogram=dict(result.histogram),
            moved=None if given.published_run is None else result.moved,
            students=len(given.students),
            unassigned=[by_id[user] for user in result.unassigned],
            status="preview",
            created_at=now,
        )

    async def preview(self, guild_id: int | None) -> RunSummary:
        """The newest run (the open preview, or the published one if none is open)."""
        seminar = await self.seminar(guild_id)
        latest = await store.latest_run(self.db, seminar.id)
        if latest is None:
            raise NotFound("There is no assignment preview yet. `/admin assign run` computes one.")
        return await self._summary(seminar, latest)

    # -- pins -------------------------------------------------------------------------

    async def pin(
        self, guild_id: int | None, actor_id: int, user_id: int, paper_code: str
    ) -> PinChange:
        """Pin a registered student to a paper; later runs keep them there."""
        seminar = await self.seminar(guild_id)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            student = await _registered(tx, seminar, user_id)
            paper = await papers.by_code(tx, seminar.id, paper_code)
            if paper is None:
                raise NotFound(f"There is no paper `{echo(paper_code)}`. See `/papers`.")
            others = [u for u in await store.pinned_to(tx, paper.id) if u != user_id]
            if len(others) >= paper.capacity:
                people: dict[str, int] = {}
                who = ", ".join(person(people, u) for u in others)
                raise Conflict(
                    f"`{paper.code}` has room for {paper.capacity} and {who} "
                    f"{'is' if len(others) == 1 else 'are'} already pinned to it. "
                    "Clear a pin with `/admin assign clear` first, or raise the paper's "
                    "capacity with `/admin paper edit`.",
                    people=people,
                )
            before = await store.pin_of(tx, seminar.id, user_id)
            await store.set_pin(tx, seminar.id, user_id, paper.id, actor_id, now)
            replaced = None
            if before is not None and before != paper.id:
                replaced = await _paper_by_id(tx, seminar, before)
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "assign.pin",
                {
                    "user_id": user_id,
                    "paper": paper.code,
                    "replaced": None if replaced is None else replaced.code,
                },
                now,
            )
        return PinChange(seminar, student, paper, replaced)

    async def unpin(self, guild_id: int | None, actor_id: int, user_id: int) -> Paper:
        """Remove a student's pin; returns the paper they were pinned to."""
        seminar = await self.seminar(guild_id)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            before = await store.pin_of(tx, seminar.id, user_id)
            paper = None if before is None else await _paper_by_id(tx, seminar, before)
            if paper is None:
                people: dict[str, int] = {}
                raise NotFound(
                    f"{person(people, user_id)} is not pinned to any paper.", people=people
                )
            await store.delete_pin(tx, seminar.id, user_id)
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "assign.unpin",
                {"user_id": user_id, "paper": paper.code},
                now,
            )
        return paper

    # -- publication ------------------------------------------------------------------

    async def publish(self, guild_id: int | None, actor_id: int) -> PublishResult:
        """Publish the open preview exactly as it was shown.

        Publishing the same preview again changes nothing and notifies nobody. A
        preview whose inputs changed since (someone left, a ranking or pin
        changed) is refused: the organisers would publish something they did not see.
        """
        seminar = await self.seminar(guild_id)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            latest = await store.latest_run(tx, seminar.id)
            if latest is None:
                raise NotFound(
                    "There is no preview to publish. Run `/admin assign run` first and "
                    "check the preview."
                )
            run = await self._summary(seminar, latest, reader=tx)
            if latest.status == "published":
                placed = len(await store.published_pairs(tx, seminar.id))
                return PublishResult(seminar, run, already=True, placed=placed, notified=0)
            # Recomputed under the write lock, so nothing can change in between.
            given = await self._input(tx, seminar)
            again = await _solve(given, latest.seed, _mode(latest.mode), latest.fill)
            if again.input_hash != latest.input_hash:
                raise Conflict(
                    "Something changed since this preview was computed (a registration, "
                    "a ranking, a pin or a paper), so it is not published. Run "
                    f"`/admin assign run seed:{latest.seed}` again, check the new preview, "
                    "then publish."
                )
            kept = await store.published_since(tx, seminar.id)
            rows: list[tuple[int, int, int | None, int]] = []
            # The stored rows, not the recomputed ones: the preview is what organisers
            # saw (with equal hash and seed the two are the same anyway).
            for stored in await store.run_rows(tx, run.run_id):
                user_id, paper_id = stored.user_id, stored.paper_id
                if paper_id is None:
                    continue
                previous = kept.get(user_id)
                since = previous[1] if previous and previous[0] == paper_id else run.run_id
                rows.append((user_id, paper_id, stored.rank, since))
            await store.mark_published(tx, seminar.id, run.run_id, actor_id, now)
            await store.replace_published(tx, seminar.id, run.run_id, rows)
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "assign.publish",
                {"run": run.run_id, "seed": run.seed, "input_hash": run.input_hash},
                now,
            )
        self.schedule_changed.fire()
        notified = sum(1 for *_, since in rows if since == run.run_id)
        return PublishResult(seminar, run, already=False, placed=len(rows), notified=notified)

    # -- reading it -------------------------------------------------------------------

    async def mine(self, guild_id: int | None, user_id: int) -> MyAssignment:
        """`/assignment`: my published paper (if any) and what is due next."""
        seminar = await self.seminar(guild_id)
        participant = await participants.get(self.db, seminar.id, user_id)
        if participant is None:
            raise NotAllowed("You are not registered for this seminar. Use `/join` first.")
        now = self.clock.now()
        upcoming = [d for d in await deadlines.list_all(self.db, seminar.id) if d.due_at >= now]
        published = await store.published_run(self.db, seminar.id)
        found = await store.assignment_of(self.db, seminar.id, user_id)
        paper = None if found is None else await _paper_by_id(self.db, seminar, found.paper_id)
        pinned = found is not None and await store.is_pinned_in(self.db, found.run_id, user_id)
        return MyAssignment(
            seminar=seminar,
            published_at=None if published is None else published.published_at,
            paper=paper,
            rank=None if found is None else found.rank,
            pinned=pinned,
            upcoming=upcoming[:UPCOMING_SHOWN],
        )

    async def presenters(self, guild_id: int | None, paper_code: str) -> PaperPresenters:
        """`/paper`: the paper, and who presents it once an assignment is published."""
        seminar = await self.seminar(guild_id)
        paper = await papers.by_code(self.db, seminar.id, paper_code)
        if paper is None:
            raise NotFound(f"There is no paper `{echo(paper_code)}`. See `/papers`.")
        published = await store.published_run(self.db, seminar.id) is not None
        presenters = await store.presenters_of(self.db, paper.id) if published else []
        return PaperPresenters(paper, presenters, published)

    async def export_csv(self, guild_id: int | None, what: str) -> CsvExport:
        """One organiser export as CSV text, with exactly `EXPORT_COLUMNS[what]`."""
        seminar = await self.seminar(guild_id)
        try:
            kind = ExportKind(what.strip().lower())
        except ValueError:
            choices = ", ".join(k.value for k in ExportKind)
            raise InvalidInput(f"Unknown export `{echo(what)}`; choose one of {choices}.") from None
        if kind not in EXPORT_COLUMNS:
            # Hand-ins, grades and attendance have their own services (and exports); the
            # bot.core.exports routes those there, so only a direct caller ends up here.
            raise InvalidInput(f"The {kind.value} export is not part of the paper assignment.")
        columns = EXPORT_COLUMNS[kind]
        rows: list[tuple[object, ...]]
        if kind is ExportKind.PARTICIPANTS:
            joined = await store.participants_export(self.db, seminar.id)
            accounts = await identities.external_ids(self.db, (r.user_id for r in joined))
            rows = [
                (
                    accounts[r.user_id],
                    r.display_name,
                    r.status,
                    _local_iso(r.joined_at, seminar),
                    r.ranked,
                    _yes_no(
                        r.status is ParticipantStatus.REGISTERED and r.ranked >= seminar.pref_count
                    ),
                    r.paper_code,
                )
                for r in joined
            ]
        elif kind is ExportKind.PREFERENCES:
            ranked = await store.preferences_export(self.db, seminar.id)
            accounts = await identities.external_ids(self.db, (r.user_id for r in ranked))
            rows = _preference_rows(ranked, accounts, seminar)
        else:
            published = await store.published_run(self.db, seminar.id)
            if published is None:
                raise NotFound(
                    "No assignment is published yet; `/admin assign run` shows a preview "
                    "and `/admin assign publish` publishes it."
                )
            placed = await store.assignment_export(self.db, seminar.id, published.id)
            accounts = await identities.external_ids(self.db, (r.user_id for r in placed))
            rows = [
                (
                    accounts[r.user_id],
                    r.display_name,
                    r.status,
                    r.paper_code,
                    r.paper_title,
                    r.rank,
                    "" if r.paper_code is None else _yes_no(r.pinned),
                )
                for r in placed
            ]
        return CsvExport(f"{kind.value}.csv", to_csv(columns, rows))

    # -- helpers ----------------------------------------------------------------------

    async def _input(self, reader: Reader, seminar: Seminar) -> _Input:
        students = await store.registered_students(reader, seminar.id)
        published = await store.published_run(reader, seminar.id)
        data = AssignmentInput(
            preferences=await store.rankings(reader, seminar.id),
            capacities=await store.capacities(reader, seminar.id),
            pins=await store.pins(reader, seminar.id),
            previous=await store.published_pairs(reader, seminar.id),
            students=[s.user_id for s in students],
        )
        catalogue = {p.id: p for p in await papers.list_all(reader, seminar.id)}
        return _Input(students, data, catalogue, None if published is None else published.id)

    async def _summary(
        self, seminar: Seminar, run: AssignmentRun, *, reader: Reader | None = None
    ) -> RunSummary:
        placements = await store.run_rows(reader or self.db, run.id)
        return RunSummary(
            seminar=seminar,
            run_id=run.id,
            seed=run.seed,
            mode=run.mode,
            fill=run.fill,
            input_hash=run.input_hash,
            histogram=dict(run.histogram),
            moved=None if run.based_on is None else run.moved,
            students=len(placements),
            unassigned=[
                Student(p.user_id, p.display_name) for p in placements if p.paper_id is None
            ],
            status=run.status,
            created_at=run.created_at,
        )


def _mode(mode: str) -> Mode:
    cleaned = mode.strip().lower()
    if cleaned == "linear":
        return "linear"
    if cleaned == "fair":
        return "fair"
    raise InvalidInput(f"The mode is one of {', '.join(MODES)}, not `{echo(mode)}`.")


async def _solve(given: _Input, seed: int, mode: Mode, fill: bool) -> AssignmentResult:
    # Large seminars take a noticeable fraction of a second: keep the bot responsive.
    try:
        return await asyncio.to_thread(
            solve_assignment, given.data, seed=seed, mode=mode, fill=fill
        )
    except AssignmentError as exc:
        raise InvalidInput(exc.message) from exc


def _refuse_conflicting_pins(given: _Input) -> None:
    """Refuse before solving, in organisers' words (codes and mentions, not ids).

    A pin was checked against the capacity when it was set, but a paper's capacity
    can be lowered (or the paper removed) afterwards.
    """
    per_paper: dict[int, list[int]] = {}
    for user_id, paper_id in sorted(given.data.pins.items()):
        per_paper.setdefault(paper_id, []).append(user_id)
    problems = []
    people: dict[str, int] = {}
    for paper_id, users in per_paper.items():
        paper = given.papers.get(paper_id)
        if paper is None or len(users) <= paper.capacity:
            continue
        who = ", ".join(person(people, u) for u in users)
        problems.append(
            f"`{paper.code}` has room for {paper.capacity} but {len(users)} students are "
            f"pinned to it ({who})"
        )
    if problems:
        raise InvalidInput(
            "Conflicting pins, nothing was assigned: "
            + "; ".join(problems)
            + ". Clear pins with `/admin assign clear` or raise the capacity.",
            people=people,
        )


async def _registered(reader: Reader, seminar: Seminar, user_id: int) -> Student:
    participant = await participants.get(reader, seminar.id, user_id)
    if participant is None or participant.status is not ParticipantStatus.REGISTERED:
        people: dict[str, int] = {}
        raise InvalidInput(
            f"{person(people, user_id)} is not a registered participant of this seminar"
            + (" (they are on the waitlist)." if participant is not None else "."),
            people=people,
        )
    return Student(participant.user_id, participant.display_name)


async def _paper_by_id(reader: Reader, seminar: Seminar, paper_id: int) -> Paper | None:
    paper = await papers.by_id(reader, paper_id)
    return paper if paper is not None and paper.seminar_id == seminar.id else None


def _preference_rows(
    rows: list[RankedChoice], accounts: dict[int, str], seminar: Seminar
) -> list[tuple[object, ...]]:
    """One line per participant: their choices in rank order, blanks after the last."""
    people: dict[int, list[object]] = {}
    for row in rows:
        line = people.get(row.user_id)
        if line is None:
            line = people[row.user_id] = [
                accounts[row.user_id],
                row.display_name,
                row.status,
                *([""] * MAX_RANKS),
                _local_iso(row.prefs_updated_at, seminar),
            ]
        if row.rank is not None and 1 <= row.rank <= MAX_RANKS:
            line[2 + row.rank] = row.paper_code
    return [tuple(line) for line in people.values()]


def _local_iso(unix: int | None, seminar: Seminar) -> str:
    if unix is None:
        return ""
    return iso_instant(unix, seminar.tz)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"
