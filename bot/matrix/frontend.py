"""Room events in, answers out: commands, private answers, confirmations, invites.

A seminar is one room. A message starting with `!` is handed to the command
layer as an Invocation whose place is the room (in the asker's DM room: the
seminar room they last used), whose actor is an organiser when their power
level in the seminar room is at least 50 (room-version-12 creators included).
Private answers go to the asker's DM room and the seminar room gets a short
"answered you privately"; public ones are `m.notice` in the room.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mautrix.errors import MatrixError
from mautrix.types import EventID, RoomID, UserID
from pydantic import SecretStr

from bot.commands.context import Actor, Answer, Confirmation, Invocation
from bot.commands.layer import CommandLayer
from bot.commands.spelling import spell
from bot.core.clock import Clock
from bot.core.models import Platform
from bot.core.services import Services
from bot.heartbeat import Heartbeat
from bot.matrix.client import MatrixConfig, MatrixSession
from bot.matrix.files import MatrixAttachment
from bot.matrix.identity import Identities
from bot.matrix.outbox import MatrixOutbox
from bot.matrix.render import MatrixStyle, content, escape, people_in
from bot.matrix.store import MatrixStore, store_path

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 120
CONFIRM_KEYS = frozenset({"✅", "✅️", "✔", "✔️", "☑️"})
EXPIRED = (
    "That question expired after 2 minutes: nothing was changed. "
    "Send the command again if you still want it."
)
ORPHANED = (
    "That question is no longer open: the bot restarted after asking it, so nothing was "
    "changed. Send the command again if you still want it."
)
# How long a stop waits for the commands of the sync batch in hand, unless the caller
# gives less (the composition root gives what is left of its shutdown budget).
BATCH_GRACE_SECONDS = 8.0
# Unanswered questions and records of answered commands older than this are dropped at
# start (a sync that far back is never replayed).
RECORDS_KEPT_SECONDS = 7 * 24 * 3600
YES = frozenset({"yes", "y", "✅"})
NO = frozenset({"no", "n", "cancel"})
FILE_TYPES = frozenset({"m.file", "m.image"})
ENCRYPTED_HELP = (
    "I cannot read encrypted messages, so I cannot see commands in this room. "
    "Please create a room with encryption turned off (in Element: + → New room, then switch "
    'off "Enable end-to-end encryption"; it cannot be switched off later in a room), invite '
    "me there and run `!admin setup` in it. Students' private answers come in an unencrypted "
    "DM room I open for each of them."
)
NO_HOME = (
    "I do not know which seminar you mean yet: send your first command in the seminar's room, "
    "then you can also use this private room."
)


@dataclass
class Pending:
    """A question waiting for the asker's ✅ (or `yes`)."""

    confirmation: Confirmation
    invocation: Invocation
    asker: UserID
    seminar_room: RoomID
    room: RoomID
    prompt: EventID
    expiry: asyncio.TimerHandle | None = None
    done: bool = False


@dataclass
class Context:
    """Where a command came from and where its answers go."""

    room: RoomID
    seminar_room: RoomID
    sender: UserID
    event_id: EventID
    is_dm: bool
    replies: int = field(default=0)

    def txn(self) -> str:
        """One transaction id per answer to this event: a re-handled event re-sends the same."""
        self.replies += 1
        digest = hashlib.sha256(f"{self.event_id}/{self.replies}".encode()).hexdigest()
        return "re" + digest[:40]


class MatrixSettings(Protocol):
    """The settings this front end reads (bot.settings.Settings has them)."""

    @property
    def matrix_homeserver(self) -> str | None: ...
    @property
    def matrix_user_id(self) -> str | None: ...
    @property
    def matrix_password(self) -> SecretStr | None: ...
    @property
    def matrix_access_token(self) -> SecretStr | None: ...
    @property
    def database_path(self) -> Path: ...
    @property
    def max_upload_bytes(self) -> int: ...
    @property
    def download_timeout_seconds(self) -> float: ...


