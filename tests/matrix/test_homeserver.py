"""The Synapse harness itself: a real homeserver, real users, the raw client API."""

from __future__ import annotations

import os

import aiohttp
import pytest

from tests.matrix.conftest import UserFactory
from tests.synapse_harness import MatrixClient, MatrixError, SynapseServer


async def test_two_users_exchange_messages_reply_and_reaction(matrix_user: UserFactory) -> None:
    alice = await matrix_user("alice")
    bob = await matrix_user("bob")
    room = await alice.create_room(name="Seminar", invite=[bob.user_id])

    invite = await bob.wait_for_invite(inviter=alice.user_id)
    assert invite.room_id == room
    assert not invite.is_direct
    assert room in bob.joined_rooms
    await alice.wait_for(
        lambda e: (
            e.type == "m.room.member"
            and e.state_key == bob.user_id
            and e.content.get("membership") == "join"
        ),
        room_id=room,
        what="bob's join",
    )

    mark = bob.cursor()
    sent = await alice.send_text(room, "hello bob")
    seen = await bob.wait_for_text(sender=alice.user_id, room_id=room, after=mark)
    assert (seen.event_id, seen.body, seen.msgtype) == (sent, "hello bob", "m.text")
    assert seen.mentions is None  # not sent: a client would scan the body

    mark = alice.cursor()
    reply = await bob.send_text(room, "hi alice", reply_to=sent, mentions={})
    answer = await alice.wait_for_text(sender=bob.user_id, room_id=room, after=mark)
    assert answer.event_id == reply
    assert answer.in_reply_to == sent
    assert answer.mentions == {}

    reaction = await alice.react(room, reply, "✅")
    seen_reaction = await bob.wait_for(
        lambda e: e.type == "m.reaction", room_id=room, what="a reaction"
    )
    assert seen_reaction.event_id == reaction
    assert seen_reaction.relates_to == {
        "rel_type": "m.annotation",
        "event_id": reply,
        "key": "✅",
    }


async def test_direct_room_history_reaches_the_invitee_once_joined(
    matrix_user: UserFactory,
) -> None:
    # What the bot does: open a DM room, write at once, before the student joined.
    bot = await matrix_user("bot")
    alice = await matrix_user("alice")
    dm = await bot.create_room(invite=[alice.user_id], is_direct=True)
    await bot.send_text(dm, "answered you privately", msgtype="m.notice", mentions={})

    message = await alice.wait_for_text(sender=bot.user_id, contains="privately")
    assert message.room_id == dm
    assert message.msgtype == "m.notice"
    assert alice.invites[dm].is_direct
    assert alice.invites[dm].inviter == bot.user_id


async def test_room_options_and_power_levels(matrix_user: UserFactory) -> None:
    organiser = await matrix_user("organiser")
    bob = await matrix_user("bob")
    room = await organiser.create_room(
        invite=[bob.user_id], encrypted=True, room_version="12", topic="TADL"
    )
    await bob.wait_for_invite(inviter=organiser.user_id)  # and joins
    encryption = await organiser.state(room, "m.room.encryption")
    assert encryption["algorithm"] == "m.megolm.v1.aes-sha2"
    # Room version 12: the creator is not in `users`, it has unlimited power.
    assert await organiser.creators(room) == [organiser.user_id]
    assert organiser.user_id not in (await organiser.power_levels(room)).get("users", {})

    await organiser.set_power_level(room, bob.user_id, 50)
    levels = await bob.power_levels(room)
    assert levels["users"][bob.user_id] == 50

    with pytest.raises(MatrixError) as missing:
        await bob.state(room, "m.room.name")
    assert missing.value.status == 404
    assert missing.value.errcode == "M_NOT_FOUND"


async def test_file_upload_and_authenticated_download(
    synapse: SynapseServer, matrix_user: UserFactory
) -> None:
    alice = await matrix_user("alice")
    bob = await matrix_user("bob")
    room = await alice.create_room(invite=[bob.user_id])
    await bob.wait_for_invite(inviter=alice.user_id)
    pdf = b"%PDF-1.7\n" + os.urandom(50_000) + b"\n%%EOF\n"

    mark = bob.cursor()
    sent = await alice.send_file(room, pdf, filename="report.pdf", caption="!submit kind:report")
    event = await bob.wait_for(
        lambda e: e.msgtype == "m.file", room_id=room, after=mark, what="the file"
    )
    assert event.event_id == sent
    assert event.body == "!submit kind:report"
    assert event.content["filename"] == "report.pdf"
    assert event.content["info"] == {"size": len(pdf), "mimetype": "application/pdf"}
    assert await bob.download(event.content["url"]) == pdf

    # Authenticated media: without a token the download is refused.
    server_name, media_id = event.content["url"].removeprefix("mxc://").split("/", 1)
    url = f"{synapse.base_url}/_matrix/client/v1/media/download/{server_name}/{media_id}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 401


async def test_default_limits_answer_429_with_retry_after(
    default_limits_user: UserFactory,
) -> None:
    alice = await default_limits_user("alice")
    room = await alice.create_room()
    # rc_message defaults to a burst of 10 then 0.2/s: the limit shows within a dozen.
    with pytest.raises(MatrixError) as limited:
        for n in range(30):
            await alice.send_text(room, f"message {n}")
    assert limited.value.status == 429
    assert limited.value.errcode == "M_LIMIT_EXCEEDED"
    assert limited.value.retry_after_ms is not None and limited.value.retry_after_ms > 0


async def test_override_ratelimit_exempts_a_user(
    synapse_default_limits: SynapseServer, default_limits_user: UserFactory
) -> None:
    bot = await default_limits_user("bot")
    await synapse_default_limits.override_ratelimit(bot.user_id)
    room = await bot.create_room()
    for n in range(40):  # four times the default burst
        await bot.send_text(room, f"reminder {n}")


async def test_login_with_password_gives_a_working_token(
    synapse: SynapseServer, matrix_user: UserFactory
) -> None:
    account = await matrix_user.account("seminarbot")
    async with await MatrixClient.login(
        synapse.base_url, account.user_id, account.password, device_id="SEMINARBOT"
    ) as bot:
        assert bot.device_id == "SEMINARBOT"
        assert bot.access_token != account.access_token
        await bot.create_room()
    assert synapse.bot_env(account) == {
        "MATRIX_HOMESERVER": synapse.base_url,
        "MATRIX_USER_ID": account.user_id,
        "MATRIX_PASSWORD": account.password,
    }
