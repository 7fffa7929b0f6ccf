"""/admin assign run|set|clear|publish: the paper assignment."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.handlers.admin.assign import (
    PUBLISH_LABEL,
    REPRODUCIBLE,
    already_published,
    pinned_text,
    placed_heading,
    preview_fields,
    preview_status,
    preview_title,
    publish_question,
    published_text,
    rank_lines,
    unpinned_text,
)
from bot.core.assignments import SEED_LIMIT, RunSummary
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import add_field, add_fields, ask, embed, join_within, mention, reply, safe
from cogs.admin.base import AdminMixin
from cogs.common import command_help, described, paper_autocomplete, services_of, still_organiser

# The short fields, side by side.
INLINE_FIELDS = frozenset({"Moved vs published", "Pinned", "Options"})


def preview_embed(run: RunSummary) -> discord.Embed:
    """The preview as organisers see it: statistics only, every number reproducible."""
    page = embed(preview_title(run), preview_status(run, DISCORD_STYLE))
    add_field(page, placed_heading(run), "\n".join(rank_lines(run, DISCORD_STYLE)))
    add_fields(page, preview_fields(run, DISCORD_STYLE), INLINE_FIELDS)
    if run.unassigned:
        add_field(
            page,
            "Unassigned students",
            join_within(
                [
                    f"<@{s.user_id}>" + (f" ({safe(s.display_name, 40)})" if s.display_name else "")
                    for s in run.unassigned
                ],
                1000,
            ),
        )
    page.set_footer(text=REPRODUCIBLE)
    return page


class AssignCommands(AdminMixin):
    assign = app_commands.Group(
        name="assign", description="Compute, pin and publish the paper assignment"
    )

    @assign.command(name="run", description=command_help("admin assign run"))
    @described("admin assign run")
    @app_commands.choices(
        mode=[
            app_commands.Choice(name="linear (default)", value="linear"),
            app_commands.Choice(name="fair", value="fair"),
        ]
    )
    async def assign_run(
        self,
        interaction: discord.Interaction,
        seed: app_commands.Range[int, 0, SEED_LIMIT - 1] | None = None,
        mode: str = "linear",
        fill: bool = False,
    ) -> None:
        # Large seminars take a moment to solve; Discord wants an answer within 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        run = await services_of(interaction).assignments.run(
            interaction.guild_id, interaction.user.id, seed, mode, fill
        )
        await reply(interaction, embed=preview_embed(run))

    @assign.command(name="set", description=command_help("admin assign set"))
    @described("admin assign set")
    @app_commands.autocomplete(paper=paper_autocomplete)
    async def assign_set(
        self, interaction: discord.Interaction, member: discord.Member, paper: str
    ) -> None:
        change = await services_of(interaction).assignments.pin(
            interaction.guild_id, interaction.user.id, member.id, paper
        )
        await reply(interaction, pinned_text(change, DISCORD_STYLE))

    @assign.command(name="clear", description=command_help("admin assign clear"))
    @described("admin assign clear")
    async def assign_clear(self, interaction: discord.Interaction, member: discord.Member) -> None:
        paper = await services_of(interaction).assignments.unpin(
            interaction.guild_id, interaction.user.id, member.id
        )
        await reply(interaction, unpinned_text(paper, DISCORD_STYLE, mention(member.id)))

    @assign.command(name="publish", description=command_help("admin assign publish"))
    async def assign_publish(self, interaction: discord.Interaction) -> None:
        assignments = services_of(interaction).assignments
        run = await assignments.preview(interaction.guild_id)
        if run.status == "published":
            await reply(interaction, already_published(run, DISCORD_STYLE))
            return
        channel = f"<#{run.seminar.channel_id}>" if run.seminar.channel_id else None

        async def confirmed(click: discord.Interaction) -> str:
            result = await assignments.publish(click.guild_id, click.user.id)
            return published_text(result, channel, DISCORD_STYLE)

        warning = (
            ""
            if channel
            else "\n⚠️ No announcement channel is set (`/admin setup channel:`), so only DMs go out."
        )
        await ask(
            interaction,
            publish_question(run, channel, DISCORD_STYLE) + warning,
            PUBLISH_LABEL,
            confirmed,
            still_allowed=still_organiser,
            embed=preview_embed(run),
        )
