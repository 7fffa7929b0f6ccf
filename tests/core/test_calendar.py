"""/calendar, tier 1: the .ics parses back with the right instants across the DST change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from bot.core.calendar import PRODID, local_time
from bot.core.models import Seminar
from bot.core.reminders import office_hour_starts
from bot.core.services import Services
from tests.clock import FakeClock
from tests.core.helpers import GUILD, ORGANISER, join_all

BERLIN = ZoneInfo("Europe/Berlin")
ALICE = 101


def utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())  # type: ignore[misc]


def instant(value: datetime) -> int:
    assert value.tzinfo is not None, "every time in the file must be anchored to a zone"
    return int(value.timestamp())


def events(data: bytes) -> dict[str, Event]:
    calendar = Calendar.from_ical(data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
async def term(services: Services, seminar: Seminar) -> Seminar:
    """Office hours on Tuesdays 14:00 from before the DST change (2026-10-25) to
    after it, one cancelled, and deadlines either side of the change."""
    await join_all(services, ALICE)
    await services.office_hours.set(
        GUILD,
        ORGANISER,
        weekday="tuesday",
        start="14:00",
        duration=120,
        place="MI 02.09.023",
        first="2026-10-13",
        last="2026-11-17",
    )
    await services.office_hours.cancel(GUILD, ORGANISER, "2026-11-03", "conference")
    await services.deadlines.set(GUILD, ORGANISER, "preferences", "2026-10-24 23:59")
    await services.deadlines.set(GUILD, ORGANISER, "deregistration", "2026-11-01 23:59")
    await services.deadlines.set(
        GUILD, ORGANISER, "report", "2027-01-15 23:59", "7d,1d,2h", "Upload with /submit"
    )
    return seminar


async def test_the_calendar_parses_back_with_prodid_timezone_and_stamp(
    services: Services, term: Seminar, clock: FakeClock
) -> None:
    data = await services.calendar.ics(GUILD, ALICE)
    calendar = Calendar.from_ical(data)
    assert str(calendar["PRODID"]) == PRODID and str(calendar["VERSION"]) == "2.0"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    for event in calendar.walk("VEVENT"):
        assert instant(event.DTSTAMP) == clock.now()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")


async def test_deadlines_are_timed_events_at_their_instant_with_alarms(
    services: Services, term: Seminar
) -> None:
    found = events(await services.calendar.ics(GUILD, ALICE))
    report = found[f"deadline-{GUILD}-report@seminar-bot"]
    assert instant(report.start) == utc(2027, 1, 15, 22, 59)
    assert report["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert "DTEND" not in report  # an instant, not a span
    assert "report (PDF)" in str(report["SUMMARY"])
    assert "Upload with /submit" in str(report["DESCRIPTION"])
    triggers = sorted(alarm["TRIGGER"].dt for alarm in report.walk("VALARM"))
    assert triggers == [-timedelta(days=7), -timedelta(days=1), -timedelta(hours=2)]
    # Either side of the DST change, each at its own local 23:59.
    assert instant(found[f"deadline-{GUILD}-preferences@seminar-bot"].start) == utc(
        2026, 10, 24, 21, 59
    )
    assert instant(found[f"deadline-{GUILD}-deregistration@seminar-bot"].start) == utc(
        2026, 11, 1, 22, 59
    )


async def test_office_hours_are_one_weekly_rule_with_the_cancellation_excluded(
    services: Services, term: Seminar
) -> None:
    found = events(await services.calendar.ics(GUILD, ALICE))
    hours = [event for uid, event in found.items() if uid.startswith("officehours-")]
    assert len(hours) == 1
    (event,) = hours
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.start == datetime(2026, 10, 13, 14, 0, tzinfo=BERLIN)
    assert event.end - event.start == timedelta(hours=2)
    assert str(event["LOCATION"]) == "MI 02.09.023"
    rule = event["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["UNTIL"][0].utcoffset() == timedelta(0)  # RFC 5545: UTC with a TZID start

    # EXDATE names the local start of the cancelled occurrence.
    exdates = [entry.dt for group in _as_list(event["EXDATE"]) for entry in group.dts]
    assert exdates == [datetime(2026, 11, 3, 14, 0, tzinfo=BERLIN)]
    assert _as_list(event["EXDATE"])[0].params["TZID"] == "Europe/Berlin"

    expanded = [
        instant(start)
        for start in rrulestr(rule.to_ical().decode(), dtstart=event.start)
        if start not in exdates
    ]
    assert expanded == office_hour_starts(
        1, 14 * 60, date(2026, 10, 13), date(2026, 11, 17), BERLIN, ["2026-11-03"]
    )
    # 14:00 in Munich is 12:00 UTC in summer time and 13:00 UTC after 25 October.
    assert expanded[:3] == [utc(2026, 10, 13, 12), utc(2026, 10, 20, 12), utc(2026, 10, 27, 13)]
    assert utc(2026, 11, 3, 13) not in expanded
    assert expanded[-1] == utc(2026, 11, 17, 13)


async def test_uids_are_stable_and_a_moved_deadline_gets_a_higher_sequence(
    services: Services, term: Seminar, clock: FakeClock
) -> None:
    before = events(await services.calendar.ics(GUILD, ALICE))
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-22 23:59")
    clock.advance(3600)
    after = events(await services.calendar.ics(GUILD, ALICE))
    assert set(before) == set(after)
    uid = f"deadline-{GUILD}-report@seminar-bot"
    assert int(after[uid]["SEQUENCE"]) > int(before[uid]["SEQUENCE"])
    assert instant(after[uid].start) == utc(2027, 1, 22, 22, 59)
    calendar_uid = Calendar.from_ical(await services.calendar.ics(GUILD, ALICE))["UID"]
    assert str(calendar_uid) == f"calendar-{GUILD}-{ALICE}@seminar-bot"


async def test_no_talks_yet_and_no_office_hours_when_none_are_set(
    services: Services, seminar: Seminar
) -> None:
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    found = events(await services.calendar.ics(GUILD, ALICE))
    assert list(found) == [f"deadline-{GUILD}-report@seminar-bot"]
    assert await services.calendar.talks(seminar, ALICE) == []


async def test_an_empty_seminar_still_gives_a_valid_calendar(
    services: Services, seminar: Seminar
) -> None:
    calendar = Calendar.from_ical(await services.calendar.ics(GUILD, ALICE))
    assert calendar.walk("VEVENT") == [] and calendar.walk("VTIMEZONE") == []


def test_an_instant_in_the_repeated_autumn_hour_is_written_in_utc() -> None:
    first = utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    second = utc(2026, 10, 25, 1, 30)  # 02:30 CET, the same wall time an hour later
    assert local_time(first, BERLIN).tzinfo is UTC
    assert local_time(second, BERLIN).tzinfo is UTC
    assert int(local_time(second, BERLIN).timestamp()) == second
    assert local_time(utc(2026, 10, 25, 3), BERLIN).tzinfo is BERLIN


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]  # type: ignore[return-value]
