"""Matrix's own state, in one mautrix `Database` beside the seminar database.

mautrix tracks the connection in a module-wide context variable, so every store
it uses (the room-state cache, the sync token) lives on this one object. The
bot's session (device id, access token from a password login), the sync token,
the DM room of each person and the encrypted rooms already told that the bot
cannot read them are kept here too: a restart resumes the same device and sync
position, so Synapse's transaction-id de-duplication covers re-sends.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from mautrix.client.state_store import SyncStore
from mautrix.client.state_store.asyncpg import PgStateStore
from mautrix.types import EventID, RoomID, SyncToken, UserID
from mautrix.util.async_db import Connection, Database, Scheme, UpgradeTable

log = logging.getLogger(__name__)


def _upgrade_table() -> UpgradeTable:
    """This package's own tables, versioned apart from mautrix's (`mx_version`)."""
    table = UpgradeTable(
        version_table_name="seminar_bot_matrix_version",
        database_name="seminar-bot Matrix state",
        log=logging.getLogger("bot.matrix.store.upgrade"),
    )
    table.register(_upgrade_v1, description="session, DM rooms, encrypted rooms told")
    table.register(_upgrade_v2, description="questions asked and commands handled, for restarts")
    return table


async def _upgrade_v1(conn: Connection, scheme: Scheme) -> None:
    await conn.execute(
        "CREATE TABLE matrix_session (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT"
    )
    await conn.execute(
        """CREATE TABLE matrix_dm_rooms (
            user_id TEXT PRIMARY KEY,
            room_id TEXT NOT NULL,
            -- the seminar room this person last used: whose timezone their DMs show
            home_room_id TEXT
        ) STRICT"""
    )
    # People who left or rejected their DM room: reminders reach them as mentions in the
    # seminar room until they ask the bot something again.
    await conn.execute("CREATE TABLE matrix_dm_closed (user_id TEXT PRIMARY KEY) STRICT")
    await conn.execute(
        "CREATE TABLE matrix_encrypted_told (room_id TEXT PRIMARY KEY, told_at INTEGER NOT NULL)"
        " STRICT"
    )


async def _upgrade_v2(conn: Connection, scheme: Scheme) -> None:
    # What was asked, not what a yes would do (that is code and dies with the process): a
    # ✅ or `yes` to a question from before a restart gets an answer instead of silence.
    await conn.execute(
        """CREATE TABLE matrix_questions (
            prompt TEXT PRIMARY KEY,
            room_id TEXT NOT NULL,
            asker TEXT NOT NULL,
            asked_at INTEGER NOT NULL
        ) STRICT"""
    )
    # Commands answered, by event id: a batch replayed after a crash (its sync token was
    # never stored) does not run them again.
    await conn.execute(
        "CREATE TABLE matrix_handled (event_id TEXT PRIMARY KEY, handled_at INTEGER NOT NULL)"
        " STRICT"
    )


def store_path(database_path: Path) -> Path:
    """`data/seminar.db` -> `data/seminar.matrix.db`."""
    return database_path.with_name(f"{database_path.stem}.matrix{database_path.suffix or '.db'}")


def _prepare(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.resolve()


class MatrixStore(SyncStore):
    """The session, the sync token and the DM rooms; `state` is mautrix's room cache."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.state = PgStateStore(db)

    @classmethod
    async def open(cls, path: Path) -> MatrixStore:
        where = await asyncio.to_thread(_prepare, path)
        # WAL, a busy timeout and foreign keys are mautrix's SQLite defaults.
        db = Database.create(f"sqlite://{where}", upgrade_table=_upgrade_table())
        await db.start()
        await PgStateStore.upgrade_table.upgrade(db)
        return cls(db)

    async def close(self) -> None:
        await self.db.stop()

    # -- session --------------------------------------------------------------------------

    async def get(self, key: str) -> str | None:
        value = await self.db.fetchval("SELECT value FROM matrix_session WHERE key=$1", key)
        return None if value is None else str(value)

    async def put(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO matrix_session (key, value) VALUES ($1, $2) "
            "ON CONFLICT (key) DO UPDATE SET value=excluded.value",
            key,
            value,
        )

    async def forget(self, *keys: str) -> None:
        for key in keys:
            await self.db.execute("DELETE FROM matrix_session WHERE key=$1", key)

    # -- SyncStore ------------------------------------------------------------------------

    async def put_next_batch(self, next_batch: SyncToken) -> None:
        await self.put("next_batch", next_batch)

    async def get_next_batch(self) -> SyncToken:
        return SyncToken(await self.get("next_batch") or "")

    # -- DM rooms -------------------------------------------------------------------------

    async def dm_room(self, user_id: UserID) -> RoomID | None:
        value = await self.db.fetchval(
            "SELECT room_id FROM matrix_dm_rooms WHERE user_id=$1", user_id
        )
        # A row may hold only the home room (no DM opened yet): room_id ''.
        return RoomID(str(value)) if value else None

    async def remember_dm_room(self, user_id: UserID, room_id: RoomID) -> None:
        await self.db.execute(
            "INSERT INTO matrix_dm_rooms (user_id, room_id) VALUES ($1, $2) "
            "ON CONFLICT (user_id) DO UPDATE SET room_id=excluded.room_id",
            user_id,
            room_id,
        )

    async def forget_dm_room(self, room_id: RoomID) -> None:
        await self.db.execute("UPDATE matrix_dm_rooms SET room_id='' WHERE room_id=$1", room_id)

    async def close_dm(self, room_id: RoomID) -> None:
        """The person left (or rejected) their DM room: forget it, note that they did."""
        await self.db.execute(
            "INSERT INTO matrix_dm_closed (user_id) SELECT user_id FROM matrix_dm_rooms "
            "WHERE room_id=$1 ON CONFLICT DO NOTHING",
            room_id,
        )
        await self.forget_dm_room(room_id)

    async def dm_closed(self, user_id: UserID) -> bool:
        found = await self.db.fetchval("SELECT 1 FROM matrix_dm_closed WHERE user_id=$1", user_id)
        return found is not None

    async def reopen_dm(self, user_id: UserID) -> None:
        await self.db.execute("DELETE FROM matrix_dm_closed WHERE user_id=$1", user_id)

    async def is_dm_room(self, room_id: RoomID) -> bool:
        found = await self.db.fetchval(
            "SELECT 1 FROM matrix_dm_rooms WHERE room_id=$1 AND room_id != '' LIMIT 1", room_id
        )
        return found is not None

    async def set_home_room(self, user_id: UserID, room_id: RoomID) -> None:
        await self.db.execute(
            "INSERT INTO matrix_dm_rooms (user_id, room_id, home_room_id) VALUES ($1, '', $2) "
            "ON CONFLICT (user_id) DO UPDATE SET home_room_id=excluded.home_room_id",
            user_id,
            room_id,
        )

    async def home_room(self, user_id: UserID) -> RoomID | None:
        value = await self.db.fetchval(
            "SELECT home_room_id FROM matrix_dm_rooms WHERE user_id=$1", user_id
        )
        return RoomID(str(value)) if value else None

    async def forget_person(self, user_id: UserID) -> None:
        """Everything kept here about `user_id` (their data was deleted): the next
        private answer opens a new DM room."""
        for table, column in (
            ("matrix_dm_rooms", "user_id"),
            ("matrix_dm_closed", "user_id"),
            ("matrix_questions", "asker"),
        ):
            await self.db.execute(f"DELETE FROM {table} WHERE {column}=$1", user_id)

    # -- commands handled ---------------------------------------------------------------

    async def was_handled(self, event_id: EventID) -> bool:
        found = await self.db.fetchval("SELECT 1 FROM matrix_handled WHERE event_id=$1", event_id)
        return found is not None

    async def mark_handled(self, event_id: EventID, at: int) -> None:
        await self.db.execute(
            "INSERT INTO matrix_handled (event_id, handled_at) VALUES ($1, $2) "
            "ON CONFLICT (event_id) DO NOTHING",
            event_id,
            at,
        )

    # -- encrypted rooms ------------------------------------------------------------------

    async def tell_encrypted_once(self, room_id: RoomID, now: int) -> bool:
        """True the first time for `room_id`: the caller then explains, once."""
        cursor = await self.db.execute(
            "INSERT INTO matrix_encrypted_told (room_id, told_at) VALUES ($1, $2) "
            "ON CONFLICT (room_id) DO NOTHING",
            room_id,
            now,
        )
        return bool(getattr(cursor, "rowcount", 1))

    # -- questions --------------------------------------------------------------------------

    async def remember_question(
        self, prompt: EventID, room_id: RoomID, asker: UserID, asked_at: int
    ) -> None:
        await self.db.execute(
            "INSERT INTO matrix_questions (prompt, room_id, asker, asked_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (prompt) DO NOTHING",
            prompt,
            room_id,
            asker,
            asked_at,
        )

    async def forget_question(self, prompt: EventID) -> None:
        await self.db.execute("DELETE FROM matrix_questions WHERE prompt=$1", prompt)

    async def orphaned_question(
        self, room_id: RoomID, asker: UserID, prompt: EventID | None
    ) -> EventID | None:
        """A question of `asker` in `room_id` (that one if `prompt` is given) still on
        record though no process is waiting for its answer."""
        if prompt is not None:
            found = await self.db.fetchval(
                "SELECT prompt FROM matrix_questions WHERE prompt=$1 AND room_id=$2 AND asker=$3",
                prompt,
                room_id,
                asker,
            )
        else:
            found = await self.db.fetchval(
                "SELECT prompt FROM matrix_questions WHERE room_id=$1 AND asker=$2 "
                "ORDER BY asked_at DESC LIMIT 1",
                room_id,
                asker,
            )
        return None if found is None else EventID(str(found))

    async def drop_records_before(self, before: int) -> None:
        """Questions nobody answered for long are not worth an explanation any more, and
        sync never replays commands this old."""
        await self.db.execute("DELETE FROM matrix_questions WHERE asked_at < $1", before)
        await self.db.execute("DELETE FROM matrix_handled WHERE handled_at < $1", before)
