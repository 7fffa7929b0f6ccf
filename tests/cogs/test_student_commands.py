"""Student commands: each answers ephemerally and says the right thing."""

from __future__ import annotations

from unittest.mock import MagicMock, Mock

import discord
import pytest

from bot.core.models import Seminar
from bot.core.services import Services
from bot.discord.client import EXTENSIONS, SeminarBot
from bot.discord.ui import Pager
from bot.settings import Settings
from bot.store.database import Database
from tests.clock import FakeClock
from tests.cogs.helpers import (
    assert_harmless,
    click,
    edit,
    invoke,
    mock_interaction,
    mock_member,
    only_reply,
    press,
    text_of,
    view_of,
)
from tests.core.helpers import GUILD, ORGANISER, add_paper, join_all, ranking_codes

HOSTILE = "Robert'); DROP TABLE papers;-- @everyone @here <@&1> <@123> **bold** {due}"


def student(user_id: int = 101, name: str = "Student") -> MagicMock:
    return mock_member(user_id, name=name)


async def run(bot: SeminarBot, name: str, user_id: int = 101, **options: object) -> MagicMock:
    interaction = mock_interaction(bot, user=student(user_id))
    await invoke(bot, name, interaction, **options)
    return interaction


# -- /seminar and /deadlines ----------------------------------------------------------


