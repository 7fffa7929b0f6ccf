"""Command-layer fixtures: the real services on a real SQLite file, typed commands."""

from __future__ import annotations

import pytest

from bot.commands.context import Limits
from bot.commands.layer import CommandLayer
from bot.core.models import Platform
from bot.core.services import Services
from bot.store.database import Database
from tests.clock import FakeClock
from tests.commands.helpers import Session


@pytest.fixture
def services(db: Database, clock: FakeClock) -> Services:
    return Services.build(db, clock)


@pytest.fixture
def layer(services: Services) -> CommandLayer:
    return CommandLayer(services, Limits(max_upload_bytes=1_000_000, download_timeout_seconds=5))


@pytest.fixture
async def session(layer: CommandLayer, clock: FakeClock, services: Services) -> Session:
    return await Session(layer, clock, services).begin(Platform.CONSOLE)
