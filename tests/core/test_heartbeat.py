"""The health-check file follows every front end of the process, not just one: a Matrix
sync that hangs while Discord stays connected must turn the container unhealthy."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.core.models import Platform
from bot.healthcheck import TOLERATED_INTERVALS
from bot.heartbeat import Heartbeat

INTERVAL = 30.0


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def database_answers() -> int:
    return 1


async def database_down() -> int:
    raise OSError("disk I/O error")


def heartbeat(
    path: Path,
    clock: Monotonic,
    *platforms: Platform,
    probe: Callable[[], Awaitable[int]] = database_answers,
) -> Heartbeat:
    return Heartbeat(path, INTERVAL, platforms, probe=probe, monotonic=clock)


async def test_the_file_is_touched_once_every_front_end_has_reported(tmp_path: Path) -> None:
    path, clock = tmp_path / "heartbeat", Monotonic()
    beat = heartbeat(path, clock, Platform.DISCORD, Platform.MATRIX)

    await beat.beat(Platform.DISCORD)
    assert not path.exists()  # Matrix has not synced yet
    await beat.beat(Platform.MATRIX)
    assert path.exists()


async def test_a_silent_front_end_stops_the_other_keeping_the_bot_healthy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, clock = tmp_path / "heartbeat", Monotonic()
    beat = heartbeat(path, clock, Platform.DISCORD, Platform.MATRIX)
    await beat.beat(Platform.MATRIX)
    await beat.beat(Platform.DISCORD)
    path.unlink()

    # Matrix's sync hangs; Discord keeps reporting every interval.
    for _ in range(TOLERATED_INTERVALS):
        clock.now += INTERVAL
        await beat.beat(Platform.DISCORD)
    assert path.exists()  # still within what the health check tolerates
    path.unlink()
    with caplog.at_level(logging.WARNING, logger="bot.heartbeat"):
        for _ in range(3):
            clock.now += INTERVAL
            await beat.beat(Platform.DISCORD)

    assert not path.exists()
    assert [r.getMessage() for r in caplog.records] == ["heartbeat withheld: no report from matrix"]
    await beat.beat(Platform.MATRIX)  # syncing again
    assert path.exists()


async def test_the_file_is_not_touched_while_the_database_does_not_answer(
    tmp_path: Path,
) -> None:
    path, clock = tmp_path / "heartbeat", Monotonic()
    beat = heartbeat(path, clock, Platform.MATRIX, probe=database_down)

    await beat.beat(Platform.MATRIX)

    assert not path.exists()


async def test_a_file_left_by_the_previous_run_is_removed_at_start(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    path.touch()

    await heartbeat(path, Monotonic(), Platform.DISCORD).reset()

    assert not path.exists()
