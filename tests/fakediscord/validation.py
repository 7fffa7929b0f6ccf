"""Discord's rules for what a bot sends (command payloads), and small message helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .models import FakeMessage
from .wire import COMMAND_NAME


def _normalise_embed(embed: dict[str, Any]) -> dict[str, Any]:
    e = dict(embed)
    e.setdefault("type", "rich")
    return e


def _is_empty(msg: FakeMessage) -> bool:
    return not (msg.content.strip() or msg.embeds or msg.attachments or msg.components)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def validate_commands(commands: list[dict[str, Any]]) -> list[tuple[tuple[Any, ...], str]]:
    """Discord's rules for application command payloads (the ones a bot can get wrong)."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    seen: set[tuple[str, int]] = set()
    chat_input = 0
    for i, cmd in enumerate(commands):
        ctype = cmd.get("type", 1)
        name = cmd.get("name", "")
        key = (name, ctype)
        if key in seen:
            problems.append(((i, "name"), f"Application command names must be unique ({name!r})"))
        seen.add(key)
        if ctype == 1:
            chat_input += 1
            _check_name(problems, (i,), name)
            _check_description(problems, (i,), cmd.get("description"))
            _check_options(problems, (i, "options"), cmd.get("options") or [], depth=0)
        elif not 1 <= len(name) <= 32:
            problems.append(((i, "name"), "Must be between 1 and 32 in length."))
        perms = cmd.get("default_member_permissions")
        if perms is not None and not str(perms).isdigit():
            problems.append(
                ((i, "default_member_permissions"), "Must be a permission integer string")
            )
    if chat_input > 100:
        problems.append(((), "Maximum number of application commands reached (100)"))
    return problems


def _check_name(
    problems: list[tuple[tuple[Any, ...], str]], path: tuple[Any, ...], name: Any
) -> None:
    if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
        problems.append(
            ((*path, "name"), f"Command name {name!r} is invalid (lowercase, 1-32, no spaces)")
        )


def _check_description(
    problems: list[tuple[tuple[Any, ...], str]], path: tuple[Any, ...], desc: Any
) -> None:
    if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
        problems.append(((*path, "description"), "Must be between 1 and 100 in length."))


def _check_options(
    problems: list[tuple[tuple[Any, ...], str]],
    path: tuple[Any, ...],
    options: list[dict[str, Any]],
    depth: int,
) -> None:
    if len(options) > 25:
        problems.append((path, "Must be 25 or fewer in length."))
    names: set[str] = set()
    kinds = {o.get("type") in (1, 2) for o in options}
    if len(kinds) > 1:
        problems.append(
            (
                path,
                "Sub-command and sub-command group option types are mutually exclusive "
                "to all other types",
            )
        )
    seen_optional = False
    for j, opt in enumerate(options):
        p = (*path, j)
        otype = opt.get("type")
        name = opt.get("name", "")
        _check_name(problems, p, name)
        _check_description(problems, p, opt.get("description"))
        if name in names:
            problems.append(((*p, "name"), f"Option names must be unique ({name!r})"))
        names.add(name)
        if otype not in range(1, 12):
            problems.append(((*p, "type"), f"Invalid option type {otype}"))
            continue
        if otype in (1, 2):
            if depth >= 2 or (otype == 2 and depth >= 1):
                problems.append((p, "Sub-commands nest at most: command > group > subcommand"))
            inner = opt.get("options") or []
            if otype == 2 and any(o.get("type") != 1 for o in inner):
                problems.append(
                    ((*p, "options"), "A sub-command group may only contain sub-commands")
                )
            _check_options(problems, (*p, "options"), inner, depth + 1)
            continue
        if opt.get("required"):
            if seen_optional:
                problems.append(
                    (
                        (*p, "required"),
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if choices:
            if opt.get("autocomplete"):
                problems.append(
                    ((*p, "autocomplete"), "Autocomplete and choices are mutually exclusive")
                )
            if otype not in (3, 4, 10):
                problems.append(
                    ((*p, "choices"), "Only string, integer and number options take choices")
                )
            if len(choices) > 25:
                problems.append(((*p, "choices"), "Must be 25 or fewer in length."))
            for k, ch in enumerate(choices):
                cname = ch.get("name")
                if not isinstance(cname, str) or not 1 <= len(cname) <= 100:
                    problems.append(
                        ((*p, "choices", k, "name"), "Must be between 1 and 100 in length.")
                    )
                value = ch.get("value")
                if otype == 3 and (not isinstance(value, str) or len(value) > 100):
                    problems.append(
                        ((*p, "choices", k, "value"), "String choices: 1-100 characters")
                    )
                if otype in (4, 10) and (
                    isinstance(value, bool) or not isinstance(value, int | float)
                ):
                    problems.append(
                        ((*p, "choices", k, "value"), "Numeric choices need numeric values")
                    )
        if opt.get("autocomplete") and otype not in (3, 4, 10):
            problems.append(
                ((*p, "autocomplete"), "Only string, integer and number options autocomplete")
            )
        for lo, hi in (("min_length", "max_length"), ("min_value", "max_value")):
            a, b = opt.get(lo), opt.get(hi)
            if a is not None and b is not None and a > b:
                problems.append(((*p, lo), f"{lo} must not exceed {hi}"))
