"""A recording Notifier and seminar builders for the reminder-engine tests.

`RecordingNotifier` stands in for Discord: it records every call, delivers a
message once per (target, nonce) the way `enforce_nonce` makes Discord drop a
re-sent duplicate, and can be told to refuse DMs for chosen users, fail
transiently a number of times, or "crash" the process after some sends.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.models import Seminar
from bot.core.reminders import DeliveryFailed, Notice, Occurrence, ReminderPlanner, Source
from bot.core.services import Services
from tests.core.helpers import GUILD, add_paper, join_all, make_seminar

CHANNEL = 5_000
ROLE = 6_000


class Crash(BaseException):
    """The process dies here (not an `Exception`: nothing in the engine may catch it)."""


@dataclass(frozen=True)
class Call:
    kind: str  # 'post', 'direct' or 'mention'
    target: int  # channel id for post/mention, user id for direct
    notice: Notice
    nonce: str
    user_ids: tuple[int, ...] = ()


@dataclass
class RecordingNotifier:
    closed: set[int] = field(default_factory=set)
    # Target (user id or channel id) -> failures still to come.
    transient: Counter[int] = field(default_factory=Counter)
    # Deliver this many messages, then raise `crash()` right after the next one
    # reaches "Discord" (sent but never marked sent: the worst moment to die).
    crash_after: int | None = None
    crash: Callable[[], BaseException] = Crash
    # Called before every delivery (e.g. to let a test act mid-fan-out).
    before: Callable[[Call], None] | None = None
    # Seconds each call takes, like a round trip to Discord.
    delay: float = 0.0
    calls: list[Call] = field(default_factory=list)
    delivered: list[Call] = field(default_factory=list)
    _seen: set[tuple[str, int, str]] = field(default_factory=set)

    async def post(self, channel_id: int, notice: Notice, *, nonce: str) -> None:
        await self._handle(Call("post", channel_id, notice, nonce))

    async def direct(self, user_id: int, notice: Notice, *, nonce: str) -> None:
        await self._handle(Call("direct", user_id, notice, nonce))

    async def mention(
        self, channel_id: int, user_ids: list[int], notice: Notice, *, nonce: str
    ) -> None:
        await self._handle(Call("mention", channel_id, notice, nonce, tuple(user_ids)))

    async def _handle(self, call: Call) -> None:
        await asyncio.sleep(self.delay)  # let the fan-out interleave like real I/O
        self.calls.append(call)
        if self.before is not None:
            self.before(call)
        if call.kind == "direct" and call.target in self.closed:
            raise DeliveryFailed(
                "forbidden (50007): Cannot send messages to this user",
                permanent=True,
                dms_closed=True,
            )
        if self.transient[call.target] > 0:
            self.transient[call.target] -= 1
            raise DeliveryFailed("DiscordServerError: 503 Service Unavailable")
        key = (call.kind, call.target, call.nonce)
        if key not in self._seen:  # Discord drops a repeated nonce (enforce_nonce)
            self._seen.add(key)
            self.delivered.append(call)
        if self.crash_after is not None:
            if self.crash_after == 0:
                raise self.crash()
            self.crash_after -= 1

    # -- what reached whom --------------------------------------------------

    def dms(self) -> Counter[int]:
        """Messages each user received by DM (after nonce de-duplication)."""
        return Counter(c.target for c in self.delivered if c.kind == "direct")

    def posts(self) -> list[Call]:
        return [c for c in self.delivered if c.kind == "post"]

    def mentions(self) -> list[Call]:
        return [c for c in self.delivered if c.kind == "mention"]

    def reset(self) -> None:
        self.calls.clear()
        self.delivered.clear()
        self._seen.clear()


async def reminder_seminar(
    services: Services, *, students: int = 4, capacity: int = 10, **options: object
) -> Seminar:
    """A seminar with an announcement channel, 3 papers and `students` registered (101…)."""
    seminar = await make_seminar(
        services, capacity=capacity, channel_id=CHANNEL, pref_count=2, **options
    )
    for code in ("P1", "P2", "P3"):
        await add_paper(services, code)
    await join_all(services, *range(101, 101 + students))
    return seminar


async def occurrences(
    planner: ReminderPlanner, source: Source | None = None, ref_id: int | None = None
) -> list[Occurrence]:
    return [
        o
        for o in await planner.pending()
        if (source is None or o.source is source) and (ref_id is None or o.ref_id == ref_id)
    ]


async def set_deadline(
    services: Services, kind: str, when: str, reminders: str = "7d,1d,2h", note: str = ""
) -> int:
    change = await services.deadlines.set(GUILD, 9, kind, when, reminders, note)
    return change.deadline.id
