"""Rendering helpers shared by the cogs: safe text, timestamps, replies, embeds."""

from __future__ import annotations

import pytest

from bot.discord.client import SeminarBot
from bot.discord.ui import EMBED_FIELDS, MESSAGE_LIMIT, add_field, embed, reply, safe, when
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


def test_assert_harmless_sees_live_mentions() -> None:
    assert_harmless("`@everyone` in a code span is shown literally")
    with pytest.raises(AssertionError):
        assert_harmless("plain @everyone")
