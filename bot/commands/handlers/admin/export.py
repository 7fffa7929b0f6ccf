"""`/admin export`: organisers' CSV files."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.core.exports import CsvExport, export_csv


def export_text(found: CsvExport, style: Style) -> str:
    return f"Here is {style.code(found.filename)} (UTF-8, one header row)."


async def export(call: Call) -> Answer:
    found = await export_csv(call.services, call.place_id, call.invocation.text("what"))
    return Answer(export_text(found, call.style), file=(found.filename, found.text.encode("utf-8")))
