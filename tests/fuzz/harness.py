"""The fuzz tier's engine: every slash command against hostile values.

A *run* fuzzes one option of one command: a copy of a seeded seminar (a real SQLite
file, the real services and the real bot with every cog loaded, the way tier 2 builds
it), then every hostile value in turn, each through the tree's own checks and error
handler (`tests.cogs.helpers.invoke`, with spec'd discord.py mocks), as the organiser
for `/admin …` and as a registered student otherwise. A confirm prompt is confirmed by
its owner, so the action behind it is fuzzed too. Checks per call (see CHECKS):

- unhandled: an exception escaped, anything was logged at ERROR (the error handler's
  apology path logs there), or a reply is the apology itself;
- over-limit: a message Discord would reject: content over 2000, an embed over its
  limits (every page of a Pager too), a blank field, an empty message, a long label;
- ping: the allowed mentions in effect (the bot's default merged with the call's)
  would let a mention ping: @everyone/@here, a role no organiser chose with `ping:`,
  users by parsing rather than by an explicit list;
- changed-on-refusal: a refused input (a DomainError or a failed check) left any
  table different (a dump of every table, sqlite_sequence included, before and after);
- echo / shown: a reply shows a control character (other than newline and tab) or a
  bidi override, embedding or isolate, which reorders what the reader sees: "echo"
  when a refusal repeats the value, "shown" when accepted text is shown back.

After each accepted value, the reminder planner must still plan and the pages that
show what the command stores (its plan's `shows`, plus the pages with times for
commands that store one) must still render; a value that breaks them is reported and
the seminar reset, so the next value is judged on its own. At the end of a run every
read-only command renders what the run left, and the reminder engine must fire: a
deadline reminder due now is planned by the real `ReminderPlanner` and sent by the
real `Dispatcher` through tests/core's recording notifier, then everything else due
by then (announcements posted "now" during the run), each notice rendered as the
Discord notifier renders it.

`races` runs /prefs set against the confirm click of /admin paper remove and of the
student's own /leave, a few loop turns apart in each round.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import shutil
import sqlite3
import unicodedata
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import NonCallableMock

import discord
from discord import app_commands

from bot.core.errors import DomainError
from bot.core.models import ALL_PLATFORMS, Platform
from bot.core.reminders import Dispatcher, ReminderPlanner
from bot.core.services import Services
from bot.discord.client import EXTENSIONS, SeminarBot
from bot.discord.outbox import render
from bot.discord.ui import ConfirmView, Pager
from bot.settings import Settings
from bot.store.database import Database
from tests.clock import FakeClock
from tests.cogs.helpers import (
    invoke,
    mock_attachment,
    mock_interaction,
    mock_member,
    mock_role,
    mock_text_channel,
    mock_user,
)
from tests.core.helpers import GUILD, ORGANISER, add_paper, join_all, make_seminar
from tests.core.reminder_fakes import RecordingNotifier
from tests.fuzz import corpus

NOW = 1_790_848_800  # 2026-10-01 10:00 UTC, the preference phase (tests/conftest.py)
CHANNEL = 5_000
ORGANISER_ROLE = 6_000
PING_ROLE = 6_001  # the only role an organiser ever chooses to ping in the fuzz
STUDENT = 101
STUDENTS = tuple(range(101, 113))  # capacity 10: two wait
CAPACITY = 10
PAPERS = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8")
NEWCOMERS = itertools.count(700_000)

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
CONTENT_LIMIT = 2000
EMBED_LIMITS = {"title": 256, "description": 4096, "footer": 2048, "author": 256}
FIELD_NAME, FIELD_VALUE, FIELDS, EMBED_TOTAL, EMBEDS = 256, 1024, 25, 6000, 10
LABEL_LIMIT = 80

APOLOGY = "Sorry, something went wrong"
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MENTION = re.compile(r"@everyone|@here|<@&(\d+)>|<@!?(\d+)>")

CHECKS = (
    "unhandled",
    "over-limit",
    "ping",
    "changed-on-refusal",
    "echo",  # a refusal shows the refused value's control or bidi characters
    "shown",  # accepted text is shown (in a reply, a page or a notice) with them
    "reminders",
)


# -- what a run records ----------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    command: str
    option: str
    value: str
    check: str
    detail: str

    def show(self, width: int = 90) -> str:
        value = self.value if len(self.value) <= 60 else f"{self.value[:40]}…({len(self.value)})"
        return f"/{self.command} {self.option}={value!r}: {self.check}: {self.detail}"[: width * 3]


@dataclass
class Tally:
    tried: int = 0
    refused: int = 0
    unhandled: int = 0
    pings: int = 0
    over_limit: int = 0
    changed_on_refusal: int = 0
    echoes: int = 0
    shown: int = 0
    runs: int = 0
    reminders_fired: int = 0
    viewer_calls: int = 0
    findings: list[Finding] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in (
            "tried",
            "refused",
            "unhandled",
            "pings",
            "over_limit",
            "changed_on_refusal",
            "echoes",
            "shown",
            "runs",
            "reminders_fired",
            "viewer_calls",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.findings.extend(other.findings)

    def count(self, check: str) -> None:
        attribute = {
            "unhandled": "unhandled",
            "over-limit": "over_limit",
            "ping": "pings",
            "changed-on-refusal": "changed_on_refusal",
            "echo": "echoes",
            "shown": "shown",
        }.get(check)
        if attribute is not None:
            setattr(self, attribute, getattr(self, attribute) + 1)


@dataclass
class Message:
    where: str  # reply, followup, edit, channel, dm
    kwargs: dict[str, Any]


# -- the seeded seminar ----------------------------------------------------------------


def minimal_pdf() -> bytes:
    """A one-page PDF that real parsers open (offsets in the xref table computed)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


