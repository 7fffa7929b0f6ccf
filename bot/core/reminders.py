"""The reminder engine's brain: what is due, to whom, and exactly-once delivery.

Rows are the truth. Every message the clock sends is an *occurrence* derived
from a row (a deadline's offset, a scheduled announcement, an office-hour
notice) with a stable key. Sending is a fan-out over recipients, each claimed
in the delivery log before it is sent, so a restart resumes a fan-out instead
of repeating it. Each platform is behind the `Outbox` protocol; this module never
imports one.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Collection, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.errors import person
from bot.core.models import DeadlineKind, Platform
from bot.core.text import clip
from bot.store import assignments as assignment_store
from bot.store import attendance as attendance_store
from bot.store import reminders as store
from bot.store import talks as talk_store
from bot.store.database import Database

log = logging.getLogger(__name__)

# A delivery this much after its due time is marked late ("the bot was offline"),
# as is anything that fell due before the bot (re)started.
LATE_AFTER = 120
# Transient failures are retried this many times, with growing pauses, then reported.
MAX_ATTEMPTS = 5
OFFICE_HOUR_NOTICES = (86_400, 900)
# More weekly occurrences than any term has (the command allows 60 weeks).
OFFICE_HOUR_MAX_WEEKS = 10 * 53
# Sends in flight at once during a fan-out; the notifier paces the actual rate.
FANOUT_CONCURRENCY = 8  # the day before, and 15 minutes before
ANNOUNCEMENT_USEFUL_FOR = 7 * 86_400
# Who presents what stays worth telling for the whole semester, however late.
PUBLICATION_USEFUL_FOR = 365 * 86_400
# The channel post lists every paper within this many characters (a message holds
# 2000); what does not fit is left to /paper.
PUBLICATION_POST_BUDGET = 1_900
# A presenter hears about their talk the day before and an hour before; everyone
# hears the day before each block day (attendance is required).
TALK_NOTICES = (86_400, 3_600)
BLOCK_DAY_NOTICE = 86_400
# A one-off notice (a waitlist promotion) is worth sending for a month.
NOTICE_USEFUL_FOR = 30 * 86_400


class Source(StrEnum):
    DEADLINE = "deadline"
    ANNOUNCEMENT = "announcement"
    OFFICE_HOURS = "officehours"
    PUBLICATION = "publication"
    TALK = "talk"
    BLOCK_DAY = "blockday"
    NOTICE = "notice"


@dataclass(frozen=True, order=True)
class Occurrence:
    due_at: int
    key: str
    seminar_id: int
    source: Source
    ref_id: int
    # After this instant the message is no longer useful: recorded as missed.
    expires_at: int
    offset: int = 0
    event_at: int = 0


@dataclass(frozen=True)
class Notice:
    """A message with `{name}` placeholders for instants the front end renders."""

    template: str
    instants: dict[str, int] = field(default_factory=dict)
    ping_role_id: int | None = None
    # `{name}` placeholders for people (account ids): each platform names them in its
    # own way, never pinging.
    people: dict[str, int] = field(default_factory=dict)


class DeliveryFailed(Exception):
    """A send that did not go out; `permanent` says whether retrying can help."""

    def __init__(self, reason: str, *, permanent: bool = False, dms_closed: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.dms_closed = dms_closed


class Outbox(Protocol):
    """How one platform delivers what the bot sends on its own.

    `channel_id` is the place id public posts go to, `user_id` an account id. The
    nonce is stable across retries of one delivery: a platform that can, uses it to
    drop a duplicate re-send (Discord's enforce_nonce, Matrix's transaction id).
    """

    async def post(self, channel_id: int, notice: Notice, *, nonce: str) -> None: ...

    async def direct(self, user_id: int, notice: Notice, *, nonce: str) -> None: ...

    async def mention(
        self, channel_id: int, user_ids: list[int], notice: Notice, *, nonce: str
    ) -> None: ...


def literal(text: str) -> str:
    """User text placed into a Notice template, with its braces kept literal."""
    return text.replace("{", "{{").replace("}", "}}")


# -- planning --------------------------------------------------------------


def before(instant: int, offset: int, tz: ZoneInfo | None) -> int:
    """`offset` seconds before `instant`, whole days counted on the calendar in `tz`.

    "1d before" a 12:00 deadline means 12:00 the day before, which is what a
    student expects, even when the clocks change in between (then it is 23 or
    25 hours). Offsets that are not whole days (2h, 90m) are exact durations.
    """
    days, rest = divmod(offset, 86_400)
    if tz is None or rest or not days:
        return instant - offset
    local = datetime.fromtimestamp(instant, tz)
    # Aware arithmetic with one tzinfo is wall-clock arithmetic in Python.
    return int((local - timedelta(days=days)).timestamp())


def notice_before(
    event_at: int,
    offset: int,
    *,
    key: str,
    source: Source,
    seminar_id: int,
    ref_id: int,
    tz: ZoneInfo | None,
) -> Occurrence:
    """A notice `offset` seconds before an event, useful until the event starts."""
    return Occurrence(
        due_at=before(event_at, offset, tz),
        key=key,
        seminar_id=seminar_id,
        source=source,
        ref_id=ref_id,
        expires_at=event_at,
        offset=offset,
        event_at=event_at,
    )


def deadline_occurrences(
    deadline_id: int,
    seminar_id: int,
    due_at: int,
    offsets: Iterable[int],
    revision: int,
    tz: ZoneInfo | None = None,
) -> list[Occurrence]:
    return [
        notice_before(
            due_at,
            offset,
            key=f"deadline:{deadline_id}:r{revision}:{offset}",
            source=Source.DEADLINE,
            seminar_id=seminar_id,
            ref_id=deadline_id,
            tz=tz,
        )
        for offset in offsets
    ]


def office_hour_starts(
    weekday: int,
    start_minute: int,
    first: date,
    last: date,
    tz: ZoneInfo,
    cancelled: Iterable[str] = (),
) -> list[int]:
    """Every weekly occurrence's start, on the calendar in `tz` (DST-proof)."""
    skip = set(cancelled)
    starts: list[int] = []
    hour, minute = divmod(start_minute, 60)
    try:
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        # Bounded: a row spanning centuries (written by hand) costs no more than this.
        for _ in range(OFFICE_HOUR_MAX_WEEKS):
            if day > last:
                break
            if day.isoformat() not in skip:
                local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                starts.append(int(local.timestamp()))
            day += timedelta(days=7)
    except OverflowError:
        pass  # the calendar ends (year 9999): there are no later weeks
    return starts


