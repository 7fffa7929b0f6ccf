"""A real Synapse homeserver on loopback, as a subprocess of the test run.

    server = SynapseServer(tmp_dir)            # rate_limits="raised" (default) or "default"
    server.start()                             # blocks until /_matrix/client/versions answers
    user = await server.register("alice")      # RegisteredUser(user_id, access_token, …)
    await server.override_ratelimit(user.user_id)
    server.stop()                              # SIGTERM, then SIGKILL of its process group

Synapse runs from its own virtualenv (`.venv-synapse`, made by `make synapse`): it is AGPL
and pins many packages, so it never enters the project's dependencies or the image. Set
SYNAPSE_PYTHON to use the interpreter of another Synapse virtualenv.

Start and stop are synchronous (a session-scoped fixture starts the server once, outside
any event loop); the admin helpers are coroutines, each with its own short-lived aiohttp
session, so they work from any test's event loop.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal
from urllib.parse import quote

import aiohttp

REPO_ROOT = Path(__file__).resolve().parents[2]
SYNAPSE_VENV = REPO_ROOT / ".venv-synapse"
SERVER_NAME = "localhost"

RateLimits = Literal["raised", "default"]

# Every client-facing rc_* limiter, lifted far beyond anything a test does. Synapse's own
# defaults (rc_message: 0.2/s with a burst of 10, rc_login: 5 then one per 5 minutes, …)
# would make a test wait or fail on the homeserver instead of on the bot.
_PLENTY = {"per_second": 10_000, "burst_count": 100_000}
RAISED_RATE_LIMITS: dict[str, Any] = {
    "rc_message": _PLENTY,
    "rc_registration": _PLENTY,
    "rc_registration_token_validity": _PLENTY,
    "rc_login": {"address": _PLENTY, "account": _PLENTY, "failed_attempts": _PLENTY},
    "rc_joins": {"local": _PLENTY, "remote": _PLENTY},
    "rc_joins_per_room": _PLENTY,
    "rc_invites": {"per_room": _PLENTY, "per_user": _PLENTY, "per_issuer": _PLENTY},
    "rc_3pid_validation": _PLENTY,
    "rc_third_party_invite": _PLENTY,
    "rc_media_create": _PLENTY,
    "rc_room_creation": _PLENTY,
    "rc_presence": {"per_user": _PLENTY},
    "rc_delayed_event_mgmt": _PLENTY,
    "rc_reports": _PLENTY,
    "rc_user_directory": _PLENTY,
    "rc_profile": _PLENTY,
    "rc_admin_redaction": _PLENTY,
    "rc_key_requests": _PLENTY,
}


class SynapseError(RuntimeError):
    """The homeserver did not start, stop or answer as expected."""


class AdminApiError(SynapseError):
    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        super().__init__(f"{method} {path} -> HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class RegisteredUser:
    """An account made through the shared-secret admin API, with a fresh device and token."""

    user_id: str
    localpart: str
    password: str
    access_token: str
    device_id: str
    admin: bool


def synapse_python() -> Path:
    """The interpreter of the Synapse virtualenv ($SYNAPSE_PYTHON, else .venv-synapse)."""
    configured = os.environ.get("SYNAPSE_PYTHON")
    python = Path(configured) if configured else SYNAPSE_VENV / "bin" / "python"
    if not python.exists():
        raise SynapseError(
            f"no Synapse interpreter at {python}: run `make synapse` in {REPO_ROOT} "
            "(installs matrix-synapse into .venv-synapse, ~40 s, once), "
            "or point SYNAPSE_PYTHON at the python of a Synapse virtualenv"
        )
    return python


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _signing_key_line() -> str:
    """An ed25519 signing key in Synapse's file format: `ed25519 <version> <seed>` (the
    32-byte seed in unpadded base64). Writing it ourselves saves the separate
    `--generate-keys` run, which costs a second Synapse start-up."""
    seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"ed25519 a_{secrets.token_hex(2)} {seed}\n"


class SynapseServer:
    """One Synapse process serving the client API on 127.0.0.1:<free port>.

    rate_limits="raised" lifts every rc_* limiter; "default" keeps Synapse's defaults (to
    test or measure the bot as it would meet a stock homeserver). `config_overrides` are
    merged into homeserver.yaml last (top-level keys replace).
    """

    def __init__(
        self,
        workdir: Path,
        *,
        rate_limits: RateLimits = "raised",
        config_overrides: Mapping[str, Any] | None = None,
        python: Path | None = None,
    ) -> None:
        self.workdir = workdir
        self.rate_limits = rate_limits
        self.config_overrides = dict(config_overrides or {})
        self._python = python
        self.server_name = SERVER_NAME
        self.registration_shared_secret = secrets.token_hex(16)
        self.config_path = workdir / "homeserver.yaml"
        self.log_path = workdir / "homeserver.log"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None
        self._admin: RegisteredUser | None = None
        self._names = 0

    # ------------------------------------------------------------------ state

    @property
    def base_url(self) -> str:
        """The homeserver URL a client (and the bot's MATRIX_HOMESERVER) uses."""
        if not self.port:
            raise SynapseError("the homeserver has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"

    def unique_localpart(self, prefix: str) -> str:
        """`prefix-N`, unique within this server (tests share one server per session)."""
        self._names += 1
        return f"{prefix.lower()}-{self._names}"

    def rss_bytes(self) -> int:
        """Resident set size of the Synapse process (Linux /proc)."""
        if self.proc is None:
            raise SynapseError("the homeserver has not been started")
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise SynapseError("no VmRSS line in /proc status")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        kept = [
            line if len(line) <= 400 else line[:400] + " …" for line in self.log_text().splitlines()
        ]
        return "\n".join([*kept[-lines:], f"(full log: {self.log_path})"])

    # ------------------------------------------------------------------ config

    def config(self) -> dict[str, Any]:
        """homeserver.yaml as a dict (written as JSON, which is YAML too)."""
        data = self.workdir / "data"
        config: dict[str, Any] = {
            "server_name": self.server_name,
            "public_baseurl": f"http://127.0.0.1:{self.port}/",
            "pid_file": str(self.workdir / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {
                "name": "sqlite3",
                "args": {"database": str(data / "homeserver.db")},
            },
            "media_store_path": str(data / "media"),
            "signing_key_path": str(self.workdir / "signing.key"),
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "registration_shared_secret": self.registration_shared_secret,
            "enable_registration": False,
            "report_stats": False,
            # bcrypt's default 12 rounds cost ~0.3 s per registration or login; 4 is its minimum.
            "bcrypt_rounds": 4,
            "enable_metrics": False,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            # No process sends federation traffic (the main process would otherwise queue
            # every event for a federation it never has).
            "federation_sender_instances": [],
            "allow_public_rooms_over_federation": False,
            "serve_server_wellknown": False,
            "user_directory": {"enabled": False},
            "log_config": str(self.workdir / "log.config"),
        }
        if self.rate_limits == "raised":
            config.update(RAISED_RATE_LIMITS)
        config.update(self.config_overrides)
        return config

    def _write_files(self) -> None:
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        key = self.workdir / "signing.key"
        if not key.exists():
            key.write_text(_signing_key_line())
        # Synapse logs to stderr without a log config; a config keeps the format short and
        # the SQL and access-token noise out, and the harness sends stderr to the log file.
        log_config = {
            "version": 1,
            "formatters": {
                "short": {"format": "%(asctime)s %(levelname)s %(name)s: %(request)s %(message)s"}
            },
            "filters": {"context": {"()": "synapse.logging.context.LoggingContextFilter"}},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": "short",
                    "filters": ["context"],
                }
            },
            "loggers": {"synapse.storage.SQL": {"level": "WARNING"}},
            "root": {"level": "INFO", "handlers": ["stderr"]},
            "disable_existing_loggers": False,
        }
        (self.workdir / "log.config").write_text(json.dumps(log_config, indent=2))
        self.config_path.write_text(json.dumps(self.config(), indent=2))

    # ------------------------------------------------------------------ control

    def start(self, timeout: float = 60.0) -> None:
        """Write the config, start Synapse, and wait until the client API answers."""
        if self.running:
            raise SynapseError("the homeserver is already running")
        python = self._python or synapse_python()
        began = time.monotonic()
        for attempt in range(3):
            if self.port == 0 or attempt > 0:
                self.port = free_port()
            self._write_files()
            with self._open_log() as log:
                self.proc = subprocess.Popen(
                    [str(python), "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
                    cwd=self.workdir,
                    env=self._env(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            deadline = began + timeout
            if self._wait_ready(deadline):
                self.startup_seconds = time.monotonic() - began
                return
            if self.proc.poll() is None:
                self._kill_group()
                raise SynapseError(f"Synapse did not answer within {timeout}s\n{self.log_tail(40)}")
            if "Address already in use" not in self.log_text():
                break  # a real failure, not a lost race for the port: no retry
        code = self.proc.returncode if self.proc else None
        raise SynapseError(
            f"Synapse exited with code {code} before it was ready\n{self.log_tail(40)}"
        )

    def _env(self) -> dict[str, str]:
        # Synapse reads some SYNAPSE_* variables (reactor, worker settings): none leak in.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYNAPSE_")}
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _open_log(self) -> IO[bytes]:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed by the caller's with
        log.write(f"\n===== harness: start on port {self.port} =====\n".encode())
        log.flush()
        return log

    def _wait_ready(self, deadline: float) -> bool:
        """Poll GET /_matrix/client/versions until 200, the process exits, or the deadline."""
        # No proxy for loopback, whatever the environment says.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        url = f"http://127.0.0.1:{self.port}/_matrix/client/versions"
        assert self.proc is not None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with opener.open(url, timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            # Poll interval while Synapse boots (not a wait for an effect).
            time.sleep(0.05)
        return False

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM the process group, wait, SIGKILL if it lingers. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill_group()
        else:
            self._kill_group()  # anything the process left behind in its group
        return self.proc.returncode

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)

    def _kill_group(self) -> None:
        self._signal_group(signal.SIGKILL)
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)

    def __enter__(self) -> SynapseServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ admin API

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with (
            aiohttp.ClientSession(base_url=self.base_url) as session,
            session.request(method, path, json=body, headers=headers) as response,
        ):
            data = await response.json(content_type=None)
            if response.status != 200:
                raise AdminApiError(method, path, response.status, data)
            result: dict[str, Any] = data
            return result

    async def register(
        self,
        localpart: str,
        password: str | None = None,
        *,
        admin: bool = False,
        displayname: str | None = None,
    ) -> RegisteredUser:
        """Register through /_synapse/admin/v1/register with the shared secret: GET a nonce,
        POST with HMAC-SHA1 over nonce, user, password and admin flag, NUL-separated.
        The answer carries a fresh access token and device, so no login is needed (and
        rc_login is not spent)."""
        password = password or secrets.token_urlsafe(12)
        path = "/_synapse/admin/v1/register"
        nonce = (await self._request("GET", path))["nonce"]
        mac = hmac.new(self.registration_shared_secret.encode(), digestmod=hashlib.sha1)
        for part in (nonce, localpart, password):
            mac.update(part.encode())
            mac.update(b"\x00")
        mac.update(b"admin" if admin else b"notadmin")
        body: dict[str, Any] = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        if displayname is not None:
            body["displayname"] = displayname
        answer = await self._request("POST", path, body=body)
        return RegisteredUser(
            user_id=answer["user_id"],
            localpart=localpart,
            password=password,
            access_token=answer["access_token"],
            device_id=answer["device_id"],
            admin=admin,
        )

    async def admin(self) -> RegisteredUser:
        """The server's admin account (registered on first use)."""
        if self._admin is None:
            self._admin = await self.register(self.unique_localpart("admin"), admin=True)
        return self._admin

    async def override_ratelimit(
        self, user_id: str, *, messages_per_second: int = 0, burst_count: int = 0
    ) -> dict[str, Any]:
        """POST /_synapse/admin/v1/users/<user>/override_ratelimit, as a homeserver admin
        would for the bot. 0 messages/s exempts the user from every limiter that applies to
        its requests (Synapse reads a zero override as "not rate limited"); non-zero values
        replace rc_message for that user."""
        admin = await self.admin()
        path = f"/_synapse/admin/v1/users/{quote(user_id, safe='')}/override_ratelimit"
        body = {"messages_per_second": messages_per_second, "burst_count": burst_count}
        return await self._request("POST", path, body=body, token=admin.access_token)

    async def login(self, user_id: str, password: str, *, device_id: str | None = None) -> str:
        """POST /_matrix/client/v3/login with a password; returns the access token."""
        body: dict[str, Any] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user_id},
            "password": password,
        }
        if device_id is not None:
            body["device_id"] = device_id
        answer = await self._request("POST", "/_matrix/client/v3/login", body=body)
        token: str = answer["access_token"]
        return token

    def bot_env(self, account: RegisteredUser, *, use_password: bool = True) -> dict[str, str]:
        """The settings the bot process needs to log in to this server as `account`."""
        env = {"MATRIX_HOMESERVER": self.base_url, "MATRIX_USER_ID": account.user_id}
        if use_password:
            env["MATRIX_PASSWORD"] = account.password
        else:
            env["MATRIX_ACCESS_TOKEN"] = account.access_token
        return env
