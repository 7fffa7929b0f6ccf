"""Benchmark: seminar-bot's footprint, start to ready and resident memory (not a test).

    python -m bench.footprint            # 200 students, 100 papers, 5 starts (~30 s)
    python -m bench.footprint --quick    # 20 students, 10 papers, 1 start (CI smoke)

The real bot process (`python -m bot`) against the local fake Discord, with a database
seeded through the services. Per start:
* start to ready: from spawning the process until the fake saw it identify on the
  gateway with its commands synced (what the e2e harness waits for); then also until
  the first heartbeat (on_ready has run and the database answered).
* resident memory of the idle bot (VmRSS from /proc, after the fake has seen no request
  for half a second), and its peak (VmHWM).
Printed: each start and the median, next to the targets of issue 12 (<= 2 s,
<= 100 MB). Then where the memory and the start time go: a fresh interpreter importing
only one library at a time, and the bot's modules (`bot.__main__`, `bot.discord.client` and every
cog), reporting VmRSS and wall time after the import.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/footprint.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import REPO_ROOT, Process, add_members, machine, proc_status_kib, seed
from tests.fakediscord import FakeDiscord

TARGET_READY_S = 2.0
TARGET_RSS_MB = 100.0
MB = 1024 * 1024

_WHOLE_BOT = (
    "import importlib, bot.__main__, bot.discord.client\n"
    "for name in bot.discord.client.EXTENSIONS: importlib.import_module(name)"
)
# Stand-ins for libraries the bot imports at start but needs only in one command, so a
# probe can show what importing them where they are used would save. Indexing with an
# int raises, so nothing iterates a stand-in forever.
_STUB = """
import sys, types
class Anything:
    def __getattr__(self, name): return self
    def __getitem__(self, key):
        if isinstance(key, int): raise IndexError(key)
        return self
    def __call__(self, *args, **kwargs): return self
    def __mro_entries__(self, bases): return (object,)
class Stub(types.ModuleType):
    def __getattr__(self, name): return Anything()
for name in {names!r}:
    sys.modules[name] = Stub(name)
"""
_SOLVER = (
    "numpy",
    "numpy.typing",
    "ortools",
    "ortools.graph",
    "ortools.graph.python",
    "ortools.graph.python.min_cost_flow",
)
_PARSERS = (
    "pypdf",
    "bibtexparser",
    "bibtexparser.model",
    "bibtexparser.entrypoint",
    "bibtexparser.middlewares",
    "bibtexparser.middlewares.names",
    "pylatexenc",
    "pylatexenc.latex2text",
    "pylatexenc.latexwalker",
    "pylatexenc.macrospec",
)

# What a fresh interpreter imports in each probe (see `import_probe`).
PROBES = (
    ("python alone", ""),
    ("discord.py", "import discord"),
    ("aiosqlite + APScheduler", "import aiosqlite, apscheduler.schedulers.asyncio"),
    ("pydantic-settings", "import pydantic_settings"),
    ("icalendar", "import icalendar"),
    ("numpy", "import numpy"),
    ("ortools min_cost_flow (+ numpy)", "import ortools.graph.python.min_cost_flow"),
    ("pypdf (hand-ins)", "import pypdf"),
    ("bibtexparser + pylatexenc (catalogue import)", "import bibtexparser, pylatexenc"),
    ("the whole bot (bot.__main__, bot.discord.client, every cog)", _WHOLE_BOT),
    (
        "the whole bot, numpy + ortools stubbed out (= the solver imported where used)",
        _STUB.format(names=_SOLVER) + _WHOLE_BOT,
    ),
    (
        "the whole bot, also pypdf, bibtexparser, pylatexenc stubbed out",
        _STUB.format(names=_SOLVER + _PARSERS) + _WHOLE_BOT,
    ),
)


@dataclass
class Start:
    ready: float
    heartbeat: float
    rss: int
    peak: int


async def one_start(workdir: Path, students: int, papers: int, index: int) -> Start:
    fake = FakeDiscord()
    await fake.start()
    try:
        seminar = add_members(fake, students, 0)
        heartbeat = workdir / f"heartbeat-{index}"
        process = Process(
            fake,
            workdir / f"start-{index}",
            env={"HEARTBEAT_PATH": str(heartbeat), "HEARTBEAT_INTERVAL_SECONDS": "0.1"},
        )
        await seed(fake, process.database_path, seminar, papers)
        ready = await process.start()
        try:
            await fake.wait_for(heartbeat.exists, 30, what="the first heartbeat")
            beat = time.monotonic() - process.started_at
            await fake.settle(quiet=0.5, max_wait=10)
            return Start(
                ready=ready,
                heartbeat=beat,
                rss=process.rss_bytes(),
                peak=proc_status_kib(process.pid, "VmHWM") * 1024,
            )
        finally:
            code = await process.stop()
            if code != 0:
                print(f"the bot exited with code {code}:\n{process.log_tail()}")
    finally:
        await fake.stop()


def import_probe(code: str) -> tuple[float, int] | str:
    """(wall seconds, VmRSS bytes) of a fresh interpreter after running `code`, or why
    the probe failed (a stand-in that no longer fits what the bot imports)."""
    script = (
        "import time; began = time.perf_counter()\n"
        f"{code}\n"
        "took = time.perf_counter() - began\n"
        "rss = next(l for l in open('/proc/self/status') if l.startswith('VmRSS:'))\n"
        "print(took, int(rss.split()[1]) * 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["no output"])[-1]
    took, rss = done.stdout.split()
    return float(took), int(rss)


async def run_bench(students: int, papers: int, starts: int, probes: bool) -> list[Start]:
    print(f"machine: {machine()}")
    print(
        f"seminar-bot (python -m bot) against the local fake Discord; a seminar of "
        f"{students} registered students and {papers} papers; {starts} start(s)"
    )
    results: list[Start] = []
    with tempfile.TemporaryDirectory(prefix="bench-footprint-") as tmp:
        for index in range(starts):
            start = await one_start(Path(tmp), students, papers, index)
            results.append(start)
            print(
                f"  start {index + 1}: ready {start.ready:.2f} s, first heartbeat "
                f"{start.heartbeat:.2f} s, idle RSS {start.rss / MB:.1f} MB "
                f"(peak {start.peak / MB:.1f} MB)"
            )
    ready = statistics.median(s.ready for s in results)
    beat = statistics.median(s.heartbeat for s in results)
    rss = statistics.median(s.rss for s in results) / MB
    print(
        f"start to ready, median: {ready:.2f} s (target <= {TARGET_READY_S:g} s); "
        f"to the first heartbeat {beat:.2f} s"
    )
    print(f"idle resident memory, median: {rss:.1f} MB (target <= {TARGET_RSS_MB:g} MB)")
    if probes:
        print("where it goes: a fresh interpreter importing only …")
        for label, code in PROBES:
            probe = import_probe(code)
            if isinstance(probe, str):
                print(f"  (probe failed: {probe})  {label}")
                continue
            took, probe_rss = probe
            print(f"  {probe_rss / MB:6.1f} MB  {took:5.2f} s  {label}")
    print(f"done; {machine()}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size, seconds")
    parser.add_argument("--starts", type=int, help="how many starts (median reported)")
    args = parser.parse_args()
    students, papers, starts = (20, 10, 1) if args.quick else (200, 100, 5)
    asyncio.run(run_bench(students, papers, args.starts or starts, probes=not args.quick))


if __name__ == "__main__":
    main()
