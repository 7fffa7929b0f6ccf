"""A stop fits in one budget: the reminder engine and the front ends share it, so the
process is gone before Docker turns SIGTERM into SIGKILL (10 s by default)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import cast

import pytest

import bot.__main__ as composition
from bot.core.models import Platform
from bot.core.reminders.outbox import Outbox
from bot.frontend import FrontEnd
from bot.scheduler import ReminderScheduler

ENGINE_STOP_TAKES = 0.5


class SlowEngine:
    """Its sends in flight take ENGINE_STOP_TAKES seconds to finish."""

    def __init__(self) -> None:
        self.grace: float | None = None

    async def start(self) -> None:
        pass

    async def stop(self, grace: float) -> None:
        self.grace = grace
        await asyncio.sleep(ENGINE_STOP_TAKES)


class EndingFrontEnd:
    """Stops serving at once, as a front end whose connection is gone does."""

    platform = Platform.MATRIX

    def __init__(self) -> None:
        self.grace: float | None = None

    @property
    def outbox(self) -> Outbox:
        raise NotImplementedError

    async def start(self) -> None:
        pass

    async def serve(self) -> None:
        pass

    async def close(self, grace: float) -> None:
        self.grace = grace

    async def after_rebuild(self) -> None:
        pass


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """serve() tunes and freezes the process's collector; give this process its own back."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def test_the_front_ends_get_what_the_engine_left_of_one_budget(
    monkeypatch: pytest.MonkeyPatch, collector_restored: None
) -> None:
    monkeypatch.setattr(composition, "SHUTDOWN_BUDGET_SECONDS", 2.0)
    engine, front_end = SlowEngine(), EndingFrontEnd()

    await composition.serve([cast(FrontEnd, front_end)], cast(ReminderScheduler, engine))

    assert engine.grace is not None and engine.grace <= 2.0
    # Each with its own full grace, a stop could take twice the budget.
    assert front_end.grace is not None and front_end.grace <= 2.0 - ENGINE_STOP_TAKES
