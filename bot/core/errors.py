"""Domain errors carry a message that is safe and useful to show the user as is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


class DomainError(Exception):
    """A request that cannot be carried out; nothing was changed.

    Instants named in the message are placeholders (`{due}`) filled in by the
    front end, so each reader can see them in their own timezone.
    """

    def __init__(self, message: str, **instants: int) -> None:
        self.template = message
        self.instants = instants
        super().__init__(self.render(_iso_utc))

    @property
    def message(self) -> str:
        return str(self)

    def render(self, format_instant: Callable[[int], str]) -> str:
        if not self.instants:
            return self.template
        return self.template.format(
            **{name: format_instant(value) for name, value in self.instants.items()}
        )


def _iso_utc(unix: int) -> str:
    try:
        return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, ValueError, OSError):
        # A message must never fail over the instant it names (a bad stored row).
        return f"unix time {unix}"


class NoSeminar(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "No seminar is set up in this server yet. "
            "An organiser can create one with `/admin setup`."
        )


class NotFound(DomainError):
    pass


class InvalidInput(DomainError):
    pass


class NotAllowed(DomainError):
    pass


class DeadlinePassed(DomainError):
    pass


class Conflict(DomainError):
    pass
