"""What the terminal prints: 80 columns, Discord-style markup turned into plain text
(or bold and colour when stdout is a terminal), times in the seminar's zone."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Protocol

WIDTH = 80
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")
_ESCAPED = re.compile(r"\\([\\*_`~|>])")
_MENTION = re.compile(r"<@(-?\d+)>")
_ROLE = re.compile(r"<@&(-?\d+)>")
_RESET = "\x1b[0m"
COLOURS = {
    "bold": "\x1b[1m",
    "code": "\x1b[36m",
    "tag": "\x1b[33m",
    "dim": "\x1b[2m",
    "error": "\x1b[31m",
    "prompt": "\x1b[32m",
}


class Writer(Protocol):
    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class Screen:
    """Writes wrapped, optionally coloured text; the one place that prints."""

    def __init__(self, out: Writer, *, colour: bool, width: int = WIDTH) -> None:
        self.out = out
        self.colour = colour
        self.width = width

    def paint(self, text: str, colour: str) -> str:
        if not self.colour:
            return text
        # Colour resumes after any attribute painted inside (a `code` in an error).
        inner = text.replace(_RESET, _RESET + COLOURS[colour])
        return f"{COLOURS[colour]}{inner}{_RESET}"

    def markup(self, text: str) -> str:
        """`**bold**` and `` `code` `` as terminal attributes (or plain), escapes undone."""
        if self.colour:
            text = _BOLD.sub(lambda m: self.paint(m.group(1), "bold"), text)
            text = _CODE.sub(lambda m: self.paint(m.group(1), "code"), text)
        else:
            text = _BOLD.sub(r"\1", text)
        return _ESCAPED.sub(r"\1", text)

    def line(self, text: str = "", colour: str | None = None) -> None:
        """One line as it is (already short, e.g. an echoed command)."""
        self.out.write((self.paint(text, colour) if colour else text) + "\n")
        self.out.flush()

    def say(self, text: str, *, tag: str = "", colour: str | None = None) -> None:
        """A message: marked up, wrapped to the width; `tag` (`[DM alice]`) leads it."""
        lead = f"{tag} " if tag else ""
        indent = "  " if tag else ""
        shown_tag = self.paint(tag, "tag") + " " if tag else ""
        first = True
        if visible_len(lead) > self.width // 2:
            # A long tag (`[DM alice, bob, …]`) gets lines of its own.
            for piece in wrap(tag, self.width, self.width - 2):
                self.out.write(self.paint(piece, "tag") + "\n")
            lead, shown_tag, first = indent, indent, True
        for raw in text.split("\n"):
            body = self.markup(raw)
            if colour:
                body = self.paint(body, colour)
            head = lead if first else indent
            for piece in wrap(body, self.width - visible_len(head), self.width - len(indent)):
                if first:
                    self.out.write(shown_tag + piece + "\n")
                    first = False
                else:
                    self.out.write(indent + piece + "\n")
        self.out.flush()


def visible_len(text: str) -> int:
    """Columns the text takes on a terminal: colour codes none, emoji and other
    wide characters two, combining marks and the emoji variation selector none."""
    width = 0
    for char in _ANSI.sub("", text):
        if unicodedata.combining(char) or char in "\ufe0f\u200b\u200d":
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def wrap(text: str, first_width: int, width: int) -> list[str]:
    """Greedy word wrap by visible width (colour codes take no room). A line's
    leading spaces, and a bullet's marker, indent its continuation lines; a word
    wider than a line (a long link) stays whole on a line of its own."""
    stripped = text.lstrip(" ")
    if not stripped:
        return [""]
    lead = text[: len(text) - len(stripped)]
    bullet = re.match(r"(?:[•\-*]|\d+\.)\s", _ANSI.sub("", stripped))
    hang = lead + (" " * len(bullet.group()) if bullet else "")
    lines: list[str] = []
    current, used, limit = lead, len(lead), first_width
    empty = True
    for word in stripped.split(" "):
        if not word:
            continue
        size = visible_len(word)
        if not empty and used + 1 + size > limit:
            lines.append(current)
            current, used, limit, empty = hang, len(hang), width, True
        if empty:
            current, used, empty = current + word, used + size, False
        else:
            current, used = current + " " + word, used + 1 + size
    lines.append(current)
    return lines


async def resolve_mentions(
    text: str,
    name_of: Callable[[int], Awaitable[str]],
) -> str:
    """`<@123>` -> `@alice`, `<@&5>` -> `@role`: the console has no mention syntax."""
    ids = {int(found) for found in _MENTION.findall(text)}
    names = {account_id: await name_of(account_id) for account_id in ids}
    text = _MENTION.sub(lambda m: "@" + names[int(m.group(1))], text)
    return _ROLE.sub("@role", text)
