"""Routes: guild scheduled events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..models import RecordedRequest, snowflake
from ..validation import _parse_time
from ..wire import INTENT_GUILD_SCHEDULED_EVENTS, ApiError, _Upload, form_error


class EventRoutes:
    """Guild scheduled events."""

    def _validate_event(self, data: dict[str, Any], existing: dict[str, Any] | None) -> None:
        merged = {**(existing or {}), **data}
        problems: list[tuple[tuple[Any, ...], str]] = []
        name = merged.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            problems.append((("name",), "Must be between 1 and 100 in length."))
        if merged.get("description") and len(merged["description"]) > 1000:
            problems.append((("description",), "Must be 1000 or fewer in length."))
        if merged.get("privacy_level") != 2:
            problems.append((("privacy_level",), "Value must be one of {2}."))
        etype = merged.get("entity_type")
        if etype not in (1, 2, 3):
            problems.append((("entity_type",), "Value must be one of {1, 2, 3}."))
        start = _parse_time(merged.get("scheduled_start_time"))
        end = _parse_time(merged.get("scheduled_end_time"))
        if start is None:
            problems.append((("scheduled_start_time",), "Invalid ISO8601 timestamp."))
        elif (existing is None or "scheduled_start_time" in data) and start < datetime.now(UTC):
            problems.append((("scheduled_start_time",), "Cannot schedule event in the past."))
        if etype == 3:
            location = (merged.get("entity_metadata") or {}).get("location")
            if not location or len(location) > 100:
                problems.append(
                    (("entity_metadata", "location"), "Must be between 1 and 100 in length.")
                )
            if end is None:
                problems.append(
                    (("scheduled_end_time",), "This field is required for external events.")
                )
            if merged.get("channel_id"):
                problems.append((("channel_id",), "External events cannot have a channel."))
        elif etype in (1, 2) and not merged.get("channel_id"):
            problems.append((("channel_id",), "This field is required."))
        if start is not None and end is not None and end <= start:
            problems.append((("scheduled_end_time",), "Must be after the start time."))
        if problems:
            raise form_error(problems)

    def _event_or_404(self, gid: str, eid: str) -> dict[str, Any]:
        self._guild_or_404(gid)
        event = self.scheduled_events.get(int(eid))
        if event is None:
            raise ApiError(404, 10070, "Unknown Guild Scheduled Event")
        return event

    async def _r_list_events(self, rec: RecordedRequest, uploads: list[_Upload], gid: str) -> Any:
        self._guild_or_404(gid)
        return list(self.scheduled_events.values())

    async def _r_get_event(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str, eid: str
    ) -> Any:
        return self._event_or_404(gid, eid)

    async def _r_create_event(self, rec: RecordedRequest, uploads: list[_Upload], gid: str) -> Any:
        self._guild_or_404(gid)
        data = rec.json or {}
        self._validate_event(data, None)
        event = {
            "id": str(snowflake()),
            "guild_id": str(self.guild.id),
            "channel_id": data.get("channel_id"),
            "creator_id": str(self.bot_user.id),
            "creator": self.bot_user.to_payload(),
            "name": data["name"],
            "description": data.get("description"),
            "scheduled_start_time": data["scheduled_start_time"],
            "scheduled_end_time": data.get("scheduled_end_time"),
            "privacy_level": data["privacy_level"],
            "status": 1,
            "entity_type": data["entity_type"],
            "entity_id": None,
            "entity_metadata": data.get("entity_metadata"),
            "user_count": 0,
            "image": None,
            "recurrence_rule": data.get("recurrence_rule"),
        }
        self.scheduled_events[int(event["id"])] = event
        self.scheduled_event_log.append(("create", dict(event)))
        self._dispatch_event_if_subscribed("GUILD_SCHEDULED_EVENT_CREATE", event)
        return event

    async def _r_edit_event(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str, eid: str
    ) -> Any:
        event = self._event_or_404(gid, eid)
        data = rec.json or {}
        self._validate_event(data, event)
        event.update({k: v for k, v in data.items() if k != "id"})
        self.scheduled_event_log.append(("update", dict(event)))
        self._dispatch_event_if_subscribed("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return event

    async def _r_delete_event(
        self, rec: RecordedRequest, uploads: list[_Upload], gid: str, eid: str
    ) -> Any:
        event = self._event_or_404(gid, eid)
        del self.scheduled_events[int(eid)]
        self.scheduled_event_log.append(("delete", dict(event)))
        self._dispatch_event_if_subscribed("GUILD_SCHEDULED_EVENT_DELETE", event)
        return None

    def _dispatch_event_if_subscribed(self, name: str, event: dict[str, Any]) -> None:
        if self.session is not None and self.session.intents & INTENT_GUILD_SCHEDULED_EVENTS:
            self._dispatch_soon(name, dict(event))
