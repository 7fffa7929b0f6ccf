"""The command layer sits between the core and the front ends: no discord, no store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_layering import ROOT, forbidden_in, imported_modules, module_name

FILES = sorted((ROOT / "bot" / "commands").rglob("*.py"))


def test_there_are_files_to_check() -> None:
    assert {"spec.py", "parse.py", "layer.py", "context.py"} <= {path.name for path in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_command_layer_imports_neither_discord_nor_the_store(path: Path) -> None:
    names = imported_modules(
        path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py"
    )
    bad = forbidden_in(names) | {n for n in names if n == "bot.store" or n.startswith("bot.store.")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_importing_the_command_layer_does_not_load_discord() -> None:
    script = (
        "import sys, bot.commands.layer, bot.commands.plain\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'discord')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
