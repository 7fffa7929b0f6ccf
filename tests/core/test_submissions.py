"""/submit, tier 1: PDF checks, on time vs late to the second, versions, files, reminders."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import os
import threading
import time
from pathlib import Path

import pytest

from bot.core import submissions as submissions_module
from bot.core.errors import InvalidInput, NotAllowed
from bot.core.models import Deadline, Seminar
from bot.core.reminders import Occurrence, ReminderContent, deadline_occurrences
from bot.core.services import Services
from bot.core.submissions import EXPORT_COLUMNS, Receipt, check_pdf, human_duration, is_pdf
from bot.store import submissions as store
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, join_all
from tests.pdfs import make_pdf

ALICE, BOB, CAROL, DAVE = 101, 102, 103, 104
LIMIT = 1024 * 1024


def pdf(body: bytes = b"report") -> bytes:
    return make_pdf(body)


async def hand_in(
    services: Services,
    kind: str = "report",
    data: bytes | None = None,
    user_id: int = ALICE,
    filename: str = "report.pdf",
    limit: int = LIMIT,
) -> Receipt:
    data = pdf() if data is None else data
    upload = await services.submissions.start(GUILD, user_id, kind, len(data), limit)
    return await services.submissions.finish(upload, filename, data)


def files_under(root: Path) -> list[Path]:
    folder = root / "submissions"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
async def students(services: Services, seminar: Seminar) -> Seminar:
    await join_all(services, ALICE, BOB, CAROL)
    return seminar


async def set_report_deadline(services: Services, when: str = "2027-01-15 23:59") -> int:
    change = await services.deadlines.set(GUILD, ORGANISER, "report", when)
    return change.deadline.due_at


# -- on time, exactly at the deadline, one second late ---------------------------------


async def test_a_hand_in_before_the_deadline_is_on_time_and_stored(
    services: Services, students: Seminar, clock: FakeClock, tmp_path: Path
) -> None:
    due = await set_report_deadline(services)
    clock.set(due - 3600)
    data = pdf(b"x" * 5000)
    receipt = await hand_in(services, data=data, filename="Mein Bericht.pdf")
    got = receipt.submission
    digest = hashlib.sha256(data).hexdigest()
    assert (got.kind, got.version, got.size_bytes, got.sha256) == ("report", 1, len(data), digest)
    assert (got.submitted_at, got.due_at, got.on_time, receipt.late_by) == (
        due - 3600,
        due,
        True,
        0,
    )
    assert got.original_filename == "Mein Bericht.pdf"
    assert got.stored_path == f"submissions/{students.id}/{ALICE}/report-1-{digest[:12]}.pdf"
    # Beside the database, byte for byte, and nothing else (no temp file left behind).
    assert files_under(tmp_path) == [tmp_path / got.stored_path]
    assert (tmp_path / got.stored_path).read_bytes() == data
    assert await store.of_user(services.db, students.id, ALICE) == [got]


async def test_exactly_at_the_deadline_is_on_time(
    services: Services, students: Seminar, clock: FakeClock
) -> None:
    due = await set_report_deadline(services)
    clock.set(due)
    receipt = await hand_in(services)
    assert receipt.submission.on_time and receipt.late_by == 0


async def test_one_second_after_the_deadline_is_late_by_one_second(
    services: Services, students: Seminar, clock: FakeClock
) -> None:
    due = await set_report_deadline(services)
    clock.set(due + 1)
    receipt = await hand_in(services)
    assert not receipt.submission.on_time
    assert receipt.late_by == 1
    assert human_duration(receipt.late_by) == "1 s"
    # Still stored: late work is handed in, just marked late.
    assert len(await services.submissions.mine(GUILD, ALICE)) == 1


async def test_the_arrival_of_the_request_counts_not_the_end_of_the_download(
    services: Services, students: Seminar, clock: FakeClock
) -> None:
    due = await set_report_deadline(services)
    clock.set(due)
    upload = await services.submissions.start(GUILD, ALICE, "report", 100, LIMIT)
    clock.advance(30)  # a slow download
    receipt = await services.submissions.finish(upload, "r.pdf", pdf())
    assert receipt.submission.on_time and receipt.submission.submitted_at == due


async def test_without_a_deadline_a_hand_in_is_on_time(
    services: Services, students: Seminar
) -> None:
    receipt = await hand_in(services, kind="slides", filename="talk.pdf")
    assert receipt.submission.due_at is None and receipt.submission.on_time


async def test_lateness_is_measured_against_the_deadline_of_that_kind(
    services: Services, students: Seminar, clock: FakeClock
) -> None:
    report_due = await set_report_deadline(services, "2027-01-10 12:00")
    await services.deadlines.set(GUILD, ORGANISER, "slides", "2027-01-20 12:00")
    clock.set(report_due + 90_061)  # 1 d 1 h 1 min 1 s late for the report
    late = await hand_in(services, kind="report")
    slides = await hand_in(services, kind="slides")
    assert (late.submission.on_time, late.late_by) == (False, 90_061)
    assert human_duration(late.late_by) == "1 d 1 h"
    assert slides.submission.on_time


# -- refusals store nothing ------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 word/document.xml",  # a .docx renamed to .pdf
        b"\x89PNG\r\n\x1a\n",
        b"Hello, this is my report as plain text.",
        b"%PDF",  # the magic cut short
        b"x" * 1024 + b"%PDF-1.7\n",  # the header beyond the first 1024 bytes
    ],
    ids=["docx", "png", "text", "truncated-magic", "header-too-late"],
)
async def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_stored(
    services: Services, students: Seminar, tmp_path: Path, data: bytes
) -> None:
    with pytest.raises(InvalidInput, match="not a PDF"):
        await hand_in(services, data=data, filename="report.pdf")
    assert await store.of_user(services.db, students.id, ALICE) == []
    assert files_under(tmp_path) == []


# A real two-page PDF of about 5 KiB, and what goes wrong with such files.
GOOD = make_pdf(b"Theoretical Advances in Deep Learning " * 120, pages=2)
BROKEN = {
    "truncated-to-60-percent": (GOOD[: len(GOOD) * 6 // 10], "incomplete"),
    "truncated-to-1-KiB": (GOOD[:1024], "incomplete"),
    "bare-header-line": (b"%PDF-1.7\n", "incomplete"),
    "html-with-header-in-a-comment": (
        b"<!DOCTYPE html><html><!-- %PDF-1.4 --><body>Sign in</body></html>\n%%EOF\n",
        "web page (HTML)",
    ),
    "header-and-end-but-no-pdf-between": (
        b"%PDF-1.7\n" + b"garbage " * 200 + b"\n%%EOF\n",
        "does not open as a PDF",
    ),
    "middle-cut-out": (GOOD[: len(GOOD) // 2] + GOOD[-300:], "does not open as a PDF"),
    "password-protected": (make_pdf(password="secret"), "password-protected"),
    "encrypted-without-a-user-password": (make_pdf(password=""), "password-protected"),
    "no-pages": (make_pdf(pages=0), "no pages"),
}


def test_a_real_pdf_passes_the_check() -> None:
    assert len(GOOD) > 4096
    check_pdf(GOOD, "report")
    check_pdf(make_pdf(), "slides")
    check_pdf(b"\xef\xbb\xbf" + GOOD, "report")  # junk before the header is tolerated


@pytest.mark.parametrize("name", list(BROKEN))
async def test_a_pdf_that_does_not_open_is_refused_with_the_reason(
    services: Services, students: Seminar, tmp_path: Path, name: str
) -> None:
    data, reason = BROKEN[name]
    with pytest.raises(InvalidInput) as caught:
        await hand_in(services, data=data)
    message = str(caught.value)
    assert reason in message
    assert "Nothing was stored." in message
    assert await store.of_user(services.db, students.id, ALICE) == []
    assert files_under(tmp_path) == []


async def test_a_cancelled_hand_in_leaves_no_partial_file(
    services: Services,
    students: Seminar,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cancelled while the temporary file is being written (a slow disk): the
    thread finishes its write, and the file is removed after it."""
    writing, release, written = threading.Event(), threading.Event(), threading.Event()
    real_write = submissions_module._write_temp

    def slow_write(temp: Path, data: bytes) -> None:
        writing.set()
        release.wait(timeout=30)
        real_write(temp, data)
        written.set()

    monkeypatch.setattr(submissions_module, "_write_temp", slow_write)
    data = pdf()
    upload = await services.submissions.start(GUILD, ALICE, "report", len(data), LIMIT)
    task = asyncio.create_task(services.submissions.finish(upload, "r.pdf", data))
    assert await asyncio.to_thread(writing.wait, 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()  # the write completes only now, after the cancellation
    assert await asyncio.to_thread(written.wait, 30)
    async with asyncio.timeout(30):  # the clean-up follows the write
        while files_under(tmp_path):  # noqa: ASYNC110 - a done-callback removes it
            await asyncio.sleep(0.01)
    assert await store.of_user(services.db, students.id, ALICE) == []


async def test_sweep_removes_partial_uploads_left_by_a_killed_process(
    services: Services, students: Seminar, tmp_path: Path
) -> None:
    await hand_in(services)  # a real hand-in, which the sweep must keep
    folder = services.submissions.user_dir(students.id, BOB)
    folder.mkdir(parents=True)
    old = [folder / ".upload-0a.part", folder / ".upload-0b.part"]
    for path in old:
        path.write_bytes(b"%PDF-1.7 half of a file")
        an_hour_ago = time.time() - 3600
        os.utime(path, (an_hour_ago, an_hour_ago))
    fresh = folder / ".upload-0c.part"  # may be an upload under way elsewhere
    fresh.write_bytes(b"x")
    removed = await services.submissions.sweep_partial_uploads()
    assert removed == (2, 2 * len(b"%PDF-1.7 half of a file"))
    assert [p.name for p in files_under(tmp_path) if p.name.startswith(".")] == [fresh.name]
    assert await services.submissions.sweep_partial_uploads(min_age_seconds=0) == (1, 1)
    assert [p.suffix for p in files_under(tmp_path)] == [".pdf"]
    assert await services.submissions.sweep_partial_uploads() == (0, 0)


def test_the_pdf_header_may_follow_some_junk_within_the_first_kilobyte() -> None:
    assert is_pdf(b"%PDF-1.4")
    assert is_pdf(b"\xef\xbb\xbf" + b"%PDF-1.4")
    assert is_pdf(b" " * 1019 + b"%PDF-")  # starts at byte 1019, inside the window
    assert not is_pdf(b" " * 1024 + b"%PDF-")


async def test_a_file_over_the_limit_is_refused_before_downloading(
    services: Services, students: Seminar
) -> None:
    with pytest.raises(InvalidInput, match=r"at most 1\.0 MiB"):
        await services.submissions.start(GUILD, ALICE, "report", LIMIT + 1, LIMIT)
    # The limit itself is fine.
    await services.submissions.start(GUILD, ALICE, "report", LIMIT, LIMIT)


async def test_downloaded_bytes_over_the_limit_are_refused_too(
    services: Services, students: Seminar, tmp_path: Path
) -> None:
    # Discord reported a small size, but more arrived.
    upload = await services.submissions.start(GUILD, ALICE, "report", 10, 1000)
    with pytest.raises(InvalidInput, match="at most"):
        await services.submissions.finish(upload, "r.pdf", pdf(b"y" * 2000))
    assert files_under(tmp_path) == []


async def test_only_registered_participants_can_hand_in(
    services: Services, students: Seminar
) -> None:
    with pytest.raises(NotAllowed, match="`/join` first"):
        await hand_in(services, user_id=999)
    await join_all(services, DAVE)  # the seminar is full: DAVE waits
    with pytest.raises(NotAllowed, match="waitlist"):
        await hand_in(services, user_id=DAVE)


async def test_leaving_during_the_download_stores_nothing(
    services: Services, students: Seminar, tmp_path: Path
) -> None:
    upload = await services.submissions.start(GUILD, ALICE, "report", 100, LIMIT)
    await services.registration.leave(GUILD, ALICE)
    with pytest.raises(NotAllowed):
        await services.submissions.finish(upload, "r.pdf", pdf())
    assert files_under(tmp_path) == []


async def test_a_failing_insert_removes_the_file_again(
    services: Services, students: Seminar, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object, **__: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "insert", broken)
    with pytest.raises(RuntimeError):
        await hand_in(services)
    assert files_under(tmp_path) == []
    assert await services.db.fetch_value("SELECT count(*) FROM submissions") == 0


async def test_an_unknown_kind_is_refused(services: Services, students: Seminar) -> None:
    with pytest.raises(InvalidInput, match="`report` or `slides`"):
        await services.submissions.start(GUILD, ALICE, "essay", 100, LIMIT)


# -- versions --------------------------------------------------------------------------


async def test_handing_in_again_keeps_every_version_and_the_latest_counts(
    services: Services, students: Seminar, tmp_path: Path, clock: FakeClock
) -> None:
    first = await hand_in(services, data=pdf(b"draft"))
    clock.advance(60)
    second = await hand_in(services, data=pdf(b"final"))
    same_again = await hand_in(services, data=pdf(b"final"))
    versions = [s.version for s in await services.submissions.mine(GUILD, ALICE)]
    assert versions == [1, 2, 3]
    assert second.submission.sha256 == same_again.submission.sha256
    stored = [tmp_path / r.submission.stored_path for r in (first, second, same_again)]
    assert files_under(tmp_path) == sorted(stored)
    assert stored[0].read_bytes() == pdf(b"draft")
    status = await services.submissions.status(students)
    assert status.latest[(ALICE, "report")].version == 3
    assert status.has(ALICE, "report") and not status.has(ALICE, "slides")
    assert not status.has(BOB, "report")


async def test_each_student_and_kind_counts_versions_separately(
    services: Services, students: Seminar
) -> None:
    await hand_in(services, user_id=ALICE)
    bob = await hand_in(services, user_id=BOB)
    slides = await hand_in(services, kind="slides", user_id=ALICE)
    assert (bob.submission.version, slides.submission.version) == (1, 1)


# -- reminders -------------------------------------------------------------------------


def first_reminder(d: Deadline) -> Occurrence:
    return deadline_occurrences(d.id, d.seminar_id, d.due_at, d.reminder_offsets, d.revision)[0]


async def test_the_reminder_for_that_deadline_no_longer_reaches_a_student_who_handed_in(
    services: Services, students: Seminar, clock: FakeClock
) -> None:
    await set_report_deadline(services)
    slides = await services.deadlines.set(GUILD, ORGANISER, "slides", "2027-01-16 23:59")
    report = await services.deadlines.get(GUILD, "report")
    content = ReminderContent(services.db)
    before = await content.audience(first_reminder(report))
    assert sorted(before.dm_user_ids) == [ALICE, BOB, CAROL]
    await hand_in(services, user_id=ALICE)
    after = await content.audience(first_reminder(report))
    assert sorted(after.dm_user_ids) == [BOB, CAROL]
    # The slides are still due from Alice.
    other = await content.audience(first_reminder(slides.deadline))
    assert sorted(other.dm_user_ids) == [ALICE, BOB, CAROL]


async def test_deadlines_show_report_and_slides_as_done_once_handed_in(
    services: Services, students: Seminar
) -> None:
    await set_report_deadline(services)
    await services.deadlines.set(GUILD, ORGANISER, "slides", "2027-01-16 23:59")
    await hand_in(services, kind="slides")
    _, statuses = await services.deadlines.for_user(GUILD, ALICE)
    assert {s.deadline.kind: s.done for s in statuses} == {"report": False, "slides": True}


# -- organisers' view ------------------------------------------------------------------


async def test_the_participant_overview_shows_who_handed_in_what(
    services: Services, students: Seminar
) -> None:
    await hand_in(services, user_id=ALICE)
    await hand_in(services, kind="slides", user_id=BOB)
    overview = await services.registration.overview(GUILD)
    got = {row.participant.user_id: row.handed_in for row in overview.rows}
    assert got == {ALICE: {"report"}, BOB: {"slides"}, CAROL: frozenset()}


async def test_the_submissions_export_has_exactly_the_named_columns(
    services: Services, students: Seminar, clock: FakeClock
) -> None:
    due = await set_report_deadline(services)
    clock.set(due + 5)
    await hand_in(services, user_id=ALICE, data=pdf(b"v1"))
    second = await hand_in(services, user_id=ALICE, data=pdf(b"v2"), filename="secret-name.pdf")
    await services.registration.join(GUILD, BOB, '=HYPERLINK("x")')
    text = await services.submissions.export_csv(GUILD)
    rows = list(csv.reader(io.StringIO(text)))
    assert (
        tuple(rows[0])
        == EXPORT_COLUMNS
        == (
            "account",
            "display_name",
            "report_version",
            "report_submitted_at",
            "report_on_time",
            "report_sha256",
            "slides_version",
            "slides_submitted_at",
            "slides_on_time",
            "slides_sha256",
        )
    )
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {str(ALICE), str(BOB), str(CAROL)}
    alice = by_id[str(ALICE)]
    assert alice[2:6] == ["2", "2027-01-15T23:59:05+01:00", "no", second.submission.sha256]
    assert alice[6:] == ["", "", "", ""]
    # A display name cannot smuggle a spreadsheet formula in.
    assert by_id[str(BOB)][1] == '\'=HYPERLINK("x")'
    assert "secret-name" not in text
