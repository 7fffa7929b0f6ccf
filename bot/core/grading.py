"""Grades on the German scale: report 40 % + presentation 60 %, both needed.

Grades are integer tenths (13 = 1.3) and the weighted mean is integer
hundredths (4·report + 6·presentation), so no float ever decides a grade
(in floats 0.4 × 1.7 + 0.6 × 1.7 is 1.7000000000000002).

Rounding: the final grade is the valid step nearest to the weighted mean.
Exactly half-way between two steps it is the BETTER (lower) grade, in the
student's favour: 2.50 lies half-way between 2.3 and 2.7 and becomes 2.3. That
case is reachable (1.3 and 3.3, or 3.7 and 1.7); the other half-way points
(1.15, 1.5, 1.85, …) are not, with these weights.

A final grade exists only when both parts exist and both pass (<= 4.0). A
failed part (5.0) fails the seminar, final 5.0, whether or not the other part
is in yet, because both are needed.

Attendance: when the seminar requires attendance of every talk (the default), a
student who missed a talk that no organiser excused gets no final grade:
"attendance incomplete" stands in its place (in `/admin grade` and the grades
export) until the absence is excused or corrected. A failed part still fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.core.attendance import unexcused_absences
from bot.core.base import Service
from bot.core.csvtext import to_csv
from bot.core.errors import InvalidInput, NotFound
from bot.core.models import ParticipantStatus, Seminar
from bot.core.text import echo
from bot.store import audit, grades, identities, participants
from bot.store.reader import Reader

STEPS = (10, 13, 17, 20, 23, 27, 30, 33, 37, 40, 50)
PASSING = 40
FAILED = 50
REPORT_WEIGHT = 4  # tenths of the final grade
PRESENTATION_WEIGHT = 6
EXPORT_COLUMNS = ("account", "display_name", "paper", "report", "presentation", "final")
_GRADE = re.compile(r"^\s*([1-5])\s*[.,]\s*([0-9])\s*$|^\s*([1-5])\s*$")


class GradeState(StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    # Both parts passed, but a talk was missed and not excused: no final grade yet.
    ATTENDANCE_INCOMPLETE = "attendance incomplete"


@dataclass(frozen=True)
class GradeOutcome:
    report: int | None
    presentation: int | None
    state: GradeState
    final: int | None  # tenths; 50 when failed, None while pending
    missing: tuple[str, ...]
    # Talks missed and not excused, counted only when the seminar requires attendance.
    talks_missed: int = 0

    @property
    def released(self) -> bool:
        """Both parts are in: what the student may see in `/mydata export`."""
        return self.report is not None and self.presentation is not None


def scale_text() -> str:
    return ", ".join(format_grade(step) for step in STEPS)


def format_grade(tenths: int | None) -> str:
    return "" if tenths is None else f"{tenths // 10}.{tenths % 10}"


def parse_grade(text: str, part: str) -> int:
    """`1.3`, `1,3` or `2` as tenths; anything not on the scale is refused with the scale."""
    match = _GRADE.match(text)
    if match is not None:
        whole, tenth, alone = match.groups()
        tenths = int(alone) * 10 if alone else int(whole) * 10 + int(tenth)
        if tenths in STEPS:
            return tenths
    raise InvalidInput(
        f"`{echo(text, 20)}` is not a grade on the scale for the {part}. "
        f"Valid grades: {scale_text()}."
    )


def round_to_step(hundredths: int) -> int:
    """The step (tenths) nearest to a mean given in hundredths; half-way goes to the better."""
    return min(STEPS, key=lambda step: (abs(hundredths - step * 10), step))


def weighted_hundredths(report: int, presentation: int) -> int:
    return REPORT_WEIGHT * report + PRESENTATION_WEIGHT * presentation


def outcome(report: int | None, presentation: int | None) -> GradeOutcome:
    missing = tuple(
        name
        for name, value in (("report", report), ("presentation", presentation))
        if value is None
    )
    if any(value is not None and value > PASSING for value in (report, presentation)):
        return GradeOutcome(report, presentation, GradeState.FAILED, FAILED, missing)
    if report is None or presentation is None:
        return GradeOutcome(report, presentation, GradeState.PENDING, None, missing)
    final = round_to_step(weighted_hundredths(report, presentation))
    return GradeOutcome(report, presentation, GradeState.PASSED, final, ())


def with_attendance(result: GradeOutcome, talks_missed: int) -> GradeOutcome:
    """The outcome once attendance is counted: a missed talk holds back a final grade
    (a failed part still fails; a pending one stays pending, now also for attendance)."""
    if not talks_missed or result.state is GradeState.FAILED:
        return result
    if result.state is GradeState.PENDING:
        return replace(result, missing=(*result.missing, "attendance"), talks_missed=talks_missed)
    return replace(
        result,
        state=GradeState.ATTENDANCE_INCOMPLETE,
        final=None,
        missing=("attendance",),
        talks_missed=talks_missed,
    )


def final_text(result: GradeOutcome) -> str:
    """The final grade as the grades export shows it."""
    if result.state is GradeState.ATTENDANCE_INCOMPLETE:
        return GradeState.ATTENDANCE_INCOMPLETE.value
    return format_grade(result.final)


async def missed_talks(db: Reader, seminar: Seminar, now: int) -> dict[int, int]:
    """Per student the talks missed and not excused; empty when attendance is optional."""
    if not seminar.attendance_required:
        return {}
    return await unexcused_absences(db, seminar.id, now)


@dataclass(frozen=True)
class GradeChange:
    user_id: int
    display_name: str
    outcome: GradeOutcome


class GradingService(Service):
    async def grade(
        self,
        guild_id: int | None,
        actor_id: int,
        user_id: int,
        *,
        report: str | None = None,
        presentation: str | None = None,
    ) -> GradeChange:
        """Record one or both parts; the other part keeps what was recorded before."""
        seminar = await self.seminar(guild_id)
        if report is None and presentation is None:
            raise InvalidInput(
                f"Give a `report` grade, a `presentation` grade, or both ({scale_text()})."
            )
        report_tenths = None if report is None else parse_grade(report, "report")
        presentation_tenths = (
            None if presentation is None else parse_grade(presentation, "presentation")
        )
        now = self.clock.now()
        async with self.db.transaction() as tx:
            participant = await participants.get(tx, seminar.id, user_id)
            if participant is None or participant.status is not ParticipantStatus.REGISTERED:
                raise NotFound("That member is not a registered participant of this seminar.")
            await grades.set_parts(tx, seminar.id, user_id, report_tenths, presentation_tenths, now)
            stored = await grades.parts(tx, seminar.id, user_id)
            missed = await missed_talks(tx, seminar, now)
            result = with_attendance(outcome(*stored), missed.get(user_id, 0))
            detail: dict[str, object] = {"user_id": user_id}
            if report_tenths is not None:
                detail["report"] = format_grade(report_tenths)
            if presentation_tenths is not None:
                detail["presentation"] = format_grade(presentation_tenths)
            await audit.record(tx, seminar.guild_id, actor_id, "grade.set", detail, now)
        return GradeChange(user_id, participant.display_name, result)

    async def export_csv(self, guild_id: int | None) -> str:
        """`/admin export what:grades`: what the university system needs, nothing more."""
        seminar = await self.seminar(guild_id)
        rows = []
        missed = await missed_talks(self.db, seminar, self.clock.now())
        found = await grades.export_rows(self.db, seminar.id)
        accounts = await identities.external_ids(self.db, (row.user_id for row in found))
        for row in found:
            result = with_attendance(
                outcome(row.report, row.presentation), missed.get(row.user_id, 0)
            )
            rows.append(
                [
                    accounts[row.user_id],
                    row.display_name,
                    row.paper_code or "",
                    format_grade(result.report),
                    format_grade(result.presentation),
                    final_text(result),
                ]
            )
        return to_csv(EXPORT_COLUMNS, rows)

    async def of_user(self, guild_id: int | None, user_id: int) -> GradeOutcome:
        seminar = await self.seminar(guild_id)
        missed = await missed_talks(self.db, seminar, self.clock.now())
        return with_attendance(
            outcome(*await grades.parts(self.db, seminar.id, user_id)), missed.get(user_id, 0)
        )
