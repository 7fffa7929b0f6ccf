"""Rendering helpers shared by the cogs: safe text, timestamps, replies, embeds."""

from __future__ import annotations

import discord
import pytest

from bot.commands.context import Style
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import (
    EMBED_FIELDS,
    MESSAGE_LIMIT,
    LazyPages,
    add_field,
    embed,
    reply,
    safe,
    when,
)
from tests.cogs.helpers import LIVE_MENTIONS, assert_harmless, mock_interaction


@pytest.mark.parametrize(
    "text", ["@everyone", "@here", "<@&1>", "<@123>", "<@!123>", "hi @everyone and @here"]
)
def test_safe_breaks_mention_syntax(text: str) -> None:
    shown = safe(text)
    assert not any(mention in shown for mention in LIVE_MENTIONS)
    assert shown.replace("\u200b", "") == text


@pytest.mark.parametrize("text", ["tadl@example.org", "first.last@tum.de", "@tadl on GitHub"])
def test_safe_leaves_email_addresses_copyable(text: str) -> None:
    assert "\u200b" not in safe(text)


def test_safe_escapes_markdown_and_clips() -> None:
    assert safe("**bold** _it_ `code`") == "\\*\\*bold\\*\\* \\_it\\_ \\`code\\`"
    clipped = safe("x" * 50, 10)
    assert len(clipped) == 10 and clipped.endswith("…")


def test_when_is_absolute_and_relative() -> None:
    assert when(1_800_000_000) == "<t:1800000000:F> (<t:1800000000:R>)"


async def test_reply_is_ephemeral_and_uses_the_followup_once_deferred(bot: SeminarBot) -> None:
    interaction = mock_interaction(bot)
    await reply(interaction, "first")
    interaction.response.send_message.assert_awaited_once_with(content="first", ephemeral=True)
    await reply(interaction, "x" * 3000)
    sent = interaction.followup.send.await_args.kwargs
    assert sent["ephemeral"] is True and len(sent["content"]) == MESSAGE_LIMIT


def test_add_field_stops_at_discords_limits() -> None:
    page = embed("t" * 300, "d" * 5000)
    assert len(page.title or "") == 256 and len(page.description or "") == 4096
    for n in range(EMBED_FIELDS + 5):
        add_field(page, f"field {n}", "v" * 2000)
    assert len(page) <= 6000
    assert all(len(field.value or "") <= 1024 for field in page.fields)
    small = embed("t")
    for n in range(EMBED_FIELDS + 5):
        add_field(small, str(n), "")
    assert len(small.fields) == EMBED_FIELDS
    assert small.fields[0].value == "—"


@pytest.mark.parametrize("blank", ["", " ", "\n", "\u00a0", "\u3000\t"])
def test_add_field_never_sends_a_blank_name_or_value(blank: str) -> None:
    # Found by the fuzz tier: /submit with a file called "\n" got a receipt Discord rejects.
    page = embed("t")
    add_field(page, blank, blank)
    assert page.fields[0].name == "—" and page.fields[0].value == "—"


def test_assert_harmless_sees_live_mentions() -> None:
    assert_harmless("`@everyone` in a code span is shown literally")
    with pytest.raises(AssertionError):
        assert_harmless("plain @everyone")


def test_the_discord_style_writes_markdown_mentions_and_slash_commands() -> None:
    assert DISCORD_STYLE.bold("x") == "**x**"
    assert DISCORD_STYLE.code("a `b`") == "`a 'b'`"
    assert DISCORD_STYLE.person(123, "alice") == "<@123>"
    assert DISCORD_STYLE.command("prefs set") == "/prefs set"
    assert DISCORD_STYLE.when(1_800_000_000) == when(1_800_000_000)
    shown = DISCORD_STYLE.escape("**hi** @everyone")
    assert shown.startswith("\\*\\*hi\\*\\*") and not any(m in shown for m in LIVE_MENTIONS)


def test_the_discord_style_is_a_command_layer_style() -> None:
    style: Style = DISCORD_STYLE  # mypy checks the Protocol
    assert style.bold("x") == "**x**"


def test_lazy_pages_are_made_when_first_asked_for_and_kept() -> None:
    made: list[int] = []

    def render(index: int) -> discord.Embed:
        made.append(index)
        return embed(f"Page {index + 1}")

    pages = LazyPages(3, render)
    assert len(pages) == 3 and made == []
    assert pages[0].title == "Page 1" and made == [0]
    assert pages[0] is pages[0] and pages[-1] is pages[2] and made == [0, 2]
    assert [page.title for page in pages] == ["Page 1", "Page 2", "Page 3"]
    assert [page.title for page in pages[1:]] == ["Page 2", "Page 3"]
    assert made == [0, 2, 1]
    with pytest.raises(IndexError):
        pages[3]
