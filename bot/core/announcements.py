"""Announcements, posted now or at a time, and the per-user reminder switch."""

from __future__ import annotations

from bot.core.base import Service
from bot.core.errors import InvalidInput, NotFound
from bot.core.models import Announcement, Seminar
from bot.core.text import clean_text
from bot.core.timeutil import parse_local_time
from bot.store import announcements, audit, participants

# Discord allows 2000 characters; leave room for the role ping and a late marker.
MAX_ANNOUNCEMENT = 1800


class AnnouncementService(Service):
    async def post(
        self,
        guild_id: int | None,
        actor_id: int,
        message: str,
        when: str | None = None,
        ping_role_id: int | None = None,
    ) -> tuple[Seminar, Announcement]:
        """Store the announcement; the reminder engine posts it (at once if `when` is empty)."""
        seminar = await self.seminar(guild_id)
        if seminar.channel_id is None:
            raise InvalidInput(
                "This seminar has no announcement channel yet: set one with "
                "`/admin setup channel:`."
            )
        text = clean_text(
            message, field="message", max_length=MAX_ANNOUNCEMENT, required=True, multiline=True
        )
        now = self.clock.now()
        post_at = now if not when else parse_local_time(when, seminar.tz)
        if when and post_at <= now:
            raise InvalidInput("That time is in the past. Leave `when` empty to post right away.")
        async with self.db.transaction() as tx:
            announcement_id = await announcements.insert_announcement(
                tx, seminar.id, actor_id, text, ping_role_id, post_at, now
            )
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "announcement.post",
                {"id": announcement_id, "post_at": post_at, "ping_role_id": ping_role_id},
                now,
            )
        self.schedule_changed.fire()
        return seminar, Announcement(
            id=announcement_id,
            seminar_id=seminar.id,
            message=text,
            ping_role_id=ping_role_id,
            post_at=post_at,
        )

    async def scheduled(self, guild_id: int | None) -> list[Announcement]:
        seminar = await self.seminar(guild_id)
        return await announcements.scheduled(self.db, seminar.id)

    async def cancel(self, guild_id: int | None, actor_id: int, announcement_id: int) -> None:
        seminar = await self.seminar(guild_id)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            changed = await announcements.cancel(tx, seminar.id, announcement_id, now)
            if not changed:
                raise NotFound(
                    f"There is no scheduled announcement #{announcement_id} (it may have been "
                    "posted or cancelled already). See `/admin announce list`."
                )
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "announcement.cancel",
                {"id": announcement_id},
                now,
            )
        self.schedule_changed.fire()

    async def set_dm_reminders(self, guild_id: int | None, user_id: int, enabled: bool) -> Seminar:
        seminar = await self.seminar(guild_id)
        async with self.db.transaction() as tx:
            await participants.set_dm_reminders(tx, seminar.id, user_id, enabled)
        return seminar
