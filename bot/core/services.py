"""The set of services the front end talks to, built once at start."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.announcements import AnnouncementService
from bot.core.clock import Clock
from bot.core.deadlines import DeadlineService
from bot.core.officehours import OfficeHoursService
from bot.core.papers import PaperService
from bot.core.preferences import PreferenceService
from bot.core.registration import RegistrationService
from bot.core.seminars import SeminarService
from bot.core.signals import ScheduleChanged
from bot.core.status import StatusService
from bot.store.database import Database


@dataclass(frozen=True)
class Services:
    db: Database
    clock: Clock
    seminars: SeminarService
    papers: PaperService
    registration: RegistrationService
    preferences: PreferenceService
    deadlines: DeadlineService
    announcements: AnnouncementService
    office_hours: OfficeHoursService
    status: StatusService
    schedule_changed: ScheduleChanged

    @classmethod
    def build(cls, db: Database, clock: Clock) -> Services:
        changed = ScheduleChanged()
        return cls(
            db=db,
            clock=clock,
            seminars=SeminarService(db, clock, changed),
            papers=PaperService(db, clock, changed),
            registration=RegistrationService(db, clock, changed),
            preferences=PreferenceService(db, clock, changed),
            deadlines=DeadlineService(db, clock, changed),
            announcements=AnnouncementService(db, clock, changed),
            office_hours=OfficeHoursService(db, clock, changed),
            status=StatusService(db, clock, changed),
            schedule_changed=changed,
        )
