"""What several cogs share: the bot's services and paper autocomplete."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.core.errors import DomainError, NotAllowed
from bot.core.models import Seminar
from bot.core.services import Services
from bot.core.text import clip
from bot.ui import safe

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.app import SeminarBot


def services_of(interaction: discord.Interaction) -> Services:
    return cast("SeminarBot", interaction.client).services


async def notify_promoted(client: discord.Client, user_id: int, seminar: Seminar) -> None:
    """Tell a student who moved up from the waitlist: by DM, else in the seminar channel.

    The move is already committed; a failure to tell them is logged, never
    turned into an error for whoever caused the move.
    """
    try:
        await _notify_promoted(client, user_id, seminar)
    except Exception:
        log.exception("could not tell user %s that they moved up", user_id)


async def _notify_promoted(client: discord.Client, user_id: int, seminar: Seminar) -> None:
    text = (
        f"Good news: a place in **{safe(seminar.title, 200)}** has freed up and you are now "
        "registered. Rank your papers with `/prefs set`."
    )
    try:
        user = client.get_user(user_id) or await client.fetch_user(user_id)
        await user.send(text)
        return
    except discord.HTTPException:
        log.info("could not DM promoted user %s; posting in the channel", user_id)
    channel = client.get_channel(seminar.channel_id) if seminar.channel_id else None
    if isinstance(channel, discord.abc.Messageable):
        await channel.send(
            f"<@{user_id}> {text}",
            allowed_mentions=discord.AllowedMentions(users=[discord.Object(user_id)]),
        )


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


async def paper_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Papers whose code or title contains what was typed (at most 25)."""
    try:
        found = await services_of(interaction).papers.suggest(interaction.guild_id, current)
    except DomainError:
        return []
    return [
        app_commands.Choice(name=clip(f"{paper.code} — {paper.title}", 100), value=paper.code)
        for paper in found
    ]


async def topic_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    try:
        topics = await services_of(interaction).papers.topics(interaction.guild_id)
    except DomainError:
        return []
    wanted = current.casefold()
    return [
        app_commands.Choice(name=clip(topic, 100), value=clip(topic, 100))
        for topic in topics
        if wanted in topic.casefold()
    ][:25]
