"""`/assignment`: the paper I present, my talk slot, what is due next."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.common import deadline_label, field, ordinal
from bot.core.talks import Talk


def slot_text(slot: Talk | None, style: Style) -> str:
    talks = style.code(style.command("talks"))
    if slot is None:
        return f"not scheduled yet — see {talks} once it is"
    return (
        f"Day {slot.day_index + 1}, talk #{slot.position}: {style.when(slot.starts_at)} "
        f"to {style.when(slot.ends_at)}. The whole programme: {talks}."
    )


async def show(call: Call) -> Answer:
    style = call.style
    services = call.services
    mine = await services.assignments.mine(call.place_id, call.account_id)
    slot = await services.talks.slot_of(call.place_id, call.account_id)
    paper = mine.paper
    lines: list[str] = []
    if paper is None:
        lines.append(
            "The paper assignment is not published yet; you will get a message when it is."
            if mine.published_at is None
            else "You have no paper in the published assignment. Please contact the organisers."
        )
        title = "Your paper"
    else:
        title = f"Your paper: {paper.title}"
        if paper.authors:
            lines.append(style.escape(paper.authors))
        lines.append(field(style, "Code", style.code(paper.code)))
        if mine.rank is not None:
            choice = f"your {ordinal(mine.rank)} choice"
        elif mine.pinned:
            choice = "assigned by the organisers"
        else:
            choice = "not on your list (placed on a free paper)"
        lines.append(field(style, "Choice", choice))
        if paper.venue:
            lines.append(field(style, "Venue", style.escape(paper.venue)))
        if paper.url:
            lines.append(field(style, "Conference version", paper.url))
        if paper.arxiv:
            lines.append(
                field(style, "arXiv (the report follows this longer version)", paper.arxiv)
            )
        lines.append(field(style, "Talk slot", slot_text(slot, style)))
    due = [
        f"• {style.bold(deadline_label(d.kind))} — {style.when(d.due_at)}" for d in mine.upcoming
    ]
    lines.append(style.bold("Due next"))
    lines.extend(due or ["Nothing is due."])
    return Answer("\n".join(lines), title=title)
