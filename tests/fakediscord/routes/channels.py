"""Routes: channels and their messages (post, history, edit, delete, typing)."""

from __future__ import annotations

import time
from typing import Any

from ..models import FakeChannel, FakeMessage, Perm, RecordedRequest
from ..wire import CHANNEL_MESSAGE_FLAGS, NONCE_WINDOW, ApiError, _Upload


class ChannelRoutes:
    """Channels and their messages (post, history, edit, delete, typing)."""

    def _channel_or_404(self, cid: str) -> FakeChannel:
        channel = self._channels.get(int(cid))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    async def _r_get_channel(self, rec: RecordedRequest, uploads: list[_Upload], cid: str) -> Any:
        return self._channel_or_404(cid).to_payload()

    async def _r_post_message(self, rec: RecordedRequest, uploads: list[_Upload], cid: str) -> Any:
        channel = self._channel_or_404(cid)
        if channel.is_dm:
            assert channel.recipient is not None
            if channel.recipient.id in self.closed_dms:
                self.dm_failures.append((channel.recipient.id, rec))
                raise ApiError(403, 50007, "Cannot send messages to this user")
        else:
            perms = self._permissions_in(self.bot_user, channel)
            if perms & (Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES) != (
                Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES
            ):
                raise ApiError(403, 50013, "Missing Permissions")
        data = rec.json or {}
        nonce = data.get("nonce")
        enforce = nonce is not None and data.get("enforce_nonce") is True
        if enforce:
            # As on Discord: a nonce this author used in the past few minutes returns
            # that message instead of creating another (a re-send after a crash).
            seen = self._nonces.get(str(nonce))
            if seen is not None and time.monotonic() - seen[1] < NONCE_WINDOW:
                self._validate_message(data, len(uploads))
                self.nonce_replays.append(rec)
                return seen[0].to_payload()
        kind = "dm" if channel.is_dm else "channel"
        msg = self._new_message(
            data, uploads, channel=channel, kind=kind, flags_mask=CHANNEL_MESSAGE_FLAGS
        )
        if enforce:
            self._nonces[str(nonce)] = (msg, time.monotonic())
        return msg.to_payload()

    def _channel_message(self, cid: str, mid: str) -> FakeMessage:
        self._channel_or_404(cid)
        msg = self._messages_by_id.get(int(mid))
        if msg is None or msg.channel_id != int(cid) or msg.deleted or msg.ephemeral:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def _r_history(self, rec: RecordedRequest, uploads: list[_Upload], cid: str) -> Any:
        channel = self._channel_or_404(cid)
        limit = int(rec.query.get("limit", 50))
        msgs = [
            m
            for m in self.messages
            if m.channel_id == channel.id and not m.deleted and not m.ephemeral
        ]
        return [m.to_payload() for m in reversed(msgs)][:limit]

    async def _r_get_message(
        self, rec: RecordedRequest, uploads: list[_Upload], cid: str, mid: str
    ) -> Any:
        return self._channel_message(cid, mid).to_payload()

    async def _r_edit_message(
        self, rec: RecordedRequest, uploads: list[_Upload], cid: str, mid: str
    ) -> Any:
        msg = self._channel_message(cid, mid)
        if msg.author.id != self.bot_user.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        return self._edit(msg, rec.json or {}, uploads).to_payload()

    async def _r_delete_message(
        self, rec: RecordedRequest, uploads: list[_Upload], cid: str, mid: str
    ) -> Any:
        self._channel_message(cid, mid).deleted = True
        return None

    async def _r_typing(self, rec: RecordedRequest, uploads: list[_Upload], cid: str) -> Any:
        self._channel_or_404(cid)
        return None
