"""What every service shares: the database, the clock and the seminar lookup."""

from __future__ import annotations

from pathlib import Path

from bot.core.clock import Clock
from bot.core.errors import NoSeminar
from bot.core.models import Seminar
from bot.core.signals import ScheduleChanged
from bot.store import seminars
from bot.store.database import Database


class Service:
    def __init__(self, db: Database, clock: Clock, schedule_changed: ScheduleChanged) -> None:
        self.db = db
        self.clock = clock
        # Fired after a commit that changes what the reminder engine must send.
        self.schedule_changed = schedule_changed

    async def seminar(self, guild_id: int | None) -> Seminar:
        """This server's seminar; every command but `/admin setup` starts here."""
        if guild_id is None:
            raise NoSeminar()
        found = await seminars.by_guild_cached(self.db, guild_id)
        if found is None:
            raise NoSeminar()
        return found


class FileBackedService(Service):
    """A service that also keeps files (hand-ins) in the data folder beside the database."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        schedule_changed: ScheduleChanged,
        *,
        data_dir: Path,
    ) -> None:
        super().__init__(db, clock, schedule_changed)
        self.data_dir = data_dir
