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
