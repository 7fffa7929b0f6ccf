"""The block-seminar programme end to end: the real bot process against the fake Discord.

An organiser publishes an assignment (four students, one paper with two presenters),
schedules the block seminar a few days ahead, and everyone sees the programme in
`/talks`, each student their own slot in `/assignment`; each block day becomes a
Discord scheduled event. Re-scheduling onto one later day moves day 1's event and
deletes day 2's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.helpers import catalogue_csv, fields, private, set_up_seminar
from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")
# (code, title, topic, capacity) in catalogue order.
PAPERS = [
    ("jacot-2018", "Neural Tangent Kernel", "Kernels", 1),
    ("zhang-2017", "Understanding Deep Learning Requires Rethinking Generalization", "Gen", 2),
    ("chizat-2019", "On Lazy Training in Differentiable Programming", "Kernels", 1),
]


def papers_csv() -> bytes:
    return catalogue_csv(
        (code, title, "", "", f"https://p.example.org/{code}", "", topic, capacity)
        for code, title, topic, capacity in PAPERS
    )


def local_day(days_ahead: int, hour: int) -> datetime:
    today = datetime.now(BERLIN).date() + timedelta(days=days_ahead)
    return datetime(today.year, today.month, today.day, hour, 0, tzinfo=BERLIN)


def block_events(fake: FakeDiscord) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in fake.scheduled_events.values() if e["name"].startswith("Block")}


def starts(event: dict[str, Any]) -> int:
    return int(datetime.fromisoformat(event["scheduled_start_time"]).timestamp())


async def test_programme_story(fake: FakeDiscord, bot: BotProcess) -> None:
    org = fake.organiser
    private(
        await set_up_seminar(
            fake, title="Theoretical Advances in Deep Learning", capacity=10, pref_count=1
        )
    )
    private(
        await fake.command(
            "admin paper import", user=org, file=fake.add_attachment("p.csv", papers_csv())
        )
    )
    students = [fake.add_member(f"student{i}") for i in range(4)]
    seats = ["jacot-2018", "zhang-2017", "zhang-2017", "chizat-2019"]
    for member, code in zip(students, seats, strict=True):
        private(await fake.command("join", user=member))
        private(await fake.command("admin assign set", user=org, member=member, paper=code))

    refused = private(
        await fake.command(
            "admin talks schedule",
            user=org,
            start=local_day(3, 9).strftime("%Y-%m-%d %H:%M"),
            talk_minutes=30,
            break_minutes=15,
            per_day=2,
        )
    )
    assert "No paper assignment is published" in refused.plain

    private(await fake.command("admin assign run", user=org, seed=1))
    asked = private(await fake.command("admin assign publish", user=org))
    assert "Published preview" in (await fake.click(asked, "Publish")).plain

    # --- schedule: two days of two talks, days ahead ------------------------------------
    day1 = local_day(3, 9)
    resp = private(
        await fake.command(
            "admin talks schedule",
            user=org,
            start=day1.strftime("%Y-%m-%d %H:%M"),
            talk_minutes=30,
            break_minutes=15,
            per_day=2,
        )
    )
    assert "4 talks over 2 days" in resp.plain, resp
    first = int(day1.timestamp())
    second = int((day1 + timedelta(days=1)).timestamp())

    shown = private(await fake.command("talks", user=students[0]))
    page = fields(shown)
    [day1_text] = [v for n, v in page.items() if n.startswith("Day 1")]
    [day2_text] = [v for n, v in page.items() if n.startswith("Day 2")]
    # Topic "Kernels" (first in the catalogue) before "Gen"; catalogue order within.
    assert day1_text.index("`jacot-2018`") < day1_text.index("`chizat-2019`")
    assert f"<t:{first}:t>" in day1_text and f"<@{students[0].id}>" in day1_text
    assert "`zhang-2017`" in day2_text and f"<t:{second}:t>" in day2_text
    assert f"<@{students[1].id}>" in day2_text and f"<@{students[2].id}>" in day2_text
    assert fake.pinging_messages() == []

    mine = fields(private(await fake.command("assignment", user=students[3])))
    assert "Day 1, talk #2" in mine["Talk slot"]
    assert f"<t:{first + 45 * 60}:F>" in mine["Talk slot"]

    events = await fake.wait_for(
        lambda: len(block_events(fake)) == 2 and block_events(fake), 10, what="block-day events"
    )
    assert starts(events["Block seminar, day 1"]) == first
    assert starts(events["Block seminar, day 2"]) == second
    end = datetime.fromisoformat(events["Block seminar, day 1"]["scheduled_end_time"])
    assert end == datetime.fromtimestamp(first + 75 * 60, UTC)

    # --- re-schedule onto one later day: day 1 moves, day 2's event goes ------------------
    later = local_day(5, 10)
    resp = private(
        await fake.command(
            "admin talks schedule",
            user=org,
            start=later.strftime("%Y-%m-%d %H:%M"),
            talk_minutes=20,
            break_minutes=10,
            per_day=4,
        )
    )
    assert "4 talks over 1 day" in resp.plain and "replacing" in resp.plain
    moved = int(later.timestamp())
    await fake.wait_for(
        lambda: (
            list(block_events(fake)) == ["Block seminar, day 1"]
            and starts(block_events(fake)["Block seminar, day 1"]) == moved
        ),
        10,
        what="day 1 moved and day 2 deleted",
    )
    mine = fields(private(await fake.command("assignment", user=students[3])))
    assert f"Day 1, talk #2: <t:{moved + 30 * 60}:F>" in mine["Talk slot"]
    assert [kind for kind, _ in fake.scheduled_event_log].count("create") == 2
    fake.assert_clean()
