"""How tests and benchmarks start a bot process (`python -m bot`) of this checkout."""

from __future__ import annotations

import os
from pathlib import Path

from bot.settings import without_settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def bot_environment() -> dict[str, str]:
    """The shell's environment less every bot setting, with this checkout importable from
    any working directory; the caller adds the settings it means.

    Start the process in a folder of the test's own (`cwd=`): pydantic-settings reads
    `.env` from the working directory, and the `.env` a developer keeps in the checkout
    for `make run` must not configure the bot under test.
    """
    env = without_settings(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        path for path in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if path
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env
