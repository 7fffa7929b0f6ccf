"""The demo seminar, and the console's reminder engine on a real database.

In process, on the real services and SQLite: the demo holds what the
announcement says, and `advance` delivers the console seminar's reminders
without touching those of a chat seminar in the same database.
"""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.commands.plain import PlainStyle
from bot.console import demo
from bot.console.clock import ConsoleClock
from bot.console.outbox import ConsoleOutbox
from bot.console.screen import Screen
from bot.console.timeline import Timeline
from bot.core.identities import IdentityService
from bot.core.models import Platform
from bot.core.reminders import Dispatcher, ReminderPlanner
from bot.core.services import Services
from bot.store.database import Database
from tests.core.helpers import make_seminar

DISCORD_GUILD = 4242


async def build_demo(tmp_path: Path) -> tuple[Services, ConsoleClock, IdentityService, int]:
    db = await Database.open(tmp_path / "demo.db")
    clock = ConsoleClock(start=int(demo.START.timestamp()))
    services = Services.build(db, clock)
    identities = services.identities
    place = await identities.place(Platform.CONSOLE, "seminar")

    async def account_of(name: str) -> int:
        return await identities.account(Platform.CONSOLE, name)

    await demo.build(services, place, account_of)
    return services, clock, identities, place


async def test_the_demo_is_the_reference_seminar(tmp_path: Path) -> None:
    services, _, _, place = await build_demo(tmp_path)
    try:
        overview = await services.seminars.overview(place)
        assert overview.seminar.title == "Theoretical Advances in Deep Learning"
        assert overview.seminar.capacity == 20
        assert "a.craciun@tum.de" in overview.seminar.contact
        assert overview.registered == len(demo.STUDENTS) == 12
        assert [d.kind for d in overview.deadlines] == [m.kind for m in demo.TIMELINE]
        topics = await services.papers.topics(place)
        assert len(topics) == 6
        papers = await services.papers.browse(place)
        per_topic = {topic: sum(p.topic == topic for p in papers) for topic in topics}
        assert all(3 <= count <= 5 for count in per_topic.values()), per_topic
        assert all(p.arxiv.startswith("https://arxiv.org/abs/") and p.venue for p in papers)
        hours = await services.office_hours.show(place)
        assert hours.duration_minutes == 120
    finally:
        await services.db.close()


async def test_advance_delivers_only_the_console_seminars_reminders(tmp_path: Path) -> None:
    services, clock, identities, _ = await build_demo(tmp_path)
    try:
        # A Discord seminar in the same database, with a deadline in the same week.
        await make_seminar(services, DISCORD_GUILD, channel_id=77)
        await services.deadlines.set(DISCORD_GUILD, 9, "report", "2026-08-20 12:00", "7d")
        out = io.StringIO()

        async def style(reader: int | None) -> PlainStyle:
            return PlainStyle(clock, ZoneInfo(demo.TIMEZONE))

        async def name(account_id: int) -> str:
            found = await identities.external_account(account_id)
            return "?" if found is None else found[1]

        async def place_name(place_id: int) -> str:
            return "seminar"

        outbox = ConsoleOutbox(Screen(out, colour=False), style, name, place_name)
        planner = ReminderPlanner(services.db, clock, {Platform.CONSOLE})
        dispatcher = Dispatcher(services.db, clock, {Platform.CONSOLE: outbox})
        timeline = Timeline(clock, planner, dispatcher)
        await timeline.advance_to(int(demo.START.timestamp()) + 30 * 86_400)

        text = out.getvalue()
        assert "[#seminar] ⏰ Reminder for Theoretical Advances in Deep Learning" in text
        assert "[DM judy]" in text and "[DM alice]" not in text  # alice ranked already
        assert "report" not in text
        # The chat seminar's reminder is still waiting for its own bot.
        left = await ReminderPlanner(services.db, clock, {Platform.DISCORD}).pending()
        discord = await services.seminars.seminar(DISCORD_GUILD)
        assert any(o.seminar_id == discord.id and o.due_at < clock.now() for o in left)
    finally:
        await services.db.close()
