"""End-to-end harness: a fake Discord server and the real bot process (`python -m bot`).

Fixtures
  fake  a started FakeDiscord (tests/fakediscord) on 127.0.0.1, stopped afterwards
  bot   a BotProcess: the real bot, started against `fake` with a temporary database and
        waited for until it identified and synced its commands. `await bot.restart()`,
        `bot.kill9()`, `await bot.stop()`; the log is bot.log_path. Teardown stops it
        (SIGTERM, exit code must be 0) and checks that no process of its group survives.
On a failing test the tail of the bot log and the fake's recent requests are added to the
report.
"""

# The public helpers take `timeout=` like asyncio.wait_for; that is the API tests want.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import pytest

from tests.childbot import bot_environment
from tests.fakediscord import FakeDiscord, FakeDiscordError

_LOG_NOISE = (
    " aiosqlite: ",
    "discord.client: Dispatching event",
    "discord.gateway: Keeping shard ID",
    "discord.gateway: For Shard ID None: WebSocket Event: {'op': 11",
)

_BOT_KEY = pytest.StashKey["BotProcess"]()
QUIET_START_SECONDS = 0.75
MAX_PACE = 10.0
_FAKE_KEY = pytest.StashKey[FakeDiscord]()


class BotProcess:
    """The real bot as a subprocess, pointed at a FakeDiscord."""

    def __init__(self, fake: FakeDiscord, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.fake = fake
        self.workdir = workdir
        self.database_path = workdir / "seminar.db"
        self.heartbeat_path = workdir / "heartbeat"
        self.log_path = workdir / "bot.log"
        self.extra_env = dict(env or {})
        self.proc: asyncio.subprocess.Process | None = None
        self.pgid: int | None = None
        self.starts = 0
        self._killed = False
        self.exit_codes: list[int] = []
        # Seconds each start took until ready: how busy this machine is right now.
        self.start_seconds: list[float] = []

    # ------------------------------------------------------------------ state

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None and not self._killed

    @property
    def pace(self) -> float:
        """How many times slower than a quiet machine this one runs now, from the bot's
        own start-ups (about 0.5 s when idle). Tests that race the clock stretch their
        windows by it instead of failing on a busy machine."""
        slowest = max(self.start_seconds, default=QUIET_START_SECONDS)
        return min(MAX_PACE, max(1.0, slowest / QUIET_START_SECONDS))

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def env(self) -> dict[str, str]:
        env = bot_environment()
        env.update(self.fake.env())
        env.update(
            {
                "DATABASE_PATH": str(self.database_path),
                "LOG_LEVEL": "DEBUG",
                "HEARTBEAT_PATH": str(self.heartbeat_path),
                # The default 30 s would make a test wait that long for the first touch.
                "HEARTBEAT_INTERVAL_SECONDS": "1",
                "PYTHONFAULTHANDLER": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 80, *, everything: bool = False) -> str:
        """The last lines of the bot log, without DEBUG chatter of aiosqlite and
        discord.py's event dispatching unless `everything`."""
        kept = [
            line if everything or len(line) <= 400 else line[:400] + " …"
            for line in self.log_text().splitlines()
            if everything or not any(noise in line for noise in _LOG_NOISE)
        ]
        return "\n".join([*kept[-lines:], f"(full log: {self.log_path})"])

    def _fail(self, message: str) -> FakeDiscordError:
        return FakeDiscordError(f"{message}\n--- bot log (tail) ---\n{self.log_tail(60)}")

    # ------------------------------------------------------------------ control

    async def start(self, timeout: float = 30.0) -> None:
        """Start `python -m bot` and wait until it is connected with its commands synced."""
        if self.running:
            raise RuntimeError("the bot is already running")
        if self.proc is not None:
            await self._reap()
        self.starts += 1
        generation = self.fake.ready_generation
        began = time.monotonic()
        with self._open_log() as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                cwd=self.workdir,  # not the checkout: its .env is not the test's
                env=self.env(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        self.pgid = self.proc.pid
        ready = asyncio.ensure_future(
            self.fake.wait_until_ready(timeout, after_generation=generation)
        )
        exited = asyncio.ensure_future(self.proc.wait())
        try:
            await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (ready, exited):
                if not task.done():
                    task.cancel()
            with contextlib.suppress(BaseException):
                await exited
        if ready.done() and not ready.cancelled() and ready.exception() is None:
            self.start_seconds.append(time.monotonic() - began)
            return
        if self.proc.returncode is not None:
            await self._reap()
            with contextlib.suppress(BaseException):
                ready.exception()
            raise self._fail(f"the bot exited with code {self.proc.returncode} before it was ready")
        error = ready.exception()
        self._kill_group(signal.SIGKILL)
        await self._reap()
        raise self._fail(f"the bot did not become ready within {timeout}s: {error}")

    def _open_log(self) -> IO[bytes]:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed by the caller's with
        log.write(f"\n===== harness: start #{self.starts} =====\n".encode())
        log.flush()
        return log

    async def stop(self, timeout: float = 15.0, *, expect_code: int | None = 0) -> int:
        """SIGTERM, wait, and (by default) require exit code 0. Returns the exit code."""
        if self.proc is None:
            raise RuntimeError("the bot was never started")
        if self.running:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self._kill_group(signal.SIGKILL)
                await self._reap()
                raise self._fail(f"the bot did not exit within {timeout}s of SIGTERM") from None
        code = await self._reap()
        if expect_code is not None and code != expect_code:
            raise self._fail(
                f"the bot exited with code {code} after SIGTERM (expected {expect_code})"
            )
        return code

    async def restart(self, timeout: float = 30.0) -> None:
        """Graceful stop (exit code 0 required), then start again with the same database."""
        await self.stop()
        await self.start(timeout)

    def kill9(self) -> None:
        """SIGKILL the bot (and anything it started): a crash. `start()` works afterwards."""
        self._kill_group(signal.SIGKILL)
        self._killed = True

    async def _reap(self) -> int:
        assert self.proc is not None
        code = await self.proc.wait()
        self._killed = False
        if len(self.exit_codes) < self.starts:
            self.exit_codes.append(code)
        self._check_orphans()
        return code

    def _kill_group(self, sig: signal.Signals) -> None:
        if self.pgid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pgid, sig)

    def _check_orphans(self) -> None:
        """The bot's process group must be empty once the bot has exited."""
        if self.pgid is None:
            return
        try:
            os.killpg(self.pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        self._kill_group(signal.SIGKILL)
        raise self._fail("processes started by the bot were still running after it exited")

    async def close(self) -> None:
        """Teardown: graceful stop if still running; never leaves a process behind."""
        try:
            if self.running:
                await self.stop()
        finally:
            self._kill_group(signal.SIGKILL)
            if self.proc is not None and self.proc.returncode is None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.proc.wait(), 5)

    async def wait_for_heartbeat(self, timeout: float = 10.0) -> float:
        """Wait until the bot touched HEARTBEAT_PATH; returns its mtime."""
        await self.fake.wait_for(self.heartbeat_path.exists, timeout, what="the heartbeat file")
        return self.heartbeat_path.stat().st_mtime


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if report.failed:
        bot = item.stash.get(_BOT_KEY, None)
        if bot is not None:
            report.sections.append(("bot log (tail)", bot.log_tail(80)))
        fake = item.stash.get(_FAKE_KEY, None)
        if fake is not None:
            with contextlib.suppress(Exception):
                report.sections.append(("fake discord", fake.describe(last=40)))
    return report


@pytest.fixture
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    request.node.stash[_FAKE_KEY] = server
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(
    fake: FakeDiscord, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[BotProcess]:
    process = BotProcess(fake, tmp_path)
    request.node.stash[_BOT_KEY] = process
    fake.diagnostics.append(lambda: "--- bot log (tail) ---\n" + process.log_tail(40))
    try:
        await process.start()
        yield process
    finally:
        await process.close()