def office_hour_occurrences(
    seminar_id: int, revision: int, starts: Iterable[int], now: int, tz: ZoneInfo | None = None
) -> list[Occurrence]:
    """Notices for the next occurrence, plus any still-useful one a restart missed."""
    upcoming = [start for start in starts if start > now]
    chosen = upcoming[:1]
    found = []
    for start in chosen:
        for offset in OFFICE_HOUR_NOTICES:
            found.append(
                notice_before(
                    start,
                    offset,
                    key=f"officehours:{seminar_id}:r{revision}:{start}:{offset}",
                    source=Source.OFFICE_HOURS,
                    seminar_id=seminar_id,
                    ref_id=seminar_id,
                    tz=tz,
                )
            )
    return found


def talk_occurrences(
    slot_id: int, seminar_id: int, revision: int, starts_at: int, tz: ZoneInfo | None = None
) -> list[Occurrence]:
    """A presenter's reminders for their talk slot (1 day and 1 hour before)."""
    return [
        notice_before(
            starts_at,
            offset,
            key=f"talk:{seminar_id}:r{revision}:{slot_id}:{offset}",
            source=Source.TALK,
            seminar_id=seminar_id,
            ref_id=slot_id,
            tz=tz,
        )
        for offset in TALK_NOTICES
    ]


def block_day_occurrences(
    seminar_id: int, revision: int, day_starts: dict[int, int], tz: ZoneInfo | None = None
) -> list[Occurrence]:
    """Everyone's reminder the day before each block day (day index -> its first talk)."""
    return [
        notice_before(
            start,
            BLOCK_DAY_NOTICE,
            key=f"blockday:{seminar_id}:r{revision}:d{index}",
            source=Source.BLOCK_DAY,
            seminar_id=seminar_id,
            ref_id=index,
            tz=tz,
        )
        for index, start in sorted(day_starts.items())
    ]


def block_day_start(first_start: int, day_index: int, tz: ZoneInfo) -> int:
    """Day `day_index` (0-based) of a block seminar: day 1's wall time, that many
    calendar days later in `tz` (DST-proof)."""
    wall = datetime.fromtimestamp(first_start, tz).replace(tzinfo=None)
    return int((wall + timedelta(days=day_index)).replace(tzinfo=tz).timestamp())


def _talk_plan(rows: Iterable[Any], zones: dict[str, ZoneInfo]) -> list[Occurrence]:
    """Every talk and block-day occurrence the programme rows imply.

    A block day's time comes from the schedule, not from its first remaining
    talk, so a drop-out never moves (and re-sends) the day's reminder.
    """
    found: list[Occurrence] = []
    days: dict[tuple[int, int, str], dict[int, int]] = {}
    for row in rows:
        tz = _zone(zones, row["timezone"])
        found.extend(
            talk_occurrences(row["id"], row["seminar_id"], row["revision"], row["starts_at"], tz)
        )
        starts = days.setdefault((row["seminar_id"], row["revision"], row["timezone"]), {})
        if row["day_index"] not in starts:
            starts[row["day_index"]] = block_day_start(row["first_start"], row["day_index"], tz)
    for (seminar_id, revision, zone_name), starts in days.items():
        found.extend(block_day_occurrences(seminar_id, revision, starts, _zone(zones, zone_name)))
    return found


