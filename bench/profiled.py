"""Run seminar-bot (`python -m bot`) with a profiler that SIGUSR1 switches on and off.

    BENCH_PROFILE_DIR=/tmp/p python -m bench.profiled      # then kill -USR1 <pid>, twice
    BENCH_ONE_HOP_READS=1 python -m bench.profiled          # the what-if of one_hop_reads()

The first SIGUSR1 starts cProfile on the event-loop thread and counts every aiosqlite
round trip (each is a hop to aiosqlite's worker thread and back): what it runs, how long
SQLite itself took in the worker, and how long the loop side waited for the answer.
It also times the store's write lock (`Database._write_lock`): transactions run one after
another, so the time it is held per interaction caps the throughput of a burst.
The second SIGUSR1 stops all that and writes `profile.prof` (pstats) and `hops.json` into
BENCH_PROFILE_DIR, then `done`. Used by `python -m bench.interactions --profile DIR`;
`summarise()` turns the two files into the table that benchmark prints.

Nothing here changes what the bot does; it wraps aiosqlite's one entry point
(`Connection._execute`) from outside.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import pstats
import signal
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, Literal

import aiosqlite.core


class _Recorder:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.profile: cProfile.Profile | None = None
        self.hops: Counter[str] = Counter()
        self.sqlite_seconds: defaultdict[str, float] = defaultdict(float)
        self.wait_seconds: defaultdict[str, float] = defaultdict(float)
        self.lock = threading.Lock()
        self.started = 0.0
        self.thread_cpu = 0.0
        self.lock_held = 0.0
        self.lock_waited = 0.0
        self.lock_count = 0

    @property
    def on(self) -> bool:
        return self.profile is not None

    def toggle(self, signum: int, frame: FrameType | None) -> None:
        if self.profile is None:
            self.hops.clear()
            self.sqlite_seconds.clear()
            self.wait_seconds.clear()
            self.lock_held = self.lock_waited = 0.0
            self.lock_count = 0
            self.started = time.perf_counter()
            self.thread_cpu = time.thread_time()
            self.profile = cProfile.Profile()
            self.profile.enable()
            return
        self.profile.disable()
        profile, self.profile = self.profile, None
        self.out.mkdir(parents=True, exist_ok=True)
        profile.dump_stats(self.out / "profile.prof")
        with self.lock:
            report = {
                "wall_seconds": time.perf_counter() - self.started,
                "loop_thread_cpu_seconds": time.thread_time() - self.thread_cpu,
                "hops": dict(self.hops),
                "sqlite_seconds": dict(self.sqlite_seconds),
                "wait_seconds": dict(self.wait_seconds),
                "write_lock": {
                    "count": self.lock_count,
                    "held_seconds": self.lock_held,
                    "waited_seconds": self.lock_waited,
                },
            }
        (self.out / "hops.json").write_text(json.dumps(report, indent=1))
        (self.out / "done").write_text("")

    def wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        recorder = self

        async def _execute(conn: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            if not recorder.on:
                return await original(conn, fn, *args, **kwargs)
            key = _describe(fn, args)

            def timed() -> Any:
                began = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    with recorder.lock:
                        recorder.sqlite_seconds[key] += time.perf_counter() - began

            began = time.perf_counter()
            try:
                return await original(conn, timed)
            finally:
                with recorder.lock:
                    recorder.hops[key] += 1
                    recorder.wait_seconds[key] += time.perf_counter() - began

        return _execute


def timed_lock(recorder: _Recorder) -> asyncio.Lock:
    """An asyncio.Lock that adds up how long it was waited for and held."""

    class TimedLock(asyncio.Lock):
        since = 0.0

        async def acquire(self) -> Literal[True]:
            began = time.perf_counter()
            acquired = await super().acquire()
            self.since = time.perf_counter()
            if recorder.on:
                recorder.lock_waited += self.since - began
            return acquired

        def release(self) -> None:
            if recorder.on:
                recorder.lock_held += time.perf_counter() - self.since
                recorder.lock_count += 1
            super().release()

    return TimedLock()


def _describe(fn: Callable[..., Any], args: tuple[Any, ...]) -> str:
    name = getattr(fn, "__name__", type(fn).__name__)
    if args and isinstance(args[0], str):
        sql = " ".join(args[0].split())
        return f"{name}: {sql[:90]}"
    return name


def one_hop_reads() -> None:
    """What-if for bench.interactions --what-if: every store read (`fetch_one`,
    `fetch_all`, `fetch_value`, also inside transactions) as aiosqlite's
    `execute_fetchall`, one hop instead of execute + fetch + close."""
    from bot.store.database import Params, Row, _Reads

    async def fetch_one(self: _Reads, sql: str, params: Params = ()) -> Row | None:
        rows = await self._conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetch_all(self: _Reads, sql: str, params: Params = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, params))

    _Reads.fetch_one = fetch_one  # type: ignore[method-assign]
    _Reads.fetch_all = fetch_all  # type: ignore[method-assign]


def main() -> None:
    if os.environ.get("BENCH_ONE_HOP_READS"):
        one_hop_reads()
    recorder = _Recorder(Path(os.environ.get("BENCH_PROFILE_DIR", "bench-profile")))
    aiosqlite.core.Connection._execute = recorder.wrap(  # type: ignore[method-assign]
        aiosqlite.core.Connection._execute
    )
    signal.signal(signal.SIGUSR1, recorder.toggle)
    from bot.__main__ import main as bot_main
    from bot.store.database import Database

    original_init = Database.__init__

    def init(self: Database, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self._write_lock = timed_lock(recorder)

    Database.__init__ = init  # type: ignore[method-assign]

    bot_main()


# -- reading the results ----------------------------------------------------------------------

# Where a function's own time (tottime) is counted, by the file it is defined in.
_AREAS = (
    (
        "seminar-bot: rendering (cogs/, bot/discord/ui.py, escape_markdown)",
        ("/cogs/", "/bot/discord/ui.py", "escape_markdown"),
    ),
    ("seminar-bot: core services (bot/core)", ("/bot/core/",)),
    ("seminar-bot: store (bot/store, loop side)", ("/bot/store/",)),
    ("seminar-bot: other (bot/discord/client.py, …)", ("/bot/",)),
    ("aiosqlite (loop side of the hops)", ("/aiosqlite/",)),
    ("discord.py app_commands (parsing, dispatch)", ("/discord/app_commands/",)),
    ("discord.py interactions, embeds, views", ("/discord/interactions.py", "/discord/embeds.py")),
    ("discord.py ui (views)", ("/discord/ui/",)),
    ("discord.py http client", ("/discord/http.py",)),
    ("discord.py gateway + state (parsing events)", ("/discord/gateway.py", "/discord/state.py")),
    ("discord.py other", ("/discord/",)),
    ("aiohttp, yarl, multidict (HTTP + websocket)", ("/aiohttp/", "/yarl/", "/multidict/")),
    ("json", ("/json/", "{built-in method _json", "json.")),
    ("logging", ("/logging/",)),
    ("asyncio (event loop, tasks, futures)", ("/asyncio/", "_asyncio.", "'_asyncio")),
)
_IDLE = "epoll"  # the event loop waiting for something to do


_OTHER = "other (stdlib, builtins)"
Func = tuple[str, int, str]
Raw = dict[Func, tuple[int, int, float, float, dict[Func, tuple[float, ...]]]]


def _area(filename: str, function: str) -> str:
    where = f"{filename} {function}"
    for name, needles in _AREAS:
        if any(needle in where for needle in needles):
            return name
    return _OTHER


def _charged_areas(raw: Raw) -> dict[str, float]:
    """Own time by area, where the time of builtins and of stdlib code outside the named
    areas (a regex, a queue put, a dict copy) is charged to the callers that are in an
    area, split by how much of it each caller caused."""
    memo: dict[Func, dict[str, float]] = {}

    def shares(func: Func, depth: int) -> dict[str, float]:
        area = _area(func[0], func[2])
        if area != _OTHER or depth > 20:
            return {area: 1.0}
        if func in memo:
            return memo[func]
        memo[func] = {_OTHER: 1.0}  # a recursion back here stays "other"
        callers = {c: v for c, v in raw[func][4].items() if c in raw}
        weight = sum(v[2] for v in callers.values())
        if weight <= 0:
            return memo[func]
        result: defaultdict[str, float] = defaultdict(float)
        for caller, v in callers.items():
            for name, share in shares(caller, depth + 1).items():
                result[name] += share * v[2] / weight
        memo[func] = dict(result)
        return memo[func]

    areas: defaultdict[str, float] = defaultdict(float)
    for func, (_, _, tottime, _, _) in raw.items():
        if _IDLE in func[2]:
            continue
        for name, share in shares(func, 0).items():
            areas[name] += tottime * share
    return areas


# Cumulative time of the steps one /prefs set goes through, on the loop thread. cProfile
# counts a coroutine only while it runs: time it spends suspended (waiting for a hop to
# the database thread, or for the HTTP answer) is not in these figures.
_STEPS = (
    ("command callback (cogs/…, all of it)", "cogs/", ("set_", "join", "papers")),
    ("  service: PreferenceService.set", "bot/core/preferences.py", ("set",)),
    ("  service: RegistrationService.join", "bot/core/registration.py", ("join",)),
    ("  service: PaperService.browse", "bot/core/papers.py", ("browse",)),
    ("  rendering: ranking_embed", "cogs/prefs.py", ("ranking_embed",)),
    ("  rendering: paper_line", "cogs/papers.py", ("paper_line",)),
    ("  rendering: bot.discord.ui.embed / safe", "bot/discord/ui.py", ("embed", "safe")),
    ("  the Pager view (bot/discord/ui.py: Pager, LazyPages)", "bot/discord/ui.py", ("__init__",)),
    ("  discord.py keeping a view (ViewStore.add_view)", "discord/ui/view.py", ("add_view",)),
    ("  reply() (discord.py send + HTTP)", "bot/discord/ui.py", ("reply",)),
    ("discord.py: tree _call (checks, options, callback)", "app_commands/tree.py", ("_call",)),
    ("discord.py: parse INTERACTION_CREATE", "discord/state.py", ("parse_interaction_create",)),
)


def summarise(directory: Path, interactions: int) -> str:
    """The profile and the hop counts of one burst, per interaction."""
    report = json.loads((directory / "hops.json").read_text())
    stats = pstats.Stats(str(directory / "profile.prof"))
    raw: Raw = stats.stats  # type: ignore[attr-defined]
    idle = sum(tottime for func, (_, _, tottime, _, _) in raw.items() if _IDLE in func[2])
    areas = _charged_areas(raw)
    total = sum(areas.values())
    n = max(1, interactions)
    ms = 1000.0 / n
    lines = [
        f"profile of one burst: {interactions} interactions, "
        f"{report['wall_seconds']:.2f} s wall, event-loop thread CPU "
        f"{report['loop_thread_cpu_seconds'] * ms:.2f} ms per interaction "
        f"(cProfile's own overhead included); busy {total * ms:.2f} ms, "
        f"idle in epoll {idle * ms:.2f} ms",
        "",
        "event-loop thread, own time by area (ms per interaction, share; builtins and",
        "stdlib calls charged to the callers that made them):",
    ]
    for name, seconds in sorted(areas.items(), key=lambda item: -item[1]):
        lines.append(f"  {seconds * ms:7.3f}  {seconds / total:6.1%}  {name}")
    lines += ["", "steps (cumulative, ms per interaction):"]
    for label, file_part, functions in _STEPS:
        cumulative = sum(
            ct
            for (filename, _, fn), (_, _, _, ct, _) in raw.items()
            if fn in functions and file_part in filename
        )
        if cumulative:
            lines.append(f"  {cumulative * ms:7.3f}  {label}")
    hops: dict[str, int] = report["hops"]
    sqlite_s: dict[str, float] = report["sqlite_seconds"]
    wait_s: dict[str, float] = report["wait_seconds"]
    all_hops = sum(hops.values())
    lock = report.get("write_lock") or {"count": 0}
    if lock["count"]:
        held = lock["held_seconds"] * ms
        lines += [
            "",
            f"write lock: {lock['count'] / n:.1f} transactions per interaction, held "
            f"{held:.2f} ms per interaction (transactions run one at a time, so a burst "
            f"cannot exceed {1000 / held:.0f}/s while the lock is busy); waited for it "
            f"{lock['waited_seconds'] * ms:.1f} ms per interaction",
        ]
    lines += [
        "",
        f"aiosqlite round trips: {all_hops / n:.1f} per interaction "
        f"(SQLite work in the worker thread {sum(sqlite_s.values()) * ms:.3f} ms, "
        f"loop side waited {sum(wait_s.values()) * ms:.2f} ms per interaction in total):",
        "  per inter.  sqlite ms  waited ms  what",
    ]
    for key, count in sorted(hops.items(), key=lambda item: -item[1]):
        lines.append(
            f"  {count / n:10.2f}  {sqlite_s.get(key, 0.0) * ms:9.3f}  "
            f"{wait_s.get(key, 0.0) * ms:9.2f}  {key}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
