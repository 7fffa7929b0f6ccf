"""The reminder engine end to end: the real bot process, the system clock, the fake Discord.

Deadlines are set a few seconds ahead with second offsets (`reminders:5s`), so every
reminder here really fires on the wall clock. Assertions are about what people see: who
got which DM, how many channel posts, whom they ping, and what `/admin status` says, also
across graceful restarts, a crash in the middle of a fan-out, and downtime across a due
time or past a deadline.
"""

# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import BotProcess
from tests.fakediscord import FakeDiscord, FakeMember, FakeMessage, InteractionResult

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")
TITLE = "Theoretical Advances in Deep Learning"
MESSAGES = r"^/channels/\d+/messages$"
# How long after its instant a reminder may take to show up (scheduler wake-up, HTTP).
SLACK = 2.5

# The deadline names the bot uses in reminders (bot.core.reminders.DEADLINE_NAMES).
NAMES = {
    "preferences": "paper preferences",
    "deregistration": "de-registration",
    "report": "report (PDF)",
    "slides": "slides (PDF)",
    "presentation": "final presentation",
}

PAPERS_CSV = (
    b"code,title,authors,venue\n"
    b"jacot-2018,Neural Tangent Kernel,Arthur Jacot,NeurIPS 2018\n"
    b"cohen-2021,Gradient Descent at the Edge of Stability,Jeremy Cohen,ICLR 2021\n"
)


# ----------------------------------------------------------------------------- helpers


def iso_at(unix: int) -> str:
    """An ISO 8601 time with an offset, as an organiser may type it."""
    return datetime.fromtimestamp(unix, BERLIN).isoformat()


def local_at(unix: int) -> str:
    """'YYYY-MM-DD HH:MM:SS' wall time in the seminar's timezone (with an offset in the
    autumn hour that happens twice, which the bot rightly refuses as ambiguous)."""
    local = datetime.fromtimestamp(unix, BERLIN)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return iso_at(unix)
    return local.strftime("%Y-%m-%d %H:%M:%S")


def whole_seconds_from_now(seconds: float) -> int:
    return math.ceil(time.time() + seconds)


async def sleep_until(unix: float) -> None:
    await asyncio.sleep(max(0.0, unix - time.time()))


def sent_at(message: FakeMessage) -> float:
    return datetime.fromisoformat(message.timestamp).timestamp()


def private(resp: InteractionResult) -> InteractionResult:
    assert resp.messages, f"no visible answer: {resp!r}"
    assert resp.ephemeral, f"expected an ephemeral answer: {resp!r}"
    return resp


def fields(resp: InteractionResult) -> dict[str, str]:
    found: dict[str, str] = {}
    for embed in resp.embeds:
        for field in embed.get("fields") or []:
            found[field["name"]] = field["value"]
    return found


def is_reminder(message: FakeMessage, kind: str) -> bool:
    return f"the **{NAMES[kind]}** deadline" in message.content


def channel_reminders(fake: FakeDiscord, kind: str) -> list[FakeMessage]:
    """Reminder posts for `kind` in the seminar channel (not the closed-DM fallback)."""
    return [
        m
        for m in fake.channel_messages(fake.announcements)
        if is_reminder(m, kind) and "your DMs are closed" not in m.content
    ]


def dm_reminders(fake: FakeDiscord, user: FakeMember, kind: str) -> list[FakeMessage]:
    return [m for m in fake.dms(user) if is_reminder(m, kind)]


def dm_counts(fake: FakeDiscord, users: Iterable[FakeMember], kind: str) -> dict[str, int]:
    return {u.name: len(dm_reminders(fake, u, kind)) for u in users}


async def wait_for_reminders(
    fake: FakeDiscord,
    kind: str,
    users: Iterable[FakeMember],
    *,
    timeout: float,
) -> FakeMessage:
    """Wait until the channel post and one DM to each of `users` arrived; the post."""
    people = list(users)

    def arrived() -> bool:
        return bool(channel_reminders(fake, kind)) and all(
            dm_reminders(fake, u, kind) for u in people
        )

    await fake.wait_for(arrived, timeout, what=f"the {kind} reminder to {len(people)} people")
    return channel_reminders(fake, kind)[0]