@dataclass(frozen=True)
class Plan:
    """Every pending occurrence, and what could not be planned, per seminar."""

    occurrences: list[Occurrence]
    # Seminar id -> the rows whose reminders could not be planned (e.g. a stored time
    # out of range). Only those rows' reminders are left out until they are set
    # again; the rest of that seminar's, and every other seminar's, go out as usual.
    broken: dict[int, list[str]] = field(default_factory=dict)


class ReminderPlanner:
    """Derives every pending occurrence from the rows."""

    def __init__(self, db: Database, clock: Clock, platforms: Collection[Platform]) -> None:
        self.db = db
        self.clock = clock
        # Only seminars these front ends run: another process delivers the rest.
        self.platforms = frozenset(platforms)

    @property
    def catch_up_key(self) -> str:
        """Where the scheduler records how far back this process's plan must reach."""
        return "caught_up_to:" + ",".join(sorted(p.value for p in self.platforms))

    async def pending(self) -> list[Occurrence]:
        """Every pending occurrence, past and future (reads every row: for tests,
        the benchmark's old figure and one seminar's status)."""
        return (await self.plan()).occurrences

    async def plan(
        self,
        *,
        since: int | None = None,
        until: int | None = None,
        seminar_id: int | None = None,
    ) -> Plan:
        """The unfinished occurrences due in [since, until] (None: unbounded), of one
        seminar or of all this process runs.

        The SQL reads only rows that can imply such an occurrence, so the cost
        follows what is due in the window, not the backlog of the semester.
        Plan row by row: one that raises is logged and left out, so a bad row never
        stops any other reminder (of its seminar or another), nor the start."""
        now = self.clock.now()
        window = store.Window(since, until, seminar_id)
        ours = await store.seminars_on(self.db, self.platforms)
        zones: dict[str, ZoneInfo] = {}
        found: list[Occurrence] = []
        broken: dict[int, list[str]] = {}

        def add(seminar_id: int, what: str, make: Callable[[], Iterable[Occurrence]]) -> None:
            if seminar_id not in ours:
                return
            try:
                found.extend(make())
            except Exception as exc:
                broken.setdefault(seminar_id, []).append(f"{what} ({exc})")
                log.error(
                    "seminar %s: cannot plan %s (%s); its reminders are skipped until it is "
                    "set again",
                    seminar_id,
                    what,
                    exc,
                    exc_info=exc,
                )

        for row in await store.all_deadlines(self.db, window):
            add(
                row["seminar_id"],
                f"the deadline {row['kind']}",
                functools.partial(_deadline_plan, row, zones, since, until),
            )
        for row in await store.live_announcements(self.db, window):
            found.append(
                Occurrence(
                    due_at=row["post_at"],
                    key=f"announcement:{row['id']}",
                    seminar_id=row["seminar_id"],
                    source=Source.ANNOUNCEMENT,
                    ref_id=row["id"],
                    expires_at=row["post_at"] + ANNOUNCEMENT_USEFUL_FOR,
                )
            )
        for row in await store.all_office_hours(self.db, seminar_id):
            cancelled = await store.cancelled_dates(self.db, row["seminar_id"])
            add(
                row["seminar_id"],
                "the office hours",
                functools.partial(_office_hours_plan, row, cancelled, now),
            )
        for row in await assignment_store.published_runs(self.db, window):
            found.append(
                Occurrence(
                    due_at=row["published_at"],
                    key=f"publication:{row['id']}",
                    seminar_id=row["seminar_id"],
                    source=Source.PUBLICATION,
                    ref_id=row["id"],
                    expires_at=row["published_at"] + PUBLICATION_USEFUL_FOR,
                )
            )
        by_seminar: dict[int, list[Any]] = {}
        for row in await talk_store.slots_for_reminders(self.db, window=window):
            by_seminar.setdefault(row["seminar_id"], []).append(row)
        for seminar_id, rows in by_seminar.items():
            add(seminar_id, "the programme", functools.partial(_talk_plan, rows, zones))
        for row in await store.all_notices(self.db, window):
            found.append(
                Occurrence(
                    due_at=row["created_at"],
                    key=f"notice:{row['id']}",
                    seminar_id=row["seminar_id"],
                    source=Source.NOTICE,
                    ref_id=row["id"],
                    expires_at=row["created_at"] + NOTICE_USEFUL_FOR,
                )
            )
        low = -(2**63) if since is None else since
        high = 2**63 if until is None else until
        candidates = [
            occ
            for occ in found
            if occ.seminar_id in ours
            and low <= occ.due_at <= high
            and (seminar_id is None or occ.seminar_id == seminar_id)
        ]
        if since is None and until is None and seminar_id is None:
            finished = await store.finished_jobs(self.db)
        else:
            finished = await store.finished_among(self.db, {occ.key for occ in candidates})
        pending = [occ for occ in candidates if (occ.key, occ.due_at) not in finished]
        # By time, then key: the same order as the dataclass's, without its slow __lt__.
        pending.sort(key=_by_time)
        return Plan(pending, broken)

    async def is_current(self, occurrence: Occurrence) -> bool:
        """Whether the rows still imply this occurrence (not moved, removed or cancelled)."""
        if occurrence.source is Source.DEADLINE:
            row = await store.deadline_by_id(self.db, occurrence.ref_id)
            if row is None:
                return False
            offsets = [int(part) for part in row["reminder_offsets"].split(",") if part]
            return occurrence in deadline_occurrences(
                row["id"],
                row["seminar_id"],
                row["due_at"],
                offsets,
                row["revision"],
                ZoneInfo(row["timezone"]),
            )
        if occurrence.source is Source.ANNOUNCEMENT:
            row = await store.live_announcement(self.db, occurrence.ref_id)
            return row is not None and row["post_at"] == occurrence.due_at
        if occurrence.source is Source.PUBLICATION:
            # A newer publication supersedes this one (and sends its own notice).
            row = await assignment_store.run_by_id(self.db, occurrence.ref_id)
            return (
                row is not None
                and row["status"] == "published"
                and row["published_at"] == occurrence.due_at
            )
        if occurrence.source in (Source.TALK, Source.BLOCK_DAY):
            rows = await talk_store.slots_for_reminders(self.db, occurrence.seminar_id)
            return occurrence in _talk_plan(rows, {})
        if occurrence.source is Source.NOTICE:
            return await store.notice(self.db, occurrence.ref_id) is not None
        row = await store.office_hours_of(self.db, occurrence.seminar_id)
        if row is None or f":r{row['revision']}:" not in occurrence.key:
            return False
        cancelled = await store.cancelled_dates(self.db, occurrence.seminar_id)
        tz = ZoneInfo(row["timezone"])
        local_day = datetime.fromtimestamp(occurrence.event_at, tz).date().isoformat()
        return local_day not in cancelled


