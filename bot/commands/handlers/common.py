"""Wording several handlers share (the same as the Discord cogs')."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.commands.context import Style
from bot.core.models import Deadline, Paper
from bot.core.reminders import DEADLINE_NAMES

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def ordinal(rank: int) -> str:
    return ORDINALS.get(rank, f"{rank}th")


def deadline_label(kind: str) -> str:
    """A deadline's name as a heading: the reminders' own wording, capitalised."""
    name = DEADLINE_NAMES.get(kind)
    if name is None:
        return kind.replace("-", " ").replace("_", " ").capitalize()
    return name[:1].upper() + name[1:]


# Whether I have done what a deadline asks: yes, not yet, or nothing to do (None).
DONE_MARKS = {True: "✅ done", False: "⏳ not done yet", None: ""}


def deadline_entry(deadline: Deadline, style: Style, done: bool | None = None) -> str:
    """A deadline as a timeline or /deadlines entry, its note on a second line."""
    line = f"{style.bold(deadline_label(deadline.kind))} — {style.when(deadline.due_at)}"
    if DONE_MARKS[done]:
        line += f" — {DONE_MARKS[done]}"
    if deadline.note:
        line += f"\n  {style.escape(deadline.note)}"
    return line


def field(style: Style, name: str, value: str) -> str:
    return f"{style.bold(name)}: {value}"


def paper_line(paper: Paper, style: Style) -> str:
    line = f"{style.code(paper.code)} — {style.bold(style.escape(paper.title))}"
    if paper.authors:
        line += f"\n  {style.escape(paper.authors)}"
    extras = [style.escape(paper.venue)] if paper.venue else []
    if paper.topic:
        extras.append(style.escape(paper.topic))
    if extras:
        line += "\n  " + " · ".join(extras)
    return line


def link_fields(paper: Paper) -> list[tuple[str, str]]:
    """Where to read the paper: the conference version and the longer arXiv one."""
    found = []
    if paper.url:
        found.append(("Conference version", paper.url))
    if paper.arxiv:
        found.append(("arXiv (the report follows this longer version)", paper.arxiv))
    return found


def paper_fields(
    paper: Paper, style: Style, presenters: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """A paper's details as (name, value) pairs: lines here, embed fields on Discord."""
    found = [("Code", style.code(paper.code))]
    if paper.venue:
        found.append(("Venue", style.escape(paper.venue)))
    if paper.topic:
        found.append(("Topic", style.escape(paper.topic)))
    found.extend(link_fields(paper))
    if paper.capacity > 1:
        found.append(("Presenters", f"up to {paper.capacity}"))
    shown = list(presenters)
    if shown:
        found.append(("Presented by", ", ".join(shown)))
    return found


def paper_card(paper: Paper, style: Style, presenters: Iterable[str] = ()) -> str:
    lines = [style.bold(style.escape(paper.title))]
    if paper.authors:
        lines.append(style.escape(paper.authors))
    lines.extend(
        field(style, name, value) for name, value in paper_fields(paper, style, presenters)
    )
    return "\n".join(lines)


def lines_or(lines: list[str], empty: str) -> str:
    return "\n".join(lines) if lines else empty


def plural(count: int, word: str, many: Callable[[str], str] = lambda w: w + "s") -> str:
    return f"{count} {word if count == 1 else many(word)}"
