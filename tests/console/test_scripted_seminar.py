"""A whole seminar through the real `python -m bot console --demo`, stdin piped.

`data/seminar.txt` is the script a user could pipe through `make demo`: the
organiser's setup, a new student, preferences, the assignment, de-registration,
hand-ins, the block seminar and final grades, with `advance` moving the demo's
clock so every reminder shows up on its day. The assertions are what a user sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bot.console.screen import visible_len

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
# Generous: the script takes a few seconds; this only stops a hung process.
TIMEOUT = 180


def console(
    home: Path, script: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The console as `make demo` runs it: from the repository, stdin piped."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DISCORD_", "DATABASE_"))
    }
    environment.update({"HOME": str(home), "PYTHONPATH": str(ROOT)}, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=TIMEOUT,
        check=False,
    )


def test_a_whole_seminar_from_setup_to_final_grades(tmp_path: Path) -> None:
    script = (DATA / "seminar.txt").read_text(encoding="utf-8")
    assert len(script.splitlines()) <= 45
    started = time.perf_counter()
    result = console(tmp_path, script, "--demo", "--files", str(tmp_path / "out"))
    elapsed = time.perf_counter() - started
    print(f"scripted seminar: {elapsed:.2f} s wall time")  # the figure for the report
    out = result.stdout
    # Messages wrap at 80 columns; phrases are looked for in the text unwrapped.
    flat = " ".join(out.split())
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr

    # Each command is shown, after the prompt of whoever typed it.
    for expected in (
        "organiser> /admin paper import file:tests/console/data/papers.bib",
        "zoe> /join",
        "leo> /leave",
        "alice> /submit kind:report file:tests/console/data/report.pdf",
        "organiser> /admin grade member:alice report:1.3 presentation:1.0",
    ):
        assert expected in out
    assert "# A whole seminar" not in out  # comments are not echoed

    # Setup and catalogue.
    assert "2 added, 0 updated, 0 unchanged, 0 refused." in out
    assert "Welcome! You are registered for Theoretical Advances in Deep Learning" in flat

    # Preference reminders, in order, on their days, only to those without a ranking.
    week, day, hours = (
        out.index("── Mon 2026-08-24 23:59 CEST ──"),
        out.index("── Sun 2026-08-30 23:59 CEST ──"),
        out.index("── Mon 2026-08-31 21:59 CEST ──"),
    )
    assert week < day < hours < out.index("organiser> /admin assign run")
    assert flat.count("[DM kim, leo] ⏰ Reminder for Theoretical Advances in Deep Learning") == 3
    assert out.count("[#seminar] ⏰ Reminder") >= 3

    # The published assignment: a channel post and a DM per student.
    publish = out.index("organiser> /admin assign publish")
    assert out.index("Confirm? [y/N] y", publish) < out.index("[#seminar] 📋", publish)
    assert "[DM zoe] 📋 Your paper in Theoretical Advances in Deep Learning" in flat

    # After the de-registration deadline, leaving is refused (and the script goes on).
    assert "has passed, so you cannot leave with `/leave` any more" in flat

    # Hand-in receipts; later reminders skip who handed in.
    assert out.count("Received: ") == 2
    # The week-before report reminder: posted in the channel, then DMs to who has not.
    post = flat.index("the report (PDF) deadline is Fri 2027-01-15 23:59 CET (Europe/Berlin, in 7")
    tag = flat[flat.index("[DM", post) : flat.index("]", flat.index("[DM", post))]
    assert "bob" in tag and "alice" not in tag

    # Block seminar: everyone the day before, each presenter before their talk.
    assert "📅 Block seminar of Theoretical Advances in Deep Learning, day 1, is tomorrow" in flat
    assert "🎤 Your talk in Theoretical Advances in Deep Learning is tomorrow" in flat
    assert "It is now 2027-02-15 09:00 CET (Europe/Berlin, Monday)." in out

    # Grades and the files the bot sent.
    assert "Final grade 1.0 (0.4 × 1.3 + 0.6 × 1.0" in flat
    assert "No final grade yet: the presentation grade is missing." in flat
    files = tmp_path / "out"
    grades = (files / "grades.csv").read_text(encoding="utf-8")
    assert "alice" in grades and "1.0" in grades
    assert (files / "seminar.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert '"bob"' in (files / "mydata.json").read_text(encoding="utf-8")

    # 80 columns, no colour through a pipe (an echoed command is shown as typed).
    assert "\x1b[" not in out
    too_wide = [
        line for line in out.splitlines() if visible_len(line) > 80 and ">" not in line[:12]
    ]
    assert too_wide == []


def test_without_demo_it_opens_the_configured_database(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/seminar",
            "/admin setup title:Reading group",
            "/admin announce post message:Hello from the shell",
            "advance 1d",
            "now",
            "as alice",
            "/join",
        ]
    )
    database = {"DATABASE_PATH": str(tmp_path / "real.db")}
    result = console(tmp_path, script, env=database)
    assert result.returncode == 0, result.stderr
    assert "No seminar is set up" in result.stdout
    assert "Reading group" in result.stdout.split("organiser> /admin setup")[1]
    # On a real database the clock is the wall clock: no fast-forward.
    assert "`advance` would send reminders early" in result.stdout
    assert (tmp_path / "real.db").exists()
    # The wall-clock scheduler posts the announcement (before the console exits).
    assert "[#seminar] 📣 Hello from the shell" in result.stdout
    # The next session finds the same seminar and the same people.
    again = console(tmp_path, "/admin participants\nas alice\n/join\n", env=database)
    assert again.returncode == 0, again.stderr
    assert "• alice" in again.stdout
    assert "You are already registered for Reading group" in again.stdout
