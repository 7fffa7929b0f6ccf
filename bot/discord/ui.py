"""Discord-side rendering shared by the cogs: timestamps, safe text, embeds, views."""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from typing import Any, overload

import discord

from bot.core.errors import DomainError
from bot.core.text import clip, printable

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
MESSAGE_LIMIT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FIELDS = 25
EMBED_TOTAL = 6000
log = logging.getLogger(__name__)
COLOUR = discord.Colour.from_rgb(0, 101, 189)  # TUM blue
_MENTION = re.compile(r"@(?:everyone|here)|<@")


def ts(unix: int, style: str = "F") -> str:
    """A Discord timestamp: every reader sees it in their own timezone."""
    return f"<t:{int(unix)}:{style}>"


def when(unix: int) -> str:
    return f"{ts(unix, 'F')} ({ts(unix, 'R')})"


def mention(account_id: int) -> str:
    """A member named in a reply; it never pings (the bot's AllowedMentions are none)."""
    return f"<@{account_id}>"


# Pure, and called with the same titles on every command (a /papers page escapes
# 400 strings): remembered, which spares discord.py's markdown regexes.
@functools.lru_cache(maxsize=8192)
def safe(text: str, limit: int = EMBED_FIELD_VALUE) -> str:
    """User-typed text shown verbatim: markdown escaped, clipped to `limit`.

    Mentions cannot ping anyway (the bot's AllowedMentions are none), but
    escaping keeps `@everyone` or `<@&id>` from even looking like a live
    mention. Only mention syntax is broken up, so an e-mail address such as
    the seminar's contact can still be copied as it is. Controls and bidi overrides
    are dropped (line breaks kept), so the text cannot reorder what follows it.
    """
    escaped = discord.utils.escape_markdown(printable(text, multiline=True))
    escaped = _MENTION.sub(lambda found: found.group().replace("@", "@\u200b"), escaped)
    return clip(escaped, limit)


def join_within(lines: Sequence[str], limit: int, more: str = "\n… and {n} more") -> str:
    """Whole lines up to `limit` characters; never cuts a line (or a <t:…> stamp) in half."""
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        tail = len(more) + 6 if index < len(lines) - 1 else 0
        if size + len(line) + 1 + tail > limit:
            return "\n".join(kept) + more.format(n=len(lines) - index)
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def embed(title: str, description: str = "", **kwargs: Any) -> discord.Embed:
    return discord.Embed(
        title=clip(title, EMBED_TITLE),
        description=clip(description, EMBED_DESCRIPTION) if description else None,
        colour=COLOUR,
        **kwargs,
    )


def add_field(target: discord.Embed, name: str, value: str, *, inline: bool = False) -> None:
    """Add a field unless the embed is full; embeds over the limits are rejected whole.

    Discord also rejects a field whose name or value is blank (whitespace counts: a
    file called "\n" once made a /submit receipt undeliverable), so blank shows as "—".
    """
    if len(target.fields) >= EMBED_FIELDS:
        return
    name = clip(name if name.strip() else "—", EMBED_FIELD_NAME)
    value = clip(value if value.strip() else "—", EMBED_FIELD_VALUE)
    if len(target) + len(name) + len(value) > EMBED_TOTAL:
        return
    target.add_field(name=name, value=value, inline=inline)


