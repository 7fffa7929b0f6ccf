"""/admin talks schedule, /talks, the slot in /assignment and /admin status, through the
real checks and the tree's error handler, with spec'd discord.py mocks."""

from __future__ import annotations

import pytest

from bot.core.models import Seminar
from bot.core.services import Services
from bot.discord.client import SeminarBot
from tests.cogs.helpers import (
    admin,
    fields,
    only_reply,
    student,
    text_of,
)
from tests.core.helpers import GUILD, ORGANISER, add_paper, join_all, make_seminar

STUDENTS = (101, 102, 103)


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    seminar = await make_seminar(services, capacity=10, channel_id=4_242)
    for code in ("p1", "p2", "p3"):
        await add_paper(services, code, f"Paper {code}")
    await join_all(services, *STUDENTS)
    for user_id, code in zip(STUDENTS, ("p1", "p2", "p3"), strict=True):
        await services.assignments.pin(GUILD, ORGANISER, user_id, code)
    return seminar


SCHEDULE = {"start": "2027-02-15 09:00", "talk_minutes": 30, "break_minutes": 15, "per_day": 2}


async def test_schedule_needs_a_published_assignment_and_an_organiser(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    refused = only_reply(await student(bot, "admin talks schedule", 101, **SCHEDULE))
    assert "Only the seminar's organisers" in refused["content"]
    missing = only_reply(await admin(bot, "admin talks schedule", **SCHEDULE))
    assert missing["ephemeral"] is True
    assert "No paper assignment is published" in missing["content"]
    none_yet = only_reply(await student(bot, "talks", 101))
    assert "not scheduled yet" in none_yet["content"]


async def test_schedule_then_talks_assignment_and_status(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await services.assignments.run(GUILD, ORGANISER, seed=1)
    await services.assignments.publish(GUILD, ORGANISER)
    done = only_reply(await admin(bot, "admin talks schedule", **SCHEDULE))
    assert "3 talks over 2 days" in done["content"]

    shown = only_reply(await student(bot, "talks", 102))
    assert shown["ephemeral"] is True
    days = fields(shown)
    assert len(days) == 2
    day1 = next(value for name, value in days.items() if name.startswith("Day 1"))
    assert "`p1` Paper p1 — <@101>" in day1 and "<t:" in day1
    assert "`p3` Paper p3 — <@103>" in next(v for n, v in days.items() if n.startswith("Day 2"))

    mine = only_reply(await student(bot, "assignment", 103))
    assert "Day 2, talk #3" in fields(mine)["Talk slot"]

    await services.registration.leave(GUILD, 102)
    status = only_reply(await admin(bot, "admin status"))
    assert "1 presenter left" in fields(status)["Block-seminar programme"]
    assert "<@102>" not in text_of(only_reply(await student(bot, "talks", 101)))


async def test_twenty_talks_with_long_titles_all_fit(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    students = list(range(201, 218))
    await services.seminars.setup(GUILD, ORGANISER, capacity=25)
    for number in range(17):
        await add_paper(services, f"long-{number:02d}", "A very long title " * 12)
    await join_all(services, *students)
    for number, user_id in enumerate(students):
        await services.assignments.pin(GUILD, ORGANISER, user_id, f"long-{number:02d}")
    await services.assignments.run(GUILD, ORGANISER, seed=1)
    await services.assignments.publish(GUILD, ORGANISER)
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 15, 10)

    shown = only_reply(await student(bot, "talks", 101))
    page = shown["embed"]
    assert len(page) <= 6000 and all(len(f.value) <= 1024 for f in page.fields)
    text = text_of(shown)
    for user_id in (*STUDENTS, *students):
        assert f"<@{user_id}>" in text
    assert "Not every talk fits" not in text
