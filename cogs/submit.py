"""/submit: hand in the report or slides as a PDF, answered with a receipt."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal, cast

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import InvalidInput
from bot.core.submissions import Receipt, human_duration, human_size
from bot.discord.client import SeminarBot
from bot.discord.ui import add_field, embed, reply, safe, when
from cogs.common import services_of

log = logging.getLogger(__name__)


def receipt_embed(receipt: Receipt) -> discord.Embed:
    handed_in = receipt.submission
    page = embed(
        f"Received: {handed_in.kind} (version {handed_in.version})",
        "Keep this receipt. Handing in again keeps this version; the latest one counts.",
    )
    add_field(page, "Received at", when(handed_in.submitted_at))
    add_field(page, "File", safe(handed_in.original_filename, 200), inline=True)
    size = human_size(handed_in.size_bytes)
    if handed_in.size_bytes >= 1024:
        size += f" ({handed_in.size_bytes} bytes)"
    add_field(page, "Size", size)
    add_field(page, "SHA-256", f"`{handed_in.sha256}`")
    if handed_in.due_at is None:
        status = "✅ On time: no deadline is set for it yet."
    elif handed_in.on_time:
        status = f"✅ On time (deadline {when(handed_in.due_at)})."
    else:
        status = (
            f"⚠️ **Late by {human_duration(receipt.late_by)}** "
            f"(deadline was {when(handed_in.due_at)})."
        )
    add_field(page, "Status", status)
    return page


class Submit(commands.Cog):
    def __init__(self, bot: SeminarBot) -> None:
        self.bot = bot

    @app_commands.command(name="submit", description="Hand in your report or slides as a PDF")
    @app_commands.describe(kind="What you hand in", file="Your PDF")
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