def _by_time(occurrence: Occurrence) -> tuple[int, str]:
    return occurrence.due_at, occurrence.key


def _zone(cache: dict[str, ZoneInfo], name: str) -> ZoneInfo:
    found = cache.get(name)
    if found is None:
        found = cache[name] = ZoneInfo(name)
    return found


def _deadline_plan(
    row: Any, zones: dict[str, ZoneInfo], low: int | None = None, high: int | None = None
) -> list[Occurrence]:
    """A deadline's reminders; with `low`/`high`, only those that can fall due in
    between (the calendar arithmetic is what costs; a day-based offset lands within
    an hour of DST of `due_at - offset`)."""
    due = row["due_at"]
    offsets = [
        offset
        for offset in (int(part) for part in row["reminder_offsets"].split(",") if part)
        if (low is None or due - offset + 3600 >= low)
        and (high is None or due - offset - 3600 <= high)
    ]
    return deadline_occurrences(
        row["id"],
        row["seminar_id"],
        row["due_at"],
        offsets,
        row["revision"],
        _zone(zones, row["timezone"]),
    )


def _office_hours_plan(row: Any, cancelled: Iterable[str], now: int) -> list[Occurrence]:
    tz = ZoneInfo(row["timezone"])
    starts = office_hour_starts(
        row["weekday"],
        row["start_minute"],
        date.fromisoformat(row["first_date"]),
        date.fromisoformat(row["last_date"]),
        tz,
        cancelled,
    )
    return office_hour_occurrences(row["seminar_id"], row["revision"], starts, now, tz)


# -- audience and wording ----------------------------------------------------

DEADLINE_NAMES: dict[str, str] = {
    DeadlineKind.PREFERENCES: "paper preferences",
    DeadlineKind.DEREGISTRATION: "de-registration",
    DeadlineKind.REPORT: "report (PDF)",
    DeadlineKind.SLIDES: "slides (PDF)",
    DeadlineKind.PRESENTATION: "final presentation",
}
DEADLINE_ACTIONS = {
    DeadlineKind.PREFERENCES: "Rank your papers with `/prefs set` if you have not yet.",
    DeadlineKind.DEREGISTRATION: "Last chance to leave with `/leave`; after this you stay in.",
    DeadlineKind.REPORT: "Hand it in with `/submit kind:report`.",
    DeadlineKind.SLIDES: "Hand them in with `/submit kind:slides`.",
    DeadlineKind.PRESENTATION: "See `/talks` for the programme.",
}


