"""Spec'd discord.py mocks for cog tests, in the style of python-discord/bot's tests/helpers.py.

Every mock is created with `spec_set` from the real discord.py class, so a cog touching an
attribute Discord objects do not have fails here instead of in production. Coroutine
methods are AsyncMocks; the interaction's `response.is_done()` follows what was called on
it, as the real one does, so `bot.discord.ui.reply` picks `response` or `followup` correctly.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import Any
from unittest.mock import AsyncMock, MagicMock, NonCallableMagicMock

import discord
from discord import app_commands

from bot.discord.client import SeminarBot
from tests.core.helpers import GUILD, ORGANISER

_ids = itertools.count(900_000_000_000_000_000)


def mock_role(role_id: int | None = None, name: str = "Organisers") -> NonCallableMagicMock:
    role = NonCallableMagicMock(spec_set=discord.Role)
    role.id = role_id if role_id is not None else next(_ids)
    role.name = name
    role.mention = f"<@&{role.id}>"
    return role


def mock_guild(guild_id: int = GUILD, name: str = "TU Munich seminar") -> NonCallableMagicMock:
    guild = NonCallableMagicMock(spec_set=discord.Guild)
    guild.id = guild_id
    guild.name = name
    return guild


def mock_member(
    user_id: int = 101,
    *,
    name: str = "Student",
    manage_guild: bool = False,
    roles: Iterable[discord.Role] = (),
    guild_id: int = GUILD,
) -> NonCallableMagicMock:
    """A server member (what `interaction.user` is inside a guild)."""
    member = NonCallableMagicMock(spec_set=discord.Member)
    member.id = user_id
    member.name = name.lower()
    member.display_name = name
    member.mention = f"<@{user_id}>"
    member.bot = False
    member.guild = mock_guild(guild_id)
    member.guild_permissions = discord.Permissions(manage_guild=manage_guild)
    member.roles = list(roles)
    member.send = AsyncMock()
    return member


def mock_user(user_id: int = 101, *, name: str = "Student") -> NonCallableMagicMock:
    """A plain user (what `interaction.user` is in a DM, or what `fetch_user` returns)."""
    user = NonCallableMagicMock(spec_set=discord.User)
    user.id = user_id
    user.name = name.lower()
    user.display_name = name
    user.mention = f"<@{user_id}>"
    user.bot = False
    user.send = AsyncMock()
    return user


def mock_text_channel(channel_id: int | None = None) -> NonCallableMagicMock:
    channel = NonCallableMagicMock(spec_set=discord.TextChannel)
    channel.id = channel_id if channel_id is not None else next(_ids)
    channel.mention = f"<#{channel.id}>"
    channel.send = AsyncMock()
    return channel


def mock_attachment(filename: str, data: bytes, *, size: int | None = None) -> NonCallableMagicMock:
    attachment = NonCallableMagicMock(spec_set=discord.Attachment)
    attachment.id = next(_ids)
    attachment.filename = filename
    attachment.size = len(data) if size is None else size
    attachment.read = AsyncMock(return_value=data)
    return attachment


def mock_interaction(
    client: SeminarBot | Any,
    *,
    user: discord.abc.User | Any | None = None,
    guild_id: int | None = GUILD,
    kind: discord.InteractionType = discord.InteractionType.application_command,
    command: app_commands.Command[Any, ..., Any] | None = None,
) -> NonCallableMagicMock:
    """An interaction from `user` in guild `guild_id` (None: a DM) handled by `client`."""
    interaction = NonCallableMagicMock(spec_set=discord.Interaction)
    interaction.id = next(_ids)
    interaction.client = client
    interaction.user = user if user is not None else mock_member()
    interaction.guild_id = guild_id
    interaction.guild = mock_guild(guild_id) if guild_id is not None else None
    interaction.type = kind
    interaction.command = command

    done = False

    def finish(*_: Any, **__: Any) -> None:
        nonlocal done
        done = True

    response = NonCallableMagicMock(spec_set=discord.InteractionResponse)
    response.send_message = AsyncMock(side_effect=finish)
    response.defer = AsyncMock(side_effect=finish)
    response.edit_message = AsyncMock(side_effect=finish)
    response.send_modal = AsyncMock(side_effect=finish)
    response.is_done = MagicMock(side_effect=lambda: done)
    interaction.response = response

    followup = NonCallableMagicMock(spec_set=discord.Webhook)
    followup.send = AsyncMock()
    interaction.followup = followup
    return interaction


# -- reading what was answered --------------------------------------------------------


def replies(interaction: Any) -> list[dict[str, Any]]:
    """The keyword arguments of every message sent in answer, in order."""
    calls = [
        *interaction.response.send_message.await_args_list,
        *interaction.followup.send.await_args_list,
    ]
    return [dict(call.kwargs, **({"content": call.args[0]} if call.args else {})) for call in calls]


def only_reply(interaction: Any) -> dict[str, Any]:
    """The single message sent in answer; fails if there were none or several."""
    sent = replies(interaction)
    assert len(sent) == 1, f"expected one reply, got {len(sent)}: {sent}"
    return sent[0]


def edit(interaction: Any) -> dict[str, Any]:
    """The one `response.edit_message` made (a button click's answer)."""
    interaction.response.edit_message.assert_awaited_once()
    return dict(interaction.response.edit_message.await_args.kwargs)


def text_of(message: dict[str, Any]) -> str:
    """Everything a reader sees in a message: content and every embed's text."""
    parts = [message.get("content") or ""]
    embeds = [message["embed"]] if message.get("embed") is not None else []
    embeds += message.get("embeds") or []
    for page in embeds:
        parts += [page.title or "", page.description or "", page.footer.text or ""]
        for field in page.fields:
            parts += [field.name or "", field.value or ""]
    return "\n".join(parts)


def view_of(message: dict[str, Any]) -> discord.ui.View:
    view = message.get("view")
    assert isinstance(view, discord.ui.View), f"no view in {message}"
    return view


_CODE_SPAN = re.compile(r"`[^`]*`")
LIVE_MENTIONS = ("@everyone", "@here", "<@&1>", "<@123>")


def assert_harmless(text: str) -> None:
    """User text must not show as a live mention outside a code span."""
    outside = _CODE_SPAN.sub("", text)
    for mention in LIVE_MENTIONS:
        assert mention not in outside, f"{mention!r} shown live in {text!r}"


# -- running commands the way the tree does ------------------------------------------


def find_command(bot: SeminarBot, qualified_name: str) -> app_commands.Command[Any, ..., Any]:
    """`"admin paper add"` -> that command object in the bot's tree."""
    first, *rest = qualified_name.split()
    found: Any = bot.tree.get_command(first)
    for part in rest:
        assert isinstance(found, app_commands.Group), qualified_name
        found = found.get_command(part)
    assert isinstance(found, app_commands.Command), f"no command /{qualified_name}"
    return found


async def invoke(bot: SeminarBot, qualified_name: str, interaction: Any, **options: Any) -> None:
    """Run a slash command as discord.py's tree does, minus the HTTP and option parsing.

    The tree check runs first, then the command's checks (the cog's interaction_check),
    then the callback; errors go to the tree's real error handler, wrapped as discord.py
    wraps them.
    """
    command = find_command(bot, qualified_name)
    interaction.command = command
    if not await bot.tree.interaction_check(interaction):
        return
    try:
        if not await command._check_can_run(interaction):
            raise app_commands.CheckFailure(f"The check functions for {qualified_name} failed.")
        await command.callback(command.binding, interaction, **options)
    except app_commands.AppCommandError as error:
        await bot.tree.on_error(interaction, error)
    except Exception as error:
        await bot.tree.on_error(interaction, app_commands.CommandInvokeError(command, error))


async def click(view: discord.ui.View, label: str, interaction: Any) -> bool:
    """Press the button labelled `label` as `interaction.user`; False if the view refused."""
    (button,) = [
        item
        for item in view.children
        if isinstance(item, discord.ui.Button) and item.label == label
    ]
    if not await view.interaction_check(interaction):
        return False
    await button.callback(interaction)
    return True


async def press(bot: SeminarBot, view: discord.ui.View, label: str, interaction: Any) -> bool:
    """Press the persistent button labelled `label` as `interaction.user` the way discord.py
    dispatches it (`ViewStore.schedule_dynamic_item_call`): the `DynamicItem` that `bot`
    registered for its custom_id is made from that id alone, checks, then answers. So
    `bot` need not be the bot that sent `view`. False if the item refused the click."""
    (button,) = [
        item
        for item in view.children
        if isinstance(item, discord.ui.Button) and item.label == label
    ]
    assert button.custom_id is not None
    dynamic_items = bot._connection._view_store._dynamic_items
    (found,) = [
        (factory, match)
        for pattern, factory in dynamic_items.items()
        if (match := pattern.fullmatch(button.custom_id)) is not None
    ]
    factory, match = found
    item = await factory.from_custom_id(interaction, button, match)
    if not await item.interaction_check(interaction):
        return False
    await item.callback(interaction)
    return True


def organiser() -> MagicMock:
    """The organiser used across cog tests: Manage Server, so every /admin check passes."""
    return mock_member(ORGANISER, name="Prof", manage_guild=True)


async def admin(bot: SeminarBot, name: str, **options: Any) -> MagicMock:
    """Run command `name` as the organiser; returns the interaction to inspect."""
    interaction = mock_interaction(bot, user=organiser())
    await invoke(bot, name, interaction, **options)
    return interaction


async def student(bot: SeminarBot, name: str, user_id: int, **options: Any) -> MagicMock:
    """Run command `name` as a plain member `user_id`."""
    interaction = mock_interaction(bot, user=mock_member(user_id))
    await invoke(bot, name, interaction, **options)
    return interaction


def fields(message: dict[str, Any]) -> dict[str, str]:
    """An embed reply's fields, name -> value."""
    return {f.name: f.value for f in message["embed"].fields}
