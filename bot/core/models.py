"""Plain records the services hand to the front end."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Berlin"
DEFAULT_ASSESSMENT = "Report 40 % + presentation 60 % (both are needed)"


class Platform(StrEnum):
    """Where a person or place lives; the front end that speaks for them."""

    DISCORD = "discord"
    MATRIX = "matrix"
    CONSOLE = "console"


ALL_PLATFORMS = frozenset(Platform)


class DeadlineKind(StrEnum):
    """Kinds the bot understands; any other kind is a plain dated reminder."""

    PREFERENCES = "preferences"
    DEREGISTRATION = "deregistration"
    REPORT = "report"
    SLIDES = "slides"
    PRESENTATION = "presentation"


class ParticipantStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"


@dataclass(frozen=True)
class Seminar:
    id: int
    guild_id: int
    title: str
    term: str
    channel_id: int | None
    organiser_role_id: int | None
    timezone: str
    capacity: int
    pref_count: int
    contact: str
    assessment: str
    # Which front end runs it; `guild_id` and `channel_id` are place ids of that platform.
    platform: Platform = Platform.DISCORD
    # Missing a talk of the block seminar (not excused) holds back the final grade.
    attendance_required: bool = True

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Paper:
    id: int
    seminar_id: int
    code: str
    title: str
    authors: str
    venue: str
    url: str
    arxiv: str
    topic: str
    capacity: int
    position: int


@dataclass(frozen=True)
class PaperFields:
    """A paper as typed or imported, before it has an id."""

    code: str
    title: str
    authors: str = ""
    venue: str = ""
    url: str = ""
    arxiv: str = ""
    topic: str = ""
    capacity: int = 1


@dataclass(frozen=True)
class Participant:
    id: int
    seminar_id: int
    user_id: int
    display_name: str
    status: ParticipantStatus
    joined_at: int
    prefs_updated_at: int | None


@dataclass(frozen=True)
class Deadline:
    id: int
    seminar_id: int
    kind: str
    due_at: int
    reminder_offsets: tuple[int, ...]
    note: str
    revision: int


class SubmissionKind(StrEnum):
    """What `/submit` accepts; each has a deadline of the same name."""

    REPORT = "report"
    SLIDES = "slides"


@dataclass(frozen=True)
class Submission:
    """One handed-in version; the file lives at `stored_path` under the data folder."""

    id: int
    seminar_id: int
    user_id: int
    kind: str
    version: int
    size_bytes: int
    sha256: str
    stored_path: str
    original_filename: str
    submitted_at: int
    due_at: int | None
    on_time: bool


class AttendanceSource(StrEnum):
    """How an attendance entry came about."""

    CODE = "code"  # the student typed the talk's code in its window
    ORGANISER = "organiser"  # an organiser set it (`/admin attendance set`)


class RefusalReason(StrEnum):
    """Why a check-in was refused; every refusal is kept for the organisers."""

    WRONG_CODE = "wrong_code"
    CLOSED = "closed"
    AGAIN = "again"
    OWN_TALK = "own_talk"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class TalkCode:
    """A talk of the programme with its check-in code (a talk is named by its presenter)."""

    slot_id: int
    seminar_id: int
    presenter_id: int
    position: int
    day_index: int
    paper_code: str
    paper_title: str
    starts_at: int
    ends_at: int
    code: str


@dataclass(frozen=True)
class AttendanceEntry:
    seminar_id: int
    presenter_id: int
    account_id: int
    present: bool
    source: AttendanceSource
    set_by: int | None
    at: int


@dataclass(frozen=True)
class Excuse:
    seminar_id: int
    presenter_id: int
    account_id: int
    reason: str
    excused_by: int
    at: int


@dataclass(frozen=True)
class RefusedAttempt:
    id: int
    seminar_id: int
    account_id: int
    code: str
    reason: RefusalReason
    presenter_id: int | None
    at: int


# Talk, announcement and personal-data rows


@dataclass(frozen=True)
class Talk:
    """One talk of the block-seminar programme, with the paper it presents."""

    position: int  # 1-based place in the whole programme
    day_index: int  # 0-based block day
    user_id: int
    paper_code: str
    paper_title: str
    topic: str
    starts_at: int
    ends_at: int


@dataclass(frozen=True)
class TalkSchedule:
    """How the programme was last scheduled; re-scheduling bumps the revision."""

    seminar_id: int
    first_start: int
    talk_minutes: int
    break_minutes: int
    per_day: int
    run_id: int | None  # the published run it was built from, if that still exists
    revision: int
    # Presenters who left since this revision: their slots are gone (a gap).
    dropped: int
    updated_at: int


@dataclass(frozen=True)
class ProgrammeDay:
    """A block day that still has talks."""

    day_index: int  # 0-based
    starts_at: int
    ends_at: int
    talks: int


@dataclass(frozen=True)
class MirroredEvent:
    """A Discord scheduled event the bot made for a seminar (office hours, a block day)."""

    purpose: str
    event_id: int
    starts_at: int
    # Recorded since block days got events; older office-hour events have none.
    ends_at: int | None


@dataclass(frozen=True)
class Announcement:
    """A scheduled announcement (the reminder engine posts it at `post_at`)."""

    id: int
    seminar_id: int
    message: str
    ping_role_id: int | None
    post_at: int


@dataclass(frozen=True)
class OfficeHoursRule:
    """The weekly office hours as set; dates are local (YYYY-MM-DD) in the seminar's zone.

    The dates stay text: one that does not parse fails inside the reminder planner,
    which then skips only these office hours' reminders."""

    seminar_id: int
    weekday: int  # 0 = Monday
    start_minute: int  # minutes after local midnight
    duration_minutes: int
    place: str
    first_date: str
    last_date: str
    revision: int
    updated_at: int
    timezone: str  # the seminar's


