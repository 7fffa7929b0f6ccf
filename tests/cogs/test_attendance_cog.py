"""/attend and /admin attendance show|set|excuse through the real checks and the tree's
error handler, with spec'd discord.py mocks; /admin export what:attendance."""

from __future__ import annotations

import csv
import io

import pytest

from bot.core.attendance import CLOSES_AFTER
from bot.core.models import Seminar, TalkCode
from bot.core.services import Services
from bot.discord.client import SeminarBot
from bot.store import attendance as attendance_store
from tests.clock import FakeClock
from tests.cogs.helpers import (
    admin,
    find_command,
    mock_member,
    only_reply,
    student,
    text_of,
)
from tests.core.helpers import GUILD, ORGANISER, add_paper, join_all, make_seminar

STUDENTS = (101, 102, 103)


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    """Three talks on 2027-02-15 from 09:00 (30 min, 15 min breaks): 101, 102, 103."""
    seminar = await make_seminar(services, capacity=10, channel_id=4_242)
    for code in ("p1", "p2", "p3"):
        await add_paper(services, code, f"Paper {code}")
    await join_all(services, *STUDENTS)
    for user_id, code in zip(STUDENTS, ("p1", "p2", "p3"), strict=True):
        await services.assignments.pin(GUILD, ORGANISER, user_id, code)
    await services.assignments.run(GUILD, ORGANISER, seed=1)
    await services.assignments.publish(GUILD, ORGANISER)
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)
    return seminar


async def talks(services: Services, seminar: Seminar) -> list[TalkCode]:
    return await attendance_store.talks(services.db, seminar.id)


def test_every_option_has_help_text(bot: SeminarBot) -> None:
    for name in ("attend", "admin attendance show", "admin attendance set"):
        command = find_command(bot, name)
        assert command.description
        assert all(p.description and p.description != "…" for p in command.parameters)
    excuse = find_command(bot, "admin attendance excuse")
    assert [p.name for p in excuse.parameters] == ["member", "talk", "reason"]
    assert all(p.required for p in excuse.parameters)


async def test_attend_answers_privately_and_refusals_are_clear(
    bot: SeminarBot, services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    one = (await talks(services, seminar))[0]
    clock.set(one.starts_at - 11 * 60)
    early = only_reply(await student(bot, "attend", 102, code=one.code))
    assert early["ephemeral"] is True
    assert "No talk is open for check-in now" in early["content"]
    assert "<t:" in early["content"]  # the opening time as a Discord timestamp

    clock.set(one.starts_at)
    done = only_reply(await student(bot, "attend", 102, code=one.code.lower()))
    assert done["ephemeral"] is True
    assert "Checked in to talk 1" in done["content"] and "<@101>" in done["content"]
    again = only_reply(await student(bot, "attend", 102, code=one.code))
    assert "already checked in to talk 1" in again["content"]
    own = only_reply(await student(bot, "attend", 101, code=one.code))
    assert "presenters do not check in to their own talk" in own["content"]
    wrong = only_reply(await student(bot, "attend", 103, code="@everyone`"))
    assert "is not the code" in wrong["content"] and "@everyone`" not in wrong["content"]
    outsider = only_reply(await student(bot, "attend", 999, code=one.code))
    assert "Only registered participants" in outsider["content"]


async def test_admin_attendance_is_organiser_only(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    for name, options in (
        ("admin attendance show", {}),
        ("admin attendance set", {"member": mock_member(102), "talk": "1", "present": True}),
        (
            "admin attendance excuse",
            {"member": mock_member(102), "talk": "1", "reason": "ill"},
        ),
    ):
        refused = only_reply(await student(bot, name, 102, **options))
        assert "Only the seminar's organisers" in refused["content"], name
    assert await attendance_store.entries(services.db, seminar.id) == []


async def test_show_set_excuse_and_export(
    bot: SeminarBot, services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    one, two, three = await talks(services, seminar)
    clock.set(one.starts_at)
    await services.attendance.check_in(GUILD, 102, one.code)
    clock.set(two.starts_at)
    with pytest.raises(Exception, match="is not the code"):
        await services.attendance.check_in(GUILD, 103, "WRONG")
    clock.set(three.ends_at + CLOSES_AFTER)

    shown = only_reply(await admin(bot, "admin attendance show"))
    assert shown["ephemeral"] is True
    page = shown["embed"]
    assert "required" in page.description
    names = [f.name for f in page.fields]
    assert names[0] == "Missed talks (not excused)"
    assert any(one.code in name for name in names)  # organisers see the codes
    assert "<@101>: 2" in page.fields[0].value and "<@103>: 2" in page.fields[0].value
    refused = next(f for f in page.fields if f.name.startswith("Refused check-ins"))
    assert "<@103>" in refused.value and "wrong code" in refused.value
    talk_one = next(f for f in page.fields if f.name.startswith("#1 "))
    assert "✅ 1 checked in" in talk_one.value and "missing 1: <@103>" in talk_one.value

    done = only_reply(
        await admin(bot, "admin attendance set", member=mock_member(103), talk="p1", present=True)
    )
    assert "**present** at talk 1" in done["content"]
    excused = only_reply(
        await admin(
            bot,
            "admin attendance excuse",
            member=mock_member(101),
            talk="2",
            reason="**conference** @here",
        )
    )
    assert "talk 2" in excused["content"] and "@here" not in excused["content"].replace(
        "@\u200bhere", ""
    )
    own = only_reply(
        await admin(bot, "admin attendance set", member=mock_member(101), talk="1", present=True)
    )
    assert "presents talk 1" in text_of(own)

    exported = only_reply(await admin(bot, "admin export", what="attendance"))
    file = exported["file"]
    assert file.filename == "attendance.csv"
    rows = list(csv.DictReader(io.StringIO(file.fp.read().decode("utf-8"))))
    by = {(r["account"], r["talk"]): r["status"] for r in rows}
    assert by[("103", "1")] == "present" and by[("101", "2")] == "excused"
    assert by[("101", "3")] == "missed" and ("101", "1") not in by


async def test_grade_says_attendance_incomplete(
    bot: SeminarBot, services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    clock.set((await talks(services, seminar))[-1].ends_at + CLOSES_AFTER)
    graded = only_reply(
        await admin(bot, "admin grade", member=mock_member(102), report="1.0", presentation="1.0")
    )
    assert "Attendance incomplete" in graded["content"] and "2 talks missed" in graded["content"]
    assert "Final grade" not in graded["content"]