@dataclass(frozen=True)
class Audience:
    channel_id: int | None
    dm_user_ids: list[int]
    # A DM's own wording where it differs per recipient (each student's paper);
    # everyone else in dm_user_ids gets the occurrence's notice.
    personal: dict[int, Notice] = field(default_factory=dict)
    # False: DMs only; the channel is used just to mention those whose DMs are closed.
    post: bool = True


class ReminderContent:
    """What an occurrence says and whom it reaches, decided at send time."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def audience(self, occurrence: Occurrence) -> Audience:
        seminar = await store.seminar_audience_settings(self.db, occurrence.seminar_id)
        if seminar is None:
            return Audience(None, [])
        channel_id = seminar["channel_id"]
        if occurrence.source is Source.PUBLICATION:
            return await self._publication_audience(occurrence, channel_id)
        if occurrence.source is Source.TALK:
            # Only the presenter; the channel is where a closed DM falls back to.
            slot = await talk_store.slot_by_id(self.db, occurrence.ref_id)
            people = await store.registered_users(self.db, occurrence.seminar_id)
            wanted = None if slot is None else slot["user_id"]
            dms = [p["user_id"] for p in people if p["user_id"] == wanted and p["dm"]]
            # The hour-before DM carries the talk's check-in code; only the DM does: a
            # closed DM's fallback mention in the channel must not show it to everyone.
            code = await attendance_store.code_of_slot(self.db, occurrence.ref_id)
            base = await self._talk_notice(occurrence, "")
            if wanted is None or code is None or base is None or occurrence.offset > 3_600:
                return Audience(channel_id, dms, post=False)
            with_code = Notice(
                f"{base.template}\nCheck-in code for your audience: `{code}` (put it on a "
                "slide or say it; `/attend` takes it from 10 minutes before your start).",
                base.instants,
            )
            return Audience(channel_id, dms, {wanted: with_code}, post=False)
        if occurrence.source is Source.BLOCK_DAY:
            people = await store.registered_users(self.db, occurrence.seminar_id)
            return Audience(channel_id, [p["user_id"] for p in people if p["dm"]])
        if occurrence.source is Source.NOTICE:
            # Not a reminder: sent whatever the reminder setting, like a publication DM.
            row = await store.notice(self.db, occurrence.ref_id)
            return Audience(channel_id, [] if row is None else [row["account_id"]], post=False)
        if occurrence.source is not Source.DEADLINE:
            return Audience(channel_id, [])
        kind = await store.deadline_kind(self.db, occurrence.ref_id)
        people = await store.registered_users(self.db, occurrence.seminar_id)
        if kind == DeadlineKind.PREFERENCES:
            people = [p for p in people if p["ranked"] < seminar["pref_count"]]
        elif kind in (DeadlineKind.REPORT, DeadlineKind.SLIDES):
            done = await store.submitted_users(self.db, occurrence.seminar_id, kind)
            people = [p for p in people if p["user_id"] not in done]
        return Audience(channel_id, [p["user_id"] for p in people if p["dm"]])

    async def notice(
        self, occurrence: Occurrence, *, late: bool, offline: bool = True
    ) -> Notice | None:
        # Say why only when we know it: a retry after failed sends is late too.
        prefix = ""
        if late:
            prefix = "(Sent late: the bot was offline.) " if offline else "(Sent late.) "
        if occurrence.source is Source.DEADLINE:
            row = await store.deadline_notice(self.db, occurrence.ref_id)
            if row is None:
                return None
            kind = row["kind"]
            name = DEADLINE_NAMES.get(kind, literal(clip(kind, 40)))
            title = literal(clip(row["title"], 200))
            text = f"{prefix}⏰ Reminder for **{title}**: the **{name}** deadline is {{due}}."
            if row["note"]:
                text += f"\n{literal(clip(row['note'], 500))}"
            action = DEADLINE_ACTIONS.get(kind)
            if action:
                text += f"\n{action}"
            return Notice(text, {"due": occurrence.event_at})
        if occurrence.source is Source.ANNOUNCEMENT:
            row = await store.live_announcement(self.db, occurrence.ref_id)
            if row is None:
                return None
            return Notice(
                f"{prefix}📣 {literal(row['message'])}", {}, ping_role_id=row["ping_role_id"]
            )
        if occurrence.source is Source.PUBLICATION:
            return await self._publication_notice(occurrence, prefix)
        if occurrence.source is Source.TALK:
            return await self._talk_notice(occurrence, prefix)
        if occurrence.source is Source.BLOCK_DAY:
            return await self._block_day_notice(occurrence, prefix)
        if occurrence.source is Source.NOTICE:
            row = await store.notice(self.db, occurrence.ref_id)
            return None if row is None else Notice(prefix + row["template"])
        row = await store.office_hours_of(self.db, occurrence.seminar_id)
        if row is None:
            return None
        soon = "in 15 minutes" if occurrence.offset <= 900 else "tomorrow"
        return Notice(
            f"{prefix}🕑 Office hours {soon}: {{start}} for {row['duration_minutes']} min, "
            f"{literal(clip(row['place'], 200))}.",
            {"start": occurrence.event_at},
        )

    async def _publication_notice(self, occurrence: Occurrence, prefix: str) -> Notice | None:
        """The channel post: every paper with its presenters (mentions, never pings)."""
        header = await assignment_store.publication_header(self.db, occurrence.ref_id)
        if header is None:
            return None
        what = "updated" if header["based_on"] is not None else "published"
        text = (
            f"{prefix}📋 The paper assignment for **{literal(clip(header['title'], 200))}** "
            f"is {what}. Your own paper, its links and what is due next: `/assignment`."
        )
        per_paper: dict[str, list[str]] = {}
        titles: dict[str, str] = {}
        people: dict[str, int] = {}
        for row in await assignment_store.publication_listing(self.db, occurrence.ref_id):
            per_paper.setdefault(row["code"], []).append(person(people, row["user_id"]))
            titles[row["code"]] = row["title"]
        lines = [
            f"• `{literal(code)}` {literal(clip(titles[code], 50))} — {', '.join(who)}"
            for code, who in per_paper.items()
        ]
        # One message holds 2000 characters: drop the titles before dropping papers.
        if len(text) + sum(len(line) + 1 for line in lines) > PUBLICATION_POST_BUDGET:
            lines = [f"• `{literal(code)}` — {', '.join(who)}" for code, who in per_paper.items()]
        size = len(text)
        for index, line in enumerate(lines):
            if size + len(line) + 1 > PUBLICATION_POST_BUDGET:
                text += f"\n… and {len(lines) - index} more papers: see `/paper`."
                break
            text += f"\n{line}"
            size += len(line) + 1
        return Notice(text, people=people)

    async def _talk_notice(self, occurrence: Occurrence, prefix: str) -> Notice | None:
        slot = await talk_store.slot_by_id(self.db, occurrence.ref_id)
        if slot is None:
            return None
        soon = "in one hour" if occurrence.offset <= 3_600 else "tomorrow"
        return Notice(
            f"{prefix}🎤 Your talk in **{literal(clip(slot['seminar_title'], 200))}** is {soon}: "
            f"{{start}}, `{literal(slot['code'])}` {literal(clip(slot['title'], 200))} "
            f"(day {slot['day_index'] + 1}, talk {slot['position']}). "
            "Bring your slides; the programme: `/talks`.",
            {"start": occurrence.event_at},
        )

    async def _block_day_notice(self, occurrence: Occurrence, prefix: str) -> Notice | None:
        header = await talk_store.schedule_of(self.db, occurrence.seminar_id)
        slots = [
            row
            for row in await talk_store.slots(self.db, occurrence.seminar_id)
            if row["day_index"] == occurrence.ref_id
        ]
        title = await talk_store.seminar_title(self.db, occurrence.seminar_id)
        if header is None or not slots:
            return None
        text = (
            f"{prefix}📅 Block seminar of **{literal(clip(title, 200))}**, day "
            f"{occurrence.ref_id + 1}, is tomorrow: {{start}}. Attendance is required. "
            f"{len(slots)} talk{'' if len(slots) == 1 else 's'} (times: `/talks`):"
        )
        size = len(text)
        people: dict[str, int] = {}
        for index, row in enumerate(slots):
            line = (
                f"\n{row['position']}. `{literal(row['code'])}` "
                f"{literal(clip(row['title'], 50))} — {person(people, row['user_id'])}"
            )
            if size + len(line) > PUBLICATION_POST_BUDGET:
                text += f"\n… and {len(slots) - index} more: see `/talks`."
                break
            text += line
            size += len(line)
        return Notice(text, {"start": occurrence.event_at}, people=people)

    async def _publication_audience(
        self, occurrence: Occurrence, channel_id: int | None
    ) -> Audience:
        """DMs to the students this publication gave a paper (or a different one)."""
        header = await assignment_store.publication_header(self.db, occurrence.ref_id)
        seminar = "" if header is None else literal(clip(header["title"], 200))
        personal: dict[int, Notice] = {}
        for row in await assignment_store.newly_assigned(self.db, occurrence.ref_id):
            text = (
                f"📋 Your paper in **{seminar}**: **{literal(clip(row['title'], 300))}** "
                f"(`{literal(row['code'])}`)"
            )
            if row["rank"] is not None:
                text += f", your choice #{row['rank']}"
            text += "."
            if row["authors"]:
                text += f"\n{literal(clip(row['authors'], 300))}"
            if row["url"]:
                text += f"\nConference version: {literal(row['url'])}"
            if row["arxiv"]:
                text += f"\narXiv: {literal(row['arxiv'])}"
            text += "\nWhat is due next: `/assignment`."
            personal[row["user_id"]] = Notice(text)
        return Audience(channel_id, list(personal), personal)


# -- the fan-out -------------------------------------------------------------


@dataclass(frozen=True)
class RunOutcome:
    finished: bool
    status: str  # 'done', 'missed', 'retry', 'gone', 'skipped'
    sent: int = 0
    retry_in: int = 0


class Dispatcher:
    """Runs one occurrence: claims, sends, marks; safe to call again after a crash."""

    def __init__(self, db: Database, clock: Clock, outboxes: Mapping[Platform, Outbox]) -> None:
        self.db = db
        self.clock = clock
        # One per front end of this process; the planner plans only their seminars.
        self.outboxes = dict(outboxes)
        # Set at shutdown: sends in flight finish and are recorded, no new one starts.
        self.stopping = False
        self.content = ReminderContent(db)
        # When this process started (set by the scheduler): what fell due before it
        # fell due while the bot was down, however short the downtime.
        self.started_at: int | None = None

    async def run(self, occurrence: Occurrence) -> RunOutcome:
        now = self.clock.now()
        if await store.job_finished(self.db, occurrence.key, occurrence.due_at):
            return RunOutcome(True, "done")
        down = self.started_at is not None and occurrence.due_at < self.started_at
        late = down or now - occurrence.due_at > LATE_AFTER
        if late and await self._predates_its_row(occurrence):
            # Already past when its row was set (a deadline two days ahead has no
            # "7 days before"): never promised, so neither sent late nor missed.
            async with self.db.transaction() as tx:
                await store.finish_job(
                    tx, occurrence.key, occurrence.due_at, occurrence.seminar_id, "done", False, now
                )
            return RunOutcome(True, "skipped")
        if now >= occurrence.expires_at:
            async with self.db.transaction() as tx:
                await store.finish_job(
                    tx,
                    occurrence.key,
                    occurrence.due_at,
                    occurrence.seminar_id,
                    "missed",
                    False,
                    now,
                )
            log.warning("missed %s (due %s): no longer useful", occurrence.key, occurrence.due_at)
            return RunOutcome(True, "missed")
        notice = await self.content.notice(occurrence, late=late, offline=down)
        if notice is None:
            return RunOutcome(True, "gone")
        audience = await self.content.audience(occurrence)
        outbox = self.outboxes[await store.seminar_platform(self.db, occurrence.seminar_id)]
        recipients: list[str] = []
        if audience.channel_id is not None and audience.post:
            recipients.append("channel")
        recipients.extend(f"user:{user_id}" for user_id in audience.dm_user_ids)

        results = await _bounded_gather(
            (
                self._deliver(outbox, occurrence, audience, notice, recipient, late, now)
                for recipient in recipients
            ),
            limit=FANOUT_CONCURRENCY,
            stopping=lambda: self.stopping,
        )
        sent = sum(1 for result in results if result == "sent")
        if "stopped" in results:
            # Shutting down: the rest is claimed and sent by the next start.
            return RunOutcome(False, "stopped", sent)
        pending_retry = any(result == "retry" for result in results)

        if pending_retry:
            rows = await store.deliveries_of(self.db, occurrence.key, occurrence.due_at)
            attempts = max((d["attempts"] for d in rows if d["status"] == "claimed"), default=1)
            return RunOutcome(False, "retry", sent, retry_in=min(30 * 2**attempts, 900))

        fallback = await self._fallback(outbox, occurrence, audience, notice, late, now)
        if fallback == "retry":
            rows = await store.deliveries_of(self.db, occurrence.key, occurrence.due_at)
            attempts = max((d["attempts"] for d in rows if d["recipient"] == "fallback"), default=1)
            return RunOutcome(False, "retry", sent, retry_in=min(30 * 2**attempts, 900))
        sent += fallback == "sent"
        async with self.db.transaction() as tx:
            await store.finish_job(
                tx,
                occurrence.key,
                occurrence.due_at,
                occurrence.seminar_id,
                "done",
                late,
                self.clock.now(),
            )
        return RunOutcome(True, "done", sent)

    async def _predates_its_row(self, occurrence: Occurrence) -> bool:
        """Whether the occurrence fell due before its row was last set, and nothing
        of it was claimed (a fan-out being retried is never dropped)."""
        if occurrence.source is Source.DEADLINE:
            changed = await store.deadline_updated_at(self.db, occurrence.ref_id)
        elif occurrence.source is Source.OFFICE_HOURS:
            row = await store.office_hours_of(self.db, occurrence.seminar_id)
            changed = None if row is None else row["updated_at"]
        elif occurrence.source in (Source.TALK, Source.BLOCK_DAY):
            # Scheduled (or re-scheduled) closer than a day before: never promised.
            row = await talk_store.schedule_of(self.db, occurrence.seminar_id)
            changed = None if row is None else row["updated_at"]
        else:
            return False  # an announcement is never due before it was written
        if changed is None or occurrence.due_at >= changed:
            return False
        return not await store.deliveries_of(self.db, occurrence.key, occurrence.due_at)

    async def _deliver(
        self,
        outbox: Outbox,
        occurrence: Occurrence,
        audience: Audience,
        notice: Notice,
        recipient: str,
        late: bool,
        now: int,
    ) -> str:
        """Claim, send, mark one recipient; returns 'sent', 'skip', 'retry' or 'given-up'."""
        async with self.db.transaction() as tx:
            row = await store.claim(
                tx, occurrence.seminar_id, occurrence.key, recipient, occurrence.due_at, late, now
            )
        if row["status"] != "claimed":
            return "skip"
        # The same nonce on a re-send after a crash lets Discord drop the duplicate.
        nonce = f"sb{row['id']}"
        try:
            if recipient == "channel":
                assert audience.channel_id is not None
                await outbox.post(audience.channel_id, notice, nonce=nonce)
            else:
                user_id = int(recipient.removeprefix("user:"))
                await outbox.direct(user_id, audience.personal.get(user_id, notice), nonce=nonce)
        except DeliveryFailed as exc:
            if exc.dms_closed:
                status = "dm_closed"
            elif exc.permanent or row["attempts"] + 1 >= MAX_ATTEMPTS:
                status = "failed"
            else:
                status = "claimed"
            async with self.db.transaction() as tx:
                await store.mark(tx, row["id"], status, self.clock.now(), error=exc.reason)
            log.info("delivery %s to %s: %s (%s)", occurrence.key, recipient, status, exc)
            return "retry" if status == "claimed" else "given-up"
        async with self.db.transaction() as tx:
            await store.mark(tx, row["id"], "sent", self.clock.now())
        return "sent"

    async def _fallback(
        self,
        outbox: Outbox,
        occurrence: Occurrence,
        audience: Audience,
        notice: Notice,
        late: bool,
        now: int,
    ) -> str:
        """One channel post mentioning everyone whose DMs are closed; retried like any
        delivery. Returns 'sent', 'retry' or 'none' (nothing to send, or given up)."""
        if audience.channel_id is None:
            return "none"
        rows = await store.deliveries_of(self.db, occurrence.key, occurrence.due_at)
        closed = sorted(int(r["recipient"][5:]) for r in rows if r["status"] == "dm_closed")
        if not closed:
            return "none"
        async with self.db.transaction() as tx:
            row = await store.claim(
                tx,
                occurrence.seminar_id,
                occurrence.key,
                "fallback",
                occurrence.due_at,
                late,
                now,
            )
        if row["status"] != "claimed":
            return "none"
        try:
            await outbox.mention(audience.channel_id, closed, notice, nonce=f"sb{row['id']}")
        except DeliveryFailed as exc:
            retry = not exc.permanent and row["attempts"] + 1 < MAX_ATTEMPTS
            async with self.db.transaction() as tx:
                await store.mark(
                    tx,
                    row["id"],
                    "claimed" if retry else "failed",
                    self.clock.now(),
                    error=exc.reason,
                )
            log.info("fallback for %s: %s", occurrence.key, exc)
            return "retry" if retry else "none"
        async with self.db.transaction() as tx:
            await store.mark(tx, row["id"], "sent", self.clock.now())
        return "sent"


async def _bounded_gather(
    coroutines: Iterable[Coroutine[Any, Any, str]],
    *,
    limit: int,
    stopping: Callable[[], bool],
) -> list[str]:
    """Run at most `limit` at once; once one raises, or `stopping()` turns true, start
    no more (those left answer "stopped"); re-raise what raised.

    Sends already in flight are let finish (and marked) rather than cancelled;
    nothing keeps sending after this returns. What was claimed and not marked
    is resumed, with the same nonce, by the next run.
    """
    semaphore = asyncio.Semaphore(limit)
    stopped = False

    async def guarded(coroutine: Coroutine[Any, Any, str]) -> str:
        nonlocal stopped
        try:
            async with semaphore:
                if stopped or stopping():
                    return "stopped"
                try:
                    return await coroutine
                except BaseException:
                    stopped = True
                    raise
        finally:
            coroutine.close()  # a no-op once it ran; frees one never started

    results = await asyncio.gather(*(guarded(c) for c in coroutines), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [str(result) for result in results]
