"""Domain errors carry a message that is safe and useful to show the user as is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def person(people: dict[str, int], account_id: int) -> str:
    """A `{placeholder}` naming a person (an account id), registered in `people`.

    Each front end names people its own way (a Discord mention that never pings, a
    Matrix display name); the core never spells a platform's syntax. The placeholder
    is longer than a Discord mention of the same id, so size budgets measured on the
    template hold for the rendered Discord text."""
    name = f"person{account_id}".replace("-", "_")
    people[name] = account_id
    return "{" + name + "}"


class DomainError(Exception):
    """A request that cannot be carried out; nothing was changed.

    Instants named in the message are placeholders (`{due}`) filled in by the
    front end, so each reader can see them in their own timezone; so are people
    (`people`, see `person()`).
    """

    def __init__(self, message: str, *, people: dict[str, int] | None = None, **instants: int):
        self.template = message
        self.instants = instants
        self.people = dict(people or {})
        super().__init__(self.render(_iso_utc, _account))

    @property
    def message(self) -> str:
        return str(self)

    def render(
        self, format_instant: Callable[[int], str], format_person: Callable[[int], str]
    ) -> str:
        if not self.instants and not self.people:
            return self.template
        values = {name: format_instant(value) for name, value in self.instants.items()}
        values.update({name: format_person(value) for name, value in self.people.items()})
        return self.template.format(**values)


def _iso_utc(unix: int) -> str:
    try:
        return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, ValueError, OSError):
        # A message must never fail over the instant it names (a bad stored row).
        return f"unix time {unix}"


def _account(account_id: int) -> str:
    return f"account {account_id}"


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
