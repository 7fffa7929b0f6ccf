"""Tier-2 fixtures: the real bot object, its cogs and services on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.models import Seminar
from bot.core.services import Services
from bot.discord.client import EXTENSIONS, SeminarBot
from bot.settings import Settings
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.helpers import make_seminar


@pytest.fixture
def services(db: Database, clock: FakeClock) -> Services:
    return Services.build(db, clock)


@pytest.fixture
async def bot(services: Services) -> AsyncIterator[SeminarBot]:
    """The bot as `setup_hook` builds it, without logging in or syncing."""
    settings = Settings(discord_token="test-token", _env_file=None)  # type: ignore[call-arg]
    seminar_bot = SeminarBot(settings, services)
    for extension in EXTENSIONS:
        await seminar_bot.load_extension(extension)
    try:
        yield seminar_bot
    finally:
        await seminar_bot.close()


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    return await make_seminar(services, capacity=3)
