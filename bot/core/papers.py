"""The paper catalogue: browse, add, edit, remove, import."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.core.base import Service
from bot.core.catalogue import (
    DerivedCode,
    RefusedRow,
    parse_catalogue,
    settle_codes,
    validate_paper,
)
from bot.core.errors import Conflict, InvalidInput, NotFound
from bot.core.models import Paper, PaperFields, Seminar
from bot.core.text import echo
from bot.store import assignments, audit, papers

AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 choices
T = TypeVar("T")


def topic_key(topic: str) -> str:
    """A short name for a topic, the same for every spelling the catalogue takes as that
    topic (12 hex digits): what a front end can keep where a topic's text does not fit
    (a button's id); `PaperService.topic_by_key` turns it back into the topic."""
    return hashlib.blake2s(papers.folded_topic(topic).encode(), digest_size=6).hexdigest()


@dataclass(frozen=True)
class ImportReport:
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    refused: list[RefusedRow]
    # BibTeX entry keys that are not valid codes, and the codes made from them.
    derived: list[DerivedCode] = dataclasses.field(default_factory=list)
    # CSV columns that are not catalogue fields and were skipped.
    ignored_columns: list[str] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class PaperRemoval:
    paper: Paper
    rankings_touched: int


class PaperService(Service):
    async def browse(self, guild_id: int | None, topic: str | None = None) -> list[Paper]:
        seminar = await self.seminar(guild_id)
        return await papers.browse(self.db, seminar.id, topic)

    async def rendered(
        self,
        guild_id: int | None,
        topic: str | None,
        key: Hashable,
        render: Callable[[Sequence[Paper]], T],
    ) -> T | None:
        """`render` over what `browse` finds, or None if it finds nothing.

        The rendering is kept until the catalogue changes, so a front end renders
        it once per change, not on every /papers. `key` names the rendering (equal
        keys must render alike); the topic's case is not part of it, so `render`
        must not show the topic as typed (add that to what it returns)."""
        seminar = await self.seminar(guild_id)
        return await papers.rendered(self.db, seminar.id, topic, key, render)

    async def topic_by_key(self, guild_id: int | None, key: str) -> str | None:
        """The topic (as the first paper in catalogue order spells it) whose `topic_key` is
        `key`; None if no paper has that topic any more."""
        seminar = await self.seminar(guild_id)
        spellings = dict.fromkeys(
            paper.topic for paper in await papers.catalogue(self.db, seminar.id) if paper.topic
        )
        return next((topic for topic in spellings if topic_key(topic) == key), None)

    async def topics(self, guild_id: int | None) -> list[str]:
        seminar = await self.seminar(guild_id)
        return await papers.topics(self.db, seminar.id)

    async def get(self, guild_id: int | None, code: str) -> Paper:
        seminar = await self.seminar(guild_id)
        return await self._get(seminar, code)

    async def suggest(self, guild_id: int | None, query: str) -> list[Paper]:
        """Autocomplete: code or title contains the query (max 25, cheap)."""
        seminar = await self.seminar(guild_id)
        return await papers.search(self.db, seminar.id, query.strip()[:100], AUTOCOMPLETE_LIMIT)

    async def add(self, guild_id: int | None, actor_id: int, fields: PaperFields) -> Paper:
        seminar = await self.seminar(guild_id)
        valid = validate_paper(fields)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if await papers.by_code(tx, seminar.id, valid.code) is not None:
                raise Conflict(
                    f"A paper with code `{valid.code}` already exists; use `/admin paper edit`."
                )
            await papers.insert(tx, seminar.id, valid, now)
            await audit.record(
                tx, seminar.guild_id, actor_id, "paper.add", dataclasses.asdict(valid), now
            )
            added = await papers.by_code(tx, seminar.id, valid.code)
        assert added is not None
        return added

    async def edit(
        self, guild_id: int | None, actor_id: int, code: str, changes: dict[str, Any]
    ) -> Paper:
        seminar = await self.seminar(guild_id)
        paper = await self._get(seminar, code)
        current = _fields_of(paper)
        given = {key: value for key, value in changes.items() if value is not None}
        if not given:
            raise InvalidInput("Nothing to change: give at least one field.")
        valid = validate_paper(dataclasses.replace(current, **given))
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if valid.code != paper.code and await papers.by_code(tx, seminar.id, valid.code):
                raise Conflict(f"Another paper already has the code `{valid.code}`.")
            await papers.update(tx, paper.id, valid, now)
            # Nested, so a new `code` among the changes cannot hide which paper it was.
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "paper.edit",
                {"code": paper.code, "changes": given},
                now,
            )
            edited = await papers.by_code(tx, seminar.id, valid.code)
        assert edited is not None
        return edited

    async def remove(self, guild_id: int | None, actor_id: int, code: str) -> PaperRemoval:
        seminar = await self.seminar(guild_id)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            paper = await papers.by_code(tx, seminar.id, code)
            if paper is None:
                raise NotFound(_unknown(code))
            presenters = await assignments.presenter_count(tx, paper.id)
            if presenters:
                raise Conflict(
                    f"`{paper.code}` is assigned to {presenters} student"
                    f"{'' if presenters == 1 else 's'} in the published assignment, so it "
                    "cannot be removed. Pin its presenters to other papers with "
                    "`/admin assign set`, re-run and publish first."
                )
            touched = await papers.ranked_by(tx, paper.id)
            await papers.delete(tx, paper.id)
            await audit.record(
                tx,
                seminar.guild_id,
                actor_id,
                "paper.remove",
                {"code": paper.code, "rankings_touched": touched},
                now,
            )
        return PaperRemoval(paper, touched)

    async def import_file(
        self, guild_id: int | None, actor_id: int, filename: str, data: bytes
    ) -> ImportReport:
        seminar = await self.seminar(guild_id)
        # Parsing a large file takes up to a second or so: keep the bot responsive.
        parsed = await asyncio.to_thread(parse_catalogue, filename, data)
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if parsed.derived:  # a derived code never takes over a different paper
                current = await papers.list_all(tx, seminar.id)
                parsed = settle_codes(parsed, {paper.code: _fields_of(paper) for paper in current})
            for fields in parsed.papers:
                existing = await papers.by_code(tx, seminar.id, fields.code)
                if existing is None:
                    await papers.insert(tx, seminar.id, fields, now)
                    added.append(fields.code)
                elif _fields_of(existing) == fields:
                    unchanged.append(fields.code)
                else:
                    await papers.update(tx, existing.id, fields, now)
                    updated.append(fields.code)
            if added or updated:
                detail: dict[str, object] = {
                    "file": filename,
                    "added": added,
                    "updated": updated,
                    "refused": len(parsed.refused),
                }
                if parsed.derived:  # where a code such as `weim19-2` came from
                    detail["derived"] = {code.code: code.key for code in parsed.derived}
                await audit.record(tx, seminar.guild_id, actor_id, "paper.import", detail, now)
        return ImportReport(
            added, updated, unchanged, parsed.refused, parsed.derived, parsed.ignored_columns
        )

    async def _get(self, seminar: Seminar, code: str) -> Paper:
        paper = await papers.by_code(self.db, seminar.id, code)
        if paper is None:
            raise NotFound(_unknown(code))
        return paper


def _fields_of(paper: Paper) -> PaperFields:
    return PaperFields(
        code=paper.code,
        title=paper.title,
        authors=paper.authors,
        venue=paper.venue,
        url=paper.url,
        arxiv=paper.arxiv,
        topic=paper.topic,
        capacity=paper.capacity,
    )


def _unknown(code: str) -> str:
    return f"There is no paper `{echo(code)}`. See `/papers`."
