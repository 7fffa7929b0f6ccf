"""Every command of the table runs through the layer on both typed platforms and succeeds."""

from __future__ import annotations

import pytest

from bot.commands.spec import COMMANDS
from bot.core.models import Platform
from tests.clock import FakeClock
from tests.commands.helpers import FileUpload, Session
from tests.commands.test_attendance import block_seminar_day
from tests.commands.test_story import CATALOGUE, PDF, set_up

# A seminar's life, one command (or a few) per entry; each must answer, not apologise.
SCRIPT = [
    ("/admin paper add wei-ma-2019 Data-dependent sample complexity", None),
    ("/admin paper import", FileUpload("papers.csv", CATALOGUE.encode(), "text/csv")),
    ("/admin paper edit wei-ma-2019 topic:Generalisation capacity:2", None),
    ("/papers", None),
    ("/paper jacot-2018", None),
    ("/join", None),
    ("/prefs set wei-ma-2019 jacot-2018 arora-2019", None),
    ("/prefs show", None),
    ("/admin deadline set preferences 2026-10-20 23:59", None),
    ("/admin deadline set report 2027-01-15 23:59", None),
    ("/admin deadline set intro-meeting 2026-10-05 10:00 reminders:none note:Room 1", None),
    ("/deadlines", None),
    ("/seminar", None),
    ("/admin officehours set tuesday 14:00 place:MI 02.09 first:2026-10-06 last:2027-02-09", None),
    ("/officehours", None),
    ("/admin officehours cancel 2026-10-13 reason:travel", None),
    ("/admin announce post message:Welcome! when:2026-10-02 09:00", None),
    ("/admin announce post Now, with a ping ping:room", None),
    ("/admin announce list", None),
    ("/admin assign run seed:1 mode:fair fill:true", None),
    ("/admin assign set member:organiser paper:bartlett-2017", None),
    ("/admin assign clear organiser", None),
    ("/admin assign run 1", None),
    ("/admin assign publish", None),
    ("/assignment", None),
    (
        "/admin talks schedule start:2027-02-15 09:00 talk_minutes:30 break_minutes:15 per_day:4",
        None,
    ),
    ("/talks", None),
    ("/submit kind:slides", FileUpload("slides.pdf", PDF)),
    ("/calendar", None),
    ("/reminders dm:false", None),
    ("/admin grade organiser report:2.0", None),
    ("/admin participants", None),
    ("/admin export participants", None),
    ("/admin export preferences", None),
    ("/admin export assignment", None),
    ("/admin export submissions", None),
    ("/admin export grades", None),
    ("/admin status", None),
    ("/help", None),
    ("/help admin talks schedule", None),
    ("/timezone Europe/Lisbon", None),
    ("/timezone", None),
    ("/mydata export", None),
    ("/admin announce cancel 1", None),
    ("/admin deadline remove intro-meeting", None),
    ("/admin paper remove arora-2019", None),
    ("/prefs clear", None),
    ("/leave", None),
    ("/mydata delete", None),
    ("/admin setup capacity:25", None),
]


@pytest.mark.parametrize("platform", ["console", "matrix"])
async def test_every_command_answers_without_an_apology(
    session: Session, clock: FakeClock, platform: str
) -> None:
    await session.begin(Platform(platform))
    await set_up(session)
    ran = set()
    for text, attachment in SCRIPT:
        answer = await session.run(text, attachment=attachment)
        assert not answer.refused, (text, answer.text)
        if answer.confirm is not None:
            done = await session.confirm(answer)
            assert not done.refused, (text, done.text)
        ran.add(session.layer.parse(text, session.platform).command.path)
        if text == "/talks":
            ran |= await block_seminar_day(session, clock)
    offered = {c.path for c in COMMANDS if session.platform in c.platforms}
    assert offered - ran == set(), "commands this test does not run"
