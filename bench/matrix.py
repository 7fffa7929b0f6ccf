"""Benchmark of the Matrix front end against a real Synapse (not a test).

    python -m bench.matrix roundtrip [--count 200]
    python -m bench.matrix dms [--count 500] [--default-limits]
    python -m bench.matrix dms --homeserver URL --secret S    # a server of your own

Without --homeserver a loopback Synapse is started (tests/synapse_harness, `make
synapse`), rate limits raised unless --default-limits; `bcrypt_rounds: 4` makes
registering 500 students quick and changes nothing measured. A homeserver of your
own must allow registration with the shared secret `S`. The bot runs in this process (the real
MatrixFrontEnd, services and command layer on a temporary database).

roundtrip: a student types `!prefs set a b c` in the seminar room; timed from
  sending it until the student's own /sync long-poll sees the bot's private
  answer in their DM room; p50/p99 over `count`.
dms: `count` students, one reminder DM each through the Matrix outbox, 8 at a
  time as the dispatcher fans out (cold: each DM room is created first). Run it
  against a homeserver with Synapse's default rate limits and a raised one.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from bot.commands.context import Limits
from bot.commands.layer import CommandLayer
from bot.core.clock import SystemClock
from bot.core.models import Platform
from bot.core.reminders import Notice
from bot.core.services import Services
from bot.matrix.client import MatrixConfig
from bot.matrix.frontend import MatrixFrontEnd
from bot.matrix.identity import Identities
from bot.store.database import Database


class MemoryIdentities:
    """Until services.identities exists on this branch: ids in memory (bench only)."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, Platform, str], int] = {}
        self.counter = itertools.count(1)

    async def account(self, platform: Platform, external_id: str) -> int:
        return self.ids.setdefault(("a", platform, external_id), -next(self.counter))

    async def place(self, platform: Platform, external_id: str) -> int:
        return self.ids.setdefault(("p", platform, external_id), -next(self.counter))

    async def _external(self, kind: str, wanted: int) -> tuple[Platform, str] | None:
        for (k, platform, external), value in self.ids.items():
            if k == kind and value == wanted:
                return platform, external
        return None

    async def external_account(self, account_id: int) -> tuple[Platform, str] | None:
        return await self._external("a", account_id)

    async def external_place(self, place_id: int) -> tuple[Platform, str] | None:
        return await self._external("p", place_id)

    async def timezone(self, account_id: int) -> str | None:
        return None


async def register(
    session: aiohttp.ClientSession, base: str, secret: str, user: str
) -> tuple[str, str]:
    url = f"{base}/_synapse/admin/v1/register"
    async with session.get(url) as response:
        nonce = (await response.json())["nonce"]
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    mac.update(b"\x00".join([nonce.encode(), user.encode(), b"pw-" + user.encode(), b"notadmin"]))
    body = {"nonce": nonce, "username": user, "password": f"pw-{user}", "mac": mac.hexdigest()}
    async with session.post(url, json=body) as response:
        data = await response.json()
        if response.status != 200:
            raise RuntimeError(f"registering {user}: {data}")
        return str(data["user_id"]), str(data["access_token"])


