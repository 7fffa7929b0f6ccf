"""The product story, end to end: the real bot process against the fake Discord.

An organiser sets up "Theoretical Advances in Deep Learning", imports the paper catalogue
from a CSV file, students join (the fourth is waitlisted), browse and rank papers, make
mistakes that change nothing, the organiser sets deadlines, a student leaves and the
waitlisted one moves up and is told, and after a restart everything is still there.
Assertions are about what users see: texts, ephemeral flags, who got which DM.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.helpers import catalogue_csv, private, set_up_seminar
from tests.fakediscord import FakeDiscord, FakeMember, InteractionResult

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")
TITLE = "Theoretical Advances in Deep Learning"
TERM = "Winter 2026/27"
CONTACT = "a.craciun@tum.de"

PAPERS = [
    # code, title, authors, venue, url, arxiv, topic, capacity
    (
        "wei-ma-2019",
        "Data-dependent Sample Complexity of Deep Neural Networks via Lipschitz Augmentation",
        "Colin Wei; Tengyu Ma",
        "NeurIPS 2019",
        "https://proceedings.neurips.cc/paper/2019/hash/0e79548081b4bd0df3c77c5ba2c23289",
        "1905.03684",
        "Generalisation",
        "1",
    ),
    (
        "jacot-2018",
        "Neural Tangent Kernel: Convergence and Generalization in Neural Networks",
        "Arthur Jacot; Franck Gabriel; Clément Hongler",
        "NeurIPS 2018",
        "https://proceedings.neurips.cc/paper/2018/hash/5a4be1fa34e62bb8a6ec6b91d2462f5a",
        "1806.07572",
        "Training dynamics",
        "1",
    ),
    (
        "arora-2019",
        "Fine-Grained Analysis of Optimization and Generalization for Overparameterized "
        "Two-Layer Neural Networks",
        "Sanjeev Arora; Simon S. Du; Wei Hu; Zhiyuan Li; Ruosong Wang",
        "ICML 2019",
        "https://proceedings.mlr.press/v97/arora19a.html",
        "1901.08584",
        "Generalisation",
        "1",
    ),
    (
        "soudry-2018",
        "The Implicit Bias of Gradient Descent on Separable Data",
        "Daniel Soudry; Elad Hoffer; Mor Shpigel Nacson; Suriya Gunasekar; Nathan Srebro",
        "ICLR 2018",
        "https://openreview.net/forum?id=r1q7n9gAb",
        "1710.10345",
        "Implicit bias",
        "1",
    ),
    (
        "cohen-2021",
        "Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability",
        "Jeremy Cohen; Simran Kaur; Yuanzhi Li; J. Zico Kolter; Ameet Talwalkar",
        "ICLR 2021",
        "https://openreview.net/forum?id=jh-rTtvkGeM",
        "2103.00065",
        "Training dynamics",
        "2",
    ),
    (
        "perez-2019",
        "On the Turing Completeness of Modern Neural Network Architectures",
        "Jorge Pérez; Javier Marinković; Pablo Barceló",
        "ICLR 2019",
        "https://openreview.net/forum?id=HyGBdo0qFm",
        "1901.03429",
        "Expressivity of LLMs",
        "1",
    ),
]


def papers_csv() -> bytes:
    return catalogue_csv(PAPERS)


def local_deadline(days_ahead: int) -> tuple[str, int]:
    """('YYYY-MM-DD 23:59' in Berlin, its unix time), `days_ahead` days from now."""
    day = (datetime.now(BERLIN) + timedelta(days=days_ahead)).date()
    due = datetime(day.year, day.month, day.day, 23, 59, tzinfo=BERLIN)
    return due.strftime("%Y-%m-%d %H:%M"), int(due.timestamp())


async def set_up_story_seminar(fake: FakeDiscord) -> InteractionResult:
    return await set_up_seminar(
        fake,
        title=TITLE,
        term=TERM,
        timezone="Europe/Berlin",
        capacity=3,
        pref_count=3,
        contact=CONTACT,
    )


async def test_seminar_story(fake: FakeDiscord, bot: BotProcess) -> None:
    org = fake.organiser
    alice, bob, carol, dave = (fake.add_member(n) for n in ("alice", "bob", "carol", "dave"))

    # --- the organiser creates the seminar ------------------------------------------------
    resp = private(await set_up_story_seminar(fake))
    assert TITLE in resp.plain and TERM in resp.plain

    # a student cannot run /admin, even if a server admin re-granted it in Integrations
    resp = private(await fake.command("admin setup", user=alice, title="Hijacked", force=True))
    assert "organiser" in resp.plain.lower()

    # --- the catalogue comes from a CSV attachment ----------------------------------------
    upload = fake.add_attachment("papers.csv", papers_csv(), "text/csv")
    resp = private(await fake.command("admin paper import", user=org, file=upload))
    assert "6** added" in resp.text or "6 added" in resp.plain, resp
    assert "wei-ma-2019" in resp.plain and "perez-2019" in resp.plain
    assert any(d[0] == upload.id and d[2] == 200 for d in fake.attachment_downloads)

    # --- four students join a seminar with three places -----------------------------------
    for student in (alice, bob, carol):
        resp = private(await fake.command("join", user=student))
        assert "registered" in resp.plain.lower() and TITLE in resp.plain
    resp = private(await fake.command("join", user=dave))
    assert "waitlist" in resp.plain.lower() and "position 1" in resp.plain.lower()
    resp = private(await fake.command("join", user=alice))  # idempotent
    assert "already registered" in resp.plain.lower()

    # --- browsing --------------------------------------------------------------------------
    resp = private(await fake.command("papers", user=alice))
    for code, title, *_ in PAPERS:
        assert code in resp.plain or title in resp.plain
    resp = private(await fake.command("paper", user=alice, paper="wei-ma-2019"))
    for needle in (PAPERS[0][1], "Colin Wei", "Tengyu Ma", "NeurIPS 2019", "1905.03684"):
        assert needle in resp.plain, (needle, resp)
    assert "arxiv.org/abs/1905.03684" in resp.text

    choices = await fake.autocomplete("prefs set", "first", "wei", user=alice)
    assert "wei-ma-2019" in [value for _, value in choices], choices
    assert all("wei" in (name + str(value)).lower() for name, value in choices)
    choices = await fake.autocomplete("prefs set", "second", "gradient", user=alice)
    assert {value for _, value in choices} >= {"soudry-2018", "cohen-2021"}, choices

    # --- alice ranks three papers ------------------------------------------------------------
    resp = private(
        await fake.command(
            "prefs set", user=alice, first="wei-ma-2019", second="jacot-2018", third="cohen-2021"
        )
    )
    assert resp.plain.index("wei-ma-2019") < resp.plain.index("jacot-2018")
    alice_ranking = await fake.command("prefs show", user=alice)
    shown = private(alice_ranking).plain
    assert shown.index("wei-ma-2019") < shown.index("jacot-2018") < shown.index("cohen-2021")
    assert "<t:" in alice_ranking.text  # when it last changed, as a Discord timestamp

    # --- mistakes are answered privately and change nothing -----------------------------------
    mistakes = [
        (alice, {"first": "wei-ma-2019", "second": "wei-ma-2019", "third": "jacot-2018"}),
        (alice, {"first": "no-such-paper-2020", "second": "jacot-2018", "third": "cohen-2021"}),
        (alice, {"first": "@everyone", "second": "jacot-2018", "third": "cohen-2021"}),
        (dave, {"first": "wei-ma-2019", "second": "jacot-2018", "third": "cohen-2021"}),
    ]
    if not any(
        o["name"] == "third" and o.get("required") for o in fake.command_schema("prefs set")
    ):
        mistakes.append((alice, {"first": "perez-2019", "second": "soudry-2018"}))  # too few
    for student, choice in mistakes:
        resp = private(await fake.command("prefs set", user=student, **choice))
        assert "saved" not in resp.plain.lower(), (choice, resp)
    assert (
        "twice"
        in (
            await fake.command(
                "prefs set", user=alice, first="jacot-2018", second="jacot-2018", third="cohen-2021"
            )
        ).plain
    )
    assert (
        "waitlist"
        in (
            await fake.command(
                "prefs set", user=dave, first="wei-ma-2019", second="jacot-2018", third="cohen-2021"
            )
        ).plain.lower()
    )
    assert (await fake.command("prefs show", user=alice)).plain == shown

    # --- deadlines ---------------------------------------------------------------------------
    prefs_when, prefs_unix = local_deadline(20)
    dereg_when, dereg_unix = local_deadline(40)
    resp = private(
        await fake.command("admin deadline set", user=org, kind="preferences", when=prefs_when)
    )
    assert f"<t:{prefs_unix}:F>" in resp.text, resp
    resp = private(
        await fake.command("admin deadline set", user=org, kind="deregistration", when=dereg_when)
    )
    assert f"<t:{dereg_unix}:F>" in resp.text, resp
    resp = private(await fake.command("deadlines", user=bob))
    assert f"<t:{prefs_unix}:F>" in resp.text and f"<t:{dereg_unix}:F>" in resp.text
    assert resp.text.index(f"<t:{prefs_unix}") < resp.text.index(f"<t:{dereg_unix}")

    # --- bob leaves; dave moves up and is told --------------------------------------------------
    asked = private(await fake.command("leave", user=bob))
    assert asked.components, "leaving needs a confirm button"
    assert fake.dms(dave) == []
    done = await fake.click(asked, "Yes, leave")
    assert done.ephemeral and "left" in done.plain.lower()
    assert done.components == []
    [told] = await fake.wait_for_dm(dave)
    assert TITLE in told.plain and "/prefs set" in told.plain
    resp = private(
        await fake.command(
            "prefs set", user=dave, first="perez-2019", second="soudry-2018", third="arora-2019"
        )
    )
    assert "saved" in resp.plain.lower()
    resp = private(
        await fake.command(
            "prefs set", user=bob, first="perez-2019", second="soudry-2018", third="arora-2019"
        )
    )
    assert "not registered" in resp.plain.lower()

    # --- guild only -------------------------------------------------------------------------------
    resp = private(await fake.command("seminar", user=alice, dm=True, force=True))
    assert "server" in resp.plain.lower()

    # --- a restart keeps everything -------------------------------------------------------------
    await bot.restart()
    assert (await fake.command("prefs show", user=alice)).plain == shown
    resp = private(await fake.command("seminar", user=carol))
    for needle in (TITLE, TERM, CONTACT, "3 of 3"):
        assert needle in resp.plain, (needle, resp)
    assert f"<t:{prefs_unix}:F>" in resp.text and f"<t:{dereg_unix}:F>" in resp.text

    # --- what everyone noticed ------------------------------------------------------------------
    dms = {m.name: len(fake.dms(m)) for m in (alice, bob, carol, dave, org)}
    assert dms == {"alice": 0, "bob": 0, "carol": 0, "dave": 1, "craciun": 0}
    assert_nobody_pinged(fake, allowed_users={dave})
    fake.assert_clean()


def assert_nobody_pinged(fake: FakeDiscord, allowed_users: set[FakeMember] = frozenset()) -> None:  # type: ignore[assignment]
    """No message notifies @everyone or a role; user pings only for the given people."""
    for message in fake.messages:
        am = message.allowed_mentions
        assert am is not None and am.get("parse") == [], (message, am)
        pings = message.pings()
        assert not pings["everyone"] and not pings["roles"], (message, pings)
        assert pings["users"] <= {m.id for m in allowed_users}, (message, pings)


async def test_announcement_text_never_pings(fake: FakeDiscord, bot: BotProcess) -> None:
    await set_up_story_seminar(fake)
    text = f"Reading list is up @everyone @here <@&{fake.organiser_role.id}> — see /papers"
    resp = private(await fake.command("admin announce post", user=fake.organiser, message=text))
    posted = await fake.wait_for_channel_message(
        fake.announcements, lambda m: "Reading list" in m.text
    )
    assert "Reading list is up" in posted.plain
    assert posted.pings() == {"everyone": False, "users": set(), "roles": set()}
    assert not resp.text.startswith("Sorry")
    assert_nobody_pinged(fake)
    fake.assert_clean()


async def test_crash_and_restart_keep_registrations(fake: FakeDiscord, bot: BotProcess) -> None:
    alice = fake.add_member("alice")
    await set_up_story_seminar(fake)
    await fake.command("join", user=alice)
    await bot.wait_for_heartbeat()  # the Docker healthcheck file appears once connected
    bot.kill9()
    await bot.start()
    resp = private(await fake.command("join", user=alice))
    assert "already registered" in resp.plain.lower()
    assert len(fake.identify_payloads) == 2
    fake.assert_clean()


async def test_two_students_race_for_the_last_place(fake: FakeDiscord, bot: BotProcess) -> None:
    await fake.command("admin setup", user=fake.organiser, title=TITLE, capacity=1)
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    answers = await asyncio.gather(fake.command("join", user=alice), fake.command("join", user=bob))
    texts = sorted(private(a).plain.lower() for a in answers)
    assert "waitlist" in texts[0] or "waitlist" in texts[1], texts
    assert sum("waitlist" in t for t in texts) == 1, texts
    resp = await fake.command("seminar", user=alice)
    assert "1 of 1" in resp.plain and "1 waiting" in resp.plain, resp
    fake.assert_clean()
