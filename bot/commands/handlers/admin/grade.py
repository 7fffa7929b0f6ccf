"""`/admin grade`: record the report and presentation grades; the final grade follows."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.common import plural
from bot.core.grading import (
    GradeChange,
    GradeOutcome,
    GradeState,
    format_grade,
    weighted_hundredths,
)


def describe_outcome(result: GradeOutcome, style: Style) -> str:
    parts = (
        f"report {style.bold(format_grade(result.report) or '—')}, "
        f"presentation {style.bold(format_grade(result.presentation) or '—')}"
    )
    if result.state is GradeState.FAILED:
        failed = [
            name
            for name, value in (("report", result.report), ("presentation", result.presentation))
            if value is not None and value > 40
        ]
        which = " and ".join(failed)
        return (
            f"{parts}.\n❌ The seminar is {style.bold('failed')} (final 5.0): the {which} failed."
        )
    if result.state is GradeState.PENDING:
        grades = [name for name in result.missing if name != "attendance"]
        text = f"{parts}.\nNo final grade yet: the {' and '.join(grades)} grade is missing."
        if result.talks_missed:
            text += f" Attendance is incomplete too ({plural(result.talks_missed, 'talk')} missed)."
        return text
    if result.state is GradeState.ATTENDANCE_INCOMPLETE:
        return (
            f"{parts}.\n⚠️ {style.bold('Attendance incomplete')}: "
            f"{plural(result.talks_missed, 'talk')} missed and not excused, so no final grade. "
            f"{style.code(style.command('admin attendance show'))} lists them; "
            f"{style.code(style.command('admin attendance excuse'))} or "
            f"{style.code(style.command('admin attendance set'))} settles each."
        )
    assert result.report is not None and result.presentation is not None
    mean = weighted_hundredths(result.report, result.presentation)
    return (
        f"{parts}.\nFinal grade {style.bold(format_grade(result.final))} "
        f"(0.4 × {format_grade(result.report)} + 0.6 × {format_grade(result.presentation)} "
        f"= {mean // 100}.{mean % 100:02d}, rounded to the nearest step)."
    )


async def grade(call: Call) -> Answer:
    invocation = call.invocation
    member = invocation.integer("member")
    assert member is not None  # required; resolved by the layer
    change = await call.services.grading.grade(
        call.place_id,
        call.account_id,
        member,
        report=invocation.optional_text("report"),
        presentation=invocation.optional_text("presentation"),
    )
    return Answer(grades_text(change, call.style))


def grades_text(change: GradeChange, style: Style) -> str:
    who = style.person(change.user_id, change.display_name)
    return f"Grades for {who}: {describe_outcome(change.outcome, style)}"
