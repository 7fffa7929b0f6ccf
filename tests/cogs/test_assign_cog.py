"""/admin assign, /admin export, /assignment and /paper's presenters, through the real
checks and the tree's error handler, with spec'd discord.py mocks."""

from __future__ import annotations

import csv
import io
from unittest.mock import MagicMock

import discord
import pytest

from bot.core.models import Seminar
from bot.core.services import Services
from bot.discord.client import SeminarBot
from tests.cogs.helpers import (
    admin,
    click,
    edit,
    fields,
    find_command,
    mock_interaction,
    mock_member,
    only_reply,
    organiser,
    student,
    text_of,
    view_of,
)
from tests.core.helpers import GUILD, ORGANISER, add_paper, join_all, make_seminar

CHANNEL = 4_242
STUDENTS = (101, 102, 103)


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    seminar = await make_seminar(services, capacity=10, channel_id=CHANNEL, pref_count=2)
    for code in ("p1", "p2", "p3", "p4"):
        await add_paper(services, code, f"Paper {code}", url=f"https://x.example/{code}")
    await join_all(services, *STUDENTS)
    await services.preferences.set(GUILD, 101, ["p1", "p2"])
    await services.preferences.set(GUILD, 102, ["p1", "p3"])
    await services.preferences.set(GUILD, 103, ["p3", "p4"])
    return seminar


# -- the surface ----------------------------------------------------------------------


def test_the_assignment_commands_have_their_documented_options(bot: SeminarBot) -> None:
    documented = {
        "admin assign run": {"seed", "mode", "fill"},
        "admin assign set": {"member", "paper"},
        "admin assign clear": {"member"},
        "admin assign publish": set(),
        "admin export": {"what"},
        "assignment": set(),
    }
    for name, options in documented.items():
        command = find_command(bot, name)
        assert {p.name for p in command.parameters} == options, name
        assert all(p.description and p.description != "…" for p in command.parameters), name
    run = {p.name: p for p in find_command(bot, "admin assign run").parameters}
    assert [c.value for c in run["mode"].choices] == ["linear", "fair"]
    assert not any(p.required for p in run.values())
    what = find_command(bot, "admin export").parameters[0]
    assert [c.value for c in what.choices] == [
        "participants",
        "preferences",
        "assignment",
        "submissions",
        "grades",
        "attendance",
    ]


async def test_students_cannot_run_the_assignment(bot: SeminarBot, seminar: Seminar) -> None:
    message = only_reply(await student(bot, "admin assign run", 101, seed=1))
    assert message["ephemeral"] is True
    assert "Only the seminar's organisers" in message["content"]


# -- run, set, clear --------------------------------------------------------------------


