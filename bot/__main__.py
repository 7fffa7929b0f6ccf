"""The composition root: settings → database → services → front ends → reminder engine.

Every resource is built here and handed in (as in discord.py's advanced_startup
example); nothing else constructs a service, an Outbox or the scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from mautrix.errors import MatrixConnectionError

from bot.commands.context import Limits
from bot.commands.layer import CommandLayer
from bot.core.clock import Clock, SystemClock
from bot.core.models import Platform
from bot.core.reminders import Dispatcher, ReminderPlanner
from bot.core.services import Services
from bot.discord.client import DiscordFrontEnd
from bot.frontend import FrontEnd
from bot.heartbeat import Heartbeat
from bot.matrix.client import LoginRefused
from bot.matrix.frontend import MatrixFrontEnd
from bot.scheduler import ReminderScheduler
from bot.settings import Settings, SettingsError, load_settings
from bot.store.database import Database, DatabaseUnusable

# gc.set_threshold once the bot is up: young, middle, old generation (default 700, 10, 10).
GC_THRESHOLDS = (100_000, 100, 100)
# With those thresholds the old generations are hardly ever collected on their own, so
# garbage in cycles that outlived a young collection is freed by a full one this often.
FULL_COLLECTION_EVERY_SECONDS = 600.0
# Everything a stop waits for (reminders being sent, a Matrix sync batch in hand) shares
# this, so the process is gone before Docker's default 10 s turns SIGTERM into SIGKILL.
SHUTDOWN_BUDGET_SECONDS = 8.0

if TYPE_CHECKING:  # the chat bots never load the terminal front end
    from bot.console.app import ConsoleOptions

log = logging.getLogger("bot")

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 69  # sysexits EX_UNAVAILABLE: worth a restart later


def point_at_discord(settings: Settings) -> None:
    """Use the configured API and gateway (a proxy, or the tests' fake Discord)."""
    discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def build_front_ends(
    settings: Settings, services: Services, heartbeat: Heartbeat
) -> list[FrontEnd]:
    """The chat front ends that are configured: Discord, Matrix, or both."""
    front_ends: list[FrontEnd] = []
    if settings.discord_token is not None:
        point_at_discord(settings)
        front_ends.append(DiscordFrontEnd(settings, services, heartbeat))
    if settings.matrix_homeserver is not None:
        layer = CommandLayer(
            services, Limits(settings.max_upload_bytes, settings.download_timeout_seconds)
        )
        front_ends.append(
            MatrixFrontEnd.build(
                settings, services, services.identities, layer, services.clock, heartbeat
            )
        )
    return front_ends


def build_heartbeat(settings: Settings, services: Services) -> Heartbeat:
    """The health-check file, touched while every configured front end reports alive."""
    platforms = [
        platform
        for platform, configured in (
            (Platform.DISCORD, settings.discord_token is not None),
            (Platform.MATRIX, settings.matrix_homeserver is not None),
        )
        if configured
    ]
    return Heartbeat(
        settings.heartbeat_path,
        settings.heartbeat_interval_seconds,
        platforms,
        probe=lambda: services.db.fetch_value("SELECT 1"),
    )


def build_engine(services: Services, clock: Clock, front_ends: list[FrontEnd]) -> ReminderScheduler:
    """One reminder engine for every front end of this process: it plans only their
    seminars and delivers each through its own platform's Outbox."""
    outboxes = {front_end.platform: front_end.outbox for front_end in front_ends}

    async def after_rebuild() -> None:
        for front_end in front_ends:
            await front_end.after_rebuild()

    engine = ReminderScheduler(
        services.db,
        clock,
        ReminderPlanner(services.db, clock, outboxes.keys()),
        Dispatcher(services.db, clock, outboxes),
        after_rebuild=after_rebuild,
    )
    services.schedule_changed.subscribe(engine.request_rebuild)
    return engine


async def serve(front_ends: list[FrontEnd], engine: ReminderScheduler) -> None:
    """Run until SIGTERM/SIGINT or until a front end stops for good; then shut down
    in order, within one budget: the engine first (its sends in flight finish), then
    the front ends (a Matrix batch in hand finishes)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def request_stop(name: str) -> None:
        log.info("received %s, shutting down", name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop, sig.name)
    serving: list[asyncio.Task[None]] = []
    collector: asyncio.Task[None] | None = None
    try:
        for front_end in front_ends:
            await front_end.start()
        await engine.start()
        # Modules, commands and caches made so far live as long as the process: moved
        # out of the collector's sight, a full collection no longer walks them (it
        # took 50-150 ms at a time in a burst of interactions, bench/README.md).
        gc.freeze()
        # Few, large young collections and almost no older ones: in a burst ~1000
        # interactions are alive at once, each waiting for its answer, and every
        # collection walks all of them again (~0.04 ms of collector per answer with
        # 10000, 20, 10; bench/README.md). Garbage in cycles waits for 100000 new
        # objects (a few MB), and what outlived that for the full collection below.
        gc.set_threshold(*GC_THRESHOLDS)
        collector = asyncio.create_task(_collect_cycles(), name="full-collection")
        serving = [
            asyncio.create_task(front_end.serve(), name=f"serve-{front_end.platform}")
            for front_end in front_ends
        ]
        stopped = asyncio.create_task(stop.wait(), name="stop-signal")
        await asyncio.wait([stopped, *serving], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
    finally:
        if collector is not None:
            collector.cancel()
        deadline = loop.time() + SHUTDOWN_BUDGET_SECONDS
        await engine.stop(grace=deadline - loop.time())
        for front_end in front_ends:
            await front_end.close(grace=max(0.0, deadline - loop.time()))
        for task in serving:
            task.cancel()
        results = await asyncio.gather(*serving, return_exceptions=True)
    # A front end that stopped by itself (not by a signal) ends the process with its error.
    for result in results:
        if isinstance(result, Exception):
            raise result


async def _collect_cycles() -> None:
    while True:
        await asyncio.sleep(FULL_COLLECTION_EVERY_SECONDS)
        gc.collect()


async def run(settings: Settings) -> None:
    db = await Database.open(settings.database_path)
    try:
        clock = SystemClock()
        services = Services.build(db, clock)
        # Hand-in files a killed process left half-written (issue 11, item 3).
        await services.submissions.sweep_partial_uploads()
        heartbeat = build_heartbeat(settings, services)
        await heartbeat.reset()
        front_ends = build_front_ends(settings, services, heartbeat)
        await serve(front_ends, build_engine(services, clock, front_ends))
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
    # mautrix logs every request at DEBUG; never let it near the logs' secrets.
    logging.getLogger("mau").setLevel(max(logging.INFO, logging.getLogger().level))
    try:
        asyncio.run(run(settings))
    except DatabaseUnusable as exc:  # one line naming the file and the problem
        print(f"seminar-bot: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except discord.LoginFailure:
        print("seminar-bot: Discord refused DISCORD_TOKEN; check the token", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except LoginRefused as exc:
        print(f"seminar-bot: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except MatrixConnectionError as exc:
        print(
            f"seminar-bot: cannot reach the Matrix homeserver at {settings.matrix_homeserver}: "
            f"{exc}",
            file=sys.stderr,
        )
        sys.exit(EXIT_UNAVAILABLE)
    except aiohttp.ClientConnectionError as exc:
        print(
            f"seminar-bot: cannot reach Discord at {settings.discord_api_base}: {exc}",
            file=sys.stderr,
        )
        sys.exit(EXIT_UNAVAILABLE)
    except KeyboardInterrupt:  # pragma: no cover - SIGINT before the loop installed handlers
        with contextlib.suppress(Exception):
            log.info("interrupted")


# -- `python -m bot console [--demo]`: the terminal front end (bot/console/) ---------


def console_main(argv: list[str]) -> None:
    """The seminar at a terminal: the same settings, database, services and reminder
    engine as the chat bots, no chat account; `--demo` uses a throwaway database."""
    from bot.console import app as console

    options = console.parse_arguments(argv)
    try:
        settings = load_settings(chat=False)
    except SettingsError as exc:
        print(f"seminar-bot: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    # Answers go to stdout; only warnings (and tracebacks of failures) to stderr.
    logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
    try:
        sys.exit(asyncio.run(run_console(settings, options)))
    except DatabaseUnusable as exc:  # one line naming the file and the problem
        print(f"seminar-bot: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C while a piped script runs: stop, as a shell would


async def run_console(settings: Settings, options: ConsoleOptions) -> int:
    from bot.console import app as console
    from bot.console.clock import ConsoleClock

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
                services.identities,
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
