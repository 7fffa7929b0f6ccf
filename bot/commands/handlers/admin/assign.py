"""`/admin assign run|set|clear|publish`: the paper assignment."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Confirmation, Style
from bot.commands.handlers.common import field, ordinal
from bot.core.assigning import RunSummary


def preview_text(run: RunSummary, style: Style) -> str:
    """The preview as organisers see it: statistics only, every number reproducible."""
    publish = style.code(style.command("admin assign publish"))
    status = {
        "preview": f"Nothing is public yet. {publish} publishes this preview.",
        "published": "This is the published assignment.",
    }.get(run.status, "")
    lines = [status] if status else []
    lines.append(style.bold(f"{run.placed} of {run.students} students placed"))
    lines.extend(
        f"• {ordinal(rank)} choice: {style.bold(str(n))}" for rank, n in run.ranks if n or rank <= 3
    )
    lines.append(
        f"• Unranked (pinned or filled): {style.bold(str(run.histogram.get('unranked', 0)))}"
    )
    lines.append(f"• Unassigned: {style.bold(str(run.histogram.get('unassigned', 0)))}")
    moved = (
        "nothing is published yet"
        if run.moved is None
        else f"{run.moved} student{'' if run.moved == 1 else 's'}"
    )
    lines.append(field(style, "Moved vs published", moved))
    lines.append(field(style, "Pinned", str(run.histogram.get("pinned", 0))))
    lines.append(
        field(
            style,
            "Options",
            f"seed {style.code(str(run.seed))} · mode {style.code(run.mode)} · "
            f"fill {style.code(str(run.fill).lower())}",
        )
    )
    lines.append(field(style, "Input hash", style.code(run.input_hash)))
    if run.unassigned:
        lines.append(
            field(
                style,
                "Unassigned students",
                ", ".join(style.person(s.user_id, s.display_name) for s in run.unassigned),
            )
        )
    lines.append("Same seed + same input hash = same result.")
    return "\n".join(lines)


async def run(call: Call) -> Answer:
    invocation = call.invocation
    summary = await call.services.assignments.run(
        call.place_id,
        call.account_id,
        invocation.integer("seed"),
        invocation.text("mode", "linear"),
        invocation.flag("fill"),
    )
    return Answer(preview_text(summary, call.style), title=f"Assignment preview #{summary.run_id}")


async def pin(call: Call) -> Answer:
    style = call.style
    member = call.invocation.integer("member")
    assert member is not None  # required; resolved by the layer
    change = await call.services.assignments.pin(
        call.place_id, call.account_id, member, call.invocation.text("paper")
    )
    text = (
        f"Pinned {style.person(change.student.user_id, change.student.display_name)} to "
        f"{style.code(change.paper.code)} — {style.escape(change.paper.title)}."
    )
    if change.replaced is not None:
        text += f" (Their pin to {style.code(change.replaced.code)} is replaced.)"
    text += (
        f" Later runs keep them there; {style.code(style.command('admin assign run'))} "
        "shows the effect."
    )
    return Answer(text)


async def unpin(call: Call) -> Answer:
    style = call.style
    member = call.invocation.integer("member")
    assert member is not None  # required; resolved by the layer
    paper = await call.services.assignments.unpin(call.place_id, call.account_id, member)
    return Answer(
        f"Removed the pin to {style.code(paper.code)}. The next run may place them anywhere."
    )


async def publish(call: Call) -> Answer:
    style = call.style
    assignments = call.services.assignments
    place, account = call.place_id, call.account_id
    preview = await assignments.preview(place)
    if preview.status == "published":
        return Answer(
            f"Preview #{preview.run_id} is already published; nothing is sent again. "
            f"{style.code(style.command('admin assign run'))} computes a new preview."
        )

    async def confirmed() -> Answer:
        result = await assignments.publish(place, account)
        if result.already:
            return Answer(
                f"Preview #{result.run.run_id} was already published; nothing sent again."
            )
        where = "a post in the seminar's channel and " if result.seminar.channel_id else ""
        return Answer(
            f"Published preview #{result.run.run_id}: {result.placed} students placed. "
            f"On their way: {where}{result.notified} direct message"
            f"{'' if result.notified == 1 else 's'}. "
            f"{style.code(style.command('admin status'))} shows the deliveries."
        )

    channel = preview.seminar.channel_id
    question = (
        f"Publish preview #{preview.run_id} (seed {style.code(str(preview.seed))}, computed "
        f"{style.when(preview.created_at)}): {preview.placed} of {preview.students} students "
        f"placed, {len(preview.unassigned)} unassigned? Every student whose paper is new or "
        "changed gets a direct message with it"
        + (", and the list is posted in the seminar's channel." if channel else ".")
        + "\n\n"
        + preview_text(preview, style)
    )
    return Answer(question, confirm=Confirmation(question, "Publish", confirmed))
