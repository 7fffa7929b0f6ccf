"""The Discord front end: the discord.py bot (command sync, the one error handler, the
heartbeat) and its Outbox, as built by the composition root in bot/__main__.py."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import DomainError
from bot.core.models import Platform
from bot.core.services import Services
from bot.discord.outbox import DiscordNotifier
from bot.discord.scheduled_events import EventSync
from bot.discord.ui import answer as _answer
from bot.discord.ui import apologise, mention, when
from bot.heartbeat import Heartbeat
from bot.settings import Settings

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.seminar",
    "cogs.registration",
    "cogs.papers",
    "cogs.prefs",
    "cogs.officehours",
    "cogs.reminders",
    "cogs.submit",
    "cogs.calendar",
    "cogs.mydata",
    "cogs.assignment",
    "cogs.talks",
    "cogs.attend",
    "cogs.admin",
)


class NotOrganiser(app_commands.CheckFailure):
    """Raised by the organiser check; answered with a fixed message."""


class SeminarTree(app_commands.CommandTree["SeminarBot"]):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Commands are registered guild-only, but a client can still send one
        # from a DM (or an old cached command); the seminar lives in a server.
        if interaction.guild_id is None:
            if interaction.type is discord.InteractionType.application_command:
                await interaction.response.send_message(
                    "Please use seminar commands in the seminar's server, not in DMs.",
                    ephemeral=True,
                )
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(original, DomainError):
            await _answer(interaction, original.render(when, mention))
            return
        if isinstance(error, NotOrganiser):
            await _answer(interaction, str(error))
            return
        if isinstance(error, app_commands.CheckFailure):
            await _answer(interaction, "You cannot use this command here.")
            return
        command = interaction.command.qualified_name if interaction.command else "?"
        await apologise(interaction, original, f"/{command}")


class SeminarBot(commands.Bot):
    def __init__(
        self, settings: Settings, services: Services, heartbeat: Heartbeat | None = None
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = False
        intents.members = False
        intents.presences = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=SeminarTree,
            # User text in any reply can never ping anyone; a role ping is opted
            # into per message where an organiser asked for it.
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.settings = settings
        self.services = services
        self.heartbeat = heartbeat
        self._heartbeat_task: asyncio.Task[None] | None = None
        self.event_sync = EventSync(
            self, self.http, services.office_hour_events, services.block_day_events
        )

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.settings.dev_guild_id is not None:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d application commands", len(synced))
        if self.heartbeat is not None:
            self._heartbeat_task = asyncio.create_task(
                self._heartbeat(self.heartbeat.interval_seconds), name="heartbeat"
            )

    async def on_ready(self) -> None:
        log.info("connected as %s to %d server(s)", self.user, len(self.guilds))
        await self._beat()
        # Guild permissions are known only now; events skipped at start catch up.
        await self.event_sync.sync()

    async def close(self) -> None:
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
        await super().close()

    async def _heartbeat(self, interval_seconds: float) -> None:
        """Report alive while connected (for the container's health check)."""
        while True:
            await self._beat()
            await asyncio.sleep(interval_seconds)

    async def _beat(self) -> None:
        if self.heartbeat is not None and self.is_ready() and not self.is_closed():
            await self.heartbeat.beat(Platform.DISCORD)


class DiscordFrontEnd:
    """The bot plus the Outbox the reminder engine delivers Discord notices through."""

    platform = Platform.DISCORD

    def __init__(
        self, settings: Settings, services: Services, heartbeat: Heartbeat | None = None
    ) -> None:
        assert settings.discord_token is not None
        self._token = settings.discord_token
        self.bot = SeminarBot(settings, services, heartbeat)
        self.outbox = DiscordNotifier(self.bot.http, services.identities)

    async def start(self) -> None:
        """Log in (and sync commands): from here on the Outbox can send."""
        await self.bot.login(self._token.get_secret_value())

    async def serve(self) -> None:
        """Stay connected to the gateway until `close()`."""
        await self.bot.connect()

    async def close(self, grace: float) -> None:
        """An answer in hand is lost with the gateway either way; nothing to wait for."""
        await self.bot.close()

    async def after_rebuild(self) -> None:
        """Mirror the next office hours and block days as Discord scheduled events."""
        await self.bot.event_sync.sync()
