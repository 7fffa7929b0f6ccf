"""Small helpers the end-to-end stories share: reading answers and writing catalogues."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from tests.fakediscord import FakeDiscord, InteractionResult

CATALOGUE_COLUMNS = ("code", "title", "authors", "venue", "url", "arxiv", "topic", "capacity")


def private(resp: InteractionResult) -> InteractionResult:
    """The answer, after checking that it is visible and only to the person who asked."""
    assert resp.messages, f"no visible answer: {resp!r}"
    assert resp.ephemeral, f"expected an ephemeral (private) answer: {resp!r}"
    return resp


def fields(resp: InteractionResult) -> dict[str, str]:
    """The answer's embed fields, name → value (a later embed's field of the same name wins)."""
    found: dict[str, str] = {}
    for embed in resp.embeds:
        for field in embed.get("fields") or []:
            found[field["name"]] = field["value"]
    return found


def catalogue_csv(rows: Iterable[Sequence[object]]) -> bytes:
    """A catalogue CSV upload: the full header, then one row per paper in column order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CATALOGUE_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


async def set_up_seminar(fake: FakeDiscord, **options: Any) -> InteractionResult:
    """`/admin setup` run by the organiser, posting to #announcements, with `options`."""
    return await fake.command(
        "admin setup",
        user=fake.organiser,
        channel=fake.announcements,
        organiser_role=fake.organiser_role,
        **options,
    )
