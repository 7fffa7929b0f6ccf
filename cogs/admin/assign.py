"""/admin assign run|set|clear|publish: the paper assignment."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.assigning import SEED_LIMIT, RunSummary
from bot.discord.ui import ConfirmView, add_field, embed, join_within, reply, safe
from bot.discord.ui import when as show_time
from cogs.admin.base import AdminMixin
from cogs.common import paper_autocomplete, services_of, still_organiser

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def ordinal(rank: int) -> str:
    return ORDINALS.get(rank, f"{rank}th")


def preview_embed(run: RunSummary) -> discord.Embed:
    """The preview as organisers see it: statistics only, every number reproducible."""
    status = {
        "preview": "Nothing is public yet. `/admin assign publish` publishes this preview.",
        "published": "This is the published assignment.",
    }.get(run.status, "")
    page = embed(f"Assignment preview #{run.run_id}", status)
    lines = [f"{ordinal(rank)} choice: **{n}**" for rank, n in run.ranks if n or rank <= 3]
    lines.append(f"Unranked (pinned or filled): **{run.histogram.get('unranked', 0)}**")
    lines.append(f"Unassigned: **{run.histogram.get('unassigned', 0)}**")
    add_field(page, f"{run.placed} of {run.students} students placed", "\n".join(lines))
    moved = (
        "nothing is published yet"
        if run.moved is None
        else f"**{run.moved}** student{'' if run.moved == 1 else 's'}"
    )
    add_field(page, "Moved vs published", moved, inline=True)
    add_field(page, "Pinned", str(run.histogram.get("pinned", 0)), inline=True)
    add_field(
        page,
        "Options",
        f"seed `{run.seed}` · mode `{run.mode}` · fill `{str(run.fill).lower()}`",
        inline=True,
    )
    add_field(page, "Input hash", f"`{run.input_hash}`")
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
    page.set_footer(text="Same seed + same input hash = same result.")
    return page


class AssignCommands(AdminMixin):
    assign = app_commands.Group(
        name="assign", description="Compute, pin and publish the paper assignment"
    )

    @assign.command(name="run", description="Compute an optimal assignment and preview it")
    @app_commands.describe(
        seed="Tie-break seed, to reproduce a run (default: a random one, shown in the preview)",
        mode="linear: fewest total rank (default); fair: fewer students on a low choice",
        fill="Also place students who ranked nothing on leftover papers (default: no)",
    )
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

    @assign.command(name="set", description="Pin a student to a paper (kept by later runs)")
    @app_commands.describe(member="The student to pin", paper="The paper they will present")
    @app_commands.autocomplete(paper=paper_autocomplete)
    async def assign_set(
        self, interaction: discord.Interaction, member: discord.Member, paper: str
    ) -> None:
        change = await services_of(interaction).assignments.pin(
            interaction.guild_id, interaction.user.id, member.id, paper
        )
        text = (
            f"Pinned <@{change.student.user_id}> to `{change.paper.code}` — "
            f"{safe(change.paper.title, 200)}."
        )
        if change.replaced is not None:
            text += f" (Their pin to `{change.replaced.code}` is replaced.)"
        text += " Later runs keep them there; `/admin assign run` shows the effect."
        await reply(interaction, text)

    @assign.command(name="clear", description="Remove a student's pin")
    @app_commands.describe(member="The student whose pin to remove")
    async def assign_clear(self, interaction: discord.Interaction, member: discord.Member) -> None:
        paper = await services_of(interaction).assignments.unpin(
            interaction.guild_id, interaction.user.id, member.id
        )
        await reply(
            interaction,
            f"Removed <@{member.id}>'s pin to `{paper.code}`. The next run may place them "
            "anywhere.",
        )

    @assign.command(
        name="publish", description="Publish the preview: a channel post and a DM to each student"
    )
    async def assign_publish(self, interaction: discord.Interaction) -> None:
        assignments = services_of(interaction).assignments
        run = await assignments.preview(interaction.guild_id)
        if run.status == "published":
            await reply(
                interaction,
                f"Preview #{run.run_id} is already published; nothing is sent again. "
                "`/admin assign run` computes a new preview.",
            )
            return
        channel = run.seminar.channel_id

        async def confirmed(click: discord.Interaction) -> str:
            result = await assignments.publish(click.guild_id, click.user.id)
            if result.already:
                return f"Preview #{result.run.run_id} was already published; nothing sent again."
            where = f"a post in <#{channel}> and " if channel else ""
            return (
                f"Published preview #{result.run.run_id}: {result.placed} students placed. "
                f"On their way: {where}{result.notified} DM"
                f"{'' if result.notified == 1 else 's'}. `/admin status` shows the deliveries."
            )

        warning = (
            ""
            if channel
            else "\n⚠️ No announcement channel is set (`/admin setup channel:`), so only DMs go out."
        )
        view = ConfirmView(
            interaction.user.id, confirmed, still_allowed=still_organiser, confirm_label="Publish"
        )
        await reply(
            interaction,
            f"Publish preview #{run.run_id} (seed `{run.seed}`, computed "
            f"{show_time(run.created_at)}): {run.placed} of {run.students} students placed, "
            f"{len(run.unassigned)} unassigned? Every student whose paper is new or changed "
            "gets a DM with it"
            + (f", and the list is posted in <#{channel}>." if channel else ".")
            + warning,
            embed=preview_embed(run),
            view=view,
        )
