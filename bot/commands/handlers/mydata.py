"""`/mydata`: everything stored about me as a file, or delete it after confirming."""

from __future__ import annotations

import json

from bot.commands.context import Answer, Call, Confirmation

FILENAME = "mydata.json"


async def mydata(call: Call) -> Answer:
    if call.invocation.text("action") == "export":
        return await export(call)
    return await delete(call)


async def export(call: Call) -> Answer:
    data = await call.services.personal_data.export(call.place_id, call.account_id)
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return Answer(
        "Everything this bot stores about you in this seminar. Your hand-in PDFs are not "
        "included; you have them.",
        file=(FILENAME, text.encode("utf-8")),
    )


async def delete(call: Call) -> Answer:
    personal_data = call.services.personal_data
    place, account = call.place_id, call.account_id
    summary = await personal_data.summary(place, account)
    if summary.empty:
        return Answer("Nothing is stored about you in this seminar.")
    what = []
    if summary.registered:
        what.append("your registration (your place and paper are freed)")
    what.append("your preferences and assignment")
    if summary.submissions:
        what.append(f"your {summary.submissions} handed-in file(s)")
    if summary.has_grades:
        what.append("your grades")
    what.append("your reminder settings and delivery log")

    async def confirmed() -> Answer:
        result = await personal_data.delete(place, account)
        text = "Done: everything stored about you in this seminar is deleted."
        if result.freed_paper:
            text += " Your paper is free again; the organisers can see that."
        if result.files_left:
            text += (
                " Some files could not be removed from the server's disk; the organisers' "
                "logs say which."
            )
        return Answer(text)

    question = "This deletes " + ", ".join(what) + ". It cannot be undone. Continue?"
    return Answer(question, confirm=Confirmation(question, "Yes, delete everything", confirmed))
