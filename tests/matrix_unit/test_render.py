"""Matrix text: plain body + escaped HTML, people never pinged, @room defused."""

from __future__ import annotations

from pathlib import Path

from bot.matrix.http import retry_after_of
from bot.matrix.outbox import txn_id
from bot.matrix.render import WORD_JOINER, Person, content, escape, render
from bot.matrix.store import MatrixStore, store_path


def test_markdown_becomes_plain_and_html() -> None:
    out = render("**Deadline** for `wei-ma-2019` <b>\nnext line")
    assert out.body == "Deadline for `wei-ma-2019` <b>\nnext line"
    assert out.html == (
        "<strong>Deadline</strong> for <code>wei-ma-2019</code> &lt;b&gt;<br>next line"
    )


def test_user_text_is_literal_and_room_pings_are_defused() -> None:
    typed = "**not bold** `x` <@12> @room <script>"
    event = content(f"Said: {escape(typed)}")
    assert event["msgtype"] == "m.notice"
    assert event["m.mentions"] == {}
    assert "<strong>" not in event["formatted_body"]
    assert "<script>" not in event["formatted_body"]
    assert "@room" not in event["body"]
    assert f"@{WORD_JOINER}room" in event["body"]
    assert "**not bold**" in event["body"]


def test_people_are_links_that_do_not_ping_unless_asked() -> None:
    people = {-5: Person("@alice:uni.example", "Alice")}
    quiet = content("Talk by <@-5>", people=people)
    assert quiet["m.mentions"] == {}
    assert 'href="https://matrix.to/#/@alice:uni.example"' in quiet["formatted_body"]
    loud = content("DMs closed", ping_users=["@alice:uni.example"])
    assert loud["m.mentions"] == {"user_ids": ["@alice:uni.example"]}
    room = content("Announcement", ping_room=True)
    assert room["m.mentions"] == {"room": True}
    assert room["body"].startswith("@room ")


def test_retry_after_comes_from_the_body_then_the_header() -> None:
    assert retry_after_of('{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":2500}', None) == 2.5
    assert retry_after_of("not json", "3") == 3.0
    assert retry_after_of("{}", None) == 1.0


def test_transaction_ids_are_stable_per_nonce() -> None:
    assert txn_id("sb17") == txn_id("sb17")
    assert txn_id("sb17") != txn_id("sb18")


async def test_store_keeps_session_token_and_dm_rooms(tmp_path: Path) -> None:
    path = store_path(tmp_path / "seminar.db")
    assert path.name == "seminar.matrix.db"
    store = await MatrixStore.open(path)
    try:
        await store.put("device_id", "ABC")
        await store.put_next_batch("s1_2")  # type: ignore[arg-type]
        await store.set_home_room("@a:x", "!room:x")  # type: ignore[arg-type]
        assert await store.dm_room("@a:x") is None  # type: ignore[arg-type]
        await store.remember_dm_room("@a:x", "!dm:x")  # type: ignore[arg-type]
        assert await store.is_dm_room("!dm:x")  # type: ignore[arg-type]
        assert await store.tell_encrypted_once("!enc:x", 1)  # type: ignore[arg-type]
        assert not await store.tell_encrypted_once("!enc:x", 2)  # type: ignore[arg-type]
    finally:
        await store.close()
    again = await MatrixStore.open(path)
    try:
        assert await again.get("device_id") == "ABC"
        assert await again.get_next_batch() == "s1_2"
        assert await again.home_room("@a:x") == "!room:x"  # type: ignore[arg-type]
        assert await again.dm_room("@a:x") == "!dm:x"  # type: ignore[arg-type]
        await again.remember_question("$q", "!dm:x", "@a:x", 1)  # type: ignore[arg-type]
        await again.forget_person("@a:x")  # type: ignore[arg-type]  # /mydata delete
        assert await again.dm_room("@a:x") is None  # type: ignore[arg-type]
        assert await again.home_room("@a:x") is None  # type: ignore[arg-type]
        orphan = await again.orphaned_question("!dm:x", "@a:x", None)  # type: ignore[arg-type]
        assert orphan is None
        assert await again.is_dm_room("!dm:x") is False  # type: ignore[arg-type]
    finally:
        await again.close()