async def seed(services: Services) -> None:
    """The reference seminar mid-term: papers, students, prefs, deadlines, programme."""
    await make_seminar(
        services,
        capacity=CAPACITY,
        channel_id=CHANNEL,
        organiser_role_id=ORGANISER_ROLE,
        pref_count=3,
    )
    for number, code in enumerate(PAPERS, start=1):
        await add_paper(
            services,
            code,
            f"Paper {number} on generalisation",
            authors="Ada Lovelace; Alan Turing",
            venue="NeurIPS 2019",
            url=f"https://example.org/{code}",
            arxiv="1905.03684",
            topic=f"Topic {number % 3}",
        )
    await join_all(services, *STUDENTS)
    for offset, user_id in enumerate(STUDENTS[:8]):
        codes = [PAPERS[(offset + k) % len(PAPERS)] for k in range(3)]
        await services.preferences.set(GUILD, user_id, codes)
    for kind, when in (
        ("preferences", "2026-10-15 23:59"),
        ("deregistration", "2026-11-01 23:59"),
        ("report", "2027-01-15 23:59"),
        ("slides", "2027-02-01 23:59"),
    ):
        await services.deadlines.set(GUILD, ORGANISER, kind, when)
    await services.office_hours.set(
        GUILD,
        ORGANISER,
        weekday="tuesday",
        start="14:00",
        duration=120,
        place="Room 01.10.011",
        first="2026-10-20",
        last="2027-02-09",
    )
    await services.announcements.post(GUILD, ORGANISER, "Welcome!", "2026-11-02 09:00", None)
    await services.assignments.run(GUILD, ORGANISER, 7, "linear", False)
    await services.assignments.publish(GUILD, ORGANISER)
    await services.talks.schedule(GUILD, ORGANISER, "2027-02-15 09:00", 30, 10, 8)
    await services.grading.grade(GUILD, ORGANISER, STUDENT, report="1.3", presentation=None)
    upload = await services.submissions.start(GUILD, STUDENT, "report", 2_000, 10_000_000)
    await services.submissions.finish(upload, "report.pdf", minimal_pdf())


# -- one world per run -----------------------------------------------------------------


