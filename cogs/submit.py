"""/submit: hand in the report or slides as a PDF, answered with a receipt."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal, cast

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.handlers.submit import KEEP_IT, receipt_fields, receipt_title
from bot.core.errors import InvalidInput
from bot.core.submissions import Receipt
from bot.discord.client import SeminarBot
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import add_fields, embed, reply
from cogs.common import command_help, described, services_of

log = logging.getLogger(__name__)


# Of the receipt, only the file name sits beside another field.
INLINE_FIELDS = frozenset({"File"})


def receipt_embed(receipt: Receipt) -> discord.Embed:
    page = embed(receipt_title(receipt), KEEP_IT)
    add_fields(page, receipt_fields(receipt, DISCORD_STYLE), INLINE_FIELDS)
    return page


class Submit(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="submit", description=command_help("submit"))
    @described("submit")
    @app_commands.guild_only()
    async def submit(
        self,
        interaction: discord.Interaction,
        kind: Literal["report", "slides"],
        file: discord.Attachment,
    ) -> None:
        settings = cast(SeminarBot, interaction.client).settings
        submissions = services_of(interaction).submissions
        upload = await submissions.start(
            interaction.guild_id, interaction.user.id, kind, file.size, settings.max_upload_bytes
        )
        # Downloading can take longer than the 3 s Discord gives for an answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            # At once: attachment URLs expire, so a later download might find nothing.
            data = await asyncio.wait_for(file.read(), timeout=settings.download_timeout_seconds)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("could not download %s for user %s: %r", kind, interaction.user.id, exc)
            raise InvalidInput(
                "I could not download your file from Discord, so nothing was stored. "
                "Please run `/submit` again."
            ) from exc
        receipt = await submissions.finish(upload, file.filename, data)
        await reply(interaction, embed=receipt_embed(receipt))


async def setup(bot: SeminarBot) -> None:
    await bot.add_cog(Submit(bot))
