"""Who and where, across platforms: a platform's own ids <-> the ids the core uses.

Every service takes the bot's own ids (`guild_id` is a place id, `user_id` an account
id); front ends translate here, once per message. Places are cached (this process is
their only writer and never deletes one); accounts are not, because `/mydata delete`
removes them.
"""

from __future__ import annotations

from bot.core.base import Service
from bot.core.clock import Clock
from bot.core.models import Platform
from bot.core.signals import ScheduleChanged
from bot.core.timeutil import zone
from bot.store import identities as store
from bot.store import reminders
from bot.store.database import Database

_ACCOUNTS = "accounts"
_PLACES = "places"


class IdentityService(Service):
    def __init__(self, db: Database, clock: Clock, schedule_changed: ScheduleChanged) -> None:
        super().__init__(db, clock, schedule_changed)
        self._places: dict[tuple[Platform, str], int] = {}

    async def account(self, platform: Platform, external_id: str) -> int:
        """The account id of a platform's user (a Discord snowflake is its own id)."""
        async with self.db.transaction() as tx:
            return await store.ensure(tx, _ACCOUNTS, platform, external_id)

    async def place(self, platform: Platform, external_id: str) -> int:
        """The place id of a guild, channel or room."""
        key = (platform, external_id)
        found = self._places.get(key)
        if found is None:
            async with self.db.transaction() as tx:
                found = await store.ensure(tx, _PLACES, platform, external_id)
            self._places[key] = found
        return found

    async def known_account(self, platform: Platform, external_id: str) -> int | None:
        """The account id if the bot has seen this user, without recording a new one."""
        return await store.lookup(self.db, _ACCOUNTS, platform, external_id)

    async def external_account(self, account_id: int) -> tuple[Platform, str] | None:
        return await store.external(self.db, _ACCOUNTS, account_id)

    async def external_place(self, place_id: int) -> tuple[Platform, str] | None:
        return await store.external(self.db, _PLACES, place_id)

    async def timezone(self, account_id: int) -> str | None:
        """The reader's own timezone, if they chose one."""
        return await store.timezone(self.db, account_id)

    async def set_timezone(self, account_id: int, name: str | None) -> str | None:
        """Choose (or with None, drop) the zone times are shown in; returns its name."""
        chosen = None if name is None else zone(name).key
        async with self.db.transaction() as tx:
            await store.set_timezone(tx, account_id, chosen)
        return chosen

    async def dm_channel(self, account_id: int) -> int | None:
        """Discord's DM channel with this user, if the bot opened one before."""
        return await reminders.dm_channel(self.db, account_id)

    async def remember_dm_channel(self, account_id: int, channel_id: int) -> None:
        async with self.db.transaction() as tx:
            await reminders.remember_dm_channel(tx, account_id, channel_id)
