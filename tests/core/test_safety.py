"""Cross-cutting promises: the audit trail, hostile text, and servers without a seminar."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

import pytest

from bot.core.deadlines import DeadlineService
from bot.core.errors import DomainError, InvalidInput, NoSeminar, NotFound
from bot.core.models import PaperFields
from bot.core.papers import PaperService
from bot.core.preferences import PreferenceService
from bot.core.registration import RegistrationService
from bot.core.seminars import SeminarService
from bot.core.services import Services
from bot.store import audit
from tests.clock import FakeClock
from tests.core.helpers import (
    GUILD,
    ORGANISER,
    OTHER_GUILD,
    add_paper,
    audit_actions,
    join_all,
    make_seminar,
    ranking_codes,
)

# SQL and LIKE metacharacters, mentions, Markdown and format placeholders.
HOSTILE = (
    'Robert\'); DROP TABLE papers;-- "quoted" 100% _x_ \\ @everyone @here <@&1> <@123> '
    "`code` **bold** {due} {0} }{"
)


# -- the audit trail ----------------------------------------------------------------


async def test_every_organiser_change_leaves_an_audit_row(
    services: Services, clock: FakeClock
) -> None:
    steps: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("seminar.create", lambda: make_seminar(services)),
        ("seminar.update", lambda: services.seminars.setup(GUILD, ORGANISER, capacity=30)),
        ("paper.add", lambda: add_paper(services, "wei-ma-2019")),
        (
            "paper.edit",
            lambda: services.papers.edit(GUILD, ORGANISER, "wei-ma-2019", {"venue": "NeurIPS"}),
        ),
        (
            "paper.import",
            lambda: services.papers.import_file(
                GUILD, ORGANISER, "c.csv", b"code,title\njacot-2018,NTK\n"
            ),
        ),
        ("paper.remove", lambda: services.papers.remove(GUILD, ORGANISER, "jacot-2018")),
        (
            "deadline.set",
            lambda: services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59"),
        ),
        (
            "deadline.set",
            lambda: services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-22 23:59"),
        ),
        ("deadline.remove", lambda: services.deadlines.remove(GUILD, ORGANISER, "report")),
    ]
    for expected, step in steps:
        before = await audit.recent(services.db, GUILD, 1000)
        clock.advance(60)
        await step()
        after = await audit.recent(services.db, GUILD, 1000)
        new = after[: len(after) - len(before)]
        assert [row["action"] for row in new if row["actor_id"] == ORGANISER] == [expected]
        assert new[-1]["at"] == clock.now()
    rows = {row["action"]: row["detail"] for row in await audit.recent(services.db, GUILD, 1000)}
    assert rows["seminar.update"]["capacity"] == 30
    assert rows["paper.edit"] == {"code": "wei-ma-2019", "changes": {"venue": "NeurIPS"}}
    assert rows["paper.remove"] == {"code": "jacot-2018", "rankings_touched": 0}
    assert rows["deadline.remove"]["kind"] == "report"


async def test_a_moved_deadline_records_where_it_was(services: Services) -> None:
    await make_seminar(services)
    first = await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-15 23:59")
    await services.deadlines.set(GUILD, ORGANISER, "report", "2027-01-22 23:59")
    latest = (await audit.recent(services.db, GUILD, 1))[0]["detail"]
    assert latest["previous_due_at"] == first.deadline.due_at


async def test_a_renamed_paper_is_audited_under_its_old_code(services: Services) -> None:
    await make_seminar(services)
    await add_paper(services, "wei-ma-2019")
    await services.papers.edit(GUILD, ORGANISER, "wei-ma-2019", {"code": "wm-19"})
    latest = (await audit.recent(services.db, GUILD, 1))[0]
    assert latest["action"] == "paper.edit"
    assert latest["detail"] == {"code": "wei-ma-2019", "changes": {"code": "wm-19"}}


async def test_refused_changes_leave_no_audit_row(services: Services) -> None:
    await make_seminar(services)
    await add_paper(services, "wei-ma-2019")
    actions = await audit_actions(services)
    attempts: list[Callable[[], Awaitable[object]]] = [
        lambda: services.seminars.setup(GUILD, ORGANISER, timezone="Nowhere"),
        lambda: add_paper(services, "wei-ma-2019"),
        lambda: services.papers.edit(GUILD, ORGANISER, "nope", {"title": "T"}),
        lambda: services.papers.remove(GUILD, ORGANISER, "nope"),
        lambda: services.deadlines.set(GUILD, ORGANISER, "report", "2027-03-28 02:30"),
        lambda: services.deadlines.remove(GUILD, ORGANISER, "report"),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError):
            await attempt()
    assert await audit_actions(services) == actions


async def test_audit_rows_belong_to_their_server(services: Services) -> None:
    await make_seminar(services)
    await make_seminar(services, OTHER_GUILD)
    await add_paper(services, "other-paper", guild_id=OTHER_GUILD)
    assert await audit_actions(services, GUILD) == ["seminar.create"]
    assert await audit_actions(services, OTHER_GUILD) == ["seminar.create", "paper.add"]


# -- hostile text -------------------------------------------------------------------


async def test_hostile_text_is_stored_verbatim_everywhere(services: Services) -> None:
    seminar = await make_seminar(services, title=HOSTILE, term=HOSTILE[:100], contact=HOSTILE[:200])
    assert (seminar.title, seminar.term, seminar.contact) == (
        HOSTILE,
        HOSTILE[:100],
        HOSTILE[:200],
    )
    paper = await add_paper(
        services, "bobby-tables", HOSTILE, authors=HOSTILE, venue=HOSTILE, topic=HOSTILE[:100]
    )
    assert (paper.title, paper.authors, paper.venue, paper.topic) == (
        HOSTILE,
        HOSTILE,
        HOSTILE,
        HOSTILE[:100],
    )
    assert await services.papers.topics(GUILD) == [HOSTILE[:100]]
    assert [p.code for p in await services.papers.browse(GUILD, HOSTILE[:100])] == ["bobby-tables"]
    change = await services.deadlines.set(
        GUILD, ORGANISER, "report", "2027-01-15 23:59", note=HOSTILE
    )
    assert change.deadline.note == HOSTILE
    await services.registration.join(GUILD, 101, HOSTILE[:100])
    (row,) = (await services.registration.overview(GUILD)).rows
    assert row.participant.display_name == HOSTILE[:100]
    # Typed instead of picked, a title finds its paper, metacharacters and all.
    await services.seminars.setup(GUILD, ORGANISER, pref_count=1)
    await services.preferences.set(GUILD, 101, [HOSTILE])
    assert await ranking_codes(services, 101) == ["bobby-tables"]
    assert [p.code for p in await services.papers.suggest(GUILD, "'); DROP")] == ["bobby-tables"]
    # The audit trail keeps it verbatim too.
    details = [row["detail"] for row in await audit.recent(services.db, GUILD, 100)]
    assert any(d.get("title") == HOSTILE for d in details)
    # …and nothing was dropped along the way.
    tables = {
        r["name"]
        for r in await services.db.fetch_all("SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert {"seminars", "papers", "participants", "preferences", "deadlines"} <= tables
    assert await services.db.fetch_value("SELECT count(*) FROM papers") == 1


async def test_hostile_csv_cells_are_stored_verbatim(services: Services) -> None:
    await make_seminar(services)
    quoted = HOSTILE.replace('"', '""')
    data = f'code,title,authors\nbobby-tables,"{quoted}","{quoted}"\n'.encode()
    report = await services.papers.import_file(GUILD, ORGANISER, "x.csv", data)
    assert report.added == ["bobby-tables"]
    paper = await services.papers.get(GUILD, "bobby-tables")
    assert (paper.title, paper.authors) == (HOSTILE, HOSTILE)


@pytest.mark.parametrize(
    "code", ["'; DROP TABLE papers; --", "@everyone", "<@&1>", "a%", "{due}", "x" * 41]
)
async def test_hostile_codes_are_refused_and_echoed_harmlessly(
    services: Services, code: str
) -> None:
    await make_seminar(services)
    with pytest.raises(InvalidInput) as caught:
        await add_paper(services, code)
    assert caught.value.render(lambda _: "never called", lambda _: "nobody") == caught.value.message
    with pytest.raises(NotFound) as missing:
        await services.papers.get(GUILD, code)
    assert (
        missing.value.render(lambda _: "never called", lambda _: "nobody") == missing.value.message
    )
    assert await services.db.fetch_value("SELECT count(*) FROM papers") == 0


async def test_hostile_paper_choice_is_refused_without_touching_the_ranking(
    services: Services,
) -> None:
    await make_seminar(services, pref_count=1)
    await add_paper(services, "wei-ma-2019")
    await join_all(services, 101)
    await services.preferences.set(GUILD, 101, ["wei-ma-2019"])
    with pytest.raises(InvalidInput, match="no paper"):
        await services.preferences.set(GUILD, 101, [HOSTILE])
    with pytest.raises(InvalidInput, match="no paper"):
        await services.preferences.set(GUILD, 101, ["%"])
    assert await ranking_codes(services, 101) == ["wei-ma-2019"]


# -- a server without a seminar -----------------------------------------------------

Call = Callable[[Services, int | None], Awaitable[object]]
CSV = b"code,title\nwei-ma-2019,T\n"

# Every service method a command reaches, except /admin setup (which creates the
# seminar) and SeminarService.find (which answers None for checks).
COMMAND_PATHS: dict[str, Call] = {
    "SeminarService.overview": lambda s, g: s.seminars.overview(g),
    "PaperService.browse": lambda s, g: s.papers.browse(g),
    "PaperService.rendered": lambda s, g: s.papers.rendered(g, None, "count", len),
    "PaperService.topic_by_key": lambda s, g: s.papers.topic_by_key(g, "0123456789ab"),
    "PaperService.topics": lambda s, g: s.papers.topics(g),
    "PaperService.get": lambda s, g: s.papers.get(g, "wei-ma-2019"),
    "PaperService.suggest": lambda s, g: s.papers.suggest(g, "wei"),
    "PaperService.add": lambda s, g: s.papers.add(g, ORGANISER, PaperFields("wei-ma-2019", "T")),
    "PaperService.edit": lambda s, g: s.papers.edit(g, ORGANISER, "wei-ma-2019", {"title": "T"}),
    "PaperService.remove": lambda s, g: s.papers.remove(g, ORGANISER, "wei-ma-2019"),
    "PaperService.import_file": lambda s, g: s.papers.import_file(g, ORGANISER, "c.csv", CSV),
    "RegistrationService.join": lambda s, g: s.registration.join(g, 101, "name"),
    "RegistrationService.check_leave": lambda s, g: s.registration.check_leave(g, 101),
    "RegistrationService.leave": lambda s, g: s.registration.leave(g, 101),
    "RegistrationService.overview": lambda s, g: s.registration.overview(g),
    "PreferenceService.set": lambda s, g: s.preferences.set(g, 101, ["a1", "b2", "c3"]),
    "PreferenceService.show": lambda s, g: s.preferences.show(g, 101),
    "PreferenceService.clear": lambda s, g: s.preferences.clear(g, 101),
    "DeadlineService.set": lambda s, g: s.deadlines.set(g, ORGANISER, "report", "2027-01-15 23:59"),
    "DeadlineService.remove": lambda s, g: s.deadlines.remove(g, ORGANISER, "report"),
    "DeadlineService.get": lambda s, g: s.deadlines.get(g, "report"),
    "DeadlineService.kinds": lambda s, g: s.deadlines.kinds(g),
    "DeadlineService.for_user": lambda s, g: s.deadlines.for_user(g, 101),
}
NOT_COMMAND_PATHS = {"SeminarService.setup", "SeminarService.find", "Service.seminar"}


@pytest.mark.parametrize("guild_id", [GUILD, None])
@pytest.mark.parametrize("path", sorted(COMMAND_PATHS))
async def test_every_command_path_needs_a_seminar(
    services: Services, path: str, guild_id: int | None
) -> None:
    await make_seminar(services, OTHER_GUILD)  # a seminar elsewhere must not leak in
    with pytest.raises(NoSeminar, match="/admin setup"):
        await COMMAND_PATHS[path](services, guild_id)
    assert await services.seminars.find(GUILD) is None


def test_the_no_seminar_table_covers_every_public_service_method() -> None:
    classes = (
        SeminarService,
        PaperService,
        RegistrationService,
        PreferenceService,
        DeadlineService,
    )
    public = {
        f"{cls.__name__}.{name}"
        for cls in classes
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }
    missing = public - set(COMMAND_PATHS) - NOT_COMMAND_PATHS
    assert not missing, f"add these to COMMAND_PATHS: {sorted(missing)}"
    assert set(COMMAND_PATHS) <= public
