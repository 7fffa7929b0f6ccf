"""Attendance typed as text through the command layer (Matrix and the console): the
block-seminar day with `attend` and `admin attendance show|set|excuse`."""

from __future__ import annotations

import pytest

from bot.core.attendance import CLOSES_AFTER
from bot.core.models import Platform
from bot.core.services import Services
from tests.clock import FakeClock
from tests.commands.helpers import Session
from tests.commands.test_story import set_up


async def block_seminar_day(session: Session, clock: FakeClock) -> set[tuple[str, ...]]:
    """With a programme whose talk 1 the organiser presents: a student, Bea, joins and
    checks in to it; the organiser corrects and excuses her. The clock is put back
    afterwards. Returns the command paths it ran (none may be refused)."""
    services = session.services
    bea = await session.student("bea")
    assert not (await session.run("/join", bea)).refused
    overview = await services.attendance.overview(session.place_id)
    talk = overview.talks[0].talk
    before = clock.now()
    clock.set(talk.starts_at)
    ran = set()
    for text, actor in (
        (f"/attend {talk.code.lower()}", bea),
        ("/admin attendance show", None),
        ("/admin attendance set member:bea talk:1 present:true", None),
        ("/admin attendance excuse member:bea talk:1 reason:ill, certificate seen", None),
    ):
        answer = await session.run(text, actor)
        assert not answer.refused, (text, answer.text)
        ran.add(session.layer.parse(text, session.platform).command.path)
    clock.set(before)
    return ran


@pytest.fixture
async def programme(session: Session, services: Services) -> Session:
    """The organiser presents talk 1 (of one), Bea and Cem listen."""
    await session.begin(Platform.MATRIX)
    await set_up(session)
    for text in (
        "/admin paper add p1 A paper called p1",
        "/join",
        "/admin assign set member:organiser paper:p1",
        "/admin assign run 1",
        "/admin assign publish",
        "/admin talks schedule start:2027-02-15 09:00 talk_minutes:30 break_minutes:15 per_day:4",
    ):
        answer = await session.run(text)
        if answer.confirm is not None:
            answer = await session.confirm(answer)
        assert not answer.refused, (text, answer.text)
    for name in ("bea", "cem"):
        assert not (await session.run("/join", await session.student(name))).refused
    return session


async def test_a_block_seminar_day_typed_on_matrix(
    programme: Session, services: Services, clock: FakeClock
) -> None:
    session = programme
    bea, cem = await session.student("bea"), await session.student("cem")
    overview = await services.attendance.overview(session.place_id)
    talk = overview.talks[0].talk

    clock.set(talk.starts_at - 11 * 60)
    early = await session.run(f"!attend code:{talk.code}", bea)
    assert early.refused and "No talk is open for check-in now" in early.text
    assert "Europe/Berlin" in early.text  # the opening time in the reader's zone

    clock.set(talk.starts_at)
    done = await session.run(f"!attend {talk.code}", bea)
    assert not done.refused and "Checked in to talk 1" in done.text
    assert "organiser" in done.text  # the presenter by name
    again = await session.run(f"!attend {talk.code}", bea)
    assert again.refused and "already checked in" in again.text
    own = await session.run(f"!attend {talk.code}", session.organiser)
    assert own.refused and "own talk" in own.text
    usage = await session.run("!attend", cem)
    assert usage.refused and "code" in usage.text

    clock.set(talk.ends_at + CLOSES_AFTER)
    shown = await session.run("!admin attendance show")
    assert shown.title is not None and shown.title.startswith("Attendance")
    assert f"`{talk.code}`" in shown.text
    assert "checked in (1): bea" in shown.text and "missing (1): cem" in shown.text
    assert "• cem: 1" in shown.text
    assert "own talk" in shown.text  # the refused attempts, for the organisers

    student = await session.run("!admin attendance show", cem)
    assert student.refused

    graded = await session.run("!admin grade member:cem report:1.0 presentation:1.0")
    assert "Attendance incomplete" in graded.text and "!admin attendance excuse" in graded.text
    excused = await session.run("!admin attendance excuse member:cem talk:p1 reason:ill")
    assert not excused.refused and "Excused cem" in excused.text
    graded = await session.run("!admin grade member:cem presentation:1.0")
    assert "Final grade **1.0**" in graded.text

    wrong = await session.run("!admin attendance set member:cem talk:7 present:true")
    assert wrong.refused and "No talk `7`" in wrong.text
    exported = await session.run("!admin export what:attendance")
    assert exported.file is not None and exported.file[0] == "attendance.csv"
    assert exported.file[1].decode().startswith("account,display_name,talk")
