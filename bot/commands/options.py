"""What a command and an option are: the shape of the table in `spec.py`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.commands.context import Handler
from bot.core.models import ALL_PLATFORMS, Platform


class OptionType(StrEnum):
    """What an option's value is; decides how typed text is checked and converted."""

    TEXT = "text"  # free text; by position it takes the rest of the line
    WORD = "word"  # one word of text (a code, a deadline kind)
    INTEGER = "integer"  # a whole number within min_value..max_value
    BOOLEAN = "boolean"  # true/false, yes/no, on/off
    CHOICE = "choice"  # one of `choices`
    PAPER = "paper"  # a paper's code (or exact title)
    TOPIC = "topic"  # a topic of the catalogue
    MEMBER = "member"  # a person, resolved by the front end to an account id
    TIME = "time"  # a local time in the seminar's zone, read by the core
    DATE = "date"  # YYYY-MM-DD
    CLOCK = "clock"  # HH:MM
    ZONE = "zone"  # an IANA timezone
    OFFSETS = "offsets"  # reminder offsets like 7d,1d,2h
    GRADE = "grade"  # a grade on the German scale
    FILE = "file"  # an attachment (on the console: a path)
    CHANNEL = "channel"  # Discord only: a text channel
    ROLE = "role"  # a role to ping (Matrix/console: `room`)
    COMMAND = "command"  # a command's name (for `help`)
    ANNOUNCEMENT = "announcement"  # a scheduled announcement's number (`12` or `#12`)


DISCORD_ONLY = frozenset({Platform.DISCORD})
TYPED = frozenset({Platform.MATRIX, Platform.CONSOLE})


@dataclass(frozen=True)
class Option:
    name: str
    type: OptionType
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    default: str | int | bool | None = None
    min_value: int | None = None
    max_value: int | None = None
    # What to show in "the right form" (`when:2027-01-15 23:59`).
    example: str = ""
    platforms: frozenset[Platform] = ALL_PLATFORMS

    def form(self) -> str:
        """`name:<example>` as shown in usage lines."""
        sample = self.example or (self.choices[0] if self.choices else self.type.value)
        return f"{self.name}:{sample}"


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    help: str
    options: tuple[Option, ...]
    handler: Handler
    organiser: bool = False
    platforms: frozenset[Platform] = ALL_PLATFORMS
    # A longer explanation for `help <command>`.
    details: str = ""
    _by_name: dict[str, Option] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({option.name: option for option in self.options})

    @property
    def name(self) -> str:
        """`prefs set`, `admin paper add`: the path as typed, without prefix."""
        return " ".join(self.path)

    def option(self, name: str) -> Option | None:
        return self._by_name.get(name)

    def options_for(self, platform: Platform | None) -> tuple[Option, ...]:
        """The options offered on `platform` (all of them for None)."""
        if platform is None:
            return self.options
        return tuple(option for option in self.options if platform in option.platforms)

    def usage(self, prefix: str = "/", platform: Platform | None = None) -> str:
        """`/admin deadline set kind:report when:2027-01-15 23:59 [reminders:7d,1d,2h] …`."""
        parts = [f"{prefix}{self.name}"]
        for option in self.options_for(platform):
            parts.append(option.form() if option.required else f"[{option.form()}]")
        return " ".join(parts)

    @property
    def wants_file(self) -> bool:
        """True when the command takes an attachment (`/submit`, `/admin paper import`)."""
        return any(option.type is OptionType.FILE for option in self.options)
