"""Issue 11 through the command layer (Matrix and the terminal): moving a deadline keeps
what is not given (item 4), times out of range are refused with the range (item 1) and a
stored one is rendered, not a crash (item 1)."""

from __future__ import annotations

import pytest

from bot.core.models import Platform
from bot.store.database import Database
from tests.commands.helpers import Session
from tests.commands.test_story import set_up


@pytest.mark.parametrize("platform", ["console", "matrix"])
async def test_moving_a_deadline_keeps_its_note_and_reminders_none(
    session: Session, platform: str
) -> None:
    await session.begin(Platform(platform))
    await set_up(session)
    first = await session.run(
        "/admin deadline set slides 2027-01-20 12:00 reminders:none note:16:9, 20 slides"
    )
    assert not first.refused, first.text
    moved = await session.run("/admin deadline set slides 2027-01-27 12:00")
    assert not moved.refused, moved.text
    assert "deadline moved" in moved.text
    assert "Reminders: none before." in moved.text
    assert "Note: 16:9, 20 slides" in moved.text
    new = await session.run("/admin deadline set report 2027-01-15 23:59")
    assert "Reminders: 7d,1d,2h before." in new.text and "Note:" not in new.text


async def test_times_out_of_range_are_refused_and_stored_ones_still_render(
    session: Session, db: Database
) -> None:
    await set_up(session)
    refused = await session.run("/admin deadline set intro-meeting 0001-01-02 00:00")
    assert refused.refused and "between the years 2000 and 2100" in refused.text
    await session.run("/admin deadline set intro-meeting 2027-01-15 10:00")
    await db.execute("UPDATE deadlines SET due_at = ? WHERE kind = 'intro-meeting'", (-(10**12),))
    shown = {}
    for command in ("/deadlines", "/seminar", "/admin status", "/calendar"):
        shown[command] = await session.run(command)
        assert not shown[command].refused, (command, shown[command].text)
        assert "Sorry" not in shown[command].text, (command, shown[command].text)
    assert "unix time -1000000000000 (out of range)" in shown["/seminar"].text
