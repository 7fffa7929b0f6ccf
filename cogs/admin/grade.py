"""/admin grade: record the report and presentation grades; the final grade follows."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.grading import (
    STEPS,
    GradeOutcome,
    GradeState,
    format_grade,
    weighted_hundredths,
)
from bot.discord.ui import reply
from cogs.admin.base import AdminMixin
from cogs.common import services_of


async def grade_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    typed = current.strip().replace(",", ".")
    return [
        app_commands.Choice(name=format_grade(step), value=format_grade(step))
        for step in STEPS
        if format_grade(step).startswith(typed)
    ]


def describe_outcome(result: GradeOutcome) -> str:
    parts = (
        f"report **{format_grade(result.report) or '—'}**, "
        f"presentation **{format_grade(result.presentation) or '—'}**"
    )
    if result.state is GradeState.FAILED:
        failed = [
            name
            for name, value in (("report", result.report), ("presentation", result.presentation))
            if value is not None and value > 40
        ]
        which = " and ".join(failed)
        return f"{parts}.\n❌ The seminar is **failed** (final 5.0): the {which} failed."
    if result.state is GradeState.PENDING:
        grades = [name for name in result.missing if name != "attendance"]
        text = f"{parts}.\nNo final grade yet: the {' and '.join(grades)} grade is missing."
        if result.talks_missed:
            text += f" Attendance is incomplete too ({_talks(result.talks_missed)} missed)."
        return text
    if result.state is GradeState.ATTENDANCE_INCOMPLETE:
        return (
            f"{parts}.\n⚠️ **Attendance incomplete**: {_talks(result.talks_missed)} missed and "
            "not excused, so no final grade. `/admin attendance show` lists them; "
            "`/admin attendance excuse` or `/admin attendance set` settles each."
        )
    assert result.report is not None and result.presentation is not None
    mean = weighted_hundredths(result.report, result.presentation)
    return (
        f"{parts}.\nFinal grade **{format_grade(result.final)}** "
        f"(0.4 × {format_grade(result.report)} + 0.6 × {format_grade(result.presentation)} "
        f"= {mean // 100}.{mean % 100:02d}, rounded to the nearest step)."
    )


def _talks(count: int) -> str:
    return f"{count} talk{'' if count == 1 else 's'}"


class GradeCommands(AdminMixin):
    @app_commands.command(
        name="grade", description="Record grades: report 40 % + presentation 60 %, both needed"
    )
    @app_commands.describe(
        member="The participant",
        report="German scale: 1.0 1.3 1.7 2.0 2.3 2.7 3.0 3.3 3.7 4.0 5.0",
        presentation="German scale: 1.0 1.3 1.7 2.0 2.3 2.7 3.0 3.3 3.7 4.0 5.0",
    )
    @app_commands.autocomplete(report=grade_autocomplete, presentation=grade_autocomplete)
    async def grade(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        report: str | None = None,
        presentation: str | None = None,
    ) -> None:
        change = await services_of(interaction).grading.grade(
            interaction.guild_id,
            interaction.user.id,
            member.id,
            report=report,
            presentation=presentation,
        )
        await reply(interaction, f"Grades for <@{member.id}>: {describe_outcome(change.outcome)}")
