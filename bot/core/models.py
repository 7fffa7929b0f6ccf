"""Plain records the services hand to the front end."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Berlin"
DEFAULT_ASSESSMENT = "Report 40 % + presentation 60 % (both are needed)"


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
