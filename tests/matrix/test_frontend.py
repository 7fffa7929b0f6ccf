"""The Matrix front end in-process against a real Synapse: rooms, questions, encryption."""

from __future__ import annotations

from pathlib import Path

from mautrix.types import UserID

from bot.matrix.frontend import MatrixFrontEnd
from bot.matrix.store import MatrixStore
from tests.matrix.conftest import UserFactory, front_end
from tests.synapse_harness import Event, MatrixClient, SynapseServer, joined


async def from_bot(bot: MatrixFrontEnd, person: MatrixClient, contains: str, after: int) -> Event:
    return await person.wait_for_text(
        sender=bot.session.me, contains=contains, after=after, timeout=15
    )


async def say(
    bot: MatrixFrontEnd, person: MatrixClient, room: str, text: str, expect: str
) -> Event:
    mark = person.cursor()
    await person.send_text(room, text)
    return await from_bot(bot, person, expect, mark)


async def seminar_room(bot: MatrixFrontEnd, organiser: MatrixClient, *members: MatrixClient) -> str:
    """A room with the bot and `members` invited, the bot joined and the seminar set up."""
    room = await organiser.create_room(invite=[bot.session.me, *(m.user_id for m in members)])
    for member in members:
        await member.wait_for_invite(inviter=organiser.user_id)
    await organiser.wait_for(
        lambda e: joined(e, bot.session.me), room_id=room, what="the bot joining"
    )
    await say(bot, organiser, room, "!admin setup title:TADL", "Seminar created")
    return room


async def test_an_encrypted_room_is_told_once_how_to_make_a_plain_one(
    bot: MatrixFrontEnd, matrix_user: UserFactory
) -> None:
    organiser = await matrix_user("organiser")
    room = await organiser.create_room(invite=[bot.session.me], encrypted=True)
    told = await from_bot(bot, organiser, "cannot read encrypted messages", 0)
    assert told.room_id == room and told.mentions == {}
    mark = organiser.cursor()
    await organiser.send_event(
        room,
        "m.room.encrypted",
        {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "xx", "session_id": "s"},
    )
    marker = await organiser.send_text(room, "!seminar")  # unreadable in real life too
    await organiser.sync(timeout=2)
    again = organiser.find(
        lambda e: e.is_message and "encrypted" in e.body and e.sender == bot.session.me,
        after=mark,
    )
    assert again == [], again
    assert marker


async def test_questions_need_the_askers_yes_and_organisers_are_checked_again(
    bot: MatrixFrontEnd, matrix_user: UserFactory
) -> None:
    owner = await matrix_user("owner")
    organiser = await matrix_user("organiser")
    alice = await matrix_user("alice")
    room = await owner.create_room(invite=[bot.session.me, alice.user_id, organiser.user_id])
    await alice.wait_for_invite(inviter=owner.user_id)
    await organiser.wait_for_invite(inviter=owner.user_id)
    await owner.set_power_level(room, organiser.user_id, 50)  # a moderator organises
    await owner.wait_for(
        lambda e: joined(e, bot.session.me),
        room_id=room,
        what="the bot joining",
    )
    await say(bot, organiser, room, "!admin setup title:TADL", "Seminar created")
    await say(bot, alice, room, "!join", "Welcome")

    question = await say(bot, alice, room, "!leave", "To confirm")
    assert question.room_id != room  # asked in her DM room
    mark = alice.cursor()
    await alice.send_text(question.room_id, "no")
    await from_bot(bot, alice, "Cancelled: nothing was changed", mark)

    question = await say(bot, alice, room, "!leave", "To confirm")
    mark = alice.cursor()
    await alice.send_text(question.room_id, "yes", reply_to=question.event_id)
    await from_bot(bot, alice, "Done: you have left", mark)

    await say(bot, organiser, room, "!admin paper add code:p1 title:One", "Paper added")
    question = await say(bot, organiser, room, "!admin paper remove p1", "To confirm")
    # The organiser is demoted before confirming: the ✅ no longer counts.
    await owner.set_power_level(room, organiser.user_id, 0)
    mark = organiser.cursor()
    await organiser.wait_for(
        lambda e: e.type == "m.room.power_levels",
        room_id=room,
        what="the new power levels",
    )
    await say(bot, organiser, room, "!seminar", "TADL")  # the bot has synced past it
    await organiser.react(question.room_id, question.event_id, "✅")
    refused = await from_bot(bot, organiser, "Only the seminar's organisers", mark)
    assert refused.room_id == question.room_id