def assert_at_its_instant(message: FakeMessage, instant: int, pace: float = 1.0) -> None:
    at = sent_at(message)
    # Discord timestamps have millisecond precision; the bot's clock is whole seconds.
    assert instant - 0.01 <= at <= instant + SLACK * pace, (at - instant, message)


def assert_no_mass_pings(fake: FakeDiscord) -> None:
    """Nothing anywhere notifies @everyone/@here; every message opts out of parsing."""
    for message in fake.messages:
        am = message.allowed_mentions
        assert am is not None and am.get("parse") == [], (message, am)
        assert not message.pings()["everyone"], message


async def set_up(fake: FakeDiscord, *, capacity: int = 40) -> None:
    resp = private(
        await fake.command(
            "admin setup",
            user=fake.organiser,
            title=TITLE,
            channel=fake.announcements,
            organiser_role=fake.organiser_role,
            timezone="Europe/Berlin",
            capacity=capacity,
            pref_count=1,
        )
    )
    assert TITLE in resp.plain


async def join(fake: FakeDiscord, *names: str) -> list[FakeMember]:
    students = [fake.add_member(name) for name in names]
    answers = await asyncio.gather(*(fake.command("join", user=s) for s in students))
    for answer in answers:
        assert "registered" in private(answer).plain.lower(), answer
    return students


async def set_deadline(
    fake: FakeDiscord, kind: str, when: str, reminders: str
) -> InteractionResult:
    resp = private(
        await fake.command(
            "admin deadline set", user=fake.organiser, kind=kind, when=when, reminders=reminders
        )
    )
    assert "deadline set" in resp.plain or "deadline moved" in resp.plain, resp
    return resp


async def status(fake: FakeDiscord) -> dict[str, str]:
    return fields(private(await fake.command("admin status", user=fake.organiser)))


# ----------------------------------------------------------------------------- the fake


async def test_fake_drops_a_resent_nonce_like_discord(fake: FakeDiscord) -> None:
    """The engine's exactly-once relies on `enforce_nonce`; the fake must honour it."""
    import aiohttp

    headers = {"Authorization": f"Bot {fake.token}"}
    url = f"{fake.api_base}/channels/{fake.announcements.id}/messages"
    async with aiohttp.ClientSession(headers=headers) as session:

        async def post(payload: dict[str, Any]) -> tuple[int, Any]:
            async with session.post(url, json=payload) as r:
                return r.status, await r.json()

        first = await post({"content": "one", "nonce": "sb1", "enforce_nonce": True})
        again = await post({"content": "one (late)", "nonce": "sb1", "enforce_nonce": True})
        loose = await post({"content": "two", "nonce": "sb1"})
        too_long = await post({"content": "x", "nonce": "n" * 26, "enforce_nonce": True})
    assert first[0] == again[0] == 200 and first[1]["id"] == again[1]["id"]
    assert again[1]["content"] == "one"
    assert loose[0] == 200 and loose[1]["id"] != first[1]["id"]  # not enforced: a new one
    assert too_long[0] == 400
    assert [m.content for m in fake.channel_messages(fake.announcements)] == ["one", "two"]
    assert len(fake.nonce_replays) == 1


# ----------------------------------------------------------------------------- scenarios


