"""Typed commands (`!prefs set first:wei-ma-2019 second:…`) read against the table.

The syntax is Discord's own typed form: an optional `!` or `/`, the command's
words, then options as `name:value`, where a value runs until the next
`name:` of THAT command's options or the end of the line. Values may also be
given by position, in option order: one word each (a time may be a date and a
clock time, `2027-01-15 23:59`), except free text, which takes the rest of the
line (`!admin announce post Welcome, everyone`).

Every problem is a `UsageError` naming it and showing the right form. Messages
spell commands with `/`; `spelling.respell` turns that into `!` for Matrix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.commands.context import UsageError, Value
from bot.commands.options import Command, Option, OptionType
from bot.commands.spec import COMMANDS
from bot.core.errors import DomainError
from bot.core.grading import parse_grade
from bot.core.text import echo
from bot.core.timeutil import parse_offsets, zone

PREFIXES = ("!", "/")
_MARKER = re.compile(r"(?<!\S)([A-Za-z_][A-Za-z0-9_]*):(?!//)")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})
# Types whose positional value is the rest of the line.
_REST = frozenset({OptionType.TEXT, OptionType.TOPIC, OptionType.COMMAND})
# Types whose value is free text, so a `word:` inside it is part of the text.
_FREE = frozenset({OptionType.TEXT, OptionType.TOPIC, OptionType.COMMAND, OptionType.PAPER})


@dataclass(frozen=True)
class Parsed:
    """A command and the option values given, converted (defaults are not filled in)."""

    command: Command
    values: dict[str, Value]


def strip_prefix(text: str) -> str:
    stripped = text.strip()
    if stripped[:1] in PREFIXES:
        stripped = stripped[1:].lstrip()
    return stripped


def parse(text: str, commands: Sequence[Command] = COMMANDS) -> Parsed:
    body = strip_prefix(text)
    if not body:
        raise UsageError("Type a command after the `/`, e.g. `/help`.")
    command, rest = _find_command(body, commands)
    return Parsed(command, _options(command, rest))


# -- the command's words ------------------------------------------------------------------


def _find_command(body: str, commands: Sequence[Command]) -> tuple[Command, str]:
    leaves = {command.path: command for command in commands}
    groups = {command.path[:depth] for command in commands for depth in range(1, len(command.path))}
    prefix: tuple[str, ...] = ()
    for word in re.finditer(r"\S+", body):
        candidate = (*prefix, word.group().lower())
        if candidate in leaves:
            return leaves[candidate], body[word.end() :]
        if candidate in groups:
            prefix = candidate
            continue
        raise _unknown_command(prefix, word.group(), commands)
    # Only group words were typed: `/prefs`, `/admin paper`.
    below = [c for c in commands if c.path[: len(prefix)] == prefix]
    listed = ", ".join(f"`/{c.name}`" for c in below)
    raise UsageError(f"`/{' '.join(prefix)}` needs a subcommand: {listed}.")


def _unknown_command(
    prefix: tuple[str, ...], typed: str, commands: Sequence[Command]
) -> UsageError:
    shown = echo(typed, 40)
    if prefix:
        below = [c for c in commands if c.path[: len(prefix)] == prefix]
        names = sorted({c.path[len(prefix)] for c in below})
        close = difflib.get_close_matches(typed.lower(), names, n=1)
        hint = f" Did you mean `/{' '.join((*prefix, close[0]))}`?" if close else ""
        listed = ", ".join(f"`/{c.name}`" for c in below)
        return UsageError(
            f"`/{' '.join(prefix)}` has no subcommand `{shown}`.{hint} It has: {listed}."
        )
    names = sorted({c.path[0] for c in commands} | {c.name for c in commands})
    close = difflib.get_close_matches(typed.lower(), names, n=3, cutoff=0.6)
    hint = (" Did you mean " + " or ".join(f"`/{name}`" for name in close) + "?") if close else ""
    return UsageError(f"There is no command `/{shown}`.{hint} `/help` lists every command.")


# -- options ------------------------------------------------------------------------------


def _options(command: Command, rest: str) -> dict[str, Value]:
    markers = [m for m in _MARKER.finditer(rest) if command.option(m.group(1)) is not None]
    positional = rest[: markers[0].start()] if markers else rest
    raw: dict[str, str] = {}
    for index, marker in enumerate(markers):
        name = marker.group(1)
        end = markers[index + 1].start() if index + 1 < len(markers) else len(rest)
        if name in raw:
            raise UsageError(f"`{name}` is given twice.", command)
        raw[name] = rest[marker.end() : end].strip()
    by_position = _positional(command, positional, raw)
    raw.update(by_position)
    _refuse_unknown_names(command, raw, set(by_position))
    values: dict[str, Value] = {}
    for name, text in raw.items():
        option = command.option(name)
        assert option is not None
        if not text:
            raise UsageError(f"`{name}:` has no value.", command)
        values[name] = convert(command, option, text)
    missing = [
        option.name
        for option in command.options
        if option.required and option.type is not OptionType.FILE and option.name not in values
    ]
    if missing:
        named = " and ".join(f"`{name}`" for name in missing)
        raise UsageError(f"`/{command.name}` needs {named}.", command)
    return values


def _refuse_unknown_names(command: Command, raw: dict[str, str], by_position: set[str]) -> None:
    """`wehn:…` is a typo, not part of a value, unless the value is free text.

    Free text may contain `word:` (`note:PDF only: 8 pages`), unless the word is
    close to an option's name, or free text given by position starts with it
    (`/admin setup colour:red` is an unknown option, not a title).
    """
    names = [option.name for option in command.options]
    for given, text in raw.items():
        option = command.option(given)
        for found in _MARKER.finditer(text):
            typed = found.group(1)
            close = difflib.get_close_matches(typed.lower(), names, n=1, cutoff=0.75)
            leading = given in by_position and found.start() == 0
            if option is not None and option.type in _FREE and not close and not leading:
                continue
            raise _unknown_option(command, typed, close)


def _unknown_option(command: Command, typed: str, close: list[str]) -> UsageError:
    hint = f" Did you mean `{close[0]}:`?" if close else ""
    names = [option.name for option in command.options]
    known = ("It takes " + ", ".join(f"`{n}`" for n in names)) if names else "It takes none"
    return UsageError(
        f"`/{command.name}` has no option `{echo(typed, 30)}`.{hint} {known}.", command
    )


def _positional(command: Command, text: str, named: dict[str, str]) -> dict[str, str]:
    spans = list(re.finditer(r"\S+", text))
    words = [span.group() for span in spans]
    if not words:
        return {}
    slots = [option for option in command.options if option.name not in named]
    found: dict[str, str] = {}
    index = 0
    for option in slots:
        if index >= len(words):
            break
        if option.type in _REST:
            # As typed, line breaks included (a multi-line announcement).
            found[option.name] = text[spans[index].start() :].strip()
            index = len(words)
            break
        value = words[index]
        index += 1
        if (
            option.type is OptionType.TIME
            and _DATE.match(value)
            and index < len(words)
            and _CLOCK.match(words[index])
        ):
            value += " " + words[index]
            index += 1
        found[option.name] = value
    if index < len(words):
        extra = " ".join(words[index:])
        marker = _MARKER.search(extra)
        if marker is not None:
            names = [option.name for option in command.options]
            close = difflib.get_close_matches(marker.group(1).lower(), names, n=1, cutoff=0.75)
            raise _unknown_option(command, marker.group(1), close)
        raise UsageError(
            f"I could not tell which option `{echo(extra, 40)}` is for. "
            "Name the options as `name:value`.",
            command,
        )
    return found


# -- values -------------------------------------------------------------------------------


def convert(command: Command, option: Option, text: str) -> Value:
    """The typed `text` as the option's value, or a UsageError saying what is wrong."""
    shown = echo(text, 40)
    kind = option.type
    if kind is OptionType.INTEGER or kind is OptionType.ANNOUNCEMENT:
        digits = text.removeprefix("#") if kind is OptionType.ANNOUNCEMENT else text
        try:
            number = int(digits.replace("_", "x"))
        except ValueError:
            raise UsageError(
                f"`{option.name}` must be a whole number{_range(option)}; you typed `{shown}`.",
                command,
            ) from None
        low, high = option.min_value, option.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            raise UsageError(
                f"`{option.name}` must be a whole number{_range(option)}; you typed `{shown}`.",
                command,
            )
        return number
    if kind is OptionType.BOOLEAN:
        word = text.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise UsageError(
            f"`{option.name}` must be `true` or `false` (yes/no and on/off work too); "
            f"you typed `{shown}`.",
            command,
        )
    if kind is OptionType.CHOICE:
        word = text.lower()
        for choice in option.choices:
            if word == choice or (option.name == "weekday" and word == choice[:3]):
                return choice
        close = difflib.get_close_matches(word, option.choices, n=1)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        listed = ", ".join(f"`{choice}`" for choice in option.choices)
        raise UsageError(
            f"`{option.name}` must be one of {listed}; you typed `{shown}`.{hint}", command
        )
    if kind is OptionType.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise UsageError(
                f"`{option.name}` must be a date such as `2026-10-20`; you typed `{shown}`.",
                command,
            ) from None
    if kind is OptionType.CLOCK:
        if not _CLOCK.match(text):
            raise UsageError(
                f"`{option.name}` must be a 24-hour time such as `14:00`; you typed `{shown}`.",
                command,
            )
        return text
    # The core's own checks, so the wording is the same as on Discord.
    try:
        if kind is OptionType.ZONE:
            return zone(text).key
        if kind is OptionType.OFFSETS:
            parse_offsets(text)
        elif kind is OptionType.GRADE:
            parse_grade(text, option.name)
    except DomainError as error:
        raise UsageError(error.template, command) from None
    return text


def _range(option: Option) -> str:
    low, high = option.min_value, option.max_value
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" of at least {low}"
    if high is not None:
        return f" of at most {high}"
    return ""


__all__ = ["PREFIXES", "Parsed", "UsageError", "convert", "parse", "strip_prefix"]
