"""What each reminder says: one function per kind of occurrence, every template here
(except a one-off notice's, written where it is queued: registration.py).

Templates keep `{name}` placeholders for instants and people (outbox.Notice); each
front end renders them. User text goes through `literal` so its braces stay text.
Whom a reminder reaches is decided in audience.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from bot.core.errors import person
from bot.core.models import AssignedPaper, DeadlineKind
from bot.core.reminders.occurrences import Occurrence, Source
from bot.core.reminders.outbox import Notice, literal
from bot.core.text import clip
from bot.store import announcements as announcement_store
from bot.store import assignments as assignment_store
from bot.store import deadlines as deadline_store
from bot.store import reminders as store
from bot.store import seminars as seminar_store
from bot.store import talks as talk_store
from bot.store.database import Database

# The channel post lists every paper within this many characters (a message holds
# 2000); what does not fit is left to /paper.
PUBLICATION_POST_BUDGET = 1_900

DEADLINE_NAMES: dict[str, str] = {
    DeadlineKind.PREFERENCES: "paper preferences",
    DeadlineKind.DEREGISTRATION: "de-registration",
    DeadlineKind.REPORT: "report (PDF)",
    DeadlineKind.SLIDES: "slides (PDF)",
    DeadlineKind.PRESENTATION: "final presentation",
}
DEADLINE_ACTIONS: dict[str, str] = {
    DeadlineKind.PREFERENCES: "Rank your papers with `/prefs set` if you have not yet.",
    DeadlineKind.DEREGISTRATION: "Last chance to leave with `/leave`; after this you stay in.",
    DeadlineKind.REPORT: "Hand it in with `/submit kind:report`.",
    DeadlineKind.SLIDES: "Hand them in with `/submit kind:slides`.",
    DeadlineKind.PRESENTATION: "See `/talks` for the programme.",
}


async def notice_for(db: Database, occurrence: Occurrence, prefix: str = "") -> Notice | None:
    """What the occurrence says now, after `prefix` (`late_prefix`); None when its row is
    gone."""
    return await _WORDING[occurrence.source](db, occurrence, prefix)


def late_prefix(late: bool, offline: bool) -> str:
    """What leads a notice sent after its time, the shared one and every personal one."""
    if not late:
        return ""
    # Say why only when we know it: a retry after failed sends is late too.
    return "(Sent late: the bot was offline.) " if offline else "(Sent late.) "


async def _deadline_notice(db: Database, occurrence: Occurrence, prefix: str) -> Notice | None:
    deadline = await deadline_store.by_id(db, occurrence.ref_id)
    if deadline is None:
        return None
    kind = deadline.kind
    name = DEADLINE_NAMES.get(kind, literal(clip(kind, 40)))
    title = literal(clip(await seminar_store.title_of(db, occurrence.seminar_id), 200))
    text = f"{prefix}⏰ Reminder for **{title}**: the **{name}** deadline is {{due}}."
    if deadline.note:
        text += f"\n{literal(clip(deadline.note, 500))}"
    action = DEADLINE_ACTIONS.get(kind)
    if action:
        text += f"\n{action}"
    return Notice(text, {"due": occurrence.event_at})


async def _announcement_notice(db: Database, occurrence: Occurrence, prefix: str) -> Notice | None:
    announcement = await store.live_announcement(db, occurrence.ref_id)
    if announcement is None:
        return None
    return Notice(
        f"{prefix}📣 {literal(announcement.message)}",
        {},
        ping_role_id=announcement.ping_role_id,
    )


async def _stored_notice(db: Database, occurrence: Occurrence, prefix: str) -> Notice | None:
    notice = await store.notice(db, occurrence.ref_id)
    return None if notice is None else Notice(prefix + notice.template)


async def _office_hours_notice(db: Database, occurrence: Occurrence, prefix: str) -> Notice | None:
    hours = await announcement_store.office_hours(db, occurrence.seminar_id)
    if hours is None:
        return None
    soon = _how_soon(occurrence)
    return Notice(
        f"{prefix}🕑 Office hours {soon}: {{start}} for {hours.duration_minutes} min, "
        f"{literal(clip(hours.place, 200))}.",
        {"start": occurrence.event_at},
    )


async def _publication_notice(db: Database, occurrence: Occurrence, prefix: str) -> Notice | None:
    """The channel post: every paper with its presenters (mentions, never pings)."""
    run = await assignment_store.run_by_id(db, occurrence.ref_id)
    if run is None or run.status != "published":
        return None  # superseded: the newer publication sends its own notice
    what = "updated" if run.based_on is not None else "published"
    title = await seminar_store.title_of(db, occurrence.seminar_id)
    text = (
        f"{prefix}📋 The paper assignment for **{literal(clip(title, 200))}** "
        f"is {what}. Your own paper, its links and what is due next: `/assignment`."
    )
    per_paper: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    people: dict[str, int] = {}
    for presenter in await assignment_store.publication_listing(db, occurrence.ref_id):
        per_paper.setdefault(presenter.paper_code, []).append(person(people, presenter.user_id))
        titles[presenter.paper_code] = presenter.paper_title
    lines = [
        f"• `{literal(code)}` {literal(clip(titles[code], 50))} — {', '.join(who)}"
        for code, who in per_paper.items()
    ]
    # One message holds 2000 characters: drop the titles before dropping papers.
    if len(text) + sum(len(line) + 1 for line in lines) > PUBLICATION_POST_BUDGET:
        lines = [f"• `{literal(code)}` — {', '.join(who)}" for code, who in per_paper.items()]
    text = _within_budget(text, lines, len(lines), "more papers: see `/paper`.")
    return Notice(text, people=people)


async def talk_notice(db: Database, occurrence: Occurrence, prefix: str) -> Notice | None:
    """A presenter's reminder of their talk."""
    talk = await talk_store.slot_by_id(db, occurrence.ref_id)
    if talk is None:
        return None
    title = await seminar_store.title_of(db, occurrence.seminar_id)
    soon = _how_soon(occurrence)
    return Notice(
        f"{prefix}🎤 Your talk in **{literal(clip(title, 200))}** is {soon}: "
        f"{{start}}, `{literal(talk.paper_code)}` {literal(clip(talk.paper_title, 200))} "
        f"(day {talk.day_index + 1}, talk {talk.position}). "
        "Bring your slides; the programme: `/talks`.",
        {"start": occurrence.event_at},
    )


