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
    "bot.discord",
    "bot.matrix",
    "bot.console",
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
            # `from bot import app` imports the module bot.discord.client
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
        "if TYPE_CHECKING:\n    from bot.discord.client import SeminarBot\n",
        "from bot import discord",
        "from bot.discord import ui",
        "from ..discord import client",
        "from ..discord.ui import when",
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


# -- the whole contract (DESIGN.md, Layers) ---------------------------------------------

# Everything that talks to people: it asks the services, never the store.
FRONT_ENDS = (
    "cogs",
    "bot/commands",
    "bot/matrix",
    "bot/console",
    "bot/discord",
    "bot/frontend.py",
    "bot/healthcheck.py",
)
STORE_MAY_IMPORT = ("bot.store", "bot.core.models", "bot.core.errors")


def files_under(*places: str) -> list[Path]:
    found: list[Path] = []
    for place in places:
        path = ROOT / place
        if path.is_dir():
            found.extend(sorted(path.rglob("*.py")))
        elif path.exists():
            found.append(path)
    return found


def ours(path: Path) -> set[str]:
    """The modules of this project (bot, cogs, migrations) that `path` imports."""
    names = imported_modules(
        path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py"
    )
    return {n for n in names if n.split(".")[0] in {"bot", "cogs", "migrations"}}


@pytest.mark.parametrize(
    "path", files_under(*FRONT_ENDS), ids=lambda path: str(path.relative_to(ROOT))
)
def test_front_ends_never_import_the_store(path: Path) -> None:
    store = {n for n in ours(path) if n == "bot.store" or n.startswith("bot.store.")}
    assert not store, f"{path.relative_to(ROOT)} imports {sorted(store)}: ask a service instead"


@pytest.mark.parametrize(
    "path", files_under("bot/store"), ids=lambda path: str(path.relative_to(ROOT))
)
def test_the_store_imports_only_core_models_and_errors(path: Path) -> None:
    allowed = ("bot", *STORE_MAY_IMPORT)  # `from bot.core import models` names bot.core too
    extra = {
        n
        for n in ours(path)
        if not any(n == a or n.startswith(a + ".") for a in STORE_MAY_IMPORT)
        and n not in {"bot", "bot.core"}
    }
    assert not extra, f"{path.relative_to(ROOT)} imports {sorted(extra)}; allowed: {allowed}"


def test_models_import_nothing_of_ours() -> None:
    assert ours(ROOT / "bot/core/models.py") == set()


def test_every_front_end_place_is_checked() -> None:
    assert {"cogs", "bot/commands", "bot/discord", "bot/console"} <= {
        place for place in FRONT_ENDS if (ROOT / place).exists()
    }
