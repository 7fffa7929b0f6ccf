"""Builders shared by the tier-1 and tier-2 tests: a seminar, papers, participants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.core.models import Deadline, Paper, PaperFields, Seminar
from bot.core.services import Services
from bot.store import audit, participants
from bot.store.database import Database, load_migrations

GUILD = 1001
OTHER_GUILD = 1002
ORGANISER = 9
TITLE = "Theoretical Advances in Deep Learning"
CONTACT = "tadl@example.org"


async def make_seminar(services: Services, guild_id: int = GUILD, **options: Any) -> Seminar:
    values: dict[str, Any] = {"title": TITLE, "term": "Winter 2026/27", "contact": CONTACT}
    values.update(options)
    return (await services.seminars.setup(guild_id, ORGANISER, **values)).seminar


async def add_paper(
    services: Services, code: str, title: str | None = None, guild_id: int = GUILD, **fields: Any
) -> Paper:
    values: dict[str, Any] = {
        "code": code,
        "title": title or f"A paper called {code}",
        "authors": "",
        "venue": "",
        "url": "",
        "arxiv": "",
        "topic": "",
        "capacity": 1,
    }
    values.update(fields)
    return await services.papers.add(guild_id, ORGANISER, PaperFields(**values))


async def join_all(services: Services, *user_ids: int, guild_id: int = GUILD) -> None:
    for user_id in user_ids:
        await services.registration.join(guild_id, user_id, f"student {user_id}")


async def ranking_codes(services: Services, user_id: int, guild_id: int = GUILD) -> list[str]:
    """What is stored for `user_id`, read straight from the store."""
    seminar = await services.seminars.seminar(guild_id)
    found = await participants.get(services.db, seminar.id, user_id)
    assert found is not None
    return [paper.code for paper in await participants.ranking(services.db, found.id)]


async def audit_actions(services: Services, guild_id: int = GUILD) -> list[str]:
    """Audit log actions, oldest first."""
    return [row["action"] for row in reversed(await audit.recent(services.db, guild_id, 1000))]


async def deadline(services: Services, kind: str, guild_id: int = GUILD) -> Deadline:
    return await services.deadlines.get(guild_id, kind)


async def open_at_version(path: Path, version: int) -> Database:
    """The database at `path` migrated only up to `version`: what an older bot left.
    The migrations up to it are copied beside the file."""
    older = path.parent / f"migrations-upto-{version}"
    older.mkdir(exist_ok=True)
    for number, name, sql in load_migrations(Path("migrations")):
        if number <= version:
            (older / name).write_text(sql, encoding="utf-8")
    return await Database.open(path, older)
