"""What several cogs share: the bot's services and paper autocomplete."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.core.errors import DomainError
from bot.core.services import Services
from bot.core.text import clip

if TYPE_CHECKING:
    from bot.app import SeminarBot


def services_of(interaction: discord.Interaction) -> Services:
    return cast("SeminarBot", interaction.client).services


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
