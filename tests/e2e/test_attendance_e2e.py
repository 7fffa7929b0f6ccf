"""A block-seminar day end to end: the real bot process against the fake Discord.

The programme is scheduled to start in a few minutes, so talk 1's check-in window
(from 10 minutes before its start) is open at once and nothing waits for the clock.
The organiser reads talk 1's code off `/admin attendance show` (as the presenter
would put it on a slide); students check in with `/attend`; a guess, a second
check-in and the presenter's own check-in are refused and logged. The organiser
records an absence from talk 2, `/admin grade` then says "attendance incomplete",
an excuse settles it and the final grade appears. The CSV export and `/mydata`
hold the day.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.test_talks_e2e import BERLIN, fields, papers_csv, private
from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.e2e

CODE_IN_FIELD = re.compile(r"^#(\d+) (\S+) · code ([2-9A-Z]{5})")


def soon() -> datetime:
    """A whole minute between 3 and 4 minutes from now (Berlin): talk 1's window is open."""
    at = datetime.now(BERLIN) + timedelta(minutes=4)
    return at.replace(second=0, microsecond=0)


async def test_block_seminar_day(fake: FakeDiscord, bot: BotProcess) -> None:
    org = fake.organiser
    private(
        await fake.command(
            "admin setup",
            user=org,
            title="Theoretical Advances in Deep Learning",
            channel=fake.announcements,
            organiser_role=fake.organiser_role,
            capacity=10,
            pref_count=1,
        )
    )
    private(
        await fake.command(
            "admin paper import", user=org, file=fake.add_attachment("p.csv", papers_csv())
        )
    )
    ada, ben, cleo = (fake.add_member(name) for name in ("ada", "ben", "cleo"))
    for member, code in ((ada, "jacot-2018"), (ben, "chizat-2019")):
        private(await fake.command("join", user=member))
        private(await fake.command("admin assign set", user=org, member=member, paper=code))
    private(await fake.command("join", user=cleo))
    private(await fake.command("admin assign run", user=org, seed=1))
    asked = private(await fake.command("admin assign publish", user=org))
    assert "Published preview" in (await fake.click(asked, "Publish")).plain

    # Talk 1 (ada, jacot-2018) in a few minutes, talk 2 (ben) the next day, same time.
    start = soon()
    if start.hour * 60 + start.minute + 20 > 24 * 60:
        pytest.skip("a talk starting now would run past midnight (refused by design)")
    resp = private(
        await fake.command(
            "admin talks schedule",
            user=org,
            start=start.strftime("%Y-%m-%d %H:%M"),
            talk_minutes=20,
            break_minutes=30,
            per_day=1,
        )
    )
    assert "2 talks over 2 days" in resp.plain, resp

    # --- the organiser sees the codes ----------------------------------------------------
    shown = private(await fake.command("admin attendance show", user=org))
    codes = {}
    for name in fields(shown):
        found = CODE_IN_FIELD.match(name)
        if found:
            codes[int(found.group(1))] = (found.group(2), found.group(3))
    assert [paper for paper, _ in codes.values()] == ["jacot-2018", "chizat-2019"]
    code = codes[1][1]
    assert "· open" in next(n for n in fields(shown) if n.startswith("#1 "))

    # --- check-ins ------------------------------------------------------------------------
    guess = "22222" if code != "22222" else "33333"
    wrong = private(await fake.command("attend", user=cleo, code=guess))
    assert "is not the code of the talk open for check-in now" in wrong.plain
    assert code not in wrong.plain
    done = private(await fake.command("attend", user=cleo, code=code.lower()))
    assert "Checked in to talk 1" in done.plain and f"<@{ada.id}>" in done.text
    again = private(await fake.command("attend", user=cleo, code=code))
    assert "already checked in to talk 1" in again.plain
    own = private(await fake.command("attend", user=ada, code=code))
    assert "presenters do not check in to their own talk" in own.plain
    early = private(await fake.command("attend", user=ben, code=codes[2][1]))
    assert "is not the code" in early.plain  # talk 2's window is not open yet
    private(await fake.command("attend", user=ben, code=code))

    shown = private(await fake.command("admin attendance show", user=org))
    page = fields(shown)
    talk_one = next(v for n, v in page.items() if n.startswith("#1 "))
    assert "✅ 2 checked in" in talk_one and "not yet 0" in talk_one
    refused = next(v for n, v in page.items() if n.startswith("Refused check-ins (4"))
    assert "wrong code" in refused and "own talk" in refused and "already recorded" in refused

    # --- an absence holds back the grade until it is excused -----------------------------
    private(
        await fake.command(
            "admin attendance set", user=org, member=cleo, talk="chizat-2019", present=False
        )
    )
    graded = private(
        await fake.command("admin grade", user=org, member=cleo, report="1.3", presentation="1.7")
    )
    assert "Attendance incomplete" in graded.plain and "1 talk missed" in graded.plain
    missed = fields(private(await fake.command("admin attendance show", user=org)))
    assert f"<@{cleo.id}>: 1" in missed["Missed talks (not excused)"]
    excused = private(
        await fake.command(
            "admin attendance excuse", user=org, member=cleo, talk="2", reason="exam elsewhere"
        )
    )
    assert "Excused" in excused.plain and "exam elsewhere" in excused.plain
    graded = private(await fake.command("admin grade", user=org, member=cleo, report="1.3"))
    assert "Final grade 1.7" in graded.plain

    # --- the CSV and /mydata ---------------------------------------------------------------
    resp = private(await fake.command("admin export", user=org, what="attendance"))
    ((name, data),) = resp.files
    assert name == "attendance.csv"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    status = {(r["account"], r["talk"]): (r["status"], r["excuse"]) for r in rows}
    assert status[(str(cleo.id), "1")] == ("present", "")
    assert status[(str(cleo.id), "2")] == ("excused", "exam elsewhere")
    assert status[(str(ben.id), "1")] == ("present", "")
    assert (str(ada.id), "1") not in status  # no row for one's own talk

    resp = private(await fake.command("mydata", user=cleo, action="export"))
    ((name, data),) = resp.files
    mine = json.loads(data)["attendance"]
    assert [(e["talk"]["talk"], e["present"]) for e in mine["entries"]] == [(1, True), (2, False)]
    assert [a["reason"] for a in mine["refused_attempts"]] == ["wrong_code", "again"]
    assert fake.pinging_messages() == []
    fake.assert_clean()
