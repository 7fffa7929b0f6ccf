"""Reading times typed by organisers and offsets like `7d,1d,2h`.

Organisers type local wall-clock times in the seminar's IANA zone. A wall time
that falls in a DST gap does not exist and one in the autumn overlap happens
twice; both are refused rather than guessed, because a deadline an hour off is
worse than a question.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import InvalidInput
from bot.core.text import echo

_LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
_OFFSET_RE = re.compile(r"^\s*(\d{1,6})\s*([dhms])\s*$")
_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
MAX_OFFSETS = 10
# Every date or time a user types must lie in these years (inclusive). Far enough
# for any seminar; near enough that reminders before it and calendar files around
# it never leave what Python's datetime can represent.
FIRST_YEAR = 2000
LAST_YEAR = 2100
YEARS = f"between the years {FIRST_YEAR} and {LAST_YEAR}"
# The instants those years can name in any zone (UTC offsets reach ±14 h).
_RANGE = (
    int(datetime(FIRST_YEAR, 1, 1, tzinfo=UTC).timestamp()) - 86_400,
    int(datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC).timestamp()) + 86_400,
)


def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or a clear refusal."""
    cleaned = name.strip()
    if not cleaned or cleaned not in _known_zones():
        raise InvalidInput(
            f"`{echo(cleaned)}` is not a known timezone. Use an IANA name such as "
            "`Europe/Berlin` or `America/New_York`."
        )
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - guarded above
        raise InvalidInput(f"`{echo(cleaned)}` is not a known timezone.") from None


@functools.cache
def _known_zones() -> frozenset[str]:
    # ZoneInfo also accepts file paths like "../../etc"; the catalogue does not.
    return frozenset(available_timezones())


def parse_local_time(text: str, tz: ZoneInfo) -> int:
    """Unix seconds for `text`, a wall time in `tz` or an ISO 8601 time with an offset."""
    raw = text.strip()
    if not raw:
        raise InvalidInput("Please give a time such as `2027-01-15 23:59`.")
    aware = _parse_with_offset(raw)
    if aware is not None:
        check_year(aware, raw)
        return int(aware.timestamp())
    naive = _parse_naive(raw)
    if naive is None:
        raise InvalidInput(
            f"`{echo(raw)}` is not a time I can read. Use `YYYY-MM-DD HH:MM` in the "
            f"seminar's timezone ({tz.key}), e.g. `2027-01-15 23:59`."
        )
    check_year(naive, raw)
    return int(resolve_wall_time(naive, tz).timestamp())


def resolve_wall_time(naive: datetime, tz: ZoneInfo) -> datetime:
    """The one instant a wall time names in `tz`; refuses gaps and overlaps."""
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        # Round-tripping through UTC tells a gap (the time never shows on a
        # clock) from an overlap (it shows twice).
        round_trip = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        stamp = naive.strftime("%Y-%m-%d %H:%M")
        if round_trip != naive:
            raise InvalidInput(
                f"{stamp} does not exist in {tz.key}: the clocks skip that hour for "
                "daylight saving time. Please pick another time."
            )
        raise InvalidInput(
            f"{stamp} happens twice in {tz.key} (the clocks go back for daylight "
            "saving time). Please pick another time, or give an explicit offset such "
            "as `+02:00`."
        )
    return early


def _parse_with_offset(raw: str) -> datetime | None:
    candidate = raw.replace("Z", "+00:00") if raw.endswith("Z") else raw
    if not re.search(r"[+-]\d{2}:?\d{2}$", candidate):
        return None
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _parse_naive(raw: str) -> datetime | None:
    for fmt in _LOCAL_FORMATS:
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    return None


def parse_date(text: str, field: str) -> date:
    """A calendar date typed as `YYYY-MM-DD`, within the accepted years."""
    raw = text.strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"`{field}` must be a date such as `2026-10-20`.") from None
    check_year(day, raw)
    return day


def check_year(moment: date, typed: str) -> None:
    """Refuse a date or time outside FIRST_YEAR..LAST_YEAR, saying the range."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidInput(f"`{echo(typed)}` is out of range: dates and times must be {YEARS}.")


def within_range(unix: int) -> bool:
    """Whether `unix` is an instant the bot could have accepted (FIRST_YEAR..LAST_YEAR).

    Input is checked on the way in, but a renderer must still survive a row
    written before that check or by hand: it leaves such an instant out (or
    shows it plainly) instead of failing the whole answer.
    """
    low, high = _RANGE
    return low <= unix <= high


def iso_instant(unix: int, tz: tzinfo = UTC) -> str:
    """`unix` as ISO 8601 in `tz` for exports; a stored instant no calendar can show
    comes out as the bare number instead of failing the whole export."""
    try:
        return datetime.fromtimestamp(unix, tz).isoformat()
    except (OverflowError, ValueError, OSError):
        return str(unix)


def parse_offsets(text: str) -> list[int]:
    """`7d,1d,2h` -> [604800, 86400, 7200]: seconds before a deadline, largest first."""
    raw = text.strip()
    if not raw or raw.lower() == "none":
        return []
    seconds: set[int] = set()
    for part in raw.split(","):
        match = _OFFSET_RE.match(part.lower())
        if match is None:
            raise InvalidInput(
                f"`{echo(part.strip())}` is not a reminder offset. Use a list like "
                "`7d,1d,2h` (units d, h, m, s)."
            )
        value = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        if value <= 0:
            raise InvalidInput("Reminder offsets must be greater than zero.")
        if value > 366 * 86_400:
            raise InvalidInput("Reminder offsets can be at most a year.")
        seconds.add(value)
    if len(seconds) > MAX_OFFSETS:
        raise InvalidInput(f"At most {MAX_OFFSETS} reminders per deadline.")
    return sorted(seconds, reverse=True)


def format_offsets(seconds: list[int]) -> str:
    parts = []
    for value in seconds:
        for unit in ("d", "h", "m", "s"):
            size = _UNIT_SECONDS[unit]
            if value % size == 0:
                parts.append(f"{value // size}{unit}")
                break
    return ",".join(parts)


def next_weekly(after: int, weekday: int, hour: int, minute: int, tz: ZoneInfo) -> int:
    """First occurrence strictly after `after` of a weekly wall-clock slot in `tz`.

    Computed on the calendar, not by adding 7×24 h, so a 14:00 slot stays 14:00
    local across DST changes.
    """
    local = datetime.fromtimestamp(after, tz)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    for _ in range(3):
        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
        instant = int(candidate.timestamp())
        if instant > after:
            return instant
        day += timedelta(days=7)
    raise AssertionError("unreachable: a week later is always after")  # pragma: no cover
