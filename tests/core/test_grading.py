"""/admin grade, tier 1: the scale, every rounding boundary, missing and failing parts."""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from itertools import pairwise, product

import pytest

from bot.core.errors import InvalidInput, NotFound
from bot.core.grading import (
    STEPS,
    GradeState,
    format_grade,
    outcome,
    parse_grade,
    round_to_step,
    weighted_hundredths,
)
from bot.core.models import Seminar
from bot.core.services import Services
from tests.core.helpers import GUILD, ORGANISER, add_paper, audit_actions, join_all

ALICE, BOB, CAROL = 101, 102, 103
PASSING_STEPS = [step for step in STEPS if step <= 40]


def oracle(report: int, presentation: int) -> int:
    """The rule from the issue, computed independently: exact fractions, nearest step,
    half-way to the better (smaller) grade."""
    mean = Fraction(4, 10) * Fraction(report, 10) + Fraction(6, 10) * Fraction(presentation, 10)
    best = min(STEPS, key=lambda step: (abs(mean - Fraction(step, 10)), step))
    return best


# -- the scale -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tenths"),
    [("1.0", 10), ("1,3", 13), (" 1.7 ", 17), ("2", 20), ("4.0", 40), ("5.0", 50), ("5", 50)],
)
def test_grades_on_the_scale_are_read(text: str, tenths: int) -> None:
    assert parse_grade(text, "report") == tenths


