"""Times typed by organisers, reminder offsets and weekly slots (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.errors import InvalidInput
from bot.core.timeutil import (
    MAX_OFFSETS,
    format_offsets,
    iso_instant,
    next_weekly,
    parse_date,
    parse_local_time,
    parse_offsets,
    within_range,
    zone,
)

BERLIN = ZoneInfo("Europe/Berlin")
# DST with whole hours, the other hemisphere, a half-hour shift, none at all.
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "UTC")
SPAN_START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_END = datetime(2029, 1, 1, tzinfo=UTC)
PROPERTY = settings(max_examples=300, deadline=None, derandomize=True)


def unix(year: int, month: int, day: int, hour: int, minute: int, tz: ZoneInfo) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=tz).timestamp())


@cache
def transitions(name: str) -> tuple[datetime, ...]:
    """Local wall times just before each UTC-offset change in the span (hourly scan)."""
    tz = ZoneInfo(name)
    found = []
    step = SPAN_START
    previous = step.astimezone(tz).utcoffset()
    while step < SPAN_END:
        step += timedelta(minutes=30)
        offset = step.astimezone(tz).utcoffset()
        if offset != previous:
            found.append((step - timedelta(minutes=30)).astimezone(tz).replace(tzinfo=None))
            previous = offset
    return tuple(found)


def instants_showing(wall: datetime, tz: ZoneInfo) -> set[int]:
    """Every UTC instant whose local time in `tz` is `wall` (the oracle: 0, 1 or 2)."""
    found = set()
    for hours in range(-15, 16):
        for minutes in (0, 15, 30, 45):
            offset = timedelta(hours=hours, minutes=minutes if hours >= 0 else -minutes)
            candidate = (wall - offset).replace(tzinfo=UTC)
            if candidate.astimezone(tz).replace(tzinfo=None) == wall:
                found.add(int(candidate.timestamp()))
    return found


@st.composite
def wall_times(draw: st.DrawFn) -> tuple[datetime, ZoneInfo]:
    """A wall time in one of ZONES; half of them within three hours of a DST change."""
    name = draw(st.sampled_from(ZONES))
    near = transitions(name)
    if near and draw(st.booleans()):
        base = draw(st.sampled_from(near))
        wall = base + timedelta(minutes=draw(st.integers(-180, 180)))
    else:
        wall = draw(
            st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31))
        ).replace(second=0, microsecond=0)
    return wall, ZoneInfo(name)


# -- parse_local_time ---------------------------------------------------------------


def test_reference_deadline_in_winter_and_summer() -> None:
    assert parse_local_time("2027-01-15 23:59", BERLIN) == int(
        datetime(2027, 1, 15, 22, 59, tzinfo=UTC).timestamp()
    )
    assert parse_local_time("2026-11-01 12:00", BERLIN) == int(
        datetime(2026, 11, 1, 11, 0, tzinfo=UTC).timestamp()
    )
    assert parse_local_time("2026-10-01 12:00", BERLIN) == int(
        datetime(2026, 10, 1, 10, 0, tzinfo=UTC).timestamp()
    )


@pytest.mark.parametrize(
    "text",
    ["2027-01-15T23:59", "2027-01-15 23:59:00", " 2027-01-15 23:59 ", "2027-01-15T23:59:00"],
)
def test_accepted_local_formats(text: str) -> None:
    assert parse_local_time(text, BERLIN) == unix(2027, 1, 15, 23, 59, BERLIN)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-15T23:59+01:00", datetime(2027, 1, 15, 22, 59, tzinfo=UTC)),
        ("2027-01-15T23:59:00-05:00", datetime(2027, 1, 16, 4, 59, tzinfo=UTC)),
        ("2027-01-15T22:59Z", datetime(2027, 1, 15, 22, 59, tzinfo=UTC)),
        ("2026-10-25T02:30+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
        ("2026-10-25T02:30+02:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_explicit_offset_wins_over_the_seminar_zone(text: str, expected: datetime) -> None:
    assert parse_local_time(text, BERLIN) == int(expected.timestamp())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "tomorrow",
        "15.01.2027 23:59",
        "2027-01-15",
        "2027-02-30 10:00",
        "2027-01-15 25:00",
    ],
)
def test_malformed_times_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(InvalidInput, match="2027-01-15 23:59"):
        parse_local_time(text, BERLIN)


def test_refusal_names_the_seminar_zone() -> None:
    with pytest.raises(InvalidInput, match="America/New_York"):
        parse_local_time("next friday", ZoneInfo("America/New_York"))


def test_time_in_the_spring_gap_is_refused() -> None:
    with pytest.raises(InvalidInput, match="does not exist in Europe/Berlin") as caught:
        parse_local_time("2027-03-28 02:30", BERLIN)
    assert "2027-03-28 02:30" in caught.value.message


def test_time_in_the_autumn_overlap_is_refused_suggesting_an_offset() -> None:
    with pytest.raises(InvalidInput, match="happens twice in Europe/Berlin") as caught:
        parse_local_time("2026-10-25 02:30", BERLIN)
    assert "+02:00" in caught.value.message


def test_hours_beside_the_transitions_are_fine() -> None:
    assert parse_local_time("2027-03-28 01:59", BERLIN) == unix(2027, 3, 28, 1, 59, BERLIN)
    assert parse_local_time("2027-03-28 03:00", BERLIN) == int(
        datetime(2027, 3, 28, 1, 0, tzinfo=UTC).timestamp()
    )
    assert parse_local_time("2026-10-25 03:00", BERLIN) == int(
        datetime(2026, 10, 25, 2, 0, tzinfo=UTC).timestamp()
    )


def test_user_text_in_the_refusal_cannot_break_out_of_its_code_span() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_local_time("`@everyone` " + "x" * 200, BERLIN)
    echoed = caught.value.message.split("`")[1]
    assert "@everyone" in echoed
    assert len(echoed) <= 60


@PROPERTY
@given(wall_times())
def test_every_wall_time_round_trips_or_is_refused_for_the_right_reason(
    sample: tuple[datetime, ZoneInfo],
) -> None:
    wall, tz = sample
    text = wall.strftime("%Y-%m-%d %H:%M")
    showing = instants_showing(wall, tz)
    if len(showing) == 1:
        instant = parse_local_time(text, tz)
        assert instant == showing.pop()
        assert datetime.fromtimestamp(instant, tz).replace(tzinfo=None) == wall
    elif not showing:
        with pytest.raises(InvalidInput, match="does not exist"):
            parse_local_time(text, tz)
    else:
        with pytest.raises(InvalidInput, match="happens twice"):
            parse_local_time(text, tz)


def test_the_property_strategy_reaches_gaps_and_overlaps() -> None:
    berlin = transitions("Europe/Berlin")
    assert datetime(2027, 3, 28, 1, 30) in berlin  # spring forward
    assert datetime(2026, 10, 25, 2, 30) in berlin  # fall back (last CEST half hour)
    assert len(transitions("Australia/Lord_Howe")) == 6
    assert transitions("UTC") == ()


# -- zone ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Europe/Berlin", " America/New_York ", "UTC"])
def test_known_zones(name: str) -> None:
    assert zone(name).key == name.strip()


@pytest.mark.parametrize(
    "name", ["", "Mars/Olympus", "europe/berlin", "../../etc/passwd", "/etc/localtime", "CEST"]
)
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="not a known timezone"):
        zone(name)


# -- reminder offsets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d,1d,2h", [604_800, 86_400, 7_200]),
        ("2h, 7d ,1d", [604_800, 86_400, 7_200]),
        ("1D,2H,30M,45S", [86_400, 7_200, 1_800, 45]),
        ("1d,24h", [86_400]),
        ("none", []),
        ("None", []),
        ("", []),
        ("366d", [366 * 86_400]),
    ],
)
def test_offsets_parse_largest_first_without_duplicates(text: str, expected: list[int]) -> None:
    assert parse_offsets(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0h", "greater than zero"),
        ("367d", "at most a year"),
        ("1w", "not a reminder offset"),
        ("7d,,1d", "not a reminder offset"),
        ("-1d", "not a reminder offset"),
        ("1.5h", "not a reminder offset"),
        ("7 days", "not a reminder offset"),
        (",".join(f"{n}h" for n in range(1, MAX_OFFSETS + 2)), "At most"),
    ],
)
def test_bad_offsets_are_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_offsets(text)


typed_offsets = st.tuples(st.integers(1, 999_999), st.sampled_from("dhms")).filter(
    lambda typed: typed[0] * {"d": 86_400, "h": 3_600, "m": 60, "s": 1}[typed[1]] <= 366 * 86_400
)


@PROPERTY
@given(st.lists(typed_offsets, min_size=1, max_size=MAX_OFFSETS))
def test_what_was_typed_is_shown_back_in_a_form_that_parses_the_same(
    typed: list[tuple[int, str]],
) -> None:
    offsets = parse_offsets(",".join(f"{n}{unit}" for n, unit in typed))
    assert parse_offsets(format_offsets(offsets)) == offsets


def test_format_offsets_picks_the_largest_whole_unit() -> None:
    assert format_offsets([604_800, 86_400, 7_200, 90, 5_400]) == "7d,1d,2h,90s,90m"


# -- weekly slots -------------------------------------------------------------------


def test_weekly_slot_keeps_its_wall_time_across_the_autumn_change() -> None:
    # Tuesdays 14:00 in Berlin: before and after 2026-10-25 the UTC hour differs.
    first = next_weekly(unix(2026, 10, 19, 9, 0, BERLIN), 1, 14, 0, BERLIN)
    second = next_weekly(first, 1, 14, 0, BERLIN)
    assert first == int(datetime(2026, 10, 20, 12, 0, tzinfo=UTC).timestamp())
    assert second == int(datetime(2026, 10, 27, 13, 0, tzinfo=UTC).timestamp())
    assert second - first == 7 * 86_400 + 3_600


def test_weekly_slot_is_strictly_after() -> None:
    slot = unix(2026, 10, 20, 14, 0, BERLIN)
    assert next_weekly(slot - 1, 1, 14, 0, BERLIN) == slot
    assert next_weekly(slot, 1, 14, 0, BERLIN) == unix(2026, 10, 27, 14, 0, BERLIN)


@PROPERTY
@given(
    after=st.integers(int(SPAN_START.timestamp()), int(SPAN_END.timestamp()) - 30 * 86_400),
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 59]),
    name=st.sampled_from(ZONES),
)
def test_next_weekly_is_the_first_matching_wall_time_after(
    after: int, weekday: int, hour: int, minute: int, name: str
) -> None:
    tz = ZoneInfo(name)
    result = next_weekly(after, weekday, hour, minute, tz)
    local = datetime.fromtimestamp(result, tz)
    assert result > after
    assert local.weekday() == weekday
    wall = datetime(local.year, local.month, local.day, hour, minute)
    if instants_showing(wall, tz):
        assert (local.hour, local.minute) == (hour, minute)
    else:
        # The slot falls in a DST gap that day: it moves forward by the gap.
        assert local > wall.replace(tzinfo=tz)
        assert result == int(wall.replace(tzinfo=tz).timestamp())
    # Nothing matching in between: a week earlier is not after `after`.
    week_before = datetime.combine(local.date() - timedelta(days=7), local.time())
    earlier = instants_showing(week_before.replace(hour=hour, minute=minute), tz)
    assert not earlier or min(earlier) <= after
    assert result - after <= 7 * 86_400 + 3_600


@pytest.mark.parametrize(
    "typed",
    [
        "0001-01-02 00:00",
        "1999-12-31 23:59",
        "2101-01-01 00:00",
        "9999-12-31T23:59-14:00",
        "0001-01-01T00:00+14:00",
        "2101-01-01T00:00Z",
    ],
)
def test_times_outside_2000_to_2100_are_refused_with_the_range(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_local_time(typed, ZoneInfo("Europe/Berlin"))
    assert "between the years 2000 and 2100" in refused.value.message


@pytest.mark.parametrize(
    "typed", ["2000-01-01 00:00", "2100-12-31 23:59", "2100-12-31T23:59-14:00"]
)
def test_the_ends_of_the_range_are_accepted(typed: str) -> None:
    assert within_range(parse_local_time(typed, ZoneInfo("Europe/Berlin")))


@pytest.mark.parametrize("typed", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_dates_outside_the_range_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_date(typed, "first")
    assert "between the years 2000 and 2100" in refused.value.message


def test_exports_show_an_unrepresentable_instant_as_its_number() -> None:
    year_ten_thousand = int(datetime(9999, 12, 31, 23, 0, tzinfo=UTC).timestamp()) + 86_400
    assert iso_instant(year_ten_thousand, BERLIN) == str(year_ten_thousand)
    assert iso_instant(0) == "1970-01-01T00:00:00+00:00"
    assert not within_range(year_ten_thousand) and not within_range(0)
