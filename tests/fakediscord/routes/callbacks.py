"""Routes: interaction callbacks, follow-ups and the webhook messages of an interaction."""

from __future__ import annotations

import time
from typing import Any

from ..interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    FakeInteraction,
)
from ..models import FakeMessage, RecordedRequest
from ..wire import (
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    INTERACTION_MESSAGE_FLAGS,
    ApiError,
    _Upload,
    form_error,
)


class CallbackRoutes:
    """Interaction callbacks, follow-ups and the webhook messages of an interaction."""

    async def _r_callback(
        self, rec: RecordedRequest, uploads: list[_Upload], iid: str, token: str
    ) -> Any:
        inter = self.interactions.get(int(iid))
        if inter is None or inter.token != token:
            raise ApiError(404, 10062, "Unknown interaction", invalid=True)
        inter.requests.append(rec)
        if inter.callback_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.", invalid=True)
        if time.monotonic() - inter.created > self.interaction_timeout:
            inter.expired = True
            inter.callback_at = time.monotonic()
            self.late_interactions.append(inter)
            inter.answered.set()
            raise ApiError(404, 10062, "Unknown interaction", invalid=True)
        body = rec.json or {}
        ctype = body.get("type")
        data = body.get("data") or {}
        allowed = {
            APPLICATION_COMMAND: {4, 5, 9},
            MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
            AUTOCOMPLETE: {8},
            MODAL_SUBMIT: {4, 5, 6, 7} if inter.target_message else {4, 5},
        }[inter.type]
        if ctype not in allowed:
            raise form_error(
                [
                    (
                        ("type",),
                        f"callback type {ctype} is not valid for interaction type {inter.type}",
                    )
                ]
            )
        msg: FakeMessage | None = None
        if ctype == 4:
            msg = self._new_message(
                data,
                uploads,
                channel=inter.channel,
                kind="response",
                flags_mask=INTERACTION_MESSAGE_FLAGS,
                interaction=inter,
            )
            inter.original = msg
        elif ctype == 5:
            msg = self._new_message(
                {"flags": data.get("flags", 0)},
                [],
                channel=inter.channel,
                kind="response",
                flags_mask=FLAG_EPHEMERAL,
                interaction=inter,
                extra_flags=FLAG_LOADING,
                allow_empty=True,
            )
            inter.original = msg
        elif ctype == 6:
            inter.original = inter.target_message
        elif ctype == 7:
            assert inter.target_message is not None
            msg = self._edit(inter.target_message, data, uploads)
            inter.original = msg
        elif ctype == 8:
            self._validate_choices(data.get("choices"))
            inter.choices = list(data.get("choices") or [])
        elif ctype == 9:
            problems = []
            if not data.get("custom_id") or len(data["custom_id"]) > 100:
                problems.append((("data", "custom_id"), "Must be between 1 and 100 in length."))
            if not data.get("title") or len(data["title"]) > 45:
                problems.append((("data", "title"), "Must be between 1 and 45 in length."))
            if not 1 <= len(data.get("components") or []) <= 5:
                problems.append((("data", "components"), "Must be between 1 and 5 in length."))
            if problems:
                raise form_error(problems)
            inter.modal = data
        inter.callback_type = ctype
        inter.callback_data = data
        inter.callback_at = time.monotonic()
        inter.answered.set()
        if "with_response" not in rec.query or rec.query.get("with_response") in ("false", "0"):
            return None
        result: dict[str, Any] = {
            "interaction": {
                "id": str(inter.id),
                "type": inter.type,
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": bool(msg.ephemeral) if msg else False,
            }
        }
        if msg is not None:
            result["interaction"]["response_message_id"] = str(msg.id)
            result["resource"] = {"type": ctype, "message": msg.to_payload()}
        return result

    @staticmethod
    def _validate_choices(choices: Any) -> None:
        problems: list[tuple[tuple[Any, ...], str]] = []
        if not isinstance(choices, list):
            raise form_error([(("data", "choices"), "This field is required")])
        if len(choices) > 25:
            problems.append(
                (("data", "choices"), f"Must be 25 or fewer in length (got {len(choices)}).")
            )
        for i, c in enumerate(choices):
            name = c.get("name")
            if not isinstance(name, str) or not 1 <= len(name) <= 100:
                problems.append(
                    (("data", "choices", i, "name"), "Must be between 1 and 100 in length.")
                )
            value = c.get("value")
            if isinstance(value, str) and len(value) > 100:
                problems.append(
                    (("data", "choices", i, "value"), "Must be 100 or fewer in length.")
                )
        if problems:
            raise form_error(problems)

    def _webhook_interaction(
        self, app_id: str, token: str, rec: RecordedRequest
    ) -> FakeInteraction:
        inter = self._by_token.get(token)
        if int(app_id) != self.application_id or inter is None:
            raise ApiError(404, 10015, "Unknown Webhook", invalid=True)
        inter.requests.append(rec)
        if inter.callback_type is None or inter.expired:
            raise ApiError(404, 10015, "Unknown Webhook", invalid=True)
        if time.monotonic() - inter.created > 15 * 60:
            raise ApiError(401, 50027, "Invalid Webhook Token", invalid=True)
        if inter.callback_type in (8, 9):
            raise ApiError(400, 40060, "Interaction has already been acknowledged.", invalid=True)
        return inter

    async def _r_followup(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, token: str
    ) -> Any:
        inter = self._webhook_interaction(app_id, token, rec)
        data = rec.json or {}
        orig = inter.original
        if inter.callback_type == 5 and orig is not None and orig.loading:
            # The first followup after a deferred ("thinking") response replaces it.
            msg = self._edit(orig, {k: v for k, v in data.items() if k != "flags"}, uploads)
        else:
            msg = self._new_message(
                data,
                uploads,
                channel=inter.channel,
                kind="followup",
                flags_mask=INTERACTION_MESSAGE_FLAGS,
                interaction=inter,
            )
            inter.followups.append(msg)
        if rec.query.get("wait") in ("true", "1", "True"):
            return msg.to_payload()
        return None

    def _webhook_message(self, inter: FakeInteraction, mid: str) -> FakeMessage:
        if mid == "@original":
            if inter.original is None or inter.original.deleted:
                raise ApiError(404, 10008, "Unknown Message")
            return inter.original
        for m in [inter.original, *inter.followups]:
            if m is not None and m.id == int(mid) and not m.deleted:
                return m
        raise ApiError(404, 10008, "Unknown Message")

    async def _r_get_webhook_message(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, token: str, mid: str
    ) -> Any:
        inter = self._webhook_interaction(app_id, token, rec)
        return self._webhook_message(inter, mid).to_payload()

    async def _r_edit_webhook_message(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, token: str, mid: str
    ) -> Any:
        inter = self._webhook_interaction(app_id, token, rec)
        msg = self._webhook_message(inter, mid)
        return self._edit(msg, rec.json or {}, uploads).to_payload()

    async def _r_delete_webhook_message(
        self, rec: RecordedRequest, uploads: list[_Upload], app_id: str, token: str, mid: str
    ) -> Any:
        inter = self._webhook_interaction(app_id, token, rec)
        self._webhook_message(inter, mid).deleted = True
        return None
