"""Hand-in to grade, end to end: the real bot process downloads PDFs the fake Discord serves.

Students hand in (on time, again, late), downloads that fail (404) or hang are refused and
store nothing, a renamed non-PDF and a file over the limit are refused, the report
reminder skips whoever handed in, the organiser grades, students get their calendar and
their data, and a deletion leaves no row and no file behind.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import math
import sqlite3
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.e2e.conftest import BotProcess
from tests.fakediscord import FakeDiscord, FakeMember, InteractionResult
from tests.pdfs import make_pdf

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")
TITLE = "Theoretical Advances in Deep Learning"
LIMIT = 200_000
DOWNLOAD_TIMEOUT = 2


def pdf(body: bytes) -> bytes:
    return make_pdf(body)


def private(resp: InteractionResult) -> InteractionResult:
    assert resp.messages, f"no visible answer: {resp!r}"
    assert resp.ephemeral, f"expected an ephemeral answer: {resp!r}"
    return resp


def local(unix: int) -> str:
    return datetime.fromtimestamp(unix, BERLIN).isoformat()


def query(bot: BotProcess, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.database_path) as conn:
        return conn.execute(sql, params).fetchall()


def files_of(bot: BotProcess, member: FakeMember) -> list[Path]:
    folder = bot.database_path.parent / "submissions" / "1" / str(member.id)
    return sorted(folder.iterdir()) if folder.exists() else []


async def submit(
    fake: FakeDiscord, member: FakeMember, kind: str, filename: str, data: bytes, **how: str
) -> InteractionResult:
    upload = fake.add_attachment(filename, data, "application/pdf", **how)  # type: ignore[arg-type]
    return private(await fake.command("submit", user=member, kind=kind, file=upload))


async def test_from_hand_in_to_grade(fake: FakeDiscord, bot: BotProcess) -> None:
    bot.extra_env.update(
        {"MAX_UPLOAD_BYTES": str(LIMIT), "DOWNLOAD_TIMEOUT_SECONDS": str(DOWNLOAD_TIMEOUT)}
    )
    await bot.restart()
    org = fake.organiser
    alice, bob, carol = (fake.add_member(name) for name in ("alice", "bob", "carol"))
    private(
        await fake.command(
            "admin setup",
            user=org,
            title=TITLE,
            channel=fake.announcements,
            organiser_role=fake.organiser_role,
            timezone="Europe/Berlin",
            capacity=3,
        )
    )
    for member in (alice, bob, carol):
        assert "registered" in private(await fake.command("join", user=member)).plain.lower()
    far = int(time.time()) + 10 * 86_400
    private(
        await fake.command(
            "admin deadline set", user=org, kind="report", when=local(far), reminders="none"
        )
    )

    # --- alice hands in on time: a receipt with the server time, size and SHA-256 --------
    first = pdf(b"draft " * 1000)
    resp = await submit(fake, alice, "report", "report.pdf", first)
    assert "Received: report (version 1)" in resp.plain, resp
    assert hashlib.sha256(first).hexdigest() in resp.plain
    assert f"{len(first)} bytes" in resp.plain
    assert "On time" in resp.plain and "<t:" in resp.text
    assert [d[2] for d in fake.attachment_downloads] == [200]
    (stored,) = files_of(bot, alice)
    assert stored.read_bytes() == first
    assert stored.name == f"report-1-{hashlib.sha256(first).hexdigest()[:12]}.pdf"

    # --- downloads that fail store nothing ----------------------------------------------
    resp = await submit(fake, bob, "report", "report.pdf", pdf(b"bob"), behaviour="404")
    assert "could not download your file" in resp.plain, resp
    assert fake.attachment_downloads[-1][2] == 404
    started = time.monotonic()
    resp = await submit(fake, bob, "report", "report.pdf", pdf(b"bob"), behaviour="hang")
    assert "could not download your file" in resp.plain, resp
    assert time.monotonic() - started < DOWNLOAD_TIMEOUT + 5
    resp = await submit(fake, bob, "report", "report.pdf", b"PK\x03\x04 a .docx renamed")
    assert "not a PDF" in resp.plain, resp
    downloads = len(fake.attachment_downloads)
    resp = await submit(fake, bob, "report", "huge.pdf", pdf(b"x" * LIMIT))
    assert "at most" in resp.plain, resp
    assert len(fake.attachment_downloads) == downloads, "an oversized file is not downloaded"
    assert files_of(bot, bob) == []
    assert query(bot, "SELECT count(*) FROM submissions WHERE user_id = ?", (bob.id,)) == [(0,)]

    # --- the report reminder reaches bob and carol, not alice, who handed in --------------
    soon = math.ceil(time.time()) + 6
    private(
        await fake.command(
            "admin deadline set", user=org, kind="report", when=local(soon), reminders="4s"
        )
    )
    await fake.wait_for(
        lambda: all(any("report (PDF)" in m.content for m in fake.dms(u)) for u in (bob, carol)),
        15,
        what="the report reminder to bob and carol",
    )
    await asyncio.sleep(0.5)
    assert not any("report (PDF)" in m.content for m in fake.dms(alice))

    # --- after the deadline: a re-submission is version 2, and late ------------------------
    await asyncio.sleep(max(0.0, soon + 1.2 - time.time()))
    second = pdf(b"final")
    resp = await submit(fake, alice, "report", "report-final.pdf", second)
    assert "version 2" in resp.plain and "Late by" in resp.plain, resp
    assert len(files_of(bot, alice)) == 2  # every version kept

    resp = private(await fake.command("admin participants", user=org))
    lines = {line.split(" ")[1]: line for line in resp.plain.splitlines() if line.startswith("•")}
    assert lines[alice.mention].endswith("report ✅, slides ❌"), lines
    assert lines[bob.mention].endswith("report ❌, slides ❌"), lines

    # --- grades -----------------------------------------------------------------------------
    resp = private(await fake.command("admin grade", user=org, member=alice, report="1.3"))
    assert "No final grade yet" in resp.plain
    resp = private(await fake.command("admin grade", user=org, member=alice, presentation="3.3"))
    assert "Final grade 2.3" in resp.plain, resp
    resp = private(await fake.command("admin grade", user=org, member=bob, report="4.5"))
    assert "Valid grades: 1.0, 1.3" in resp.plain

    # --- the organisers' CSV files: exactly the named columns ----------------------------
    resp = private(await fake.command("admin export", user=org, what="grades"))
    ((name, data),) = resp.files
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert name == "grades.csv"
    assert rows[0] == ["account", "display_name", "paper", "report", "presentation", "final"]
    assert [str(alice.id), "Alice", "", "1.3", "3.3", "2.3"] in rows[1:], rows
    resp = private(await fake.command("admin export", user=org, what="submissions"))
    ((name, data),) = resp.files
    by_id = {row[0]: row for row in csv.reader(io.StringIO(data.decode()))}
    assert name == "submissions.csv" and len(by_id["account"]) == 10
    assert by_id[str(alice.id)][2] == "2" and by_id[str(alice.id)][4] == "no"
    assert by_id[str(bob.id)][2:] == [""] * 8

    # --- the calendar and the personal data export --------------------------------------
    resp = private(await fake.command("calendar", user=alice))
    ((name, data),) = resp.files
    assert name == "seminar.ics"
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert int(event.start.timestamp()) == soon
    resp = private(await fake.command("mydata", user=alice, action="export"))
    ((name, data),) = resp.files
    exported = json.loads(data)
    assert name == "mydata.json"
    assert [s["version"] for s in exported["submissions"]] == [1, 2]
    assert exported["grades"]["final"] == "2.3"
    assert exported["about"]["user_id"] == str(alice.id)

    # --- deleting: asked first, then no row and no file is left -------------------------
    resp = private(await fake.command("mydata", user=alice, action="delete"))
    assert "cannot be undone" in resp.plain
    await fake.click(resp, "Yes, delete everything")
    await fake.wait_for(
        lambda: "Done: everything stored about you" in resp.plain, 5, what="the deletion"
    )
    assert files_of(bot, alice) == []
    tables = [name for (name,) in query(bot, "SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        for row in query(bot, f'SELECT * FROM "{table}"'):
            assert not any(v == alice.id or str(alice.id) in str(v) for v in row), (table, row)
    # Bob's rows are still there, and the bot is fine.
    assert query(
        bot, "SELECT count(*) FROM deliveries WHERE recipient = ?", (f"user:{bob.id}",)
    ) != [(0,)]
    assert "registered" in private(await fake.command("join", user=bob)).plain.lower()
    fake.assert_clean()
