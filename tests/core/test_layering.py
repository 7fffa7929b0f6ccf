"""The layering rule: bot/core and bot/store never import discord (nor what sits above them)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOWER_LAYERS = ("bot/core", "bot/store")
# discord itself, and the modules above the core that import it or depend on it.
FORBIDDEN = (
    "discord",
    "cogs",
    "bot.app",
    "bot.ui",
    "bot.notifier",
    "bot.scheduler",
    "bot.__main__",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module an `import`/`from … import` statement names, relative ones resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".")
                if not is_package:
                    package.pop()
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            # `from bot import app` imports the module bot.app
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            found.add(node.args[0].value)
    return found


def _dynamic_import(call: ast.Call) -> bool:
    """`__import__("x")` or `importlib.import_module("x")` with a literal name."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return (
        name in {"__import__", "import_module"}
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    )


def forbidden_in(names: set[str]) -> set[str]:
    return {
        name for name in names for bad in FORBIDDEN if name == bad or name.startswith(bad + ".")
    }


def lower_layer_files() -> list[Path]:
    return sorted(path for layer in LOWER_LAYERS for path in (ROOT / layer).rglob("*.py"))


def test_there_are_files_to_check() -> None:
    names = {path.name for path in lower_layer_files()}
    assert {"services.py", "timeutil.py", "database.py", "participants.py"} <= names


@pytest.mark.parametrize("path", lower_layer_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_core_and_store_do_not_import_discord(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    names = imported_modules(source, module_name(path), is_package=path.name == "__init__.py")
    assert not forbidden_in(names), (
        f"{path.relative_to(ROOT)} imports {sorted(forbidden_in(names))}; bot/core and "
        "bot/store must stay free of discord (see DESIGN.md, Layers)"
    )


@pytest.mark.parametrize(
    "source",
    [
        "import discord",
        "import discord.ext.commands as c",
        "from discord import app_commands",
        "from discord.ext import commands",
        "def f():\n    import discord\n",
        "if TYPE_CHECKING:\n    from bot.app import SeminarBot\n",
        "from bot import ui",
        "from .. import app",
        "from ..ui import when",
        "import importlib\nimportlib.import_module('discord')",
        "__import__('discord')",
        "from cogs.common import services_of",
    ],
)
def test_the_checker_sees_every_way_of_importing(source: str) -> None:
    assert forbidden_in(imported_modules(source, "bot.core.example"))


@pytest.mark.parametrize(
    "source",
    ["import discordant", "from bot.core import errors", "from . import text", "x = 'discord'"],
)
def test_the_checker_has_no_false_alarms(source: str) -> None:
    assert not forbidden_in(imported_modules(source, "bot.core.example"))


def test_importing_every_core_and_store_module_does_not_load_discord() -> None:
    """The transitive check: a fresh interpreter imports them all, discord stays unloaded."""
    modules = [module_name(path) for path in lower_layer_files()]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'discord' or m.startswith('discord.'))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
