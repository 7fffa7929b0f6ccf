"""Entry point: settings → database → migrations → services → bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import tempfile
from pathlib import Path

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from bot.app import SeminarBot
from bot.commands.context import Limits
from bot.console.app import ConsoleOptions
from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.settings import Settings, SettingsError, load_settings
from bot.store.database import Database, DatabaseTooNew

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
    if sys.argv[1:2] == ["console"]:
        console_main(sys.argv[2:])
        return
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
    except DatabaseTooNew as exc:
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


# -- `python -m bot console`: the terminal front end (bot/console/) ------------------


def console_main(argv: list[str]) -> None:
    """The seminar at a terminal: same database, services and reminder engine, no token."""
    from bot.console import app as console
    from bot.console.settings import load_console_settings

    options = console.parse_arguments(argv)
    try:
        settings = load_console_settings()
    except SettingsError as exc:
        print(f"seminar-bot: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    # Answers go to stdout; only warnings (and tracebacks of failures) to stderr.
    logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
    try:
        sys.exit(asyncio.run(run_console(settings, options)))
    except DatabaseTooNew as exc:
        print(f"seminar-bot: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)


async def run_console(settings: Settings, options: ConsoleOptions) -> int:
    from bot.console import app as console
    from bot.console.clock import ConsoleClock
    from bot.console.interim import MemoryIdentities

    with tempfile.TemporaryDirectory(prefix="seminar-bot-demo-") as scratch:
        # The demo starts from nothing on a clock of its own; otherwise the real thing.
        path = Path(scratch) / "demo.db" if options.demo else settings.database_path
        clock = console.demo_clock() if options.demo else ConsoleClock()
        db = await Database.open(path)
        try:
            services = Services.build(db, clock)
            limits = Limits(settings.max_upload_bytes, settings.download_timeout_seconds)
            return await console.run(
                services,
                clock,
                MemoryIdentities(),
                options,
                limits,
                stdin=sys.stdin,
                stdout=sys.stdout,
                history=Path.home() / ".local" / "state" / "seminar-bot" / "console-history",
            )
        finally:
            await db.close()


if __name__ == "__main__":
    main()
