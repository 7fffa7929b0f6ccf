"""Tier 1 through the command layer: the reference seminar typed as text, on real SQLite."""

from __future__ import annotations

import csv
import io

from bot.core.models import Platform
from bot.core.services import Services
from tests.clock import FakeClock
from tests.commands.helpers import FileUpload, Session
from tests.core.helpers import audit_actions, ranking_codes
from tests.pdfs import make_pdf

CATALOGUE = (
    "code,title,authors,venue,url,arxiv,topic,capacity\n"
    "jacot-2018,Neural Tangent Kernel,Jacot; Gabriel; Hongler,NeurIPS 2018,,,Kernels,1\n"
    "arora-2019,Fine-Grained Analysis of Optimization,Arora et al.,ICML 2019,,,Optimisation,1\n"
    "bartlett-2017,Spectrally-normalized margin bounds,Bartlett et al.,NeurIPS 2017,,,"
    "Generalisation,1\n"
    "Bad Code!,A paper with a bad code,,,,,,1\n"
)
PDF = make_pdf()


async def set_up(session: Session) -> None:
    answer = await session.run(
        "/admin setup title:Theoretical Advances in Deep Learning term:Winter 2026/27 "
        "capacity:3 contact:tadl@example.org"
    )
    assert not answer.refused, answer.text
    assert answer.title == "Seminar created: Theoretical Advances in Deep Learning"


