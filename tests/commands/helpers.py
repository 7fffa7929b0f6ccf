"""Typed commands run through the command layer, as one person at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.commands.context import Actor, Answer, Attachment, Invocation
from bot.commands.layer import CommandLayer
from bot.commands.plain import PlainStyle
from bot.core.models import Platform
from bot.core.services import Services
from tests.clock import FakeClock

# Discord's external ids are snowflakes; the others are text.
ROOM = {
    Platform.DISCORD: "1001",
    Platform.MATRIX: "!seminar:uni.example",
    Platform.CONSOLE: "seminar",
}
NOBODY = Actor(0, "nobody", is_organiser=False)


@dataclass
class FileUpload:
    """An Attachment made of bytes in memory."""

    filename: str
    data: bytes
    content_type: str | None = "application/pdf"

    @property
    def size(self) -> int:
        return len(self.data)

    async def read(self) -> bytes:
        return self.data


@dataclass
class Session:
    """Typed commands run through the layer as one person at a time, like the console."""

    layer: CommandLayer
    clock: FakeClock
    services: Services
    platform: Platform = Platform.CONSOLE
    place_id: int = 0
    # Known members by name: what `member:` resolves to.
    members: dict[str, int] = field(default_factory=dict)
    organiser: Actor = NOBODY

    async def begin(self, platform: Platform) -> Session:
        """Ids as that platform's front end gets them from the identity service."""
        self.platform = platform
        self.members.clear()
        self.place_id = await self.services.identities.place(platform, ROOM[platform])
        self.organiser = await self.member("organiser", organiser=True)
        return self

    async def member(self, name: str, *, organiser: bool = False) -> Actor:
        external = str(5000 + len(self.members)) if self.platform is Platform.DISCORD else name
        account = await self.services.identities.account(self.platform, external)
        self.members[name] = account
        return Actor(account, name, is_organiser=organiser)

    async def student(self, name: str) -> Actor:
        return await self.member(name)

    async def resolve(self, text: str) -> int | None:
        return self.members.get(text.strip().lstrip("@"))

    def invocation(self, actor: Actor, attachment: Attachment | None = None) -> Invocation:
        style = PlainStyle(self.clock, ZoneInfo("Europe/Berlin"), self.platform)
        return Invocation(
            platform=self.platform,
            place_id=self.place_id,
            actor=actor,
            values={},
            style=style,
            resolve_member=self.resolve,
            attachment=attachment,
        )

    async def run(
        self, text: str, actor: Actor | None = None, attachment: Attachment | None = None
    ) -> Answer:
        return await self.layer.execute(text, self.invocation(actor or self.organiser, attachment))

    async def confirm(self, answer: Answer, actor: Actor | None = None) -> Answer:
        assert answer.confirm is not None, answer.text
        who = actor or self.organiser
        return await self.layer.confirm(answer.confirm, self.invocation(who), who)
