"""Routes: application commands (sync, create, edit, delete, permissions)."""

from __future__ import annotations

from typing import Any

from ..models import RecordedRequest, snowflake
from ..validation import validate_commands
from ..wire import ApiError, _Upload, form_error


class CommandRoutes:
    """Application commands (sync, create, edit, delete, permissions)."""

    def _scope(self, app_id: str, guild_id: str | None) -> int | None:
        if int(app_id) != self.application_id:
            raise ApiError(403, 50001, "Missing Access", invalid=True)
        if guild_id is None:
            return None
        if int(guild_id) != self.guild.id:
            raise ApiError(403, 50001, "Missing Access", invalid=True)
        return int(guild_id)

    def _store_command(self, scope: int | None, cmd: dict[str, Any]) -> dict[str, Any]:
        ctype = cmd.get("type", 1)
        key = (scope, cmd["name"], ctype)
        cid = self._command_ids.setdefault(key, snowflake())
        perms = cmd.get("default_member_permissions")
        stored = {
            "id": str(cid),
            "application_id": str(self.application_id),
            "version": str(snowflake()),
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description", ""),
            "description_localizations": cmd.get("description_localizations"),
            "options": cmd.get("options", []) or [],
            "default_member_permissions": None if perms is None else str(perms),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types", [0]),
            "nsfw": bool(cmd.get("nsfw", False)),
        }
        if scope is not None:
            stored["guild_id"] = str(scope)
        return stored

    async def _r_get_commands(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, guild_id: str | None = None
    ) -> Any:
        return self.commands.get(self._scope(app_id, guild_id), [])

    async def _r_put_commands(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, guild_id: str | None = None
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        payload = rec.json
        if not isinstance(payload, list):
            raise form_error([((), "Expected a list of commands")])
        problems = validate_commands(payload)
        if problems:
            raise form_error(problems)
        stored = [self._store_command(scope, c) for c in payload]
        self.commands[scope] = stored
        self.command_syncs.append((scope, payload))
        self._notify()
        return stored

    async def _r_post_command(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, guild_id: str | None = None
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        cmd = rec.json or {}
        problems = validate_commands([cmd])
        if problems:
            raise form_error(problems)
        stored = self._store_command(scope, cmd)
        current = [c for c in self.commands.get(scope, []) if c["id"] != stored["id"]]
        self.commands[scope] = [*current, stored]
        self.command_syncs.append((scope, [cmd]))
        return stored

    def _find_command_by_id(self, scope: int | None, cmd_id: str) -> dict[str, Any]:
        for c in self.commands.get(scope, []):
            if c["id"] == cmd_id:
                return c
        raise ApiError(404, 10063, "Unknown application command")

    async def _r_get_command(
        self,
        rec: RecordedRequest,
        uploads: list[_Upload],
        app_id: str,
        cmd_id: str,
        guild_id: str | None = None,
    ) -> Any:
        return self._find_command_by_id(self._scope(app_id, guild_id), cmd_id)

    async def _r_patch_command(
        self,
        rec: RecordedRequest,
        uploads: list[_Upload],
        app_id: str,
        cmd_id: str,
        guild_id: str | None = None,
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        cmd = self._find_command_by_id(scope, cmd_id)
        cmd.update({k: v for k, v in (rec.json or {}).items() if k != "id"})
        return cmd

    async def _r_delete_command(
        self,
        rec: RecordedRequest,
        uploads: list[_Upload],
        app_id: str,
        cmd_id: str,
        guild_id: str | None = None,
    ) -> Any:
        scope = self._scope(app_id, guild_id)
        self._find_command_by_id(scope, cmd_id)
        self.commands[scope] = [c for c in self.commands.get(scope, []) if c["id"] != cmd_id]
        return None

    async def _r_command_permissions(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, guild_id: str
    ) -> Any:
        self._scope(app_id, guild_id)
        return []