async def test_the_reference_seminar_from_setup_to_grades(
    session: Session, services: Services, clock: FakeClock
) -> None:
    await set_up(session)
    seminar = await services.seminars.seminar(session.place_id)
    assert seminar.platform is Platform.CONSOLE
    assert seminar.channel_id == session.place_id  # off Discord, the place is the channel

    added = await session.run(
        "/admin paper add code:wei-ma-2019 title:Data-dependent sample complexity "
        "venue:NeurIPS 2019 topic:Generalisation"
    )
    assert added.text.startswith("Paper added."), added.text
    imported = await session.run(
        "/admin paper import", attachment=FileUpload("papers.csv", CATALOGUE.encode(), "text/csv")
    )
    assert "**3** added, **0** updated, **0** unchanged, **1** refused." in imported.text
    assert "line 5" in imported.text

    papers = await session.run("/papers topic:Generalisation")
    assert "`wei-ma-2019`" in papers.text and "`bartlett-2017`" in papers.text
    assert "`jacot-2018`" not in papers.text

    alice = await session.student("alice")
    bob = await session.student("bob")
    carol = await session.student("carol")
    dave = await session.student("dave")
    for student in (alice, bob, carol):
        joined = await session.run("/join", student)
        assert "Welcome! You are registered" in joined.text
    waiting = await session.run("/join", dave)
    assert "The seminar is full, so you are on the waitlist" in waiting.text
    assert "position **1**" in waiting.text

    bad = await session.run("/prefs set wei-ma-2019 jacot-2018 nosuch-2020", alice)
    assert bad.refused
    assert "There is no paper `nosuch-2020`" in bad.text
    assert "`/papers`" in bad.text
    assert await ranking_codes(services, alice.account_id, session.place_id) == []

    for student, codes in (
        (alice, "wei-ma-2019 jacot-2018 arora-2019"),
        (bob, "wei-ma-2019 bartlett-2017 jacot-2018"),
        (carol, "first:jacot-2018 second:arora-2019 third:wei-ma-2019"),
    ):
        saved = await session.run(f"/prefs set {codes}", student)
        assert saved.title == "Your ranking is saved", saved.text
    assert await ranking_codes(services, carol.account_id, session.place_id) == [
        "jacot-2018",
        "arora-2019",
        "wei-ma-2019",
    ]
    shown = await session.run("/prefs show", alice)
    assert "**1st** `wei-ma-2019`" in shown.text
    assert "Last changed: Thu 2026-10-01 12:00 CEST (Europe/Berlin, now)" in shown.text

    deadline = await session.run(
        "/admin deadline set kind:preferences when:2026-10-20 23:59 reminders:7d,1d"
    )
    assert "**Preference** deadline set: Tue 2026-10-20 23:59 CEST" in deadline.text or (
        "deadline set: Tue 2026-10-20 23:59 CEST" in deadline.text
    ), deadline.text
    assert "Reminders: 7d,1d before." in deadline.text
    await session.run("/admin deadline set report 2027-01-15 23:59 note:PDF, at most 8 pages")
    due = await session.run("/deadlines", alice)
    assert "Tue 2026-10-20 23:59 CEST (Europe/Berlin, in 19 days) — ✅ done" in due.text
    assert "Fri 2027-01-15 23:59 CET" in due.text and "⏳ not done yet" in due.text
    assert "PDF, at most 8 pages" in due.text

    preview = await session.run("/admin assign run seed:7")
    assert preview.title is not None and preview.title.startswith("Assignment preview #")
    assert "3 of 3 students placed" in preview.text
    question = await session.run("/admin assign publish")
    assert question.confirm is not None
    assert "Publish preview #" in question.text
    published = await session.confirm(question)
    assert "Published preview #" in published.text
    assert "3 direct messages" in published.text

    mine = await session.run("/assignment", alice)
    assert mine.title is not None and mine.title.startswith("Your paper: ")
    assert "Due next" in mine.text

    receipt = await session.run(
        "/submit kind:report", alice, attachment=FileUpload("report.pdf", PDF)
    )
    assert not receipt.refused, receipt.text
    assert receipt.title == "Received: report (version 1)"
    assert "✅ On time (deadline Fri 2027-01-15 23:59 CET" in receipt.text
    assert "SHA-256" in receipt.text

    graded = await session.run("/admin grade member:alice report:1.3 presentation:1.7")
    assert "Grades for alice: report **1.3**, presentation **1.7**." in graded.text
    assert "Final grade **1.7**" in graded.text

    export = await session.run("/admin export what:grades")
    assert export.file is not None and export.file[0] == "grades.csv"
    rows = list(csv.DictReader(io.StringIO(export.file[1].decode())))
    assert [(r["display_name"], r["final"]) for r in rows if r["final"]] == [("alice", "1.7")]

    calendar = await session.run("/calendar", alice)
    assert calendar.file is not None and calendar.file[0] == "seminar.ics"
    assert b"BEGIN:VCALENDAR" in calendar.file[1]

    participants = await session.run("/admin participants")
    assert participants.title == "Participants: 3/3"
    assert "⏳ dave — waitlist #1" in participants.text
    assert "• alice — prefs 3/3 ✅, report ✅, slides ❌, paper `" in participants.text


async def test_leave_asks_first_and_moves_the_waitlist_up(
    session: Session, services: Services
) -> None:
    await set_up(session)
    students = [await session.student(name) for name in "abcd"]
    for student in students:
        await session.run("/join", student)
    question = await session.run("/leave", students[0])
    assert question.confirm is not None
    assert question.text.startswith("Do you really want to de-register")
    assert question.confirm.confirm_label == "Yes, leave"
    # Asking changed nothing; somebody else cannot confirm it.
    overview = await services.registration.overview(session.place_id)
    assert len(overview.rows) == 4
    assert (await session.confirm(question, students[1])).refused
    done = await session.confirm(question, students[0])
    assert done.text.startswith("Done: you have left.")
    overview = await services.registration.overview(session.place_id)
    assert [r.participant.user_id for r in overview.rows if r.waitlist_position is None] == [
        s.account_id for s in students[1:]
    ]


