"""`/admin export`: organisers' CSV files."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.core.assigning import CsvExport, ExportKind


async def export(call: Call) -> Answer:
    services = call.services
    what = call.invocation.text("what")
    if what == ExportKind.SUBMISSIONS:
        # Hand-ins and grades own their exports; the rest belongs to the assignment service.
        text = await services.submissions.export_csv(call.place_id)
        found = CsvExport(f"{ExportKind.SUBMISSIONS.value}.csv", text)
    elif what == ExportKind.GRADES:
        text = await services.grading.export_csv(call.place_id)
        found = CsvExport(f"{ExportKind.GRADES.value}.csv", text)
    elif what == ExportKind.ATTENDANCE:
        text = await services.attendance.export_csv(call.place_id)
        found = CsvExport(f"{ExportKind.ATTENDANCE.value}.csv", text)
    else:
        found = await services.assignments.export_csv(call.place_id, what)
    return Answer(
        f"Here is {call.style.code(found.filename)} (UTF-8, one header row).",
        file=(found.filename, found.text.encode("utf-8")),
    )
