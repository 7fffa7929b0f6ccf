"""`/admin status`: the reminder engine's health."""

from __future__ import annotations

from bot.commands.context import Answer, Call
from bot.commands.handlers.common import field


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


def recipient_label(recipient: str) -> str:
    if recipient.startswith("user:"):
        return f"member {recipient.removeprefix('user:')}"
    return "the seminar channel"


async def show(call: Call) -> Answer:
    style = call.style
    status = await call.services.status.status(call.place_id)
    lines = [
        field(style, "Pending", str(status.pending)),
        field(style, "Sent late", str(status.sent_late)),
        field(style, "Missed", str(status.missed_count)),
        field(style, "Failed deliveries", str(status.failed)),
        field(style, "DMs closed (posted in channel)", str(status.dms_closed)),
    ]
    if status.next_up:
        lines.append(style.bold("Next up"))
        lines.extend(f"• {style.when(o.due_at)} — {describe_job(o.key)}" for o in status.next_up)
    if status.missed:
        lines.append(style.bold("Missed (bot was offline past the deadline)"))
        lines.extend(f"• {style.when(due)} — {describe_job(key)}" for key, due in status.missed)
    if status.problems:
        lines.append(style.bold("Delivery problems"))
        lines.extend(
            f"• {recipient_label(p.recipient)} — {p.status}: {style.escape(p.error)}"
            for p in status.problems
        )
    if status.assignment_changes:
        lines.append(
            field(
                style,
                "Paper assignment",
                f"A re-run is advised: {status.assignment_changes} change"
                f"{'' if status.assignment_changes == 1 else 's'} since publication "
                f"({style.code(style.command('admin assign run'))}, then "
                f"{style.code(style.command('admin assign publish'))}).",
            )
        )
    if status.talks_dropped:
        lines.append(
            field(
                style,
                "Block-seminar programme",
                f"{status.talks_dropped} presenter{'' if status.talks_dropped == 1 else 's'} "
                "left since it was scheduled; their slots are gaps. Re-schedule with "
                f"{style.code(style.command('admin talks schedule'))} to close them.",
            )
        )
    if status.last_start is not None:
        lines.append(field(style, "Last start", style.when(status.last_start)))
    lines.append(field(style, "Database size", f"{status.database_bytes / 1024:.0f} KiB"))
    return Answer("\n".join(lines), title="Seminar bot status")
