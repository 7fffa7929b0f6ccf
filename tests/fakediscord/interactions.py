"""Interaction state kept by the fake, option payload building, and the result objects tests see."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .models import (
    Button,
    FakeChannel,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    RecordedRequest,
    Select,
)

if TYPE_CHECKING:
    from .server import FakeDiscord


class FakeDiscordError(AssertionError):
    """A test-side failure: the bot did something Discord would not accept, or did not answer."""


class UnknownCommand(FakeDiscordError):
    pass


class CommandUnavailable(FakeDiscordError):
    """Discord would not offer this command to this user here (permissions / context)."""


class OptionError(FakeDiscordError):
    pass


class InteractionFailed(FakeDiscordError):
    """The bot did not answer in time, answered too late, or answered wrongly."""


# Interaction types
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Option types
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
OPTION_TYPE_NAMES = {
    1: "subcommand",
    2: "group",
    3: "string",
    4: "integer",
    5: "boolean",
    6: "user",
    7: "channel",
    8: "role",
    9: "mentionable",
    10: "number",
    11: "attachment",
}


@dataclass(eq=False)
class FakeInteraction:
    id: int
    token: str
    type: int
    payload: dict[str, Any]
    user: FakeUser
    member: FakeMember | None
    channel: FakeChannel
    label: str  # "/prefs set", "click 'confirm'", ...
    target_message: FakeMessage | None = None  # component / modal-from-component
    created: float = field(default_factory=time.monotonic)
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    callback_at: float | None = None
    expired: bool = False
    original: FakeMessage | None = None
    followups: list[FakeMessage] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def latency(self) -> float | None:
        return None if self.callback_at is None else self.callback_at - self.created


class InteractionResult:
    """What the user saw after an interaction; reads the fake's live state (edits show up)."""

    def __init__(self, fake: FakeDiscord, interaction: FakeInteraction) -> None:
        self.fake = fake
        self.interaction = interaction

    # ---- raw facts
    @property
    def callback_type(self) -> int | None:
        return self.interaction.callback_type

    @property
    def deferred(self) -> bool:
        return self.interaction.callback_type in (5, 6)

    @property
    def messages(self) -> list[FakeMessage]:
        msgs: list[FakeMessage] = []
        inter = self.interaction
        if inter.callback_type in (4, 5, 6, 7) and inter.original is not None:
            msgs.append(inter.original)
        msgs.extend(inter.followups)
        return [m for m in msgs if not m.deleted]

    @property
    def message(self) -> FakeMessage | None:
        msgs = self.messages
        return msgs[0] if msgs else None

    @property
    def followups(self) -> list[FakeMessage]:
        return [m for m in self.interaction.followups if not m.deleted]

    # ---- what a user notices
    @property
    def text(self) -> str:
        return "\n".join(m.text for m in self.messages)

    @property
    def plain(self) -> str:
        """`text` without markdown escapes and marks: what a reader sees."""
        return "\n".join(m.plain for m in self.messages)

    @property
    def ephemeral(self) -> bool:
        """True when the first visible message (the response) is ephemeral."""
        msg = self.message
        if msg is None:
            raise FakeDiscordError(f"{self.interaction.label}: no message was shown ({self!r})")
        return msg.ephemeral

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return [e for m in self.messages for e in m.embeds]

    @property
    def files(self) -> list[tuple[str, bytes]]:
        return [f for m in self.messages for f in m.files]

    @property
    def components(self) -> list[Button]:
        return [b for m in self.messages for b in m.buttons]

    buttons = components

    @property
    def selects(self) -> list[Select]:
        return [s for m in self.messages for s in m.selects]

    @property
    def choices(self) -> list[tuple[str, Any]]:
        return [(c["name"], c["value"]) for c in self.interaction.choices or []]

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.interaction.modal

    @property
    def requests(self) -> list[RecordedRequest]:
        return list(self.interaction.requests)

    def find_button(self, key: str) -> tuple[FakeMessage, Button]:
        found = []
        for msg in self.messages:
            for b in msg.buttons:
                if b.custom_id == key:
                    found.append((msg, b))
        if not found:
            for msg in self.messages:
                for b in msg.buttons:
                    if b.label == key:
                        found.append((msg, b))
        if not found:
            raise FakeDiscordError(
                f"{self.interaction.label}: no button {key!r}; buttons: "
                f"{[(b.custom_id, b.label) for b in self.components]}\n{self!r}"
            )
        if len(found) > 1:
            raise FakeDiscordError(
                f"{self.interaction.label}: button {key!r} is ambiguous: {found}"
            )
        return found[0]

    def __contains__(self, needle: str) -> bool:
        return needle in self.text

    def __repr__(self) -> str:
        lines = [
            f"<InteractionResult {self.interaction.label} callback={self.callback_type} "
            f"latency={self.interaction.latency}>"
        ]
        for m in self.messages:
            lines.append(f"  {m!r}")
            for b in m.buttons:
                lines.append(f"    button custom_id={b.custom_id!r} label={b.label!r}")
        if self.interaction.choices is not None:
            lines.append(f"  choices={self.choices}")
        if self.interaction.modal is not None:
            lines.append(f"  modal={self.interaction.modal.get('title')!r}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- command schemas


def command_paths(commands: list[dict[str, Any]]) -> list[str]:
    """Every invocable chat-input path, e.g. ['admin paper add', 'join', 'prefs set']."""
    out: list[str] = []
    for cmd in commands:
        if cmd.get("type", 1) != 1:
            continue
        subs = [o for o in cmd.get("options", []) or [] if o.get("type") in (1, 2)]
        if not subs:
            out.append(cmd["name"])
        for sub in subs:
            if sub["type"] == 1:
                out.append(f"{cmd['name']} {sub['name']}")
            else:
                for leaf in sub.get("options", []) or []:
                    out.append(f"{cmd['name']} {sub['name']} {leaf['name']}")
    return sorted(out)


def find_command(
    commands: list[dict[str, Any]], path: str
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(top-level command, [group/subcommand schemas on the way], leaf option schemas)."""
    words = path.strip().lstrip("/").split()
    if not words:
        raise UnknownCommand("empty command name")
    top = next((c for c in commands if c["name"] == words[0] and c.get("type", 1) == 1), None)
    if top is None:
        raise UnknownCommand(
            f"the bot did not sync a command /{words[0]}; synced: {command_paths(commands)}"
        )
    chain: list[dict[str, Any]] = []
    options = top.get("options", []) or []
    for word in words[1:]:
        nxt = next((o for o in options if o["name"] == word and o.get("type") in (1, 2)), None)
        if nxt is None:
            raise UnknownCommand(
                f"the bot did not sync /{' '.join(words)}; synced: {command_paths(commands)}"
            )
        chain.append(nxt)
        options = nxt.get("options", []) or []
    if any(o.get("type") in (1, 2) for o in options):
        raise UnknownCommand(
            f"/{path} is a group, not a command; its commands: "
            f"{[p for p in command_paths(commands) if p.startswith(' '.join(words) + ' ')]}"
        )
    return top, chain, options


def nest_options(chain: list[dict[str, Any]], leaf: list[dict[str, Any]]) -> list[dict[str, Any]]:
    options = leaf
    for node in reversed(chain):
        options = [{"type": node["type"], "name": node["name"], "options": options}]
    return options


class OptionBuilder:
    """Turns Python values into option payloads + `resolved` data, validating like a client."""

    def __init__(self, fake: FakeDiscord, *, path: str, dm: bool, invoker: FakeUser) -> None:
        self.fake = fake
        self.path = path
        self.dm = dm
        self.invoker = invoker
        self.resolved: dict[str, dict[str, Any]] = {}

    def _add_resolved(self, kind: str, key: int, value: dict[str, Any]) -> None:
        self.resolved.setdefault(kind, {})[str(key)] = value

    def build(
        self,
        schemas: list[dict[str, Any]],
        given: dict[str, Any],
        *,
        focused: str | None = None,
        focused_value: str | None = None,
        check_required: bool = True,
    ) -> list[dict[str, Any]]:
        by_name = {s["name"]: s for s in schemas}
        unknown = set(given) - set(by_name)
        if focused is not None and focused not in by_name:
            unknown.add(focused)
        if unknown:
            raise OptionError(
                f"/{self.path} has no option(s) {sorted(unknown)}; its options: "
                + ", ".join(
                    f"{s['name']}({OPTION_TYPE_NAMES.get(s['type'])}"
                    f"{', required' if s.get('required') else ''})"
                    for s in schemas
                )
            )
        out: list[dict[str, Any]] = []
        for schema in schemas:
            name = schema["name"]
            if name == focused:
                if not schema.get("autocomplete"):
                    raise OptionError(f"/{self.path} option {name!r} has no autocomplete")
                out.append(
                    {"name": name, "type": schema["type"], "value": focused_value, "focused": True}
                )
                continue
            if name not in given or given[name] is None:
                if schema.get("required") and check_required:
                    raise OptionError(
                        f"/{self.path}: option {name!r} is required (Discord would not send it)"
                    )
                continue
            value = self._convert(schema, given[name], for_autocomplete=focused is not None)
            out.append({"name": name, "type": schema["type"], "value": value})
        return out

    def _convert(self, schema: dict[str, Any], value: Any, *, for_autocomplete: bool) -> Any:
        t = schema["type"]
        name = schema["name"]
        where = f"/{self.path} option {name!r}"
        if t == STRING:
            if not isinstance(value, str):
                raise OptionError(f"{where} is a string option, got {value!r}")
            if not for_autocomplete:
                lo, hi = schema.get("min_length"), schema.get("max_length")
                if lo is not None and len(value) < lo:
                    raise OptionError(f"{where}: at least {lo} characters")
                if hi is not None and len(value) > hi:
                    raise OptionError(f"{where}: at most {hi} characters")
                if len(value) > 6000:
                    raise OptionError(f"{where}: Discord caps option values at 6000 characters")
                self._check_choice(schema, value, where)
            return value
        if t in (INTEGER, NUMBER):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise OptionError(f"{where} is a number option, got {value!r}")
            if t == INTEGER and not isinstance(value, int):
                raise OptionError(f"{where} is an integer option, got {value!r}")
            if not for_autocomplete:
                lo, hi = schema.get("min_value"), schema.get("max_value")
                if lo is not None and value < lo:
                    raise OptionError(f"{where}: the client refuses values below {lo}")
                if hi is not None and value > hi:
                    raise OptionError(f"{where}: the client refuses values above {hi}")
                self._check_choice(schema, value, where)
            return value
        if t == BOOLEAN:
            if not isinstance(value, bool):
                raise OptionError(f"{where} is a boolean option, got {value!r}")
            return value
        if t == USER:
            user = self.fake._resolve_user(value)
            self._resolve_user(user)
            return str(user.id)
        if t == ROLE:
            role = self.fake._resolve_role(value)
            self._add_resolved("roles", role.id, role.to_payload())
            return str(role.id)
        if t == MENTIONABLE:
            role_ids = {r.id for r in self.fake.guild.all_roles()}
            if isinstance(value, FakeRole) or (isinstance(value, int) and value in role_ids):
                role = self.fake._resolve_role(value)
                self._add_resolved("roles", role.id, role.to_payload())
                return str(role.id)
            user = self.fake._resolve_user(value)
            self._resolve_user(user)
            return str(user.id)
        if t == CHANNEL:
            channel = self.fake._resolve_channel(value)
            allowed = schema.get("channel_types")
            if allowed and channel.type not in allowed:
                raise OptionError(f"{where} accepts channel types {allowed}, not {channel.type}")
            data = channel.to_payload()
            data["permissions"] = str(self.fake._permissions_in(self.invoker, channel))
            self._add_resolved("channels", channel.id, data)
            return str(channel.id)
        if t == ATTACHMENT:
            att = self.fake._resolve_attachment(value)
            self._add_resolved("attachments", att.id, att.to_payload())
            return str(att.id)
        raise OptionError(f"{where}: unsupported option type {t}")

    def _resolve_user(self, user: FakeUser) -> None:
        self._add_resolved("users", user.id, user.to_payload())
        member = self.fake.guild.members.get(user.id)
        if member is not None and not self.dm:
            self._add_resolved(
                "members", user.id, member.to_payload(with_user=False, with_permissions=True)
            )

    @staticmethod
    def _check_choice(schema: dict[str, Any], value: Any, where: str) -> None:
        choices = schema.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise OptionError(
                f"{where}: the client only offers the choices "
                f"{[(c['name'], c['value']) for c in choices]}, not {value!r}"
            )
