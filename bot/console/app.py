"""The terminal front end: a seminar at the prompt, or a script through a pipe."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from bot.commands.context import Limits
from bot.commands.layer import CommandLayer
from bot.commands.options import OptionType
from bot.console import demo
from bot.console.clock import ConsoleClock
from bot.console.outbox import ConsoleOutbox
from bot.console.screen import Screen
from bot.console.session import ORGANISER, PLACE, Identities, Outcome, Session
from bot.console.terminal import Lines, PipedLines, PromptLines
from bot.console.timeline import Timeline, settle
from bot.core.errors import DomainError
from bot.core.models import Platform
from bot.core.reminders import Dispatcher, ReminderPlanner
from bot.core.services import Services
from bot.scheduler import ReminderScheduler

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
SETTLE_SECONDS = 10.0
CONSOLE_WORDS = ("as", "now", "advance", "advance to", "files", "help", "exit")


@dataclass(frozen=True)
class ConsoleOptions:
    demo: bool
    files_dir: Path | None


def parse_arguments(argv: Sequence[str]) -> ConsoleOptions:
    parser = argparse.ArgumentParser(
        prog="python -m bot console",
        description=(
            "The seminar at a terminal prompt, as one person at a time. "
            "Reads commands from stdin when it is not a terminal."
        ),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="a fresh temporary database with the reference seminar and a simulated clock",
    )
    parser.add_argument(
        "--files",
        type=Path,
        default=None,
        help="where files the bot sends are written (default: a new temporary folder)",
    )
    args = parser.parse_args(list(argv))
    return ConsoleOptions(demo=bool(args.demo), files_dir=args.files)


def demo_clock() -> ConsoleClock:
    return ConsoleClock(start=int(demo.START.timestamp()))


def wants_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


class CurrentStdout(io.TextIOBase):
    """Writes to whatever `sys.stdout` is at the moment of writing."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


class Vocabulary:
    """What tab completion offers: command and option names, choices, paper codes."""

    def __init__(self, layer: CommandLayer, people: set[str]) -> None:
        self.table = {f"/{c.name}": c for c in layer.table(Platform.CONSOLE)}
        self.papers: list[str] = []
        # Names typed after `as` in this session (the session adds to it).
        self.people = people

    def commands(self) -> list[str]:
        return [*self.table, *CONSOLE_WORDS]

    def options(self, command_text: str) -> list[str]:
        command = self.table.get(command_text)
        return [] if command is None else [option.name for option in command.options]

    def values(self, command_text: str, option_name: str) -> list[str]:
        command = self.table.get(command_text)
        option = None if command is None else command.option(option_name)
        if option is None:
            return []
        if option.type is OptionType.PAPER:
            return self.papers
        if option.type is OptionType.BOOLEAN:
            return ["true", "false"]
        if option.type is OptionType.MEMBER:
            return sorted(self.people - {ORGANISER})
        return list(option.choices)

    def names(self) -> list[str]:
        return sorted(self.people)


