"""The set of services the front end talks to, built once at start."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.deadlines import DeadlineService
from bot.core.papers import PaperService
from bot.core.preferences import PreferenceService
from bot.core.registration import RegistrationService
from bot.core.seminars import SeminarService
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

    @classmethod
    def build(cls, db: Database, clock: Clock) -> Services:
        return cls(
            db=db,
            clock=clock,
            seminars=SeminarService(db, clock),
            papers=PaperService(db, clock),
            registration=RegistrationService(db, clock),
            preferences=PreferenceService(db, clock),
            deadlines=DeadlineService(db, clock),
        )
