"""Text for Matrix: the bot's markdown-ish text as a plain body plus escaped HTML.

The core and the command layer write `**bold**`, `` `code` `` and `<@account>`
(a person); user text inside is backslash-escaped by `MatrixStyle.escape`.
Every event gets an `m.mentions` that lists exactly whom it may ping (nobody
unless asked), and `@room` in any text the bot did not mean as a ping is broken
with a word joiner, so even a client that ignores `m.mentions` cannot notify.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands.plain import relative
from bot.core.clock import Clock
from bot.core.text import printable

# Matrix allows 64 KiB per event; stay well clear of it (HTML roughly doubles text).
BODY_LIMIT = 16_000
WORD_JOINER = "\u2060"
PERSON = re.compile(r"<@(-?\d+)>")
ROOM_PING = re.compile(r"@room\b", re.IGNORECASE)
ESCAPABLE = "\\*`<_@~|>"


def when(unix: int, zone: ZoneInfo, now: int) -> str:
    """`Fri 2027-01-15 23:59 CET (Europe/Berlin, in 3 days)`."""
    local = datetime.fromtimestamp(unix, zone)
    stamp = local.strftime("%a %Y-%m-%d %H:%M")
    return f"{stamp} {local.tzname()} ({zone.key}, {relative(unix - now)})"


def escape(text: str) -> str:
    """User text shown verbatim: no markup of ours can start inside it, and no control
    or bidi override can reorder what follows it."""
    shown = printable(text, multiline=True)
    return "".join(f"\\{ch}" if ch in ESCAPABLE else ch for ch in shown)


@dataclass(frozen=True)
class Person:
    user_id: str  # @alice:uni.example
    name: str


@dataclass
class Rendered:
    body: str
    html: str
    people: list[str] = field(default_factory=list)


def people_in(text: str) -> set[int]:
    """Account ids written as `<@id>` in `text` (resolve them before `render`)."""
    return {int(match) for match in PERSON.findall(text)}


def render(text: str, people: Mapping[int, Person] | None = None) -> Rendered:
    """Markdown-ish `text` -> plain body and HTML; `<@id>` becomes a name that never pings."""
    known = people or {}
    plain: list[str] = []
    markup: list[str] = []
    named: list[str] = []
    bold = False
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in ESCAPABLE:
            plain.append(text[i + 1])
            markup.append(html.escape(text[i + 1]))
            i += 2
            continue
        if text.startswith("**", i):
            bold = not bold
            markup.append("<strong>" if bold else "</strong>")
            i += 2
            continue
        if ch == "`":
            end = text.find("`", i + 1)
            if end > i:
                inner = text[i + 1 : end]
                plain.append(f"`{inner}`")
                markup.append(f"<code>{html.escape(inner)}</code>")
                i = end + 1
                continue
        match = PERSON.match(text, i)
        if match is not None:
            account = int(match.group(1))
            person = known.get(account)
            if person is None:
                plain.append("someone")
                markup.append("someone")
            else:
                named.append(person.user_id)
                plain.append(person.name or person.user_id)
                link = html.escape(f"https://matrix.to/#/{person.user_id}", quote=True)
                markup.append(f'<a href="{link}">{html.escape(person.name or person.user_id)}</a>')
            i = match.end()
            continue
        if ch == "\n":
            plain.append("\n")
            markup.append("<br>")
            i += 1
            continue
        plain.append(ch)
        markup.append(html.escape(ch, quote=False))
        i += 1
    if bold:
        markup.append("</strong>")
    body = _defuse("".join(plain))
    return Rendered(body=body, html=_defuse("".join(markup)), people=named)


def _defuse(text: str) -> str:
    return ROOM_PING.sub(lambda m: m.group(0)[0] + WORD_JOINER + m.group(0)[1:], text)


def clip_text(text: str, limit: int = BODY_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def content(
    text: str,
    *,
    people: Mapping[int, Person] | None = None,
    title: str | None = None,
    notice: bool = True,
    ping_users: list[str] | None = None,
    ping_room: bool = False,
    reply_to: str | None = None,
) -> dict[str, Any]:
    """A message event's content: `m.notice` (never notifies) unless `notice=False`.

    `m.mentions` is always present: empty unless `ping_users`/`ping_room` name
    whom an organiser's request (or a DM fallback) is meant to reach.
    """
    if title:
        text = f"**{escape(title)}**\n{text}"
    rendered = render(clip_text(text), people)
    body, formatted = rendered.body, rendered.html
    mentions: dict[str, Any] = {}
    if ping_users:
        mentions["user_ids"] = sorted(set(ping_users))
        names = " ".join(ping_users)
        body = f"{names}: {body}"
        links = " ".join(
            f'<a href="{html.escape("https://matrix.to/#/" + u, quote=True)}">{html.escape(u)}</a>'
            for u in ping_users
        )
        formatted = f"{links}: {formatted}"
    if ping_room:
        mentions["room"] = True
        body = f"@room {body}"
        formatted = f"@room {formatted}"
    event: dict[str, Any] = {
        "msgtype": "m.notice" if notice else "m.text",
        "body": body,
        "format": "org.matrix.custom.html",
        "formatted_body": formatted,
        "m.mentions": mentions,
    }
    if reply_to:
        event["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    return event


class MatrixStyle:
    """The command layer's Style for one reader: times in `zone`, `!` commands."""

    def __init__(self, clock: Clock, zone: ZoneInfo, spell: Any) -> None:
        self.clock = clock
        self.zone = zone
        self._spell = spell

    def when(self, unix: int) -> str:
        return when(unix, self.zone, self.clock.now())

    def bold(self, text: str) -> str:
        return f"**{text}**"

    def code(self, text: str) -> str:
        return "`" + text.replace("`", "'") + "`"

    def escape(self, text: str) -> str:
        return escape(text)

    def command(self, path: str) -> str:
        return str(self._spell(path))

    def person(self, account_id: int, name: str) -> str:
        return escape(name) if name else f"member {account_id}"
