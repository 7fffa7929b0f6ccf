"""The console's parts on their own: wrapping, the outbox's marks, the timeline, the loop."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from bot.console.app import EXIT_FAILED, EXIT_OK, loop
from bot.console.clock import ConsoleClock
from bot.console.outbox import ConsoleOutbox
from bot.console.screen import Screen, resolve_mentions, visible_len, wrap
from bot.console.session import Outcome
from bot.console.terminal import PipedLines, completions
from bot.console.timeline import Timeline
from bot.core.reminders import Notice, Occurrence, RunOutcome, Source

START = 1_800_000_000


# -- the screen ----------------------------------------------------------------------


def test_wrap_keeps_80_columns_and_indents_bullets() -> None:
    text = "• " + " ".join(["word"] * 40)
    lines = wrap(text, 80, 80)
    assert all(visible_len(line) <= 80 for line in lines)
    assert all(line.startswith("  word") for line in lines[1:])


def test_emoji_take_two_columns() -> None:
    assert visible_len("⏰ due") == 6
    assert visible_len("\x1b[1mbold\x1b[0m") == 4


def test_a_long_link_stays_whole() -> None:
    link = "https://arxiv.org/abs/" + "x" * 90
    assert link in wrap(f"see {link} now", 80, 80)


def test_plain_output_drops_bold_and_undoes_escapes() -> None:
    out = io.StringIO()
    Screen(out, colour=False).say(r"**Title** with `code` and 5 \* 3")
    assert out.getvalue() == "Title with `code` and 5 * 3\n"


def test_colour_output_uses_terminal_attributes() -> None:
    out = io.StringIO()
    Screen(out, colour=True).say("**Title**", tag="[#seminar]")
    assert "\x1b[1mTitle" in out.getvalue() and "\x1b[33m[#seminar]" in out.getvalue()


async def test_mentions_become_names() -> None:
    async def name_of(account_id: int) -> str:
        return {-3: "alice"}[account_id]

    assert await resolve_mentions("<@-3> presents; <@&7> pinged", name_of) == (
        "@alice presents; @role pinged"
    )


# -- the outbox ----------------------------------------------------------------------


class Style:
    def when(self, unix: int) -> str:
        return f"T{unix}"

    def bold(self, text: str) -> str:
        return text

    def code(self, text: str) -> str:
        return text

    def escape(self, text: str) -> str:
        return text

    def command(self, path: str) -> str:
        return "/" + path

    def person(self, account_id: int, name: str) -> str:
        return name


def outbox(out: io.StringIO) -> ConsoleOutbox:
    async def style(reader: int | None) -> Style:
        return Style()

    async def account(account_id: int) -> str:
        return {-2: "alice", -3: "bob", -4: "carol"}[account_id]

    async def place(place_id: int) -> str:
        return "seminar"

    return ConsoleOutbox(Screen(out, colour=False), style, account, place)


async def test_each_delivery_is_marked_with_its_target() -> None:
    out = io.StringIO()
    box = outbox(out)
    notice = Notice("Due {due}.", {"due": 5})
    await box.post(-1, notice, nonce="a")
    await box.direct(-2, notice, nonce="b")
    await box.mention(-1, [-3, -4], notice, nonce="c")
    await box.post(-1, Notice("{who} presents", people={"who": -4}), nonce="d")
    assert out.getvalue().splitlines() == [
        "[#seminar] Due T5.",
        "[DM alice] Due T5.",
        "[mention] @bob @carol Due T5.",
        "[#seminar] @carol presents",
    ]


async def test_grouped_identical_dms_print_once_in_order() -> None:
    out = io.StringIO()
    box = outbox(out)
    box.group = True
    await box.direct(-2, Notice("Same"), nonce="a")
    await box.direct(-3, Notice("Same"), nonce="b")
    await box.direct(-4, Notice("Other"), nonce="c")
    await box.post(-1, Notice("Post"), nonce="d")
    box.flush()
    assert out.getvalue().splitlines() == [
        "[DM alice, bob] Same",
        "[DM carol] Other",
        "[#seminar] Post",
    ]
    assert box.sent == 4


# -- the timeline --------------------------------------------------------------------


def occurrence(due_at: int, key: str) -> Occurrence:
    return Occurrence(due_at, key, 1, Source.DEADLINE, 1, expires_at=due_at + 10_000)


@dataclass
class FakeEngine:
    """A planner whose pending list shrinks as the dispatcher runs occurrences."""

    clock: ConsoleClock
    pending_list: list[Occurrence]
    ran: list[tuple[str, int]] = field(default_factory=list)

    async def pending(self) -> list[Occurrence]:
        return sorted(self.pending_list)

    async def is_current(self, occurrence: Occurrence) -> bool:
        return occurrence.key != "stale"

    async def run(self, occurrence: Occurrence) -> RunOutcome:
        self.ran.append((occurrence.key, self.clock.now()))
        self.pending_list.remove(occurrence)
        return RunOutcome(True, "done")


async def test_advance_runs_what_falls_due_in_order_at_its_own_time() -> None:
    clock = ConsoleClock(start=START)
    engine = FakeEngine(
        clock,
        [
            occurrence(START + 300, "third"),
            occurrence(START - 50, "overdue"),
            occurrence(START + 100, "first"),
            occurrence(START + 9_999, "later"),
        ],
    )
    flushed: list[int] = []
    timeline = Timeline(clock, engine, engine, after_each=lambda: flushed.append(1))
    assert await timeline.advance_to(START + 1_000) == 3
    # The overdue one runs now (the clock never goes back), then each at its due time.
    assert engine.ran == [("overdue", START), ("first", START + 100), ("third", START + 300)]
    assert clock.now() == START + 1_000
    assert len(flushed) == 3
    assert [o.key for o in engine.pending_list] == ["later"]


async def test_deliver_due_runs_only_what_is_due_now() -> None:
    clock = ConsoleClock(start=START)
    engine = FakeEngine(clock, [occurrence(START, "now"), occurrence(START + 1, "soon")])
    timeline = Timeline(clock, engine, engine)
    assert await timeline.deliver_due() == 1
    assert clock.now() == START


async def test_a_row_changed_since_planning_is_skipped() -> None:
    clock = ConsoleClock(start=START)
    engine = FakeEngine(clock, [occurrence(START + 1, "stale"), occurrence(START + 2, "ok")])
    await Timeline(clock, engine, engine).advance_to(START + 10)
    assert engine.ran == [("ok", START + 2)]


# -- the loop and completion ---------------------------------------------------------


@dataclass
class ScriptedSession:
    outcomes: dict[str, Outcome]
    seen: list[str] = field(default_factory=list)

    def prompt(self) -> str:
        return "x> "

    async def handle(self, line: str) -> Outcome:
        self.seen.append(line)
        return self.outcomes.get(line.strip(), Outcome.DONE)


async def run_loop(script: str, outcomes: dict[str, Outcome]) -> tuple[int, list[str], str]:
    shown = io.StringIO()
    session = ScriptedSession(outcomes)
    lines = PipedLines(io.StringIO(script), lambda prompt, line: shown.write(prompt + line + "\n"))

    async def no_refresh() -> None:
        return None

    status = await loop(session, lines, no_refresh)
    return status, session.seen, shown.getvalue()


async def test_piped_input_echoes_commands_and_ends_with_0() -> None:
    status, seen, shown = await run_loop("# a comment\n/join\n\nbad\n", {"bad": Outcome.REFUSED})
    assert status == EXIT_OK
    assert shown == "x> /join\nx> bad\n"
    assert seen[-1] == "bad"  # a refusal does not stop the script


async def test_an_unexpected_failure_stops_with_1() -> None:
    status, seen, _ = await run_loop("/a\n/boom\n/never\n", {"/boom": Outcome.FAILED})
    assert status == EXIT_FAILED
    assert seen == ["/a", "/boom"]


async def test_an_unanswered_confirmation_declines_and_keeps_the_line() -> None:
    shown = io.StringIO()
    lines = PipedLines(io.StringIO("/join\n"), lambda p, a: shown.write(f"{p}{a}\n"))
    assert await lines.confirm("Confirm? [y/N] ") is False
    assert await lines.read("x> ") == "/join"
    assert shown.getvalue() == "Confirm? [y/N] \nx> /join\n"


async def test_a_confirmation_reads_the_next_line() -> None:
    shown = io.StringIO()
    lines = PipedLines(io.StringIO("# why\nyes\nn\n"), lambda p, a: shown.write(f"{p}{a}\n"))
    assert await lines.confirm("Confirm? [y/N] ") is True
    assert await lines.confirm("Confirm? [y/N] ") is False
    assert await lines.confirm("Confirm? [y/N] ") is False  # end of input: no
    assert shown.getvalue() == "Confirm? [y/N] yes\nConfirm? [y/N] n\nConfirm? [y/N] \n"


class Vocabulary:
    def commands(self) -> list[str]:
        return ["/prefs set", "/prefs show", "/paper", "/papers", "advance"]

    def options(self, command_text: str) -> list[str]:
        return {"/prefs set": ["first", "second"], "/paper": ["paper"]}.get(command_text, [])

    def values(self, command_text: str, option: str) -> list[str]:
        return ["wei-ma-2019", "jacot-2018"]

    def names(self) -> list[str]:
        return ["alice", "bob", "organiser"]


def test_completion_of_commands_options_and_paper_codes() -> None:
    vocabulary = Vocabulary()

    def offered(text: str) -> list[str]:
        return [suggestion for suggestion, _ in completions(vocabulary, text)]

    assert offered("/pr") == ["/prefs set", "/prefs show"]
    assert offered("!prefs s") == ["set", "show"]
    assert offered("/prefs set f") == ["first:"]
    assert offered("/prefs set first:j") == ["first:jacot-2018"]
    assert offered("/paper we") == ["wei-ma-2019"]
    assert offered("adv") == ["advance"]
    assert offered("as al") == ["alice"]
    assert offered("as ") == ["alice", "bob", "organiser"]
