"""The real bot (`python -m bot`) as a subprocess, logged in to the test Synapse."""

# ruff: noqa: ASYNC109, ASYNC230

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from tests.childbot import bot_environment
from tests.synapse_harness import RegisteredUser, SynapseServer

READY = "Matrix front end ready"


class MatrixBot:
    def __init__(self, server: SynapseServer, account: RegisteredUser, workdir: Path) -> None:
        self.server = server
        self.account = account
        self.workdir = workdir
        self.database_path = workdir / "seminar.db"
        self.log_path = workdir / "bot.log"
        self.heartbeat_path = workdir / "heartbeat"
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def user_id(self) -> str:
        return self.account.user_id

    def env(self) -> dict[str, str]:
        env = bot_environment()
        env.update(self.server.bot_env(self.account))
        env.update(
            {
                "DATABASE_PATH": str(self.database_path),
                "LOG_LEVEL": "DEBUG",
                "HEARTBEAT_PATH": str(self.heartbeat_path),
            }
        )
        return env

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        kept = [line[:400] for line in self.log_text().splitlines() if "aiosqlite" not in line]
        return "\n".join(kept[-lines:])

    async def start(self, timeout: float = 30.0) -> None:
        """Start `python -m bot`; return once it has logged in and synced once."""
        self.starts += 1
        marker = f"===== start #{self.starts} ====="
        with open(self.log_path, "ab") as log:
            log.write(f"\n{marker}\n".encode())
            log.flush()
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
        deadline = time.monotonic() + timeout
        while True:
            text = self.log_text()
            if READY in text[text.rindex(marker) :]:
                return
            if self.proc.returncode is not None:
                raise AssertionError(
                    f"the bot exited with {self.proc.returncode}\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot was not ready within {timeout}s\n{self.log_tail()}")
            await asyncio.sleep(0.05)

    async def stop(self, timeout: float = 15.0) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.proc.wait(), timeout)
        return self.proc.returncode or 0

    async def kill9(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        await self.proc.wait()

    async def close(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            try:
                await self.stop()
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
