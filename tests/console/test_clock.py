"""The console's clock and how `advance` reads its argument."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.console.clock import MAX_ADVANCE_SECONDS, ConsoleClock, advance_target, parse_span
from bot.core.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
NOW = int(datetime(2026, 10, 20, 12, 0, tzinfo=BERLIN).timestamp())


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3d", 3 * 86_400),
        ("2h30m", 2 * 3_600 + 30 * 60),
        ("2h 30m", 2 * 3_600 + 30 * 60),
        ("1w", 7 * 86_400),
        ("1w2d", 9 * 86_400),
        ("90m", 5_400),
        ("45s", 45),
        (" 3D ", 3 * 86_400),
    ],
)
def test_spans(text: str, seconds: int) -> None:
    assert parse_span(text) == seconds


@pytest.mark.parametrize("text", ["", "3", "d", "3x", "-1d", "3d-", "0d", "0h0m", "1.5h", "3 days"])
def test_bad_spans_are_refused_with_the_right_form(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_span(text)
    assert "advance 2h30m" in caught.value.message


def test_advance_by_a_span_counts_from_now() -> None:
    assert advance_target("2h30m", NOW, BERLIN) == NOW + 9_000


def test_advance_to_reads_a_wall_time_in_the_seminar_zone() -> None:
    # 2026-11-01 is after the clocks went back: CET, UTC+1.
    target = advance_target("to 2026-11-01 23:00", NOW, BERLIN)
    assert target == int(datetime(2026, 11, 1, 22, 0, tzinfo=ZoneInfo("UTC")).timestamp())


def test_advance_to_now_is_allowed_and_the_past_is_refused() -> None:
    assert advance_target("to 2026-10-20 12:00", NOW, BERLIN) == NOW
    with pytest.raises(InvalidInput) as caught:
        advance_target("to 2026-10-19 12:00", NOW, BERLIN)
    assert "never goes backwards" in caught.value.template


def test_advance_to_a_time_that_does_not_exist_is_refused() -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        advance_target("to 2027-03-28 02:30", NOW, BERLIN)


@pytest.mark.parametrize("text", ["", "to", "to tomorrow", "soon"])
def test_advance_without_a_usable_argument_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        advance_target(text, NOW, BERLIN)


def test_advance_is_bounded() -> None:
    with pytest.raises(InvalidInput, match="two years"):
        advance_target(f"{MAX_ADVANCE_SECONDS // 86_400 + 1}d", NOW, BERLIN)


def test_a_simulated_clock_stands_still_and_moves_only_forward() -> None:
    clock = ConsoleClock(start=NOW)
    assert clock.simulated
    assert clock.now() == NOW
    clock.move_to(NOW + 60)
    assert clock.now() == NOW + 60
    clock.move_to(NOW + 60)  # staying put is fine
    with pytest.raises(ValueError, match="backwards"):
        clock.move_to(NOW)
    assert clock.now() == NOW + 60


def test_a_wall_clock_follows_time_until_simulated() -> None:
    clock = ConsoleClock()
    assert not clock.simulated
    with pytest.raises(RuntimeError):
        clock.move_to(NOW)
    clock.simulate()
    pinned = clock.now()
    clock.move_to(pinned + 3_600)
    assert clock.now() == pinned + 3_600
