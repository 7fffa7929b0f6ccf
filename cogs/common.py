"""What several cogs share: the bot's services, the command table's help texts, the organiser
check and autocomplete."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar, cast

import discord
from discord import app_commands

from bot.commands.spec import by_path
from bot.core.errors import DomainError, NotAllowed
from bot.core.models import Platform
from bot.core.services import Services
from bot.core.text import clip

log = logging.getLogger(__name__)
T = TypeVar("T")

if TYPE_CHECKING:
    from bot.discord.client import SeminarBot


def command_help(name: str) -> str:
    """The command table's one-line help for `name` (`admin deadline set`): the slash
    command's description, written once for every front end."""
    return by_path()[tuple(name.split())].help


def described(name: str, **on_discord: str) -> Callable[[T], T]:
    """`app_commands.describe` with the command table's help for each option Discord
    offers; `on_discord` words an option differently where Discord differs (a role picker
    instead of typed text, say)."""
    command = by_path()[tuple(name.split())]
    help_texts = {o.name: o.help for o in command.options_for(Platform.DISCORD)}
    return app_commands.describe(**(help_texts | on_discord))


def services_of(interaction: discord.Interaction) -> Services:
    return cast("SeminarBot", interaction.client).services


async def is_organiser(interaction: discord.Interaction) -> bool:
    """Manage Server, or the seminar's organiser role."""
    member = interaction.user
    if not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_guild:
        return True
    seminar = await services_of(interaction).seminars.find(interaction.guild_id)
    return (
        seminar is not None
        and seminar.organiser_role_id is not None
        # @everyone (the role whose id is the server's) never makes an organiser,
        # even where it was stored before `/admin setup` refused it.
        and seminar.organiser_role_id != interaction.guild_id
        and any(role.id == seminar.organiser_role_id for role in member.roles)
    )


async def still_organiser(interaction: discord.Interaction) -> None:
    """The click-time check of an organiser's confirm button."""
    if not await is_organiser(interaction):
        raise NotAllowed(
            "You are no longer one of this seminar's organisers, so nothing was changed."
        )


def display_name(user: discord.abc.User) -> str:
    return user.display_name


async def unless_refused(lookup: Awaitable[T]) -> T | None:
    """An autocomplete's lookup, or None where the service refuses it (no seminar here
    yet, say): suggestions are offered quietly or not at all, never as an error."""
    try:
        return await lookup
    except DomainError:
        return None


async def paper_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Papers whose code or title contains what was typed (at most 25)."""
    found = await unless_refused(
        services_of(interaction).papers.suggest(interaction.guild_id, current)
    )
    return [
        app_commands.Choice(name=clip(f"{paper.code} — {paper.title}", 100), value=paper.code)
        for paper in found or ()
    ]


async def topic_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    topics = await unless_refused(services_of(interaction).papers.topics(interaction.guild_id))
    wanted = current.casefold()
    return [
        app_commands.Choice(name=clip(topic, 100), value=clip(topic, 100))
        for topic in topics or ()
        if wanted in topic.casefold()
    ][:25]
