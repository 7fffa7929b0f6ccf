"""`python -m bot.healthcheck`, the command Docker's HEALTHCHECK runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.healthcheck import check

ROOT = Path(__file__).resolve().parents[2]


def run_check(
    heartbeat: Path | None, interval: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HEARTBEAT_", "DISCORD_"))
    }
    # No token at all: the check must not need the bot's full settings.
    if heartbeat is not None:
        env["HEARTBEAT_PATH"] = str(heartbeat)
    if interval is not None:
        env["HEARTBEAT_INTERVAL_SECONDS"] = interval
    return subprocess.run(
        [sys.executable, "-m", "bot.healthcheck"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_fresh_heartbeat_is_healthy(tmp_path: Path) -> None:
    heartbeat = tmp_path / "beat"
    heartbeat.touch()
    result = run_check(heartbeat)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok:")


def test_stale_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    heartbeat = tmp_path / "beat"
    heartbeat.touch()
    age(heartbeat, 91)  # default interval 30 s, three of them tolerated
    result = run_check(heartbeat)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "last heartbeat" in lines[0]


def test_missing_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    result = run_check(tmp_path / "never-written")
    assert result.returncode == 1
    assert "no heartbeat file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_interval_setting_widens_the_window(tmp_path: Path) -> None:
    heartbeat = tmp_path / "beat"
    heartbeat.touch()
    age(heartbeat, 200)
    assert run_check(heartbeat, interval="100").returncode == 0
    assert run_check(heartbeat, interval="60").returncode == 1


def test_unset_path_is_unhealthy() -> None:
    result = run_check(None)
    assert result.returncode == 1
    assert "HEARTBEAT_PATH" in result.stderr


@pytest.mark.parametrize("interval", ["0", "-5", "soon", "nan", "inf"])
def test_bad_interval_is_unhealthy(tmp_path: Path, interval: str) -> None:
    heartbeat = tmp_path / "beat"
    heartbeat.touch()
    status, message = check(
        {"HEARTBEAT_PATH": str(heartbeat), "HEARTBEAT_INTERVAL_SECONDS": interval}, time.time()
    )
    assert status == 1
    assert "HEARTBEAT_INTERVAL_SECONDS" in message


def test_blank_values_mean_unset(tmp_path: Path) -> None:
    heartbeat = tmp_path / "beat"
    heartbeat.touch()
    now = heartbeat.stat().st_mtime
    assert check({"HEARTBEAT_PATH": " "}, now)[0] == 1
    env = {"HEARTBEAT_PATH": str(heartbeat), "HEARTBEAT_INTERVAL_SECONDS": ""}
    assert check(env, now + 89)[0] == 0
    assert check(env, now + 91)[0] == 1


def test_heartbeat_far_in_the_future_is_unhealthy(tmp_path: Path) -> None:
    heartbeat = tmp_path / "beat"
    heartbeat.touch()
    now = heartbeat.stat().st_mtime
    assert check({"HEARTBEAT_PATH": str(heartbeat)}, now - 5)[0] == 0
    assert check({"HEARTBEAT_PATH": str(heartbeat)}, now - 1000)[0] == 1
