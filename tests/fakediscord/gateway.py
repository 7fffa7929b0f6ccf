"""The gateway websocket: hello, identify, resume, heartbeats, dispatching events."""

# The public helpers take `timeout=` like asyncio.wait_for; that is the API tests want.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from typing import Any

from aiohttp import WSMsgType, web

from .interactions import FakeDiscordError
from .wire import INTENT_GUILD_MEMBERS, PRIVILEGED_INTENTS, GatewaySession, _Conn


class GatewayMixin:
    """One bot's gateway session."""

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return await self._handle_http(request)
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        conn = _Conn(ws, dict(request.query))
        self._conns.add(conn)
        self.gateway_log.append({"event": "connect", "query": dict(request.query)})
        if request.query.get("v") != "10" or request.query.get("encoding", "json") != "json":
            await ws.close(code=4012, message=b"Invalid API version")
            return ws
        await conn.send(
            {
                "op": 10,
                "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)},
                "s": None,
                "t": None,
            }
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        frame = json.loads(msg.data)
                    except ValueError:
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                        break
                    await self._on_gateway_frame(conn, frame)
                elif msg.type == WSMsgType.BINARY:
                    self.gateway_log.append({"event": "binary frame (unsupported)"})
        finally:
            self._conns.discard(conn)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self.gateway_log.append({"event": "disconnect", "code": ws.close_code})
            self._notify()
        return ws

    async def _on_gateway_frame(self, conn: _Conn, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        d = frame.get("d")
        if op != 1:
            logged = dict(frame)
            if op == 2 and isinstance(d, dict):
                logged = {"op": 2, "d": {**d, "token": "<redacted>"}}
            self.gateway_log.append({"event": "receive", "frame": logged})
        if op == 1:
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, d or {})
        elif op == 6:
            await self._resume(conn, d or {})
        elif op == 3:
            self.presence_updates.append(d or {})
        elif op == 8:
            await self._request_members(conn, d or {})
        elif op == 4:
            pass  # voice state: ignored
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, conn: _Conn, d: dict[str, Any]) -> None:
        if self.token is not None and d.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if "intents" not in d:
            await conn.ws.close(code=4013, message=b"Invalid intent(s).")
            return
        intents = int(d["intents"])
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identify_payloads.append({k: v for k, v in d.items() if k != "token"})
        session = GatewaySession(
            session_id=secrets.token_hex(16), intents=intents, identify=d, conn=conn
        )
        conn.session = session
        self.session = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": {
                **self.bot_user.to_payload(),
                "verified": True,
                "mfa_enabled": False,
                "email": None,
            },
            "guilds": [{"id": str(self.guild.id), "unavailable": True}],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-discord"],
        }
        if "shard" in d:
            ready["shard"] = d["shard"]
        await self._send_dispatch(session, "READY", ready)
        await self._send_dispatch(session, "GUILD_CREATE", self._guild_create_payload(intents))
        self.ready_generation += 1
        self._notify()

    def _guild_create_payload(self, intents: int) -> dict[str, Any]:
        data = self.guild.to_payload()
        members = list(self.guild.members.values())
        if not intents & INTENT_GUILD_MEMBERS:
            members = [self.bot_member]
        data.update(
            {
                "channels": [c.to_payload(include_guild_id=False) for c in self.guild.channels],
                "threads": [],
                "members": [m.to_payload() for m in members],
                "member_count": len(self.guild.members),
                "voice_states": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": list(self.scheduled_events.values()),
                "soundboard_sounds": [],
                "joined_at": self.bot_member.joined_at,
                "large": False,
                "unavailable": False,
                "lazy": True,
            }
        )
        return data

    async def _resume(self, conn: _Conn, d: dict[str, Any]) -> None:
        session = self.session
        if (
            session is None
            or d.get("session_id") != session.session_id
            or (self.token is not None and d.get("token") != self.token)
        ):
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        seq = int(d.get("seq") or 0)
        old = session.conn
        session.conn = conn
        conn.session = session
        session.resumes += 1
        if old is not None and old is not conn:
            with contextlib.suppress(Exception):
                await old.ws.close(code=4000)
        for frame in [f for f in session.frames if f["s"] > seq]:
            await conn.send(frame)
        await self._send_dispatch(session, "RESUMED", {"_trace": ["fake-discord"]})
        self._notify()

    async def _request_members(self, conn: _Conn, d: dict[str, Any]) -> None:
        if conn.session is None:
            return
        members = list(self.guild.members.values())
        user_ids = d.get("user_ids")
        if user_ids is not None:
            ids = {int(x) for x in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if m.id in ids]
        elif d.get("query"):
            q = str(d["query"]).lower()
            members = [m for m in members if m.user.username.lower().startswith(q)]
        limit = int(d.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk = {
            "guild_id": str(self.guild.id),
            "members": [m.to_payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce") is not None:
            chunk["nonce"] = d["nonce"]
        await self._send_dispatch(conn.session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send_dispatch(
        self, session: GatewaySession, event: str, data: dict[str, Any]
    ) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.frames.append(frame)
        if session.conn is not None:
            await session.conn.send(frame)

    @property
    def connected(self) -> bool:
        return self.session is not None and self.session.conn is not None

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway DISPATCH event to the connected bot."""
        if self.session is None or self.session.conn is None:
            raise FakeDiscordError(
                f"cannot dispatch {event}: the bot is not connected\n{self.describe()}"
            )
        await self._send_dispatch(self.session, event, data)

    def _dispatch_soon(self, event: str, data: dict[str, Any]) -> None:
        if self.session is None or self.session.conn is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self.dispatch(event, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_until_ready(self, timeout: float = 30.0, *, after_generation: int = 0) -> None:
        """Wait until the bot identified (READY + GUILD_CREATE sent) and has synced commands."""
        await self.wait_for(
            lambda: (
                self.ready_generation > after_generation and self.commands_synced and self.connected
            ),
            timeout,
            what="the bot to identify on the gateway and sync its commands",
        )

    async def gateway_reconnect(self) -> None:
        """Send op 7 RECONNECT: the bot should reconnect and RESUME."""
        if self.session is None or self.session.conn is None:
            raise FakeDiscordError("not connected")
        await self.session.conn.send({"op": 7, "d": None, "s": None, "t": None})

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's websocket (session kept, so the bot can RESUME)."""
        if self.session is None or self.session.conn is None:
            raise FakeDiscordError("not connected")
        await self.session.conn.ws.close(code=code)
