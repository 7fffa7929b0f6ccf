"""Benchmark of the Synapse test harness (not a test).

    python -m bench.synapse_roundtrip            # 200 messages each way
    python -m bench.synapse_roundtrip -n 50

Needs the Synapse virtualenv (`make synapse`). Prints: Synapse start-up time (config
written to /versions answering), its RSS after start and after the run, and two
latencies between two users in one room, p50/p99 over N messages:
  one-way    alice sends; the time until bob's /sync long-poll returns the event
  ping-pong  alice sends; bob answers as soon as he sees it; the time until alice sees
             the answer (the shape of "a command and the bot's reply")
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/synapse_roundtrip.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.synapse_harness import MatrixClient, SynapseServer


def _percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  max {ms[-1]:6.1f} ms  (n={len(ms)})"


async def _client(server: SynapseServer, name: str) -> MatrixClient:
    account = await server.register(server.unique_localpart(name), displayname=name)
    return MatrixClient(server.base_url, account.user_id, account.access_token)


async def _run(server: SynapseServer, count: int) -> None:
    alice = await _client(server, "alice")
    bob = await _client(server, "bob")
    try:
        room = await alice.create_room(invite=[bob.user_id])
        await bob.wait_for_invite(inviter=alice.user_id)
        await alice.sync()
        await bob.sync()

        one_way: list[float] = []
        for n in range(count):
            mark = bob.cursor()
            began = time.perf_counter()
            await alice.send_text(room, f"one-way {n}")
            await bob.wait_for_text(sender=alice.user_id, room_id=room, after=mark)
            one_way.append(time.perf_counter() - began)
        print(f"one-way   {_percentiles(one_way)}")

        async def answer_each(total: int) -> None:
            mark = bob.cursor()
            for n in range(total):
                seen = await bob.wait_for_text(
                    sender=alice.user_id, contains=f"ping {n}", room_id=room, after=mark
                )
                mark = bob.events.index(seen) + 1
                await bob.send_text(room, f"pong {n}", reply_to=seen.event_id)

        responder = asyncio.create_task(answer_each(count))
        ping_pong: list[float] = []
        try:
            for n in range(count):
                mark = alice.cursor()
                began = time.perf_counter()
                await alice.send_text(room, f"ping {n}")
                await alice.wait_for_text(
                    sender=bob.user_id, contains=f"pong {n}", room_id=room, after=mark
                )
                ping_pong.append(time.perf_counter() - began)
        finally:
            await responder
        print(f"ping-pong {_percentiles(ping_pong)}")
    finally:
        await alice.close()
        await bob.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--count", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="synapse-bench-") as workdir:
        server = SynapseServer(Path(workdir))
        with server:
            print(f"Synapse start-up {server.startup_seconds:.2f} s (to /versions answering)")
            print(f"Synapse RSS after start {server.rss_bytes() / 2**20:.0f} MiB")
            asyncio.run(_run(server, args.count))
            print(f"Synapse RSS after the run {server.rss_bytes() / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
