"""Entry point: settings → database → migrations → services → bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from bot.app import SeminarBot
from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.settings import Settings, SettingsError, load_settings
from bot.store.database import Database, DatabaseUnusable

log = logging.getLogger("bot")

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 69  # sysexits EX_UNAVAILABLE: worth a restart later


def point_at_discord(settings: Settings) -> None:
    """Use the configured API and gateway (a proxy, or the tests' fake Discord)."""
    discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


async def run(settings: Settings) -> None:
    point_at_discord(settings)
    db = await Database.open(settings.database_path)
    try:
        services = Services.build(db, SystemClock())
        bot = SeminarBot(settings, services)
        loop = asyncio.get_running_loop()
        stopping: list[asyncio.Task[None]] = []

        def request_stop(name: str) -> None:
            log.info("received %s, shutting down", name)
            stopping.append(loop.create_task(bot.close()))

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, request_stop, sig.name)
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
        for task in stopping:
            await task
    finally:
        await db.close()
        log.info("database closed, bye")


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"seminar-bot: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # discord.py's own loggers are chatty at DEBUG (every gateway payload).
    if settings.log_level != "DEBUG":
        logging.getLogger("discord").setLevel(logging.WARNING)
    try:
        asyncio.run(run(settings))
    except DatabaseUnusable as exc:  # one line naming the file and the problem
        print(f"seminar-bot: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except discord.LoginFailure:
        print("seminar-bot: Discord refused DISCORD_TOKEN; check the token", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except aiohttp.ClientConnectionError as exc:
        print(
            f"seminar-bot: cannot reach Discord at {settings.discord_api_base}: {exc}",
            file=sys.stderr,
        )
        sys.exit(EXIT_UNAVAILABLE)
    except KeyboardInterrupt:  # pragma: no cover - SIGINT before the loop installed handlers
        with contextlib.suppress(Exception):
            log.info("interrupted")


if __name__ == "__main__":
    main()