@dataclass(frozen=True)
class OfficeHourCancellation:
    local_date: str  # YYYY-MM-DD in the seminar's zone
    reason: str


@dataclass(frozen=True)
class UserSettings:
    """A member's stored settings; a member who never changed one has no row."""

    dm_reminders: bool


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_id: int
    action: str
    detail: str  # JSON
    at: int


@dataclass(frozen=True)
class PinnedPaper:
    """The paper an organiser pinned a member to."""

    paper_code: str
    paper_title: str
    pinned_at: int


# Assignment and grading rows


@dataclass(frozen=True)
class Student:
    """A participant as the assignment names them (a presenter, an unplaced student)."""

    user_id: int
    display_name: str


@dataclass(frozen=True)
class AssignmentRun:
    """One stored solver run: a preview, the published one, or a superseded one."""

    id: int
    seminar_id: int
    seed: int
    mode: str
    fill: bool
    input_hash: str
    # "1".."5" (more if lists were longer), "unranked", "unassigned", "pinned".
    histogram: dict[str, int]
    # Students of the then published assignment it moves (see `based_on`).
    moved: int
    # The published run it was computed against; None when none was published.
    based_on: int | None
    status: str  # 'preview', 'published' or 'superseded'
    created_at: int
    created_by: int
    published_at: int | None
    published_by: int | None


@dataclass(frozen=True)
class RunPlacement:
    """Where a run put one student; `display_name` is empty once they have left."""

    user_id: int
    display_name: str
    paper_id: int | None
    paper_code: str | None
    rank: int | None
    pinned: bool


@dataclass(frozen=True)
class AssignedPaper:
    """A student's paper in the published assignment (one row of it), with what
    their notice and /mydata show of the paper."""

    user_id: int
    paper_id: int
    paper_code: str
    paper_title: str
    authors: str
    url: str
    arxiv: str
    rank: int | None  # where they ranked it; None if they did not
    run_id: int  # the publication it stands in


@dataclass(frozen=True)
class ParticipantSummary:
    """A registered or waitlisted participant for the organisers' participant list."""

    user_id: int
    display_name: str
    status: ParticipantStatus
    joined_at: int
    ranked: int  # papers in their ranking
    paper_code: str | None  # their published paper


@dataclass(frozen=True)
class RankedChoice:
    """One ranked paper of a participant; rank and code are None for one who ranked none."""

    user_id: int
    display_name: str
    status: ParticipantStatus
    prefs_updated_at: int | None
    rank: int | None
    paper_code: str | None


@dataclass(frozen=True)
class PublishedPlacement:
    """A registered participant with their published paper (all None without one)."""

    user_id: int
    display_name: str
    status: ParticipantStatus
    paper_code: str | None
    paper_title: str | None
    rank: int | None
    pinned: bool  # the published run pinned them to this paper


@dataclass(frozen=True)
class GradeRecord:
    """A registered participant's grade parts in tenths, and their published paper."""

    user_id: int
    display_name: str
    paper_code: str | None
    report: int | None
    presentation: int | None


# Reminder engine rows
#
# What bot/store/reminders.py reads for the planner, the wording and the delivery log.
# Text that the planner parses (offsets, dates, zone names) stays text here: a row that
# does not parse must fail inside the planner, which skips only that row's reminders.


@dataclass(frozen=True)
class DeadlineSchedule:
    """A deadline as the planner sees it: when, which reminders, in which zone."""

    id: int
    seminar_id: int
    kind: str
    due_at: int
    # Seconds before `due_at`, comma-separated, largest first ("604800,86400,7200").
    reminder_offsets: str
    revision: int
    timezone: str

    @property
    def offsets(self) -> list[int]:
        return [int(part) for part in self.reminder_offsets.split(",") if part]


@dataclass(frozen=True)
class TalkSlotSchedule:
    """A talk slot as the planner sees it: its talk's and its block day's times."""

    slot_id: int
    seminar_id: int
    day_index: int  # 0-based block day
    starts_at: int
    revision: int  # the programme's; re-scheduling bumps it
    # Day 1's start: every block day starts at its wall time (block_day_start).
    first_start: int
    timezone: str


@dataclass(frozen=True)
class StoredNotice:
    """A one-off message to one account (a waitlist promotion), sent by the engine."""

    id: int
    seminar_id: int
    account_id: int
    template: str
    created_at: int


@dataclass(frozen=True)
class ReminderRecipient:
    """A registered participant as a reminder's audience."""

    user_id: int
    participant_id: int
    ranked: int  # papers in their ranking
    dm: bool  # reminder DMs on


@dataclass(frozen=True)
class Delivery:
    """One row of the delivery log: one recipient of one occurrence."""

    id: int
    job_key: str
    # "channel", "fallback" or "user:<account id>".
    recipient: str
    # 'claimed' (not sent yet, or being retried), 'sent', 'failed', 'dm_closed'.
    status: str
    attempts: int
    error: str | None
    due_at: int  # the occurrence's, as it was computed when claimed
    late: bool
    claimed_at: int
    sent_at: int | None


@dataclass(frozen=True)
class JobRun:
    """A finished occurrence (done or missed)."""

    job_key: str
    due_at: int
    finished_at: int
