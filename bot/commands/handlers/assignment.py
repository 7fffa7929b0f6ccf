"""`/assignment`: the paper I present, my talk slot, what is due next."""

from __future__ import annotations

from collections.abc import Callable

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.common import deadline_label, field, link_fields, ordinal
from bot.core.assignments import MyAssignment
from bot.core.models import Paper
from bot.core.talks import Talk

YOUR_PAPER = "Your paper"
NOTHING_DUE = "Nothing is due."


def no_paper_text(mine: MyAssignment) -> str:
    if mine.published_at is None:
        return "The paper assignment is not published yet; you will get a message when it is."
    return "You have no paper in the published assignment. Please contact the organisers."


def choice_text(mine: MyAssignment) -> str:
    if mine.rank is not None:
        return f"your {ordinal(mine.rank)} choice"
    if mine.pinned:
        return "assigned by the organisers"
    return "not on your list (placed on a free paper)"


def slot_text(slot: Talk | None, style: Style, until: Callable[[int], str] | None = None) -> str:
    """Where my talk sits; `until` shows its end (by default as `style.when`)."""
    talks = style.code(style.command("talks"))
    if slot is None:
        return f"not scheduled yet — see {talks} once it is"
    end = (until or style.when)(slot.ends_at)
    return (
        f"Day {slot.day_index + 1}, talk #{slot.position}: {style.when(slot.starts_at)} "
        f"to {end}. The whole programme: {talks}."
    )


def paper_fields(
    mine: MyAssignment,
    paper: Paper,
    slot: Talk | None,
    style: Style,
    until: Callable[[int], str] | None = None,
) -> list[tuple[str, str]]:
    """My paper as (name, value) pairs: lines here, embed fields on Discord."""
    found = [("Code", style.code(paper.code)), ("Choice", choice_text(mine))]
    if paper.venue:
        found.append(("Venue", style.escape(paper.venue)))
    found.extend(link_fields(paper))
    found.append(("Talk slot", slot_text(slot, style, until)))
    return found


def due_lines(mine: MyAssignment, style: Style) -> list[str]:
    return [f"{style.bold(deadline_label(d.kind))} — {style.when(d.due_at)}" for d in mine.upcoming]


async def show(call: Call) -> Answer:
    style = call.style
    services = call.services
    mine = await services.assignments.mine(call.place_id, call.account_id)
    slot = await services.talks.slot_of(call.place_id, call.account_id)
    paper = mine.paper
    lines: list[str] = []
    if paper is None:
        lines.append(no_paper_text(mine))
        title = YOUR_PAPER
    else:
        title = f"{YOUR_PAPER}: {paper.title}"
        if paper.authors:
            lines.append(style.escape(paper.authors))
        lines.extend(
            field(style, name, value) for name, value in paper_fields(mine, paper, slot, style)
        )
    lines.append(style.bold("Due next"))
    lines.extend([f"• {line}" for line in due_lines(mine, style)] or [NOTHING_DUE])
    return Answer("\n".join(lines), title=title)