async def run(
    services: Services,
    clock: ConsoleClock,
    identities: Identities,
    options: ConsoleOptions,
    limits: Limits,
    *,
    stdin: TextIO,
    stdout: TextIO,
    history: Path | None,
) -> int:
    """Run the console until the input ends; the exit status for the process."""
    # At a prompt, what the reminder engine prints must go through prompt_toolkit's
    # patched stdout (above the line being typed), which exists only once it runs.
    # A prompt needs a terminal on both ends; `make demo | tee log` reads lines instead.
    interactive = stdin.isatty() and stdout.isatty()
    out = CurrentStdout() if interactive else stdout
    screen = Screen(out, colour=wants_colour(stdout))
    layer = CommandLayer(services, limits)
    people = {ORGANISER, *(demo.STUDENTS if options.demo else ())}
    vocabulary = Vocabulary(layer, people)
    lines: Lines
    if interactive:
        lines = PromptLines(vocabulary, history)
    else:
        lines = PipedLines(stdin, lambda prompt, line: screen.line(prompt + line, colour="prompt"))
    # Created on the first file, so a session that sends none leaves nothing behind.
    files_dir = (
        options.files_dir or Path(tempfile.gettempdir()) / f"seminar-bot-files-{os.getpid()}"
    )
    place_id = await identities.place(Platform.CONSOLE, PLACE)
    session = Session(
        services=services,
        layer=layer,
        identities=identities,
        place_id=place_id,
        clock=clock,
        timeline=None,
        screen=screen,
        lines=lines,
        files_dir=files_dir,
        workdir=Path.cwd(),
        people=people,
    )
    outbox = ConsoleOutbox(
        screen, session.style_for, session.account_name, session.place_name, session.before_send
    )
    # Only console seminars: a chat seminar in the same database belongs to its bot.
    planner = ReminderPlanner(services.db, clock, {Platform.CONSOLE})
    dispatcher = Dispatcher(services.db, clock, {Platform.CONSOLE: outbox})
    scheduler: ReminderScheduler | None = None
    if clock.simulated:
        outbox.group = True
        session.timeline = Timeline(clock, planner, dispatcher, after_each=outbox.flush)
    if options.demo:

        async def account_of(name: str) -> int:
            return await identities.account(Platform.CONSOLE, name)

        await demo.build(services, place_id, account_of)
    if not clock.simulated:
        # The wall clock: reminders fire on their own, as from the chat bots.
        scheduler = ReminderScheduler(services.db, clock, planner, dispatcher)
        services.schedule_changed.subscribe(scheduler.request_rebuild)
        await scheduler.start()
    try:
        # Before the prompt exists: through the patched stdout it would be flushed later,
        # by a thread, and could land after the first prompt is drawn.
        await banner(session, services, screen, files_dir, demo_mode=options.demo)
        with lines.output():

            async def refresh() -> None:
                await refresh_papers(vocabulary, services, place_id)

            status = await loop(session, lines, refresh)
            if scheduler is not None:
                # Piped input may end right after a post: let it go out first.
                try:
                    async with asyncio.timeout(SETTLE_SECONDS):
                        await settle(planner, clock)
                except TimeoutError:
                    log.warning("reminders still due at exit go out at the next start")
            return status
    finally:
        if scheduler is not None:
            await scheduler.stop()


async def banner(
    session: Session, services: Services, screen: Screen, files_dir: Path, *, demo_mode: bool
) -> None:
    seminar = await services.seminars.find(session.place_id)
    what = f"“{seminar.title}”" if seminar is not None else "no seminar yet (`/admin setup`)"
    clock = "simulated: `advance 3d` moves it" if demo_mode else "the wall clock"
    screen.say(
        f"seminar-bot console · {what}\n"
        f"It is {await session.now_text()} ({clock}).\n"
        f"You are {session.name}; `as alice` becomes alice. `help` for the console, "
        f"`/help` for the seminar's commands.\n"
        f"Files the bot sends go to {files_dir}",
        colour="dim",
    )


class Reader(Protocol):
    def prompt(self) -> str: ...

    async def handle(self, line: str) -> Outcome: ...


async def loop(session: Reader, lines: Lines, before_each: Callable[[], Awaitable[None]]) -> int:
    """Read and run lines until the input ends: 0, or 1 once a piped command failed."""
    while True:
        await before_each()
        line = await lines.read(session.prompt())
        if line is None:
            return EXIT_OK
        outcome = await session.handle(line)
        if outcome is Outcome.QUIT:
            return EXIT_OK
        if outcome is Outcome.FAILED and not lines.interactive:
            return EXIT_FAILED


async def refresh_papers(vocabulary: Vocabulary, services: Services, place_id: int) -> None:
    try:
        vocabulary.papers = [paper.code for paper in await services.papers.browse(place_id)]
    except DomainError:
        vocabulary.papers = []


__all__ = ["ORGANISER", "ConsoleOptions", "demo_clock", "parse_arguments", "run"]
