"""SQL for `/mydata`: the rows about one user that no other repository reads or deletes."""

from __future__ import annotations

from bot.core.models import AuditEntry, Delivery, PinnedPaper, UserSettings
from bot.store.database import Transaction
from bot.store.reader import Reader
from bot.store.reminders import DELIVERIES, delivery


def recipient(user_id: int) -> str:
    """How the delivery log names a user (see bot/core/reminders/dispatcher.py)."""
    return f"user:{user_id}"


async def user_settings(db: Reader, seminar_id: int, user_id: int) -> UserSettings | None:
    row = await db.fetch_one(
        "SELECT dm_reminders FROM user_settings WHERE seminar_id = ? AND user_id = ?",
        (seminar_id, user_id),
    )
    return None if row is None else UserSettings(dm_reminders=bool(row["dm_reminders"]))


async def deliveries(db: Reader, seminar_id: int, user_id: int) -> list[Delivery]:
    rows = await db.fetch_all(
        f"{DELIVERIES} WHERE seminar_id = ? AND recipient = ? ORDER BY claimed_at, id",
        (seminar_id, recipient(user_id)),
    )
    return [delivery(row) for row in rows]


async def audit_mentions(db: Reader, guild_id: int, user_id: int) -> list[AuditEntry]:
    """Audit rows by or about the user; `detail` is JSON, matched exactly in Python."""
    rows = await db.fetch_all(
        "SELECT id, actor_id, action, detail, at FROM audit_log WHERE guild_id = ? "
        "AND (actor_id = ? OR instr(detail, ?) > 0) ORDER BY id",
        (guild_id, user_id, str(user_id)),
    )
    return [
        AuditEntry(row["id"], row["actor_id"], row["action"], row["detail"], row["at"])
        for row in rows
    ]


async def delete_user_rows(tx: Transaction, seminar_id: int, user_id: int) -> None:
    """Per-user rows outside registration, hand-in and grades."""
    await tx.execute(
        "DELETE FROM user_settings WHERE seminar_id = ? AND user_id = ?", (seminar_id, user_id)
    )
    await tx.execute(
        "DELETE FROM deliveries WHERE seminar_id = ? AND recipient = ?",
        (seminar_id, recipient(user_id)),
    )
    # A cache of Discord's DM channel id, shared by every server; the bot
    # fetches it again when it next needs it.
    await tx.execute("DELETE FROM dm_channels WHERE user_id = ?", (user_id,))


async def pin(db: Reader, seminar_id: int, user_id: int) -> PinnedPaper | None:
    row = await db.fetch_one(
        "SELECT pa.code, pa.title, ap.created_at FROM assignment_pins ap "
        "JOIN papers pa ON pa.id = ap.paper_id WHERE ap.seminar_id = ? AND ap.user_id = ?",
        (seminar_id, user_id),
    )
    return None if row is None else PinnedPaper(row["code"], row["title"], row["created_at"])


async def assignment_changes(db: Reader, seminar_id: int, user_id: int) -> list[str]:
    """The kinds of the changes logged about the member, oldest first."""
    rows = await db.fetch_all(
        "SELECT kind FROM assignment_changes WHERE seminar_id = ? AND user_id = ? ORDER BY id",
        (seminar_id, user_id),
    )
    return [row["kind"] for row in rows]


async def forget_in_assignment(tx: Transaction, seminar_id: int, user_id: int) -> None:
    """Remove the member from the assignment's history, keeping what organisers need.

    Run after the participant row is gone (its triggers already dropped the
    member's published paper and pin and logged the paper as freed). The
    freed paper still counts towards "a re-run is advised", but no longer says
    whose it was; a newcomer who is gone again leaves nothing to place; stored
    runs (previews included) forget the member's row.
    """
    await tx.execute(
        "DELETE FROM assignment_changes WHERE seminar_id = ? AND user_id = ? AND kind = 'joined'",
        (seminar_id, user_id),
    )
    await tx.execute(
        "UPDATE assignment_changes SET user_id = 0 WHERE seminar_id = ? AND user_id = ?",
        (seminar_id, user_id),
    )
    await tx.execute(
        "DELETE FROM assignment_run_rows WHERE user_id = ? AND run_id IN "
        "(SELECT id FROM assignment_runs WHERE seminar_id = ?)",
        (user_id, seminar_id),
    )


async def rewrite_audit(tx: Transaction, audit_id: int, actor_id: int, detail: str) -> None:
    await tx.execute(
        "UPDATE audit_log SET actor_id = ?, detail = ? WHERE id = ?", (actor_id, detail, audit_id)
    )


async def forget_author(tx: Transaction, seminar_id: int, user_id: int) -> None:
    """What an organiser did stays (announcements, pins, runs); who did it goes."""
    await tx.execute(
        "UPDATE announcements SET author_id = 0 WHERE seminar_id = ? AND author_id = ?",
        (seminar_id, user_id),
    )
    await tx.execute(
        "UPDATE assignment_pins SET created_by = 0 WHERE seminar_id = ? AND created_by = ?",
        (seminar_id, user_id),
    )
    await tx.execute(
        "UPDATE assignment_runs SET created_by = 0 WHERE seminar_id = ? AND created_by = ?",
        (seminar_id, user_id),
    )
    await tx.execute(
        "UPDATE assignment_runs SET published_by = 0 WHERE seminar_id = ? AND published_by = ?",
        (seminar_id, user_id),
    )