async def test_seminar_shows_the_course_page(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await services.seminars.setup(GUILD, ORGANISER, organiser_role_id=77, channel_id=88)
    await join_all(services, 101, 102, 103, 104)
    await add_paper(services, "wei-ma-2019")
    report = await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    await services.deadlines.set(GUILD, ORGANISER, "team-dinner", "2027-02-15 19:00", note="Mensa")
    message = only_reply(await run(bot, "seminar"))
    assert message["ephemeral"] is True
    text = text_of(message)
    assert seminar.title in text
    assert "Winter 2026/27" in text and "tadl@example.org" in text
    assert "<@&77>" in text and "<#88>" in text
    assert "3 of 3 places taken, 1 waiting" in text
    assert "1 in the catalogue" in text
    due = report.deadline.due_at
    assert f"**Report (PDF)** — <t:{due}:F> (<t:{due}:R>)" in text
    assert "**Team dinner**" in text and "Mensa" in text
    assert "Report 40 % + presentation 60 %" in text
    assert "Europe/Berlin" in text


async def test_seminar_without_setup_tells_how_to_set_up(bot: SeminarBot) -> None:
    message = only_reply(await run(bot, "seminar"))
    assert message["ephemeral"] is True
    assert "`/admin setup`" in message["content"]


async def test_deadlines_shows_upcoming_with_my_progress(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    for code in ("p1", "p2", "p3"):
        await add_paper(services, code)
    await join_all(services, 101, 102)
    await services.preferences.set(GUILD, 101, ["p1", "p2", "p3"])
    prefs = await services.deadlines.set(GUILD, ORGANISER, "preferences", "2026-10-20 23:59")
    await services.deadlines.set(GUILD, ORGANISER, "kickoff", "2026-09-01 10:00")
    await services.deadlines.set(GUILD, ORGANISER, "slides", "2027-01-20 12:00", note=HOSTILE)
    mine = text_of(only_reply(await run(bot, "deadlines", 101)))
    due = prefs.deadline.due_at
    assert f"**Paper preferences** — <t:{due}:F> (<t:{due}:R>) — ✅ done" in mine
    assert "Kickoff" not in mine  # past
    assert "Slides (PDF)" in mine
    assert_harmless(mine)
    theirs = text_of(only_reply(await run(bot, "deadlines", 102)))
    assert "⏳ not done yet" in theirs


async def test_no_deadlines(bot: SeminarBot, seminar: Seminar) -> None:
    message = only_reply(await run(bot, "deadlines"))
    assert message == {"content": "There are no upcoming deadlines.", "ephemeral": True}


# -- /join ----------------------------------------------------------------------------


async def test_join_welcomes_then_recognises(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    first = only_reply(await run(bot, "join"))
    assert first["ephemeral"] is True
    assert first["content"].startswith("Welcome! You are registered for **Theoretical")
    assert "`/prefs set`" in first["content"]
    again = only_reply(await run(bot, "join"))
    assert again["content"].startswith("You are already registered")
    (row,) = (await services.registration.overview(GUILD)).rows
    assert row.participant.display_name == "Student"


async def test_join_when_full_gives_the_waitlist_place(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await join_all(services, 1, 2, 3, 4)
    message = only_reply(await run(bot, "join", 101))
    assert message["ephemeral"] is True
    assert "The seminar is full" in message["content"]
    assert "position **2**" in message["content"]
    again = only_reply(await run(bot, "join", 101))
    assert "You are already on the waitlist" in again["content"]


async def test_join_shows_a_hostile_title_harmlessly(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await services.seminars.setup(GUILD, ORGANISER, title=HOSTILE)
    message = only_reply(await run(bot, "join"))
    assert_harmless(message["content"])
    assert "DROP TABLE" in message["content"]


# -- /leave ---------------------------------------------------------------------------


async def test_leave_asks_first_and_only_the_owner_can_confirm(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await join_all(services, 101, 102)
    asked = only_reply(await run(bot, "leave", 101))
    assert asked["ephemeral"] is True
    assert "de-register from the seminar" in asked["content"]
    view = view_of(asked)
    assert not await click(view, "Yes, leave", mock_interaction(bot, user=student(102)))
    assert len((await services.registration.overview(GUILD)).rows) == 2

    confirm = mock_interaction(bot, user=student(101))
    assert await click(view, "Yes, leave", confirm)
    assert edit(confirm)["content"].startswith("Done: you have left.")
    assert edit(confirm)["view"] is None
    assert [r.participant.user_id for r in (await services.registration.overview(GUILD)).rows] == [
        102
    ]


async def test_leaving_promotes_the_next_student_and_queues_their_dm(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    """The cog answers the leaver; the reminder engine tells whoever moved up
    (tests/core/test_reminders.py follows that DM to its delivery)."""
    await join_all(services, 101, 102, 103, 104)
    changed = MagicMock()
    services.schedule_changed.subscribe(changed)
    view = view_of(only_reply(await run(bot, "leave", 101)))
    assert await click(view, "Yes, leave", mock_interaction(bot, user=student(101)))
    changed.assert_called()
    overview = await services.registration.overview(GUILD)
    assert [r.participant.user_id for r in overview.rows if r.waitlist_position is None] == [
        102,
        103,
        104,
    ]


async def test_leave_after_the_deadline_is_refused_naming_the_contact(
    bot: SeminarBot, services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await join_all(services, 101)
    change = await services.deadlines.set(GUILD, ORGANISER, "deregistration", "2026-11-01 23:59")
    clock.set(change.deadline.due_at + 60)
    message = only_reply(await run(bot, "leave", 101))
    assert message["ephemeral"] is True
    assert "view" not in message
    due = change.deadline.due_at
    assert f"<t:{due}:F>" in message["content"]
    assert "tadl@example.org" in message["content"]
    assert len((await services.registration.overview(GUILD)).rows) == 1


async def test_the_deadline_passing_while_the_button_waits_is_caught(
    bot: SeminarBot, services: Services, seminar: Seminar, clock: FakeClock
) -> None:
    await join_all(services, 101)
    change = await services.deadlines.set(GUILD, ORGANISER, "deregistration", "2026-11-01 23:59")
    clock.set(change.deadline.due_at - 30)
    view = view_of(only_reply(await run(bot, "leave", 101)))
    clock.set(change.deadline.due_at + 30)
    confirm = mock_interaction(bot, user=student(101))
    assert await click(view, "Yes, leave", confirm)
    assert "de-registration deadline" in edit(confirm)["content"]
    assert f"<t:{change.deadline.due_at}:R>" in edit(confirm)["content"]
    assert len((await services.registration.overview(GUILD)).rows) == 1


async def test_leave_from_the_waitlist_says_so(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    await join_all(services, 1, 2, 3, 101)
    asked = only_reply(await run(bot, "leave", 101))
    assert "leave the waitlist" in asked["content"]


async def test_leave_when_not_registered(bot: SeminarBot, seminar: Seminar) -> None:
    message = only_reply(await run(bot, "leave", 101))
    assert message == {"content": "You are not registered for this seminar.", "ephemeral": True}


# -- /papers and /paper ---------------------------------------------------------------


async def test_papers_empty_catalogue(bot: SeminarBot, seminar: Seminar) -> None:
    assert only_reply(await run(bot, "papers")) == {
        "content": "The catalogue is empty so far.",
        "ephemeral": True,
    }
    message = only_reply(await run(bot, "papers", topic=HOSTILE))
    assert message["content"].startswith("No papers on topic")
    assert_harmless(message["content"])


def clicker(bot: SeminarBot, user_id: int) -> MagicMock:
    return mock_interaction(bot, user=student(user_id), kind=discord.InteractionType.component)


async def test_papers_are_paged_for_their_reader(
    bot: SeminarBot, services: Services, seminar: Seminar
) -> None:
    for n in range(20):
        await add_paper(services, f"paper-{n:02d}", f"Title {n}", authors=HOSTILE)
    interaction = await run(bot, "papers", 101)
    message = only_reply(interaction)
    assert message["ephemeral"] is True
    pager = view_of(message)
    assert isinstance(pager, Pager)
    assert len(pager.pages) == 3
    assert "Page 1/3 · 20 papers" in text_of(message)
    assert "`paper-00`" in text_of(message) and "`paper-08`" not in text_of(message)
    assert_harmless(text_of(message))
    assert pager.previous.disabled and not pager.next.disabled
    stranger = clicker(bot, 102)
    assert not await press(bot, pager, "Next ▶", stranger)
    assert only_reply(stranger) == {
        "content": "These buttons belong to someone else's request.",
        "ephemeral": True,
    }
    stranger.response.edit_message.assert_not_awaited()
    reader = clicker(bot, 101)
    assert await press(bot, pager, "Next ▶", reader)
    assert "`paper-08`" in edit(reader)["embed"].description
    pager = edit(reader)["view"]
    for expected in ("Page 3/3", "Page 3/3", "Page 2/3", "Page 1/3", "Page 1/3"):
        label = "Next ▶" if expected == "Page 3/3" else "◀ Previous"
        reader = clicker(bot, 101)
        assert await press(bot, pager, label, reader)
        shown = edit(reader)
        pager = shown["view"]
        assert expected in shown["embed"].footer.text and isinstance(pager, Pager)
        assert not pager.is_dispatching()  # no ViewStore entry, no timeout task
        assert_harmless(text_of(shown))
        assert pager.next.disabled is (expected == "Page 3/3")
        assert pager.previous.disabled is (expected == "Page 1/3")
    assert pager.previous.disabled and not pager.next.disabled


async def test_papers_pages_turn_after_a_restart(
    bot: SeminarBot, services: Services, seminar: Seminar, db: Database, clock: FakeClock
) -> None:
    """The buttons of an answer sent before a restart still page, for their reader only."""
    for n in range(20):
        await add_paper(services, f"paper-{n:02d}", f"Title {n}", topic="Kernels")
    await add_paper(services, "other", "Other", topic="Optimization")
    first = view_of(only_reply(await run(bot, "papers", 101, topic="kernels")))
    assert all(len(item.custom_id or "") <= 100 for item in first.children)
    settings = Settings(discord_token="test-token", _env_file=None)  # type: ignore[call-arg]
    restarted = SeminarBot(settings, Services.build(db, clock))
    for extension in EXTENSIONS:
        await restarted.load_extension(extension)
    try:
        assert not await press(restarted, first, "Next ▶", clicker(restarted, 102))
        reader = clicker(restarted, 101)
        assert await press(restarted, first, "Next ▶", reader)
        shown = edit(reader)
        assert shown["embed"].title == "Papers on Kernels"
        assert "Page 2/3 · 20 papers" in shown["embed"].footer.text
        assert "`paper-08`" in shown["embed"].description and "other" not in text_of(shown)
        # Fewer pages by now: the page asked for is gone, so the last one shows.
        for n in range(9, 20):
            await services.papers.remove(GUILD, ORGANISER, f"paper-{n:02d}")
        reader = clicker(restarted, 101)
        assert await press(restarted, shown["view"], "Next ▶", reader)
        shown = edit(reader)
        assert "Page 2/2 · 9 papers" in shown["embed"].footer.text
        assert shown["view"].next.disabled and not shown["view"].previous.disabled
        # No page left to turn: the buttons go.
        await services.papers.remove(GUILD, ORGANISER, "paper-08")
        reader = clicker(restarted, 101)
        assert await press(restarted, shown["view"], "◀ Previous", reader)
        assert "Page 1/1" in edit(reader)["embed"].footer.text and edit(reader)["view"] is None
        # The topic gone altogether.
        for n in range(8):
            await services.papers.remove(GUILD, ORGANISER, f"paper-{n:02d}")
        reader = clicker(restarted, 101)
        assert await press(restarted, first, "Next ▶", reader)
        assert edit(reader) == {
            "content": "No papers on this topic any more.",
            "embed": None,
            "view": None,
        }
    finally:
        await restarted.close()


async def test_papers_render_the_catalogue_once_per_change(
    bot: SeminarBot, services: Services, seminar: Seminar, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(10):
        await add_paper(services, f"paper-{n:02d}", f"Title {n}")
    cog_module = bot.extensions["cogs.papers"]  # discord.py's own copy of the module
    lines = Mock(side_effect=cog_module.paper_line)
    monkeypatch.setattr(cog_module, "paper_line", lines)
    first = text_of(only_reply(await run(bot, "papers", 101)))
    assert lines.call_count == 10
    assert text_of(only_reply(await run(bot, "papers", 102))) == first
    assert lines.call_count == 10
    await add_paper(services, "paper-10", "Title 10")
    assert "11 papers" in text_of(only_reply(await run(bot, "papers", 101)))
    assert lines.call_count == 21


async def test_papers_by_topic(bot: SeminarBot, services: Services, seminar: Seminar) -> None:
    await add_paper(services, "k1-paper", topic="Kernels")
    await add_paper(services, "o1-paper", topic="Optimization")
    message = only_reply(await run(bot, "papers", topic="kernels"))
    assert "view" not in message
    text = text_of(message)
    assert "Papers on kernels" in text
    assert "`k1-paper`" in text and "o1-paper" not in text


async def test_paper_card(bot: SeminarBot, services: Services, seminar: Seminar) -> None:
    await add_paper(
        services,
        "wei-ma-2019",
        "Data-dependent Sample Complexity",
        authors="Colin Wei; Tengyu Ma",
        venue="NeurIPS 2019",
        url="https://papers.nips.cc/x",
        arxiv="1905.03684",
        topic=HOSTILE[:100],
    )
    message = only_reply(await run(bot, "paper", paper="WEI-MA-2019"))
    assert message["ephemeral"] is True
    card = message["embed"]
    assert card.title == "Data-dependent Sample Complexity"
    fields = {f.name: f.value for f in card.fields}
    assert fields["Code"] == "`wei-ma-2019`"
    assert fields["Conference version"] == "https://papers.nips.cc/x"
    assert fields["arXiv (the report follows this longer version)"] == (
        "https://arxiv.org/abs/1905.03684"
    )
    assert_harmless(text_of(message))


async def test_unknown_paper(bot: SeminarBot, seminar: Seminar) -> None:
    message = only_reply(await run(bot, "paper", paper="@everyone"))
    assert message == {
        "content": "There is no paper `@everyone`. See `/papers`.",
        "ephemeral": True,
    }


# -- /prefs ---------------------------------------------------------------------------


@pytest.fixture
async def catalogue(services: Services, seminar: Seminar) -> None:
    for code in ("wei-ma-2019", "jacot-2018", "du-2019", "mei-2018"):
        await add_paper(services, code, f"Title of {code}")
    await join_all(services, 101, 102, 103, 104)


async def test_prefs_set_saves_and_shows_the_ranking(
    bot: SeminarBot, services: Services, catalogue: None, clock: FakeClock
) -> None:
    message = only_reply(
        await run(bot, "prefs set", first="jacot-2018", second="Title of du-2019", third="mei-2018")
    )
    assert message["ephemeral"] is True
    page = message["embed"]
    assert page.title == "Your ranking is saved"
    assert page.description.splitlines() == [
        "**1st** `jacot-2018` — Title of jacot-2018",
        "**2nd** `du-2019` — Title of du-2019",
        "**3rd** `mei-2018` — Title of mei-2018",
    ]
    assert {f.name: f.value for f in page.fields} == {
        "Last changed": f"<t:{clock.now()}:F> (<t:{clock.now()}:R>)"
    }
    assert await ranking_codes(services, 101) == ["jacot-2018", "du-2019", "mei-2018"]


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"first": "jacot-2018", "second": "nope", "third": "du-2019"}, "no paper `nope`"),
        ({"first": "jacot-2018", "second": "jacot-2018", "third": "du-2019"}, "ranked twice"),
        ({"first": "jacot-2018", "second": "du-2019"}, "at least 3 papers (you gave 2)"),
    ],
)
async def test_prefs_set_refusals_are_ephemeral_and_change_nothing(
    bot: SeminarBot, services: Services, catalogue: None, options: dict[str, str], says: str
) -> None:
    await services.preferences.set(GUILD, 101, ["wei-ma-2019", "du-2019", "mei-2018"])
    message = only_reply(await run(bot, "prefs set", **options))
    assert message["ephemeral"] is True
    assert says in message["content"]
    assert await ranking_codes(services, 101) == ["wei-ma-2019", "du-2019", "mei-2018"]


async def test_prefs_set_after_the_deadline(
    bot: SeminarBot, services: Services, catalogue: None, clock: FakeClock
) -> None:
    change = await services.deadlines.set(GUILD, ORGANISER, "preferences", "2026-10-20 23:59")
    clock.set(change.deadline.due_at + 1)
    message = only_reply(
        await run(bot, "prefs set", first="jacot-2018", second="du-2019", third="mei-2018")
    )
    assert message["ephemeral"] is True
    assert f"The preference deadline (<t:{change.deadline.due_at}:F>" in message["content"]
    assert await ranking_codes(services, 101) == []


async def test_prefs_set_on_the_waitlist(bot: SeminarBot, catalogue: None) -> None:
    message = only_reply(
        await run(bot, "prefs set", 104, first="jacot-2018", second="du-2019", third="mei-2018")
    )
    assert "waitlist" in message["content"] and message["ephemeral"] is True


async def test_prefs_show(bot: SeminarBot, services: Services, catalogue: None) -> None:
    empty = only_reply(await run(bot, "prefs show"))["embed"]
    assert empty.title == "Your ranking"
    assert empty.description == "You have not ranked any papers yet."
    assert "Please rank at least 3 papers" in text_of({"embed": empty})
    await services.preferences.set(GUILD, 101, ["wei-ma-2019", "du-2019", "mei-2018"])
    full = only_reply(await run(bot, "prefs show"))["embed"]
    assert full.description.startswith("**1st** `wei-ma-2019`")
    assert "Incomplete" not in [f.name for f in full.fields]
    outsider = only_reply(await run(bot, "prefs show", 999))
    assert "`/join` first" in outsider["content"]


async def test_prefs_clear_asks_then_clears(
    bot: SeminarBot, services: Services, catalogue: None
) -> None:
    await services.preferences.set(GUILD, 101, ["wei-ma-2019", "du-2019", "mei-2018"])
    asked = only_reply(await run(bot, "prefs clear"))
    assert asked["ephemeral"] is True and asked["content"] == "Clear your whole ranking?"
    view = view_of(asked)
    assert not await click(view, "Yes, clear it", mock_interaction(bot, user=student(102)))
    assert await ranking_codes(services, 101) == ["wei-ma-2019", "du-2019", "mei-2018"]
    owner = mock_interaction(bot, user=student(101))
    assert await click(view, "Yes, clear it", owner)
    assert edit(owner) == {"content": "Your ranking is cleared.", "view": None}
    assert await ranking_codes(services, 101) == []


async def test_prefs_clear_after_the_deadline_is_refused_on_the_button(
    bot: SeminarBot, services: Services, catalogue: None, clock: FakeClock
) -> None:
    await services.preferences.set(GUILD, 101, ["wei-ma-2019", "du-2019", "mei-2018"])
    change = await services.deadlines.set(GUILD, ORGANISER, "preferences", "2026-10-20 23:59")
    clock.set(change.deadline.due_at + 1)
    view = view_of(only_reply(await run(bot, "prefs clear")))
    owner = mock_interaction(bot, user=student(101))
    assert await click(view, "Yes, clear it", owner)
    assert "preference deadline" in edit(owner)["content"]
    assert await ranking_codes(services, 101) == ["wei-ma-2019", "du-2019", "mei-2018"]


async def test_text_in_a_code_span_is_shown_without_escapes(
    bot: SeminarBot, seminar: Seminar
) -> None:
    """Markdown escapes are not rendered inside `code`: a backslash would show."""
    message = only_reply(await run(bot, "papers", topic="deep_learning *theory*"))
    assert message["content"] == "No papers on topic `deep_learning *theory*`."
    tricky = only_reply(await run(bot, "papers", topic="a `b` c"))
    assert tricky["content"] == "No papers on topic `a 'b' c`."
