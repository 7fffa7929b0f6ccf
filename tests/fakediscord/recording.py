"""What the bot did, for assertions: waiting for effects, messages, DMs, requests, commands."""

# The public helpers take `timeout=` like asyncio.wait_for; that is the API tests want.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from typing import Any

from .interactions import FakeDiscordError, FakeInteraction, command_paths, find_command
from .models import FakeChannel, FakeMember, FakeMessage, FakeUser, RecordedRequest


class RecordingMixin:
    """Reading and waiting on what the fake recorded."""

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 10.0, *, what: str = "condition"
    ) -> Any:
        """Wait until predicate() is truthy (re-checked on every request/event); return it."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FakeDiscordError(
                    f"timed out after {timeout}s waiting for {what}\n{self.describe()}"
                )
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.1))

    async def settle(self, quiet: float | None = None, max_wait: float = 5.0) -> None:
        """Return once the bot has sent no request for `quiet` seconds (or after max_wait)."""
        quiet = self.settle_time if quiet is None else quiet
        end = time.monotonic() + max_wait
        while True:
            now = time.monotonic()
            idle = now - self.last_request_at
            if idle >= quiet or now >= end:
                return
            await asyncio.sleep(min(quiet - idle, end - now))

    def channel_messages(self, channel: FakeChannel | int | str) -> list[FakeMessage]:
        """Messages the bot posted in a guild channel (not interaction responses)."""
        ch = self._resolve_channel(channel)
        return [
            m
            for m in self.messages
            if m.channel_id == ch.id and m.kind == "channel" and not m.deleted
        ]

    def dms(self, user: FakeUser | FakeMember) -> list[FakeMessage]:
        """Messages the bot delivered to this user's DMs (failed sends are not here)."""
        uid = self._resolve_user(user).id
        return [
            m
            for m in self.messages
            if m.kind == "dm" and m.dm_recipient and m.dm_recipient.id == uid and not m.deleted
        ]

    async def wait_for_dm(
        self, user: FakeUser | FakeMember, count: int = 1, timeout: float = 5.0
    ) -> list[FakeMessage]:
        return await self.wait_for(
            lambda: (lambda ms: ms if len(ms) >= count else None)(self.dms(user)),
            timeout,
            what=f"{count} DM(s) to {self._resolve_user(user).username}",
        )

    async def wait_for_channel_message(
        self,
        channel: FakeChannel | int | str,
        predicate: Callable[[FakeMessage], bool] = lambda m: True,
        timeout: float = 5.0,
    ) -> FakeMessage:
        def check() -> FakeMessage | None:
            return next((m for m in self.channel_messages(channel) if predicate(m)), None)

        return await self.wait_for(check, timeout, what=f"a message in {channel!r}")

    def find_requests(
        self, method: str | None = None, path: str | None = None
    ) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method.upper())
            and (path is None or re.search(path, r.path))
        ]

    def pinging_messages(self) -> list[tuple[FakeMessage, dict[str, Any]]]:
        """Every non-ephemeral message that notifies anyone, with whom it notifies."""
        out = []
        for m in self.messages:
            p = m.pings()
            if p["everyone"] or p["users"] or p["roles"]:
                out.append((m, p))
        return out

    def assert_clean(self) -> None:
        """No unknown routes, no requests Discord would refuse, no late interaction answers."""
        problems = []
        if self.unhandled:
            problems.append(
                "unhandled routes:\n  " + "\n  ".join(r.short() for r in self.unhandled)
            )
        if self.rejected:
            problems.append("refused requests:\n  " + "\n  ".join(r.short() for r in self.rejected))
        if self.late_interactions:
            problems.append(
                "late interaction answers: " + ", ".join(i.label for i in self.late_interactions)
            )
        if problems:
            raise FakeDiscordError("\n".join(problems))

    def describe(self, interaction: FakeInteraction | None = None, last: int = 25) -> str:
        lines = ["--- fake discord ---"]
        s = self.session
        lines.append(
            f"gateway: {'connected' if s and s.conn else 'not connected'}, identifies="
            f"{len(self.identify_payloads)}, commands synced: {len(self.command_syncs)}"
        )
        if interaction is not None:
            lines.append(f"requests for {interaction.label}:")
            lines.extend("  " + r.short() for r in interaction.requests)
        if self.unhandled:
            lines.append("unhandled:")
            lines.extend("  " + r.short() for r in self.unhandled[-10:])
        if self.rejected:
            lines.append("rejected:")
            lines.extend("  " + r.short() for r in self.rejected[-10:])
        lines.append(f"last {last} requests:")
        lines.extend("  " + r.short() for r in self.requests[-last:])
        for hook in self.diagnostics:
            with contextlib.suppress(Exception):
                lines.append(hook())
        return "\n".join(lines)

    @property
    def commands_synced(self) -> bool:
        return bool(self.command_syncs)

    def synced_commands(self, *, dm: bool = False) -> list[dict[str, Any]]:
        """Commands a user sees: guild + global in the guild, global only in DMs."""
        glob = self.commands.get(None, [])
        if dm:
            return list(glob)
        guild = self.commands.get(self.guild.id, [])
        names = {c["name"] for c in guild}
        return [*guild, *[c for c in glob if c["name"] not in names]]

    def command_paths(self, *, dm: bool = False) -> list[str]:
        return command_paths(self.synced_commands(dm=dm))

    def command_schema(self, path: str) -> list[dict[str, Any]]:
        """The option schemas of an invocable command path, e.g. 'prefs set'."""
        return find_command(self.synced_commands(), path)[2]