async def test_reminders_fire_at_their_instant_and_follow_moves(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """1 + 2: post + one DM each at the instant; audience by kind; moved and removed
    deadlines re-plan; `/reminders dm:false` means no DM."""
    org = fake.organiser
    await set_up(fake)
    upload = fake.add_attachment("papers.csv", PAPERS_CSV, "text/csv")
    await fake.command("admin paper import", user=org, file=upload)
    alice, bob, carol = await join(fake, "alice", "bob", "carol")
    resp = private(await fake.command("prefs set", user=alice, first="jacot-2018"))
    assert "saved" in resp.plain.lower(), resp
    resp = private(await fake.command("reminders", user=carol, options={"dm": False}))
    assert "off" in resp.plain.lower()
    everyone = (alice, bob, carol)

    pace = bot.pace
    ahead, before, later = round(10 * pace), round(4 * pace), round(3 * pace)
    due = whole_seconds_from_now(ahead)  # reminders `before` s before the due time
    first_instant = due - before
    remind = f"{before}s"
    await set_deadline(fake, "preferences", local_at(due), remind)
    await set_deadline(fake, "deregistration", iso_at(due), remind)
    await set_deadline(fake, "report", iso_at(due), remind)
    await set_deadline(fake, "slides", iso_at(due), remind)
    # The report deadline moves later: its reminder too. Slides are removed.
    moved_due = due + later
    resp = await set_deadline(fake, "report", iso_at(moved_due), remind)
    assert "moved" in resp.plain and f"<t:{moved_due}:F>" in resp.text, resp
    asked = private(await fake.command("admin deadline remove", user=org, kind="slides"))
    done = await fake.click(asked, "Remove it")
    assert "removed" in done.plain.lower(), done
    assert time.time() < first_instant - 0.5, "setting up took too long for this test"

    post = await wait_for_reminders(fake, "deregistration", [alice, bob], timeout=12 * pace)
    assert_at_its_instant(post, first_instant, pace)
    assert f"<t:{due}:F>" in post.content and TITLE in post.content
    post = await wait_for_reminders(fake, "preferences", [bob], timeout=3 * pace)
    assert_at_its_instant(post, first_instant, pace)
    assert "/prefs set" in post.content
    post = await wait_for_reminders(fake, "report", [alice, bob], timeout=(6 + SLACK) * pace)
    assert_at_its_instant(post, moved_due - before, pace)  # not at the old instant
    assert f"<t:{moved_due}:F>" in post.content
    await fake.settle(quiet=0.5)

    for kind in ("preferences", "deregistration", "report"):
        assert len(channel_reminders(fake, kind)) == 1, kind
    assert channel_reminders(fake, "slides") == []
    # alice ranked her paper; carol turned DMs off; everyone else got exactly one.
    assert dm_counts(fake, everyone, "preferences") == {"alice": 0, "bob": 1, "carol": 0}
    assert dm_counts(fake, everyone, "deregistration") == {"alice": 1, "bob": 1, "carol": 0}
    assert dm_counts(fake, everyone, "report") == {"alice": 1, "bob": 1, "carol": 0}
    assert dm_counts(fake, everyone, "slides") == {"alice": 0, "bob": 0, "carol": 0}
    assert fake.dms(org) == []
    # The engine's posts carry a nonce Discord enforces; nothing pings anyone.
    for message in fake.messages:
        if message.kind in ("channel", "dm"):
            assert message.nonce and message.pings() == {
                "everyone": False,
                "users": set(),
                "roles": set(),
            }, message
    assert_no_mass_pings(fake)
    fake.assert_clean()


async def test_restart_before_the_due_time_and_after_it_fired(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """3a/3b: a SIGTERM restart before the instant still fires once, on time; a restart
    after it fired repeats nothing."""
    await set_up(fake)
    students = await join(fake, "alice", "bob")
    # A restart takes a few start-ups' time; the reminder must fall due after it.
    pace = bot.pace
    before = round(7 * pace)
    due = whole_seconds_from_now(round(12 * pace))
    instant = due - before
    await set_deadline(fake, "presentation", iso_at(due), f"{before}s")
    await bot.restart()
    assert time.time() < instant, "the restart took too long for this test"

    post = await wait_for_reminders(
        fake, "presentation", students, timeout=instant - time.time() + 5 * pace
    )
    assert_at_its_instant(post, instant, pace)
    assert "Sent late" not in post.content

    await bot.restart()
    await fake.settle(quiet=1.0)
    assert len(channel_reminders(fake, "presentation")) == 1
    assert dm_counts(fake, students, "presentation") == {"alice": 1, "bob": 1}
    page = await status(fake)
    assert page["Pending"] == "0" and page["Sent late"] == "0" and page["Missed"] == "0"
    assert_no_mass_pings(fake)
    fake.assert_clean()


async def test_crash_in_the_middle_of_a_fan_out_sends_each_dm_once(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """3c: kill -9 while a reminder is being fanned out to 16 students: after the restart
    everybody has exactly one DM and the channel one post. Sends that reached Discord but
    whose answer the bot never saw are re-sent with the same nonce and dropped by Discord."""
    await set_up(fake)
    students = await join(fake, *(f"student{i:02d}" for i in range(16)))
    due = whole_seconds_from_now(40)
    instant = whole_seconds_from_now(4)
    await set_deadline(fake, "deregistration", iso_at(due), f"{due - instant}s")
    # A slow Discord: each message exists at once, its answer comes 1.2 s later.
    slow = fake.slow(1.2, method="POST", path=MESSAGES)

    def delivered() -> list[FakeMessage]:
        return [
            m
            for m in fake.messages
            if m.kind in ("channel", "dm") and is_reminder(m, "deregistration")
        ]

    # The first batch has been answered; the second is under way.
    await fake.wait_for(lambda: len(delivered()) >= 10, instant - time.time() + 6, what="a fan-out")
    bot.kill9()
    killed_with = len(delivered())
    assert killed_with < 17, "the fan-out finished before the crash; slow it down more"
    slow.cancel()
    await bot.start()

    await wait_for_reminders(fake, "deregistration", students, timeout=10)
    await fake.settle(quiet=0.7)
    assert len(channel_reminders(fake, "deregistration")) == 1
    counts = dm_counts(fake, students, "deregistration")
    assert set(counts.values()) == {1}, counts
    # Something was in flight at the crash and re-sent with its nonce: Discord kept one.
    assert fake.nonce_replays, "no delivery was re-sent after the crash"
    posts = fake.find_requests("POST", MESSAGES)
    for replay in fake.nonce_replays:
        nonce = replay.json["nonce"]
        assert replay.json["enforce_nonce"] is True
        same = [r for r in posts if (r.json or {}).get("nonce") == nonce and r.status == 200]
        assert len(same) == 2 and same[0].response["id"] == same[1].response["id"], same
    assert len({m.nonce for m in delivered()}) == 17
    assert_no_mass_pings(fake)
    fake.assert_clean()


async def test_downtime_across_the_due_time_and_past_the_deadline(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """4: what fell due while the bot was down goes out once at start, marked late; what
    is no longer useful (its deadline passed too) is recorded as missed and shown."""
    await set_up(fake)
    [alice] = await join(fake, "alice")
    unit = max(1, round(bot.pace))  # one second, on a quiet machine
    now = whole_seconds_from_now(0)
    report_due, slides_due = now + 16 * unit, now + 5 * unit
    await set_deadline(fake, "report", iso_at(report_due), f"{13 * unit}s")  # due: now + 3u
    await set_deadline(fake, "slides", iso_at(slides_due), f"{3 * unit}s")  # due: now + 2u
    await bot.stop()
    assert time.time() < now + 2 * unit, "stopping took too long for this test"
    await sleep_until(slides_due + 0.5)
    await bot.start()
    assert time.time() < report_due - 2 * unit

    post = await wait_for_reminders(fake, "report", [alice], timeout=5 * unit)
    [dm] = dm_reminders(fake, alice, "report")
    for message in (post, dm):
        assert "Sent late" in message.content and f"<t:{report_due}:F>" in message.content
    await fake.settle(quiet=0.7)
    assert len(channel_reminders(fake, "report")) == 1
    assert channel_reminders(fake, "slides") == [] and dm_reminders(fake, alice, "slides") == []

    page = await status(fake)
    assert page["Sent late"] == "1", page
    assert page["Missed"] == "1", page
    missed = page["Missed (bot was offline past the deadline)"]
    assert f"<t:{slides_due - 3 * unit}:F>" in missed and "deadline reminder" in missed, page
    assert "Last start" in page
    assert_no_mass_pings(fake)
    fake.assert_clean()


async def test_closed_dms_fall_back_once_and_transient_errors_are_retried(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """5: closed DMs -> one channel post mentioning exactly those people, never retried in
    a loop; 429 and 500 on the way are retried and nothing is lost."""
    await set_up(fake)
    alice, bob, carol, dave = await join(fake, "alice", "bob", "carol", "dave")
    fake.close_dms(bob, carol)
    limited = fake.rate_limit(method="POST", path=MESSAGES, times=2, retry_after=0.3)
    broken = fake.server_error(method="POST", path=MESSAGES, times=1)
    due = whole_seconds_from_now(9)
    await set_deadline(fake, "deregistration", iso_at(due), "5s")

    def fallback_posts() -> list[FakeMessage]:
        return [
            m for m in fake.channel_messages(fake.announcements) if "DMs are closed" in m.content
        ]

    await wait_for_reminders(fake, "deregistration", [alice, dave], timeout=due - time.time() + 2)
    await fake.wait_for(fallback_posts, 5, what="the closed-DM fallback post")
    await fake.settle(quiet=1.0)

    assert limited.hits == 2 and broken.hits == 1
    assert len(channel_reminders(fake, "deregistration")) == 1
    assert dm_counts(fake, [alice, dave], "deregistration") == {"alice": 1, "dave": 1}
    [fallback] = fallback_posts()
    assert is_reminder(fallback, "deregistration")
    assert fallback.allowed_mentions is not None
    assert fallback.allowed_mentions.get("parse") == []
    assert {int(u) for u in fallback.allowed_mentions.get("users", [])} == {bob.id, carol.id}
    assert not fallback.allowed_mentions.get("roles")
    assert fallback.pings() == {"everyone": False, "users": {bob.id, carol.id}, "roles": set()}
    # Each closed DM was tried once: no retry loop against a 403.
    assert sorted(uid for uid, _ in fake.dm_failures) == sorted([bob.id, carol.id])
    assert fake.dms(bob) == [] and fake.dms(carol) == []

    page = await status(fake)
    assert page["DMs closed (posted in channel)"] == "2", page
    assert page["Failed deliveries"] == "0", page
    problems = page["Delivery problems"]
    assert f"<@{bob.id}>" in problems and f"<@{carol.id}>" in problems, page
    # Only the fallback post pings anyone, and only the two people it is for.
    pinging = fake.pinging_messages()
    assert [m for m, _ in pinging] == [fallback], pinging
    assert_no_mass_pings(fake)
    fake.assert_clean()


async def test_announcements_now_scheduled_listed_cancelled_and_pinging_one_role(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """6: `/admin announce post` now and later, `list`, `cancel`; `ping:` pings only that
    role; @everyone typed in the text pings nobody and cannot be chosen as the role."""
    org = fake.organiser
    await set_up(fake)
    readers = fake.add_role("Reading group", mentionable=True)

    resp = private(
        await fake.command("admin announce post", user=org, message="Welcome @everyone @here!")
    )
    assert "Posting now" in resp.plain, resp
    welcome = await fake.wait_for_channel_message(fake.announcements, lambda m: "Welcome" in m.text)
    assert welcome.pings() == {"everyone": False, "users": set(), "roles": set()}

    resp = private(
        await fake.command(
            "admin announce post", user=org, message="Hi all", ping=fake.guild.everyone
        )
    )
    assert "not allowed" in resp.plain, resp

    unit = max(1, round(bot.pace))  # one second, on a quiet machine
    start = whole_seconds_from_now(0)
    dropped_at, kept_at = start + 5 * unit, start + 7 * unit
    resp = private(
        await fake.command(
            "admin announce post", user=org, message="Bring laptops", when=iso_at(dropped_at)
        )
    )
    match = re.search(r"Scheduled #(\d+)", resp.plain)
    assert match and f"<t:{dropped_at}:F>" in resp.text, resp
    dropped = int(match.group(1))
    resp = private(
        await fake.command(
            "admin announce post",
            user=org,
            message="The reading group meets in room 02.09.023 @everyone",
            when=local_at(kept_at),
            ping=readers,
        )
    )
    match = re.search(r"Scheduled #(\d+)", resp.plain)
    assert match and readers.mention in resp.text, resp
    kept = int(match.group(1))

    listed = private(await fake.command("admin announce list", user=org))
    assert f"#{dropped}" in listed.plain and f"#{kept}" in listed.plain, listed
    assert f"<t:{kept_at}:F>" in listed.text and f"<@&{readers.id}>" in listed.text
    choices = await fake.autocomplete("admin announce cancel", "announcement", "", user=org)
    assert {value for _, value in choices} == {dropped, kept}, choices

    asked = private(await fake.command("admin announce cancel", user=org, announcement=dropped))
    done = await fake.click(asked, "Cancel it")
    assert f"Cancelled announcement #{dropped}" in done.plain, done
    listed = private(await fake.command("admin announce list", user=org))
    assert f"#{dropped}" not in listed.plain and f"#{kept}" in listed.plain, listed
    assert time.time() < dropped_at - 0.5, "setting up took too long for this test"

    posted = await fake.wait_for_channel_message(
        fake.announcements,
        lambda m: "reading group meets" in m.text,
        timeout=kept_at - time.time() + 4 * unit,
    )
    assert_at_its_instant(posted, kept_at, unit)
    assert posted.pings() == {"everyone": False, "users": set(), "roles": {readers.id}}
    assert posted.allowed_mentions == {"parse": [], "roles": [str(readers.id)]}
    await fake.settle(quiet=0.5)
    texts = [m.text for m in fake.channel_messages(fake.announcements)]
    assert not any("Bring laptops" in t for t in texts), texts
    assert sum("reading group meets" in t for t in texts) == 1, texts

    listed = private(await fake.command("admin announce list", user=org))
    assert "No announcements are scheduled" in listed.plain, listed
    asked = private(await fake.command("admin announce cancel", user=org, announcement=kept))
    done = await fake.click(asked, "Cancel it")
    assert "no scheduled announcement" in done.plain.lower(), done
    # Only the organiser's chosen role was ever pinged.
    assert [p for _, p in fake.pinging_messages()] == [
        {"everyone": False, "users": set(), "roles": {readers.id}}
    ]
    assert_no_mass_pings(fake)
    fake.assert_clean()


async def test_office_hours_set_shown_cancelled_and_mirrored_as_an_event(
    fake: FakeDiscord, bot: BotProcess
) -> None:
    """7: `/admin officehours set`, `/officehours`, `/admin officehours cancel`: the reply,
    one cancellation post (also after a restart) and the Discord scheduled event."""
    org = fake.organiser
    await set_up(fake)
    [alice] = await join(fake, "alice")
    # A slot a little less than a day ahead: its day-before notice was due before the
    # office hours even existed, so it must not go out now (nor claim the bot was offline).
    slot = datetime.fromtimestamp(time.time() + 23.5 * 3600, BERLIN).replace(
        second=0, microsecond=0
    )
    first = slot.date()
    weekday = slot.strftime("%A").lower()
    start_text = slot.strftime("%H:%M")
    start = int(slot.timestamp())
    next_day = first + timedelta(days=7)
    next_start = int(
        datetime(
            next_day.year, next_day.month, next_day.day, slot.hour, slot.minute, tzinfo=BERLIN
        ).timestamp()
    )
    place = "Room 02.09.023"

    resp = private(
        await fake.command(
            "admin officehours set",
            user=org,
            weekday=weekday,
            start=start_text,
            place=place,
            first=first.isoformat(),
            last=(first + timedelta(days=21)).isoformat(),
            duration=60,
        )
    )
    assert "Office hours saved" in resp.plain, resp
    assert weekday.capitalize() in resp.plain and start_text in resp.plain and place in resp.plain
    assert f"<t:{start}:F>" in resp.text, resp

    def event_at(unix: int) -> dict[str, Any] | None:
        wanted = datetime.fromtimestamp(unix, UTC)
        for event in fake.scheduled_events.values():
            if datetime.fromisoformat(event["scheduled_start_time"]) == wanted:
                return event
        return None

    event = await fake.wait_for(lambda: event_at(start), 5, what="the office-hours event")
    assert event["name"] == "Office hours" and event["entity_type"] == 3
    assert event["entity_metadata"]["location"] == place
    assert datetime.fromisoformat(event["scheduled_end_time"]) == datetime.fromtimestamp(
        start + 3600, UTC
    )

    shown = private(await fake.command("officehours", user=alice))
    assert weekday.capitalize() in shown.plain and start_text in shown.plain, shown
    assert place in shown.plain and f"<t:{start}:F>" in shown.text

    resp = private(
        await fake.command(
            "admin officehours cancel", user=org, date=first.isoformat(), reason="Conference travel"
        )
    )
    assert f"<t:{start}:F>" in resp.text and "Conference travel" in resp.plain, resp
    notice = await fake.wait_for_channel_message(
        fake.announcements, lambda m: "are cancelled" in m.text
    )
    assert first.isoformat() in notice.plain and place in notice.plain
    assert "Conference travel" in notice.plain and start_text in notice.plain
    # The event moves to the next occurrence, a week later at the same local time.
    await fake.wait_for(lambda: event_at(next_start), 5, what="the event moved a week on")
    assert len(fake.scheduled_events) == 1

    shown = private(await fake.command("officehours", user=alice))
    assert f"<t:{next_start}:F>" in shown.text, shown
    assert f"{first.isoformat()} — Conference travel" in shown.plain, shown

    await bot.restart()
    await fake.settle(quiet=1.0)
    posts = fake.channel_messages(fake.announcements)
    assert sum("are cancelled" in m.text for m in posts) == 1, posts
    # No office-hours notice: the next one is more than a day away, the skipped one stale.
    assert not any("Office hours" in m.text and "cancelled" not in m.text for m in posts), posts
    assert len(fake.scheduled_events) == 1 and event_at(next_start) is not None
    assert [kind for kind, _ in fake.scheduled_event_log].count("create") == 1

    # Only the place and the duration change, not the start: the same event is edited.
    [before] = fake.scheduled_events.values()
    resp = private(
        await fake.command(
            "admin officehours set",
            user=org,
            weekday=weekday,
            start=start_text,
            place="Zoom (link in /seminar)",
            first=first.isoformat(),
            last=(first + timedelta(days=21)).isoformat(),
            duration=90,
        )
    )
    assert "Office hours saved" in resp.plain, resp
    event = await fake.wait_for(
        lambda: next(
            (
                e
                for e in fake.scheduled_events.values()
                if e["entity_metadata"]["location"] == "Zoom (link in /seminar)"
            ),
            None,
        ),
        5,
        what="the event's new place",
    )
    assert event["id"] == before["id"]
    assert event["scheduled_start_time"] == before["scheduled_start_time"]
    assert datetime.fromisoformat(event["scheduled_end_time"]) == datetime.fromtimestamp(
        next_start + 90 * 60, UTC
    )
    assert [kind for kind, _ in fake.scheduled_event_log].count("create") == 1
    assert_no_mass_pings(fake)
    fake.assert_clean()