class Student:
    """A bare client: one long-poll at a time, every timeline event timestamped."""

    def __init__(self, session: aiohttp.ClientSession, base: str, user: str, token: str):
        self.session, self.base, self.user_id, self.token = session, base, user, token
        self.since: str | None = None
        self.seen: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def request(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.session.request(
            method, self.base + path, json=body, params=params, headers=headers
        ) as response:
            return await response.json()

    async def sync_forever(self) -> None:
        while True:
            params = {"timeout": "30000"}
            if self.since:
                params["since"] = self.since
            data = await self.request("GET", "/_matrix/client/v3/sync", **params)
            now = time.perf_counter()
            self.since = data["next_batch"]
            for room in data.get("rooms", {}).get("invite", {}):
                await self.request("POST", f"/_matrix/client/v3/join/{room}", {})
            for room, joined in data.get("rooms", {}).get("join", {}).items():
                for event in joined.get("timeline", {}).get("events", []):
                    self.seen.put_nowait((now, {**event, "room_id": room}))

    async def send(self, room: str, body: str) -> None:
        txn = f"b{time.time_ns()}"
        await self.request(
            "PUT",
            f"/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}",
            {"msgtype": "m.text", "body": body},
        )

    async def answer_from(self, bot: str, not_in: str) -> float:
        while True:
            at, event = await asyncio.wait_for(self.seen.get(), 30)
            if event["sender"] == bot and event["room_id"] != not_in:
                return at


async def start_bot(
    base: str, secret: str, session: aiohttp.ClientSession, work: Path
) -> tuple[MatrixFrontEnd, Database, str]:
    suffix = str(time.time_ns())[-7:]
    bot_id, _ = await register(session, base, secret, f"bot{suffix}")
    db = await Database.open(work / "seminar.db")
    clock = SystemClock()
    services = Services.build(db, clock)
    identities: Identities = getattr(services, "identities", None) or MemoryIdentities()
    layer = CommandLayer(services, Limits(25 * 2**20, 60.0))
    config = MatrixConfig(
        base,
        bot_id,
        SecretStr(f"pw-bot{suffix}"),
        None,
        work / "seminar.matrix.db",
        25 * 2**20,
        60.0,
    )
    front = MatrixFrontEnd(config, services, identities, layer, clock)
    await front.start()
    return front, db, bot_id


async def roundtrip(base: str, secret: str, count: int) -> None:
    async with aiohttp.ClientSession() as session:
        with tempfile.TemporaryDirectory() as tmp:
            front, db, bot = await start_bot(base, secret, session, Path(tmp))
            serving = asyncio.create_task(front.serve())
            try:
                suffix = str(time.time_ns())[-7:]
                user, token = await register(session, base, secret, f"org{suffix}")
                student = Student(session, base, user, token)
                created = await student.request(
                    "POST", "/_matrix/client/v3/createRoom", {"invite": [bot], "name": "bench"}
                )
                room = created["room_id"]
                student.task = asyncio.create_task(student.sync_forever())
                await asyncio.sleep(1)
                commands = ["!admin setup title:Bench", "!join"] + [
                    f"!admin paper add code:p{i} title:Paper {i}" for i in range(3)
                ]
                for command in commands:
                    await student.send(room, command)
                    await student.answer_from(bot, room)
                samples = []
                for i in range(count):
                    order = " ".join(f"p{(i + k) % 3}" for k in range(3))
                    start = time.perf_counter()
                    await student.send(room, f"!prefs set {order}")
                    samples.append(await student.answer_from(bot, room) - start)
                    # the room's "answered you privately" arrives too; let it pass
                samples.sort()
                p50 = statistics.median(samples) * 1000
                p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000
                print(f"!prefs set round trip over {count}: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
                student.task.cancel()
            finally:
                await front.close()
                serving.cancel()
                await db.close()


async def dms(base: str, secret: str, count: int) -> None:
    async with aiohttp.ClientSession() as session:
        with tempfile.TemporaryDirectory() as tmp:
            front, db, _ = await start_bot(base, secret, session, Path(tmp))
            try:
                suffix = str(time.time_ns())[-7:]
                registering = asyncio.Semaphore(8)

                async def student(i: int) -> str:
                    async with registering:
                        user, _ = await register(session, base, secret, f"s{suffix}x{i}")
                        return user

                users = await asyncio.gather(*(student(i) for i in range(count)))
                accounts = [await front.identities.account(Platform.MATRIX, u) for u in users]
                outbox = front.outbox
                gate = asyncio.Semaphore(8)
                notice = Notice(
                    "⏰ Reminder: the report deadline is {due}.", {"due": 1_800_000_000}
                )

                async def one(account: int) -> None:
                    async with gate:
                        await outbox.direct(account, notice, nonce=f"bench{suffix}:{account}")

                start = time.perf_counter()
                await asyncio.gather(*(one(a) for a in accounts))
                cold = time.perf_counter() - start
                print(
                    f"{count} reminder DMs (DM rooms created first): {cold:.1f} s, "
                    f"{count / cold:.1f}/s, 429s answered: {front.session.api.limited}"
                )
                limited = front.session.api.limited
                notice2 = Notice("⏰ Second reminder {due}.", {"due": 1_800_000_000})

                async def two(account: int) -> None:
                    async with gate:
                        await outbox.direct(account, notice2, nonce=f"bench2{suffix}:{account}")

                start = time.perf_counter()
                await asyncio.gather(*(two(a) for a in accounts))
                warm = time.perf_counter() - start
                print(
                    f"{count} reminder DMs (DM rooms known): {warm:.1f} s, {count / warm:.1f}/s, "
                    f"429s answered: {front.session.api.limited - limited}"
                )
            finally:
                await front.close()
                await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("what", choices=["roundtrip", "dms"])
    parser.add_argument("--homeserver")
    parser.add_argument("--secret")
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--default-limits", action="store_true")
    args = parser.parse_args()
    count = args.count or (200 if args.what == "roundtrip" else 500)
    run = roundtrip if args.what == "roundtrip" else dms
    if args.homeserver:
        asyncio.run(run(args.homeserver, args.secret or "", count))
        return
    from tests.synapse_harness import SynapseServer  # test-only, like Synapse itself

    with tempfile.TemporaryDirectory() as tmp:
        limits = "default" if args.default_limits else "raised"
        overrides: dict[str, object] = {"bcrypt_rounds": 4}
        if args.default_limits:
            # Only the students' registration is lifted: the bot meets stock limits.
            overrides["rc_registration"] = {"per_second": 10_000, "burst_count": 100_000}
        server = SynapseServer(Path(tmp), rate_limits=limits, config_overrides=overrides)
        server.start()
        try:
            print(f"Synapse on {server.base_url}, {limits} rate limits")
            asyncio.run(run(server.base_url, server.registration_shared_secret, count))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
