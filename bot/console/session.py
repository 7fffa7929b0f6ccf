"""One person at a time at the terminal: `as alice`, the seminar's commands, the clock.

The console's own words are few (`as`, `now`, `advance`, `files`, `exit`);
everything starting with `/` or `!` is a seminar command, parsed, checked and
worded by the shared command layer exactly as on Matrix.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.commands.context import Actor, Answer, Invocation, Value
from bot.commands.layer import CommandLayer
from bot.commands.options import Option, OptionType
from bot.commands.plain import PlainStyle
from bot.console.clock import ConsoleClock, advance_target
from bot.console.screen import Screen, resolve_mentions
from bot.console.terminal import Lines
from bot.console.timeline import Timeline
from bot.core.errors import DomainError
from bot.core.models import DEFAULT_TIMEZONE, Platform
from bot.core.services import Services

log = logging.getLogger(__name__)

ORGANISER = "organiser"
PLACE = "seminar"
_NAME = re.compile(r"^@?([A-Za-z0-9][A-Za-z0-9._-]{0,31})$")
CONSOLE_HELP = """\
Console commands (everything else starts with `/` or `!`; `/help` lists those):
  as NAME          become NAME (`as organiser` is an organiser; a new name is a
                   new member who can `/join`)
  now              the clock, in the seminar's timezone
  advance 3d       move the clock forward (units w d h m s, e.g. `advance 2h30m`)
                   and show every reminder sent meanwhile, as it happens
  advance to 2026-11-01 23:00
  files            where files the bot sends are written
  exit             leave (Ctrl-D too)"""


class Outcome(Enum):
    DONE = "done"
    REFUSED = "refused"  # a bad input or a refusal: nothing changed, not a failure
    FAILED = "failed"  # something went wrong unexpectedly
    QUIT = "quit"


class Identities(Protocol):
    """What the console needs of `services.identities` (bot/core/identities.py)."""

    async def account(self, platform: Platform, external_id: str) -> int: ...

    async def known_account(self, platform: Platform, external_id: str) -> int | None: ...

    async def place(self, platform: Platform, external_id: str) -> int: ...

    async def external_account(self, account_id: int) -> tuple[Platform, str] | None: ...

    async def timezone(self, account_id: int) -> str | None: ...


@dataclass(frozen=True)
class PathAttachment:
    """A file given as a path, as the command layer's Attachment."""

    path: Path
    data: bytes

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def content_type(self) -> str | None:
        return mimetypes.guess_type(self.path.name)[0]

    async def read(self) -> bytes:
        return self.data


