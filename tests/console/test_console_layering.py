"""The terminal is a front end: no SQL, no chat platform, no copy of the command layer."""

from __future__ import annotations

from pathlib import Path

from tests.core.test_layering import imported_modules, module_name

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = sorted((ROOT / "bot" / "console").rglob("*.py"))
FORBIDDEN = (
    "bot.store",
    "discord",
    "cogs",
    "bot.discord.client",
    "bot.discord.ui",
    "bot.discord.outbox",
    "mautrix",
)


def test_the_console_imports_no_store_and_no_chat_platform() -> None:
    assert len(CONSOLE) >= 5
    found = {}
    for path in CONSOLE:
        names = imported_modules(
            path.read_text(encoding="utf-8"),
            module_name(path),
            is_package=path.name == "__init__.py",
        )
        bad = {n for n in names for f in FORBIDDEN if n == f or n.startswith(f + ".")}
        if bad:
            found[path.name] = sorted(bad)
    assert found == {}


def test_the_console_parses_commands_only_through_the_command_layer() -> None:
    for path in CONSOLE:
        text = path.read_text(encoding="utf-8")
        # The one table and parser live in bot/commands; the console only asks them.
        assert "Command(" not in text, path.name
        assert "_MARKER" not in text, path.name
