"""`/admin paper add|edit|remove|import`."""

from __future__ import annotations

import asyncio

from bot.commands.context import Answer, Call, Confirmation, Style
from bot.commands.handlers.common import field, paper_card
from bot.core.catalogue import RefusedRow
from bot.core.errors import InvalidInput
from bot.core.models import Paper, PaperFields
from bot.core.papers import ImportReport, PaperRemoval
from bot.core.text import echo, printable

REMOVE_LABEL = "Remove it"
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
        return Answer(removed_text(await papers.remove(place, account, found.code), style))

    question = removal_question(found, style)
    return Answer(question, confirm=Confirmation(question, REMOVE_LABEL, confirmed))


def removal_question(found: Paper, style: Style) -> str:
    return f"Remove {style.code(found.code)} — {style.escape(found.title)} from the catalogue?"


def removed_text(removal: PaperRemoval, style: Style) -> str:
    note = (
        f" {removal.rankings_touched} student(s) had ranked it; their rankings are now "
        "one paper shorter."
        if removal.rankings_touched
        else ""
    )
    return f"Removed {style.code(removal.paper.code)}.{note}"


def too_big(size: int, limit: int) -> str:
    return f"That file is {size // 1024} KiB; catalogues can be at most {limit // 1024} KiB."


def import_summary(report: ImportReport, style: Style) -> str:
    changed = len(report.added) + len(report.updated)
    summary = (
        f"{style.bold(str(len(report.added)))} added, "
        f"{style.bold(str(len(report.updated)))} updated, "
        f"{style.bold(str(len(report.unchanged)))} unchanged, "
        f"{style.bold(str(len(report.refused)))} refused."
    )
    if not changed and report.refused:
        summary += "\nNothing was changed."
    return summary


def codes(found: list[str], style: Style) -> str:
    return ", ".join(style.code(code) for code in found)


def refused_line(row: RefusedRow, style: Style) -> str:
    code = f" ({style.code(echo(row.code, 40))})" if row.code else ""
    return f"line {row.line}{code}: {style.escape(row.reason)}"


async def import_(call: Call) -> Answer:
    style = call.style
    file = call.invocation.attachment
    assert file is not None  # the layer refuses a missing required file
    limit = call.limits.max_import_bytes
    if file.size > limit:
        raise InvalidInput(too_big(file.size, limit))
    try:
        data = await asyncio.wait_for(file.read(), timeout=call.limits.download_timeout_seconds)
    except (OSError, TimeoutError) as exc:
        raise InvalidInput("I could not download that file; please try again.") from exc
    report = await call.services.papers.import_file(
        call.place_id, call.account_id, file.filename, data
    )
    lines = [import_summary(report, style)]
    if report.added:
        lines.append(field(style, "Added", codes(report.added, style)))
    if report.updated:
        lines.append(field(style, "Updated", codes(report.updated, style)))
    if report.refused:
        lines.append(style.bold("Refused"))
        lines.extend(f"• {refused_line(row, style)}" for row in report.refused)
    return Answer("\n".join(lines), title=f"Import of {printable(file.filename)}")
