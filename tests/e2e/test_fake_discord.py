"""Smoke tests of the fake Discord itself, driven by a tiny plain discord.py bot in-process.

They pin down that the fake speaks the protocol discord.py expects (login, command sync,
gateway, interactions, followups with files, components, autocomplete, DMs) and that
failure injection (403 DMs closed, 429, 500, global rate limit) behaves like Discord's.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from typing import Any

import discord
import discord.gateway
import discord.http
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import (
    CommandUnavailable,
    FakeDiscord,
    InteractionFailed,
    OptionError,
    Perm,
    UnknownCommand,
)

pytestmark = pytest.mark.e2e

PAPERS = {
    "wei-ma-2019": (
        "Data-dependent Sample Complexity of Deep Neural Networks via Lipschitz Augmentation"
    ),
    "jacot-2018": "Neural Tangent Kernel: Convergence and Generalization in Neural Networks",
    "zhang-2017": "Understanding deep learning requires rethinking generalization",
}


class ConfirmView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(
        label="Yes, leave", style=discord.ButtonStyle.danger, custom_id="confirm:yes"
    )
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="You left the seminar.", view=None)
        self.stop()

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary, custom_id="confirm:no")
    async def no(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content="Nothing changed.", view=None)
        self.stop()


class NoteModal(discord.ui.Modal, title="A note"):
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Note", custom_id="note")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"noted: {self.note.value}", ephemeral=True)


admin = app_commands.Group(
    name="admin",
    description="Organiser commands",
    default_permissions=discord.Permissions(manage_guild=True),
)
paper_group = app_commands.Group(name="paper", description="Papers", parent=admin)


@paper_group.command(name="add", description="Add a paper")
async def paper_add(
    interaction: discord.Interaction,
    code: str,
    capacity: app_commands.Range[int, 1, 5] = 1,
    file: discord.Attachment | None = None,
    channel: discord.TextChannel | None = None,
) -> None:
    if not interaction.user.guild_permissions.manage_guild:  # type: ignore[union-attr]
        await interaction.response.send_message("Organisers only.", ephemeral=True)
        return
    extra = ""
    if file is not None:
        data = await file.read()
        extra = f" file={file.filename} sha={hashlib.sha256(data).hexdigest()[:12]}"
    where = f" in #{channel.name}" if channel else ""
    await interaction.response.send_message(
        f"added {code} x{capacity}{extra}{where}", ephemeral=True
    )


class TinyBot(commands.Bot):
    def __init__(self, guild_id: int) -> None:
        super().__init__(
            command_prefix="!",
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.guild_id = guild_id
        self.dm_results: list[str] = []
        self.ready_seen = asyncio.Event()
        self.resumed_seen = asyncio.Event()

    async def setup_hook(self) -> None:
        tree = self.tree

        @tree.command(name="ping", description="Ping")
        async def ping(interaction: discord.Interaction) -> None:
            where = "dm" if interaction.guild is None else interaction.guild.name
            await interaction.response.send_message(f"pong from {where} @everyone", ephemeral=True)

        @tree.command(name="report", description="A report as a file, after thinking")
        async def report(
            interaction: discord.Interaction, member: discord.Member, count: int = 1
        ) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await asyncio.sleep(0.05)
            data = f"name,count\n{member.display_name},{count}\n".encode()
            await interaction.followup.send(
                f"Report for {member.mention}",
                file=discord.File(io.BytesIO(data), filename="report.csv"),
                embed=discord.Embed(title="Report", description=f"{count} rows").add_field(
                    name="who", value=member.name
                ),
                ephemeral=True,
            )
            await interaction.followup.send("second followup", ephemeral=True)

        @tree.command(name="notify", description="DM a member")
        async def notify(interaction: discord.Interaction, member: discord.Member) -> None:
            await interaction.response.defer(ephemeral=True)
            try:
                await member.send("You have a new paper assignment.")
            except discord.Forbidden as exc:
                self.dm_results.append(f"forbidden {exc.code}")
                await interaction.followup.send(f"Could not DM {member.name} ({exc.code}).")
            else:
                self.dm_results.append("sent")
                await interaction.followup.send(f"DM sent to {member.name}.")

        @tree.command(name="announce", description="Post in this channel")
        async def announce(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.defer(ephemeral=True)
            assert isinstance(interaction.channel, discord.TextChannel)
            await interaction.channel.send(text)
            await interaction.followup.send("posted", ephemeral=True)

        @tree.command(name="leave", description="Leave, after confirming")
        async def leave(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(
                "Really leave?", view=ConfirmView(), ephemeral=True
            )

        @tree.command(name="note", description="Open a modal")
        async def note(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(NoteModal())

        @tree.command(name="pick", description="Pick a paper")
        async def pick(interaction: discord.Interaction, paper: str, kind: str = "report") -> None:
            title = PAPERS.get(paper)
            await interaction.response.send_message(
                title or f"unknown paper {paper}", ephemeral=True
            )

        @pick.autocomplete("paper")
        async def pick_auto(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=f"{code} — {title}"[:100], value=code)
                for code, title in PAPERS.items()
                if current.lower() in code or current.lower() in title.lower()
            ]

        @tree.command(name="silent", description="Never answers")
        async def silent(interaction: discord.Interaction) -> None:
            await asyncio.sleep(10)

        @tree.command(name="slow", description="Answers too late")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(1.3)
            await interaction.response.send_message("finally")

        @tree.command(name="toolong", description="Sends an invalid message")
        async def toolong(interaction: discord.Interaction) -> None:
            try:
                await interaction.response.send_message("x" * 2001)
            except discord.HTTPException as exc:
                await interaction.response.send_message(f"refused: {exc.code}", ephemeral=True)

        @tree.command(name="event", description="Create a scheduled event")
        async def event(interaction: discord.Interaction, hours_from_now: int) -> None:
            assert interaction.guild is not None
            start = discord.utils.utcnow() + __import__("datetime").timedelta(hours=hours_from_now)
            try:
                ev = await interaction.guild.create_scheduled_event(
                    name="Office hours",
                    start_time=start,
                    end_time=start + __import__("datetime").timedelta(hours=2),
                    entity_type=discord.EntityType.external,
                    location="MI 03.13.010",
                    privacy_level=discord.PrivacyLevel.guild_only,
                    reason="weekly office hours",
                )
            except discord.HTTPException as exc:
                await interaction.response.send_message(
                    f"event refused: {exc.text}", ephemeral=True
                )
                return
            await interaction.response.send_message(f"event {ev.name} created", ephemeral=True)

        @tree.command(name="export", description="A file as the direct answer, then replaced")
        async def export(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(
                "v1", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="v1.csv")
            )
            await interaction.edit_original_response(
                content="v2",
                attachments=[discord.File(io.BytesIO(b"a,b\n3,4\n"), filename="v2.csv")],
            )

        @tree.command(name="topic", description="Choose a topic from a menu")
        async def topic(interaction: discord.Interaction) -> None:
            view = discord.ui.View()
            menu: discord.ui.Select[Any] = discord.ui.Select(
                custom_id="topic",
                options=[
                    discord.SelectOption(label="Generalisation", value="gen"),
                    discord.SelectOption(label="Training dynamics", value="dyn"),
                ],
            )

            async def chosen(click: discord.Interaction) -> None:
                await click.response.edit_message(content=f"topic: {menu.values[0]}", view=None)

            menu.callback = chosen  # type: ignore[method-assign]
            view.add_item(menu)
            await interaction.response.send_message("Pick a topic", view=view, ephemeral=True)

        tree.add_command(admin)
        guild = discord.Object(self.guild_id)
        tree.copy_global_to(guild=guild)
        await tree.sync(guild=guild)

    async def on_ready(self) -> None:
        self.ready_seen.set()

    async def on_resumed(self) -> None:
        self.resumed_seen.set()


@pytest.fixture
async def tiny(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TinyBot]:
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )
    client = TinyBot(fake.guild.id)
    assert fake.token is not None
    runner = asyncio.create_task(client.start(fake.token))
    try:
        await fake.wait_until_ready(timeout=10)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(runner, 10)


async def test_connect_sync_and_respond(fake: FakeDiscord, tiny: TinyBot) -> None:
    assert "admin paper add" in fake.command_paths()
    assert "ping" in fake.command_paths()
    identify = fake.identify_payloads[-1]
    assert identify["intents"] == discord.Intents.default().value

    alice = fake.add_member("alice")
    resp = await fake.command("ping", user=alice)
    assert resp.callback_type == 4
    assert resp.ephemeral
    assert "pong from TUM Deep Learning Theory" in resp.text
    # allowed_mentions=none on the client: "@everyone" in the text pings nobody.
    assert resp.message is not None and resp.message.allowed_mentions == {"parse": []}
    assert fake.pinging_messages() == []
    await asyncio.wait_for(tiny.ready_seen.wait(), 5)
    fake.assert_clean()


async def test_deferred_followups_with_file(fake: FakeDiscord, tiny: TinyBot) -> None:
    alice, bob = fake.add_member("alice"), fake.add_member("bob", nick="Bobby")
    resp = await fake.command("report", user=alice, member=bob, count=2)
    assert resp.callback_type == 5 and resp.deferred
    assert resp.ephemeral
    assert resp.files == [("report.csv", b"name,count\nBobby,2\n")]
    assert f"Report for <@{bob.id}>" in resp.text
    assert "2 rows" in resp.text and "who\nbob" in resp.text
    assert len(resp.messages) == 2 and "second followup" in resp.messages[1].text
    # the file is downloadable from the fake like a CDN attachment
    assert resp.message is not None
    url = resp.message.attachments[0].url
    assert url.startswith(fake.base_url + "/attachments/")
    fake.assert_clean()


async def test_autocomplete_buttons_and_modal(fake: FakeDiscord, tiny: TinyBot) -> None:
    alice = fake.add_member("alice")
    choices = await fake.autocomplete("pick", "paper", "wei", user=alice)
    assert choices == [(f"wei-ma-2019 — {PAPERS['wei-ma-2019']}"[:100], "wei-ma-2019")]
    assert len(await fake.autocomplete("pick", "paper", "", user=alice)) == 3

    resp = await fake.click(await fake.command("leave", user=alice), "Yes, leave")
    assert resp.callback_type == 7
    assert resp.text == "You left the seminar."
    assert resp.components == []  # the view was removed
    assert resp.ephemeral

    other = await fake.command("leave", user=alice)
    cancelled = await fake.click(other, "confirm:no")
    assert cancelled.text == "Nothing changed."
    assert other.text == "Nothing changed."  # results show the message as it is now

    opened = await fake.command("note", user=alice)
    assert opened.modal is not None and opened.modal["title"] == "A note"
    noted = await fake.submit_modal(opened, {"note": "hello"})
    assert noted.text == "noted: hello"
    fake.assert_clean()


async def test_groups_permissions_options_and_attachments(fake: FakeDiscord, tiny: TinyBot) -> None:
    alice = fake.add_member("alice")
    with pytest.raises(CommandUnavailable):
        await fake.command("admin paper add", user=alice, code="x")
    refused = await fake.command("admin paper add", user=alice, code="x", force=True)
    assert refused.text == "Organisers only." and refused.ephemeral

    csv = b"code,title\nwei-ma-2019,Data-dependent\n"
    att = fake.add_attachment("papers.csv", csv)
    ok = await fake.command(
        "admin paper add",
        user=fake.organiser,
        code="wei-ma-2019",
        capacity=2,
        file=att,
        options={"channel": fake.announcements},
    )
    assert ok.text == (
        f"added wei-ma-2019 x2 file=papers.csv sha={hashlib.sha256(csv).hexdigest()[:12]}"
        " in #announcements"
    )
    assert fake.attachment_downloads[-1][2] == 200

    with pytest.raises(OptionError, match="above 5"):
        await fake.command("admin paper add", user=fake.organiser, code="x", capacity=6)
    with pytest.raises(OptionError, match="required"):
        await fake.command("admin paper add", user=fake.organiser)
    with pytest.raises(OptionError, match="no option"):
        await fake.command("admin paper add", user=fake.organiser, code="x", colour="red")
    with pytest.raises(UnknownCommand, match="admin paper remove"):
        await fake.command("admin paper remove", user=fake.organiser)
    with pytest.raises(UnknownCommand, match="is a group"):
        await fake.command("admin paper", user=fake.organiser)
    fake.assert_clean()


async def test_dm_interaction(fake: FakeDiscord, tiny: TinyBot) -> None:
    alice = fake.add_member("alice")
    with pytest.raises(CommandUnavailable, match="guild command"):
        await fake.command("ping", user=alice, dm=True)
    # force: as if the command were global; copy_global_to kept the global copy in the tree
    resp = await fake.command("ping", user=alice, dm=True, force=True)
    assert resp.text.startswith("pong from dm")
    assert resp.interaction.payload["context"] == 1 and "guild_id" not in resp.interaction.payload


async def test_dm_closed_is_403_50007(fake: FakeDiscord, tiny: TinyBot) -> None:
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    fake.close_dms(bob)
    resp = await fake.command("notify", user=fake.organiser, member=bob)
    assert "Could not DM bob (50007)" in resp.text
    assert fake.dms(bob) == []
    assert [uid for uid, _ in fake.dm_failures] == [bob.id]

    resp = await fake.command("notify", user=fake.organiser, member=alice)
    assert "DM sent to alice" in resp.text
    assert [m.text for m in fake.dms(alice)] == ["You have a new paper assignment."]
    assert tiny.dm_results == ["forbidden 50007", "sent"]
    fake.assert_clean()


async def test_429_and_500_are_retried_by_discord_py(fake: FakeDiscord, tiny: TinyBot) -> None:
    alice = fake.add_member("alice")
    limited = fake.rate_limit(method="POST", path=r"^/channels/\d+/messages$", retry_after=0.3)
    resp = await fake.command("announce", user=alice, text="Hello")
    assert resp.text == "posted"
    assert limited.hits == 1
    posts = fake.find_requests("POST", r"^/channels/\d+/messages$")
    assert [r.status for r in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.28
    assert [m.text for m in fake.channel_messages(fake.general)] == ["Hello"]

    failing = fake.server_error(method="POST", path=r"^/channels/\d+/messages$")
    resp = await fake.command("announce", user=alice, text="Again")
    assert resp.text == "posted" and failing.hits == 1
    assert [m.text for m in fake.channel_messages("general")] == ["Hello", "Again"]

    # a 429 on a followup webhook is retried too (needs the Via header, as Discord sends)
    fake.rate_limit(method="POST", path=r"^/webhooks/", retry_after=0.1)
    resp = await fake.command("announce", user=alice, text="Third")
    assert resp.text == "posted"
    fake.assert_clean()


async def test_global_rate_limit(fake: FakeDiscord, tiny: TinyBot) -> None:
    fake.set_global_rate_limit(5)
    channel = tiny.get_channel(fake.announcements.id)
    assert isinstance(channel, discord.TextChannel)
    await asyncio.gather(*(channel.send(f"message {i}") for i in range(8)))
    assert len(fake.channel_messages(fake.announcements)) == 8
    assert fake.rate_limited, "the limiter should have answered 429 at least once"
    assert all(r.response["global"] is True for r in fake.rate_limited)


async def test_unknown_routes_and_invalid_messages_are_recorded(
    fake: FakeDiscord, tiny: TinyBot
) -> None:
    with pytest.raises(discord.NotFound):
        await tiny.http.request(
            discord.http.Route("GET", "/guilds/{guild_id}/widget.json", guild_id=1)
        )
    assert [r.path for r in fake.unhandled] == ["/guilds/1/widget.json"]
    fake.unhandled.clear()

    alice = fake.add_member("alice")
    resp = await fake.command("toolong", user=alice)
    assert resp.text == "refused: 50035"
    assert len(fake.rejected) == 1 and "content" in fake.rejected[0].response["errors"]
    fake.rejected.clear()

    resp = await fake.command("event", user=fake.organiser, hours_from_now=24)
    assert resp.text == "event Office hours created"
    [event] = fake.scheduled_events.values()
    assert event["entity_metadata"] == {"location": "MI 03.13.010"}
    create = fake.find_requests("POST", "scheduled-events")[0]
    assert create.reason == "weekly office hours"
    resp = await fake.command("event", user=fake.organiser, hours_from_now=-1)
    assert "Cannot schedule event in the past" in resp.text
    fake.rejected.clear()
    fake.assert_clean()


async def test_no_answer_and_late_answer_fail_loudly(fake: FakeDiscord, tiny: TinyBot) -> None:
    fake.interaction_timeout = 1.0
    alice = fake.add_member("alice")
    with pytest.raises(InteractionFailed, match="did not answer"):
        await fake.command("silent", user=alice)
    with pytest.raises(InteractionFailed, match="answered after"):
        await fake.command("slow", user=alice)
    assert [i.label for i in fake.late_interactions] == ["/slow"]


async def test_gateway_resume_after_drop(fake: FakeDiscord, tiny: TinyBot) -> None:
    session = fake.session
    assert session is not None
    await fake.drop_gateway(code=4000)
    await fake.wait_for(lambda: session.resumes == 1 and fake.connected, 15, what="RESUME")
    await asyncio.wait_for(tiny.resumed_seen.wait(), 5)
    assert len(fake.identify_payloads) == 1
    resp = await fake.command("ping", user=fake.add_member("alice"))
    assert "pong" in resp.text


async def test_members_intent_refused_unless_enabled(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
    )
    client = discord.Client(intents=discord.Intents.default() | discord.Intents(members=True))
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(client.start(fake.token or ""), 10)
    await client.close()
    assert Perm.MANAGE_GUILD & fake.organiser.permissions


async def test_direct_file_answer_edit_and_select(fake: FakeDiscord, tiny: TinyBot) -> None:
    alice = fake.add_member("alice")
    resp = await fake.command("export", user=alice)
    assert not resp.ephemeral
    assert resp.text == "v2"
    assert resp.files == [("v2.csv", b"a,b\n3,4\n")]  # the edit replaced the attachment
    assert resp.message is not None and len(resp.message.history) == 1
    first = next(r for r in resp.requests if r.path.endswith("/callback"))
    assert first.files[0][:2] == ("v1.csv", b"a,b\n1,2\n")

    menu = await fake.command("topic", user=alice)
    assert [s.options for s in menu.selects] == [
        [("Generalisation", "gen"), ("Training dynamics", "dyn")]
    ]
    chosen = await fake.select(menu, "topic", ["dyn"])
    assert chosen.text == "topic: dyn" and chosen.ephemeral
    fake.assert_clean()


async def test_attachment_downloads_can_fail(fake: FakeDiscord) -> None:
    import aiohttp

    ok = fake.add_attachment("report.pdf", b"%PDF-1.7 ...")
    missing = fake.add_attachment("gone.pdf", b"x", behaviour="404")
    stuck = fake.add_attachment("slow.pdf", b"x")
    fake.set_attachment_behaviour(stuck, "hang")
    async with aiohttp.ClientSession() as session:
        async with session.get(ok.url) as r:
            assert r.status == 200 and await r.read() == b"%PDF-1.7 ..."
            assert r.content_type == "application/pdf"
        async with session.get(missing.url) as r:
            assert r.status == 404
        with pytest.raises(TimeoutError):
            async with session.get(stuck.url, timeout=aiohttp.ClientTimeout(total=0.3)) as r:
                await r.read()
    assert [d[2] for d in fake.attachment_downloads] == [200, 404, 0]
