"""The paper assignment service on a real SQLite file: previews, pins, stickiness,
publication through the reminder engine (exactly once), leavers, exports."""

from __future__ import annotations

import csv
import io

import pytest

from bot.core.assignments import EXPORT_COLUMNS, ExportKind
from bot.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.core.models import ALL_PLATFORMS, Platform, Seminar
from bot.core.reminders import Dispatcher, ReminderPlanner, Source
from bot.core.reminders.dispatcher import LATE_AFTER
from bot.core.services import Services
from bot.discord.outbox import render
from bot.store import assignments as store
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, add_paper, audit_actions, join_all, make_seminar
from tests.core.reminder_fakes import CHANNEL, RecordingNotifier, occurrences

CODES = ("p1", "p2", "p3", "p4", "p5", "p6")
STUDENTS = (101, 102, 103, 104, 105)


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    """Five students, six single-seat papers; everyone ranks three of them."""
    seminar = await make_seminar(services, capacity=10, channel_id=CHANNEL, pref_count=3)
    for code in CODES:
        await add_paper(
            services,
            code,
            f"Paper {code.upper()}",
            url=f"https://proceedings.example/{code}",
            arxiv=f"https://arxiv.org/abs/2101.0000{code[1]}",
        )
    await join_all(services, *STUDENTS)
    await rank(services, 101, "p1", "p2", "p3")
    await rank(services, 102, "p1", "p2", "p3")
    await rank(services, 103, "p2", "p1", "p4")
    await rank(services, 104, "p4", "p5", "p1")
    await rank(services, 105, "p5", "p4", "p6")
    return seminar


async def rank(services: Services, user_id: int, *codes: str) -> None:
    await services.preferences.set(GUILD, user_id, list(codes))


async def published(services: Services) -> dict[int, str]:
    """user id -> paper code of the published assignment, read straight from the store."""
    seminar = await services.seminars.seminar(GUILD)
    codes = {p.id: p.code for p in await services.papers.browse(GUILD)}
    pairs = await store.published_pairs(services.db, seminar.id)
    return {user: codes[paper] for user, paper in pairs.items()}


async def deliver_all(db: Database, clock: FakeClock, notifier: RecordingNotifier) -> int:
    """Run every pending occurrence once, as the scheduler would; returns how many ran."""
    planner = ReminderPlanner(db, clock, ALL_PLATFORMS)
    dispatcher = Dispatcher(db, clock, {Platform.DISCORD: notifier})
    ran = 0
    for occurrence in await planner.pending():
        if occurrence.due_at <= clock.now() and await planner.is_current(occurrence):
            await dispatcher.run(occurrence)
            ran += 1
    return ran


# -- previews -------------------------------------------------------------------------


