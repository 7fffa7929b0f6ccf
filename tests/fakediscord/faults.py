"""Failure injection: scripted error answers, rate limits, slow routes, closed DMs."""

from __future__ import annotations

from typing import Any

from .models import FakeMember, FakeUser, Injection


class FaultsMixin:
    """What tests use to make Discord misbehave."""

    def inject(
        self,
        status: int,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Injection:
        """The next `times` requests matching `method` and the regex `path` get `status`."""
        inj = Injection(
            status=status,
            method=method,
            path=path,
            times=times,
            body=body,
            headers=dict(headers or {}),
        )
        self.injections.append(inj)
        return inj

    def rate_limit(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        retry_after: float = 0.25,
        is_global: bool = False,
    ) -> Injection:
        """Answer 429 (as Discord does, with X-RateLimit-* headers) to matching requests."""
        inj = self.inject(429, method=method, path=path, times=times)
        inj.retry_after = retry_after
        inj.is_global = is_global
        return inj

    def server_error(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        status: int = 500,
    ) -> Injection:
        return self.inject(status, method=method, path=path, times=times)

    def slow(
        self,
        seconds: float,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1_000_000,
    ) -> Injection:
        """Matching requests take effect at once but are answered only after `seconds`
        (a slow Discord): a client killed meanwhile never learns that they succeeded."""
        inj = Injection(status=0, method=method, path=path, times=times, delay=seconds)
        self.injections.append(inj)
        return inj

    def close_dms(self, *users: FakeUser | FakeMember) -> None:
        """Messages to these users' DM channels fail with 403 / 50007 from now on."""
        for user in users:
            self.closed_dms.add(self._resolve_user(user).id)

    def open_dms(self, *users: FakeUser | FakeMember) -> None:
        for user in users:
            self.closed_dms.discard(self._resolve_user(user).id)

    def set_global_rate_limit(self, per_second: float | None) -> None:
        """Enforce Discord's global limit (N requests per second, bot routes only; interaction
        callbacks and followups are exempt as on Discord). None switches it off."""
        self.global_rate_limit = per_second
        self._rate_window.clear()
