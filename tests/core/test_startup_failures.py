"""`python -m bot` with a database or settings it cannot use: one line on stderr naming
the problem, exit code 2, and the process ends (no traceback, no hang) (issue 11, item 8).

Each case runs the real entry point as a subprocess, as the README and Docker start it;
the timeout is only a guard against the hang this used to be.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store.database import MigrationsMissing, bundled_migrations, load_migrations
from tests.childbot import bot_environment

ROOT = Path(__file__).resolve().parents[2]
EXIT_CONFIG = 2


def start_bot(workdir: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = bot_environment()
    env.update(
        {
            "DISCORD_TOKEN": "test-token",
            # Nothing listens there: a start that got past the database would fail
            # fast (and with another exit code) instead of reaching out to Discord.
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,  # no .env from the repository
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == EXIT_CONFIG, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("seminar-bot: ")
    return lines[0]


def test_a_corrupt_database_file(tmp_path: Path) -> None:
    database = tmp_path / "seminar.db"
    database.write_bytes(b"this is not an SQLite database\n" * 200)
    line = one_line(start_bot(tmp_path, DATABASE_PATH=str(database)))
    assert str(database) in line and "not a database" in line


def test_a_truncated_database_file(tmp_path: Path) -> None:
    import sqlite3

    database = tmp_path / "seminar.db"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 400)
    conn.close()
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 2])
    line = one_line(start_bot(tmp_path, DATABASE_PATH=str(database)))
    assert str(database) in line


def test_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root ignores the mode: sysfs takes no files
            folder = Path("/sys")
            if not folder.is_dir():
                pytest.skip("no read-only folder available to this user")
        line = one_line(start_bot(tmp_path, DATABASE_PATH=str(folder / "seminar.db")))
        assert str(folder / "seminar.db") in line and "unable to open" in line
    finally:
        (tmp_path / "readonly").chmod(0o755)


def test_dev_null(tmp_path: Path) -> None:
    line = one_line(start_bot(tmp_path, DATABASE_PATH="/dev/null"))
    assert "database /dev/null is not a regular file" in line
    assert "no transaction is active" not in line


def test_a_directory_as_the_database_path(tmp_path: Path) -> None:
    line = one_line(start_bot(tmp_path, DATABASE_PATH=str(tmp_path)))
    assert f"database {tmp_path} is a directory" in line


def test_a_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    line = one_line(start_bot(tmp_path, DATABASE_PATH=str(blocker / "data" / "seminar.db")))
    assert "cannot open database" in line


@pytest.mark.parametrize("token", ["   ", "\t \n"])
def test_a_blank_token_counts_as_unset(tmp_path: Path, token: str) -> None:
    line = one_line(start_bot(tmp_path, DISCORD_TOKEN=token, DATABASE_PATH=str(tmp_path / "s.db")))
    assert "missing setting DISCORD_TOKEN" in line
    assert not (tmp_path / "s.db").exists()


def test_blank_optional_settings_take_their_defaults(tmp_path: Path) -> None:
    # A blank LOG_LEVEL would otherwise be an invalid level; the database is the
    # problem that is reported, so everything before it was accepted.
    line = one_line(
        start_bot(tmp_path, LOG_LEVEL="  ", HEARTBEAT_PATH=" ", DATABASE_PATH=str(tmp_path))
    )
    assert "is a directory" in line


def test_empty_migrations_are_an_error(tmp_path: Path) -> None:
    # A `migrations` package without any .sql file, found first on the path (the
    # working directory), stands in for an install that lost them.
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "__init__.py").write_text("")
    line = one_line(start_bot(tmp_path, DATABASE_PATH=str(tmp_path / "s.db")))
    assert "no migrations found" in line
    assert not (tmp_path / "s.db").exists()


def test_the_migrations_ship_with_the_package() -> None:
    names = [name for _, name, _ in load_migrations(bundled_migrations())]
    assert names[0] == "0001_initial.sql"
    assert names == sorted(names)


def test_a_missing_migrations_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MigrationsMissing, match="cannot read the migrations"):
        load_migrations(tmp_path / "nowhere")
    with pytest.raises(MigrationsMissing, match="no migrations found"):
        load_migrations(tmp_path)


def test_an_env_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"DISCORD_TOKEN=\xff\xfe-secret\n")
    env_token = {"DISCORD_TOKEN": ""}  # blank: the .env file is where it would come from
    line = one_line(start_bot(tmp_path, **env_token))
    assert "cannot read the .env file" in line and "secret" not in line


def test_the_terminal_front_end_fails_the_same_way(tmp_path: Path) -> None:
    line = one_line(start_bot(tmp_path, "console", DATABASE_PATH=str(tmp_path)))
    assert f"database {tmp_path} is a directory" in line