async def test_an_encrypted_dm_is_not_adopted_for_private_answers(
    bot: MatrixFrontEnd, matrix_user: UserFactory
) -> None:
    organiser = await matrix_user("organiser")
    alice = await matrix_user("alice")
    room = await organiser.create_room(invite=[bot.session.me, alice.user_id])
    await alice.wait_for_invite(inviter=organiser.user_id)
    await organiser.wait_for(
        lambda e: joined(e, bot.session.me),
        room_id=room,
        what="the bot joining",
    )
    # Element opens DMs encrypted by default.
    secret_dm = await alice.create_room(invite=[bot.session.me], is_direct=True, encrypted=True)
    await from_bot(bot, alice, "cannot read encrypted messages", 0)
    await say(bot, organiser, room, "!admin setup title:TADL", "Seminar created")
    welcome = await say(bot, alice, room, "!join", "Welcome")
    assert welcome.room_id not in (room, secret_dm)


async def test_times_show_the_seminars_zone_or_the_one_a_person_chose(
    bot: MatrixFrontEnd, matrix_user: UserFactory
) -> None:
    organiser = await matrix_user("organiser")
    alice = await matrix_user("alice")
    room = await seminar_room(bot, organiser, alice)
    await say(bot, organiser, room, "!admin deadline set kind:report when:2030-01-15 23:59", "set")
    await say(bot, alice, room, "!join", "Welcome")
    berlin = await say(bot, alice, room, "!deadlines", "2030")
    assert "Tue 2030-01-15 23:59 CET (Europe/Berlin, in " in berlin.body
    await say(bot, alice, room, "!timezone Europe/Lisbon", "Lisbon")
    lisbon = await say(bot, alice, room, "!deadlines", "2030")
    assert "Tue 2030-01-15 22:59 WET (Europe/Lisbon, in " in lisbon.body


async def test_a_yes_to_a_question_from_before_a_restart_is_answered_and_changes_nothing(
    synapse: SynapseServer, matrix_user: UserFactory, tmp_path: Path
) -> None:
    account = await matrix_user.account("bot")
    bot, db = await front_end(synapse, account, tmp_path)
    organiser = await matrix_user("organiser")
    alice = await matrix_user("alice")
    room = await seminar_room(bot, organiser, alice)
    await say(bot, alice, room, "!join", "Welcome")
    by_reaction = await say(bot, alice, room, "!leave", "To confirm")
    by_reply = await say(bot, alice, room, "!leave", "To confirm")
    await bot.close()
    await db.close()

    bot, db = await front_end(synapse, account, tmp_path)  # the same device and databases
    try:
        mark = alice.cursor()
        await alice.react(by_reaction.room_id, by_reaction.event_id, "✅")
        told = await from_bot(bot, alice, "the bot restarted after asking it", mark)
        assert told.room_id == by_reaction.room_id and "nothing was changed" in told.body
        mark = alice.cursor()
        await alice.send_text(by_reply.room_id, "yes", reply_to=by_reply.event_id)
        await from_bot(bot, alice, "the bot restarted after asking it", mark)
        await say(bot, alice, room, "!leave", "To confirm")  # still in the seminar
    finally:
        await bot.close()
        await db.close()


async def test_deleting_my_data_forgets_my_dm_room_too(
    bot: MatrixFrontEnd, matrix_user: UserFactory
) -> None:
    organiser = await matrix_user("organiser")
    alice = await matrix_user("alice")
    room = await seminar_room(bot, organiser, alice)
    await say(bot, alice, room, "!join", "Welcome")
    question = await say(bot, alice, room, "!mydata delete", "To confirm")
    assert await bot.session.store.dm_room(UserID(alice.user_id)) == question.room_id
    mark = alice.cursor()
    await alice.send_text(question.room_id, "yes", reply_to=question.event_id)
    done = await from_bot(bot, alice, "Done: everything stored about you", mark)
    assert done.room_id == question.room_id  # told where she asked, then forgotten
    assert await bot.session.store.dm_room(UserID(alice.user_id)) is None


async def test_a_batch_replayed_after_a_crash_runs_no_command_twice(
    synapse: SynapseServer, matrix_user: UserFactory, tmp_path: Path
) -> None:
    account = await matrix_user.account("bot")
    bot, db = await front_end(synapse, account, tmp_path)
    organiser = await matrix_user("organiser")
    room = await seminar_room(bot, organiser)
    before = await bot.session.store.get_next_batch()
    post = "!admin announce post message:Room change when:2030-01-15 10:00"
    await say(bot, organiser, room, post, "2030")
    await bot.close()
    await db.close()
    store = await MatrixStore.open(tmp_path / "seminar.matrix.db")
    await store.put_next_batch(before)  # as if killed before storing what came after
    await store.close()

    bot, db = await front_end(synapse, account, tmp_path)  # syncs the same events again
    try:
        await say(bot, organiser, room, "!seminar", "TADL")  # the replay is behind us
        assert await db.fetch_value("SELECT count(*) FROM announcements") == 1
    finally:
        await bot.close()
        await db.close()
