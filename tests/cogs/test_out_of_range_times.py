"""Times out of range (issue 11, item 1) through the real commands: every command that
reads a date or time refuses one outside the years 2000-2100 and says so, and a bad
instant already stored (written by hand, or before the check) never turns /admin status,
/calendar, /deadlines or /seminar into the generic apology."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.models import Seminar
from bot.core.services import Services
from bot.discord.client import SeminarBot
from bot.store.database import Database
from tests.cogs.helpers import admin, only_reply, student, text_of
from tests.core.helpers import GUILD, ORGANISER, join_all, make_seminar

RANGE = "between the years 2000 and 2100"
OFFICE_HOURS = {
    "weekday": "tuesday",
    "start": "14:00",
    "duration": 120,
    "place": "Room 1",
    "first": "2026-10-20",
    "last": "2027-02-09",
}


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    return await make_seminar(services, capacity=3, channel_id=4_242)


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("admin deadline set", {"kind": "intro-meeting", "when": "0001-01-02 00:00"}),
        ("admin deadline set", {"kind": "intro-meeting", "when": "9999-12-31T23:59-14:00"}),
        ("admin announce post", {"message": "Hi", "when": "2101-01-01 00:00"}),
        ("admin officehours set", {**OFFICE_HOURS, "first": "0001-01-01"}),
        ("admin officehours set", {**OFFICE_HOURS, "last": "9999-12-31"}),
        (
            "admin talks schedule",
            {"start": "0001-01-01 00:00", "talk_minutes": 30, "break_minutes": 15, "per_day": 2},
        ),
    ],
)
async def test_every_time_option_refuses_years_out_of_range(
    bot: SeminarBot, services: Services, seminar: Seminar, command: str, options: dict[str, Any]
) -> None:
    message = only_reply(await admin(bot, command, **options))
    assert message["ephemeral"] is True
    assert RANGE in message["content"]
    assert "Sorry" not in message["content"]
    assert await services.deadlines.kinds(GUILD) == []


async def test_officehours_cancel_refuses_a_date_out_of_range(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await admin(bot, "admin officehours set", **OFFICE_HOURS)
    message = only_reply(await admin(bot, "admin officehours cancel", date="9999-12-31", reason=""))
    assert RANGE in message["content"]


@pytest.mark.parametrize(
    "due_at",
    [
        int(datetime(1, 1, 2, tzinfo=UTC).timestamp()),
        int(datetime(9999, 12, 31, 23, 59, tzinfo=UTC).timestamp()) + 14 * 3600,
    ],
)
async def test_a_bad_stored_instant_renders_everywhere(
    bot: SeminarBot, services: Services, db: Database, seminar: Seminar, due_at: int
) -> None:
    await join_all(services, 101)
    await services.deadlines.set(GUILD, ORGANISER, "intro-meeting", "2027-01-15 10:00")
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-20 23:59")
    await db.execute("UPDATE deadlines SET due_at = ? WHERE kind = 'intro-meeting'", (due_at,))

    status = text_of(only_reply(await admin(bot, "admin status")))
    assert "cannot be planned" in status and "the deadline intro-meeting" in status
    calendar = only_reply(await student(bot, "calendar", 101))
    assert calendar["file"].filename.endswith(".ics")
    for command in ("deadlines", "seminar"):
        shown = text_of(only_reply(await student(bot, command, 101)))
        assert "Sorry" not in shown and "Report" in shown