async def test_run_answers_with_a_private_preview(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    interaction = await admin(bot, "admin assign run", seed=42, mode="fair", fill=False)
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    message = only_reply(interaction)
    assert message["ephemeral"] is True
    page = fields(message)
    assert page["3 of 3 students placed"].startswith("1st choice: **")
    assert "Unassigned: **0**" in page["3 of 3 students placed"]
    assert page["Moved vs published"] == "nothing is published yet"
    assert page["Options"] == "seed `42` · mode `fair` · fill `false`"
    assert len(page["Input hash"].strip("`")) == 64
    assert "Nothing is public yet" in message["embed"].description
    assert (await services.assignments.preview(GUILD)).status == "preview"


async def test_run_lists_the_unassigned(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await join_all(services, 104)
    message = only_reply(await admin(bot, "admin assign run", seed=1))
    assert fields(message)["Unassigned students"] == "<@104> (student 104)"


async def test_set_and_clear_a_pin(bot: SeminarBot, services: Services, seminar: Seminar) -> None:
    pinned = only_reply(await admin(bot, "admin assign set", member=mock_member(103), paper="p4"))
    assert pinned["content"].startswith("Pinned <@103> to `p4` — Paper p4.")
    moved = only_reply(await admin(bot, "admin assign set", member=mock_member(103), paper="p2"))
    assert "Their pin to `p4` is replaced." in moved["content"]
    refused = only_reply(await admin(bot, "admin assign set", member=mock_member(101), paper="p2"))
    assert refused["ephemeral"] is True and "room for 1" in refused["content"]
    cleared = only_reply(await admin(bot, "admin assign clear", member=mock_member(103)))
    assert cleared["content"].startswith("Removed <@103>'s pin to `p2`.")
    again = only_reply(await admin(bot, "admin assign clear", member=mock_member(103)))
    assert again == {"content": "<@103> is not pinned to any paper.", "ephemeral": True}


async def test_set_refuses_someone_not_registered(bot: SeminarBot, seminar: Seminar) -> None:
    message = only_reply(await admin(bot, "admin assign set", member=mock_member(555), paper="p1"))
    assert "<@555> is not a registered participant" in message["content"]


# -- publish --------------------------------------------------------------------------


async def test_publish_without_a_preview(bot: SeminarBot, seminar: Seminar) -> None:
    message = only_reply(await admin(bot, "admin assign publish"))
    assert message["ephemeral"] is True
    assert "no assignment preview yet" in message["content"]


async def test_publish_asks_then_publishes_once(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await services.assignments.run(GUILD, ORGANISER, seed=3)
    asked = only_reply(await admin(bot, "admin assign publish"))
    assert asked["ephemeral"] is True
    assert "3 of 3 students placed" in asked["content"]
    assert f"posted in <#{CHANNEL}>" in asked["content"]
    view = view_of(asked)
    assert not await click(view, "Publish", mock_interaction(bot, user=mock_member(101)))
    assert (await services.assignments.preview(GUILD)).status == "preview"

    confirm = mock_interaction(bot, user=organiser())
    assert await click(view, "Publish", confirm)
    done = edit(confirm)["content"]
    assert done.startswith("Published preview #")
    assert f"a post in <#{CHANNEL}> and 3 direct messages" in done
    # The bot itself sends nothing from the command: the reminder engine does.
    confirm.followup.send.assert_not_awaited()

    again = only_reply(await admin(bot, "admin assign publish"))
    assert "already published; nothing is sent again" in again["content"]
    assert "view" not in again


# -- export ---------------------------------------------------------------------------


async def attachment(interaction: MagicMock) -> tuple[str, list[list[str]]]:
    message = only_reply(interaction)
    assert message["ephemeral"] is True
    file = message["file"]
    assert isinstance(file, discord.File)
    data = file.fp.read().decode("utf-8")
    return file.filename, list(csv.reader(io.StringIO(data)))


async def test_export_answers_with_a_csv_file(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    name, rows = await attachment(await admin(bot, "admin export", what="participants"))
    assert name == "participants.csv"
    assert rows[0][:3] == ["account", "display_name", "status"]
    assert [row[0] for row in rows[1:]] == [str(s) for s in STUDENTS]

    name, rows = await attachment(await admin(bot, "admin export", what="preferences"))
    assert name == "preferences.csv" and rows[1][3:5] == ["p1", "p2"]

    refused = only_reply(await admin(bot, "admin export", what="assignment"))
    assert "No assignment is published yet" in refused["content"]
    await services.assignments.run(GUILD, ORGANISER, seed=3)
    await services.assignments.publish(GUILD, ORGANISER)
    name, rows = await attachment(await admin(bot, "admin export", what="assignment"))
    assert name == "assignment.csv" and len(rows) == 4


async def test_export_of_submissions_and_grades(bot: SeminarBot, seminar: Seminar) -> None:
    name, rows = await attachment(await admin(bot, "admin export", what="submissions"))
    assert name == "submissions.csv" and rows[0][0] == "account"
    name, rows = await attachment(await admin(bot, "admin export", what="grades"))
    assert name == "grades.csv"
    assert rows[0] == ["account", "display_name", "paper", "report", "presentation", "final"]


async def test_participants_show_the_published_paper(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await services.assignments.run(GUILD, ORGANISER, seed=3)
    before = only_reply(await admin(bot, "admin participants"))
    assert "paper `" not in before["embed"].description  # a preview is not an assignment
    await services.assignments.publish(GUILD, ORGANISER)
    after = only_reply(await admin(bot, "admin participants"))
    lines = after["embed"].description.splitlines()
    assert lines[2] == "• <@103> (student 103) — prefs 2/2 ✅, report ❌, slides ❌, paper `p3`"


# -- what students see ------------------------------------------------------------------


async def test_assignment_before_and_after_publication(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    before = only_reply(await student(bot, "assignment", 103))
    assert before["ephemeral"] is True
    assert "not published yet" in text_of(before)
    assert "Report (PDF)" in fields(before)["Due next"]

    await services.assignments.run(GUILD, ORGANISER, seed=3)
    await services.assignments.publish(GUILD, ORGANISER)
    after = only_reply(await student(bot, "assignment", 103))
    assert after["embed"].title == "Paper p3"
    page = fields(after)
    assert page["Code"] == "`p3`" and page["Choice"] == "your 1st choice"
    assert page["Conference version"] == "https://x.example/p3"
    assert "<t:" in page["Due next"]

    outsider = only_reply(await student(bot, "assignment", 999))
    assert "not registered" in outsider["content"]


async def test_paper_shows_its_presenters_once_published(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    hidden = only_reply(await student(bot, "paper", 101, paper="p3"))
    assert "Presented by" not in fields(hidden)
    await services.assignments.run(GUILD, ORGANISER, seed=3)
    hidden = only_reply(await student(bot, "paper", 101, paper="p3"))
    assert "Presented by" not in fields(hidden)  # a preview is not public
    await services.assignments.publish(GUILD, ORGANISER)
    shown = only_reply(await student(bot, "paper", 101, paper="p3"))
    assert fields(shown)["Presented by"] == "<@103>"


async def test_leave_after_publication_warns_that_the_paper_goes_back(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    before = only_reply(await student(bot, "leave", 101))
    assert "goes back to the organisers" not in before["content"]
    await services.assignments.run(GUILD, ORGANISER, seed=3)
    await services.assignments.publish(GUILD, ORGANISER)
    paper = (await services.assignments.mine(GUILD, 101)).paper
    assert paper is not None
    asked = only_reply(await student(bot, "leave", 101))
    assert f"your paper `{paper.code}` goes back to the organisers" in asked["content"]
    assert asked["ephemeral"] is True
