"""`/mydata`: everything stored about me as a file, or delete it after confirming."""

from __future__ import annotations

import json

from bot.commands.context import Answer, Call, Confirmation
from bot.core.personal_data import DeletionResult, DeletionSummary

FILENAME = "mydata.json"
EXPORTED = (
    "Everything this bot stores about you in this seminar. Your hand-in PDFs are not "
    "included; you have them."
)
NOTHING_STORED = "Nothing is stored about you in this seminar."
CONFIRM_LABEL = "Yes, delete everything"


def export_file(data: object) -> tuple[str, bytes]:
    """The personal-data export as the JSON file every front end attaches."""
    return FILENAME, json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def deletion_question(summary: DeletionSummary) -> str:
    what = []
    if summary.registered:
        what.append("your registration (your place and paper are freed)")
    what.append("your preferences and assignment")
    if summary.submissions:
        what.append(f"your {summary.submissions} handed-in file(s)")
    if summary.has_grades:
        what.append("your grades")
    what.append("your reminder settings and delivery log")
    return "This deletes " + ", ".join(what) + ". It cannot be undone. Continue?"


def deleted_text(result: DeletionResult) -> str:
    text = "Done: everything stored about you in this seminar is deleted."
    if result.freed_paper:
        text += " Your paper is free again; the organisers can see that."
    if result.files_left:
        text += (
            " Some files could not be removed from the server's disk; the organisers' "
            "logs say which."
        )
    return text


async def mydata(call: Call) -> Answer:
    if call.invocation.text("action") == "export":
        return await export(call)
    return await delete(call)


async def export(call: Call) -> Answer:
    data = await call.services.personal_data.export(call.place_id, call.account_id)
    return Answer(EXPORTED, file=export_file(data))


async def delete(call: Call) -> Answer:
    personal_data = call.services.personal_data
    place, account = call.place_id, call.account_id
    summary = await personal_data.summary(place, account)
    if summary.empty:
        return Answer(NOTHING_STORED)

    async def confirmed() -> Answer:
        result = await personal_data.delete(place, account)
        return Answer(deleted_text(result), forget_asker=True)

    question = deletion_question(summary)
    return Answer(question, confirm=Confirmation(question, CONFIRM_LABEL, confirmed))