class Session:
    def __init__(
        self,
        *,
        services: Services,
        layer: CommandLayer,
        identities: Identities,
        place_id: int,
        clock: ConsoleClock,
        timeline: Timeline | None,
        screen: Screen,
        lines: Lines,
        files_dir: Path,
        workdir: Path,
        people: set[str],
    ) -> None:
        self.services = services
        self.layer = layer
        self.identities = identities
        self.place_id = place_id
        self.clock = clock
        # None: reminders run on the wall clock (the scheduler), `advance` is refused.
        self.timeline = timeline
        self.screen = screen
        self.lines = lines
        self.files_dir = files_dir
        self.workdir = workdir
        self.name = ORGANISER
        # Everyone who has been `as`-ed (for completion).
        self.people = people
        self._header_at: int | None = None

    # -- who and where -----------------------------------------------------------------

    async def zone(self) -> ZoneInfo:
        seminar = await self.services.seminars.find(self.place_id)
        return ZoneInfo(seminar.timezone if seminar is not None else DEFAULT_TIMEZONE)

    async def style(self) -> PlainStyle:
        """For whoever is typing."""
        return await self.style_for((await self.actor()).account_id)

    async def style_for(self, reader: int | None) -> PlainStyle:
        """Times in the reader's own zone if they chose one (`/timezone`), else in the
        seminar's (always for the channel: `reader` None)."""
        chosen = None if reader is None else await self.identities.timezone(reader)
        zone = ZoneInfo(chosen) if chosen else await self.zone()
        return PlainStyle(self.clock, zone, Platform.CONSOLE)

    async def account_name(self, account_id: int) -> str:
        found = await self.identities.external_account(account_id)
        if found is None:
            return f"member {account_id}"
        platform, external = found
        return external if platform is Platform.CONSOLE else f"{platform.value}:{external}"

    async def place_name(self, place_id: int) -> str:
        return PLACE

    async def actor(self) -> Actor:
        account_id = await self.identities.account(Platform.CONSOLE, self.name)
        return Actor(account_id, self.name, is_organiser=self.name == ORGANISER)

    async def resolve_member(self, text: str) -> int | None:
        found = _NAME.match(text.strip())
        if found is None:
            return None
        return await self.identities.known_account(Platform.CONSOLE, found.group(1).lower())

    def prompt(self) -> str:
        return self.screen.paint(f"{self.name}> ", "prompt")

    # -- one line ----------------------------------------------------------------------

    async def handle(self, line: str) -> Outcome:
        """Run one line; anything unexpected is logged and reported, never fatal."""
        try:
            return await self._handle(line)
        except Exception:
            log.exception("the console failed on %r", line)
            self.screen.say(
                "Sorry, something went wrong in the console; the details are in the log.",
                colour="error",
            )
            return Outcome.FAILED

    async def _handle(self, line: str) -> Outcome:
        text = line.strip()
        if not text or text.startswith("#"):
            return Outcome.DONE
        if text[0] in "/!":
            outcome = await self.command(text)
        else:
            outcome = await self.console_command(text)
        if self.timeline is not None and outcome is not Outcome.QUIT:
            # A post or publication made just now goes out at once, as on a chat.
            await self.timeline.deliver_due()
        return outcome

    async def console_command(self, text: str) -> Outcome:
        word, _, rest = text.partition(" ")
        verb = word.lower()
        if verb == "as":
            return self.become(rest.strip())
        if verb == "now":
            self.screen.say(await self.now_text())
            return Outcome.DONE
        if verb == "advance":
            return await self.advance(rest)
        if verb == "files":
            self.screen.say(f"Files the bot sends are written to {self.files_dir}")
            return Outcome.DONE
        if verb in {"help", "?"}:
            self.screen.say(CONSOLE_HELP)
            return Outcome.DONE
        if verb in {"exit", "quit"}:
            return Outcome.QUIT
        self.screen.say(
            f"`{word}` is not a console command. Seminar commands start with `/` "
            "(`/help` lists them); `help` lists the console's own.",
            colour="error",
        )
        return Outcome.REFUSED

    def become(self, who: str) -> Outcome:
        found = _NAME.match(who)
        if found is None:
            self.screen.say(
                "Use `as NAME` with a name of letters, digits, `.`, `_` or `-` "
                "(e.g. `as alice`, `as organiser`).",
                colour="error",
            )
            return Outcome.REFUSED
        self.name = found.group(1).lower()
        self.people.add(self.name)
        role = "an organiser" if self.name == ORGANISER else "a member of the chat server"
        self.screen.say(f"You are now {self.name}, {role}.")
        return Outcome.DONE

    async def now_text(self) -> str:
        tz = await self.zone()
        local = datetime.fromtimestamp(self.clock.now(), tz)
        return f"{local.strftime('%Y-%m-%d %H:%M')} {local.tzname()} ({tz.key}, {local:%A})"

    async def advance(self, argument: str) -> Outcome:
        if self.timeline is None:
            self.screen.say(
                "The clock is the real one here: `advance` would send reminders early from "
                "a real database. Try it in the demo (`python -m bot console --demo`).",
                colour="error",
            )
            return Outcome.REFUSED
        try:
            target = advance_target(argument, self.clock.now(), await self.zone())
        except DomainError as error:
            style = await self.style()
            text = error.render(style.when, lambda account: style.person(account, ""))
            self.screen.say(text, colour="error")
            return Outcome.REFUSED
        await self.timeline.advance_to(target)
        self.screen.say(f"It is now {await self.now_text()}.")
        return Outcome.DONE

    # -- seminar commands --------------------------------------------------------------

    async def command(self, text: str) -> Outcome:
        style = await self.style()
        invocation = Invocation(
            platform=Platform.CONSOLE,
            place_id=self.place_id,
            actor=await self.actor(),
            values={},
            style=style,
            resolve_member=self.resolve_member,
        )
        try:
            parsed = self.layer.parse(text, Platform.CONSOLE)
        except DomainError as error:
            return await self.show(self.layer.refuse(error, invocation), invocation)
        attachment: PathAttachment | None = None
        if parsed.command.wants_file:
            found = await self.attachment(parsed.command.options, parsed.values)
            if isinstance(found, str):
                self.screen.say(found, colour="error")
                return Outcome.REFUSED
            attachment = found
        answer = await self.layer.run(parsed, replace(invocation, attachment=attachment))
        return await self.show(answer, invocation)

    async def attachment(
        self, options: Sequence[Option], values: Mapping[str, Value]
    ) -> PathAttachment | str | None:
        """The file a `file:` option names, read from disk; a message if it cannot be."""
        for option in options:
            if option.type is not OptionType.FILE or option.name not in values:
                continue
            typed = str(values[option.name])
            try:
                return await asyncio.to_thread(read_file, self.workdir, typed)
            except OSError as error:
                return f"Cannot read `{typed}`: {error.strerror or error}."
        return None

    async def show(self, answer: Answer, invocation: Invocation) -> Outcome:
        text = await resolve_mentions(answer.text, self.account_name)
        if answer.title:
            text = f"**{answer.title}**\n{text}"
        tag = "" if answer.private else f"[#{PLACE}]"
        self.screen.say(text, tag=tag, colour="error" if answer.refused else None)
        if answer.file is not None:
            self.screen.say(f"📎 {await self.save(*answer.file)}")
        if answer.confirm is not None:
            confirmed = await self.lines.confirm("Confirm? [y/N] ")
            if not confirmed:
                self.screen.say("Cancelled. Nothing changed.")
                return Outcome.DONE
            # The console's asker is the one who confirms, with the same standing.
            after = await self.layer.confirm(answer.confirm, invocation, invocation.actor)
            return await self.show(after, invocation)
        if answer.error_id is not None:
            return Outcome.FAILED
        return Outcome.REFUSED if answer.refused else Outcome.DONE

    async def save(self, name: str, data: bytes) -> str:
        target = await asyncio.to_thread(write_file, self.files_dir, name, data)
        return f"{target.name} ({len(data)} bytes) written to {target}"

    # -- the reminder engine's voice ---------------------------------------------------

    async def before_send(self) -> None:
        """Heads each moment's deliveries with the (simulated) time they went out."""
        now = self.clock.now()
        if self._header_at == now:
            return
        self._header_at = now
        stamp = datetime.fromtimestamp(now, await self.zone()).strftime("%a %Y-%m-%d %H:%M %Z")
        self.screen.line(f"── {stamp} ──", colour="dim")


def read_file(workdir: Path, typed: str) -> PathAttachment:
    """A path as typed (`./report.pdf`, `~/x.bib`), relative to where the console started."""
    path = Path(typed).expanduser()
    if not path.is_absolute():
        path = workdir / path
    return PathAttachment(path, path.read_bytes())


def write_file(folder: Path, name: str, data: bytes) -> Path:
    """Write a file the bot sends into `folder`; an existing file is never overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = Path(name).name or "file"
    target = folder / safe
    count = 1
    while target.exists():
        count += 1
        target = folder / f"{Path(safe).stem}-{count}{Path(safe).suffix}"
    target.write_bytes(data)
    return target
