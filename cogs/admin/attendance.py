"""/admin attendance show|set|excuse: who was at which talk, the codes, corrections.

Discord allows one level of groups under /admin and a name cannot be both a
subcommand and a group, so the overview is `/admin attendance show`.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.commands.handlers.admin.attendance import (
    MISSED_HEADING,
    NOBODY_MISSED,
    REFUSAL_NAMES,
    codes_hint,
    excused_text,
    overview_title,
    recorded_text,
    refused_heading,
    rule_text,
)
from bot.core.attendance import Overview, TalkAttendance
from bot.core.text import clip
from bot.discord.style import DISCORD_STYLE
from bot.discord.ui import EMBED_FIELD_VALUE, add_field, embed, join_within, reply, safe, ts
from cogs.admin.base import AdminMixin
from cogs.common import command_help, described, services_of, unless_refused


async def talk_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Talks whose number, paper code or title contains what was typed (at most 25)."""
    overview = await unless_refused(
        services_of(interaction).attendance.overview(interaction.guild_id)
    )
    if overview is None:
        return []
    wanted = current.strip().lstrip("#").casefold()
    found = []
    for item in overview.talks:
        talk = item.talk
        name = f"#{talk.position} {talk.paper_code} — {talk.paper_title}"
        if wanted in name.casefold():
            found.append(app_commands.Choice(name=clip(name, 100), value=str(talk.position)))
    return found[:25]


def _people(ids: list[int], limit: int = 300) -> str:
    """Mentions (which never ping) up to about `limit` characters, then how many more."""
    text = ""
    for index, account_id in enumerate(ids):
        part = f"<@{account_id}>"
        if text and len(text) + len(part) + 2 > limit:
            return f"{text} … +{len(ids) - index}"
        text = f"{text}, {part}" if text else part
    return text or "—"


def _talk_field(item: TalkAttendance) -> tuple[str, str]:
    talk = item.talk
    name = (
        f"#{talk.position} {talk.paper_code} · code {talk.code} · {item.state}"
        if item.state != "closed"
        else f"#{talk.position} {talk.paper_code} · code {talk.code}"
    )
    value = (
        f"{ts(talk.starts_at, 'f')}, <@{talk.presenter_id}>\n"
        # Who was there is everyone not listed below (the CSV names them all): one
        # embed holds 6000 characters, twenty talks of twenty names do not fit.
        f"✅ {len(item.present)} checked in\n"
        f"{'❌ missing' if item.state == 'closed' else '⏳ not yet'} "
        f"{len(item.missing)}: {_people(item.missing)}"
    )
    if item.excused:
        value += f"\n🩹 excused {len(item.excused)}: {_people(item.excused)}"
    return name, clip(value, EMBED_FIELD_VALUE)


def overview_embed(overview: Overview) -> discord.Embed:
    page = embed(overview_title(overview), rule_text(overview, DISCORD_STYLE))
    missed = [s for s in overview.students if s.missed]
    add_field(
        page,
        MISSED_HEADING,
        join_within([f"<@{s.account_id}>: {s.missed}" for s in missed], EMBED_FIELD_VALUE)
        if missed
        else NOBODY_MISSED,
    )
    refused = overview.refused
    if refused:
        recent = [
            f"{ts(a.at, 't')} <@{a.account_id}> `{safe(a.code, 12)}` {REFUSAL_NAMES[a.reason]}"
            for a in reversed(refused)
        ]
        add_field(page, refused_heading(overview), join_within(recent, 1000))
    before = len(page.fields)
    for item in overview.talks:
        add_field(page, *_talk_field(item))
    left_out = len(overview.talks) - (len(page.fields) - before)
    more = f"{left_out} talks did not fit here. " if left_out else ""
    # An embed footer shows no markdown: the command stays plain text there.
    page.set_footer(text=more + codes_hint(DISCORD_STYLE.command("admin export")))
    return page


class AttendanceCommands(AdminMixin):
    attendance = app_commands.Group(
        name="attendance", description="Attendance of the block seminar's talks"
    )

    @attendance.command(name="show", description=command_help("admin attendance show"))
    async def attendance_show(self, interaction: discord.Interaction) -> None:
        overview = await services_of(interaction).attendance.overview(interaction.guild_id)
        await reply(interaction, embed=overview_embed(overview))

    @attendance.command(name="set", description=command_help("admin attendance set"))
    @described("admin attendance set")
    @app_commands.autocomplete(talk=talk_autocomplete)
    async def attendance_set(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        talk: str,
        present: bool,
    ) -> None:
        found, _ = await services_of(interaction).attendance.set(
            interaction.guild_id, interaction.user.id, member.id, talk, present
        )
        who = DISCORD_STYLE.person(member.id, member.display_name)
        await reply(interaction, recorded_text(who, found, present, DISCORD_STYLE))

    @attendance.command(name="excuse", description=command_help("admin attendance excuse"))
    @described("admin attendance excuse")
    @app_commands.autocomplete(talk=talk_autocomplete)
    async def attendance_excuse(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        talk: str,
        reason: app_commands.Range[str, 1, 300],
    ) -> None:
        found, excuse = await services_of(interaction).attendance.excuse(
            interaction.guild_id, interaction.user.id, member.id, talk, reason
        )
        who = DISCORD_STYLE.person(member.id, member.display_name)
        await reply(interaction, excused_text(who, found, excuse, DISCORD_STYLE))
