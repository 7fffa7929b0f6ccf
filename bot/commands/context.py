"""What a command handler is given and what it gives back, the same on every front end.

A front end turns a message (or a slash command, or a typed line) into an
`Invocation`, lets the `CommandLayer` run it, and renders the `Answer`: text
written with the front end's own `Style`, maybe a file, maybe a question to
confirm first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.core.errors import DomainError
from bot.core.models import Platform
from bot.core.services import Services

if TYPE_CHECKING:
    from bot.commands.options import Command

# What an option's value is once parsed: text, a whole number or a yes/no.
# Member options hold the account id they were resolved to (an int).
Value = str | int | bool


@dataclass(frozen=True)
class Actor:
    """Who typed the command. `account_id` is what the core takes as `user_id`.

    `is_organiser` is decided by the front end (Discord: Manage Server or the
    organiser role; Matrix: power level >= 50; console: `as organiser`).
    """

    account_id: int
    display_name: str
    is_organiser: bool


class Style(Protocol):
    """How a front end writes text. Handlers never spell markup themselves."""

    def when(self, unix: int) -> str:
        """An instant for this reader: absolute time with its zone name, plus relative."""
        ...

    def bold(self, text: str) -> str: ...

    def code(self, text: str) -> str:
        """Inline code (paper codes, commands); `text` is never user markup."""
        ...

    def escape(self, text: str) -> str:
        """User-typed text shown verbatim: markup neutralised, mentions unable to ping."""
        ...

    def command(self, path: str) -> str:
        """A command as the reader types it, e.g. `/prefs set` or `!prefs set`."""
        ...

    def person(self, account_id: int, name: str) -> str:
        """A person, shown so that it never pings: their name (escaped), maybe linked."""
        ...


class Attachment(Protocol):
    """A file that came with the command (Discord attachment, Matrix upload, a path)."""

    @property
    def filename(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def content_type(self) -> str | None: ...

    async def read(self) -> bytes: ...


MemberResolver = Callable[[str], Awaitable[int | None]]


@dataclass(frozen=True)
class Invocation:
    """One command as asked: where, by whom, with which option values.

    `place_id` is the seminar's place (the Discord guild, the Matrix room, the
    console), what the core services take as `guild_id`. `values` holds only the
    options that were given, already converted (member options as account ids).
    `resolve_member` turns typed text (`@alice:uni.example`, `alice`) into an
    account id, or None when it names nobody known.
    """

    platform: Platform
    place_id: int
    actor: Actor
    values: Mapping[str, Value]
    style: Style
    resolve_member: MemberResolver
    attachment: Attachment | None = None

    def text(self, name: str, default: str = "") -> str:
        value = self.values.get(name, default)
        return str(value)

    def optional_text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name, default)
        return value if isinstance(value, bool) else default


@dataclass(frozen=True)
class Confirmation:
    """A destructive action the asker must confirm first.

    The front end shows `prompt` with a button labelled `confirm_label` (Discord),
    a ✅ reaction or a reply `yes` (Matrix), or `Confirm? [y/N]` (console). It calls
    `action` only if the one who confirms is the one who asked and is still
    allowed (for organiser commands: still an organiser); its Answer replaces the
    question. `CommandLayer.confirm` runs it through the layer's one error path.
    """

    prompt: str
    confirm_label: str
    action: Callable[[], Awaitable[Answer]]
    # Filled in by the layer: who may confirm, and whether they must still be an organiser.
    asker_id: int = 0
    organiser: bool = False


@dataclass(frozen=True)
class Answer:
    """What to show. Private (only the asker sees it) unless `private` is False.

    `file` is (filename, bytes) to upload with the text. With `confirm`, `text`
    is the question and nothing has happened yet.
    """

    text: str
    title: str | None = None
    private: bool = True
    file: tuple[str, bytes] | None = None
    confirm: Confirmation | None = None
    # True for refusals and apologies: the command changed nothing.
    refused: bool = field(default=False)
    # Set on an apology for an unexpected failure: quoted to organisers / logs.
    error_id: str | None = None
    # The asker's personal data was just deleted: a front end drops what it keeps about
    # them outside the seminar database too (Matrix: their DM room, chosen home room).
    forget_asker: bool = False


@dataclass(frozen=True)
class Limits:
    """Sizes and waits the deployment's settings decide (built in bot/__main__.py)."""

    max_upload_bytes: int
    download_timeout_seconds: float
    max_import_bytes: int = 2 * 1024 * 1024


@dataclass(frozen=True)
class Call:
    """Everything a handler gets: the services, the invocation, the limits."""

    services: Services
    invocation: Invocation
    limits: Limits
    # The commands of this platform (for `help`).
    commands: tuple[Command, ...] = ()

    @property
    def style(self) -> Style:
        return self.invocation.style

    @property
    def place_id(self) -> int:
        return self.invocation.place_id

    @property
    def account_id(self) -> int:
        return self.invocation.actor.account_id


Handler = Callable[[Call], Awaitable[Answer]]


class UsageError(DomainError):
    """The typed command could not be read; nothing was run."""

    def __init__(self, message: str, command: Command | None = None) -> None:
        self.problem = message
        self.command = command
        super().__init__(self.for_platform(None))

    def for_platform(self, platform: Platform | None) -> str:
        """The problem and the right form, with only the options `platform` offers."""
        if self.command is None:
            return self.problem
        return f"{self.problem}\nUsage: `{self.command.usage(platform=platform)}`"
