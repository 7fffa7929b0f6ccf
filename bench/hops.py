"""Benchmark: what one database read costs the bot, by how many aiosqlite hops it takes
(not a test).

    python -m bench.hops             # 3000 reads each (a few seconds)
    python -m bench.hops --quick     # 300

aiosqlite runs every call on its worker thread: the event loop queues it, the worker
wakes, runs it, and hands the result back through the loop's self-pipe. The same
one-row SELECT, one after another on an idle loop, three ways:
* `Database.fetch_one` as the store does it today: execute, fetchone, close = 3 hops;
* aiosqlite's `execute_fetchall`: 1 hop;
* plain sqlite3 on the loop thread: 0 hops (what SQLite itself costs).
Printed: CPU (both threads) and wall time per read.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite

if __package__ in (None, ""):  # run as `python bench/hops.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import machine
from bot.store.database import Database

SQL = "SELECT id, guild_id, title, timezone FROM seminars WHERE guild_id = ?"


async def per_call(fn: Callable[[], Awaitable[Any]], n: int) -> tuple[float, float]:
    for _ in range(n // 10):  # warm up
        await fn()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        await fn()
    return (time.process_time() - cpu) / n, (time.perf_counter() - wall) / n


async def run(n: int) -> None:
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-hops-") as tmp:
        path = Path(tmp) / "seminar.db"
        db = await Database.open(path)
        conn = await aiosqlite.connect(path)
        raw = sqlite3.connect(path)

        async def direct() -> Any:
            return raw.execute(SQL, (1,)).fetchall()

        try:
            for label, fn in (
                (
                    "Database.fetch_one (execute + fetchone + close: 3 hops)",
                    lambda: db.fetch_one(SQL, (1,)),
                ),
                ("aiosqlite execute_fetchall (1 hop)", lambda: conn.execute_fetchall(SQL, (1,))),
                ("sqlite3 on the loop thread (0 hops)", direct),
            ):
                cpu, wall = await per_call(fn, n)
                print(f"  {cpu * 1e6:6.0f} µs CPU  {wall * 1e6:6.0f} µs wall  per read: {label}")
        finally:
            raw.close()
            await conn.close()
            await db.close()
    print(f"done; {machine()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size")
    asyncio.run(run(300 if parser.parse_args().quick else 3000))


if __name__ == "__main__":
    main()
