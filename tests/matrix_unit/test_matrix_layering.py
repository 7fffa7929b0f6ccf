"""bot/matrix is a front end: no store, no Discord; nothing below it knows Matrix."""

from __future__ import annotations

from tests.core.test_layering import ROOT, imported_modules, module_name


def imports_of(folder: str) -> dict[str, set[str]]:
    found = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        module = module_name(path)
        found[module] = imported_modules(
            path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"
        )
    return found


def offending(imports: dict[str, set[str]], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in imports.items()
        for name in names
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


def test_the_matrix_front_end_imports_no_store_and_no_discord() -> None:
    imports = imports_of("bot/matrix")
    assert imports, "bot/matrix not found"
    assert offending(imports, ("bot.store", "discord", "cogs", "bot.discord", "bot.console")) == []


def test_nothing_below_the_front_ends_imports_matrix() -> None:
    for folder in ("bot/core", "bot/store", "bot/commands", "bot/discord", "bot/console"):
        assert offending(imports_of(folder), ("mautrix", "bot.matrix")) == [], folder
