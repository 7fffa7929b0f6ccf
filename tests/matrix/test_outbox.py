"""The Matrix outbox and front end in-process, against a real Synapse."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.models import Platform
from bot.core.reminders import DeliveryFailed, Notice
from bot.matrix.frontend import MatrixFrontEnd
from tests.matrix.conftest import UserFactory, front_end
from tests.synapse_harness import SynapseServer, joined


async def test_the_same_nonce_sends_once_and_dms_are_unencrypted_and_remembered(
    bot: MatrixFrontEnd, matrix_user: UserFactory
) -> None:
    alice = await matrix_user("alice")
    ids = bot.identities
    account = await ids.account(Platform.MATRIX, alice.user_id)
    notice = Notice("⏰ due {due} — @room", {"due": 1_900_000_000})
    await bot.outbox.direct(account, notice, nonce="n1")
    await bot.outbox.direct(account, notice, nonce="n1")  # a re-send after a crash
    await bot.outbox.direct(account, Notice("second"), nonce="n2")
    second = await alice.wait_for_text(contains="second")
    first = alice.find(lambda e: e.is_message and "due" in e.body)
    assert len(first) == 1, first
    assert first[0].room_id == second.room_id  # one DM room, remembered
    assert first[0].mentions == {} and "@room" not in first[0].body
    assert "(Europe/Berlin, in " in first[0].body
    assert alice.invites[second.room_id].is_direct
    encryption = await alice.request(
        "GET", f"/_matrix/client/v3/rooms/{second.room_id}/state", params=None
    )
    assert not [e for e in encryption if e["type"] == "m.room.encryption"]


async def test_a_person_who_left_their_dm_room_is_mentioned_in_the_seminar_room(
    bot: MatrixFrontEnd, matrix_user: UserFactory
) -> None:
    organiser = await matrix_user("organiser")
    alice = await matrix_user("alice")
    room = await organiser.create_room(invite=[bot.session.me, alice.user_id])
    await organiser.wait_for(
        lambda e: joined(e, bot.session.me),
        room_id=room,
        what="the bot joining",
    )
    ids = bot.identities
    account = await ids.account(Platform.MATRIX, alice.user_id)
    place = await ids.place(Platform.MATRIX, room)
    await bot.outbox.direct(account, Notice("hello"), nonce="x0")
    dm = await alice.wait_for_text(contains="hello")
    await alice.leave(dm.room_id)
    store = bot.session.store
    for _ in range(200):
        if await store.dm_closed(alice.user_id):  # type: ignore[arg-type]
            break
        await alice.sync(timeout=0.05)
    with pytest.raises(DeliveryFailed) as failed:
        await bot.outbox.direct(account, Notice("hello again"), nonce="x1")
    assert failed.value.dms_closed and failed.value.permanent
    await bot.outbox.mention(place, [account], Notice("your reminder"), nonce="x2")
    seen = await alice.wait_for_text(contains="your reminder", room_id=room)
    assert seen.mentions == {"user_ids": [alice.user_id]}
    assert "could not reach you by DM" in seen.body


async def test_default_rate_limits_are_waited_out_and_nothing_is_lost(
    synapse_default_limits: SynapseServer, default_limits_user: UserFactory, tmp_path: Path
) -> None:
    account = await default_limits_user.account("bot")
    front, db = await front_end(synapse_default_limits, account, tmp_path)
    try:
        organiser = await default_limits_user("organiser")
        room = await organiser.create_room(invite=[account.user_id])
        await organiser.wait_for(
            lambda e: joined(e, account.user_id),
            room_id=room,
            what="the bot joining",
        )
        place = await front.identities.place(Platform.MATRIX, room)
        # Synapse's default: bursts of 10, then 0.2 messages/s. 13 posts need 429s.
        for n in range(13):
            await front.outbox.post(place, Notice(f"post {n}"), nonce=f"p{n}")
        assert front.session.api.limited > 0
        await organiser.wait_for_text(contains="post 12", room_id=room, timeout=30)
        bodies = [e.body for e in organiser.find(lambda e: e.is_message, room_id=room)]
        assert [b for b in bodies if b.startswith("post ")] == [f"post {n}" for n in range(13)]
    finally:
        await front.close()
        await db.close()
