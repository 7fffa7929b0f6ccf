"""`help [command]`: the commands, or one command with its options."""

from __future__ import annotations

import difflib

from bot.commands.context import Answer, Call, Style, UsageError
from bot.commands.options import Command, Option, OptionType
from bot.core.models import Platform


def usage(command: Command, style: Style, platform: Platform | None = None) -> str:
    options = command.options_for(platform)
    forms = [o.form() if o.required else f"[{o.form()}]" for o in options]
    return style.code(" ".join([style.command(command.name), *forms]))


def option_line(option: Option, style: Style) -> str:
    line = f"{style.code(option.name)} — {option.help}"
    notes = []
    if option.required:
        notes.append("required")
    if option.choices and option.type is OptionType.CHOICE:
        notes.append("one of " + ", ".join(style.code(c) for c in option.choices))
    if option.default is not None and option.default != "":
        shown = str(option.default).lower() if isinstance(option.default, bool) else option.default
        notes.append(f"default {style.code(str(shown))}")
    if notes:
        line += f" ({'; '.join(notes)})"
    return line


def explain(command: Command, style: Style, platform: Platform | None = None) -> str:
    options = command.options_for(platform)
    lines = [usage(command, style, platform), command.help + "."]
    if command.details:
        lines.append(command.details)
    if command.organiser:
        lines.append("Organisers only.")
    if options:
        lines.append("")
        lines.append(style.bold("Options") + " (as `name:value`, or by position in this order):")
        lines.extend("• " + option_line(option, style) for option in options)
    return "\n".join(lines)


def overview(commands: tuple[Command, ...], style: Style, organiser: bool) -> str:
    everyone = [c for c in commands if not c.organiser]
    admin = [c for c in commands if c.organiser]
    lines = [style.bold("Commands")]
    lines.extend(f"{style.code(style.command(c.name))} — {c.help}" for c in everyone)
    if organiser:
        lines.append("")
        lines.append(style.bold("Organisers"))
        lines.extend(f"{style.code(style.command(c.name))} — {c.help}" for c in admin)
    elif admin:
        lines.append("")
        lines.append(
            f"Organisers also have {style.code(style.command('admin …'))}: "
            f"{style.code(style.command('help admin'))}."
        )
    lines.append("")
    lines.append(
        f"Options are typed as {style.code('name:value')}, e.g. "
        f"{style.code(style.command('prefs set first:wei-ma-2019 second:jacot-2018'))}. "
        f"{style.code(style.command('help prefs set'))} explains one command."
    )
    return "\n".join(lines)


async def show(call: Call) -> Answer:
    style = call.style
    commands = call.commands
    wanted = call.invocation.text("command").strip().lstrip("!/").strip().lower()
    if not wanted:
        return Answer(overview(commands, style, call.invocation.actor.is_organiser), title="Help")
    path = tuple(wanted.split())
    exact = [c for c in commands if c.path == path]
    if exact:
        return Answer(
            explain(exact[0], style, call.invocation.platform), title=f"Help: {exact[0].name}"
        )
    below = [c for c in commands if c.path[: len(path)] == path]
    if below:
        lines = [f"{style.code(style.command(c.name))} — {c.help}" for c in below]
        lines.append("")
        lines.append(f"{style.code(style.command('help ' + below[0].name))} explains one.")
        return Answer("\n".join(lines), title=f"Help: {' '.join(path)}")
    names = sorted({c.name for c in commands} | {c.path[0] for c in commands})
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
    hint = (" Did you mean " + " or ".join(f"`/{n}`" for n in close) + "?") if close else ""
    raise UsageError(f"There is no command `/{wanted[:40]}`.{hint} `/help` lists them all.")
