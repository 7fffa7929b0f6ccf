"""The set of services the front end talks to, built once at start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.announcements import AnnouncementService
from bot.core.assigning import AssignmentService
from bot.core.attendance import AttendanceService
from bot.core.calendar import CalendarService
from bot.core.clock import Clock
from bot.core.deadlines import DeadlineService
from bot.core.grading import GradingService
from bot.core.identities import IdentityService
from bot.core.officehours import OfficeHourEvents, OfficeHoursService
from bot.core.papers import PaperService
from bot.core.personal_data import PersonalDataService
from bot.core.preferences import PreferenceService
from bot.core.registration import RegistrationService
from bot.core.seminars import SeminarService
from bot.core.signals import ScheduleChanged
from bot.core.status import StatusService
from bot.core.submissions import SubmissionService
from bot.core.talks import BlockDayEvents, TalkService
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
    submissions: SubmissionService
    grading: GradingService
    calendar: CalendarService
    personal_data: PersonalDataService
    assignments: AssignmentService
    talks: TalkService
    attendance: AttendanceService
    identities: IdentityService
    # The platform-neutral half of the scheduled events a front end mirrors.
    office_hour_events: OfficeHourEvents
    block_day_events: BlockDayEvents
    schedule_changed: ScheduleChanged

    @classmethod
    def build(cls, db: Database, clock: Clock, data_dir: Path | None = None) -> Services:
        # Hand-in files live beside the database unless told otherwise.
        files = db.path.parent if data_dir is None else data_dir
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
            submissions=SubmissionService(db, clock, changed, data_dir=files),
            grading=GradingService(db, clock, changed),
            calendar=CalendarService(db, clock, changed),
            personal_data=PersonalDataService(db, clock, changed, data_dir=files),
            assignments=AssignmentService(db, clock, changed),
            talks=TalkService(db, clock, changed),
            attendance=AttendanceService(db, clock, changed),
            identities=IdentityService(db, clock, changed),
            office_hour_events=OfficeHourEvents(db, clock, changed),
            block_day_events=BlockDayEvents(db, clock, changed),
            schedule_changed=changed,
        )
