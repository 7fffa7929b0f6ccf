"""The HTTP side: body parsing, injected faults, rate limits, the route table."""

from __future__ import annotations

import asyncio
import json
import math
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .interactions import FakeDiscordError
from .models import Injection, RecordedRequest
from .wire import API_PREFIX, ApiError, Reply, _Upload


class RestMixin:
    """Turns an HTTP request into a recorded request and a route handler's answer."""

    async def _read_body(self, request: web.Request) -> tuple[Any, list[_Upload]]:
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            uploads: list[_Upload] = []
            reader = await request.multipart()
            async for part in reader:
                if not hasattr(part, "read"):
                    continue
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                elif part.filename is not None:
                    data = bytes(await part.read(decode=False))
                    uploads.append(
                        _Upload(
                            part.name or "", part.filename, data, part.headers.get("Content-Type")
                        )
                    )
                else:
                    if payload is None:
                        payload = {}
                    if isinstance(payload, dict):
                        payload[part.name or ""] = await part.text()
            return payload, uploads
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode("utf-8", "replace"), []

    @staticmethod
    def _json_response(
        status: int, payload: Any, headers: dict[str, str] | None = None
    ) -> web.Response:
        hdrs = dict(headers or {})
        if status == 204 or payload is None:
            return web.Response(
                status=204 if payload is None and status < 300 else status, headers=hdrs
            )
        hdrs["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(payload).encode(), headers=hdrs)

    async def _handle_http(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/attachments/"):
            return await self._serve_attachment(request)
        body, uploads = await self._read_body(request)
        rel = (
            request.path[len(API_PREFIX) :]
            if request.path.startswith(API_PREFIX + "/")
            else request.path
        )
        rec = RecordedRequest(
            method=request.method,
            path=rel,
            query=dict(request.query),
            headers=dict(request.headers),
            json=body,
            files=[(u.filename, u.data, u.content_type) for u in uploads],
        )
        self.requests.append(rec)
        self.last_request_at = time.monotonic()
        try:
            reply = await self._process(request, rec, uploads)
        except ApiError as exc:
            reply = Reply(exc.status, exc.body(), exc.headers)
            if exc.invalid:
                self.rejected.append(rec)
        except FakeDiscordError as exc:
            reply = Reply(500, {"message": f"fake discord: {exc}", "code": 0})
            self.rejected.append(rec)
        except Exception as exc:  # a bug in the fake: make it loud
            reply = Reply(500, {"message": f"fake discord crashed: {exc!r}", "code": 0})
            self.rejected.append(rec)
            rec.injected = f"FAKE CRASH {exc!r}"
        rec.status = reply.status
        rec.response = reply.payload
        self.last_request_at = time.monotonic()
        self._notify()
        slow = next(
            (i for i in self.injections if i.delay and i.matches(rec.method, rec.path)), None
        )
        if slow is not None:
            slow.hits += 1
            await asyncio.sleep(slow.delay)
        return self._json_response(reply.status, reply.payload, reply.headers)

    async def _process(
        self, request: web.Request, rec: RecordedRequest, uploads: list[_Upload]
    ) -> Reply:
        if not request.path.startswith(API_PREFIX + "/"):
            self.unhandled.append(rec)
            return Reply(404, {"message": "404: Not Found", "code": 0})
        path = rec.path
        is_interaction_route = path.startswith("/interactions/") or (
            path.startswith("/webhooks/") and path.count("/") >= 3
        )
        for inj in self.injections:
            if not inj.delay and inj.matches(rec.method, path):
                inj.hits += 1
                rec.injected = f"injected {inj.status}"
                return self._injected_reply(inj)
        if not is_interaction_route:
            auth = rec.headers.get("Authorization", "")
            if not auth.startswith("Bot ") or (
                self.token is not None and auth != f"Bot {self.token}"
            ):
                raise ApiError(401, 0, "401: Unauthorized", invalid=True)
            if self.global_rate_limit is not None:
                limited = self._check_global_rate(rec)
                if limited is not None:
                    return limited
        for method, pattern, handler in self._routes():
            if method != rec.method:
                continue
            m = pattern.fullmatch(path)
            if m is None:
                continue
            result = await handler(rec, uploads, **m.groupdict())
            if isinstance(result, Reply):
                return result
            if result is None:
                return Reply(204)
            return Reply(200, result)
        self.unhandled.append(rec)
        return Reply(404, {"message": "404: Not Found", "code": 0})

    def _injected_reply(self, inj: Injection) -> Reply:
        if inj.status == 429:
            ra = inj.retry_after
            headers = {
                "Retry-After": str(max(1, math.ceil(ra))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + ra:.3f}",
                "X-RateLimit-Reset-After": f"{ra:.3f}",
                "X-RateLimit-Bucket": "fakebucket" + secrets.token_hex(4),
                "X-RateLimit-Scope": "global" if inj.is_global else "user",
                "Via": "1.1 google",
            }
            if inj.is_global:
                headers["X-RateLimit-Global"] = "true"
            headers.update(inj.headers)
            body = inj.body or {
                "message": "You are being rate limited.",
                "retry_after": ra,
                "global": inj.is_global,
            }
            return Reply(429, body, headers)
        body = inj.body or {"message": f"{inj.status}: Injected failure", "code": 0}
        return Reply(inj.status, body, dict(inj.headers))

    def _check_global_rate(self, rec: RecordedRequest) -> Reply | None:
        assert self.global_rate_limit is not None
        now = time.monotonic()
        while self._rate_window and now - self._rate_window[0] >= 1.0:
            self._rate_window.popleft()
        if len(self._rate_window) >= self.global_rate_limit:
            retry_after = max(0.001, 1.0 - (now - self._rate_window[0]))
            rec.injected = "global rate limit"
            self.rate_limited.append(rec)
            return Reply(
                429,
                {
                    "message": "You are being rate limited.",
                    "retry_after": round(retry_after, 3),
                    "global": True,
                },
                {
                    "Retry-After": str(max(1, math.ceil(retry_after))),
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                    "Via": "1.1 google",
                },
            )
        self._rate_window.append(now)
        return None

    async def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        m = re.fullmatch(r"/attachments/(\d+)/(.+)", request.path)
        att = self.attachments.get(int(m.group(1))) if m else None
        if att is None or att.behaviour == "404":
            self.attachment_downloads.append((int(m.group(1)) if m else 0, request.path, 404))
            self._notify()
            return web.Response(status=404, text="Not Found")
        if att.behaviour == "hang":
            self.attachment_downloads.append((att.id, att.filename, 0))
            self._notify()
            await asyncio.sleep(3600)
        self.attachment_downloads.append((att.id, att.filename, 200))
        self._notify()
        return web.Response(
            body=att.data, content_type=att.content_type or "application/octet-stream"
        )

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Awaitable[Any]]]]:
        if not hasattr(self, "_route_table"):
            app = r"/applications/(?P<app_id>\d+)"
            gcmd = app + r"/guilds/(?P<guild_id>\d+)/commands"
            hook = r"/webhooks/(?P<app_id>\d+)/(?P<token>[^/]+)"
            table: list[tuple[str, str, Callable[..., Awaitable[Any]]]] = [
                ("GET", r"/users/@me", self._r_get_me),
                ("GET", r"/users/(?P<user_id>\d+)", self._r_get_user),
                ("POST", r"/users/@me/channels", self._r_create_dm),
                ("GET", r"/oauth2/applications/@me", self._r_get_app),
                ("GET", r"/applications/@me", self._r_get_app),
                ("GET", r"/gateway", self._r_gateway),
                ("GET", r"/gateway/bot", self._r_gateway),
                ("GET", app + r"/commands", self._r_get_commands),
                ("PUT", app + r"/commands", self._r_put_commands),
                ("POST", app + r"/commands", self._r_post_command),
                ("GET", app + r"/commands/(?P<cmd_id>\d+)", self._r_get_command),
                ("PATCH", app + r"/commands/(?P<cmd_id>\d+)", self._r_patch_command),
                ("DELETE", app + r"/commands/(?P<cmd_id>\d+)", self._r_delete_command),
                ("GET", gcmd, self._r_get_commands),
                ("PUT", gcmd, self._r_put_commands),
                ("POST", gcmd, self._r_post_command),
                ("GET", gcmd + r"/permissions", self._r_command_permissions),
                ("GET", gcmd + r"/(?P<cmd_id>\d+)", self._r_get_command),
                ("PATCH", gcmd + r"/(?P<cmd_id>\d+)", self._r_patch_command),
                ("DELETE", gcmd + r"/(?P<cmd_id>\d+)", self._r_delete_command),
                ("POST", r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", self._r_callback),
                ("POST", hook, self._r_followup),
                ("GET", hook + r"/messages/(?P<mid>@original|\d+)", self._r_get_webhook_message),
                ("PATCH", hook + r"/messages/(?P<mid>@original|\d+)", self._r_edit_webhook_message),
                (
                    "DELETE",
                    hook + r"/messages/(?P<mid>@original|\d+)",
                    self._r_delete_webhook_message,
                ),
                ("GET", r"/channels/(?P<cid>\d+)", self._r_get_channel),
                ("POST", r"/channels/(?P<cid>\d+)/messages", self._r_post_message),
                ("GET", r"/channels/(?P<cid>\d+)/messages", self._r_history),
                ("GET", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._r_get_message),
                ("PATCH", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._r_edit_message),
                ("DELETE", r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._r_delete_message),
                ("POST", r"/channels/(?P<cid>\d+)/typing", self._r_typing),
                ("GET", r"/guilds/(?P<gid>\d+)", self._r_get_guild),
                ("GET", r"/guilds/(?P<gid>\d+)/channels", self._r_guild_channels),
                ("GET", r"/guilds/(?P<gid>\d+)/roles", self._r_guild_roles),
                ("GET", r"/guilds/(?P<gid>\d+)/members", self._r_guild_members),
                ("GET", r"/guilds/(?P<gid>\d+)/members/search", self._r_search_members),
                ("GET", r"/guilds/(?P<gid>\d+)/members/(?P<uid>\d+)", self._r_guild_member),
                ("GET", r"/guilds/(?P<gid>\d+)/scheduled-events", self._r_list_events),
                ("POST", r"/guilds/(?P<gid>\d+)/scheduled-events", self._r_create_event),
                ("GET", r"/guilds/(?P<gid>\d+)/scheduled-events/(?P<eid>\d+)", self._r_get_event),
                (
                    "PATCH",
                    r"/guilds/(?P<gid>\d+)/scheduled-events/(?P<eid>\d+)",
                    self._r_edit_event,
                ),
                (
                    "DELETE",
                    r"/guilds/(?P<gid>\d+)/scheduled-events/(?P<eid>\d+)",
                    self._r_delete_event,
                ),
            ]
            self._route_table = [(m, re.compile(p), h) for m, p, h in table]
        return self._route_table