def with_check_in_code(notice: Notice, code: str) -> Notice:
    """The presenter's hour-before DM with the talk's check-in code added."""
    return Notice(
        f"{notice.template}\nCheck-in code for your audience: `{code}` (put it on a "
        "slide or say it; `/attend` takes it from 10 minutes before your start).",
        notice.instants,
    )


async def _block_day_notice(db: Database, occurrence: Occurrence, prefix: str) -> Notice | None:
    schedule = await talk_store.schedule(db, occurrence.seminar_id)
    talks = [
        talk
        for talk in await talk_store.talks(db, occurrence.seminar_id)
        if talk.day_index == occurrence.ref_id
    ]
    title = await seminar_store.title_of(db, occurrence.seminar_id)
    if schedule is None or not talks:
        return None
    text = (
        f"{prefix}📅 Block seminar of **{literal(clip(title, 200))}**, day "
        f"{occurrence.ref_id + 1}, is tomorrow: {{start}}. Attendance is required. "
        f"{len(talks)} talk{'' if len(talks) == 1 else 's'} (times: `/talks`):"
    )
    people: dict[str, int] = {}
    # A generator: a presenter is named in `people` only once their line is written.
    lines = (
        f"{talk.position}. `{literal(talk.paper_code)}` "
        f"{literal(clip(talk.paper_title, 50))} — {person(people, talk.user_id)}"
        for talk in talks
    )
    text = _within_budget(text, lines, len(talks), "more: see `/talks`.")
    return Notice(text, {"start": occurrence.event_at}, people=people)


def assignment_dm(seminar_title: str, assigned: AssignedPaper, prefix: str = "") -> Notice:
    """A student's DM about the paper a publication gave them (`seminar_title` is
    already literal)."""
    text = (
        f"{prefix}📋 Your paper in **{seminar_title}**: "
        f"**{literal(clip(assigned.paper_title, 300))}** (`{literal(assigned.paper_code)}`)"
    )
    if assigned.rank is not None:
        text += f", your choice #{assigned.rank}"
    text += "."
    if assigned.authors:
        text += f"\n{literal(clip(assigned.authors, 300))}"
    if assigned.url:
        text += f"\nConference version: {literal(assigned.url)}"
    if assigned.arxiv:
        text += f"\narXiv: {literal(assigned.arxiv)}"
    text += "\nWhat is due next: `/assignment`."
    return Notice(text)


def _how_soon(occurrence: Occurrence) -> str:
    """When the event is, in words, for a notice sent `offset` before it: office hours
    are noticed 15 minutes and a day before, a talk an hour and a day before."""
    if occurrence.offset <= 900:
        return "in 15 minutes"
    if occurrence.offset <= 3_600:
        return "in one hour"
    return "tomorrow"


def _within_budget(text: str, lines: Iterable[str], total: int, rest: str) -> str:
    """`text` with each of `total` lines on its own line while the post stays within
    PUBLICATION_POST_BUDGET; then one line saying how many `rest` (e.g. "more: see
    `/talks`.")."""
    size = len(text)
    for index, line in enumerate(lines):
        if size + len(line) + 1 > PUBLICATION_POST_BUDGET:
            return f"{text}\n… and {total - index} {rest}"
        text += f"\n{line}"
        size += len(line) + 1
    return text


_WORDING: dict[Source, Callable[[Database, Occurrence, str], Awaitable[Notice | None]]] = {
    Source.DEADLINE: _deadline_notice,
    Source.ANNOUNCEMENT: _announcement_notice,
    Source.PUBLICATION: _publication_notice,
    Source.TALK: talk_notice,
    Source.BLOCK_DAY: _block_day_notice,
    Source.NOTICE: _stored_notice,
    Source.OFFICE_HOURS: _office_hours_notice,
}
