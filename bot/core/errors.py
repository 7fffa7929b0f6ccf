"""Domain errors carry a message that is safe and useful to show the user as is."""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be carried out; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