class MatrixFrontEnd:
    """The Matrix front end: `start` logs in and syncs; `outbox` delivers the core's notices."""

    def __init__(
        self,
        config: MatrixConfig,
        services: Services,
        identities: Identities,
        layer: CommandLayer,
        clock: Clock,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self.config = config
        self.heartbeat = heartbeat
        self.services = services
        self.identities = identities
        self.layer = layer
        self.clock = clock
        self._store: MatrixStore | None = None
        self._session: MatrixSession | None = None
        self._outbox = MatrixOutbox(lambda: self.session, clock)
        self._sync_task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._pending: dict[EventID, Pending] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def platform(self) -> Platform:
        return Platform.MATRIX

    @property
    def session(self) -> MatrixSession:
        assert self._session is not None, "start() first"
        return self._session

    @property
    def outbox(self) -> MatrixOutbox:
        return self._outbox

    @classmethod
    def build(
        cls,
        settings: MatrixSettings,
        services: Services,
        identities: Identities,
        layer: CommandLayer,
        clock: Clock,
        heartbeat: Heartbeat | None = None,
    ) -> MatrixFrontEnd:
        """From the process settings (MATRIX_* and the shared limits)."""
        assert settings.matrix_homeserver is not None and settings.matrix_user_id is not None
        config = MatrixConfig(
            homeserver=settings.matrix_homeserver,
            user_id=settings.matrix_user_id,
            password=settings.matrix_password,
            access_token=settings.matrix_access_token,
            store_path=store_path(settings.database_path),
            max_upload_bytes=settings.max_upload_bytes,
            download_timeout_seconds=settings.download_timeout_seconds,
        )
        return cls(config, services, identities, layer, clock, heartbeat)

    async def start(self) -> None:
        """Log in (or resume) and sync once; then `serve` keeps syncing until `close`.

        Once this returns, the outbox can deliver and every room the bot was
        invited to while it was down has been joined.
        """
        self._store = await MatrixStore.open(self.config.store_path)
        await self._store.drop_records_before(self.clock.now() - RECORDS_KEPT_SECONDS)
        self._session = MatrixSession(
            self.config, self._store, self.services, self.identities, self.clock
        )
        await self._session.login()
        self._sync_task = asyncio.create_task(
            self._session.sync_forever(self._on_batch, self._ready), name="matrix-sync"
        )
        await self._wait_ready()
        log.info("Matrix front end ready: synced as %s", self._session.me)

    async def _wait_ready(self) -> None:
        """Until the first sync batch has been handled (or syncing has died)."""
        assert self._sync_task is not None
        waiter = asyncio.create_task(self._ready.wait())
        done, _ = await asyncio.wait({waiter, self._sync_task}, return_when=asyncio.FIRST_COMPLETED)
        if self._sync_task in done:
            waiter.cancel()
            self._sync_task.result()  # raises what stopped it

    async def serve(self) -> None:
        """Wait on the sync loop; it returns only when closed (or raises)."""
        assert self._sync_task is not None
        with contextlib.suppress(asyncio.CancelledError):
            await self._sync_task

    async def after_rebuild(self) -> None:
        """Matrix has no scheduled events to mirror."""

    async def close(self, grace: float = BATCH_GRACE_SECONDS) -> None:
        """Stop syncing; the batch in hand finishes (at most `grace` seconds), so its
        commands are not run again after a restart."""
        if self._session is not None:
            self._session.stop()
        if self._sync_task is not None:
            self._sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sync_task
        if self._session is not None:
            await self._session.finish_batch(grace)
        for pending in self._pending.values():
            if pending.expiry is not None:
                pending.expiry.cancel()
        self._pending.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._store is not None:
            await self._store.close()

    # -- the sync batch -------------------------------------------------------------------

    async def _on_batch(self, events: list[dict[str, Any]], initial: bool) -> None:
        by_room: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            by_room.setdefault(event["room_id"], []).append(event)
        await asyncio.gather(
            *(self._room_events(evs, initial) for evs in by_room.values()),
            return_exceptions=False,
        )
        await self._beat()

    async def _beat(self) -> None:
        """Synced just now: alive, for the container's health check."""
        if self.heartbeat is not None:
            await self.heartbeat.beat(Platform.MATRIX)

    async def _room_events(self, events: list[dict[str, Any]], initial: bool) -> None:
        for event in events:
            try:
                await self._event(event, initial)
            except Exception:
                log.exception("handling Matrix event %s failed", event.get("event_id", "?"))

    async def _event(self, event: dict[str, Any], initial: bool) -> None:
        kind = event.get("type")
        room = RoomID(event["room_id"])
        if kind == "seminar_bot.invite":
            await self._invited(room, event.get("state", []))
            return
        if kind == "seminar_bot.left":
            await self.session.store.close_dm(room)
            return
        sender = UserID(str(event.get("sender", "")))
        if sender == self.session.me:
            return
        if kind == "m.room.member":
            await self._member(room, event)
            return
        if initial:
            # History from before the bot's first start is not answered.
            return
        body = event.get("content") or {}
        if kind == "m.room.encrypted":
            await self._tell_encrypted(room)
        elif kind == "m.reaction":
            await self._reaction(room, sender, body)
        elif kind == "m.room.message":
            await self._message(room, sender, EventID(str(event.get("event_id", ""))), body)

    async def _invited(self, room: RoomID, state: list[dict[str, Any]]) -> None:
        me = str(self.session.me)
        invite = next(
            (s for s in state if s.get("type") == "m.room.member" and s.get("state_key") == me),
            None,
        )
        try:
            await self.session.client.join_room_by_id(room)
        except MatrixError as exc:
            log.warning("could not join %s: %s", room, exc)
            return
        log.info("joined %s", room)
        encrypted = any(s.get("type") == "m.room.encryption" for s in state)
        # A DM the person opened is adopted as their private room, unless it is encrypted
        # (Element's default): then the bot opens a plain one when it first needs one.
        if not encrypted and invite is not None and (invite.get("content") or {}).get("is_direct"):
            inviter = UserID(str(invite.get("sender", "")))
            if inviter and await self.session.store.dm_room(inviter) is None:
                await self.session.store.remember_dm_room(inviter, room)
        if encrypted:
            await self._tell_encrypted(room)

    async def _member(self, room: RoomID, event: dict[str, Any]) -> None:
        membership = (event.get("content") or {}).get("membership")
        if membership in ("leave", "ban") and await self.session.store.is_dm_room(room):
            # They left (or rejected) our DM room: reminders fall back to mentions in the
            # seminar room until they ask something again, which opens a fresh one.
            await self.session.store.close_dm(room)
            with contextlib.suppress(MatrixError):
                await self.session.client.leave_room(room)

    async def _tell_encrypted(self, room: RoomID) -> None:
        if not await self.session.store.tell_encrypted_once(room, self.clock.now()):
            return
        await self._send(room, {**content(ENCRYPTED_HELP), "msgtype": "m.notice"}, None)

    # -- messages -------------------------------------------------------------------------

    async def _message(
        self, room: RoomID, sender: UserID, event_id: EventID, body: dict[str, Any]
    ) -> None:
        msgtype = body.get("msgtype")
        text = _strip_reply_fallback(str(body.get("body", ""))).strip()
        attachment: dict[str, Any] | None = None
        if msgtype in FILE_TYPES:
            filename = body.get("filename")
            if not (isinstance(filename, str) and filename != body.get("body")):
                return  # a file without a caption: maybe a later reply names it
            attachment = body
        elif msgtype != "m.text":
            return
        reply_to = ((body.get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id")
        if text.lower() in YES | NO and await self._answered(room, sender, text.lower(), reply_to):
            return
        if not text.startswith("!") or len(text) < 2 or text[1].isspace():
            return
        if await self.session.store.was_handled(event_id):
            return  # answered before a crash that lost the batch's sync token
        received = time.monotonic()
        ctx = await self._context(room, sender, event_id)
        if ctx is None:
            return
        if attachment is None and isinstance(reply_to, str):
            attachment = await self._replied_file(room, EventID(reply_to))
        invocation = await self._invocation(ctx, attachment)
        started = time.monotonic()
        answer = await self.layer.execute(text, invocation)
        answered = time.monotonic()
        await self._deliver(answer, ctx, invocation)
        await self.session.store.mark_handled(event_id, self.clock.now())
        log.debug(
            "%s: %.0f ms to prepare, %.0f ms to answer, %.0f ms to deliver",
            text.split()[0],
            (started - received) * 1000,
            (answered - started) * 1000,
            (time.monotonic() - answered) * 1000,
        )

    async def _context(self, room: RoomID, sender: UserID, event_id: EventID) -> Context | None:
        store = self.session.store
        is_dm = await store.is_dm_room(room)
        if is_dm:
            home = await store.home_room(sender)
            if not home:
                await self._send(room, content(NO_HOME), None)
                return None
            return Context(room, home, sender, event_id, True)
        await store.set_home_room(sender, room)
        return Context(room, room, sender, event_id, False)

    async def _invocation(self, ctx: Context, attachment: dict[str, Any] | None) -> Invocation:
        name = await self.session.display_name(ctx.seminar_room, ctx.sender)
        account = await self.identities.account(Platform.MATRIX, str(ctx.sender))
        place = await self.identities.place(Platform.MATRIX, str(ctx.seminar_room))
        organiser = await self.session.is_organiser(ctx.seminar_room, ctx.sender)
        zone = await self.session.account_zone(account, ctx.sender)
        style = MatrixStyle(self.clock, zone, lambda path: spell(path, Platform.MATRIX))
        seminar_room = ctx.seminar_room

        async def resolve_member(typed: str) -> int | None:
            return await self._resolve_member(seminar_room, typed)

        file = None
        if attachment is not None:
            file = MatrixAttachment(
                self.session.api,
                attachment,
                max_bytes=self.config.max_upload_bytes,
                timeout=self.config.download_timeout_seconds,
            )
        return Invocation(
            platform=Platform.MATRIX,
            place_id=place,
            actor=Actor(account, name, organiser),
            values={},
            style=style,
            resolve_member=resolve_member,
            attachment=file,
        )

    async def _resolve_member(self, room: RoomID, typed: str) -> int | None:
        """`@alice:uni.example`, a display name or a localpart of someone in the room."""
        wanted = typed.strip()
        try:
            members = await self.session.client.get_joined_members(room)
        except MatrixError:
            return None
        if wanted.startswith("@") and ":" in wanted:
            match = next((u for u in members if str(u) == wanted), None)
        else:
            lowered = wanted.lstrip("@").casefold()
            candidates = [
                user
                for user, member in members.items()
                if (member.displayname or "").casefold() == lowered
                or str(user)[1:].split(":", 1)[0].casefold() == lowered
            ]
            match = candidates[0] if len(candidates) == 1 else None
        if match is None or match == self.session.me:
            return None
        return await self.identities.account(Platform.MATRIX, str(match))

    async def _replied_file(self, room: RoomID, event_id: EventID) -> dict[str, Any] | None:
        try:
            original = await self.session.client.get_event(room, event_id)
        except MatrixError:
            return None
        data = original.content.serialize() if hasattr(original.content, "serialize") else {}
        return data if isinstance(data, dict) and data.get("msgtype") in FILE_TYPES else None

    # -- answers --------------------------------------------------------------------------

    async def _deliver(self, answer: Answer, ctx: Context, invocation: Invocation) -> None:
        private = answer.private or (answer.confirm is not None and ctx.is_dm)
        target = ctx.room
        if private and not ctx.is_dm:
            await self.session.store.reopen_dm(ctx.sender)
            target = await self.session.dm_room(ctx.sender)
        people = await self.session.people(people_in(answer.text))
        if answer.confirm is not None:
            prompt_text = (
                f"{answer.text}\n\nTo confirm ({escape(answer.confirm.confirm_label)}), react "
                "with ✅ or reply `yes` within 2 minutes; anything else cancels."
            )
            prompt = await self._send(
                target, content(prompt_text, people=people, title=answer.title), ctx.txn()
            )
            if prompt is not None:
                with contextlib.suppress(MatrixError):
                    await self.session.client.react(target, prompt, "✅")
                await self._ask(answer.confirm, invocation, ctx, target, prompt)
        else:
            await self._send(
                target,
                content(answer.text, people=people, title=answer.title),
                ctx.txn(),
            )
            if answer.file is not None:
                await self._send_file(target, answer.file, ctx.txn())
        if target != ctx.room:
            await self._send(
                ctx.room,
                content(
                    f"{escape(await self.session.display_name(ctx.room, ctx.sender))}: "
                    "I answered you privately.",
                    reply_to=ctx.event_id,
                ),
                ctx.txn(),
            )

    async def _send(self, room: RoomID, event: dict[str, Any], txn: str | None) -> EventID | None:
        try:
            return await self.session.send(room, event, txn)
        except MatrixError as exc:
            log.warning("could not answer in %s: %s", room, exc)
            return None

    async def _send_file(self, room: RoomID, file: tuple[str, bytes], txn: str) -> None:
        name, data = file
        mime = _mimetype(name)
        try:
            url = await self.session.client.upload_media(data, mime_type=mime, filename=name)
        except MatrixError as exc:
            log.warning("could not upload %s: %s", name, exc)
            await self._send(room, content("Sorry, I could not upload the file; try again."), None)
            return
        await self._send(
            room,
            {
                "msgtype": "m.file",
                "body": name,
                "filename": name,
                "url": str(url),
                "info": {"size": len(data), "mimetype": mime},
                "m.mentions": {},
            },
            txn,
        )

    # -- confirmations --------------------------------------------------------------------

    async def _ask(
        self,
        confirmation: Confirmation,
        invocation: Invocation,
        ctx: Context,
        room: RoomID,
        prompt: EventID,
    ) -> None:
        pending = Pending(confirmation, invocation, ctx.sender, ctx.seminar_room, room, prompt)
        loop = asyncio.get_running_loop()
        pending.expiry = loop.call_later(CONFIRM_SECONDS, self._expire, prompt)
        self._pending[prompt] = pending
        await self.session.store.remember_question(prompt, room, ctx.sender, self.clock.now())

    def _expire(self, prompt: EventID) -> None:
        pending = self._pending.pop(prompt, None)
        if pending is None or pending.done:
            return
        pending.done = True
        task = asyncio.create_task(self._close_question(pending.room, pending.prompt, EXPIRED))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_question(self, room: RoomID, prompt: EventID, why: str) -> None:
        """Forget an unanswered question and tell its room `why` nothing happened."""
        await self.session.store.forget_question(prompt)
        await self._send(room, content(why, reply_to=prompt), None)

    async def _orphaned(self, room: RoomID, sender: UserID, prompt: EventID | None) -> bool:
        """A ✅ or `yes` to a question asked before a restart: say so rather than nothing."""
        found = await self.session.store.orphaned_question(room, sender, prompt)
        if found is None:
            return False
        await self._close_question(room, found, ORPHANED)
        return True

    async def _reaction(self, room: RoomID, sender: UserID, body: dict[str, Any]) -> None:
        relates = body.get("m.relates_to") or {}
        if relates.get("rel_type") != "m.annotation" or relates.get("key") not in CONFIRM_KEYS:
            return
        prompt = EventID(str(relates.get("event_id", "")))
        pending = self._pending.get(prompt)
        if pending is None:
            await self._orphaned(room, sender, prompt)
            return
        if pending.room != room or pending.asker != sender:
            return  # only the asker's ✅ on their own question counts
        await self._settle(pending, confirmed=True)

    async def _answered(self, room: RoomID, sender: UserID, word: str, reply_to: object) -> bool:
        """A `yes`/`no` from the asker to their open question in this room."""
        candidates = [
            p for p in self._pending.values() if p.room == room and p.asker == sender and not p.done
        ]
        if isinstance(reply_to, str):
            candidates = [p for p in candidates if p.prompt == reply_to] or candidates
        if not candidates:
            return await self._orphaned(
                room, sender, EventID(reply_to) if isinstance(reply_to, str) else None
            )
        await self._settle(candidates[-1], confirmed=word in YES)
        return True

    async def _settle(self, pending: Pending, *, confirmed: bool) -> None:
        if pending.done:
            return
        pending.done = True
        self._pending.pop(pending.prompt, None)
        if pending.expiry is not None:
            pending.expiry.cancel()
        await self.session.store.forget_question(pending.prompt)
        ctx = Context(
            pending.room,
            pending.seminar_room,
            pending.asker,
            pending.prompt,
            pending.room != pending.seminar_room,
        )
        if not confirmed:
            await self._send(
                pending.room,
                content("Cancelled: nothing was changed.", reply_to=pending.prompt),
                ctx.txn(),
            )
            return
        # Checked again now: they may have lost their power level since asking.
        name = await self.session.display_name(pending.seminar_room, pending.asker)
        clicker = Actor(
            pending.invocation.actor.account_id,
            name,
            await self.session.is_organiser(pending.seminar_room, pending.asker),
        )
        answer = await self.layer.confirm(pending.confirmation, pending.invocation, clicker)
        # The outcome goes where the question was asked.
        await self._deliver_in_place(answer, ctx)

    async def _deliver_in_place(self, answer: Answer, ctx: Context) -> None:
        people = await self.session.people(people_in(answer.text))
        target = ctx.room if answer.private or ctx.is_dm else ctx.seminar_room
        await self._send(
            target,
            content(answer.text, people=people, title=answer.title, reply_to=ctx.event_id),
            ctx.txn(),
        )
        if answer.file is not None:
            await self._send_file(target, answer.file, ctx.txn())
        if answer.forget_asker:
            # After the answer, which goes to the DM room this forgets.
            await self.session.store.forget_person(ctx.sender)


def _strip_reply_fallback(body: str) -> str:
    """Drop the `> quoted` lines a reply's body starts with (clients add them)."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    return "\n".join(lines[index:]).lstrip("\n")


def _mimetype(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".ics"):
        return "text/calendar"
    if lowered.endswith(".csv"):
        return "text/csv"
    if lowered.endswith(".json"):
        return "application/json"
    if lowered.endswith(".pdf"):
        return "application/pdf"
    if lowered.endswith(".zip"):
        return "application/zip"
    return "application/octet-stream"
