"""Typed commands run through the command layer, as one person at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.commands.context import Actor, Answer, Attachment, Invocation
from bot.commands.layer import CommandLayer
from bot.commands.plain import PlainStyle
from bot.core.clock import FakeClock
from bot.core.models import Platform
from tests.core.helpers import GUILD, ORGANISER

ORGANISER_ACTOR = Actor(ORGANISER, "Prof. Organiser", is_organiser=True)


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
    platform: Platform = Platform.CONSOLE
    place_id: int = GUILD
    # Known members by name: what `member:` resolves to.
    members: dict[str, int] = field(default_factory=dict)

    def student(self, name: str, account_id: int) -> Actor:
        self.members[name] = account_id
        return Actor(account_id, name, is_organiser=False)

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
        self, text: str, actor: Actor = ORGANISER_ACTOR, attachment: Attachment | None = None
    ) -> Answer:
        return await self.layer.execute(text, self.invocation(actor, attachment))

    async def confirm(self, answer: Answer, actor: Actor = ORGANISER_ACTOR) -> Answer:
        assert answer.confirm is not None, answer.text
        return await self.layer.confirm(answer.confirm, self.invocation(actor), actor)
