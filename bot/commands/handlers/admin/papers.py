"""`/admin paper add|edit|remove|import`."""

from __future__ import annotations

import asyncio

from bot.commands.context import Answer, Call, Confirmation
from bot.commands.handlers.common import paper_card
from bot.core.errors import InvalidInput
from bot.core.models import PaperFields
from bot.core.text import echo, printable

FIELDS = ("code", "title", "authors", "venue", "url", "arxiv", "topic")


async def add(call: Call) -> Answer:
    invocation = call.invocation
    fields = PaperFields(
        code=invocation.text("code"),
        title=invocation.text("title"),
        authors=invocation.text("authors"),
        venue=invocation.text("venue"),
        url=invocation.text("url"),
        arxiv=invocation.text("arxiv"),
        topic=invocation.text("topic"),
        capacity=invocation.integer("capacity") or 1,
    )
    added = await call.services.papers.add(call.place_id, call.account_id, fields)
    return Answer("Paper added.\n" + paper_card(added, call.style), title=added.title)


async def edit(call: Call) -> Answer:
    invocation = call.invocation
    changes: dict[str, object] = {name: invocation.optional_text(name) for name in FIELDS}
    changes["capacity"] = invocation.integer("capacity")
    edited = await call.services.papers.edit(
        call.place_id, call.account_id, invocation.text("paper"), changes
    )
    return Answer("Paper updated.\n" + paper_card(edited, call.style), title=edited.title)


async def remove(call: Call) -> Answer:
    style = call.style
    papers = call.services.papers
    place, account = call.place_id, call.account_id
    found = await papers.get(place, call.invocation.text("paper"))

    async def confirmed() -> Answer:
        removal = await papers.remove(place, account, found.code)
        note = (
            f" {removal.rankings_touched} student(s) had ranked it; their rankings are now "
            "one paper shorter."
            if removal.rankings_touched
            else ""
        )
        return Answer(f"Removed {style.code(removal.paper.code)}.{note}")

    question = f"Remove {style.code(found.code)} — {style.escape(found.title)} from the catalogue?"
    return Answer(question, confirm=Confirmation(question, "Remove it", confirmed))


async def import_(call: Call) -> Answer:
    style = call.style
    file = call.invocation.attachment
    assert file is not None  # the layer refuses a missing required file
    limit = call.limits.max_import_bytes
    if file.size > limit:
        raise InvalidInput(
            f"That file is {file.size // 1024} KiB; catalogues can be at most {limit // 1024} KiB."
        )
    try:
        data = await asyncio.wait_for(file.read(), timeout=call.limits.download_timeout_seconds)
    except (OSError, TimeoutError) as exc:
        raise InvalidInput("I could not download that file; please try again.") from exc
    report = await call.services.papers.import_file(
        call.place_id, call.account_id, file.filename, data
    )
    changed = len(report.added) + len(report.updated)
    lines = [
        f"{style.bold(str(len(report.added)))} added, "
        f"{style.bold(str(len(report.updated)))} updated, "
        f"{style.bold(str(len(report.unchanged)))} unchanged, "
        f"{style.bold(str(len(report.refused)))} refused."
    ]
    if not changed and report.refused:
        lines.append("Nothing was changed.")
    if report.added:
        lines.append(style.bold("Added") + ": " + ", ".join(style.code(c) for c in report.added))
    if report.updated:
        lines.append(
            style.bold("Updated") + ": " + ", ".join(style.code(c) for c in report.updated)
        )
    if report.refused:
        lines.append(style.bold("Refused"))
        lines.extend(
            f"• line {row.line}"
            + (f" ({style.code(echo(row.code, 40))})" if row.code else "")
            + f": {style.escape(row.reason)}"
            for row in report.refused
        )
    return Answer("\n".join(lines), title=f"Import of {printable(file.filename)}")
