"""Organiser commands under /admin, run by an organiser through the real checks."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.core.models import Seminar
from bot.core.services import Services
from bot.discord.client import SeminarBot
from tests.clock import FakeClock
from tests.cogs.helpers import (
    admin,
    assert_harmless,
    click,
    edit,
    fields,
    invoke,
    mock_attachment,
    mock_interaction,
    mock_member,
    mock_role,
    mock_text_channel,
    only_reply,
    organiser,
    replies,
    text_of,
    view_of,
)
from tests.core.helpers import (
    GUILD,
    ORGANISER,
    TITLE,
    add_paper,
    audit_actions,
    join_all,
    ranking_codes,
)

HOSTILE = "Robert'); DROP TABLE papers;-- @everyone @here <@&1> <@123> **bold** {due}"


# -- /admin setup ---------------------------------------------------------------------


async def test_setup_creates_then_updates(bot: SeminarBot, services: Services) -> None:
    channel, role = mock_text_channel(88), mock_role(77)
    created = only_reply(
        await admin(
            bot,
            "admin setup",
            title=TITLE,
            term="Winter 2026/27",
            channel=channel,
            organiser_role=role,
            contact="tadl@example.org",
        )
    )
    assert created["ephemeral"] is True
    assert created["embed"].title == f"Seminar created: {TITLE}"
    assert fields(created) == {
        "Timezone": "Europe/Berlin",
        "Capacity": "20",
        "Papers to rank": "3",
        "Announcements": "<#88>",
        "Organiser role": "<@&77>",
        "Attendance of all talks": "required for a final grade",
        "Contact": "tadl@example.org",
    }
    updated = only_reply(await admin(bot, "admin setup", capacity=25, timezone="Europe/London"))
    assert updated["embed"].title == f"Seminar updated: {TITLE}"
    assert fields(updated)["Capacity"] == "25"
    assert fields(updated)["Timezone"] == "Europe/London"
    seminar = await services.seminars.find(GUILD)
    assert seminar is not None
    assert (seminar.channel_id, seminar.organiser_role_id) == (88, 77)


async def test_setup_without_channel_or_role_says_how_to_set_them(bot: SeminarBot) -> None:
    message = only_reply(await admin(bot, "admin setup", title=TITLE))
    assert fields(message)["Announcements"] == "not set (use `channel:`)"
    assert fields(message)["Organiser role"] == "Manage Server only"


async def test_setup_lists_who_moved_up(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await join_all(services, 101, 102, 103, 104, 105)
    message = only_reply(await admin(bot, "admin setup", capacity=5))
    assert fields(message)["Moved up from the waitlist"] == "<@104>, <@105>"


async def test_setup_refusals_are_ephemeral_and_change_nothing(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    message = only_reply(await admin(bot, "admin setup", timezone="Berlin", capacity=30))
    assert message["ephemeral"] is True
    assert "`Berlin` is not a known timezone" in message["content"]
    assert await services.seminars.find(GUILD) == seminar


async def test_the_organiser_role_may_use_admin(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await services.seminars.setup(GUILD, ORGANISER, organiser_role_id=77)
    tutor = mock_interaction(bot, user=mock_member(55, roles=[mock_role(77)]))
    await invoke(bot, "admin participants", tutor)
    assert only_reply(tutor) == {"content": "Nobody has joined yet.", "ephemeral": True}


# -- /admin paper ---------------------------------------------------------------------


async def test_paper_add(bot: SeminarBot, services: Services, seminar: Seminar) -> None:
    message = only_reply(
        await admin(
            bot,
            "admin paper add",
            code="Wei-Ma-2019",
            title="Data-dependent Sample Complexity",
            authors=HOSTILE,
            arxiv="1905.03684",
            capacity=2,
        )
    )
    assert message["ephemeral"] is True
    assert message["content"] == "Paper added."
    assert message["embed"].title == "Data-dependent Sample Complexity"
    assert fields(message)["Code"] == "`wei-ma-2019`"
    assert fields(message)["Presenters"] == "up to 2"
    assert_harmless(text_of(message))
    assert (await services.papers.get(GUILD, "wei-ma-2019")).authors == HOSTILE


async def test_paper_add_refusals(bot: SeminarBot, services: Services, seminar: Seminar) -> None:
    await add_paper(services, "wei-ma-2019")
    duplicate = only_reply(await admin(bot, "admin paper add", code="wei-ma-2019", title="T"))
    assert duplicate["ephemeral"] is True
    assert "already exists; use `/admin paper edit`" in duplicate["content"]
    bad_url = only_reply(
        await admin(bot, "admin paper add", code="new-one", title="T", url="example.org")
    )
    assert "not a web link" in bad_url["content"]
    assert [p.code for p in await services.papers.browse(GUILD)] == ["wei-ma-2019"]


async def test_paper_edit(bot: SeminarBot, services: Services, seminar: Seminar) -> None:
    await add_paper(services, "wei-ma-2019", "Old title")
    await add_paper(services, "jacot-2018")
    message = only_reply(
        await admin(bot, "admin paper edit", paper="wei-ma-2019", title="New title", venue="ICLR")
    )
    assert message["content"] == "Paper updated."
    assert message["embed"].title == "New title"
    clash = only_reply(await admin(bot, "admin paper edit", paper="wei-ma-2019", code="jacot-2018"))
    assert clash["ephemeral"] is True
    assert "Another paper already has the code `jacot-2018`" in clash["content"]
    nothing = only_reply(await admin(bot, "admin paper edit", paper="wei-ma-2019"))
    assert "Nothing to change" in nothing["content"]
    assert (await services.papers.get(GUILD, "wei-ma-2019")).title == "New title"


async def test_paper_remove_confirms_and_reports_rankings(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    for code in ("p1-paper", "p2-paper", "p3-paper", "p4-paper"):
        await add_paper(services, code, title=f"{HOSTILE} {code}")
    await join_all(services, 101, 102)
    await services.preferences.set(GUILD, 101, ["p1-paper", "p2-paper", "p3-paper"])
    await services.preferences.set(GUILD, 102, ["p2-paper", "p1-paper", "p4-paper"])
    asked = only_reply(await admin(bot, "admin paper remove", paper="p1-paper"))
    assert asked["ephemeral"] is True
    assert asked["content"].startswith("Remove `p1-paper` — ")
    assert_harmless(asked["content"])
    view = view_of(asked)
    assert not await click(view, "Remove it", mock_interaction(bot, user=mock_member(101)))
    assert len(await services.papers.browse(GUILD)) == 4

    confirm = mock_interaction(bot, user=organiser())
    assert await click(view, "Remove it", confirm)
    assert edit(confirm)["content"] == (
        "Removed `p1-paper`. 2 student(s) had ranked it; their rankings are now one paper shorter."
    )
    assert await ranking_codes(services, 101) == ["p2-paper", "p3-paper"]
    assert "paper.remove" in await audit_actions(services)


async def test_paper_remove_of_an_unknown_paper(bot: SeminarBot, seminar: Seminar) -> None:
    message = only_reply(await admin(bot, "admin paper remove", paper="nope"))
    assert message == {"content": "There is no paper `nope`. See `/papers`.", "ephemeral": True}


async def test_paper_import_defers_then_reports(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    data = (
        b"code,title,venue\n"
        b"jacot-2018,Neural Tangent Kernel,NeurIPS 2018\n"
        b"x,Too short,\n"
        b'"@everyone",Mention code,\n'
    )
    interaction = await admin(
        bot, "admin paper import", file=mock_attachment("catalogue.csv", data)
    )
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    message = only_reply(interaction)
    assert message["ephemeral"] is True
    assert message["embed"].title == "Import of catalogue.csv"
    assert message["embed"].description == (
        "**1** added, **0** updated, **0** unchanged, **2** refused."
    )
    assert fields(message)["Added"] == "`jacot-2018`"
    refused = fields(message)["Refused"].splitlines()
    assert refused[0].startswith("line 3 (`x`): The code")
    assert refused[1].startswith("line 4 (")
    assert_harmless(text_of(message))
    assert [p.code for p in await services.papers.browse(GUILD)] == ["jacot-2018"]


async def test_paper_import_names_derived_codes_and_ignored_columns(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    bib = (
        b"@inproceedings{DBLP:conf/nips/WeiM19,\n"
        b"  author = {Colin Wei and Tengyu Ma},\n"
        b"  title = {Data-dependent Sample Complexity of Deep Neural Networks},\n"
        b"  year = {2019}\n"
        b"}\n"
    )
    message = only_reply(
        await admin(bot, "admin paper import", file=mock_attachment("dblp.bib", bib))
    )
    assert fields(message)["Added"] == "`weim19`"
    assert fields(message)["Codes made from entry keys"] == (
        "line 1: `DBLP:conf/nips/WeiM19` → `weim19`"
    )
    data = b"code,title,Notes,room\njacot-2018,NTK,ask Anna,B1\n"
    message = only_reply(
        await admin(bot, "admin paper import", file=mock_attachment("c.csv", data))
    )
    assert fields(message)["Columns ignored"] == "`Notes`, `room` (not catalogue fields)"
    assert [p.code for p in await services.papers.browse(GUILD)] == ["weim19", "jacot-2018"]


async def test_paper_import_whose_download_hangs_gets_a_clear_answer(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    bot.settings.download_timeout_seconds = 0.05

    async def hang(*_: Any, **__: Any) -> bytes:
        await asyncio.Event().wait()  # never set: the download never finishes
        return b""

    file = mock_attachment("catalogue.csv", b"code,title\nab,T\n")
    file.read = AsyncMock(side_effect=hang)
    message = only_reply(await admin(bot, "admin paper import", file=file))
    assert message["ephemeral"] is True
    assert "took longer than 0.05 seconds" in message["content"]
    assert "nothing was changed" in message["content"]
    assert await services.papers.browse(GUILD) == []


async def test_paper_import_of_only_bad_rows_says_nothing_changed(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    file = mock_attachment("bad.csv", b"code,title\nx,Too short\n")
    message = only_reply(await admin(bot, "admin paper import", file=file))
    assert message["embed"].description.endswith("\nNothing was changed.")
    assert await services.papers.browse(GUILD) == []


async def test_paper_import_reports_unchanged_on_reimport(
    bot: SeminarBot, seminar: Seminar
) -> None:
    data = b"code,title\njacot-2018,NTK\n"
    await admin(bot, "admin paper import", file=mock_attachment("c.csv", data))
    again = only_reply(await admin(bot, "admin paper import", file=mock_attachment("c.csv", data)))
    assert again["embed"].description == (
        "**0** added, **0** updated, **1** unchanged, **0** refused."
    )


async def test_paper_import_refuses_a_huge_file_without_downloading_it(
    bot: SeminarBot, seminar: Seminar
) -> None:
    file = mock_attachment("huge.csv", b"", size=50 * 1024 * 1024)
    interaction = await admin(bot, "admin paper import", file=file)
    file.read.assert_not_awaited()
    message = only_reply(interaction)
    assert message["ephemeral"] is True
    assert "catalogues can be at most 2048 KiB" in message["content"]


async def test_paper_import_download_failure(bot: SeminarBot, seminar: Seminar) -> None:
    file = mock_attachment("c.csv", b"")
    file.read.side_effect = discord.HTTPException(MagicMock(status=500, reason="oops"), "oops")
    message = only_reply(await admin(bot, "admin paper import", file=file))
    assert message["ephemeral"] is True
    assert "could not download that file" in message["content"]


async def test_paper_import_unreadable_file(bot: SeminarBot, seminar: Seminar) -> None:
    file = mock_attachment("c.xlsx", b"PK\x03\x04")
    message = only_reply(await admin(bot, "admin paper import", file=file))
    assert message["ephemeral"] is True
    assert "spreadsheet" in message["content"]


# -- /admin deadline ------------------------------------------------------------------


async def test_deadline_set_then_move(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    first = only_reply(
        await admin(bot, "admin deadline set", kind="report", when="2027-01-15 23:59")
    )
    due = (await services.deadlines.get(GUILD, "report")).due_at
    assert first == {
        "content": f"**Report (PDF)** deadline set: <t:{due}:F> (<t:{due}:R>).\n"
        "Reminders: 7d,1d,2h before.",
        "ephemeral": True,
    }
    moved = only_reply(
        await admin(
            bot,
            "admin deadline set",
            kind="report",
            when="2027-01-22 23:59",
            reminders="2d, 90m",
            note=HOSTILE,
        )
    )
    deadline = await services.deadlines.get(GUILD, "report")
    assert deadline.revision == 2
    assert moved["content"].startswith(f"**Report (PDF)** deadline moved: <t:{deadline.due_at}:F>")
    assert "Reminders: 2d,90m before." in moved["content"]
    assert "Note: " in moved["content"]
    assert_harmless(moved["content"])


async def test_deadline_in_the_past_warns(bot: SeminarBot, seminar: Seminar) -> None:
    message = only_reply(
        await admin(bot, "admin deadline set", kind="kickoff", when="2026-09-01 10:00")
    )
    assert "already in the past, so no reminders will be sent" in message["content"]
    none = only_reply(
        await admin(
            bot, "admin deadline set", kind="slides", when="2027-01-20 12:00", reminders="none"
        )
    )
    assert "Reminders: none before." in none["content"]


async def test_deadline_move_with_only_when_keeps_note_and_reminders_off(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await admin(
        bot,
        "admin deadline set",
        kind="slides",
        when="2027-01-20 12:00",
        reminders="none",
        note="16:9, at most 20 slides",
    )
    moved = only_reply(
        await admin(bot, "admin deadline set", kind="slides", when="2027-01-27 12:00")
    )
    assert "deadline moved" in moved["content"]
    assert "Reminders: none before." in moved["content"]
    assert "Note: 16:9, at most 20 slides" in moved["content"]


@pytest.mark.parametrize(
    ("when", "says"),
    [
        ("2027-03-28 02:30", "does not exist in Europe/Berlin"),
        ("2026-10-25 02:30", "happens twice in Europe/Berlin"),
        ("next friday", "not a time I can read"),
    ],
)
async def test_deadline_set_refusals(
    bot: SeminarBot, services: Services, seminar: Seminar, when: str, says: str
) -> None:
    message = only_reply(await admin(bot, "admin deadline set", kind="report", when=when))
    assert message["ephemeral"] is True
    assert says in message["content"]
    assert await services.deadlines.kinds(GUILD) == []


async def test_deadline_remove_confirms(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    asked = only_reply(await admin(bot, "admin deadline remove", kind="report"))
    due = change.deadline.due_at
    assert asked["content"] == (
        f"Remove the **Report (PDF)** deadline (<t:{due}:F> (<t:{due}:R>)) "
        "and its pending reminders?"
    )
    confirm = mock_interaction(bot, user=organiser())
    assert await click(view_of(asked), "Remove it", confirm)
    assert edit(confirm)["content"].startswith("Removed the **Report (PDF)** deadline")
    assert await services.deadlines.kinds(GUILD) == []


async def test_deadline_removed_meanwhile(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    view = view_of(only_reply(await admin(bot, "admin deadline remove", kind="report")))
    await services.deadlines.remove(GUILD, ORGANISER, "report")
    confirm = mock_interaction(bot, user=organiser())
    assert await click(view, "Remove it", confirm)
    assert edit(confirm) == {"content": "There is no `report` deadline.", "view": None}


async def test_deadline_remove_unknown(bot: SeminarBot, seminar: Seminar) -> None:
    message = only_reply(await admin(bot, "admin deadline remove", kind="report"))
    assert message == {"content": "There is no `report` deadline.", "ephemeral": True}


# -- /admin participants --------------------------------------------------------------


async def test_participants_lists_status_and_preferences(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    for code in ("p1-paper", "p2-paper", "p3-paper"):
        await add_paper(services, code)
    await services.registration.join(GUILD, 101, HOSTILE)
    await join_all(services, 102, 103, 104)
    await services.preferences.set(GUILD, 102, ["p1-paper", "p2-paper", "p3-paper"])
    message = only_reply(await admin(bot, "admin participants"))
    assert message["ephemeral"] is True
    assert message["embed"].title == "Participants: 3/3"
    lines = message["embed"].description.splitlines()
    assert lines[0].startswith("• <@101> (")
    assert lines[0].endswith("prefs 0/3 ❌, report ❌, slides ❌")
    assert lines[1] == "• <@102> (student 102) — prefs 3/3 ✅, report ❌, slides ❌"
    assert lines[3] == "⏳ <@104> (student 104) — waitlist #1"
    assert_harmless(text_of(message))


async def test_a_long_participant_list_is_split(
    bot: SeminarBot, services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await services.seminars.setup(GUILD, ORGANISER, capacity=100)
    await join_all(services, *range(1000, 1090))
    interaction = await admin(bot, "admin participants")
    sent = replies(interaction)
    assert len(sent) == 3
    assert all(message["ephemeral"] is True for message in sent)
    assert [message["embed"].footer.text for message in sent] == [
        "Part 1/3",
        "Part 2/3",
        "Part 3/3",
    ]
    assert all(len(message["embed"].description) <= 4096 for message in sent)


async def test_refused_codes_are_shown_without_escapes(bot: SeminarBot, seminar: Seminar) -> None:
    file = mock_attachment("c.csv", b"code,title\nmy_paper,\n")
    message = only_reply(await admin(bot, "admin paper import", file=file))
    assert fields(message)["Refused"].startswith("line 2 (`my_paper`): ")
