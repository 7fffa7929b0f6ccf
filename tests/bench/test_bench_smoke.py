"""The benchmarks at smoke size, so they keep working (issue 12 item 5).

Nothing here asserts a timing: the figures depend on the machine and its load. What is
asserted: each benchmark runs to the end, the bots answered, and seminar-bot lost no
acknowledged ranking or registration.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import footprint, interactions

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


async def test_interactions_bench_runs_and_loses_no_ranking(tmp_path: Path) -> None:
    config = interactions.Config(
        students=12,
        papers=6,
        count=12,
        rate=200.0,
        rounds=1,
        profile=tmp_path / "profile",
        what_if=True,
    )
    printed: list[str] = []

    runs = await interactions.run_bench(config, tmp_path / "work", out=printed.append)

    ran = {(run.bot, run.command, run.mode) for run in runs}
    assert ran == {
        (bot, command, mode)
        for bot in ("bot", "bare", "bot-1hop")
        for command in interactions.COMMANDS
        for mode in ("burst", "paced")
    }
    assert all(run.answered > 0 for run in runs), "\n".join(printed)
    written = [run for run in runs if run.bot != "bare" and run.command in ("prefs", "join")]
    assert [run.lost for run in written] == [0] * len(written), "\n".join(printed)
    text = "\n".join(printed)
    assert "ratio bot/bare" in text
    assert "cpu ms/answer by thread: loop" in text  # the split by thread was printed
    assert "aiosqlite round trips:" in text  # the profiled burst was summarised


async def test_footprint_bench_runs() -> None:
    starts = await footprint.run_bench(students=10, papers=5, starts=1, probes=False)

    assert len(starts) == 1
    assert starts[0].rss > 0


@pytest.mark.parametrize("module", ["bench.assign", "bench.reminders", "bench.hops"])
def test_older_benchmarks_run_quick(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--quick"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
