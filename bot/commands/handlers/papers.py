"""`/papers` and `/paper`: the catalogue."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.common import paper_card, paper_line
from bot.core.text import echo


def nothing_found(topic: str | None, style: Style) -> str:
    if topic:
        return f"No papers on topic {style.code(echo(topic, 60))}."
    return "The catalogue is empty so far."


def browse_heading(topic: str | None, style: Style) -> str:
    return f"Papers on {style.escape(topic)}" if topic else "Paper catalogue"


async def browse(call: Call) -> Answer:
    style = call.style
    topic = call.invocation.optional_text("topic")
    # Kept per class of style: paper lines use only its markup (bold, code, escape),
    # never the reader's timezone or command spelling.
    rendered = await call.services.papers.rendered(
        call.place_id,
        topic,
        ("plain-lines", type(style)),
        lambda found: (len(found), "\n".join(paper_line(paper, style) for paper in found)),
    )
    if rendered is None:
        return Answer(nothing_found(topic, style))
    count, body = rendered
    heading = browse_heading(topic, style)
    footer = (
        f"{count} paper{'' if count == 1 else 's'} · "
        f"{style.code(style.command('paper'))} for details"
    )
    return Answer(f"{body}\n\n{footer}", title=heading)


async def show(call: Call) -> Answer:
    style = call.style
    card = await call.services.assignments.presenters(call.place_id, call.invocation.text("paper"))
    presenters = [style.person(s.user_id, s.display_name) for s in card.presenters]
    return Answer(paper_card(card.paper, style, presenters), title=card.paper.title)
