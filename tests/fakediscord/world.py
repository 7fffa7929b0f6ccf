"""The fake guild's state: roles, channels, users, members, attachments, DM channels."""

from __future__ import annotations

import mimetypes
from typing import Any

from .interactions import FakeDiscordError
from .models import (
    ChannelType,
    FakeAttachment,
    FakeChannel,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
    perm_value,
    snowflake,
)
from .wire import INTENT_GUILD_MEMBERS


class WorldMixin:
    """Builds and looks up the world the bot sees."""

    def _new_role(
        self,
        name: str,
        permissions: int,
        *,
        mentionable: bool = False,
        managed: bool = False,
        bot_id: int | None = None,
    ) -> FakeRole:
        role = FakeRole(
            snowflake(),
            name,
            perm_value(permissions),
            position=len(self.guild.roles) + 1,
            mentionable=mentionable,
            managed=managed,
            bot_id=bot_id,
        )
        self.guild.roles.append(role)
        return role

    def add_role(self, name: str, permissions: Any = 0, *, mentionable: bool = False) -> FakeRole:
        role = self._new_role(name, perm_value(permissions), mentionable=mentionable)
        self._dispatch_soon(
            "GUILD_ROLE_CREATE", {"guild_id": str(self.guild.id), "role": role.to_payload()}
        )
        return role

    def add_channel(self, name: str, type: int = ChannelType.GUILD_TEXT) -> FakeChannel:
        channel = FakeChannel(
            snowflake(), name, type, guild_id=self.guild.id, position=len(self.guild.channels)
        )
        self.guild.channels.append(channel)
        self._channels[channel.id] = channel
        self._dispatch_soon("CHANNEL_CREATE", channel.to_payload())
        return channel

    def add_user(self, name: str, *, global_name: str | None = None) -> FakeUser:
        """A Discord user who is not a member of the guild."""
        user = FakeUser(snowflake(), name, global_name or name.capitalize())
        self.users[user.id] = user
        return user

    def _add_member_obj(self, user: FakeUser, roles: list[FakeRole]) -> FakeMember:
        self.users[user.id] = user
        member = FakeMember(user=user, guild=self.guild, roles=list(roles))
        self.guild.members[user.id] = member
        return member

    def add_member(
        self,
        name: str,
        *,
        roles: list[FakeRole | str] | tuple[FakeRole | str, ...] = (),
        permissions: Any = None,
        global_name: str | None = None,
        nick: str | None = None,
    ) -> FakeMember:
        """Add a guild member. `permissions` (int or discord.Permissions) is granted through an
        extra role named "<name> permissions", so role-based permission checks agree."""
        user = FakeUser(snowflake(), name, global_name or name.capitalize())
        role_objs = [self._resolve_role(r) for r in roles]
        if permissions is not None:
            role_objs.append(self._new_role(f"{name} permissions", perm_value(permissions)))
        member = self._add_member_obj(user, role_objs)
        member.nick = nick
        if self.session is not None and self.session.intents & INTENT_GUILD_MEMBERS:
            payload = member.to_payload()
            payload["guild_id"] = str(self.guild.id)
            self._dispatch_soon("GUILD_MEMBER_ADD", payload)
        return member

    def remove_member(self, member: FakeMember) -> None:
        self.guild.members.pop(member.id, None)
        if self.session is not None and self.session.intents & INTENT_GUILD_MEMBERS:
            self._dispatch_soon(
                "GUILD_MEMBER_REMOVE",
                {"guild_id": str(self.guild.id), "user": member.user.to_payload()},
            )

    def add_attachment(
        self,
        filename: str,
        data: bytes,
        content_type: str | None = None,
        *,
        behaviour: str = "ok",
    ) -> FakeAttachment:
        """Register a file a user "uploads"; pass the result as an attachment option.

        behaviour: "ok" (served), "404" (download fails), "hang" (download never completes).
        """
        if content_type is None:
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        att_id = snowflake()
        att = FakeAttachment(
            id=att_id,
            filename=filename,
            data=data,
            content_type=content_type,
            url=f"{self.base_url}/attachments/{att_id}/{filename}",
            behaviour=behaviour,
        )
        self.attachments[att_id] = att
        return att

    def set_attachment_behaviour(self, attachment: FakeAttachment | int, behaviour: str) -> None:
        att = self._resolve_attachment(attachment)
        if behaviour not in ("ok", "404", "hang"):
            raise ValueError(behaviour)
        att.behaviour = behaviour

    # ---- resolvers used by option building

    def _resolve_user(self, value: Any) -> FakeUser:
        if isinstance(value, FakeMember):
            return value.user
        if isinstance(value, FakeUser):
            return value
        if isinstance(value, int) and value in self.users:
            return self.users[value]
        if isinstance(value, str):
            for user in self.users.values():
                if user.username == value:
                    return user
        raise FakeDiscordError(f"unknown user {value!r}")

    def _resolve_role(self, value: Any) -> FakeRole:
        if isinstance(value, FakeRole):
            return value
        for role in self.guild.all_roles():
            if value in (role.id, role.name):
                return role
        raise FakeDiscordError(f"unknown role {value!r}")

    def _resolve_channel(self, value: Any) -> FakeChannel:
        if isinstance(value, FakeChannel):
            return value
        if isinstance(value, int) and value in self._channels:
            return self._channels[value]
        if isinstance(value, str):
            return self.guild.channel(value.lstrip("#"))
        raise FakeDiscordError(f"unknown channel {value!r}")

    def _resolve_attachment(self, value: Any) -> FakeAttachment:
        if isinstance(value, FakeAttachment):
            return value
        if isinstance(value, dict) and "id" in value:
            return self.attachments[int(value["id"])]
        if isinstance(value, int):
            return self.attachments[value]
        if isinstance(value, tuple) and len(value) in (2, 3):
            return self.add_attachment(*value)
        raise FakeDiscordError(
            "an attachment option takes fake.add_attachment(...) or (filename, bytes), "
            f"not {value!r}"
        )

    def _permissions_in(self, user: FakeUser, channel: FakeChannel) -> int:
        if channel.is_dm:
            return Perm.DM_DEFAULT
        member = self.guild.members.get(user.id)
        return member.permissions if member else 0

    def dm_channel(self, user: FakeUser | FakeMember) -> FakeChannel:
        """The DM channel between the bot and `user` (created on first use)."""
        user = self._resolve_user(user)
        channel = self._dm_channels.get(user.id)
        if channel is None:
            channel = FakeChannel(snowflake(), "", ChannelType.DM, recipient=user)
            self._dm_channels[user.id] = channel
            self._channels[channel.id] = channel
        return channel
