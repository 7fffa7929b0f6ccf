"""The fuzz tier: every slash command of the real tree against hostile values.

For each leaf of the command tree, each option a user types freely (strings without
fixed choices, unbounded integers, attachments, and the display name /join stores)
gets FUZZ_SIZE hostile values (default 40 here, never fewer than the corpus's CORE;
`python -m bench.fuzz` runs 250 and prints the figures), seeded by FUZZ_SEED (default
11), so a failure reproduces with the same two numbers. Each command also runs once per
combination of its choices in a seminar full of accepted hostile text. The checks and
the set-up are described in tests/fuzz/harness.py.

Every finding fails its command's test. (Issue 11's time range, the /prefs set race and
the echo of control and bidi characters in refusals were once tolerated here as known
defects; they are fixed, so nothing is tolerated any more.)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.core.errors import InvalidInput
from bot.core.reminders import ReminderPlanner
from tests.core.reminder_fakes import RecordingNotifier
from tests.fuzz import corpus
from tests.fuzz.harness import (
    CHOICES,
    PLANS,
    Finding,
    Tally,
    World,
    build_templates,
    call,
    changed_tables,
    echo_problems,
    fuzz_command,
    group,
    limit_problems,
    ping_problems,
    races,
    reminders_fire,
    tree_targets,
)

CI_SIZE = 40
RACE_ROUNDS = 9  # every interleaving offset the race runs through once
SIZE = int(os.environ.get("FUZZ_SIZE") or CI_SIZE)
SEED = int(os.environ.get("FUZZ_SEED") or 11)


def describe(findings: list[Finding], examples: int = 3) -> str:
    lines = []
    for (command, option, check), found in group(findings).items():
        lines.append(f"/{command} {option} [{check}] x{len(found)}")
        lines += [f"    {f.show()}" for f in found[:examples]]
    return "\n".join(lines)


# -- fixtures: the seeded seminars, the tree, and one fuzz of each command ------------------


class Results:
    """Each command is fuzzed once per session, whichever test asks first."""

    def __init__(self, templates: tuple[Path, Path], workdir: Path, tree: dict[str, list[str]]):
        self.templates = templates
        self.workdir = workdir
        self.tree = tree
        self.tallies: dict[str, Tally] = {}

    async def of(self, command: str) -> Tally:
        if command not in self.tallies:
            self.tallies[command] = await fuzz_command(
                self.templates, self.workdir, command, self.tree[command], SIZE, SEED
            )
        return self.tallies[command]

    async def races(self) -> Tally:
        if "(races)" not in self.tallies:
            rounds = max(RACE_ROUNDS, SIZE // 10)
            self.tallies["(races)"] = await races(self.templates, self.workdir, rounds)
        return self.tallies["(races)"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def templates(workdir: Path) -> tuple[Path, Path]:
    return asyncio.run(build_templates(workdir / "templates"))


@pytest.fixture(scope="module")
def tree(templates: tuple[Path, Path], workdir: Path) -> dict[str, list[str]]:
    return asyncio.run(tree_targets(templates[0], workdir))


@pytest.fixture(scope="module")
def results(templates: tuple[Path, Path], workdir: Path, tree: dict[str, list[str]]) -> Results:
    return Results(templates, workdir, tree)


@pytest.fixture
async def world(templates: tuple[Path, Path], tmp_path: Path) -> Any:
    opened = await World.open(templates[0], tmp_path / "world")
    try:
        yield opened
    finally:
        await opened.close()


# -- the tier covers the whole tree with enough hostile values -------------------------------


def test_every_command_in_the_tree_is_fuzzed(tree: dict[str, list[str]]) -> None:
    assert set(tree) == set(PLANS), "add a Plan in tests/fuzz/harness.py for each new command"
    assert len(tree) >= 41
    free = [(name, option) for name, options in tree.items() for option in options]
    assert ("admin deadline set", "when") in free
    assert ("join", "(display name)") in free
    assert all(CHOICES in options for options in tree.values())


def test_the_values_are_seeded_and_cover_every_kind_of_hostile_text() -> None:
    values = corpus.values_for("2027-01-15 23:59", SIZE, SEED)
    assert values == corpus.values_for("2027-01-15 23:59", SIZE, SEED)
    assert len(values) == max(SIZE, len(corpus.CORE)) == len(set(values))
    assert len(corpus.values_for("P1", 250, SEED)) == 250
    assert values[: len(corpus.CORE)] == corpus.CORE
    wanted: dict[str, Callable[[str], bool]] = {
        "empty": lambda v: v == "",
        "whitespace": lambda v: v != "" and not v.strip(),
        "10k characters": lambda v: len(v) >= 10_000,
        "control": lambda v: "\x00" in v,
        "zero-width": lambda v: "\u200b" in v,
        "RTL override": lambda v: "\u202e" in v,
        "SQL": lambda v: "DROP TABLE" in v,
        "@everyone": lambda v: v == "@everyone",
        "@here": lambda v: v == "@here",
        "role mention": lambda v: "<@&" in v,
        "user mention": lambda v: "<@1" in v,
        "markdown link": lambda v: "](" in v,
        "broken backticks": lambda v: v.count("`") % 2 == 1,
        "timestamp": lambda v: v.startswith("<t:"),
        "format braces": lambda v: "{" in v,
        "year 1": lambda v: v.startswith("0001-01-02"),
        "the calendar's end": lambda v: v == "9999-12-31T23:59-14:00",
        "huge number": lambda v: v.isdigit() and len(v) > 100,
        "negative number": lambda v: v == "-1",
        "normalisation": lambda v: v == "ＰＡＰＥＲ",
    }
    missing = [kind for kind, test in wanted.items() if not any(map(test, values))]
    assert not missing


# -- the checks catch what they claim to catch ------------------------------------------------


def test_the_limit_check_catches_what_discord_would_reject() -> None:
    assert limit_problems({"content": "x" * 2000}) == []
    assert limit_problems({"content": "x" * 2001}) == ["content of 2001 characters"]
    assert limit_problems({"content": " "}) == ["an empty message"]
    page = discord.Embed(title="t" * 257, description="d")
    page.add_field(name="n", value="\n")
    for _ in range(25):
        page.add_field(name="n", value="v")
    found = limit_problems({"embed": page})
    assert "embed title of 257 characters" in found
    assert "26 embed fields" in found
    assert any("value of 1 characters" in p for p in found)


def test_the_ping_check_follows_the_allowed_mentions_in_effect() -> None:
    none = discord.AllowedMentions.none()
    text = {"content": "@everyone <@&5> <@7>"}
    assert ping_problems(text, none, set()) == []
    found = ping_problems(text, discord.AllowedMentions.all(), set())
    assert "@everyone would ping" in found and "<@&5> would ping" in found
    chosen = dict(text, allowed_mentions=discord.AllowedMentions(roles=[discord.Object(5)]))
    assert ping_problems(chosen, none, {5}) == []
    assert "allowed mentions list role 5, which no organiser chose" in ping_problems(
        chosen, none, set()
    )


def test_the_echo_check_flags_controls_and_bidi_but_not_layout() -> None:
    assert echo_problems("line\n\tindented @\u200beveryone") == []
    assert echo_problems("a\u202eb\x00") == ["shows U+0000, U+202E"]


async def test_an_apology_counts_as_unhandled(world: World, monkeypatch: Any) -> None:
    async def broken(*_: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(world.services.seminars, "overview", broken)
    outcome = await call(world, "seminar", {}, world.student)
    checks = {check for check, _ in outcome.problems}
    assert checks == {"unhandled"}
    assert any("answered with the apology" in detail for _, detail in outcome.problems)


async def test_a_refusal_that_wrote_counts_as_a_change(world: World, monkeypatch: Any) -> None:
    async def writes_then_refuses(*_: Any, **__: Any) -> None:
        async with world.db.transaction() as tx:
            await tx.execute("UPDATE seminars SET contact = 'changed'")
        raise InvalidInput("No.")

    monkeypatch.setattr(world.services.deadlines, "set", writes_then_refuses)
    options = {"kind": "report", "when": "2027-01-15 23:59"}
    outcome = await call(world, "admin deadline set", options, world.organiser)
    assert outcome.refused
    assert ("changed-on-refusal", "tables changed: seminars") in outcome.problems


def test_a_refusal_may_only_add_to_the_refused_check_in_log() -> None:
    before = {"attendance_attempts": [(1, "a")], "seminars": [(1, "t")]}
    assert changed_tables(before, {**before, "attendance_attempts": [(1, "a"), (2, "b")]}) == []
    assert changed_tables(before, {**before, "attendance_attempts": []}) == ["attendance_attempts"]
    assert changed_tables(before, {**before, "seminars": [(1, "u")]}) == ["seminars"]


async def test_the_reminder_check_fails_when_the_engine_does(
    world: World, monkeypatch: Any
) -> None:
    assert await reminders_fire(world, RecordingNotifier()) == []

    async def broken(*_: Any) -> None:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(ReminderPlanner, "pending", broken)
    problems = await reminders_fire(world, RecordingNotifier())
    assert problems == [("reminders", "OverflowError: date value out of range")]


# -- every command against hostile values -----------------------------------------------------


@pytest.mark.parametrize("command", sorted(PLANS))
async def test_hostile_values(command: str, results: Results) -> None:
    tally = await results.of(command)
    assert tally.tried > 0
    assert not tally.findings, f"/{command} (FUZZ_SIZE={SIZE} FUZZ_SEED={SEED}):\n" + describe(
        tally.findings
    )


async def test_prefs_set_racing_what_it_refers_to(results: Results) -> None:
    tally = await results.races()
    assert tally.tried >= 2 * RACE_ROUNDS
    assert not tally.findings, describe(tally.findings)
