"""The console's Outbox: what the reminder engine sends, printed with its target."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.commands.context import Style
from bot.console.screen import Screen, resolve_mentions
from bot.core.reminders.outbox import Notice


class ConsoleOutbox:
    """Prints each delivery as `[#seminar] …`, `[DM alice] …` or `[mention] …`.

    A terminal never refuses a message, so nothing here raises DeliveryFailed;
    the dispatcher's log still records every delivery exactly once.
    """

    def __init__(
        self,
        screen: Screen,
        style: Callable[[int | None], Awaitable[Style]],
        account_name: Callable[[int], Awaitable[str]],
        place_name: Callable[[int], Awaitable[str]],
        before_send: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.screen = screen
        self.style = style
        self.account_name = account_name
        self.place_name = place_name
        # Called before each print (the console uses it to head a batch with the time).
        self.before_send = before_send
        # With `group`, identical DMs in a row print once, as `[DM alice, bob]`,
        # once something else is printed or `flush` is called.
        self.group = False
        self._pending: tuple[str, list[str]] | None = None
        self.sent = 0

    async def post(self, channel_id: int, notice: Notice, *, nonce: str) -> None:
        text = await self._render(notice, None)
        if notice.ping_role_id is not None:
            text = f"@role {text}"
        await self._print(f"[#{await self.place_name(channel_id)}]", text)

    async def direct(self, account_id: int, notice: Notice, *, nonce: str) -> None:
        name = await self.account_name(account_id)
        text = await self._render(notice, account_id)
        if not self.group:
            await self._print(f"[DM {name}]", text)
            return
        if self._pending is not None and self._pending[0] == text:
            self._pending[1].append(name)
            self.sent += 1
            return
        self.flush()
        if self.before_send is not None:
            await self.before_send()
        self._pending = (text, [name])
        self.sent += 1

    def flush(self) -> None:
        """Print the DMs held back to be shown together."""
        if self._pending is None:
            return
        text, names = self._pending
        self._pending = None
        self.screen.say(text, tag=f"[DM {', '.join(names)}]")

    async def mention(
        self, channel_id: int, account_ids: list[int], notice: Notice, *, nonce: str
    ) -> None:
        who = " ".join([f"@{await self.account_name(account_id)}" for account_id in account_ids])
        await self._print("[mention]", f"{who} {await self._render(notice, None)}")

    async def _render(self, notice: Notice, reader: int | None) -> str:
        """Times in the reader's zone (a DM) or the seminar's (the channel)."""
        style = await self.style(reader)
        values = {name: style.when(unix) for name, unix in notice.instants.items()}
        for name, account_id in notice.people.items():
            values[name] = "@" + await self.account_name(account_id)
        return await resolve_mentions(notice.template.format(**values), self.account_name)

    async def _print(self, tag: str, text: str) -> None:
        self.flush()
        if self.before_send is not None:
            await self.before_send()
        self.sent += 1
        self.screen.say(text, tag=tag)
