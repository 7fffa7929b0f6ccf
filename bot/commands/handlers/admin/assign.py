"""`/admin assign run|set|clear|publish`: the paper assignment."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Confirmation, Style
from bot.commands.handlers.common import field, ordinal
from bot.core.assignments import PinChange, PublishResult, RunSummary
from bot.core.models import Paper

REPRODUCIBLE = "Same seed + same input hash = same result."
PUBLISH_LABEL = "Publish"


def preview_title(run: RunSummary) -> str:
    return f"Assignment preview #{run.run_id}"


def preview_status(run: RunSummary, style: Style) -> str:
    publish = style.code(style.command("admin assign publish"))
    return {
        "preview": f"Nothing is public yet. {publish} publishes this preview.",
        "published": "This is the published assignment.",
    }.get(run.status, "")


def placed_heading(run: RunSummary) -> str:
    return f"{run.placed} of {run.students} students placed"


def rank_lines(run: RunSummary, style: Style) -> list[str]:
    """How many got which choice, and who got none."""
    lines = [
        f"{ordinal(rank)} choice: {style.bold(str(n))}" for rank, n in run.ranks if n or rank <= 3
    ]
    unranked = run.histogram.get("unranked", 0)
    lines.append(f"Unranked (pinned or filled): {style.bold(str(unranked))}")
    lines.append(f"Unassigned: {style.bold(str(run.histogram.get('unassigned', 0)))}")
    return lines


def preview_fields(run: RunSummary, style: Style) -> list[tuple[str, str]]:
    """The numbers that make a run reproducible and comparable, as (name, value) pairs."""
    moved = (
        "nothing is published yet"
        if run.moved is None
        else f"{style.bold(str(run.moved))} student{'' if run.moved == 1 else 's'}"
    )
    return [
        ("Moved vs published", moved),
        ("Pinned", str(run.histogram.get("pinned", 0))),
        (
            "Options",
            f"seed {style.code(str(run.seed))} · mode {style.code(run.mode)} · "
            f"fill {style.code(str(run.fill).lower())}",
        ),
        ("Input hash", style.code(run.input_hash)),
    ]


def preview_text(run: RunSummary, style: Style) -> str:
    """The preview as organisers see it: statistics only, every number reproducible."""
    status = preview_status(run, style)
    lines = [status] if status else []
    lines.append(style.bold(placed_heading(run)))
    lines.extend(f"• {line}" for line in rank_lines(run, style))
    lines.extend(field(style, name, value) for name, value in preview_fields(run, style))
    if run.unassigned:
        lines.append(
            field(
                style,
                "Unassigned students",
                ", ".join(style.person(s.user_id, s.display_name) for s in run.unassigned),
            )
        )
    lines.append(REPRODUCIBLE)
    return "\n".join(lines)


def pinned_text(change: PinChange, style: Style) -> str:
    text = (
        f"Pinned {style.person(change.student.user_id, change.student.display_name)} to "
        f"{style.code(change.paper.code)} — {style.escape(change.paper.title)}."
    )
    if change.replaced is not None:
        text += f" (Their pin to {style.code(change.replaced.code)} is replaced.)"
    return text + (
        f" Later runs keep them there; {style.code(style.command('admin assign run'))} "
        "shows the effect."
    )


def unpinned_text(paper: Paper, style: Style, who: str | None = None) -> str:
    """`who` as the front end names them, where it knows them."""
    whose = f"{who}'s" if who else "the"
    return f"Removed {whose} pin to {style.code(paper.code)}. The next run may place them anywhere."


def already_published(run: RunSummary, style: Style) -> str:
    return (
        f"Preview #{run.run_id} is already published; nothing is sent again. "
        f"{style.code(style.command('admin assign run'))} computes a new preview."
    )


def publish_question(run: RunSummary, channel: str | None, style: Style) -> str:
    """`channel`: the seminar's channel as the front end names it; None when there is none."""
    return (
        f"Publish preview #{run.run_id} (seed {style.code(str(run.seed))}, computed "
        f"{style.when(run.created_at)}): {run.placed} of {run.students} students placed, "
        f"{len(run.unassigned)} unassigned? Every student whose paper is new or changed "
        "gets a direct message with it"
        + (f", and the list is posted in {channel}." if channel else ".")
    )


def published_text(result: PublishResult, channel: str | None, style: Style) -> str:
    if result.already:
        return f"Preview #{result.run.run_id} was already published; nothing sent again."
    where = f"a post in {channel} and " if channel else ""
    return (
        f"Published preview #{result.run.run_id}: {result.placed} students placed. "
        f"On their way: {where}{result.notified} direct message"
        f"{'' if result.notified == 1 else 's'}. "
        f"{style.code(style.command('admin status'))} shows the deliveries."
    )


async def run(call: Call) -> Answer:
    invocation = call.invocation
    summary = await call.services.assignments.run(
        call.place_id,
        call.account_id,
        invocation.integer("seed"),
        invocation.text("mode", "linear"),
        invocation.flag("fill"),
    )
    return Answer(preview_text(summary, call.style), title=preview_title(summary))


async def pin(call: Call) -> Answer:
    style = call.style
    member = call.invocation.integer("member")
    assert member is not None  # required; resolved by the layer
    change = await call.services.assignments.pin(
        call.place_id, call.account_id, member, call.invocation.text("paper")
    )
    return Answer(pinned_text(change, style))


async def unpin(call: Call) -> Answer:
    style = call.style
    member = call.invocation.integer("member")
    assert member is not None  # required; resolved by the layer
    paper = await call.services.assignments.unpin(call.place_id, call.account_id, member)
    return Answer(unpinned_text(paper, style))


async def publish(call: Call) -> Answer:
    style = call.style
    assignments = call.services.assignments
    place, account = call.place_id, call.account_id
    preview = await assignments.preview(place)
    if preview.status == "published":
        return Answer(already_published(preview, style))
    channel = "the seminar's channel"

    async def confirmed() -> Answer:
        result = await assignments.publish(place, account)
        where = channel if result.seminar.channel_id else None
        return Answer(published_text(result, where, style))

    question = (
        publish_question(preview, channel if preview.seminar.channel_id else None, style)
        + "\n\n"
        + preview_text(preview, style)
    )
    return Answer(question, confirm=Confirmation(question, PUBLISH_LABEL, confirmed))
