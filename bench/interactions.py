"""Benchmark: how seminar-bot holds a rush of students, next to a bare discord.py bot
(not a test).

    python -m bench.interactions                  # 1000 students, 100 papers (~3 minutes)
    python -m bench.interactions --quick          # 50 students, 20 papers (seconds)
    python -m bench.interactions --profile DIR    # also profile one /prefs set burst

Two processes, each against its own local fake Discord (tests/fakediscord) in this
process: seminar-bot itself (`python -m bot`, the README's entry point; its database is
seeded through the services before it starts: a seminar with 1000 registered students
and 100 papers) and bench/bare_bot.py, a discord.py bot with the same command shapes
that answers every interaction with one constant message.

For each command (`/prefs set`, `/join`, `/papers`) and each bot: N interactions from
distinct users dispatched at once ("burst", best of --rounds), then N paced at --rate
per second. Timed from the moment the fake writes the INTERACTION_CREATE frame to the
moment it records the final answer (the callback, or for a deferred answer the
followup that replaces it). Printed per run: answers/s, p50/p99/max, errors (no answer,
a wrong answer, or a request Discord would refuse), answers later than Discord's 3 s
(the fake here waits longer so they can still be timed), lost writes (an acknowledged
ranking or registration that the database does not hold afterwards; the bare bot keeps
nothing), and CPU seconds of each process. The ratio bot/bare is what to compare: both
run on the same machine at the same time, and the load average is printed.

`/join` is sent by guild members who have not joined; the seminar is full (capacity =
its 1000 students), so each is a real write that puts them on the waitlist.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/interactions.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bare_bot import ANSWER
from bench.harness import (
    CpuSplit,
    Process,
    Seminar,
    add_members,
    machine,
    proc_status_kib,
    seed,
)
from tests.fakediscord import FakeDiscord, FakeInteraction, FakeMember, InteractionResult

DISCORD_LIMIT_S = 3.0  # Discord refuses an initial answer later than this
ANSWER_TIMEOUT_S = 60.0
COMMANDS = ("prefs", "join", "papers")
RANKED = 3  # papers per ranking: the seminar's default pref_count
RANK_OPTIONS = ("first", "second", "third", "fourth", "fifth")


@dataclass(frozen=True)
class Config:
    students: int = 1000
    papers: int = 100
    count: int = 1000  # interactions per run
    rate: float = 100.0  # per second, in the paced runs
    # Bursts per command and bot; the best is reported. The first round of each bot is
    # cold (its HTTP pool opens ~1000 connections), so 3 rounds were a best of 2.
    rounds: int = 5
    commands: tuple[str, ...] = COMMANDS
    profile: Path | None = None
    profile_command: str = "prefs"
    what_if: bool = False  # also run "bot-1hop": the bot with every store read in one hop
    bare_gc_like_bot: bool = False  # the bare bot's collector tuned as seminar-bot's


@dataclass
class Run:
    bot: str  # "bot", "bare" or "bot-1hop"
    command: str
    mode: str  # "burst" or "paced"
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    span: float = 0.0  # first dispatch to last answer
    unanswered: int = 0
    wrong: int = 0
    refused: int = 0
    late: int = 0
    lost: int | None = None
    bot_cpu: float = 0.0
    bot_threads: CpuSplit | None = None  # bot_cpu by thread
    harness_cpu: float = 0.0
    load: float = 0.0  # 1-minute load average when the run ended
    examples: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return self.unanswered + self.wrong + self.refused

    @property
    def throughput(self) -> float:
        return self.answered / self.span if self.span > 0 else 0.0

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Target:
    """One bot process with its fake Discord and the members it knows."""

    name: str
    fake: FakeDiscord
    process: Process
    seminar: Seminar
    joined: int = 0  # outsiders used by /join so far

    @property
    def database(self) -> Path | None:
        return None if self.name == "bare" else self.process.database_path


# -- one interaction ---------------------------------------------------------------------------


@dataclass
class Sent:
    inter: FakeInteraction
    member: FakeMember
    check: Callable[[InteractionResult], bool]
    expected: list[str] = field(default_factory=list)  # the ranking, for /prefs set


def final_at(inter: FakeInteraction) -> float | None:
    """When the user saw the final answer (monotonic, the fake's clock)."""
    if inter.callback_type is None or inter.expired:
        return None
    if inter.callback_type != 5:  # answered at once
        return inter.callback_at
    for rec in inter.requests:  # deferred: the first followup or edit replaces "thinking"
        if (
            rec.path.startswith("/webhooks/")
            and rec.method in ("POST", "PATCH")
            and rec.status is not None
            and rec.status < 300
        ):
            return rec.at
    return None


async def wait_final(fake: FakeDiscord, inter: FakeInteraction, limit: float) -> None:
    await asyncio.wait_for(inter.answered.wait(), limit)
    if inter.callback_type == 5:
        await fake.wait_for(lambda: final_at(inter) is not None, limit, what=inter.label)


def ranking_for(codes: list[str], student: int, round_: int) -> list[str]:
    start = (student * 7 + round_ * 13) % len(codes)
    return [codes[(start + k) % len(codes)] for k in range(min(RANKED, len(codes)))]


def _bare_check(result: InteractionResult) -> bool:
    return result.text == ANSWER


def _prefs_check(expected: list[str]) -> Callable[[InteractionResult], bool]:
    def check(result: InteractionResult) -> bool:
        embeds = result.embeds
        if not embeds or "saved" not in str(embeds[0].get("title", "")):
            return False
        description = str(embeds[0].get("description", ""))
        where = [description.find(f"`{code}`") for code in expected]
        return -1 not in where and where == sorted(where)

    return check


def _join_check(result: InteractionResult) -> bool:
    return "waitlist" in result.text or "registered for" in result.text


def _papers_check(result: InteractionResult) -> bool:
    embeds = result.embeds
    return bool(embeds) and embeds[0].get("title") == "Paper catalogue"


def prepare(target: Target, command: str, count: int, round_: int) -> list[Sent]:
    fake, seminar = target.fake, target.seminar
    out: list[Sent] = []
    for i in range(count):
        if command == "prefs":
            member = seminar.students[i % len(seminar.students)]
            ranking = ranking_for(seminar.codes, i, round_)
            options = dict(zip(RANK_OPTIONS, ranking, strict=False))
            inter = fake.prepare_command("prefs set", user=member, options=options)
            check = _prefs_check(ranking)
            out.append(Sent(inter, member, check, ranking))
            continue
        if command == "join":
            member = seminar.outsiders[target.joined]
            target.joined += 1
            inter = fake.prepare_command("join", user=member)
            check = _join_check
        else:
            member = seminar.students[i % len(seminar.students)]
            inter = fake.prepare_command("papers", user=member)
            check = _papers_check
        out.append(Sent(inter, member, check))
    if target.name == "bare":
        for sent in out:
            sent.check = _bare_check
    return out


# -- one run -----------------------------------------------------------------------------------


async def run_once(target: Target, command: str, mode: str, sends: list[Sent], rate: float) -> Run:
    fake = target.fake
    run = Run(target.name, command, mode, sent=len(sends))
    waiters: list[asyncio.Task[None]] = []
    # The fake Discord runs in this process, whose heap (~400k objects) a full
    # collection took ~80 ms to walk: in the middle of a round it stalled whichever
    # bot was being measured. Collected and frozen here, outside the timing.
    gc.collect()
    gc.freeze()
    cpu_before = target.process.cpu_split()
    harness_before = time.process_time()
    if mode == "burst":
        for sent in sends:
            await fake.send_prepared(sent.inter)
        waiters = [asyncio.create_task(wait_final(fake, s.inter, ANSWER_TIMEOUT_S)) for s in sends]
    else:
        start = time.monotonic()
        for i, sent in enumerate(sends):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await fake.send_prepared(sent.inter)
            waiters.append(asyncio.create_task(wait_final(fake, sent.inter, ANSWER_TIMEOUT_S)))
    await asyncio.wait(waiters)
    run.bot_threads = target.process.cpu_split() - cpu_before
    run.bot_cpu = run.bot_threads.total
    run.harness_cpu = time.process_time() - harness_before
    run.load = os.getloadavg()[0]
    finals: list[float] = []
    acknowledged: list[Sent] = []
    for sent in sends:
        inter = sent.inter
        at = final_at(inter)
        if any(rec.status is not None and rec.status >= 400 for rec in inter.requests):
            run.refused += 1
            continue
        if at is None:
            run.unanswered += 1
            continue
        latency = at - inter.created
        run.latencies.append(latency)
        finals.append(at)
        if latency > DISCORD_LIMIT_S:
            run.late += 1
        if sent.check(InteractionResult(fake, inter)):
            acknowledged.append(sent)
        else:
            run.wrong += 1
            if len(run.examples) < 3:
                run.examples.append(InteractionResult(fake, inter).text[:300])
    if finals:
        run.span = max(finals) - min(s.inter.created for s in sends)
    if target.database is not None:
        run.lost = count_lost(target.database, command, acknowledged)
    return run


def count_lost(database: Path, command: str, acknowledged: list[Sent]) -> int | None:
    """Acknowledged writes that the database does not hold (read after the run)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        if command == "prefs":
            rows = conn.execute(
                "SELECT pt.user_id, pa.code FROM preferences pr "
                "JOIN participants pt ON pt.id = pr.participant_id "
                "JOIN papers pa ON pa.id = pr.paper_id ORDER BY pt.user_id, pr.rank"
            ).fetchall()
            held: dict[int, list[str]] = {}
            for user_id, code in rows:
                held.setdefault(int(user_id), []).append(code)
            return sum(1 for s in acknowledged if held.get(s.member.id) != s.expected)
        if command == "join":
            ids = {int(row[0]) for row in conn.execute("SELECT user_id FROM participants")}
            return sum(1 for s in acknowledged if s.member.id not in ids)
    return None


# -- the whole benchmark -----------------------------------------------------------------------


async def start_targets(config: Config, workdir: Path) -> list[Target]:
    runs = config.rounds + 1 if "join" in config.commands else 0  # bursts + the paced run
    if config.profile is not None and config.profile_command == "join":
        runs += 1
    joiners = config.count * runs
    targets: list[Target] = []
    for name in ("bot", "bare", "bot-1hop") if config.what_if else ("bot", "bare"):
        fake = FakeDiscord(interaction_timeout=ANSWER_TIMEOUT_S, followup_timeout=ANSWER_TIMEOUT_S)
        await fake.start()
        seminar = add_members(fake, config.students, joiners)
        module = "bench.bare_bot" if name == "bare" else "bot"
        env: dict[str, str] = {}
        if name == "bot" and config.profile is not None:
            module = "bench.profiled"
            env["BENCH_PROFILE_DIR"] = str(config.profile)
        if name == "bot-1hop":
            module = "bench.profiled"
            env["BENCH_ONE_HOP_READS"] = "1"
        if name == "bare" and config.bare_gc_like_bot:
            from bot.__main__ import GC_THRESHOLDS

            # The numbers, not an import of the bot: the bare process stays bare.
            env["BARE_GC_THRESHOLDS"] = ",".join(map(str, GC_THRESHOLDS))
        process = Process(fake, workdir / name, module=module, env=env)
        target = Target(name, fake, process, seminar)
        targets.append(target)
        if name != "bare":
            began = time.monotonic()
            await seed(fake, process.database_path, seminar, config.papers)
            print(
                f"seeded {config.students} registered students and {config.papers} papers "
                f"through the services in {time.monotonic() - began:.1f} s",
                flush=True,
            )
        else:
            seminar.codes = [f"paper-{k:04d}" for k in range(config.papers)]
        await process.start()
    return targets


async def profile_burst(config: Config, bot: Target) -> str:
    """One extra burst of `config.profile_command` with the profiler on (bench.profiled)."""
    from bench.profiled import summarise

    assert config.profile is not None
    done = config.profile / "done"
    done.unlink(missing_ok=True)
    command = config.profile_command
    sends = prepare(bot, command, config.count, round_=99)
    os.kill(bot.process.pid, signal.SIGUSR1)
    await asyncio.sleep(0.2)  # the handler runs at the bot's next bytecode; give it a moment
    run = await run_once(bot, command, "burst", sends, config.rate)
    os.kill(bot.process.pid, signal.SIGUSR1)
    await bot.fake.wait_for(done.exists, 30, what="the profile to be written")
    return (
        f"\nprofiled {command} burst: {run.throughput:.0f} answers/s (profiler overhead included), "
        f"{run.errors} errors, lost {run.lost}\n" + summarise(config.profile, run.answered)
    )


async def run_bench(config: Config, workdir: Path, out: Callable[[str], None] = print) -> list[Run]:
    out(f"machine: {machine()}")
    targets = await start_targets(config, workdir)
    bot, bare = targets[0], targets[1]
    out(
        f"ready: seminar-bot in {bot.process.ready_after:.2f} s, "
        f"bare discord.py bot in {bare.process.ready_after:.2f} s; {machine()}"
    )
    if config.what_if:
        out(
            "bot-1hop: seminar-bot with the store's reads patched to one aiosqlite hop each "
            "(execute_fetchall) by bench.profiled, to measure that proposal"
        )
    runs: list[Run] = []
    try:
        for command in config.commands:
            for mode in ("burst", "paced"):
                rounds = config.rounds if mode == "burst" else 1
                pair: dict[str, list[Run]] = {target.name: [] for target in targets}
                for round_ in range(rounds):
                    seed_round = round_ if mode == "burst" else rounds
                    for target in targets:  # alternate, so both see the same machine
                        sends = prepare(target, command, config.count, seed_round)
                        run = await run_once(target, command, mode, sends, config.rate)
                        pair[target.name].append(run)
                best = {name: max(rs, key=lambda r: r.throughput) for name, rs in pair.items()}
                out(report(command, mode, config, best, pair))
                runs.extend(best.values())
        if config.profile is not None:
            out(await profile_burst(config, bot))
        # The collector's thresholds trade memory for CPU in a burst (bot/__main__.py).
        out(
            "\npeak resident memory (VmHWM): "
            + ", ".join(
                f"{target.name} {proc_status_kib(target.process.pid, 'VmHWM') / 1024:.1f} MB"
                for target in targets
            )
        )
    finally:
        for target in targets:
            code = await target.process.stop()
            if code != 0:
                out(f"{target.name} exited with code {code}:\n{target.process.log_tail()}")
            await target.fake.stop()
    out(f"done; {machine()}")
    return runs


def report(
    command: str, mode: str, config: Config, best: dict[str, Run], pair: dict[str, list[Run]]
) -> str:
    label = {"prefs": "/prefs set", "join": "/join", "papers": "/papers"}[command]
    how = (
        f"{config.count} at once, best of {len(pair['bot'])}"
        if mode == "burst"
        else f"{config.count} paced at {config.rate:g}/s"
    )
    lines = [
        f"\n{label}: {how}",
        "  bot       answers/s    p50 ms    p99 ms    max ms  errors  >3s  lost  "
        "cpu ms/answer  harness cpu s  load",
    ]
    for name in best:
        r = best[name]
        lost = "-" if r.lost is None else str(r.lost)
        per = 1000 * r.bot_cpu / max(1, r.answered)
        lines.append(
            f"  {name:8} {r.throughput:10.0f} {r.quantile(0.5) * 1000:9.1f} "
            f"{r.quantile(0.99) * 1000:9.1f} {max(r.latencies, default=0) * 1000:9.1f} "
            f"{r.errors:7d} {r.late:4d} {lost:>5} {per:14.2f} {r.harness_cpu:14.2f} {r.load:5.2f}"
        )
        if r.bot_threads is not None:
            t, n = r.bot_threads, max(1, r.answered)
            lines.append(
                f"      cpu ms/answer by thread: loop {1000 * t.loop / n:.2f}, "
                f"database {1000 * t.database / n:.2f}, others {1000 * t.others / n:.2f}"
            )
        for example in r.examples:
            lines.append(f"      wrong answer: {example!r}")
    a = best["bare"]
    for name, b in best.items():
        if name != "bare" and a.throughput > 0:
            lines.append(
                f"  ratio {name}/bare: throughput {b.throughput / a.throughput:.2f}, "
                f"p50 {b.quantile(0.5) / a.quantile(0.5):.1f}x, "
                f"p99 {b.quantile(0.99) / a.quantile(0.99):.1f}x"
            )
    if mode == "burst" and len(pair["bot"]) > 1:
        for name in pair:
            each = ", ".join(f"{r.throughput:.0f}" for r in pair[name])
            lines.append(f"  {name} every round (answers/s): {each}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke size, seconds")
    parser.add_argument("--students", type=int, help="registered students (<= 1000)")
    parser.add_argument("--papers", type=int, help="papers in the catalogue")
    parser.add_argument("--count", type=int, help="interactions per run")
    parser.add_argument("--rate", type=float, default=100.0, help="paced runs, per second")
    parser.add_argument("--rounds", type=int, help="bursts per command and bot (best kept)")
    parser.add_argument("--commands", default=",".join(COMMANDS), help="prefs,join,papers")
    parser.add_argument("--profile", type=Path, help="profile one more burst into DIR")
    parser.add_argument(
        "--profile-command", default="prefs", choices=COMMANDS, help="what that burst sends"
    )
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="also run the bot with one aiosqlite hop per store read (bench.profiled)",
    )
    parser.add_argument(
        "--bare-gc-like-bot",
        action="store_true",
        help="tune the bare bot's garbage collector as seminar-bot tunes its own",
    )
    args = parser.parse_args()
    base = Config(students=50, papers=20, count=50, rounds=1) if args.quick else Config()
    config = Config(
        students=args.students or base.students,
        papers=args.papers or base.papers,
        count=args.count or min(base.count, args.students or base.students),
        rate=args.rate,
        rounds=args.rounds or base.rounds,
        commands=tuple(c.strip() for c in args.commands.split(",") if c.strip()),
        profile=args.profile.resolve() if args.profile else None,
        profile_command=args.profile_command,
        what_if=args.what_if,
        bare_gc_like_bot=args.bare_gc_like_bot,
    )
    with tempfile.TemporaryDirectory(prefix="bench-interactions-") as tmp:
        asyncio.run(run_bench(config, Path(tmp)))


if __name__ == "__main__":
    main()
