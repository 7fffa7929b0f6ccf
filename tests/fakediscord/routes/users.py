"""Routes: the bot's user, other users, DM channels, the application, the gateway URL."""

from __future__ import annotations

from typing import Any

from ..models import RecordedRequest
from ..wire import ApiError, _Upload


class UserRoutes:
    """The bot's user, other users, DM channels, the application, the gateway URL."""

    async def _r_get_me(self, rec: RecordedRequest, uploads: list[_Upload]) -> Any:
        data = self.bot_user.to_payload()
        data.update({"verified": True, "mfa_enabled": False, "email": None, "bot": True})
        return data

    async def _r_get_user(self, rec: RecordedRequest, uploads: list[_Upload], user_id: str) -> Any:
        user = self.users.get(int(user_id))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return user.to_payload()

    async def _r_create_dm(self, rec: RecordedRequest, uploads: list[_Upload]) -> Any:
        body = rec.json or {}
        try:
            user = self.users[int(body["recipient_id"])]
        except (KeyError, ValueError, TypeError):
            raise ApiError(400, 50033, "Invalid Recipient(s)", invalid=True) from None
        return self.dm_channel(user).to_payload()

    async def _r_get_app(self, rec: RecordedRequest, uploads: list[_Upload]) -> Any:
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "rpc_origins": [],
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self.guild.owner.user.to_payload(),
            "team": None,
            "bot": self.bot_user.to_payload(),
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "redirect_uris": [],
            "tags": [],
            "approximate_guild_count": 1,
            "install_params": None,
            "integration_types_config": {"0": {}},
        }

    async def _r_gateway(self, rec: RecordedRequest, uploads: list[_Upload]) -> Any:
        return {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }
