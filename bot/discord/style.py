"""The command layer's Style on Discord, so a cog can say what a handler says, in markdown.

Discord renders timestamps in every reader's own zone and shows a mention as the
member's name (the bot's AllowedMentions are none, so it never pings); commands
are slash commands.
"""

from __future__ import annotations

from bot.commands.spelling import spell
from bot.core.models import Platform
from bot.discord.ui import MESSAGE_LIMIT, mention, safe, when


class DiscordStyle:
    """Markdown for Discord: `**bold**`, `` `code` ``, `<@id>`, `/command`, `<t:…>` times."""

    def when(self, unix: int) -> str:
        return when(unix)

    def bold(self, text: str) -> str:
        return f"**{text}**"

    def code(self, text: str) -> str:
        return "`" + text.replace("`", "'") + "`"

    def escape(self, text: str) -> str:
        # Clipped only by what one message holds; `reply` clips the whole answer again.
        return safe(text, MESSAGE_LIMIT)

    def command(self, path: str) -> str:
        return spell(path, Platform.DISCORD)

    def person(self, account_id: int, name: str) -> str:
        return mention(account_id)


# It holds no state: one is enough for every cog.
DISCORD_STYLE = DiscordStyle()
