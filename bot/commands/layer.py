"""Running a command: who may, the one error path, confirmations.

Every front end that reads typed text calls `execute`; one that has its own
parsing (Discord's slash commands) can build a `Parsed` and call `run`. Either
way a DomainError becomes a private answer in the asker's style, and anything
unexpected becomes a short apology with an error id while the traceback goes
to the log.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence

from bot.commands.context import Actor, Answer, Call, Confirmation, Invocation, Limits, Value
from bot.commands.parse import Parsed, UsageError, parse
from bot.commands.spec import COMMANDS, Command, OptionType
from bot.commands.spelling import respell
from bot.core.errors import DomainError, NotAllowed
from bot.core.models import Platform
from bot.core.services import Services
from bot.core.text import echo

log = logging.getLogger(__name__)

NOT_ORGANISER = "Only the seminar's organisers can use `/admin` commands."
NOT_YOURS = "This question belongs to someone else's request."


class CommandLayer:
    def __init__(
        self, services: Services, limits: Limits, commands: Sequence[Command] = COMMANDS
    ) -> None:
        self.services = services
        self.limits = limits
        self.commands = tuple(commands)

    def table(self, platform: Platform) -> tuple[Command, ...]:
        """The commands offered on `platform` (for completion and help)."""
        return tuple(c for c in self.commands if platform in c.platforms)

    def parse(self, text: str, platform: Platform) -> Parsed:
        return parse(text, self.table(platform))

    async def execute(self, text: str, invocation: Invocation) -> Answer:
        """Parse `text` and run it; `invocation.values` is replaced by what was typed."""
        try:
            parsed = self.parse(text, invocation.platform)
        except DomainError as error:
            return self.refuse(error, invocation)
        return await self.run(parsed, invocation)

    async def run(self, parsed: Parsed, invocation: Invocation) -> Answer:
        command = parsed.command
        where = f"{invocation.platform.value}:{command.name}"
        return await self._guarded(
            invocation, where, lambda: self._run(command, parsed.values, invocation)
        )

    async def confirm(
        self, confirmation: Confirmation, invocation: Invocation, clicker: Actor
    ) -> Answer:
        """Carry out a confirmed action, if `clicker` is the asker and still allowed.

        `clicker` is who confirmed, as the front end sees them now (their
        organiser status checked again); `invocation` is the original request.
        """
        if clicker.account_id != confirmation.asker_id:
            return Answer(NOT_YOURS, refused=True)
        if confirmation.organiser and not clicker.is_organiser:
            return self.refuse(NotAllowed(NOT_ORGANISER), invocation)
        return await self._guarded(invocation, "confirmation", confirmation.action)

    # -- inside -------------------------------------------------------------------------

    async def _run(
        self, command: Command, values: dict[str, Value], invocation: Invocation
    ) -> Answer:
        if invocation.platform not in command.platforms:
            raise UsageError(f"`/{command.name}` is not available here.")
        if command.organiser and not invocation.actor.is_organiser:
            log.warning(
                "refused /%s for account %s in place %s: not an organiser",
                command.name,
                invocation.actor.account_id,
                invocation.place_id,
            )
            raise NotAllowed(NOT_ORGANISER)
        resolved = dict(values)
        for option in command.options:
            if option.name in resolved and invocation.platform not in option.platforms:
                raise UsageError(
                    f"`{option.name}` is not available here. " + _why_unavailable(option.name),
                    command,
                )
            if option.type is OptionType.MEMBER and option.name in resolved:
                typed = str(resolved[option.name])
                account = await invocation.resolve_member(typed)
                if account is None:
                    raise UsageError(
                        f"I do not know who `{echo(typed, 60)}` is. Give a member of this "
                        "seminar by their user id or name, e.g. `member:@alice:uni.example`.",
                        command,
                    )
                resolved[option.name] = account
            if option.type is OptionType.FILE and option.required and invocation.attachment is None:
                raise UsageError(
                    f"`/{command.name}` needs a file: "
                    + _how_to_attach(invocation.platform, option.name),
                    command,
                )
        call = Call(
            self.services,
            dataclasses.replace(invocation, values=resolved),
            self.limits,
            self.table(invocation.platform),
        )
        answer = await command.handler(call)
        if answer.confirm is not None:
            # The front end checks these before it calls `confirm`.
            answer = dataclasses.replace(
                answer,
                confirm=dataclasses.replace(
                    answer.confirm,
                    asker_id=invocation.actor.account_id,
                    organiser=command.organiser,
                ),
            )
        return answer

    async def _guarded(
        self, invocation: Invocation, where: str, step: Callable[[], Awaitable[Answer]]
    ) -> Answer:
        try:
            return await step()
        except DomainError as error:
            return self.refuse(error, invocation, await self._names(error, invocation))
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception(
                "error %s in %s (place %s, account %s)",
                error_id,
                where,
                invocation.place_id,
                invocation.actor.account_id,
            )
            return Answer(
                "Sorry, something went wrong on our side. Nothing you need to do; if it "
                f"keeps happening, tell the organisers error id "
                f"{invocation.style.code(error_id)}.",
                refused=True,
                error_id=error_id,
            )

    def refuse(
        self,
        error: DomainError,
        invocation: Invocation,
        names: Mapping[int, str] | None = None,
    ) -> Answer:
        """The one way a refusal reads: the reader's times, people as the Style shows
        them (`names` by account id, where known), the platform's spelling.

        Public for front ends that parse first (to fetch a file only when the
        command wants one) and must answer a UsageError themselves.
        """
        if isinstance(error, UsageError):
            text = error.for_platform(invocation.platform)
        else:
            style = invocation.style
            known = names or {}
            text = error.render(
                style.when, lambda account: style.person(account, known.get(account, ""))
            )
        return Answer(respell(text, invocation.platform), refused=True)

    async def _names(self, error: DomainError, invocation: Invocation) -> dict[int, str]:
        """Display names of the people a refusal names (participants of this seminar)."""
        wanted = set(error.people.values())
        if not wanted:
            return {}
        try:
            overview = await self.services.registration.overview(invocation.place_id)
        except DomainError:
            return {}
        return {
            row.participant.user_id: row.participant.display_name
            for row in overview.rows
            if row.participant.user_id in wanted
        }


def _why_unavailable(name: str) -> str:
    if name == "channel":
        return "Here the seminar posts in the room or place it was set up in."
    if name == "organiser_role":
        return "Here the organisers are decided by the room (moderators and admins)."
    return ""


def _how_to_attach(platform: Platform, name: str) -> str:
    if platform is Platform.MATRIX:
        return "upload it, then send the command as a reply to the file (or as its caption)."
    if platform is Platform.CONSOLE:
        return f"give its path as `{name}:./file.pdf`."
    return f"attach it as `{name}`."
