"""Accounts and places keyed by platform (migration 0006 and IdentityService)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import InvalidInput
from bot.core.models import Platform
from bot.core.services import Services
from bot.store.database import Database
from tests.core.helpers import ORGANISER, TITLE, open_at_version


async def test_a_discord_user_keeps_the_snowflake_and_others_get_negative_ids(
    services: Services,
) -> None:
    ids = services.identities
    assert await ids.account(Platform.DISCORD, "1577523159244996610") == 1577523159244996610
    alice = await ids.account(Platform.MATRIX, "@alice:uni.example")
    bob = await ids.account(Platform.MATRIX, "@bob:uni.example")
    console = await ids.account(Platform.CONSOLE, "alice")
    assert alice < 0 and bob < 0 and console < 0
    assert len({alice, bob, console}) == 3
    assert await ids.account(Platform.MATRIX, "@alice:uni.example") == alice
    assert await ids.external_account(alice) == (Platform.MATRIX, "@alice:uni.example")
    assert await ids.external_account(console) == (Platform.CONSOLE, "alice")
    # A Discord id the bot never stored is still its own snowflake.
    assert await ids.external_account(42) == (Platform.DISCORD, "42")
    assert await ids.external_account(-999) is None


async def test_a_matrix_room_seminar_posts_to_its_own_room(services: Services) -> None:
    room = await services.identities.place(Platform.MATRIX, "!abc:uni.example")
    assert room < 0
    seminar = (await services.seminars.setup(room, ORGANISER, title=TITLE)).seminar
    assert seminar.platform is Platform.MATRIX
    assert seminar.channel_id == room
    assert await services.identities.external_place(room) == (Platform.MATRIX, "!abc:uni.example")


async def test_a_reader_chooses_their_own_timezone(services: Services) -> None:
    alice = await services.identities.account(Platform.MATRIX, "@alice:uni.example")
    assert await services.identities.timezone(alice) is None
    assert await services.identities.set_timezone(alice, "Europe/Lisbon") == "Europe/Lisbon"
    assert await services.identities.timezone(alice) == "Europe/Lisbon"
    with pytest.raises(InvalidInput, match="not a known timezone"):
        await services.identities.set_timezone(alice, "Mars/Olympus")
    assert await services.identities.timezone(alice) == "Europe/Lisbon"


async def test_an_existing_discord_database_keeps_every_row(tmp_path: Path) -> None:
    """A database of the Discord-only version migrates without rewriting a row."""
    path = tmp_path / "old.db"
    old = await open_at_version(path, 5)
    async with old.transaction() as tx:
        await tx.execute(
            "INSERT INTO seminars (guild_id, title, channel_id, created_at, updated_at) "
            "VALUES (1001, 'T', 5000, 0, 0)"
        )
        await tx.execute(
            "INSERT INTO participants (seminar_id, user_id, status, joined_at, queue_seq) "
            "VALUES (1, 1577523159244996610, 'registered', 0, 1)"
        )
    await old.close()

    db = await Database.open(path)
    try:
        assert await db.fetch_value("SELECT platform FROM seminars") == "discord"
        assert await db.fetch_value("SELECT user_id FROM participants") == 1577523159244996610
        accounts = await db.fetch_all("SELECT id, platform, external_id FROM accounts")
        assert [tuple(row) for row in accounts] == [
            (1577523159244996610, "discord", "1577523159244996610")
        ]
        places = await db.fetch_all("SELECT id, external_id FROM places ORDER BY id")
        assert [tuple(row) for row in places] == [(1001, "1001"), (5000, "5000")]
    finally:
        await db.close()


async def test_exports_name_each_account_on_its_own_platform(services: Services) -> None:
    room = await services.identities.place(Platform.MATRIX, "!abc:uni.example")
    await services.seminars.setup(room, ORGANISER, title=TITLE)
    alice = await services.identities.account(Platform.MATRIX, "@alice:uni.example")
    await services.registration.join(room, alice, "Alice")
    text = (await services.assignments.export_csv(room, "participants")).text
    header, row = text.splitlines()[:2]
    assert header.startswith("account,display_name,")
    assert row.startswith("'@alice:uni.example,Alice,")  # a leading @ is neutralised for Excel
