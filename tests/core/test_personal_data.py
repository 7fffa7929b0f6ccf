"""/mydata, tier 1: the export holds exactly the member's rows; delete leaves none anywhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.core.errors import DomainError
from bot.core.models import Seminar
from bot.core.personal_data import DELETED
from bot.core.services import Services
from bot.store import attendance as attendance_store
from bot.store import reminders as reminder_store
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, OTHER_GUILD, add_paper, make_seminar
from tests.pdfs import make_pdf

# Snowflake-sized ids, so "mentions the id" cannot match an unrelated small number.
ALICE = 412_345_678_901_234_567
BOB = 412_345_678_901_234_999
CAROL = 398_765_432_109_876_543
DAVE = 377_777_777_777_777_777
EXPORT_KEYS = {
    "about",
    "registration",
    "preferences",
    "assignment",
    "submissions",
    "grades",
    "attendance",
    "reminder_settings",
    "deliveries",
    "dm_channel",
    "organiser_actions",
}


async def hand_in(services: Services, user_id: int, kind: str, body: bytes = b"") -> None:
    data = make_pdf(body)
    upload = await services.submissions.start(GUILD, user_id, kind, len(data))
    await services.submissions.finish(upload, f"{kind}.pdf", data)


async def deliver(services: Services, seminar: Seminar, user_id: int, job: str) -> None:
    async with services.db.transaction() as tx:
        await reminder_store.claim(
            tx, seminar.id, job, f"user:{user_id}", services.clock.now(), False, 1
        )
        await reminder_store.remember_dm_channel(tx, user_id, user_id + 1)


@pytest.fixture
async def world(services: Services) -> Seminar:
    """Alice and Bob with everything a member can have; Carol registered; Dave waiting."""
    seminar = await make_seminar(services, capacity=3, channel_id=555)
    for code in ("p1", "p2", "p3"):
        await add_paper(services, code)
    for user_id, name in ((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol"), (DAVE, "Dave")):
        await services.registration.join(GUILD, user_id, name)
    await services.preferences.set(GUILD, ALICE, ["p2", "p1", "p3"])
    await services.preferences.set(GUILD, BOB, ["p1", "p2", "p3"])
    await services.announcements.set_dm_reminders(GUILD, ALICE, False)
    await services.announcements.set_dm_reminders(GUILD, BOB, False)
    for user_id in (ALICE, BOB):
        await hand_in(services, user_id, "report", b"v1")
        await hand_in(services, user_id, "report", b"v2")
        await hand_in(services, user_id, "slides")
        await deliver(services, seminar, user_id, "deadline:1:r1:86400")
        await services.grading.grade(GUILD, ORGANISER, user_id, report="1.3")
        await services.grading.grade(GUILD, ORGANISER, user_id, presentation="2.0")
    await publish(services, seminar, {ALICE: "p2", BOB: "p1"}, pinned={ALICE: "p2"})
    return seminar


async def publish(
    services: Services, seminar: Seminar, papers: dict[int, str], pinned: dict[int, str]
) -> None:
    """A published assignment and an open preview, as /admin assign leaves them."""
    paper_ids = {
        code: pid
        for code, pid in await services.db.fetch_all(
            "SELECT code, id FROM papers WHERE seminar_id = ?", (seminar.id,)
        )
    }
    now = services.clock.now()
    async with services.db.transaction() as tx:
        for run_id, status in ((1, "published"), (2, "preview")):
            await tx.execute(
                "INSERT INTO assignment_runs (id, seminar_id, seed, mode, fill, input_hash, "
                "histogram, status, created_at, created_by, published_at, published_by) "
                "VALUES (?, ?, 7, 'linear', 0, 'hash', '{}', ?, ?, ?, ?, ?)",
                (run_id, seminar.id, status, now, ORGANISER, now, ORGANISER),
            )
            for user_id, code in papers.items():
                await tx.execute(
                    "INSERT INTO assignment_run_rows (run_id, user_id, paper_id, rank, pinned) "
                    "VALUES (?, ?, ?, 1, ?)",
                    (run_id, user_id, paper_ids[code], int(user_id in pinned)),
                )
        for user_id, code in papers.items():
            await tx.execute(
                "INSERT INTO assignments (seminar_id, user_id, paper_id, rank, run_id, since_run) "
                "VALUES (?, ?, ?, 1, 1, 1)",
                (seminar.id, user_id, paper_ids[code]),
            )
        for user_id, code in pinned.items():
            await tx.execute(
                "INSERT INTO assignment_pins (seminar_id, user_id, paper_id, created_by, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                (seminar.id, user_id, paper_ids[code], ORGANISER, now),
            )


async def changes(db: Database) -> list[tuple[int, str | None, str]]:
    """The published assignment's change log: (user, freed paper code, kind)."""
    rows = await db.fetch_all(
        "SELECT c.user_id, p.code, c.kind FROM assignment_changes c "
        "LEFT JOIN papers p ON p.id = c.paper_id ORDER BY c.id"
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def rows_mentioning(db: Database, user_id: int, participant_ids: set[int]) -> list[str]:
    """Every row in every table that names the user: an id column holding it, any text
    containing it (a recipient `user:<id>`, JSON detail), or one of their participant rows."""
    found = []
    tables = await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    assert len(tables) >= 15, "the check must see every table"
    for (table,) in tables:
        for row in await db.fetch_all(f'SELECT * FROM "{table}"'):
            for column in row.keys():  # noqa: SIM118 - sqlite3.Row
                value = row[column]
                if (
                    value == user_id
                    or str(user_id) in str(value)
                    or (column == "participant_id" and value in participant_ids)
                ):
                    found.append(f"{table}.{column} = {value!r}")
    return found


async def participant_id(db: Database, user_id: int) -> int:
    return int(await db.fetch_value("SELECT id FROM participants WHERE user_id = ?", (user_id,)))


# -- export ------------------------------------------------------------------------------


async def test_export_holds_exactly_the_members_rows(
    services: Services, world: Seminar, clock: FakeClock
) -> None:
    data = await services.personal_data.export(GUILD, ALICE)
    assert set(data) == EXPORT_KEYS
    assert data["about"]["user_id"] == str(ALICE)
    assert data["registration"]["status"] == "registered"
    assert data["registration"]["display_name"] == "Alice"
    assert [p["paper"] for p in data["preferences"]] == ["p2", "p1", "p3"]
    assert data["assignment"] == {
        "published": {"paper": "p2", "title": "A paper called p2", "rank": 1},
        "pinned_to": {
            "paper": "p2",
            "title": "A paper called p2",
            "since": data["about"]["exported_at"],
        },
        "changes_since_publication": [],
        "talk": None,
    }
    assert [(s["kind"], s["version"]) for s in data["submissions"]] == [
        ("report", 1),
        ("report", 2),
        ("slides", 1),
    ]
    assert set(data["submissions"][0]) == {
        "kind",
        "version",
        "submitted_at",
        "deadline",
        "on_time",
        "size_bytes",
        "sha256",
        "original_filename",
    }
    assert data["grades"] == {
        "report": "1.3",
        "presentation": "2.0",
        "final": "1.7",
        "state": "passed",
    }
    assert data["reminder_settings"] == {"dm_reminders": False, "stored": True}
    assert [d["job"] for d in data["deliveries"]] == ["deadline:1:r1:86400"]
    assert data["dm_channel"] == {"channel_id": str(ALICE + 1)}
    assert [a["action"] for a in data["organiser_actions"]] == ["grade.set", "grade.set"]
    text = json.dumps(data)
    # Nobody else's data, and no server paths.
    for other in (BOB, CAROL, DAVE):
        assert str(other) not in text
    assert "submissions/" not in text and "Bob" not in text


async def test_grades_appear_in_the_export_only_once_both_parts_exist(
    services: Services, world: Seminar
) -> None:
    await services.grading.grade(GUILD, ORGANISER, CAROL, report="1.0")
    data = await services.personal_data.export(GUILD, CAROL)
    assert data["grades"] is None
    # ...nor through the organisers' action log.
    assert data["organiser_actions"] == [
        {"action": "grade.set", "at": data["about"]["exported_at"]}
    ]
    assert "1.0" not in json.dumps(data["organiser_actions"])


async def test_export_for_someone_unknown_is_empty_but_valid(
    services: Services, world: Seminar
) -> None:
    data = await services.personal_data.export(GUILD, 999_999_999_999_999_999)
    assert data["registration"] is None and data["preferences"] == []
    assert data["submissions"] == [] and data["grades"] is None and data["deliveries"] == []
    assert data["reminder_settings"] == {"dm_reminders": True, "stored": False}


# -- delete ------------------------------------------------------------------------------


async def test_delete_leaves_no_row_mentioning_the_member_in_any_table(
    services: Services, world: Seminar, tmp_path: Path
) -> None:
    alice_participant = await participant_id(services.db, ALICE)
    before = await rows_mentioning(services.db, ALICE, {alice_participant})
    assert len(before) > 10  # the check does see Alice's rows
    bob_before = await rows_mentioning(services.db, BOB, {await participant_id(services.db, BOB)})

    result = await services.personal_data.delete(GUILD, ALICE)

    assert await rows_mentioning(services.db, ALICE, {alice_participant}) == []
    # Bob's data is untouched (his grade audit rows still name him, as before).
    assert (
        await rows_mentioning(services.db, BOB, {await participant_id(services.db, BOB)})
        == bob_before
    )
    # The files are gone with their folder; Bob's are still there.
    assert not (tmp_path / "submissions" / str(world.id) / str(ALICE)).exists()
    assert len(list((tmp_path / "submissions" / str(world.id) / str(BOB)).iterdir())) == 3
    assert (result.files_removed, result.files_left) == (3, 0)
    # Her place went to Dave, first on the waitlist.
    assert result.promoted is not None and result.promoted.user_id == DAVE
    # Her paper is free, and organisers are advised to re-run: one paper freed (by
    # nobody named) and one newcomer, as /admin status counts them.
    assert result.freed_paper
    assert await changes(services.db) == [(0, "p2", "left"), (DAVE, None, "joined")]
    assert await services.db.fetch_value("SELECT group_concat(user_id) FROM assignments") == str(
        BOB
    )


async def test_the_audit_trail_keeps_what_happened_but_not_who(
    services: Services, world: Seminar
) -> None:
    await services.personal_data.delete(GUILD, ALICE)
    rows = await services.db.fetch_all("SELECT actor_id, action, detail FROM audit_log")
    grades = [json.loads(r["detail"]) for r in rows if r["action"] == "grade.set"]
    assert {g["user_id"] for g in grades} == {DELETED, BOB}
    deletion = [r for r in rows if r["action"] == "mydata.delete"]
    assert len(deletion) == 1 and deletion[0]["actor_id"] == 0
    assert json.loads(deletion[0]["detail"]) == {
        "freed_a_paper": True,
        "submissions": 3,
        "was_registered": True,
    }


async def test_delete_is_allowed_after_the_deregistration_deadline(
    services: Services, world: Seminar, clock: FakeClock
) -> None:
    await services.deadlines.set(GUILD, ORGANISER, "deregistration", "2026-11-01 23:59")
    clock.set(1_800_000_000)  # January 2027
    result = await services.personal_data.delete(GUILD, ALICE)
    assert result.promoted is not None
    assert (await services.personal_data.summary(GUILD, ALICE)).empty


async def test_deleting_a_waitlisted_member_promotes_nobody(
    services: Services, world: Seminar
) -> None:
    result = await services.personal_data.delete(GUILD, DAVE)
    assert result.promoted is None and not result.freed_paper
    assert await rows_mentioning(services.db, DAVE, set()) == []
    assert await changes(services.db) == []


async def test_a_newcomer_who_is_gone_again_leaves_nothing_to_re_run_for(
    services: Services, world: Seminar
) -> None:
    await services.registration.leave(GUILD, CAROL)  # no paper: nothing freed; Dave moves up
    assert await changes(services.db) == [(DAVE, None, "joined")]
    await services.personal_data.delete(GUILD, DAVE)
    assert await changes(services.db) == []


async def test_another_servers_seminar_keeps_its_data(services: Services, world: Seminar) -> None:
    await make_seminar(services, guild_id=OTHER_GUILD)
    await services.registration.join(OTHER_GUILD, ALICE, "Alice")
    await services.personal_data.delete(GUILD, ALICE)
    other = await services.personal_data.export(OTHER_GUILD, ALICE)
    assert other["registration"] is not None


async def test_summary_says_what_a_delete_would_remove(services: Services, world: Seminar) -> None:
    summary = await services.personal_data.summary(GUILD, ALICE)
    assert (summary.registered, summary.submissions, summary.has_grades) == (True, 3, True)
    assert summary.other_rows == 3  # settings, one delivery, the DM channel
    assert (await services.personal_data.summary(GUILD, 5)).empty


async def test_a_failed_delete_changes_nothing_and_keeps_the_files(
    services: Services, world: Seminar, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.store import grades

    async def broken(*_: Any) -> int:
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(grades, "delete_of_user", broken)
    with pytest.raises(RuntimeError):
        await services.personal_data.delete(GUILD, ALICE)
    assert len(list((tmp_path / "submissions" / str(world.id) / str(ALICE)).iterdir())) == 3
    assert (await services.personal_data.summary(GUILD, ALICE)).registered


async def test_after_a_real_publication_status_advises_a_re_run_and_nothing_names_her(
    services: Services,
) -> None:
    await make_seminar(services, capacity=3, channel_id=555)
    for code in ("p1", "p2", "p3"):
        await add_paper(services, code)
    for user_id, name in ((ALICE, "Alice"), (BOB, "Bob")):
        await services.registration.join(GUILD, user_id, name)
    await services.preferences.set(GUILD, ALICE, ["p2", "p1", "p3"])
    await services.preferences.set(GUILD, BOB, ["p1", "p2", "p3"])
    await services.assignments.run(GUILD, ORGANISER, seed=1)
    await services.assignments.publish(GUILD, ORGANISER)
    assert (await services.status.status(GUILD)).assignment_changes == 0
    alice = await participant_id(services.db, ALICE)

    result = await services.personal_data.delete(GUILD, ALICE)

    assert result.freed_paper
    assert (await services.status.status(GUILD)).assignment_changes == 1
    assert await rows_mentioning(services.db, ALICE, {alice}) == []


# -- attendance --------------------------------------------------------------------------


async def block_day(services: Services, clock: FakeClock) -> tuple[int, int]:
    """The programme (Bob talk 1, Alice talk 2); Alice and Carol check in to Bob's talk,
    Bob to Alice's is excused, Alice mistypes once at Bob's talk. Returns the two starts."""
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    programme = await services.talks.programme(GUILD)
    bob_talk, alice_talk = programme.talks
    assert (bob_talk.user_id, alice_talk.user_id) == (BOB, ALICE)
    seminar = await services.seminars.seminar(GUILD)
    codes = {t.presenter_id: t.code for t in await attendance_store.talks(services.db, seminar.id)}
    clock.set(bob_talk.starts_at)
    with pytest.raises(DomainError):
        await services.attendance.check_in(GUILD, ALICE, "ZZZZZ")
    await services.attendance.check_in(GUILD, ALICE, codes[BOB])
    await services.attendance.check_in(GUILD, CAROL, codes[BOB])
    clock.set(alice_talk.starts_at)
    with pytest.raises(DomainError):
        await services.attendance.check_in(GUILD, ALICE, codes[ALICE])  # her own talk
    await services.attendance.check_in(GUILD, CAROL, codes[ALICE])
    await services.attendance.excuse(GUILD, ORGANISER, BOB, "2", "exam elsewhere")
    return bob_talk.starts_at, alice_talk.starts_at


async def test_export_and_delete_cover_attendance(
    services: Services, world: Seminar, clock: FakeClock
) -> None:
    await block_day(services, clock)
    data = await services.personal_data.export(GUILD, ALICE)
    assert [(e["talk"], e["present"], e["source"]) for e in data["attendance"]["entries"]] == [
        ({"talk": 1, "paper": "p1"}, True, "code")
    ]
    assert [(a["code"], a["reason"]) for a in data["attendance"]["refused_attempts"]] == [
        ("ZZZZZ", "wrong_code"),
        (data["attendance"]["refused_attempts"][1]["code"], "own_talk"),
    ]
    assert data["attendance"]["excuses"] == []
    bob = await services.personal_data.export(GUILD, BOB)
    assert [e["reason"] for e in bob["attendance"]["excuses"]] == ["exam elsewhere"]
    assert str(ALICE) not in json.dumps(bob) and str(BOB) not in json.dumps(data)
    assert (await services.personal_data.summary(GUILD, ALICE)).other_rows >= 3

    alice_participant = await participant_id(services.db, ALICE)
    await services.personal_data.delete(GUILD, ALICE)
    assert await rows_mentioning(services.db, ALICE, {alice_participant}) == []
    # Carol's check-in to Bob's talk stays; her check-in to Alice's gone talk went with it.
    carol = await services.personal_data.export(GUILD, CAROL)
    assert [e["talk"] for e in carol["attendance"]["entries"]] == [{"talk": 1, "paper": "p1"}]
