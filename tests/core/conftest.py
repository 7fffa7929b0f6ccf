"""Tier-1 fixtures: the real services on a real SQLite file, steered by a fake clock."""

from __future__ import annotations

import pytest

from bot.core.models import Seminar
from bot.core.services import Services
from bot.store.database import Database
from tests.clock import FakeClock
from tests.core.helpers import make_seminar


@pytest.fixture
def services(db: Database, clock: FakeClock) -> Services:
    return Services.build(db, clock)


@pytest.fixture
async def seminar(services: Services) -> Seminar:
    """The reference seminar with room for three students (so the waitlist is near)."""
    return await make_seminar(services, capacity=3)
