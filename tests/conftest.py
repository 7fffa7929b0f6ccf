"""Shared fixtures: a real SQLite file per test and a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bot.store.database import Database
from tests.clock import FakeClock

# No property test may fail for being slow: the suite runs on busy 2-core machines, and a
# per-example deadline is a hidden wall-clock assertion.
settings.register_profile(
    "seminar-bot", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("seminar-bot")


@pytest.fixture
def clock() -> FakeClock:
    # 2026-10-01 10:00 UTC: the reference seminar's preference phase.
    return FakeClock(1_790_848_800)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "seminar.db")
    try:
        yield database
    finally:
        await database.close()
