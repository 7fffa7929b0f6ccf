"""SQL for the paper catalogue."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from types import MappingProxyType
from typing import TypeVar

from bot.core.models import Paper, PaperFields
from bot.store.database import Database, Row, Transaction
from bot.store.reader import Reader

T = TypeVar("T")

_COLUMNS = "id, seminar_id, code, title, authors, venue, url, arxiv, topic, capacity, position"


def _paper(row: Row) -> Paper:
    return Paper(**{key: row[key] for key in row.keys()})  # noqa: SIM118 - sqlite3.Row


async def list_all(db: Reader, seminar_id: int, topic: str | None = None) -> list[Paper]:
    if topic:
        rows = await db.fetch_all(
            f"SELECT {_COLUMNS} FROM papers WHERE seminar_id = ? AND topic = ? COLLATE NOCASE "
            "ORDER BY position",
            (seminar_id, topic),
        )
    else:
        rows = await db.fetch_all(
            f"SELECT {_COLUMNS} FROM papers WHERE seminar_id = ? ORDER BY position",
            (seminar_id,),
        )
    return [_paper(row) for row in rows]


# SQLite's NOCASE folds ASCII letters only; the in-memory filter does the same.
_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def folded_topic(topic: str) -> str:
    """A topic as the catalogue compares topics (SQLite's NOCASE): equal ones are one topic."""
    return topic.translate(_ASCII_FOLD)


async def catalogue(db: Database, seminar_id: int) -> tuple[Paper, ...]:
    """Every paper in catalogue order, from memory until the papers table changes."""

    async def load() -> tuple[Paper, ...]:
        return tuple(await list_all(db, seminar_id))

    return await db.cached(("catalogue", seminar_id), ("papers",), load)


async def catalogue_index(db: Database, seminar_id: int) -> Mapping[str, Paper]:
    """Code -> paper, from memory until the papers table changes."""

    async def load() -> Mapping[str, Paper]:
        return MappingProxyType({paper.code: paper for paper in await list_all(db, seminar_id)})

    return await db.cached(("catalogue-index", seminar_id), ("papers",), load)


async def browse(db: Database, seminar_id: int, topic: str | None = None) -> list[Paper]:
    """`list_all` served from the cached catalogue."""
    return list(_on_topic(await catalogue(db, seminar_id), topic))


def _on_topic(papers: tuple[Paper, ...], topic: str | None) -> tuple[Paper, ...]:
    if not topic:
        return papers
    wanted = folded_topic(topic)
    return tuple(paper for paper in papers if folded_topic(paper.topic) == wanted)


async def rendered(
    db: Database,
    seminar_id: int,
    topic: str | None,
    key: Hashable,
    render: Callable[[Sequence[Paper]], T],
) -> T | None:
    """`render(browse(...))`, from memory until the papers table changes; None if
    `browse` finds nothing. `key` names the rendering: equal keys must render alike.

    Kept per topic as SQLite compares it (ASCII case folded), and only for a topic
    some paper has, so what a student types cannot grow the memory. The whole
    catalogue (the usual /papers) is one lookup in memory."""
    if topic and not _on_topic(await catalogue(db, seminar_id), topic):
        return None
    folded = folded_topic(topic) if topic else None

    async def load() -> T | None:
        # Read again inside `cached`, which keeps nothing that a concurrent write changed.
        found = _on_topic(await catalogue(db, seminar_id), topic)
        return render(found) if found else None

    return await db.cached(("catalogue-rendered", seminar_id, folded, key), ("papers",), load)


async def by_code(db: Reader, seminar_id: int, code: str) -> Paper | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM papers WHERE seminar_id = ? AND code = ?",
        (seminar_id, code.strip().lower()),
    )
    return None if row is None else _paper(row)


async def by_id(db: Reader, paper_id: int) -> Paper | None:
    row = await db.fetch_one(f"SELECT {_COLUMNS} FROM papers WHERE id = ?", (paper_id,))
    return None if row is None else _paper(row)


async def search(db: Reader, seminar_id: int, query: str, limit: int) -> list[Paper]:
    """Papers whose code or title contains `query`, code-prefix matches first."""
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    prefix = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await db.fetch_all(
        f"SELECT {_COLUMNS} FROM papers WHERE seminar_id = ? "
        "AND (code LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\') "
        "ORDER BY (code LIKE ? ESCAPE '\\') DESC, position LIMIT ?",
        (seminar_id, pattern, pattern, prefix, limit),
    )
    return [_paper(row) for row in rows]


async def topics(db: Reader, seminar_id: int) -> list[str]:
    rows = await db.fetch_all(
        "SELECT topic FROM papers WHERE seminar_id = ? AND topic != '' "
        "GROUP BY topic ORDER BY min(position)",
        (seminar_id,),
    )
    return [row["topic"] for row in rows]


async def insert(tx: Transaction, seminar_id: int, fields: PaperFields, now: int) -> int:
    position = await tx.fetch_value(
        "SELECT coalesce(max(position), 0) + 1 FROM papers WHERE seminar_id = ?", (seminar_id,)
    )
    return await tx.execute(
        "INSERT INTO papers (code, title, authors, venue, url, arxiv, topic, capacity, "
        "seminar_id, position, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (*_values(fields), seminar_id, position, now, now),
    )


async def update(tx: Transaction, paper_id: int, fields: PaperFields, now: int) -> None:
    await tx.execute(
        "UPDATE papers SET code = ?, title = ?, authors = ?, venue = ?, url = ?, arxiv = ?, "
        "topic = ?, capacity = ?, updated_at = ? WHERE id = ?",
        (*_values(fields), now, paper_id),
    )


def _values(fields: PaperFields) -> tuple[str | int, ...]:
    """The editable columns, in the order both INSERT and UPDATE list them."""
    return (
        fields.code,
        fields.title,
        fields.authors,
        fields.venue,
        fields.url,
        fields.arxiv,
        fields.topic,
        fields.capacity,
    )


async def delete(tx: Transaction, paper_id: int) -> None:
    await tx.execute("DELETE FROM papers WHERE id = ?", (paper_id,))


async def count(db: Reader, seminar_id: int) -> int:
    return int(
        await db.fetch_value("SELECT count(*) FROM papers WHERE seminar_id = ?", (seminar_id,))
    )


async def ranked_by(db: Reader, paper_id: int) -> int:
    """How many participants have this paper in their ranking."""
    return int(
        await db.fetch_value("SELECT count(*) FROM preferences WHERE paper_id = ?", (paper_id,))
    )
