"""/submit, /calendar, /mydata, /admin participants and /admin grade, through the real checks."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest
from icalendar import Calendar

from bot.core.models import Seminar
from bot.core.services import Services
from bot.discord.client import SeminarBot
from cogs.admin.grade import grade_autocomplete
from tests.clock import FakeClock
from tests.cogs.helpers import (
    click,
    edit,
    fields,
    invoke,
    mock_attachment,
    mock_interaction,
    mock_member,
    only_reply,
    organiser,
    text_of,
    view_of,
)
from tests.core.helpers import GUILD, ORGANISER, join_all
from tests.pdfs import make_pdf

ALICE, BOB, CAROL, DAVE = 101, 102, 103, 104
PDF = make_pdf()


def student(user_id: int = ALICE) -> MagicMock:
    return mock_member(user_id, name=f"Student {user_id}")


async def run(bot: SeminarBot, name: str, user: Any = None, **options: Any) -> MagicMock:
    interaction = mock_interaction(bot, user=user or student())
    await invoke(bot, name, interaction, **options)
    return interaction


def stored_files(root: Path) -> list[Path]:
    folder = root / "submissions"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def nothing_stored(services: Services, root: Path) -> bool:
    rows = await services.db.fetch_value("SELECT count(*) FROM submissions")
    return rows == 0 and stored_files(root) == []


@pytest.fixture
async def students(services: Services, seminar: Seminar) -> Seminar:
    await join_all(services, ALICE, BOB, CAROL)
    return seminar


# -- /submit ---------------------------------------------------------------------------


async def test_submit_downloads_at_once_and_answers_with_a_receipt(
    bot: SeminarBot, services: Services, students: Seminar, clock: FakeClock, tmp_path: Path
) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    clock.set(change.deadline.due_at - 60)
    file = mock_attachment("Bericht **final**.pdf", PDF)
    interaction = await run(bot, "submit", kind="report", file=file)
    file.read.assert_awaited_once()
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    message = only_reply(interaction)
    assert message["ephemeral"] is True
    assert message["embed"].title == "Received: report (version 1)"
    got = fields(message)
    now = clock.now()
    assert got["Received at"] == f"<t:{now}:F> (<t:{now}:R>)"
    assert got["SHA-256"] == f"`{hashlib.sha256(PDF).hexdigest()}`"
    assert got["Size"] == f"{len(PDF)} bytes"
    assert got["File"] == "Bericht \\*\\*final\\*\\*.pdf"
    assert got["Status"].startswith("✅ On time (deadline <t:")
    assert len(stored_files(tmp_path)) == 1


async def test_a_late_hand_in_says_by_how_much(
    bot: SeminarBot, services: Services, students: Seminar, clock: FakeClock
) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, "slides", "2027-01-15 23:59")
    clock.set(change.deadline.due_at + 3 * 3600 + 120)
    message = only_reply(
        await run(bot, "submit", kind="slides", file=mock_attachment("s.pdf", PDF))
    )
    assert fields(message)["Status"].startswith("⚠️ **Late by 3 h 2 min** (deadline was <t:")


async def test_a_file_over_the_limit_is_refused_before_it_is_downloaded(
    bot: SeminarBot, services: Services, students: Seminar, tmp_path: Path
) -> None:
    bot.settings.max_upload_bytes = 1000
    file = mock_attachment("big.pdf", PDF, size=1001)
    message = only_reply(await run(bot, "submit", kind="report", file=file))
    file.read.assert_not_awaited()
    assert message["ephemeral"] is True
    assert "at most 1000 bytes" in message["content"]
    assert await nothing_stored(services, tmp_path)


def http_error(status: int, kind: type[discord.HTTPException] = discord.HTTPException) -> Any:
    response = MagicMock(status=status, reason="Not Found" if status == 404 else "Error")
    return kind(response, "failed")


@pytest.mark.parametrize(
    "error",
    [
        http_error(404, discord.NotFound),
        http_error(403, discord.Forbidden),
        http_error(500),
        TimeoutError(),
    ],
    ids=["not-found", "forbidden", "server-error", "timeout"],
)
async def test_a_failed_download_is_refused_clearly_and_stores_nothing(
    bot: SeminarBot, services: Services, students: Seminar, tmp_path: Path, error: Exception
) -> None:
    file = mock_attachment("report.pdf", PDF)
    file.read = AsyncMock(side_effect=error)
    message = only_reply(await run(bot, "submit", kind="report", file=file))
    assert message["ephemeral"] is True
    assert "could not download your file" in message["content"]
    assert "nothing was stored" in message["content"]
    assert await nothing_stored(services, tmp_path)


async def test_a_download_that_hangs_times_out(
    bot: SeminarBot, services: Services, students: Seminar, tmp_path: Path
) -> None:
    bot.settings.download_timeout_seconds = 0.05

    async def hang(*_: Any, **__: Any) -> bytes:
        await asyncio.sleep(30)
        return PDF

    file = mock_attachment("report.pdf", PDF)
    file.read = AsyncMock(side_effect=hang)
    message = only_reply(await run(bot, "submit", kind="report", file=file))
    assert "could not download your file" in message["content"]
    assert await nothing_stored(services, tmp_path)


async def test_a_renamed_non_pdf_is_refused(
    bot: SeminarBot, services: Services, students: Seminar, tmp_path: Path
) -> None:
    file = mock_attachment("report.pdf", b"PK\x03\x04 not really a pdf")
    message = only_reply(await run(bot, "submit", kind="report", file=file))
    assert "not a PDF" in message["content"]
    assert await nothing_stored(services, tmp_path)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (make_pdf(password="secret"), "password-protected"),
        (make_pdf(b"x" * 4000)[:1024], "incomplete"),
    ],
    ids=["encrypted", "truncated"],
)
async def test_a_pdf_that_does_not_open_is_refused_with_the_reason(
    bot: SeminarBot, services: Services, students: Seminar, tmp_path: Path, data: bytes, reason: str
) -> None:
    file = mock_attachment("report.pdf", data)
    message = only_reply(await run(bot, "submit", kind="report", file=file))
    assert message["ephemeral"] is True
    assert reason in message["content"]
    assert "Nothing was stored." in message["content"]
    assert await nothing_stored(services, tmp_path)


async def test_someone_not_registered_cannot_submit_and_nothing_is_downloaded(
    bot: SeminarBot, services: Services, students: Seminar
) -> None:
    file = mock_attachment("report.pdf", PDF)
    message = only_reply(await run(bot, "submit", user=student(DAVE), kind="report", file=file))
    assert "`/join` first" in message["content"]
    file.read.assert_not_awaited()


# -- /admin participants and /admin grade ---------------------------------------------


async def test_participants_show_hand_in_status(
    bot: SeminarBot, services: Services, students: Seminar
) -> None:
    await run(bot, "submit", kind="report", file=mock_attachment("r.pdf", PDF))
    text = text_of(only_reply(await run(bot, "admin participants", user=organiser())))
    lines = {line.split(" ")[1]: line for line in text.splitlines() if line.startswith("•")}
    assert lines[f"<@{ALICE}>"].endswith("report ✅, slides ❌")
    assert lines[f"<@{BOB}>"].endswith("report ❌, slides ❌")


async def test_grade_records_parts_and_explains_the_final_grade(
    bot: SeminarBot, services: Services, students: Seminar
) -> None:
    first = only_reply(
        await run(bot, "admin grade", user=organiser(), member=student(ALICE), report="1,3")
    )
    assert first["ephemeral"] is True
    assert first["content"] == (
        f"Grades for <@{ALICE}>: report **1.3**, presentation **—**.\n"
        "No final grade yet: the presentation grade is missing."
    )
    second = only_reply(
        await run(bot, "admin grade", user=organiser(), member=student(ALICE), presentation="3.3")
    )
    assert second["content"].endswith(
        "Final grade **2.3** (0.4 × 1.3 + 0.6 × 3.3 = 2.50, rounded to the nearest step)."
    )
    failed = only_reply(
        await run(bot, "admin grade", user=organiser(), member=student(BOB), report="5.0")
    )
    assert "**failed** (final 5.0): the report failed" in failed["content"]


async def test_grade_off_the_scale_is_refused_with_the_scale(
    bot: SeminarBot, students: Seminar
) -> None:
    message = only_reply(
        await run(bot, "admin grade", user=organiser(), member=student(ALICE), report="1.5")
    )
    assert (
        "Valid grades: 1.0, 1.3, 1.7, 2.0, 2.3, 2.7, 3.0, 3.3, 3.7, 4.0, 5.0"
        in (message["content"])
    )


async def test_grade_is_for_organisers_only(bot: SeminarBot, students: Seminar) -> None:
    message = only_reply(await run(bot, "admin grade", member=student(BOB), report="1.0"))
    assert "Only the seminar's organisers" in message["content"]


async def test_grade_autocomplete_offers_the_scale(bot: SeminarBot) -> None:
    interaction = mock_interaction(bot, user=organiser())
    assert [c.value for c in await grade_autocomplete(interaction, "")] == [
        "1.0", "1.3", "1.7", "2.0", "2.3", "2.7", "3.0", "3.3", "3.7", "4.0", "5.0"
    ]  # fmt: skip
    assert [c.value for c in await grade_autocomplete(interaction, "2,")] == ["2.0", "2.3", "2.7"]


# -- /calendar -------------------------------------------------------------------------


async def test_calendar_is_an_ephemeral_ics_file(
    bot: SeminarBot, services: Services, students: Seminar
) -> None:
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    message = only_reply(await run(bot, "calendar"))
    assert message["ephemeral"] is True
    file = message["file"]
    assert isinstance(file, discord.File) and file.filename == "seminar.ics"
    calendar = Calendar.from_ical(file.fp.read())
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [
        f"deadline-{GUILD}-report@seminar-bot"
    ]


# -- /mydata ---------------------------------------------------------------------------


async def test_mydata_export_is_an_ephemeral_json_file(
    bot: SeminarBot, services: Services, students: Seminar
) -> None:
    message = only_reply(await run(bot, "mydata", action="export"))
    assert message["ephemeral"] is True
    file = message["file"]
    assert file.filename == "mydata.json"
    data = json.loads(file.fp.read())
    assert data["registration"]["status"] == "registered"
    assert data["about"]["user_id"] == str(ALICE)


async def test_mydata_delete_asks_first_and_then_frees_the_place(
    bot: SeminarBot, services: Services, students: Seminar, tmp_path: Path
) -> None:
    await join_all(services, DAVE)  # waiting for a place
    await run(bot, "submit", kind="report", file=mock_attachment("r.pdf", PDF))
    asked = only_reply(await run(bot, "mydata", action="delete"))
    assert "It cannot be undone" in asked["content"]
    assert "1 handed-in file(s)" in asked["content"]
    assert await services.db.fetch_value("SELECT count(*) FROM submissions") == 1

    someone_else = mock_interaction(bot, user=student(BOB))
    assert not await click(view_of(asked), "Yes, delete everything", someone_else)

    bot.fetch_user = AsyncMock(side_effect=discord.HTTPException(MagicMock(status=500), "x"))
    confirm = mock_interaction(bot, user=student(ALICE))
    assert await click(view_of(asked), "Yes, delete everything", confirm)
    assert edit(confirm)["content"].startswith("Done: everything stored about you")
    assert await nothing_stored(services, tmp_path)
    overview = await services.registration.overview(GUILD)
    assert {r.participant.user_id: r.participant.status.value for r in overview.rows} == {
        BOB: "registered",
        CAROL: "registered",
        DAVE: "registered",
    }


async def test_mydata_delete_with_nothing_stored_says_so(
    bot: SeminarBot, services: Services, students: Seminar
) -> None:
    message = only_reply(await run(bot, "mydata", user=student(DAVE), action="delete"))
    assert message["content"] == "Nothing is stored about you in this seminar."
    assert message.get("view") is None
