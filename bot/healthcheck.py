"""`python -m bot.healthcheck`: exit 0 while the bot's heartbeat file is fresh, else 1.

The bot touches `HEARTBEAT_PATH` every `HEARTBEAT_INTERVAL_SECONDS` while every front
end it runs (Discord, Matrix) reports alive and the database answers
(`bot/heartbeat.py`). This
check is what Docker's HEALTHCHECK runs: the file must exist and be younger than
three intervals, so one slow round is tolerated and a hung bot is not.

It reads those two variables straight from the environment and imports nothing
but the standard library, so it starts fast and works without a valid
DISCORD_TOKEN (the full settings would refuse to load without one).
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

DEFAULT_INTERVAL_SECONDS = 30.0
# How many intervals may pass without a touch before the bot counts as unhealthy.
TOLERATED_INTERVALS = 3

OK = 0
UNHEALTHY = 1


def check(env: Mapping[str, str], now: float) -> tuple[int, str]:
    """The exit status and the one line explaining it."""
    # Like the settings, a variable left blank counts as not set.
    raw_path = env.get("HEARTBEAT_PATH", "").strip()
    if not raw_path:
        return UNHEALTHY, "unhealthy: HEARTBEAT_PATH is not set, so there is no heartbeat to check"
    raw_interval = env.get("HEARTBEAT_INTERVAL_SECONDS", "").strip()
    if raw_interval:
        try:
            interval = float(raw_interval)
        except ValueError:
            interval = math.nan
        if not math.isfinite(interval) or interval <= 0:
            return UNHEALTHY, "unhealthy: HEARTBEAT_INTERVAL_SECONDS must be a number above 0"
    else:
        interval = DEFAULT_INTERVAL_SECONDS
    limit = TOLERATED_INTERVALS * interval
    path = Path(raw_path)
    try:
        modified = path.stat().st_mtime
    except FileNotFoundError:
        return UNHEALTHY, f"unhealthy: no heartbeat file at {path} (not connected yet?)"
    except OSError as exc:
        return UNHEALTHY, f"unhealthy: cannot read heartbeat file {path}: {exc.strerror}"
    age = now - modified
    if age > limit:
        return (
            UNHEALTHY,
            f"unhealthy: last heartbeat {age:.0f}s ago, more than {limit:.0f}s "
            f"({TOLERATED_INTERVALS} × {interval:g}s)",
        )
    if age < -limit:
        # A time far in the future would otherwise look fresh for ever.
        return UNHEALTHY, f"unhealthy: heartbeat file {path} is dated {-age:.0f}s in the future"
    return OK, f"ok: last heartbeat {max(age, 0.0):.0f}s ago"


def main() -> None:
    status, message = check(os.environ, time.time())
    print(message, file=sys.stdout if status == OK else sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    main()
