"""Matrix tests against a real Synapse on loopback (tests/synapse_harness).

Fixtures
  synapse                 SynapseServer with every rate limit raised; one per test session
                          (start-up costs ~2 s), stopped at the end of the session
  synapse_default_limits  SynapseServer with Synapse's default rate limits; one per session,
                          started only if a test asks for it
  matrix_user             UserFactory on `synapse`: `alice = await matrix_user("alice")` is a
                          MatrixClient for a fresh account `@alice-N:localhost` (display name
                          "alice"); `await matrix_user.account("bot")` registers without a
                          client (for the bot process: `synapse.bot_env(account)`).
                          Clients are closed after the test.
  default_limits_user     the same on `synapse_default_limits`
  bot                     the Matrix front end in this process (`front_end`), logged in as a
                          fresh account, with its own databases; test_bot_e2e.py overrides
                          it with the real bot process

Every test in this directory is marked `matrix` (`pytest -m matrix`, `-m "not matrix"`).
On a failing test the tail of each Synapse log it used is added to the report.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.commands.context import Limits
from bot.commands.layer import CommandLayer
from bot.core.clock import SystemClock
from bot.core.services import Services
from bot.matrix.client import MatrixConfig
from bot.matrix.frontend import MatrixFrontEnd
from bot.store.database import Database
from tests.synapse_harness import MatrixClient, RegisteredUser, SynapseServer
from tests.synapse_harness.homeserver import RateLimits

_HERE = Path(__file__).resolve().parent
_SERVERS = pytest.StashKey[dict[str, SynapseServer]]()


class UserFactory:
    """Registers fresh accounts (unique localparts, since tests share a server)."""

    def __init__(self, server: SynapseServer) -> None:
        self.server = server
        self.clients: list[MatrixClient] = []
        self.accounts: dict[str, RegisteredUser] = {}

    async def account(
        self, name: str, *, admin: bool = False, displayname: str | None = None
    ) -> RegisteredUser:
        """A fresh account `@<name>-N:localhost` with a password and an access token."""
        account = await self.server.register(
            self.server.unique_localpart(name),
            admin=admin,
            displayname=name if displayname is None else displayname,
        )
        self.accounts[account.user_id] = account
        return account

    async def __call__(
        self,
        name: str,
        *,
        admin: bool = False,
        displayname: str | None = None,
        auto_join: bool = True,
        retry_rate_limited: bool = False,
    ) -> MatrixClient:
        account = await self.account(name, admin=admin, displayname=displayname)
        client = MatrixClient(
            self.server.base_url,
            account.user_id,
            account.access_token,
            device_id=account.device_id,
            auto_join=auto_join,
            retry_rate_limited=retry_rate_limited,
        )
        self.clients.append(client)
        return client

    async def close(self) -> None:
        for client in self.clients:
            await client.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.matrix)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.failed:
        servers = item.session.stash.get(_SERVERS, {})
        for name, server in servers.items():
            if name in getattr(item, "fixturenames", ()):
                report.sections.append((f"{name} log (tail)", server.log_tail(60)))
    return report


def _serve(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    rate_limits: RateLimits = "raised",
) -> Iterator[SynapseServer]:
    server = SynapseServer(tmp_path_factory.mktemp(name), rate_limits=rate_limits)
    request.session.stash.setdefault(_SERVERS, {})[name] = server
    try:
        server.start()
        yield server
    finally:
        code = server.stop()
    # The harness itself under test: a clean SIGTERM shutdown leaves nothing behind.
    assert code == 0, f"Synapse exited with {code} on SIGTERM\n{server.log_tail(40)}"
    assert server.proc is not None and not _group_alive(server.proc.pid)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="session")
def synapse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SynapseServer]:
    yield from _serve(request, tmp_path_factory, "synapse")


@pytest.fixture(scope="session")
def synapse_default_limits(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SynapseServer]:
    yield from _serve(request, tmp_path_factory, "synapse_default_limits", rate_limits="default")


@pytest.fixture
async def matrix_user(synapse: SynapseServer) -> AsyncIterator[UserFactory]:
    factory = UserFactory(synapse)
    try:
        yield factory
    finally:
        await factory.close()


@pytest.fixture
async def default_limits_user(
    synapse_default_limits: SynapseServer,
) -> AsyncIterator[UserFactory]:
    factory = UserFactory(synapse_default_limits)
    try:
        yield factory
    finally:
        await factory.close()


async def front_end(
    server: SynapseServer, account: RegisteredUser, tmp_path: Path
) -> tuple[MatrixFrontEnd, Database]:
    db = await Database.open(tmp_path / "seminar.db")
    clock = SystemClock()
    services = Services.build(db, clock)
    config = MatrixConfig(
        server.base_url,
        account.user_id,
        SecretStr(account.password),
        None,
        tmp_path / "seminar.matrix.db",
        1024 * 1024,
        30.0,
    )
    layer = CommandLayer(services, Limits(1024 * 1024, 30.0))
    front = MatrixFrontEnd(config, services, services.identities, layer, clock)
    await front.start()
    return front, db


@pytest.fixture
async def bot(
    synapse: SynapseServer, matrix_user: UserFactory, tmp_path: Path
) -> AsyncIterator[MatrixFrontEnd]:
    account = await matrix_user.account("bot")
    front, db = await front_end(synapse, account, tmp_path)
    try:
        yield front
    finally:
        await front.close()
        await db.close()
