"""The baseline for bench/interactions.py: a bare discord.py bot (not seminar-bot).

    DISCORD_TOKEN=… DISCORD_API_BASE=… DISCORD_GATEWAY_URL=… DEV_GUILD_ID=… \\
        python -m bench.bare_bot

It syncs the same command shapes the benchmark sends (`/prefs set first..fifth`,
`/join`, `/papers topic`) to the guild, so discord.py parses the same interactions
through the same app_commands tree as in seminar-bot, and answers every one of them
with one constant ephemeral message: no database, no rendering. What seminar-bot is
slower by is therefore its own work per interaction. SIGTERM stops it (exit 0).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

ANSWER = "ok"


async def _answer(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(ANSWER, ephemeral=True)


class BareBot(discord.Client):
    def __init__(self, guild_id: int) -> None:
        super().__init__(intents=discord.Intents.default())
        self.guild = discord.Object(id=guild_id)
        self.tree = app_commands.CommandTree(self)
        prefs = app_commands.Group(name="prefs", description="Ranked paper preferences")

        @prefs.command(name="set", description="Replace your ranking")
        async def prefs_set(
            interaction: discord.Interaction,
            first: str,
            second: str | None = None,
            third: str | None = None,
            fourth: str | None = None,
            fifth: str | None = None,
        ) -> None:
            await _answer(interaction)

        @app_commands.command(name="join", description="Register")
        async def join(interaction: discord.Interaction) -> None:
            await _answer(interaction)

        @app_commands.command(name="papers", description="Browse the paper catalogue")
        async def papers(interaction: discord.Interaction, topic: str | None = None) -> None:
            await _answer(interaction)

        self.tree.add_command(prefs, guild=self.guild)
        self.tree.add_command(join, guild=self.guild)
        self.tree.add_command(papers, guild=self.guild)

    async def setup_hook(self) -> None:
        await self.tree.sync(guild=self.guild)
        thresholds = os.environ.get("BARE_GC_THRESHOLDS")
        if thresholds:
            # bench.interactions --bare-gc-like-bot: the collector set up as seminar-bot
            # sets up its own once it is up, to compare the two without that difference.
            gc.freeze()
            gc.set_threshold(*(int(n) for n in thresholds.split(",")))


async def run() -> None:
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"].rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    bot = BareBot(int(os.environ["DEV_GUILD_ID"]))
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: closing.append(loop.create_task(bot.close())))
    async with bot:
        await bot.start(os.environ["DISCORD_TOKEN"])
    for task in closing:
        await task


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"))
    asyncio.run(run())


if __name__ == "__main__":
    main()
