"""`python -m bot` with Matrix settings it cannot use: one line naming the setting, exit 2;
a homeserver that does not answer: exit 69 (worth a restart later). Secrets never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.test_startup_failures import one_line, start_bot

MATRIX_ONLY = {"DISCORD_TOKEN": ""}


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (
            {"MATRIX_HOMESERVER": "matrix.uni.example", "MATRIX_USER_ID": "@b:x"},
            "MATRIX_HOMESERVER",
        ),
        ({"MATRIX_HOMESERVER": "https://m.example", "MATRIX_USER_ID": "bot"}, "MATRIX_USER_ID"),
        ({"MATRIX_HOMESERVER": "https://m.example"}, "MATRIX_USER_ID"),
        ({"MATRIX_HOMESERVER": "https://m.example", "MATRIX_USER_ID": "@b:x"}, "MATRIX_PASSWORD"),
    ],
)
def test_bad_matrix_settings_are_one_line_naming_the_setting(
    tmp_path: Path, settings: dict[str, str], named: str
) -> None:
    env = {**MATRIX_ONLY, "DATABASE_PATH": str(tmp_path / "s.db"), **settings}
    if "MATRIX_PASSWORD" not in settings and named != "MATRIX_PASSWORD":
        env["MATRIX_PASSWORD"] = "hunter2-secret"
    line = one_line(start_bot(tmp_path, **env))
    assert named in line
    assert "hunter2-secret" not in line


def test_an_unreachable_homeserver_exits_69_without_a_traceback(tmp_path: Path) -> None:
    result = start_bot(
        tmp_path,
        **MATRIX_ONLY,
        DATABASE_PATH=str(tmp_path / "s.db"),
        MATRIX_HOMESERVER="http://127.0.0.1:9",
        MATRIX_USER_ID="@bot:localhost",
        MATRIX_PASSWORD="hunter2-secret",
    )
    assert result.returncode == 69, result.stderr
    assert "cannot reach the Matrix homeserver" in result.stderr
    assert "Traceback" not in result.stderr and "hunter2-secret" not in result.stderr
