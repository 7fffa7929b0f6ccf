"""What the process benchmarks share: a bot process against the fake Discord, the
seeded seminar, and readings from /proc.

Not a test fixture: tests/e2e/conftest.py has the pytest one (BotProcess); this one
starts any module (`bot`, or `bench.bare_bot`), logs at INFO rather than DEBUG (DEBUG
logs every gateway payload, which would be most of what a benchmark measured), and
reads CPU time and memory of the process.
"""

# `timeout=` parameters as in asyncio.wait_for, like the e2e harness.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tests.childbot import bot_environment
from tests.fakediscord import FakeDiscord, FakeMember

REPO_ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


class BenchError(RuntimeError):
    """The benchmark could not run (a process did not start, the seed failed, …)."""


@dataclass
class Process:
    """`python -m <module>` pointed at `fake`, in its own process group."""

    fake: FakeDiscord
    workdir: Path
    module: str = "bot"
    argv: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    proc: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    ready_after: float = 0.0
    database_thread: int | None = None  # native id, read from the log on first use

    @property
    def database_path(self) -> Path:
        return self.workdir / "seminar.db"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.module}.log"

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise BenchError(f"{self.module} is not running")
        return self.proc.pid

    def _env(self) -> dict[str, str]:
        env = bot_environment()
        env.update(self.fake.env())
        env.update(
            {
                "DATABASE_PATH": str(self.database_path),
                "LOG_LEVEL": "INFO",
            }
        )
        env.update(self.env)
        return env

    async def start(self, timeout: float = 60.0) -> float:
        """Start the process; returns seconds from spawn until the fake saw it identify
        on the gateway with its commands synced (what the e2e harness calls ready)."""
        generation = self.fake.ready_generation
        self.database_thread = None
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self._open_log() as log:
            self.started_at = time.monotonic()
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.argv,
                "-m",
                self.module,
                cwd=self.workdir,  # not the checkout: its .env is not the benchmark's
                env=self._env(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        ready = asyncio.ensure_future(
            self.fake.wait_until_ready(timeout, after_generation=generation)
        )
        exited = asyncio.ensure_future(self.proc.wait())
        await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        self.ready_after = time.monotonic() - self.started_at
        for task in (ready, exited):
            task.cancel()
        with contextlib.suppress(BaseException):
            await exited
        if ready.cancelled() or ready.exception() is not None:
            await self.kill()
            raise BenchError(f"{self.module} did not become ready:\n{self.log_tail()}")
        return self.ready_after

    def _open_log(self) -> IO[bytes]:
        return open(self.log_path, "ab")

    async def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM and wait; returns the exit code (SIGKILL after `timeout`)."""
        if self.proc is None:
            return 0
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                await self.kill()
        code = await self.proc.wait()
        self._kill_group()
        return code

    async def kill(self) -> None:
        self._kill_group()
        if self.proc is not None:
            await self.proc.wait()

    def _kill_group(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (all its threads)."""
        return cpu_seconds(self.pid)

    def cpu_split(self) -> CpuSplit:
        """CPU seconds so far of the event loop's thread, the database thread and the
        whole process (all threads, those that ended included)."""
        pid = self.pid
        if self.database_thread is None:
            self.database_thread = _database_thread(self.log_path)
        return CpuSplit(
            loop=_stat_cpu(f"/proc/{pid}/task/{pid}/stat"),
            database=_thread_cpu(pid, self.database_thread),
            total=cpu_seconds(pid),
        )

    def rss_bytes(self) -> int:
        return proc_status_kib(self.pid, "VmRSS") * 1024


@dataclass(frozen=True)
class CpuSplit:
    """CPU seconds by thread: the event loop (the main thread), the database thread
    (0 for a process without one) and the whole process; `others` is the rest
    (discord.py's heartbeat thread, executor threads)."""

    loop: float
    database: float
    total: float

    @property
    def others(self) -> float:
        return self.total - self.loop - self.database

    def __sub__(self, before: CpuSplit) -> CpuSplit:
        return CpuSplit(
            self.loop - before.loop, self.database - before.database, self.total - before.total
        )


_DATABASE_THREAD = re.compile(rb"database .* open on thread (\d+)")


def _database_thread(log_path: Path) -> int | None:
    """The database thread's id, from the line the bot logs when its database opened."""
    try:
        found = _DATABASE_THREAD.findall(log_path.read_bytes())
    except OSError:
        return None
    return int(found[-1]) if found else None  # the log is appended to on every start


def _thread_cpu(pid: int, tid: int | None) -> float:
    if tid is None:
        return 0.0
    try:
        return _stat_cpu(f"/proc/{pid}/task/{tid}/stat")
    except OSError:  # the thread has ended
        return 0.0


def cpu_seconds(pid: int) -> float:
    return _stat_cpu(f"/proc/{pid}/stat")


def _stat_cpu(stat_path: str) -> float:
    """utime + stime of a /proc stat file (a process: all its threads; a task: one)."""
    # Field 2 (comm) may contain spaces; everything after its closing ')' splits cleanly.
    stat = Path(stat_path).read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


def proc_status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise BenchError(f"/proc/{pid}/status has no {key}")


def machine() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average (1/5/15 min) {load}"


# -- the seeded seminar ---------------------------------------------------------------------


@dataclass
class Seminar:
    """Who is in the fake guild and what the seminar database holds."""

    students: list[FakeMember]  # registered
    outsiders: list[FakeMember]  # guild members who have not joined (for /join)
    codes: list[str]  # paper codes


def add_members(fake: FakeDiscord, students: int, outsiders: int) -> Seminar:
    return Seminar(
        students=[fake.add_member(f"student{i:05d}") for i in range(students)],
        outsiders=[fake.add_member(f"newcomer{i:05d}") for i in range(outsiders)],
        codes=[],
    )


async def seed(fake: FakeDiscord, database: Path, seminar: Seminar, papers: int) -> None:
    """The seminar, its catalogue and its registrations, written through the services
    (the same code paths as `/admin setup`, `/admin paper add` and `/join`)."""
    from bot.core.clock import SystemClock
    from bot.core.models import PaperFields
    from bot.core.services import Services
    from bot.store.database import Database

    db = await Database.open(database)
    try:
        services = Services.build(db, SystemClock())
        guild = fake.guild.id
        organiser = fake.organiser.id
        await services.seminars.setup(
            guild,
            organiser,
            title="Theoretical Advances in Deep Learning",
            term="Winter 2026/27",
            channel_id=fake.general.id,
            organiser_role_id=fake.organiser_role.id,
            capacity=max(1, len(seminar.students)),
        )
        topics = ("generalisation", "optimisation", "kernels", "expressivity", "robustness")
        seminar.codes = []
        for k in range(papers):
            added = await services.papers.add(
                guild,
                organiser,
                PaperFields(
                    code=f"paper-{k:04d}",
                    title=f"On the theory of deep networks, part {k}",
                    authors="A. Author, B. Author and C. Author",
                    venue=f"NeurIPS {2015 + k % 10}",
                    url=f"https://example.org/papers/{k}",
                    topic=topics[k % len(topics)],
                ),
            )
            seminar.codes.append(added.code)
        for member in seminar.students:
            await services.registration.join(guild, member.id, member.name)
    finally:
        await db.close()