async def test_run_stores_a_preview_and_changes_nothing_public(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    assignments = services.assignments
    summary = await assignments.run(GUILD, ORGANISER, seed=7)

    assert summary.seed == 7 and summary.mode == "linear" and not summary.fill
    assert summary.students == 5 and summary.placed == 5 and summary.unassigned == []
    assert sum(n for _, n in summary.ranks) == 5
    assert summary.histogram["unassigned"] == 0
    assert summary.moved is None  # nothing published to compare with
    assert len(summary.input_hash) == 64
    assert summary.status == "preview"

    # Stored, with its rows, and audited …
    row = await store.latest_run(db, seminar.id)
    assert row is not None and row.status == "preview" and row.seed == 7
    assert len(await store.run_rows(db, summary.run_id)) == 5
    assert "assign.run" in await audit_actions(services)
    # … but nothing is published, announced or shown to students.
    assert await published(services) == {}
    assert await occurrences(ReminderPlanner(db, clock, ALL_PLATFORMS), Source.PUBLICATION) == []
    mine = await assignments.mine(GUILD, 101)
    assert mine.paper is None and mine.published_at is None
    card = await assignments.presenters(GUILD, "p1")
    assert not card.published and card.presenters == []
    with pytest.raises(NotFound, match="No assignment is published"):
        await assignments.export_csv(GUILD, "assignment")


async def test_the_same_seed_and_input_give_the_same_preview(
    services: Services, seminar: Seminar, db: Database
) -> None:
    first = await services.assignments.run(GUILD, ORGANISER, seed=11)
    second = await services.assignments.run(GUILD, ORGANISER, seed=11)
    rows = [
        [(r.user_id, r.paper_id) for r in await store.run_rows(db, run.run_id)]
        for run in (first, second)
    ]
    assert rows[0] == rows[1]
    assert first.input_hash == second.input_hash
    # The newer preview replaces the older one: only one is open.
    older = await store.run_by_id(db, first.run_id)
    assert older is not None and older.status == "superseded"


async def test_a_random_seed_is_recorded(services: Services, seminar: Seminar) -> None:
    summary = await services.assignments.run(GUILD, ORGANISER)
    again = await services.assignments.run(GUILD, ORGANISER, seed=summary.seed)
    assert again.histogram == summary.histogram and again.input_hash == summary.input_hash


async def test_run_refuses_bad_options_and_empty_seminars(
    services: Services, seminar: Seminar
) -> None:
    with pytest.raises(InvalidInput, match="mode"):
        await services.assignments.run(GUILD, ORGANISER, seed=1, mode="greedy")
    with pytest.raises(InvalidInput, match="seed"):
        await services.assignments.run(GUILD, ORGANISER, seed=-1)
    await make_seminar(services, guild_id=2002)
    with pytest.raises(NotFound, match="Nobody is registered"):
        await services.assignments.run(2002, ORGANISER, seed=1)


async def test_fair_mode_and_fill_place_students_who_ranked_nothing(
    services: Services, seminar: Seminar
) -> None:
    await join_all(services, 106)  # ranks nothing
    plain = await services.assignments.run(GUILD, ORGANISER, seed=3, mode="fair")
    assert plain.mode == "fair"
    assert [s.user_id for s in plain.unassigned] == [106]
    filled = await services.assignments.run(GUILD, ORGANISER, seed=3, fill=True)
    assert filled.unassigned == [] and filled.histogram["unranked"] == 1


# -- pins -----------------------------------------------------------------------------


async def test_a_pin_is_kept_by_every_run(services: Services, seminar: Seminar) -> None:
    change = await services.assignments.pin(GUILD, ORGANISER, 101, "p6")
    assert change.paper.code == "p6" and change.replaced is None
    for seed in (1, 2, 3):
        summary = await services.assignments.run(GUILD, ORGANISER, seed=seed)
        assert summary.histogram["pinned"] == 1
        assert summary.histogram["unranked"] == 1  # 101 never ranked p6
        await services.assignments.publish(GUILD, ORGANISER)
        assert (await published(services))[101] == "p6"
    assert "assign.pin" in await audit_actions(services)


async def test_pins_are_validated_when_set(services: Services, seminar: Seminar) -> None:
    assignments = services.assignments
    with pytest.raises(NotFound, match="no paper"):
        await assignments.pin(GUILD, ORGANISER, 101, "nope")
    with pytest.raises(InvalidInput, match="not a registered participant"):
        await assignments.pin(GUILD, ORGANISER, 999, "p1")
    await assignments.pin(GUILD, ORGANISER, 101, "p1")
    # p1 has one seat and 101 holds it: a second pin there would conflict.
    with pytest.raises(Conflict, match="room for 1"):
        await assignments.pin(GUILD, ORGANISER, 102, "p1")
    # Re-pinning the same student elsewhere is a move, not a conflict.
    moved = await assignments.pin(GUILD, ORGANISER, 101, "p2")
    assert moved.replaced is not None and moved.replaced.code == "p1"
    await assignments.pin(GUILD, ORGANISER, 102, "p1")


async def test_conflicting_pins_are_refused_before_solving(
    services: Services, seminar: Seminar, db: Database
) -> None:
    await services.papers.edit(GUILD, ORGANISER, "p3", {"capacity": 2})
    await services.assignments.pin(GUILD, ORGANISER, 101, "p3")
    await services.assignments.pin(GUILD, ORGANISER, 102, "p3")
    # The capacity drops afterwards: the pins no longer fit.
    await services.papers.edit(GUILD, ORGANISER, "p3", {"capacity": 1})
    with pytest.raises(InvalidInput, match=r"Conflicting pins.*`p3` has room for 1 but 2"):
        await services.assignments.run(GUILD, ORGANISER, seed=1)
    assert await store.latest_run(db, seminar.id) is None  # nothing stored


async def test_unpin(services: Services, seminar: Seminar) -> None:
    with pytest.raises(NotFound, match="not pinned"):
        await services.assignments.unpin(GUILD, ORGANISER, 101)
    await services.assignments.pin(GUILD, ORGANISER, 101, "p6")
    paper = await services.assignments.unpin(GUILD, ORGANISER, 101)
    assert paper.code == "p6"
    summary = await services.assignments.run(GUILD, ORGANISER, seed=1)
    assert summary.histogram["pinned"] == 0
    assert "assign.unpin" in await audit_actions(services)


# -- stickiness -----------------------------------------------------------------------


async def test_a_rerun_keeps_students_where_the_published_assignment_has_them(
    services: Services, db: Database, clock: FakeClock
) -> None:
    """Ten students rank the same three papers in different orders; many optimal
    assignments exist, and the seed picks one. After publication a re-run with any
    other seed keeps everybody: equally good solutions prefer the published one."""
    await make_seminar(services, capacity=20, channel_id=CHANNEL, pref_count=3)
    codes = [f"q{i}" for i in range(12)]
    for code in codes:
        await add_paper(services, code)
    students = list(range(201, 211))
    await join_all(services, *students)
    for index, user in enumerate(students):
        first = codes[index % 5]
        await rank(services, user, first, codes[5 + index % 4], codes[9 + index % 3])

    async def placement(seed: int) -> list[tuple[int, int]]:
        run = await services.assignments.run(GUILD, ORGANISER, seed=seed)
        assert run.moved in (None, 0), seed
        return [(r.user_id, r.paper_id) for r in await store.run_rows(db, run.run_id)]

    # Without a publication the seed decides among the equally good solutions …
    unpublished = {seed: await placement(seed) for seed in range(1, 12)}
    assert len({tuple(p) for p in unpublished.values()}) > 1
    # … after one, every seed keeps the published one.
    await placement(1)
    await services.assignments.publish(GUILD, ORGANISER)
    for seed in range(2, 12):
        assert await placement(seed) == unpublished[1], seed


async def test_a_rerun_after_a_leave_moves_nobody_unnecessarily(
    services: Services, seminar: Seminar
) -> None:
    """101 and 102 both want p1 most: whoever leaves, the other may move up to it
    (the optimum asks for that); nobody else moves, whatever the new seed."""
    ranking = {
        101: ["p1", "p2", "p3"],
        102: ["p1", "p2", "p3"],
        103: ["p2", "p1", "p4"],
        104: ["p4", "p5", "p1"],
        105: ["p5", "p4", "p6"],
    }
    await services.assignments.run(GUILD, ORGANISER, seed=5)
    await services.assignments.publish(GUILD, ORGANISER)
    before = await published(services)
    leaver = next(user for user in (101, 102) if before[user] == "p1")
    await services.registration.leave(GUILD, leaver)
    summary = await services.assignments.run(GUILD, ORGANISER, seed=99)
    await services.assignments.publish(GUILD, ORGANISER)
    after = await published(services)
    movers = {user for user in after if after[user] != before[user]}
    assert summary.moved == len(movers) <= 1
    # Whoever moved, moved up their own list.
    assert all(
        ranking[user].index(after[user]) < ranking[user].index(before[user]) for user in movers
    )


# -- publication ----------------------------------------------------------------------


async def test_publish_refuses_without_a_preview(services: Services, seminar: Seminar) -> None:
    with pytest.raises(NotFound, match="no preview"):
        await services.assignments.publish(GUILD, ORGANISER)


async def test_publish_twice_notifies_once(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    notifier = RecordingNotifier()
    fired: list[None] = []
    services.schedule_changed.subscribe(lambda: fired.append(None))
    await services.assignments.run(GUILD, ORGANISER, seed=2)

    first = await services.assignments.publish(GUILD, ORGANISER)
    assert not first.already and first.placed == 5 and first.notified == 5
    assert len(fired) == 1  # the engine is told to plan the notice
    assert await deliver_all(db, clock, notifier) == 1
    assert len(notifier.posts()) == 1
    assert notifier.dms() == {user: 1 for user in STUDENTS}

    again = await services.assignments.publish(GUILD, ORGANISER)
    assert again.already and again.notified == 0
    assert len(fired) == 1
    assert await deliver_all(db, clock, notifier) == 0  # the job is finished
    clock.advance(3600)
    assert await deliver_all(db, clock, notifier) == 0
    assert len(notifier.posts()) == 1
    assert notifier.dms() == {user: 1 for user in STUDENTS}
    assert (await audit_actions(services)).count("assign.publish") == 1


async def test_the_post_lists_presenters_without_pinging_and_each_dm_is_personal(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    notifier = RecordingNotifier()
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    await services.assignments.publish(GUILD, ORGANISER)
    await deliver_all(db, clock, notifier)
    assignment = await published(services)

    (post,) = notifier.posts()
    assert post.target == CHANNEL and post.notice.ping_role_id is None
    text = render(post.notice)
    assert text.startswith("📋 The paper assignment for")
    for user, code in assignment.items():
        assert f"`{code}` Paper {code.upper()} — <@{user}>" in text

    for call in notifier.delivered:
        if call.kind != "direct":
            continue
        code = assignment[call.target]
        dm = render(call.notice)
        assert f"**Paper {code.upper()}** (`{code}`)" in dm
        assert f"https://proceedings.example/{code}" in dm
        assert f"arXiv: https://arxiv.org/abs/2101.0000{code[1]}" in dm
        assert "<@" not in dm  # a DM names nobody else


async def test_a_publication_sent_late_says_so_in_the_post_and_every_dm(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    notifier = RecordingNotifier()
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    await services.assignments.publish(GUILD, ORGANISER)
    clock.advance(LATE_AFTER + 60)  # the engine was stuck: the publication goes out late
    await deliver_all(db, clock, notifier)
    assert len(notifier.delivered) == 1 + len(STUDENTS)
    for call in notifier.delivered:
        assert call.notice.template.startswith("(Sent late.) 📋"), call


async def test_a_large_assignment_fits_one_post(
    services: Services, db: Database, clock: FakeClock
) -> None:
    """Thirty students with 19-digit ids and long titles: the titles are dropped so
    every presenter still fits; past that the post points to /paper."""
    await make_seminar(services, capacity=100, channel_id=CHANNEL, pref_count=1)
    students = [1_200_000_000_000_000_000 + i for i in range(30)]
    for index in range(30):
        await add_paper(services, f"paper-{index:02d}", f"A rather long paper title {index} " * 4)
    await join_all(services, *students)
    for index, user in enumerate(students):
        await rank(services, user, f"paper-{index:02d}")
    await services.assignments.run(GUILD, ORGANISER, seed=1)
    await services.assignments.publish(GUILD, ORGANISER)
    notifier = RecordingNotifier()
    await deliver_all(db, clock, notifier)
    (post,) = notifier.posts()
    text = render(post.notice)
    assert len(text) <= 2000
    assert "A rather long" not in text
    assert all(f"`paper-{i:02d}` — <@{user}>" in text for i, user in enumerate(students))

    for extra in range(30, 60):
        user = 1_200_000_000_000_000_000 + extra
        await add_paper(services, f"paper-{extra:02d}")
        await join_all(services, user)
        await rank(services, user, f"paper-{extra:02d}")
    clock.advance(60)
    await services.assignments.run(GUILD, ORGANISER, seed=1)
    await services.assignments.publish(GUILD, ORGANISER)
    notifier = RecordingNotifier()
    await deliver_all(db, clock, notifier)
    (post,) = notifier.posts()
    text = render(post.notice)
    assert len(text) <= 2000 and text.endswith("more papers: see `/paper`.")
    assert notifier.dms() == {1_200_000_000_000_000_000 + i: 1 for i in range(30, 60)}


async def test_a_dm_to_a_closed_inbox_falls_back_to_one_channel_mention(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    notifier = RecordingNotifier(closed={103})
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    await services.assignments.publish(GUILD, ORGANISER)
    await deliver_all(db, clock, notifier)
    assert notifier.dms() == {user: 1 for user in STUDENTS if user != 103}
    (fallback,) = notifier.mentions()
    assert fallback.user_ids == (103,)


async def test_the_notice_survives_a_restart_and_is_sent_once(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    """Published, then the process dies before the engine ran: the next start sends it."""
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    await services.assignments.publish(GUILD, ORGANISER)
    clock.advance(600)
    notifier = RecordingNotifier()
    assert await deliver_all(db, clock, notifier) == 1
    assert notifier.dms() == {user: 1 for user in STUDENTS}
    assert await deliver_all(db, clock, RecordingNotifier()) == 0


async def test_a_stale_preview_is_not_published(
    services: Services, seminar: Seminar, db: Database
) -> None:
    summary = await services.assignments.run(GUILD, ORGANISER, seed=4)
    await rank(services, 105, "p6", "p5", "p4")
    with pytest.raises(Conflict, match=f"seed:{summary.seed}"):
        await services.assignments.publish(GUILD, ORGANISER)
    assert await published(services) == {}
    await services.assignments.run(GUILD, ORGANISER, seed=4)
    assert not (await services.assignments.publish(GUILD, ORGANISER)).already


async def test_a_republication_dms_only_students_whose_paper_changed(
    services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    await services.assignments.publish(GUILD, ORGANISER)
    await deliver_all(db, clock, RecordingNotifier())
    before = await published(services)

    # 101 is moved by hand to the spare paper; nobody else changes.
    await services.assignments.pin(GUILD, ORGANISER, 101, "p6")
    clock.advance(60)
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    result = await services.assignments.publish(GUILD, ORGANISER)
    after = await published(services)
    changed = {user for user in after if after[user] != before.get(user)}
    assert 101 in changed and result.notified == len(changed)

    notifier = RecordingNotifier()
    await deliver_all(db, clock, notifier)
    assert set(notifier.dms()) == changed
    (post,) = notifier.posts()
    assert "is updated" in render(post.notice)


# -- reading it -----------------------------------------------------------------------


async def test_mine_shows_paper_rank_and_what_is_due(
    services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    await services.deadlines.set(GUILD, ORGANISER, "old", "2026-09-01 12:00")
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    await services.assignments.publish(GUILD, ORGANISER)
    code = (await published(services))[104]
    mine = await services.assignments.mine(GUILD, 104)
    assert mine.paper is not None and mine.paper.code == code
    assert mine.rank == ["p4", "p5", "p1"].index(code) + 1
    assert mine.published_at == clock.now() and not mine.pinned
    assert [d.kind for d in mine.upcoming] == ["report"]
    with pytest.raises(NotAllowed, match="not registered"):
        await services.assignments.mine(GUILD, 999)

    card = await services.assignments.presenters(GUILD, code)
    assert card.published and [s.user_id for s in card.presenters] == [104]


# -- leaving after publication ----------------------------------------------------------


async def test_a_leave_after_publication_frees_the_paper_and_advises_a_rerun(
    services: Services, seminar: Seminar, db: Database
) -> None:
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    await services.assignments.publish(GUILD, ORGANISER)
    before = await published(services)
    assert (await services.status.status(GUILD)).assignment_changes == 0

    await services.registration.leave(GUILD, 102)

    after = await published(services)
    assert 102 not in after
    assert after == {user: code for user, code in before.items() if user != 102}
    freed = await services.assignments.presenters(GUILD, before[102])
    assert freed.presenters == []
    assert (await services.status.status(GUILD)).assignment_changes == 1
    # Never re-run silently: the open preview is still the published run.
    latest = await services.assignments.preview(GUILD)
    assert latest.status == "published"

    # A newcomer without a paper counts too; a new publication clears the advice.
    await join_all(services, 107)
    assert (await services.status.status(GUILD)).assignment_changes == 2
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    await services.assignments.publish(GUILD, ORGANISER)
    assert (await services.status.status(GUILD)).assignment_changes == 0


async def test_a_paper_someone_presents_cannot_be_removed(
    services: Services, seminar: Seminar
) -> None:
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    await services.assignments.publish(GUILD, ORGANISER)
    assignment = await published(services)
    with pytest.raises(Conflict, match="assigned to 1 student"):
        await services.papers.remove(GUILD, ORGANISER, assignment[101])
    spare = next(code for code in CODES if code not in assignment.values())
    await services.papers.remove(GUILD, ORGANISER, spare)


# -- exports --------------------------------------------------------------------------


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def test_export_columns_are_exact(services: Services, seminar: Seminar) -> None:
    await join_all(services, 106)
    await services.assignments.pin(GUILD, ORGANISER, 105, "p5")
    await services.assignments.run(GUILD, ORGANISER, seed=2)
    await services.assignments.publish(GUILD, ORGANISER)
    assignment = await published(services)

    people = await services.assignments.export_csv(GUILD, "participants")
    assert people.filename == "participants.csv"
    rows = parse(people.text)
    assert rows[0] == [
        "account",
        "display_name",
        "status",
        "joined_at",
        "papers_ranked",
        "preferences_complete",
        "assigned_paper",
    ]
    assert rows[1][:3] == ["101", "student 101", "registered"]
    assert rows[1][4:] == ["3", "yes", assignment[101]]
    assert rows[-1][0] == "106" and rows[-1][4:] == ["0", "no", ""]

    prefs = parse((await services.assignments.export_csv(GUILD, "preferences")).text)
    assert prefs[0] == [
        "account",
        "display_name",
        "status",
        "choice_1",
        "choice_2",
        "choice_3",
        "choice_4",
        "choice_5",
        "updated_at",
    ]
    assert prefs[1][:8] == ["101", "student 101", "registered", "p1", "p2", "p3", "", ""]
    assert prefs[-1][:8] == ["106", "student 106", "registered", "", "", "", "", ""]

    exported = parse((await services.assignments.export_csv(GUILD, "assignment")).text)
    assert exported[0] == [
        "account",
        "display_name",
        "status",
        "paper_code",
        "paper_title",
        "rank",
        "pinned",
    ]
    by_user = {row[0]: row for row in exported[1:]}
    assert by_user["105"][3:] == ["p5", "Paper P5", "1", "yes"]
    assert by_user["101"][3] == assignment[101] and by_user["101"][6] == "no"
    assert by_user["106"][3:] == ["", "", "", ""]
    for kind, columns in EXPORT_COLUMNS.items():
        text = (await services.assignments.export_csv(GUILD, kind.value)).text
        assert all(len(row) == len(columns) for row in parse(text))


@pytest.mark.parametrize("what", [ExportKind.SUBMISSIONS.value, ExportKind.GRADES.value])
async def test_other_services_exports_are_not_the_assignments(
    services: Services, seminar: Seminar, what: str
) -> None:
    with pytest.raises(InvalidInput, match="not part of the paper assignment"):
        await services.assignments.export_csv(GUILD, what)


async def test_export_cells_cannot_run_as_formulas(services: Services, seminar: Seminar) -> None:
    await services.registration.join(GUILD, 108, '=HYPERLINK("http://x")')
    text = (await services.assignments.export_csv(GUILD, "participants")).text
    assert "'=HYPERLINK" in text
