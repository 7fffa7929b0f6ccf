"""`/admin status`: the reminder engine's health."""

from __future__ import annotations

from bot.commands.context import Answer, Call, Style
from bot.commands.handlers.common import field
from bot.core.status import Status


def describe_job(key: str) -> str:
    kind = key.split(":", 1)[0]
    return {
        "deadline": "deadline reminder",
        "announcement": "announcement",
        "officehours": "office-hour notice",
        "publication": "assignment publication",
        "talk": "talk reminder",
        "blockday": "block-day reminder",
    }.get(kind, kind)


TITLE = "Seminar bot status"


def recipient_label(recipient: str, style: Style) -> str:
    if recipient.startswith("user:"):
        return style.person(int(recipient.removeprefix("user:")), "")
    return "the seminar channel"


def count_fields(status: Status) -> list[tuple[str, str]]:
    return [
        ("Pending", str(status.pending)),
        ("Sent late", str(status.sent_late)),
        ("Missed", str(status.missed_count)),
        ("Failed deliveries", str(status.failed)),
        ("DMs closed (posted in channel)", str(status.dms_closed)),
    ]


def job_lists(status: Status, style: Style) -> list[tuple[str, list[str]]]:
    """What is due next, what was missed and what failed: (heading, lines), only where any."""
    found = []
    if status.next_up:
        found.append(
            ("Next up", [f"{style.when(o.due_at)} — {describe_job(o.key)}" for o in status.next_up])
        )
    if status.missed:
        found.append(
            (
                "Missed (bot was offline past the deadline)",
                [f"{style.when(due)} — {describe_job(key)}" for key, due in status.missed],
            )
        )
    if status.problems:
        found.append(
            (
                "Delivery problems",
                [
                    f"{recipient_label(p.recipient, style)} — {p.status}: {style.escape(p.error)}"
                    for p in status.problems
                ],
            )
        )
    return found


def advice_fields(status: Status, style: Style) -> list[tuple[str, str]]:
    """What an organiser should re-run, as (name, value) pairs, only where needed."""
    found = []
    if status.assignment_changes:
        found.append(
            (
                "Paper assignment",
                f"A re-run is advised: {status.assignment_changes} change"
                f"{'' if status.assignment_changes == 1 else 's'} since publication "
                f"({style.code(style.command('admin assign run'))}, then "
                f"{style.code(style.command('admin assign publish'))}).",
            )
        )
    if status.talks_dropped:
        found.append(
            (
                "Block-seminar programme",
                f"{status.talks_dropped} presenter{'' if status.talks_dropped == 1 else 's'} "
                "left since it was scheduled; their slots are gaps. Re-schedule with "
                f"{style.code(style.command('admin talks schedule'))} to close them.",
            )
        )
    return found


def engine_fields(status: Status, style: Style) -> list[tuple[str, str]]:
    found = []
    if status.last_start is not None:
        found.append(("Last start", style.when(status.last_start)))
    found.append(("Database size", f"{status.database_bytes / 1024:.0f} KiB"))
    return found


async def show(call: Call) -> Answer:
    style = call.style
    status = await call.services.status.status(call.place_id)
    lines = [field(style, name, value) for name, value in count_fields(status)]
    for heading, entries in job_lists(status, style):
        lines.append(style.bold(heading))
        lines.extend(f"• {entry}" for entry in entries)
    for name, value in [*advice_fields(status, style), *engine_fields(status, style)]:
        lines.append(field(style, name, value))
    return Answer("\n".join(lines), title=TITLE)
