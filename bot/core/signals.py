"""A tiny observer: services announce that the schedule changed; the engine re-plans."""

from __future__ import annotations

from collections.abc import Callable


class ScheduleChanged:
    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def fire(self) -> None:
        for listener in self._listeners:
            listener()