@pytest.mark.parametrize("text", ["1.5", "0.7", "6.0", "4.3", "1.33", "abc", "", "-1.0", "3.5"])
def test_anything_else_is_refused_with_the_scale(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_grade(text, "presentation")
    assert "1.0, 1.3, 1.7, 2.0, 2.3, 2.7, 3.0, 3.3, 3.7, 4.0, 5.0" in caught.value.message
    assert "presentation" in caught.value.message


def test_format_grade_round_trips_every_step() -> None:
    assert [parse_grade(format_grade(step), "report") for step in STEPS] == list(STEPS)


# -- rounding --------------------------------------------------------------------------


def test_every_combination_of_passing_parts_matches_the_exact_rule() -> None:
    for report, presentation in product(PASSING_STEPS, repeat=2):
        result = outcome(report, presentation)
        assert result.state is GradeState.PASSED
        assert result.final == oracle(report, presentation), (report, presentation)


def test_the_weighted_mean_is_exact_where_floats_are_not() -> None:
    # In floating point 1.7 weighted with itself is not 1.7, and 2.0 with 3.0 is not 2.6.
    assert 0.4 * 1.7 + 0.6 * 1.7 != 1.7
    assert 0.4 * 2.0 + 0.6 * 3.0 != 2.6
    assert weighted_hundredths(17, 17) == 170 and weighted_hundredths(20, 30) == 260


@pytest.mark.parametrize(
    ("report", "presentation", "mean", "final"),
    [
        (13, 33, 250, 23),  # exactly half-way between 2.3 and 2.7: the better grade
        (37, 17, 250, 23),  # the other way round, same mean
        (10, 13, 118, 13),  # 1.18: just past the 1.0/1.3 midpoint (1.15)
        (13, 10, 112, 10),  # 1.12: just before it
        (17, 13, 146, 13),  # 1.46: just before the 1.3/1.7 midpoint (1.50)
        (13, 17, 154, 17),  # 1.54: just past it
        (20, 17, 182, 17),  # 1.82: below 1.85
        (17, 20, 188, 20),  # 1.88: above 1.85
        (20, 23, 218, 23),  # 2.18: above 2.15
        (23, 20, 212, 20),  # 2.12: below 2.15
        (27, 30, 288, 30),  # 2.88: above 2.85
        (30, 27, 282, 27),  # 2.82: below 2.85
        (33, 30, 312, 30),  # 3.12: below 3.15
        (30, 33, 318, 33),  # 3.18: above 3.15
        (37, 33, 346, 33),  # 3.46: below 3.5
        (33, 37, 354, 37),  # 3.54: above 3.5
        (37, 40, 388, 40),  # 3.88: above 3.85
        (40, 37, 382, 37),  # 3.82: below 3.85
        (10, 10, 100, 10),
        (40, 40, 400, 40),
    ],
)
def test_boundaries(report: int, presentation: int, mean: int, final: int) -> None:
    assert weighted_hundredths(report, presentation) == mean
    assert outcome(report, presentation).final == final


def test_every_midpoint_between_steps_rounds_to_the_better_grade() -> None:
    """Half-way points, also those no pair of grades reaches, and one hundredth either side."""
    for better, worse in pairwise(STEPS):
        low, high = better * 10, worse * 10
        if (low + high) % 2:  # 1.15 and the like: half a hundredth, never a mean
            midpoint_below, midpoint_above = (low + high) // 2, (low + high) // 2 + 1
            assert round_to_step(midpoint_below) == better
            assert round_to_step(midpoint_above) == worse
            continue
        midpoint = (low + high) // 2
        assert round_to_step(midpoint) == better, midpoint
        assert round_to_step(midpoint - 1) == better
        assert round_to_step(midpoint + 1) == worse


# -- missing and failing parts ---------------------------------------------------------


def test_a_missing_part_means_no_final_grade_yet() -> None:
    only_report = outcome(17, None)
    assert (only_report.state, only_report.final, only_report.missing) == (
        GradeState.PENDING,
        None,
        ("presentation",),
    )
    assert outcome(None, 13).missing == ("report",)
    assert outcome(None, None).missing == ("report", "presentation")
    assert not only_report.released and outcome(17, 13).released


@pytest.mark.parametrize(
    ("report", "presentation"), [(50, 10), (10, 50), (50, 50), (50, None), (None, 50)]
)
def test_a_failed_part_fails_the_seminar(report: int | None, presentation: int | None) -> None:
    result = outcome(report, presentation)
    assert (result.state, result.final) == (GradeState.FAILED, 50)


# -- the service -----------------------------------------------------------------------


async def test_parts_can_be_recorded_one_at_a_time(services: Services, seminar: Seminar) -> None:
    await join_all(services, ALICE)
    first = await services.grading.grade(GUILD, ORGANISER, ALICE, report="1,3")
    assert (first.outcome.state, first.outcome.missing) == (GradeState.PENDING, ("presentation",))
    second = await services.grading.grade(GUILD, ORGANISER, ALICE, presentation="3.3")
    assert (second.outcome.report, second.outcome.presentation) == (13, 33)
    assert (second.outcome.state, second.outcome.final) == (GradeState.PASSED, 23)
    # Correcting one part keeps the other.
    third = await services.grading.grade(GUILD, ORGANISER, ALICE, report="1.0")
    assert (third.outcome.report, third.outcome.presentation, third.outcome.final) == (10, 33, 23)
    assert await audit_actions(services) == ["seminar.create"] + ["grade.set"] * 3
    assert (await services.grading.of_user(GUILD, ALICE)).final == 23


async def test_grading_refuses_non_participants_empty_input_and_off_scale_grades(
    services: Services, seminar: Seminar
) -> None:
    await join_all(services, ALICE)
    with pytest.raises(NotFound, match="not a registered participant"):
        await services.grading.grade(GUILD, ORGANISER, BOB, report="1.0")
    with pytest.raises(InvalidInput, match="Give a `report` grade"):
        await services.grading.grade(GUILD, ORGANISER, ALICE)
    with pytest.raises(InvalidInput, match="Valid grades"):
        await services.grading.grade(GUILD, ORGANISER, ALICE, report="1.0", presentation="1.5")
    # The refusal changed nothing, not even the valid part.
    assert (await services.grading.of_user(GUILD, ALICE)).report is None


# -- the CSV for the university system --------------------------------------------------


async def test_grades_export_has_exactly_the_named_columns(
    services: Services, seminar: Seminar
) -> None:
    await add_paper(services, "wei-ma-2019")
    await join_all(services, ALICE, BOB, CAROL)
    await services.registration.join(GUILD, CAROL, "=cmd|' /C calc'!A0")
    await services.grading.grade(GUILD, ORGANISER, ALICE, report="1.3", presentation="3.3")
    await services.grading.grade(GUILD, ORGANISER, BOB, report="2.0")
    await services.grading.grade(GUILD, ORGANISER, CAROL, report="5.0", presentation="1.0")
    # Alice presents wei-ma-2019 in the published assignment.
    async with services.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO assignment_runs (id, seminar_id, seed, mode, fill, input_hash, "
            "histogram, status, created_at, created_by) "
            "VALUES (1, ?, 1, 'linear', 0, 'h', '{}', 'published', 0, ?)",
            (seminar.id, ORGANISER),
        )
        await tx.execute(
            "INSERT INTO assignments (seminar_id, user_id, paper_id, rank, run_id, since_run) "
            "SELECT ?, ?, id, 1, 1, 1 FROM papers WHERE code = 'wei-ma-2019'",
            (seminar.id, ALICE),
        )
    rows = list(csv.reader(io.StringIO(await services.grading.export_csv(GUILD))))
    assert rows == [
        ["account", "display_name", "paper", "report", "presentation", "final"],
        # sorted by name; a formula in a name is defused for spreadsheets
        [str(CAROL), "'=cmd|' /C calc'!A0", "", "5.0", "1.0", "5.0"],
        [str(ALICE), f"student {ALICE}", "wei-ma-2019", "1.3", "3.3", "2.3"],
        [str(BOB), f"student {BOB}", "", "2.0", "", ""],
    ]
