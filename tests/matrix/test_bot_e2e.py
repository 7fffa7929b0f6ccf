"""The real `python -m bot` against a real Synapse: the seminar story, in a Matrix room.

Everything is observed as the people in the room see it: their own /sync, the
bot's events in the seminar room and in their DM rooms.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.matrix.botprocess import MatrixBot
from tests.matrix.conftest import UserFactory
from tests.pdfs import make_pdf
from tests.synapse_harness import Event, MatrixClient, SynapseServer, joined

BERLIN = ZoneInfo("Europe/Berlin")
CATALOGUE = (
    "code,title,authors,venue,url,arxiv,topic,capacity\n"
    "jacot-2018,Neural Tangent Kernel,Jacot; Gabriel; Hongler,NeurIPS 2018,,,Kernels,1\n"
    "arora-2019,Fine-Grained Analysis of Optimization,Arora et al.,ICML 2019,,,Optimisation,1\n"
    "Bad Code!,A paper with a bad code,,,,,,1\n"
)
PDF = make_pdf(b"report body " * 100)


@pytest.fixture
async def bot(
    synapse: SynapseServer, matrix_user: UserFactory, tmp_path: Path
) -> AsyncIterator[MatrixBot]:
    account = await matrix_user.account("seminar-bot")
    process = MatrixBot(synapse, account, tmp_path)
    try:
        yield process
    finally:
        await process.close()


def iso_at(unix: int) -> str:
    return datetime.fromtimestamp(unix, BERLIN).isoformat()


class Room:
    """The seminar room as the test sees it: who says what, where answers land."""

    def __init__(self, room_id: str, bot: MatrixBot) -> None:
        self.room_id = room_id
        self.bot = bot

    async def ask(
        self, person: MatrixClient, command: str, *, expect: str, private: bool = True
    ) -> Event:
        """`person` types `command` in the room; returns the bot's answer containing
        `expect` (in their DM room when private, plus the room's short note)."""
        mark = person.cursor()
        sent = await person.send_text(self.room_id, command)
        answer = await person.wait_for(
            lambda e: e.is_message and e.sender == self.bot.user_id and expect in e.body,
            after=mark,
            timeout=20,
            what=f"an answer to {command!r} containing {expect!r}",
        )
        assert answer.mentions == {}, answer.content
        assert answer.msgtype == "m.notice"
        if private:
            assert answer.room_id != self.room_id, answer.body
            note = await person.wait_for(
                lambda e: (
                    e.is_message
                    and e.sender == self.bot.user_id
                    and e.in_reply_to == sent
                    and "answered you privately" in e.body
                ),
                room_id=self.room_id,
                after=mark,
                what="the room's 'answered you privately'",
            )
            assert note.mentions == {}
        else:
            assert answer.room_id == self.room_id
        return answer


async def test_the_seminar_story_in_a_matrix_room(
    bot: MatrixBot, matrix_user: UserFactory, synapse: SynapseServer
) -> None:
    organiser = await matrix_user("organiser")
    alice = await matrix_user("alice")
    bob = await matrix_user("bob")
    # Room version 12: the creator is not in m.room.power_levels, yet an organiser.
    room_id = await organiser.create_room(
        name="TADL", invite=[alice.user_id, bob.user_id], room_version="12"
    )
    await alice.wait_for_invite(inviter=organiser.user_id)
    await bob.wait_for_invite(inviter=organiser.user_id)
    await bot.start()
    mark = organiser.cursor()
    await organiser.invite(room_id, bot.user_id)
    await organiser.wait_for(
        lambda e: (
            e.type == "m.room.member"
            and e.state_key == bot.user_id
            and e.content.get("membership") == "join"
        ),
        room_id=room_id,
        after=mark,
        what="the bot joining",
    )
    room = Room(room_id, bot)
    assert bot.heartbeat_path.exists()  # Matrix alone keeps the container's health check

    setup = await room.ask(
        organiser,
        "!admin setup title:Theoretical Advances in Deep Learning term:WS 2026/27 "
        "capacity:1 pref_count:1",
        expect="Seminar created",
    )
    assert "<strong>Seminar created: Theoretical Advances in Deep Learning</strong>" in (
        setup.formatted_body or ""
    )

    # Papers: a CSV uploaded, then the command as a reply to it.
    upload = await organiser.send_file(
        room_id, CATALOGUE.encode(), filename="papers.csv", content_type="text/csv"
    )
    mark = organiser.cursor()
    await organiser.send_text(room_id, "!admin paper import", reply_to=upload)
    imported = await organiser.wait_for_text(sender=bot.user_id, contains="added", after=mark)
    assert "2 added" in imported.body and "1 refused" in imported.body, imported.body

    # Join with a waitlist: capacity 1.
    await room.ask(alice, "!join", expect="Welcome! You are registered")
    waiting = await room.ask(bob, "!join", expect="waitlist")
    assert "position 1" in waiting.body

    # Preferences with a bad input, then a good one.
    bad = await room.ask(alice, "!prefs set nosuch-2020", expect="There is no paper")
    assert "`nosuch-2020`" in bad.body and "!papers" in bad.body
    await room.ask(alice, "!prefs set jacot-2018", expect="Your ranking is saved")

    # A non-organiser is refused and nothing changes.
    await room.ask(bob, "!admin setup title:Hijacked", expect="Only the seminar's organisers")
    await room.ask(bob, "!seminar", expect="Theoretical Advances in Deep Learning")

    # @room in user text never notifies, even in a public announcement.
    mark = alice.cursor()
    await organiser.send_text(room_id, "!admin announce post message:Hello @room, read this")
    post = await alice.wait_for_text(sender=bot.user_id, contains="Hello", after=mark)
    assert post.room_id == room_id
    assert post.mentions == {}
    assert "@room" not in post.body and "@room" not in (post.formatted_body or "")

    # Assignment, published after a ✅: one DM for alice.
    await room.ask(organiser, "!admin assign run seed:7", expect="Assignment preview")
    question = await room.ask(organiser, "!admin assign publish", expect="To confirm")
    mark_alice = alice.cursor()
    mark = organiser.cursor()
    await organiser.react(question.room_id, question.event_id, "✅")
    await organiser.wait_for_text(sender=bot.user_id, contains="Published preview", after=mark)
    dm = await alice.wait_for_text(sender=bot.user_id, contains="Your paper in", after=mark_alice)
    assert "jacot-2018" in dm.body and dm.mentions == {}
    published = await organiser.wait_for_text(
        sender=bot.user_id, contains="paper assignment", room_id=room_id
    )
    assert published.mentions == {}

    # Submit a PDF as the file's caption (in alice's DM room) and get a receipt.
    mark = alice.cursor()
    await alice.send_file(dm.room_id, PDF, filename="report.pdf", caption="!submit kind:report")
    receipt = await alice.wait_for_text(sender=bot.user_id, contains="Received: report", after=mark)
    assert hashlib.sha256(PDF).hexdigest() in receipt.body

    # Calendar comes back as an m.file.
    mark = alice.cursor()
    await alice.send_text(room_id, "!calendar")
    ics = await alice.wait_for(
        lambda e: e.is_message and e.sender == bot.user_id and e.msgtype == "m.file",
        after=mark,
        what="the calendar file",
    )
    assert b"BEGIN:VCALENDAR" in await alice.download(ics.content["url"])
    # One publication DM each: alice had exactly one, bob (waitlisted) none.
    assert len(alice.find(lambda e: e.is_message and "Your paper in" in e.body)) == 1
    await bob.sync(timeout=0.5)
    assert not bob.find(lambda e: e.is_message and "Your paper in" in e.body)
    assert await bot.stop() == 0
    # Even at DEBUG the logs hold no secret.
    log = bot.log_text()
    assert bot.account.password not in log and "Bearer" not in log


async def test_a_reminder_arrives_once_across_a_kill_9(
    bot: MatrixBot, matrix_user: UserFactory
) -> None:
    organiser = await matrix_user("organiser")
    students = [await matrix_user(f"student{i}") for i in range(4)]
    room_id = await organiser.create_room(
        name="TADL", invite=[bot.user_id, *(s.user_id for s in students)]
    )
    await bot.start()
    await organiser.wait_for(
        lambda e: joined(e, bot.user_id),
        room_id=room_id,
        what="the bot joining",
    )
    room = Room(room_id, bot)
    await room.ask(organiser, "!admin setup title:TADL capacity:10", expect="Seminar created")
    for student in students:
        await student.wait_for_invite(inviter=organiser.user_id)
        await room.ask(student, "!join", expect="Welcome")
    due = int(time.time()) + 60
    instant = int(time.time()) + 8
    await room.ask(
        organiser,
        f"!admin deadline set kind:report when:{iso_at(due)} reminders:{due - instant}s",
        expect="deadline set",
    )
    # Crash before the instant: the reminder must still come, once.
    await bot.kill9()
    await bot.start()
    for student in students:
        await student.wait_for_text(sender=bot.user_id, contains="Reminder", timeout=30)
    # A second crash and start after it fired repeats nothing.
    await bot.kill9()
    await bot.start()
    # The bot answers again after the second start (so it has planned and found nothing).
    mark = organiser.cursor()
    asked = await organiser.send_text(room_id, "!deadlines")
    await organiser.wait_for(
        lambda e: e.is_message and e.sender == bot.user_id and e.in_reply_to == asked,
        room_id=room_id,
        after=mark,
        what="the answer after the second start",
    )
    for student in students:
        await student.sync(timeout=1)
        reminders = student.find(
            lambda e: e.is_message and e.sender == bot.user_id and "Reminder" in e.body
        )
        assert len([e for e in reminders if e.room_id != room_id]) == 1, reminders
    posts = organiser.find(
        lambda e: e.is_message and e.sender == bot.user_id and "Reminder" in e.body,
        room_id=room_id,
    )
    assert len(posts) == 1, posts
    assert all(post.mentions == {} for post in posts)
    await bot.stop()


async def test_a_crash_in_the_middle_of_a_fan_out_sends_each_dm_once(
    bot: MatrixBot, matrix_user: UserFactory, synapse: SynapseServer
) -> None:
    organiser = await matrix_user("organiser")
    students = [await matrix_user(f"student{i}") for i in range(12)]
    room_id = await organiser.create_room(
        name="TADL", invite=[bot.user_id, *(s.user_id for s in students)]
    )
    await bot.start()
    await organiser.wait_for(
        lambda e: joined(e, bot.user_id),
        room_id=room_id,
        what="the bot joining",
    )
    room = Room(room_id, bot)
    await room.ask(organiser, "!admin setup title:TADL capacity:20", expect="Seminar created")
    for student in students:
        await student.wait_for_invite(inviter=organiser.user_id)
        await room.ask(student, "!join", expect="Welcome")  # opens each DM room
    # A slow homeserver for the bot: one message a second, so the fan-out takes a while.
    await synapse.override_ratelimit(bot.user_id, messages_per_second=1, burst_count=1)
    due = int(time.time()) + 120
    instant = int(time.time()) + 6
    await room.ask(
        organiser,
        f"!admin deadline set kind:slides when:{iso_at(due)} reminders:{due - instant}s",
        expect="deadline set",
    )

    def reminded(student: MatrixClient) -> list[Event]:
        return student.find(
            lambda e: (
                e.is_message
                and e.sender == bot.user_id
                and "Reminder" in e.body
                and e.room_id != room_id
            )
        )

    got: set[str] = set()
    while len(got) < 4:
        for student in students:
            await student.sync(timeout=0.2)
            if reminded(student):
                got.add(student.user_id)
    await bot.kill9()
    assert len(got) < len(students), "the fan-out finished before the crash"
    await synapse.override_ratelimit(bot.user_id, messages_per_second=0, burst_count=0)
    await bot.start()
    for student in students:
        await student.wait_for_text(sender=bot.user_id, contains="Reminder", timeout=30, after=0)
        await student.sync(timeout=0.3)
    for student in students:
        assert len(reminded(student)) == 1, (student.user_id, reminded(student))
    await organiser.wait_for_text(sender=bot.user_id, contains="Reminder", room_id=room_id)
    await organiser.sync(timeout=0.5)
    posts = organiser.find(
        lambda e: e.is_message and e.sender == bot.user_id and "Reminder" in e.body,
        room_id=room_id,
    )
    assert len(posts) == 1, posts
    assert await bot.stop() == 0