def add_fields(
    target: discord.Embed,
    fields: Iterable[tuple[str, str]],
    inline: bool | Collection[str] = False,
) -> None:
    """(name, value) pairs from the command layer as fields. Inline fields sit side by side:
    all of them (True), none (False) or those named in `inline`."""
    for name, value in fields:
        side_by_side = inline if isinstance(inline, bool) else name in inline
        add_field(target, name, value, inline=side_by_side)


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    ephemeral: bool = True,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
) -> None:
    """Answer an interaction whether or not it was deferred."""
    kwargs: dict[str, Any] = {"ephemeral": ephemeral}
    if content is not None:
        kwargs["content"] = clip(content, MESSAGE_LIMIT)
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def answer(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral reply that must not raise: used on error paths."""
    try:
        await reply(interaction, text)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id)


async def apologise(interaction: discord.Interaction, error: BaseException, where: str) -> None:
    """Log an unexpected failure under a short id and tell the user that id."""
    error_id = uuid.uuid4().hex[:8]
    log.error(
        "error %s in %s (guild %s, user %s)",
        error_id,
        where,
        interaction.guild_id,
        interaction.user.id,
        exc_info=error,
    )
    await answer(
        interaction,
        "Sorry, something went wrong on our side. Nothing you need to do; if it keeps "
        f"happening, tell the organisers error id `{error_id}`.",
    )


async def owner_only(interaction: discord.Interaction, owner_id: int) -> bool:
    """True if `owner_id` clicked; anyone else is told the buttons are not theirs."""
    if interaction.user.id != owner_id:
        await interaction.response.send_message(
            "These buttons belong to someone else's request.", ephemeral=True
        )
        return False
    return True


async def report(interaction: discord.Interaction, error: BaseException, where: str) -> None:
    """A failed click's one way out: a DomainError's own message, else an apology."""
    if isinstance(error, DomainError):
        await answer(interaction, error.render(when, mention))
        return
    await apologise(interaction, error, where)


class SeminarView(discord.ui.View):
    """Buttons that belong to one person, with the bot's one way of reporting errors."""

    def __init__(self, owner_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await owner_only(interaction, self.owner_id)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[Any],
    ) -> None:
        await report(interaction, error, f"button {type(self).__name__}")


Check = Callable[[discord.Interaction], Awaitable[None]]


class ConfirmView(SeminarView):
    """Confirm / Cancel buttons for a destructive action, usable only by who asked.

    `on_confirm` does the action and returns the text that replaces the
    question; a DomainError it raises (say, a deadline passed while the buttons
    waited) replaces the question with its message instead.

    `still_allowed` runs at click time, before the action: the buttons wait up to
    two minutes, and an organiser whose role was taken away meanwhile must not
    act as one. It raises a DomainError to refuse. None (explicitly) where the
    action is the clicker's own and the service checks everything again.
    """

    def __init__(
        self,
        owner_id: int,
        on_confirm: Callable[[discord.Interaction], Awaitable[str | None]],
        *,
        still_allowed: Check | None,
        confirm_label: str = "Confirm",
        timeout: float = 120,
    ) -> None:
        super().__init__(owner_id, timeout)
        self._on_confirm = on_confirm
        self._still_allowed = still_allowed
        self.confirm.label = confirm_label

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        try:
            if self._still_allowed is not None:
                await self._still_allowed(interaction)
            outcome = await self._on_confirm(interaction)
        except DomainError as exc:
            outcome = exc.render(when, mention)
        if isinstance(outcome, str) and not interaction.response.is_done():
            await interaction.response.edit_message(content=clip(outcome, MESSAGE_LIMIT), view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled. Nothing changed.", view=None)


async def ask(
    interaction: discord.Interaction,
    question: str,
    confirm_label: str,
    on_confirm: Callable[[discord.Interaction], Awaitable[str | None]],
    *,
    still_allowed: Check | None,
    embed: discord.Embed | None = None,
) -> None:
    """Ask `question` privately with Confirm / Cancel buttons only the asker can press."""
    view = ConfirmView(
        interaction.user.id, on_confirm, still_allowed=still_allowed, confirm_label=confirm_label
    )
    await reply(interaction, question, embed=embed, view=view)


class LazyPages(Sequence[discord.Embed]):
    """`count` embeds, each made by `render(index)` when it is first asked for.

    A Pager's reader sees the first page and most never click on: the others
    are made only if shown."""

    def __init__(self, count: int, render: Callable[[int], discord.Embed]) -> None:
        self._count = count
        self._render = render
        self._made: dict[int, discord.Embed] = {}

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> discord.Embed: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[discord.Embed]: ...

    def __getitem__(self, index: int | slice) -> discord.Embed | Sequence[discord.Embed]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        page = self._made.get(index)
        if page is None:
            page = self._made[index] = self._render(index)
        return page


PREVIOUS = "◀ Previous"
NEXT = "Next ▶"


class Pager(discord.ui.View):
    """Previous / Next under page `index` of `pages` (which may be `LazyPages`).

    The buttons are persistent: each one's custom_id, `custom_id(direction, page)` with
    direction "p" or "n" and the page it turns to, holds all a click needs, and a
    `discord.ui.DynamicItem` the bot registered at start answers it, on this bot or on
    one started since (it checks who clicked). So nothing here waits for a click: the
    view is stopped before it is sent, and discord.py then keeps no ViewStore entry and
    starts no timeout task for it (for an ephemeral answer it would wait 15 minutes);
    the message's buttons are plain ones whose ids match that item's template.
    """

    def __init__(
        self, pages: Sequence[discord.Embed], index: int, custom_id: Callable[[str, int], str]
    ) -> None:
        super().__init__(timeout=None)
        self.pages = pages
        self.index = index
        last = len(pages) - 1
        self.previous: discord.ui.Button[Any] = discord.ui.Button(
            label=PREVIOUS,
            style=discord.ButtonStyle.secondary,
            custom_id=custom_id("p", max(0, index - 1)),
            disabled=index <= 0,
        )
        self.next: discord.ui.Button[Any] = discord.ui.Button(
            label=NEXT,
            style=discord.ButtonStyle.secondary,
            custom_id=custom_id("n", min(last, index + 1)),
            disabled=index >= last,
        )
        self.add_item(self.previous).add_item(self.next)
        self.stop()
