"""Routes: the guild, its channels, roles and members."""

from __future__ import annotations

from typing import Any

from ..models import FakeGuild, RecordedRequest
from ..wire import ApiError, _Upload


class GuildRoutes:
    """The guild, its channels, roles and members."""

    def _guild_or_404(self, gid: str) -> FakeGuild:
        if int(gid) != self.guild.id:
            raise ApiError(404, 10004, "Unknown Guild")
        return self.guild

    async def _r_get_guild(self, rec: RecordedRequest, uploads: list[_Upload], gid: str) -> Any:
        return self._guild_or_404(gid).to_payload(rest=True)

    async def _r_guild_channels(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str
    ) -> Any:
        return [c.to_payload() for c in self._guild_or_404(gid).channels]

    async def _r_guild_roles(self, rec: RecordedRequest, uploads: list[_Upload], gid: str) -> Any:
        return [r.to_payload() for r in self._guild_or_404(gid).all_roles()]

    async def _r_guild_member(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str, uid: str
    ) -> Any:
        member = self._guild_or_404(gid).members.get(int(uid))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member.to_payload()

    async def _r_guild_members(self, rec: RecordedRequest, uploads: list[_Upload], gid: str) -> Any:
        guild = self._guild_or_404(gid)
        limit = int(rec.query.get("limit", 1))
        after = int(rec.query.get("after", 0))
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return [m.to_payload() for m in members[:limit]]

    async def _r_search_members(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str
    ) -> Any:
        guild = self._guild_or_404(gid)
        query = rec.query.get("query", "").lower()
        limit = int(rec.query.get("limit", 1))
        found = [
            m
            for m in guild.members.values()
            if m.user.username.lower().startswith(query) or (m.nick or "").lower().startswith(query)
        ]
        return [m.to_payload() for m in found[:limit]]
