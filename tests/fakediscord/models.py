"""Plain data objects of the fake Discord server: users, roles, channels, messages.

Everything here is test-side state; `to_payload()` methods render the JSON shapes the real
Discord API sends (the subset discord.py 2.x reads).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

_id_lock = threading.Lock()
_last_id = 0


def snowflake() -> int:
    """A fresh, increasing Discord-style snowflake (its timestamp is the current time)."""
    global _last_id
    with _id_lock:
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        _last_id = max(candidate, _last_id + 1)
        return _last_id


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


# --------------------------------------------------------------------------- permissions


class Perm:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_EVENTS = 1 << 33
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    CREATE_EVENTS = 1 << 44
    ALL = (1 << 51) - 1

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    # What a user may do in a DM with the bot.
    DM_DEFAULT = (
        ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | MENTION_EVERYONE
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
    )


def perm_value(value: Any) -> int:
    """Accept an int, a discord.Permissions (anything with `.value`) or None."""
    if value is None:
        return 0
    return int(getattr(value, "value", value))


# --------------------------------------------------------------------------- entities


@dataclass(eq=False)
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    def __repr__(self) -> str:
        return f"<FakeUser {self.username} id={self.id}>"


@dataclass(eq=False)
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    mentionable: bool = False
    managed: bool = False
    hoist: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data

    def __repr__(self) -> str:
        return f"<FakeRole {self.name} id={self.id}>"


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    GUILD_FORUM = 15


@dataclass(eq=False)
class FakeChannel:
    id: int
    name: str
    type: int = ChannelType.GUILD_TEXT
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    recipient: FakeUser | None = None  # DM channels only

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_dm(self) -> bool:
        return self.type == ChannelType.DM

    def to_payload(self, *, include_guild_id: bool = True) -> dict[str, Any]:
        if self.is_dm:
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": ChannelType.DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.recipient.to_payload()],
            }
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "topic": self.topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "permission_overwrites": [],
            "flags": 0,
        }
        if include_guild_id and self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data

    def __repr__(self) -> str:
        return f"<FakeChannel #{self.name} id={self.id}>"


@dataclass(eq=False)
class FakeMember:
    """A guild member. Usable wherever a user is expected (`member.id`, `member.user`)."""

    user: FakeUser
    guild: Any  # FakeGuild
    roles: list[FakeRole] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def is_owner(self) -> bool:
        return self.guild.owner_id == self.id

    @property
    def permissions(self) -> int:
        """Guild-level permissions: @everyone + roles; owner and administrators get all."""
        if self.is_owner:
            return Perm.ALL
        value = self.guild.everyone.permissions
        for role in self.roles:
            value |= role.permissions
        if value & Perm.ADMINISTRATOR:
            return Perm.ALL
        return value

    def has(self, permissions: int) -> bool:
        return self.permissions & permissions == permissions

    def to_payload(
        self, *, with_user: bool = True, with_permissions: bool = False
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r.id) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.to_payload()
        if with_permissions:
            data["permissions"] = str(self.permissions)
        return data

    def __repr__(self) -> str:
        return f"<FakeMember {self.user.username} id={self.id}>"


@dataclass(eq=False)
class FakeGuild:
    id: int
    name: str
    owner_id: int
    everyone: FakeRole
    roles: list[FakeRole] = field(default_factory=list)  # excluding @everyone
    channels: list[FakeChannel] = field(default_factory=list)
    members: dict[int, FakeMember] = field(default_factory=dict)
    locale: str = "en-US"

    def role(self, name: str) -> FakeRole:
        for role in [self.everyone, *self.roles]:
            if role.name == name:
                return role
        raise KeyError(f"no role named {name!r}; roles: {[r.name for r in self.roles]}")

    def channel(self, name: str) -> FakeChannel:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(f"no channel named {name!r}; channels: {[c.name for c in self.channels]}")

    def member(self, name: str) -> FakeMember:
        for member in self.members.values():
            if member.user.username == name:
                return member
        raise KeyError(f"no member named {name!r}")

    @property
    def owner(self) -> FakeMember:
        return self.members[self.owner_id]

    def all_roles(self) -> list[FakeRole]:
        return [self.everyone, *self.roles]

    def to_payload(self, *, rest: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.to_payload() for r in self.all_roles()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "max_presences": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.locale,
            "nsfw": False,
            "nsfw_level": 0,
            "incidents_data": None,
        }
        if rest:
            data["approximate_member_count"] = len(self.members)
            data["approximate_presence_count"] = 0
        return data


# --------------------------------------------------------------------------- messages

_MENTION_USER = re.compile(r"<@!?(\d+)>")
_MENTION_ROLE = re.compile(r"<@&(\d+)>")


@dataclass(eq=False)
class FakeAttachment:
    """A file the fake serves at `url` (for `resolved.attachments` or message attachments)."""

    id: int
    filename: str
    data: bytes
    content_type: str | None
    url: str
    behaviour: str = "ok"  # "ok" | "404" | "hang"
    description: str | None = None

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description:
            data["description"] = self.description
        return data


@dataclass
class Button:
    custom_id: str | None
    label: str | None
    style: int
    disabled: bool = False
    url: str | None = None
    emoji: str | None = None


@dataclass
class Select:
    custom_id: str
    type: int
    options: list[tuple[str, str]]  # (label, value)
    placeholder: str | None
    min_values: int
    max_values: int
    disabled: bool = False


def _walk_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for comp in components or []:
        out.append(comp)
        for key in ("components",):
            if isinstance(comp.get(key), list):
                out.extend(_walk_components(comp[key]))
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                out.extend(_walk_components([comp[key]]))
    return out


_MD_ESCAPE = re.compile(r"\\([\\*_`~|>#\-\[\]()<@:.])")


def plain_text(text: str) -> str:
    """Roughly what a reader sees: markdown escapes, bold/italic/code marks and
    zero-width spaces removed (so `safe()`-escaped text compares to what was typed)."""
    text = text.replace("\u200b", "")
    text = _MD_ESCAPE.sub(lambda m: "\0" + m.group(1), text)
    for mark in ("**", "__", "`"):
        text = text.replace(mark, "")
    return text.replace("\0", "")


def components_text(components: list[dict[str, Any]]) -> list[str]:
    """Visible text of components v2 (text displays)."""
    return [c.get("content", "") for c in _walk_components(components) if c.get("type") == 10]


def embed_text(embed: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    if embed.get("author", {}).get("name"):
        parts.append(embed["author"]["name"])
    for key in ("title", "description"):
        if embed.get(key):
            parts.append(str(embed[key]))
    for fld in embed.get("fields", []) or []:
        parts.append(str(fld.get("name", "")))
        parts.append(str(fld.get("value", "")))
    if embed.get("footer", {}).get("text"):
        parts.append(embed["footer"]["text"])
    return parts


@dataclass(eq=False)
class FakeMessage:
    """A message the bot created (channel post, DM, interaction response or followup)."""

    id: int
    channel_id: int
    author: FakeUser
    guild_id: int | None = None
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[FakeAttachment] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: dict[str, Any] | None = None
    nonce: str | int | None = None
    tts: bool = False
    kind: str = "channel"  # channel | dm | response | followup
    interaction_id: int | None = None
    webhook_id: int | None = None
    message_type: int = 0
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)  # earlier versions
    interaction_metadata: dict[str, Any] | None = None
    dm_recipient: FakeUser | None = None

    # ---- convenience for tests

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & 64)

    @property
    def loading(self) -> bool:
        return bool(self.flags & 128)

    @property
    def text(self) -> str:
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            parts.extend(embed_text(embed))
        parts.extend(components_text(self.components))
        return "\n".join(parts)

    @property
    def plain(self) -> str:
        """`text` without markdown escapes and marks: what a reader sees."""
        return plain_text(self.text)

    @property
    def files(self) -> list[tuple[str, bytes]]:
        return [(a.filename, a.data) for a in self.attachments]

    @property
    def buttons(self) -> list[Button]:
        out = []
        for comp in _walk_components(self.components):
            if comp.get("type") == 2:
                emoji = comp.get("emoji") or {}
                out.append(
                    Button(
                        custom_id=comp.get("custom_id"),
                        label=comp.get("label"),
                        style=comp.get("style", 1),
                        disabled=bool(comp.get("disabled", False)),
                        url=comp.get("url"),
                        emoji=emoji.get("name") if isinstance(emoji, dict) else None,
                    )
                )
        return out

    @property
    def selects(self) -> list[Select]:
        out = []
        for comp in _walk_components(self.components):
            if comp.get("type") in (3, 5, 6, 7, 8):
                out.append(
                    Select(
                        custom_id=comp["custom_id"],
                        type=comp["type"],
                        options=[(o["label"], o["value"]) for o in comp.get("options", [])],
                        placeholder=comp.get("placeholder"),
                        min_values=comp.get("min_values", 1),
                        max_values=comp.get("max_values", 1),
                        disabled=bool(comp.get("disabled", False)),
                    )
                )
        return out

    def pings(self, role_mentionable: dict[int, bool] | None = None) -> dict[str, Any]:
        """Who this message would notify, applying Discord's allowed_mentions rules.

        Returns {"everyone": bool, "users": set[int], "roles": set[int]}. Ephemeral
        messages notify nobody. Embeds never ping.
        """
        result: dict[str, Any] = {"everyone": False, "users": set(), "roles": set()}
        if self.ephemeral:
            return result
        am = self.allowed_mentions
        if am is None:
            parse = {"users", "roles", "everyone"}
            allowed_users: set[int] = set()
            allowed_roles: set[int] = set()
        else:
            parse = set(am.get("parse", []) or [])
            allowed_users = {int(x) for x in am.get("users", []) or []}
            allowed_roles = {int(x) for x in am.get("roles", []) or []}
        text = self.content + "\n" + "\n".join(components_text(self.components))
        if ("@everyone" in text or "@here" in text) and "everyone" in parse:
            result["everyone"] = True
        for uid in map(int, _MENTION_USER.findall(text)):
            if "users" in parse or uid in allowed_users:
                result["users"].add(uid)
        for rid in map(int, _MENTION_ROLE.findall(text)):
            if "roles" in parse or rid in allowed_roles:
                result["roles"].add(rid)
        return result

    def button(self, key: str) -> Button:
        matches = [b for b in self.buttons if b.custom_id == key] or [
            b for b in self.buttons if b.label == key
        ]
        if not matches:
            raise LookupError(
                f"no button {key!r} on message {self.id}; buttons: "
                f"{[(b.custom_id, b.label) for b in self.buttons]}"
            )
        if len(matches) > 1:
            raise LookupError(f"button {key!r} is ambiguous on message {self.id}: {matches}")
        return matches[0]

    def to_payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "type": self.message_type,
            "author": self.author.to_payload(),
            "content": self.content,
            "embeds": self.embeds,
            "components": self.components,
            "attachments": [a.to_payload() for a in self.attachments],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": self.tts,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "flags": self.flags,
            "reactions": [],
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        return data

    def __repr__(self) -> str:
        flags = " ephemeral" if self.ephemeral else ""
        text = self.text.replace("\n", " | ")
        if len(text) > 120:
            text = text[:117] + "..."
        return f"<FakeMessage {self.kind}{flags} id={self.id} {text!r}>"


# --------------------------------------------------------------------------- recording


@dataclass
class RecordedRequest:
    method: str
    path: str  # relative to the API base, e.g. "/channels/1/messages"
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None  # JSON body, or multipart payload_json
    files: list[tuple[str, bytes, str | None]] = field(
        default_factory=list
    )  # (filename, data, ctype)
    status: int | None = None
    response: Any = None
    at: float = field(default_factory=time.monotonic)
    injected: str | None = None  # why the fake failed it on purpose (rate limit, 500, ...)

    @property
    def reason(self) -> str | None:
        """X-Audit-Log-Reason, URL-decoded."""
        from urllib.parse import unquote

        value = self.headers.get("X-Audit-Log-Reason")
        return unquote(value) if value is not None else None

    def short(self) -> str:
        body = "" if self.json is None else f" {str(self.json)[:300]}"
        files = f" files={[f[0] for f in self.files]}" if self.files else ""
        extra = f" [{self.injected}]" if self.injected else ""
        return f"{self.method} {self.path} -> {self.status}{extra}{body}{files}"


@dataclass
class Injection:
    """A planned failure: the next `times` requests matching method/path get `status`."""

    status: int
    method: str | None = None
    path: str | None = None  # regex searched in the API path
    times: int = 1
    retry_after: float = 0.2
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    is_global: bool = False
    # A slow response (FakeDiscord.slow): the request takes effect, the answer waits.
    delay: float = 0.0
    hits: int = 0

    @property
    def active(self) -> bool:
        return self.hits < self.times

    def matches(self, method: str, path: str) -> bool:
        if not self.active:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return not (self.path is not None and re.search(self.path, path) is None)

    def cancel(self) -> None:
        self.times = self.hits