async def test_mydata_export_is_a_file_and_delete_asks_first(
    session: Session, services: Services
) -> None:
    await set_up(session)
    alice = await session.student("alice")
    await session.run("/join", alice)
    export = await session.run("/mydata export", alice)
    assert export.file is not None and export.file[0] == "mydata.json"
    assert b'"alice"' in export.file[1]
    question = await session.run("/mydata action:delete", alice)
    assert question.confirm is not None
    assert "your registration" in question.text
    assert len((await services.registration.overview(session.place_id)).rows) == 1
    done = await session.confirm(question, alice)
    assert done.text.startswith("Done: everything stored about you")
    assert done.forget_asker  # the front end drops its own record of her (Matrix: DM room)
    assert not question.forget_asker
    assert (await services.registration.overview(session.place_id)).rows == []


async def test_refusals_change_nothing(session: Session, services: Services) -> None:
    await set_up(session)
    before = await audit_actions(services, session.place_id)
    student = await session.student("alice")
    attempts = [
        ("/admin setup title:Hijacked", student, "Only the seminar's organisers"),
        ("/admin setup capacity:0", session.organiser, "from 1 to 1000; you typed `0`"),
        ("/admin setup colour:red", session.organiser, "has no option `colour`"),
        ("/admin setup capacty:5", session.organiser, "Did you mean `capacity:`?"),
        ("/admin deadline set kind:report", session.organiser, "needs `when`"),
        (
            "/admin deadline set kind:report when:2027-02-30 23:59",
            session.organiser,
            "is not a time I can read",
        ),
        ("/admin paper remove nosuch", session.organiser, "There is no paper `nosuch`"),
        ("/admin assign set member:zoe paper:x", session.organiser, "I do not know who `zoe`"),
        ("/admin setup channel:#general", session.organiser, "`channel` is not available"),
        ("/submit kind:report", student, "needs a file"),
        ("/reminders dm:perhaps", student, "`dm` must be `true` or `false`"),
    ]
    for text, actor, expected in attempts:
        answer = await session.run(text, actor)
        assert answer.refused, text
        assert expected in answer.text, (text, answer.text)
    assert await audit_actions(services, session.place_id) == before
    seminar = await services.seminars.seminar(session.place_id)
    assert seminar.title == "Theoretical Advances in Deep Learning"
    assert seminar.capacity == 3


async def test_without_a_seminar_every_command_says_how_to_start(session: Session) -> None:
    answer = await session.run("/seminar", await session.student("alice"))
    assert answer.refused
    assert "An organiser can create one with `/admin setup`." in answer.text


async def test_core_refusals_name_people_in_the_platforms_way(session: Session) -> None:
    await set_up(session)
    await session.run("/admin paper add code:wei-ma-2019 title:One")
    alice, bob = await session.student("alice"), await session.student("bob")
    for student in (alice, bob):
        await session.run("/join", student)
    assert not (await session.run("/admin assign set alice wei-ma-2019")).refused
    clash = await session.run("/admin assign set bob wei-ma-2019")
    assert clash.refused
    assert "<@" not in clash.text
    assert "alice is already pinned to it" in clash.text
    assert "`/admin assign clear`" in clash.text


async def test_timezone_shows_sets_and_resets_the_readers_zone(
    session: Session, services: Services
) -> None:
    await set_up(session)
    alice = await session.student("alice")
    shown = await session.run("/timezone", alice)
    assert "the seminar's timezone, **Europe/Berlin**" in shown.text
    chosen = await session.run("/timezone Europe/Lisbon", alice)
    assert "Times are now shown in **Europe/Lisbon** (it is 11:00 there)" in chosen.text
    assert await services.identities.timezone(alice.account_id) == "Europe/Lisbon"
    assert "your timezone, **Europe/Lisbon**" in (await session.run("/timezone", alice)).text
    wrong = await session.run("/timezone zone:Mars/Olympus", alice)
    assert wrong.refused and "not a known timezone" in wrong.text
    assert await services.identities.timezone(alice.account_id) == "Europe/Lisbon"
    back = await session.run("/timezone seminar", alice)
    assert "seminar's timezone again, **Europe/Berlin**" in back.text
    assert await services.identities.timezone(alice.account_id) is None
