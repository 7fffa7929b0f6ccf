"""`/admin export`: which service owns which organiser CSV, decided once for every front end.

Hand-ins, grades and attendance each keep their own export in their own service; the
participant, preference and assignment tables belong to the assignment service. The
front ends only ask `export_csv` and attach the file it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for the annotation: services.py imports the assignment service, which
    # imports ExportKind from here.
    from bot.core.services import Services


class ExportKind(StrEnum):
    PARTICIPANTS = "participants"
    PREFERENCES = "preferences"
    ASSIGNMENT = "assignment"
    SUBMISSIONS = "submissions"
    GRADES = "grades"
    ATTENDANCE = "attendance"


@dataclass(frozen=True)
class CsvExport:
    filename: str
    text: str


async def export_csv(services: Services, place_id: int | None, what: str) -> CsvExport:
    """The export `what` names, from the service that owns it, as a named CSV file."""
    if what == ExportKind.SUBMISSIONS:
        text = await services.submissions.export_csv(place_id)
    elif what == ExportKind.GRADES:
        text = await services.grading.export_csv(place_id)
    elif what == ExportKind.ATTENDANCE:
        text = await services.attendance.export_csv(place_id)
    else:
        # The assignment service's own tables; it also refuses a name no export has.
        return await services.assignments.export_csv(place_id, what)
    return CsvExport(f"{ExportKind(what).value}.csv", text)
