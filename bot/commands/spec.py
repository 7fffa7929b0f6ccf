"""The one table of commands and options (COMMANDS.md), shared by every front end.

Matrix and the console parse typed text against it; the Discord cogs declare
the same names and options with discord.py's decorators, and a test checks that
the two agree (same paths, option names, required-ness; organiser-only means
under `/admin`).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.commands.handlers import (
    account,
    assignment,
    attend,
    calendar,
    deadlines,
    mydata,
    officehours,
    papers,
    prefs,
    registration,
    reminders,
    seminar,
    submit,
    talks,
)
from bot.commands.handlers import help as help_
from bot.commands.handlers.admin import announce as admin_announce
from bot.commands.handlers.admin import assign as admin_assign
from bot.commands.handlers.admin import attendance as admin_attendance
from bot.commands.handlers.admin import deadlines as admin_deadlines
from bot.commands.handlers.admin import export as admin_export
from bot.commands.handlers.admin import grade as admin_grade
from bot.commands.handlers.admin import officehours as admin_officehours
from bot.commands.handlers.admin import papers as admin_papers
from bot.commands.handlers.admin import participants as admin_participants
from bot.commands.handlers.admin import setup as admin_setup
from bot.commands.handlers.admin import status as admin_status
from bot.commands.handlers.admin import talks as admin_talks
from bot.commands.options import (
    DISCORD_ONLY,
    TYPED,
    Command,
    Option,
    OptionType,
)
from bot.core.assignments import SEED_LIMIT
from bot.core.catalogue import CAPACITY_MAX, CAPACITY_MIN
from bot.core.exports import ExportKind
from bot.core.models import ALL_PLATFORMS, DEFAULT_TIMEZONE, Platform, SubmissionKind
from bot.core.officehours import WEEKDAYS
from bot.core.seminars import MAX_CAPACITY
from bot.core.talks import BREAK_MINUTES, PER_DAY, TALK_MINUTES

# -- the table ----------------------------------------------------------------------------

_PAPER_FIELDS = (
    ("code", OptionType.WORD, "Short unique code, e.g. wei-ma-2019", "wei-ma-2019"),
    ("title", OptionType.TEXT, "Paper title", "Neural Tangent Kernel"),
    ("authors", OptionType.TEXT, "Authors, separated by ;", "Jacot; Gabriel; Hongler"),
    ("venue", OptionType.TEXT, "Venue, e.g. NeurIPS 2019", "NeurIPS 2018"),
    ("url", OptionType.TEXT, "Link to the conference version", "https://example.org/ntk"),
    (
        "arxiv",
        OptionType.TEXT,
        "arXiv id or link (the longer version the report follows)",
        "1806.07572",
    ),
    ("topic", OptionType.TEXT, "Topic, used to group papers", "Kernels"),
)
_PAPER_CAPACITY_HELP = "How many students can present it (default 1)"
_TALK_HELP = "The talk: its number in /talks or its paper code"
_GRADE_HELP = "German scale: 1.0 1.3 1.7 2.0 2.3 2.7 3.0 3.3 3.7 4.0 5.0"


def _paper_options(*, required_code_title: bool) -> tuple[Option, ...]:
    found = [
        Option(
            name,
            kind,
            text,
            required=required_code_title and name in ("code", "title"),
            example=example or name,
        )
        for name, kind, text, example in _PAPER_FIELDS
    ]
    found.append(
        Option(
            "capacity",
            OptionType.INTEGER,
            _PAPER_CAPACITY_HELP,
            default=1 if required_code_title else None,
            min_value=CAPACITY_MIN,
            max_value=CAPACITY_MAX,
            example="1",
        )
    )
    return tuple(found)


def _choice(
    name: str,
    help_text: str,
    choices: tuple[str, ...],
    *,
    required: bool = False,
    default: str | None = None,
    example: str = "",
) -> Option:
    return Option(
        name,
        OptionType.CHOICE,
        help_text,
        required=required,
        choices=choices,
        default=default,
        example=example or choices[0],
    )


_RANKS = (
    ("first", "Your favourite paper"),
    ("second", "Your second choice"),
    ("third", "Your third choice"),
    ("fourth", "Your fourth choice (optional)"),
    ("fifth", "Your fifth choice (optional)"),
)

COMMANDS: tuple[Command, ...] = (
    # -- everyone ---------------------------------------------------------------------
    Command(
        ("help",),
        "List the commands, or explain one",
        (
            Option(
                "command",
                OptionType.COMMAND,
                "The command to explain, e.g. prefs set",
                example="prefs set",
            ),
        ),
        help_.show,
        platforms=TYPED,
    ),
    Command(
        ("seminar",),
        "The course page: organisers, timeline, assessment",
        (),
        seminar.show,
        details="Title, term, organisers, contact, every deadline, the assessment and the "
        "next office hours.",
    ),
    Command(
        ("join",),
        "Register as a participant of this seminar",
        (),
        registration.join,
        details="Joining twice changes nothing. When the seminar is full you get a place "
        "on the waitlist and are told when a place frees up.",
    ),
    Command(
        ("leave",),
        "De-register from this seminar (asks to confirm)",
        (),
        registration.leave,
        details="Refused after the de-registration deadline; then ask the organisers.",
    ),
    Command(
        ("papers",),
        "Browse the paper catalogue",
        (Option("topic", OptionType.TOPIC, "Only papers on this topic", example="Kernels"),),
        papers.browse,
    ),
    Command(
        ("paper",),
        "One paper: authors, venue, links, presenter",
        (
            Option(
                "paper",
                OptionType.PAPER,
                "Code or title of the paper",
                required=True,
                example="wei-ma-2019",
            ),
        ),
        papers.show,
    ),
    Command(
        ("prefs", "set"),
        "Replace your ranking (best first)",
        tuple(
            Option(
                name,
                OptionType.PAPER,
                text,
                required=name == "first",
                example=f"<{name} paper code>",
            )
            for name, text in _RANKS
        ),
        prefs.set_,
        details="Give your papers best first, by code: `prefs set wei-ma-2019 jacot-2018 "
        "arora-2019`. How many you must rank is a seminar setting (usually 3). Refused "
        "after the preference deadline.",
    ),
    Command(("prefs", "show"), "Your current ranking", (), prefs.show),
    Command(("prefs", "clear"), "Remove your ranking (asks to confirm)", (), prefs.clear),
    Command(
        ("assignment",),
        "The paper you present, your talk slot, what is due next",
        (),
        assignment.show,
    ),
    Command(
        ("deadlines",),
        "Upcoming deadlines and whether you have done them",
        (),
        deadlines.show,
    ),
    Command(("officehours",), "The weekly office hours and the next one", (), officehours.show),
    Command(
        ("submit",),
        "Hand in your report or slides as a PDF",
        (
            _choice(
                "kind",
                "What you hand in",
                tuple(kind.value for kind in SubmissionKind),
                required=True,
            ),
            Option("file", OptionType.FILE, "Your PDF", required=True, example="report.pdf"),
        ),
        submit.submit,
        details="Answered with a receipt: time, size, SHA-256, on time or late. On Matrix, "
        "send the command as a reply to the uploaded PDF (or as its caption).",
    ),
    Command(("talks",), "The block-seminar programme", (), talks.show),
    Command(
        ("attend",),
        "Check in to the talk running now",
        (
            Option(
                "code",
                OptionType.WORD,
                "The code the presenter shows (e.g. K7RM4); open 10 min before "
                "to 15 min after the talk",
                required=True,
                example="K7RM4",
            ),
        ),
        attend.attend,
    ),
    Command(
        ("calendar",),
        "Your deadlines, office hours and talks as a calendar file",
        (),
        calendar.ics,
    ),
    Command(
        ("reminders",),
        "Turn reminder DMs on or off",
        (
            Option(
                "dm",
                OptionType.BOOLEAN,
                "True: get deadline reminders by DM. False: channel posts only",
                required=True,
                example="true",
            ),
        ),
        reminders.set_dm,
    ),
    Command(
        ("mydata",),
        "Everything stored about you, as a file; or delete it",
        (
            _choice(
                "action",
                "export: download it as JSON. delete: erase it (asks first)",
                ("export", "delete"),
                required=True,
            ),
        ),
        mydata.mydata,
    ),
    Command(
        ("timezone",),
        "Show or choose the timezone times are shown in",
        (
            Option(
                "zone",
                OptionType.TEXT,
                "An IANA timezone such as Europe/Lisbon, or `seminar` for the seminar's",
                example="Europe/Lisbon",
            ),
        ),
        account.timezone,
        platforms=TYPED,
    ),
    # -- organisers -------------------------------------------------------------------
    Command(
        ("admin", "setup"),
        "Create or update this server's seminar",
        (
            Option(
                "title",
                OptionType.TEXT,
                "Seminar title (required the first time)",
                example="Deep Learning Theory",
            ),
            Option("term", OptionType.TEXT, "Term, e.g. Winter 2026/27", example="Winter 2026/27"),
            Option(
                "channel",
                OptionType.CHANNEL,
                "Channel for announcements and reminders",
                platforms=DISCORD_ONLY,
            ),
            Option(
                "organiser_role",
                OptionType.ROLE,
                "Role whose members may use /admin",
                platforms=DISCORD_ONLY,
            ),
            Option(
                "timezone",
                OptionType.ZONE,
                "IANA timezone for times you type, e.g. Europe/Berlin (default)",
                default=DEFAULT_TIMEZONE,
                example=DEFAULT_TIMEZONE,
            ),
            Option(
                "capacity",
                OptionType.INTEGER,
                "Maximum number of participants (default 20)",
                default=20,
                min_value=1,
                max_value=MAX_CAPACITY,
                example="20",
            ),
            Option(
                "pref_count",
                OptionType.INTEGER,
                "How many papers each student must rank (1-5, default 3)",
                default=3,
                min_value=1,
                max_value=5,
                example="3",
            ),
            Option(
                "contact",
                OptionType.TEXT,
                "Who students should contact, e.g. an e-mail address",
                example="tadl@example.org",
            ),
            Option(
                "attendance_required",
                OptionType.BOOLEAN,
                "Whether a missed talk (not excused) holds back the final grade (default true)",
                example="true",
            ),
        ),
        admin_setup.setup,
        organiser=True,
        details="On Matrix the seminar belongs to the room you type it in, and its "
        "announcements go there; organisers are the room's moderators and admins.",
    ),
    Command(
        ("admin", "paper", "add"),
        "Add a paper to the catalogue",
        _paper_options(required_code_title=True),
        admin_papers.add,
        organiser=True,
    ),
    Command(
        ("admin", "paper", "edit"),
        "Change fields of a paper",
        (
            Option(
                "paper",
                OptionType.PAPER,
                "The paper to change",
                required=True,
                example="wei-ma-2019",
            ),
            *_paper_options(required_code_title=False),
        ),
        admin_papers.edit,
        organiser=True,
    ),
    Command(
        ("admin", "paper", "remove"),
        "Remove a paper (asks to confirm)",
        (
            Option(
                "paper",
                OptionType.PAPER,
                "The paper to remove",
                required=True,
                example="wei-ma-2019",
            ),
        ),
        admin_papers.remove,
        organiser=True,
    ),
    Command(
        ("admin", "paper", "import"),
        "Add or update many papers from a CSV or BibTeX file",
        (
            Option(
                "file",
                OptionType.FILE,
                "CSV (code,title,authors,venue,url,arxiv,topic,capacity) or BibTeX (.bib)",
                required=True,
                example="papers.csv",
            ),
        ),
        admin_papers.import_,
        organiser=True,
    ),
    Command(
        ("admin", "deadline", "set"),
        "Create or move a deadline",
        (
            Option(
                "kind",
                OptionType.WORD,
                "preferences, deregistration, report, slides, presentation, or any other name",
                required=True,
                example="report",
            ),
            Option(
                "when",
                OptionType.TIME,
                "Local time in the seminar's timezone, e.g. 2027-01-15 23:59",
                required=True,
                example="2027-01-15 23:59",
            ),
            Option(
                "reminders",
                OptionType.OFFSETS,
                "When to remind before it, e.g. 7d,1d,2h (default for a new one), or none",
                default="7d,1d,2h",
                example="7d,1d,2h",
            ),
            Option(
                "note",
                OptionType.TEXT,
                "Shown with the deadline and in reminders (kept when left out)",
                example="PDF, max. 8 pages",
            ),
        ),
        admin_deadlines.set_,
        organiser=True,
    ),
    Command(
        ("admin", "deadline", "remove"),
        "Remove a deadline and its pending reminders",
        (
            Option(
                "kind", OptionType.WORD, "The deadline to remove", required=True, example="report"
            ),
        ),
        admin_deadlines.remove,
        organiser=True,
    ),
    Command(
        ("admin", "announce", "post"),
        "Post an announcement now or at a time",
        (
            Option(
                "message",
                OptionType.TEXT,
                "The text (mentions in it never ping)",
                required=True,
                example="Welcome!",
            ),
            Option(
                "when",
                OptionType.TIME,
                "Optional local time to post it, e.g. 2026-11-02 09:00 (seminar timezone)",
                example="2026-11-02 09:00",
            ),
            Option(
                "ping",
                OptionType.ROLE,
                "Optional role to ping with it (Matrix: `room` notifies the whole room)",
                example="room",
            ),
        ),
        admin_announce.post,
        organiser=True,
    ),
    Command(
        ("admin", "announce", "list"),
        "The scheduled announcements",
        (),
        admin_announce.list_,
        organiser=True,
    ),
    Command(
        ("admin", "announce", "cancel"),
        "Cancel a scheduled announcement",
        (
            Option(
                "announcement",
                OptionType.ANNOUNCEMENT,
                "The announcement to cancel (its number, see announce list)",
                required=True,
                example="12",
            ),
        ),
        admin_announce.cancel,
        organiser=True,
    ),
    Command(
        ("admin", "officehours", "set"),
        "Set the weekly office-hour slot",
        (
            _choice("weekday", "Day of the week", WEEKDAYS, required=True, example="tuesday"),
            Option(
                "start",
                OptionType.CLOCK,
                "Local start time, e.g. 14:00 (seminar timezone)",
                required=True,
                example="14:00",
            ),
            Option(
                "duration",
                OptionType.INTEGER,
                "Length in minutes (default 120)",
                default=120,
                min_value=5,
                max_value=720,
                example="120",
            ),
            Option("place", OptionType.TEXT, "Room or link", required=True, example="MI 02.09.014"),
            Option(
                "first",
                OptionType.DATE,
                "First date, e.g. 2026-10-20",
                required=True,
                example="2026-10-20",
            ),
            Option(
                "last",
                OptionType.DATE,
                "Last date, e.g. 2027-02-09",
                required=True,
                example="2027-02-09",
            ),
        ),
        admin_officehours.set_,
        organiser=True,
    ),
    Command(
        ("admin", "officehours", "cancel"),
        "Cancel one occurrence (announced)",
        (
            Option(
                "date",
                OptionType.DATE,
                "The date to cancel, e.g. 2026-11-03",
                required=True,
                example="2026-11-03",
            ),
            Option("reason", OptionType.TEXT, "Shown to students", example="conference travel"),
        ),
        admin_officehours.cancel,
        organiser=True,
    ),
    Command(
        ("admin", "assign", "run"),
        "Compute an optimal assignment and preview it",
        (
            Option(
                "seed",
                OptionType.INTEGER,
                "Tie-break seed, to reproduce a run (default: a random one, shown in the preview)",
                min_value=0,
                max_value=SEED_LIMIT - 1,
                example="42",
            ),
            _choice(
                "mode",
                "linear: fewest total rank (default); fair: fewer students on a low choice",
                ("linear", "fair"),
                default="linear",
            ),
            Option(
                "fill",
                OptionType.BOOLEAN,
                "Also place students who ranked nothing on leftover papers (default: no)",
                default=False,
                example="true",
            ),
        ),
        admin_assign.run,
        organiser=True,
    ),
    Command(
        ("admin", "assign", "set"),
        "Pin a student to a paper (kept by later runs)",
        (
            Option(
                "member", OptionType.MEMBER, "The student to pin", required=True, example="alice"
            ),
            Option(
                "paper",
                OptionType.PAPER,
                "The paper they will present",
                required=True,
                example="wei-ma-2019",
            ),
        ),
        admin_assign.pin,
        organiser=True,
    ),
    Command(
        ("admin", "assign", "clear"),
        "Remove a student's pin",
        (
            Option(
                "member",
                OptionType.MEMBER,
                "The student whose pin to remove",
                required=True,
                example="alice",
            ),
        ),
        admin_assign.unpin,
        organiser=True,
    ),
    Command(
        ("admin", "assign", "publish"),
        "Publish the preview: a channel post and a DM to each student",
        (),
        admin_assign.publish,
        organiser=True,
    ),
    Command(
        ("admin", "participants"),
        "Participants with their status",
        (),
        admin_participants.show,
        organiser=True,
    ),
    Command(
        ("admin", "export"),
        "Download seminar data as a CSV file",
        (
            _choice(
                "what",
                "Which table to export",
                tuple(kind.value for kind in ExportKind),
                required=True,
            ),
        ),
        admin_export.export,
        organiser=True,
    ),
    Command(
        ("admin", "talks", "schedule"),
        "Build the programme from the published assignment",
        (
            Option(
                "start",
                OptionType.TIME,
                "First day's start, e.g. 2027-02-15 09:00 (seminar timezone); later days "
                "start at the same time",
                required=True,
                example="2027-02-15 09:00",
            ),
            Option(
                "talk_minutes",
                OptionType.INTEGER,
                "Length of one talk in minutes",
                required=True,
                min_value=TALK_MINUTES[0],
                max_value=TALK_MINUTES[1],
                example="30",
            ),
            Option(
                "break_minutes",
                OptionType.INTEGER,
                "Minutes between two talks",
                required=True,
                min_value=BREAK_MINUTES[0],
                max_value=BREAK_MINUTES[1],
                example="15",
            ),
            Option(
                "per_day",
                OptionType.INTEGER,
                "Talks per day",
                required=True,
                min_value=PER_DAY[0],
                max_value=PER_DAY[1],
                example="6",
            ),
        ),
        admin_talks.schedule,
        organiser=True,
    ),
    Command(
        ("admin", "attendance", "show"),
        "Per talk who checked in and who is missing; the codes",
        (),
        admin_attendance.show,
        organiser=True,
    ),
    Command(
        ("admin", "attendance", "set"),
        "Correct one student's attendance of one talk",
        (
            Option("member", OptionType.MEMBER, "The participant", required=True, example="alice"),
            Option(
                "talk",
                OptionType.WORD,
                _TALK_HELP,
                required=True,
                example="3",
            ),
            Option(
                "present",
                OptionType.BOOLEAN,
                "true: was there; false: was not (a later code check-in cannot change it)",
                required=True,
                example="true",
            ),
        ),
        admin_attendance.set_present,
        organiser=True,
    ),
    Command(
        ("admin", "attendance", "excuse"),
        "Excuse one absence: it no longer holds back the grade",
        (
            Option("member", OptionType.MEMBER, "The participant", required=True, example="alice"),
            Option("talk", OptionType.WORD, _TALK_HELP, required=True, example="3"),
            Option(
                "reason",
                OptionType.TEXT,
                "Why the absence is excused (kept in the audit log)",
                required=True,
                example="ill, certificate seen",
            ),
        ),
        admin_attendance.excuse,
        organiser=True,
    ),
    Command(
        ("admin", "grade"),
        "Record grades: report 40 % + presentation 60 %, both needed",
        (
            Option("member", OptionType.MEMBER, "The participant", required=True, example="alice"),
            Option("report", OptionType.GRADE, _GRADE_HELP, example="1.3"),
            Option("presentation", OptionType.GRADE, _GRADE_HELP, example="1.7"),
        ),
        admin_grade.grade,
        organiser=True,
    ),
    Command(
        ("admin", "status"),
        "Reminders pending, late, missed, failed",
        (),
        admin_status.show,
        organiser=True,
    ),
)


def for_platform(platform: Platform) -> Iterator[Command]:
    """The commands a front end offers, in table order."""
    return (command for command in COMMANDS if platform in command.platforms)


def by_path() -> dict[tuple[str, ...], Command]:
    return {command.path: command for command in COMMANDS}


__all__ = [
    "ALL_PLATFORMS",
    "COMMANDS",
    "DISCORD_ONLY",
    "TYPED",
    "Command",
    "Option",
    "OptionType",
    "by_path",
    "for_platform",
]