class Recorder:
    """What one interaction was answered, in order; stands in for the AsyncMocks of
    tests.cogs.helpers (reused mocks keep a run fast: a spec'd mock costs milliseconds)."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.done = False

    def sender(self, where: str, *, finishes: bool) -> Callable[..., Awaitable[None]]:
        async def send(*args: Any, **kwargs: Any) -> None:
            if args:
                kwargs["content"] = args[0]
            self.sent.append(Message(where, kwargs))
            if finishes:
                self.done = True

        return send

    async def finish(self, *_: Any, **__: Any) -> None:
        self.done = True


class World:
    """A copy of a seeded seminar with the bot on top; records everything sent."""

    def __init__(self, root: Path, db: Database, bot: SeminarBot, clock: FakeClock) -> None:
        self.root = root
        self.db = db
        self.bot = bot
        self.services = bot.services
        self.clock = clock
        self.outbox: list[Message] = []
        self.errors: list[BaseException] = []
        self.logged: list[logging.LogRecord] = []
        self.student = mock_member(STUDENT, name="Student 101")
        self.organiser = mock_member(ORGANISER, name="Prof", manage_guild=True)
        self.newcomer = mock_member(next(NEWCOMERS), name="Newcomer")
        self.ping_role = mock_role(PING_ROLE, name="Students")
        self.channel = mock_text_channel(CHANNEL)
        self._interaction = mock_interaction(bot)
        self._click = mock_interaction(bot, kind=discord.InteractionType.component)
        self._dump = sqlite3.connect(f"file:{root / 'seminar.db'}?mode=ro", uri=True)
        self.last_dump = self.dump()

    @classmethod
    async def open(cls, template: Path, root: Path) -> World:
        shutil.copytree(template, root)
        clock = FakeClock(NOW)
        db = await Database.open(root / "seminar.db")
        settings = Settings(  # type: ignore[call-arg]
            discord_token="fuzz-token", max_upload_bytes=2_000_000, _env_file=None
        )
        bot = SeminarBot(settings, Services.build(db, clock))
        for extension in EXTENSIONS:
            await bot.load_extension(extension)
        world = cls(root, db, bot, clock)
        world._wire()
        return world

    def _wire(self) -> None:
        """Users, channels and errors the bot reaches for, recorded instead of sent."""
        bot, outbox = self.bot, self.outbox

        async def send(*args: Any, **kwargs: Any) -> None:
            if args:
                kwargs["content"] = args[0]
            outbox.append(Message("channel or DM", kwargs))

        self.channel.send = send
        somebody = mock_user(STUDENT)
        somebody.send = send

        def user(user_id: int) -> Any:
            somebody.id = user_id
            return somebody

        async def fetch_user(user_id: int) -> Any:
            return user(user_id)

        bot.get_user = user  # type: ignore[method-assign]
        bot.fetch_user = fetch_user  # type: ignore[method-assign]
        bot.get_channel = lambda channel_id: self.channel  # type: ignore[method-assign,assignment,return-value]
        real_on_error = bot.tree.on_error

        async def on_error(interaction: Any, error: app_commands.AppCommandError) -> None:
            self.errors.append(error)
            await real_on_error(interaction, error)

        bot.tree.on_error = on_error  # type: ignore[method-assign]

    def interaction(self, user: Any, *, click: bool = False) -> tuple[Any, Recorder]:
        """The world's interaction mock, reset for a new command (or button press) by `user`."""
        found = self._click if click else self._interaction
        recorder = Recorder()
        found.id = next(NEWCOMERS)
        found.user = user
        found.command = None
        found.response.send_message = recorder.sender("reply", finishes=True)
        found.response.edit_message = recorder.sender("edit", finishes=True)
        found.response.defer = recorder.finish
        found.response.send_modal = recorder.finish
        found.response.is_done = lambda: recorder.done
        found.followup.send = recorder.sender("followup", finishes=False)
        return found, recorder

    def newcomer_called(self, display_name: str) -> Callable[[], Any]:
        """A member who has not joined yet, called `display_name` (a new one per call)."""

        def make() -> Any:
            self.newcomer.id = next(NEWCOMERS)
            self.newcomer.display_name = display_name
            self.newcomer.name = display_name.lower()
            return self.newcomer

        return make

    async def close(self) -> None:
        self._dump.close()
        await self.bot.close()
        await self.db.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every table's rows (sqlite_sequence included): the before/after of a refusal."""
        names = [
            row[0]
            for row in self._dump.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {name: self._dump.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}

    async def paper_codes(self) -> list[str]:
        return [paper.code for paper in await self.services.papers.browse(GUILD, None)]


# -- checking one message --------------------------------------------------------------


def _embeds(kwargs: dict[str, Any]) -> list[discord.Embed]:
    found = [kwargs["embed"]] if kwargs.get("embed") is not None else []
    return found + list(kwargs.get("embeds") or [])


def _view_pages(kwargs: dict[str, Any]) -> list[discord.Embed]:
    view = kwargs.get("view")
    return list(view.pages) if isinstance(view, Pager) else []


def visible_text(kwargs: dict[str, Any]) -> str:
    parts = [kwargs.get("content") or ""]
    for page in _embeds(kwargs) + _view_pages(kwargs):
        parts += [page.title or "", page.description or "", page.footer.text or ""]
        parts.append(page.author.name or "")
        for item in page.fields:
            parts += [item.name or "", item.value or ""]
    view = kwargs.get("view")
    if isinstance(view, discord.ui.View):
        parts += [getattr(item, "label", None) or "" for item in view.children]
    return "\n".join(parts)


def limit_problems(kwargs: dict[str, Any]) -> list[str]:
    problems = []
    content = kwargs.get("content")
    if content is not None and len(content) > CONTENT_LIMIT:
        problems.append(f"content of {len(content)} characters")
    embeds = _embeds(kwargs)
    if not (content or "").strip() and not embeds and "file" not in kwargs and "view" not in kwargs:
        problems.append("an empty message")
    if len(embeds) > EMBEDS:
        problems.append(f"{len(embeds)} embeds")
    if sum(len(page) for page in embeds) > EMBED_TOTAL:
        problems.append(f"embeds of {sum(len(page) for page in embeds)} characters in all")
    for page in embeds + _view_pages(kwargs):
        problems += embed_problems(page)
    view = kwargs.get("view")
    if isinstance(view, discord.ui.View):
        for item in view.children:
            label = getattr(item, "label", None) or ""
            if len(label) > LABEL_LIMIT:
                problems.append(f"a button label of {len(label)} characters")
    return problems


def embed_problems(page: discord.Embed) -> list[str]:
    problems = []
    for name, text in (
        ("title", page.title),
        ("description", page.description),
        ("footer", page.footer.text),
        ("author", page.author.name),
    ):
        if text is not None and len(text) > EMBED_LIMITS[name]:
            problems.append(f"embed {name} of {len(text)} characters")
    if len(page.fields) > FIELDS:
        problems.append(f"{len(page.fields)} embed fields")
    for item in page.fields:
        if not (item.name or "").strip() or len(item.name) > FIELD_NAME:
            problems.append(f"field name of {len(item.name or '')} characters")
        if not (item.value or "").strip() or len(item.value) > FIELD_VALUE:
            problems.append(f"field {item.name[:30]!r} value of {len(item.value or '')} characters")
    if len(page) > EMBED_TOTAL:
        problems.append(f"an embed of {len(page)} characters")
    return problems


def ping_problems(
    kwargs: dict[str, Any], default: discord.AllowedMentions, chosen_roles: set[int]
) -> list[str]:
    """Mentions in the content that the allowed mentions in effect would let ping."""
    given = kwargs.get("allowed_mentions")
    effective = default.merge(given) if isinstance(given, discord.AllowedMentions) else default
    allowed = effective.to_dict()
    parse = set(allowed.get("parse", []))
    roles = {int(r) for r in allowed.get("roles", [])}
    users = {int(u) for u in allowed.get("users", [])}
    problems = []
    if "everyone" in parse:
        problems.append("allowed mentions parse @everyone")
    for role in roles - chosen_roles:
        problems.append(f"allowed mentions list role {role}, which no organiser chose")
    if "roles" in parse:
        problems.append("allowed mentions parse every role")
    if "users" in parse:
        problems.append("allowed mentions parse every user")
    for found in _MENTION.finditer(kwargs.get("content") or ""):
        text, role, user = found.group(0), found.group(1), found.group(2)
        if (
            (text.startswith("@") and "everyone" in parse)
            or (role is not None and ("roles" in parse or int(role) in roles - chosen_roles))
            or (user is not None and "users" in parse and int(user) not in users)
        ):
            problems.append(f"{text} would ping")
    return problems


def echo_problems(text: str) -> list[str]:
    bad = sorted(
        {c for c in text if c in _BIDI or (unicodedata.category(c) == "Cc" and c not in "\n\t")}
    )
    return [f"shows {', '.join(f'U+{ord(c):04X}' for c in bad)}"] if bad else []


def apology_problems(text: str) -> list[str]:
    return ["answered with the apology"] if APOLOGY in text else []


# -- one call ----------------------------------------------------------------------------


class _Capture(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


@dataclass
class Outcome:
    refused: bool
    problems: list[tuple[str, str]]  # (check, detail)


def _error_detail(record: logging.LogRecord) -> str:
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        return f"{type(error).__name__}: {str(error)[:160]}"
    return record.getMessage()[:160]


async def call(
    world: World,
    command: str,
    options: dict[str, Any],
    user: Any,
    *,
    chosen_roles: Iterable[int] = (),
    check_refusal: bool = True,
) -> Outcome:
    """Run `/command` with `options` as `user`, confirm any prompt, and check everything sent."""
    roles = set(chosen_roles)
    problems: list[tuple[str, str]] = []
    world.errors.clear()
    world.logged.clear()
    world.outbox.clear()
    handler = _Capture(world.logged)
    loggers = [logging.getLogger(name) for name in ("bot", "cogs", "discord")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        interaction, recorder = world.interaction(user)
        try:
            await invoke(world.bot, command, interaction, **options)
        except Exception as error:  # nothing may escape the tree's error handler
            problems.append(("unhandled", f"escaped: {type(error).__name__}: {error}"[:200]))
        refused = any(_is_refusal(error) for error in world.errors)
        messages = recorder.sent + list(world.outbox)
        if refused and check_refusal:
            after = world.dump()
            changed = changed_tables(world.last_dump, after)
            if changed:
                problems.append(("changed-on-refusal", f"tables changed: {', '.join(changed)}"))
        if not refused:
            messages += await _confirm_prompts(world, list(recorder.sent), user)
        for record in world.logged:
            problems.append(("unhandled", f"logged {record.levelname}: {_error_detail(record)}"))
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    for message in messages:
        text = visible_text(message.kwargs)
        problems += [("unhandled", p) for p in apology_problems(text)]
        problems += [
            ("over-limit", f"{message.where}: {p}") for p in limit_problems(message.kwargs)
        ]
        problems += [
            ("ping", f"{message.where}: {p}")
            for p in ping_problems(message.kwargs, world.bot.allowed_mentions, roles)
        ]
        echoed = "echo" if refused else "shown"
        problems += [(echoed, f"{message.where}: {p}") for p in echo_problems(text)]
    world.last_dump = world.dump()
    return Outcome(refused, problems)


# Tables a refusal is meant to add to: refused /attend check-ins are kept for the
# organisers and counted by the rate limit (migrations/0007_attendance.sql).
REFUSAL_LOGS = frozenset({"attendance_attempts"})


def changed_tables(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    """Tables whose rows differ; a refusal log may only have gained rows."""
    changed = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        appended = old is not None and new is not None and set(old) <= set(new)
        if not (name in REFUSAL_LOGS and appended):
            changed.append(name)
    return changed


def _is_refusal(error: BaseException) -> bool:
    original = getattr(error, "original", error)
    return isinstance(original, DomainError) or isinstance(error, app_commands.CheckFailure)


async def _confirm_prompts(world: World, messages: list[Message], user: Any) -> list[Message]:
    """Press Confirm on every confirm prompt, as its owner; what the press answered."""
    found: list[Message] = []
    for message in messages:
        view = message.kwargs.get("view")
        if not isinstance(view, ConfirmView):
            continue
        click, recorder = world.interaction(user, click=True)
        world.outbox.clear()
        if await view.interaction_check(click):
            try:
                await view.confirm.callback(click)
            except Exception as error:  # what discord.py hands to View.on_error
                await view.on_error(click, error, view.confirm)
        found += recorder.sent + list(world.outbox)
    return found


# -- the plan: how each command is called --------------------------------------------------

Options = dict[str, Any]
ShowOptions = Callable[["World", Options], Awaitable[Options]]


@dataclass(frozen=True)
class Plan:
    """How to call one command with valid values; the fuzz replaces one option at a time."""

    organiser: bool = False
    # option -> a valid value, or a coroutine function of the world that finds one
    valid: dict[str, Any] = field(default_factory=dict)
    # Pages that show what the command stored: (command, as organiser, options from the
    # options of the call), rendered after every accepted value.
    shows: tuple[tuple[str, bool, ShowOptions], ...] = ()


async def _a_paper(world: World) -> str:
    codes = await world.paper_codes()
    return codes[0] if codes else "P1"


def _nth_paper(n: int) -> Callable[[World], Awaitable[str]]:
    async def find(world: World) -> str:
        codes = await world.paper_codes()
        return codes[n] if len(codes) > n else PAPERS[n]

    return find


async def _fresh_code(world: World) -> str:
    return f"fz-{next(NEWCOMERS)}"


async def _fresh_kind(world: World) -> str:
    # A new deadline per call, so an accepted value is not overwritten by the next.
    return f"fz-{next(NEWCOMERS)}"


async def _a_talk_by_another(world: World) -> str:
    """A talk the student does not present (a presenter's own talk has no attendance)."""
    programme = await world.services.talks.programme(GUILD)
    return next((str(t.position) for t in programme.talks if t.user_id != STUDENT), "1")


async def _the_student(world: World) -> Any:
    return world.student


# Every leaf of the tree needs a plan (a test enforces it), so a new command is
# fuzzed from the day it is added. Options not listed take a value derived from
# their type: the first choice, the range's low end, False, no role or channel.
async def _none(world: World, options: Options) -> Options:
    return {}


async def _newest_paper(world: World, options: Options) -> Options:
    papers = await world.services.papers.browse(GUILD, None)
    return {"paper": max(papers, key=lambda p: p.id).code} if papers else {"paper": "P1"}


async def _edited_paper(world: World, options: Options) -> Options:
    return {"paper": await _a_paper(world)}


def _export(what: str) -> ShowOptions:
    async def options(world: World, _: Options) -> Options:
        return {"what": what}

    return options


def _showing(*pages: tuple[str, bool, ShowOptions]) -> tuple[tuple[str, bool, ShowOptions], ...]:
    return tuple(pages)


ADDED = _showing(("papers", False, _none), ("paper", False, _newest_paper))
EDITED = _showing(("papers", False, _none), ("paper", False, _edited_paper))
# What shows stored times: checked after every accepted value of a command that
# stores one (a later value may overwrite a bad row, so the end of a run is too late).
TIMES = (
    ("deadlines", False, _none),
    ("admin status", True, _none),
    ("calendar", False, _none),
)
PLANS: dict[str, Plan] = {
    "seminar": Plan(),
    "deadlines": Plan(),
    "join": Plan(shows=_showing(("admin participants", True, _none))),
    "leave": Plan(),
    "papers": Plan(),
    "paper": Plan(valid={"paper": _a_paper}),
    "prefs set": Plan(
        # pref_count is 3: with fewer valid choices the count check would refuse first.
        valid={"first": _nth_paper(0), "second": _nth_paper(1), "third": _nth_paper(2)},
        shows=_showing(("prefs show", False, _none)),
    ),
    "prefs show": Plan(),
    "prefs clear": Plan(),
    "officehours": Plan(),
    "reminders": Plan(),
    "submit": Plan(shows=_showing(("admin export", True, _export("submissions")))),
    "calendar": Plan(),
    "mydata": Plan(),
    "assignment": Plan(),
    "talks": Plan(),
    "admin talks schedule": Plan(
        True,
        {"start": "2027-02-15 09:00", "talk_minutes": 30, "break_minutes": 10, "per_day": 8},
        _showing(("talks", False, _none), ("assignment", False, _none), *TIMES),
    ),
    "admin export": Plan(True),
    "admin assign run": Plan(True, {"seed": 7}),
    "admin assign set": Plan(True, {"member": _the_student, "paper": _a_paper}),
    "admin assign clear": Plan(True, {"member": _the_student}),
    "admin assign publish": Plan(True),
    "admin grade": Plan(
        True,
        {"member": _the_student, "report": "1.3"},
        _showing(("admin export", True, _export("grades"))),
    ),
    "admin status": Plan(True),
    "admin officehours set": Plan(
        True,
        {
            "weekday": "tuesday",
            "start": "14:00",
            "place": "Room 01.10.011",
            "first": "2026-10-20",
            "last": "2027-02-09",
        },
        _showing(("officehours", False, _none), *TIMES),
    ),
    "admin officehours cancel": Plan(
        True,
        {"date": "2026-11-03", "reason": "Ill"},
        _showing(("officehours", False, _none), *TIMES),
    ),
    # No `when`: each fuzzed message is posted "now", so the reminder engine sends it.
    "admin announce post": Plan(
        True, {"message": "Room change"}, _showing(("admin announce list", True, _none), *TIMES)
    ),
    "admin announce list": Plan(True),
    "admin announce cancel": Plan(True, {"announcement": 1}),
    "admin participants": Plan(True),
    "admin deadline set": Plan(
        True,
        {"kind": _fresh_kind, "when": "2027-01-15 23:59", "reminders": "7d,1d", "note": "PDF"},
        _showing(("seminar", False, _none), *TIMES),
    ),
    "admin deadline remove": Plan(True, {"kind": "report"}),
    "admin paper add": Plan(
        True,
        {
            "code": _fresh_code,
            "title": "A fuzzed paper",
            "authors": "Ada Lovelace",
            "venue": "COLT 2020",
            "url": "https://example.org/fz",
            "arxiv": "2001.00001",
            "topic": "Topic 1",
        },
        ADDED,
    ),
    "admin paper edit": Plan(True, {"paper": _a_paper, "title": "A better title"}, EDITED),
    "admin paper remove": Plan(True, {"paper": _a_paper}),
    "admin paper import": Plan(True, shows=_showing(("papers", False, _none))),
    "attend": Plan(valid={"code": "ABC123"}),
    "admin attendance show": Plan(True),
    "admin attendance set": Plan(
        True,
        {"member": _the_student, "talk": _a_talk_by_another, "present": True},
        _showing(("admin attendance show", True, _none)),
    ),
    "admin attendance excuse": Plan(
        True,
        {"member": _the_student, "talk": _a_talk_by_another, "reason": "Ill"},
        _showing(("admin attendance show", True, _none)),
    ),
    "admin setup": Plan(
        True,
        {
            "title": "Theoretical Advances in Deep Learning",
            "term": "Winter 2026/27",
            "timezone": "Europe/Berlin",
            "contact": "tadl@example.org",
        },
        _showing(("seminar", False, _none), *TIMES),
    ),
}
# Text a user controls without typing an option: their display name (at most 32
# characters, Discord's own limit), stored by /join and shown to organisers.
DISPLAY_NAME = "(display name)"
DISPLAY_NAME_COMMANDS = ("join",)
DISPLAY_NAME_LIMIT = 32
# Every command, in a seminar full of accepted hostile text, with every choice.
CHOICES = "(every choice)"


def leaves(bot: SeminarBot) -> dict[str, app_commands.Command[Any, ..., Any]]:
    def walk(items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            if isinstance(item, app_commands.Group):
                yield from walk(item.commands)
            else:
                yield item

    return {c.qualified_name: c for c in walk(bot.tree.get_commands())}


def text_options(command: app_commands.Command[Any, ..., Any]) -> list[str]:
    """Options a user types freely: strings without fixed choices."""
    return [
        p.name
        for p in command.parameters
        if p.type is discord.AppCommandOptionType.string and not p.choices
    ]


def number_options(command: app_commands.Command[Any, ..., Any]) -> list[str]:
    """Integers Discord does not bound (an autocompleted id can be any integer)."""
    return [
        p.name
        for p in command.parameters
        if p.type is discord.AppCommandOptionType.integer and p.min_value is None
    ]


def attachment_options(command: app_commands.Command[Any, ..., Any]) -> list[str]:
    return [p.name for p in command.parameters if p.type is discord.AppCommandOptionType.attachment]


def options_of(command: app_commands.Command[Any, ..., Any]) -> list[str]:
    """What the fuzz runs for one command: each free option, then every choice."""
    found = text_options(command) + number_options(command) + attachment_options(command)
    if command.qualified_name in DISPLAY_NAME_COMMANDS:
        found.append(DISPLAY_NAME)
    return [*found, CHOICES]


def _user(user: Any) -> Any:
    return user() if callable(user) and not isinstance(user, NonCallableMock) else user


async def _resolve(world: World, value: Any) -> Any:
    return await value(world) if callable(value) else value


async def valid_options(
    world: World, command: app_commands.Command[Any, ..., Any], plan: Plan, fuzzed: str
) -> Options:
    """Valid values for every required option and the plan's optional ones, minus `fuzzed`."""
    options: Options = {}
    for parameter in command.parameters:
        name = parameter.name
        if name == fuzzed:
            continue
        if name in plan.valid:
            options[name] = await _resolve(world, plan.valid[name])
        elif parameter.required:
            options[name] = default_for(world, parameter)
    return options


def default_for(world: World, parameter: app_commands.Parameter) -> Any:
    kind = parameter.type
    if parameter.choices:
        return parameter.choices[0].value
    if kind is discord.AppCommandOptionType.integer:
        return int(parameter.min_value) if parameter.min_value is not None else 1
    if kind is discord.AppCommandOptionType.boolean:
        return False
    if kind is discord.AppCommandOptionType.user:
        return world.student
    if kind is discord.AppCommandOptionType.role:
        return world.ping_role
    if kind is discord.AppCommandOptionType.channel:
        return world.channel
    if kind is discord.AppCommandOptionType.attachment:
        return mock_attachment("report.pdf", minimal_pdf())
    return "x"


def choice_combinations(command: app_commands.Command[Any, ..., Any]) -> list[Options]:
    """Every combination of the command's fixed choices and booleans (others left valid)."""
    axes: list[list[tuple[str, Any]]] = []
    for parameter in command.parameters:
        if parameter.choices:
            axes.append([(parameter.name, c.value) for c in parameter.choices])
        elif parameter.type is discord.AppCommandOptionType.boolean:
            axes.append([(parameter.name, value) for value in (True, False)])
    return [dict(combination) for combination in itertools.product(*axes)]


INTEGERS = [0, 1, -1, 2, 3, 999, 2**31 - 1, -(2**31), 2**53 - 1, -(2**53 - 1)]


def attachment_values(command: str, size: int, seed: int) -> list[tuple[str, bytes]]:
    """(filename, bytes) pairs: hostile names, and contents built from the corpus."""
    texts = corpus.values_for("paper", size, seed)
    pdf = minimal_pdf()
    found = []
    for index, text in enumerate(texts):
        name = text[:200] or "file"
        if command == "submit":
            content = [pdf, b"%PDF-1.7", b"", text.encode("utf-8", "replace"), pdf[:100]][index % 5]
            found.append((name + (".pdf" if index % 2 else ""), content))
            continue
        cell = text.replace('"', '""')
        if index % 2:
            csv = f'code,title,authors\nfz{index},"{cell}","{cell}"\n"{cell}",T,A\n'
            found.append((name[:100] + ".csv", csv.encode("utf-8", "replace")))
        else:
            bib = f"@article{{fz{index},\n  title = {{{text}}},\n  author = {{{text}}}\n}}\n"
            found.append((name[:100] + ".bib", bib.encode("utf-8", "replace")))
    return found


# -- the state a run leaves: viewers and the reminder engine ---------------------------------


VIEWERS: tuple[tuple[str, bool, Options], ...] = (
    ("seminar", False, {}),
    ("deadlines", False, {}),
    ("papers", False, {}),
    ("prefs show", False, {}),
    ("officehours", False, {}),
    ("assignment", False, {}),
    ("talks", False, {}),
    ("calendar", False, {}),
    ("mydata", False, {"action": "export"}),
    ("admin status", True, {}),
    ("admin participants", True, {}),
    ("admin announce list", True, {}),
    ("admin attendance show", True, {}),
    *(
        ("admin export", True, {"what": what})
        for what in ("participants", "preferences", "assignment", "submissions", "grades")
    ),
)


def viewer_check(problem: str) -> str:
    return problem.split(":", 1)[0]


async def _view(world: World, calls: Iterable[tuple[str, bool, Options]]) -> list[tuple[str, str]]:
    found = []
    for name, as_organiser, options in calls:
        user = world.organiser if as_organiser else world.student
        outcome = await call(world, name, options, user, check_refusal=False)
        found += [(f"/{name}", f"{check}: {detail}") for check, detail in outcome.problems]
    return found


async def view_all(world: World) -> list[tuple[str, str]]:
    """Every read-only command over the state a run left; (viewer, problem) pairs."""
    papers = [("paper", False, {"paper": code}) for code in (await world.paper_codes())[:40]]
    return await _view(world, [*VIEWERS, *papers])


async def view_light(
    world: World, shows: Iterable[tuple[str, bool, Options]] = ()
) -> list[tuple[str, str]]:
    """The planner, the pages with times and deadlines, and the pages that show what the
    command stores (its plan's `shows`)."""
    found = []
    try:
        await ReminderPlanner(world.db, world.clock, ALL_PLATFORMS).pending()
    except Exception as error:
        found.append(("the reminder planner", f"reminders: {type(error).__name__}: {error}"))
    return found + await _view(world, shows)


async def reminders_fire(world: World, notifier: RecordingNotifier) -> list[tuple[str, str]]:
    """Plan and dispatch a deadline reminder due now, then everything else due by now (the
    announcements a run posted "now"); (check, detail) for whatever went wrong: the
    reminder not sent, a notice pinging a role nobody chose, control or bidi characters."""
    services = world.services
    problems: list[tuple[str, str]] = []
    try:
        seminar = await services.seminars.seminar(GUILD)
        event = datetime.fromtimestamp(world.clock.now(), seminar.tz) + timedelta(hours=2)
        when = event.strftime("%Y-%m-%d %H:%M")
        kind = f"fuzz-check-{next(NEWCOMERS)}"
        change = await services.deadlines.set(GUILD, ORGANISER, kind, when, "2h", "")
        planner = ReminderPlanner(world.db, world.clock, ALL_PLATFORMS)
        dispatcher = Dispatcher(world.db, world.clock, {Platform.DISCORD: notifier})
        due = [o for o in await planner.pending() if o.due_at <= world.clock.now()]
        (check,) = [o for o in due if o.key.startswith(f"deadline:{change.deadline.id}:")]
        outcome = await dispatcher.run(check)
        posted = [c for c in notifier.delivered if c.kind == "post" and c.target == CHANNEL]
        if outcome.status != "done" or not posted:
            why = f"the reminder due now was not sent ({outcome.status}, {len(posted)} posts)"
            problems.append(("reminders", why))
        for occurrence in due:
            if occurrence is not check:
                await dispatcher.run(occurrence)
    except Exception as error:
        problems.append(("reminders", f"{type(error).__name__}: {str(error)[:200]}"))
    for sent in notifier.calls:
        try:
            text = render(sent.notice)
        except Exception as error:
            problems.append(("unhandled", f"rendering a notice: {type(error).__name__}: {error}"))
            continue
        if sent.notice.ping_role_id not in (None, PING_ROLE):
            problems.append(("ping", f"a notice pings role {sent.notice.ping_role_id}"))
        problems += [("shown", f"a notice {p}: {text[:80]!r}") for p in echo_problems(text)]
    return problems


# -- hostile state: what /admin and students can store, stored --------------------------------


async def store_hostile_text(services: Services, values: list[str]) -> int:
    """Offer every value to every service that stores free text; how many were kept."""
    kept = 0
    for n, value in enumerate(values, start=1):
        kind = f"hz-{n}"
        attempts: list[Awaitable[Any]] = [
            add_paper(services, kind, value, authors=value, venue=value, topic=value[:100]),
            services.registration.join(GUILD, 800_000 + n, value[:DISPLAY_NAME_LIMIT]),
            services.deadlines.set(GUILD, ORGANISER, kind, "2026-12-01 12:00", "1d", value),
            services.announcements.post(GUILD, ORGANISER, value, "2026-12-24 12:00", None),
        ]
        for attempt in attempts:
            try:
                await attempt
                kept += 1
            except DomainError:
                pass
    for value in reversed(values):  # the last one kept stays
        try:
            await services.seminars.setup(GUILD, ORGANISER, title=value, term=value, contact=value)
            break
        except DomainError:
            continue
    return kept


async def build_templates(directory: Path) -> tuple[Path, Path]:
    """The seeded seminar, and a copy full of hostile text; each run copies one of them."""
    seeded = directory / "seeded"
    hostile = directory / "hostile"
    for path, hostile_text in ((seeded, False), (hostile, True)):
        path.mkdir(parents=True, exist_ok=True)
        db = await Database.open(path / "seminar.db")
        try:
            services = Services.build(db, FakeClock(NOW))
            await seed(services)
            if hostile_text:
                await store_hostile_text(services, corpus.CORE)
        finally:
            await db.close()
    return seeded, hostile


# -- one run -----------------------------------------------------------------------------


async def fuzz_option(
    templates: tuple[Path, Path],
    workdir: Path,
    command_name: str,
    option: str,
    size: int,
    seed: int,
) -> Tally:
    """One run: `size` hostile values for `option` of `/command_name` (or every choice in
    the hostile seminar). After each accepted value the planner and the pages that show
    what was stored must still work; a value that breaks them is reported and the seminar
    is reset, so the next value is judged on its own. At the end every viewer renders
    what the run left, and a reminder due now must be sent."""
    tally = Tally(runs=1)
    seeded, hostile = templates
    template = hostile if option == CHOICES else seeded
    resets = itertools.count()

    def fresh_root() -> Path:
        name = f"{command_name}:{option}:{next(resets)}"
        return workdir / f"run-{zlib.crc32(name.encode()):08x}"

    world = await World.open(template, fresh_root())
    notifier = RecordingNotifier()
    try:
        command = leaves(world.bot)[command_name]
        plan = PLANS[command_name]
        chosen = {PING_ROLE} if command_name == "admin announce post" else set()
        seen: set[tuple[str, str]] = set()

        def record(value: str, check: str, detail: str) -> None:
            tally.count(check)
            tally.findings.append(Finding(command_name, option, value, check, detail[:300]))

        for value, fuzzed, user in _calls(world, command, plan, option, size, seed):
            options = await valid_options(world, command, plan, "")
            options.update(fuzzed)
            outcome = await call(world, command_name, options, _user(user), chosen_roles=chosen)
            tally.tried += 1
            tally.refused += outcome.refused
            for check in dict.fromkeys(check for check, _ in outcome.problems):
                record(value, check, "; ".join(d for c, d in outcome.problems if c == check))
            if outcome.refused:
                continue
            shows = [(name, boss, await make(world, options)) for name, boss, make in plan.shows]
            problems = await view_light(world, shows)
            tally.viewer_calls += len(shows)
            # A page keeps showing what an earlier value stored: report what is new.
            for viewer, problem in problems:
                if (viewer, problem) not in seen:
                    seen.add((viewer, problem))
                    record(value, viewer_check(problem), f"afterwards {viewer}: {problem}")
            if any(viewer_check(problem) in ("unhandled", "reminders") for _, problem in problems):
                await world.close()
                world = await World.open(template, fresh_root())
                seen.clear()
        for viewer, problem in await view_all(world):
            if (viewer, problem) not in seen:
                record("(state)", viewer_check(problem), f"{viewer}: {problem}")
        tally.viewer_calls += len(VIEWERS)
        for check, detail in await reminders_fire(world, notifier):
            record("(state)", check, detail)
        if not any(f.check == "reminders" for f in tally.findings):
            tally.reminders_fired += 1
    finally:
        await world.close()
    return tally


def _calls(
    world: World,
    command: app_commands.Command[Any, ..., Any],
    plan: Plan,
    option: str,
    size: int,
    seed: int,
) -> list[tuple[str, Options, Any]]:
    """(value as reported, the fuzzed options, user) for every call of the run; the valid
    values of the other options are found at call time (the catalogue changes)."""
    name = command.qualified_name
    user = world.organiser if plan.organiser else world.student
    if option == CHOICES:
        return [
            (
                " ".join(f"{k}:{v}" for k, v in combination.items()) or "(no options)",
                combination,
                user,
            )
            for combination in choice_combinations(command)
        ]
    if option == DISPLAY_NAME:
        names = [value[:DISPLAY_NAME_LIMIT] for value in corpus.values_for("Student", size, seed)]
        return [(shown, {}, world.newcomer_called(shown)) for shown in names]
    parameter = next(p for p in command.parameters if p.name == option)
    if parameter.type is discord.AppCommandOptionType.attachment:
        return [
            (f"{filename!r} ({len(data)} bytes)", {option: mock_attachment(filename, data)}, user)
            for filename, data in attachment_values(name, size, seed)
        ]
    if parameter.type is discord.AppCommandOptionType.integer:
        return [(str(number), {option: number}, user) for number in INTEGERS]
    valid = plan.valid.get(option)
    base = valid if isinstance(valid, str) else "P1"
    return [(value, {option: value}, user) for value in within(parameter, base, size, seed)]


def within(parameter: app_commands.Parameter, base: str, size: int, seed: int) -> list[str]:
    """The hostile values Discord lets through an option with a length range: a longer
    value arrives cut to the maximum, a shorter one never arrives."""
    # discord.py keeps a string option's length range in min_value/max_value.
    low, high = int(parameter.min_value or 0), parameter.max_value
    high = None if high is None else int(high)
    found = []
    for value in corpus.values_for(base, size, seed):
        value = value if high is None else value[:high]
        if len(value) >= low and value not in found:
            found.append(value)
    return found


def group(findings: Iterable[Finding]) -> dict[tuple[str, str, str], list[Finding]]:
    """Findings by (command, option, check), in first-seen order."""
    found: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in findings:
        found.setdefault((finding.command, finding.option, finding.check), []).append(finding)
    return found


async def tree_targets(template: Path, workdir: Path) -> dict[str, list[str]]:
    """Every leaf command of the real tree -> what the fuzz runs for it, in tree order."""
    world = await World.open(template, workdir / "tree")
    try:
        return {name: options_of(command) for name, command in leaves(world.bot).items()}
    finally:
        await world.close()


async def fuzz_command(
    templates: tuple[Path, Path],
    workdir: Path,
    command: str,
    options: list[str],
    size: int,
    seed: int,
) -> Tally:
    tally = Tally()
    for option in options:
        tally.add(await fuzz_option(templates, workdir, command, option, size, seed))
    return tally


# -- races: /prefs set against what removes what it refers to ----------------------------------

RACE = "(race with {})"


async def races(templates: tuple[Path, Path], workdir: Path, rounds: int) -> Tally:
    """`/prefs set` started together with the confirm click of `/admin paper remove` of a
    paper it ranks, and with the student's own `/leave`: each must end in an answer or a
    refusal, never the apology (issue 11.9: a foreign-key error, 160 of 160 tries)."""
    tally = Tally(runs=1)
    world = await World.open(templates[0], workdir / "races")
    try:
        await world.services.seminars.setup(GUILD, ORGANISER, capacity=1_000)
        for round_ in range(rounds):
            user_id = 950_000 + round_
            await world.services.registration.join(GUILD, user_id, f"Racer {round_}")
            racer = mock_member(user_id, name=f"Racer {round_}")
            code = f"race-{round_}"
            await add_paper(world.services, code)
            for against, prompt, prompter, ranked in (
                ("admin paper remove", {"paper": code}, world.organiser, code),
                ("leave", {}, racer, PAPERS[2]),
            ):
                ranking = {"first": ranked, "second": PAPERS[0], "third": PAPERS[1]}
                lag = round_ % 9
                problems = await _race(world, (against, prompt, prompter), ranking, racer, lag)
                tally.tried += 2
                option = RACE.format(f"/{against}")
                for check in dict.fromkeys(check for check, _ in problems):  # once per race
                    tally.count(check)
                    detail = "; ".join(d for c, d in problems if c == check)[:300]
                    found = Finding("prefs set", option, f"round {round_}", check, detail)
                    tally.findings.append(found)
        for check, detail in await reminders_fire(world, RecordingNotifier()):
            tally.findings.append(Finding("prefs set", RACE.format("…"), "(state)", check, detail))
        if not any(f.check == "reminders" for f in tally.findings):
            tally.reminders_fired += 1
    finally:
        await world.close()
    return tally


async def _race(
    world: World, prompt: tuple[str, Options, Any], ranking: Options, racer: Any, lag: int
) -> list[tuple[str, str]]:
    command, options, prompter = prompt
    logged: list[logging.LogRecord] = []
    handler = _Capture(logged)
    loggers = [logging.getLogger(name) for name in ("bot", "cogs", "discord")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        asking = mock_interaction(world.bot, user=prompter)
        await invoke(world.bot, command, asking, **options)
        (view,) = [
            c.kwargs["view"]
            for c in asking.response.send_message.await_args_list
            if isinstance(c.kwargs.get("view"), ConfirmView)
        ]
        click = mock_interaction(world.bot, user=prompter, kind=discord.InteractionType.component)
        ranks = mock_interaction(world.bot, user=racer)

        async def press() -> None:
            try:
                await view.confirm.callback(click)
            except Exception as error:  # what discord.py hands to View.on_error
                await view.on_error(click, error, view.confirm)

        async def after(steps: int, work: Awaitable[None]) -> None:
            for _ in range(steps):
                await asyncio.sleep(0)  # one turn of the loop: the other side moves on
            await work

        # Each round starts one side a few loop turns after the other, so the rounds
        # walk through the interleavings (deterministically: no clocks involved).
        lead = lag - 4
        await asyncio.gather(
            after(max(lead, 0), invoke(world.bot, "prefs set", ranks, **ranking)),
            after(max(-lead, 0), press()),
        )
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    problems = [("unhandled", f"logged {r.levelname}: {_error_detail(r)}") for r in logged]
    for interaction in (asking, click, ranks):
        calls = [
            *interaction.response.send_message.await_args_list,
            *interaction.followup.send.await_args_list,
            *interaction.response.edit_message.await_args_list,
        ]
        for sent in calls:
            kwargs = dict(sent.kwargs, **({"content": sent.args[0]} if sent.args else {}))
            problems += [("unhandled", p) for p in apology_problems(visible_text(kwargs))]
    return problems
