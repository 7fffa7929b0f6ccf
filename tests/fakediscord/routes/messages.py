"""What every message route shares: validating a message, its components and files."""

from __future__ import annotations

import contextlib
import mimetypes
import re
from typing import Any

from ..interactions import APPLICATION_COMMAND, FakeInteraction
from ..models import FakeAttachment, FakeChannel, FakeMessage, iso_now, snowflake
from ..validation import _is_empty, _normalise_embed
from ..wire import (
    CHANNEL_MESSAGE_FLAGS,
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    MAX_NONCE_LENGTH,
    ApiError,
    _Upload,
    form_error,
)


class MessageRoutes:
    """Validating a message, its components and files."""

    def _validate_message(
        self, data: dict[str, Any], n_files: int, *, existing_files: int = 0
    ) -> None:
        problems: list[tuple[tuple[Any, ...], str]] = []
        content = data.get("content")
        if content is not None and not isinstance(content, str):
            problems.append((("content",), "Must be a string"))
        elif content is not None and len(content) > 2000:
            problems.append(
                (("content",), f"Must be 2000 or fewer in length (got {len(content)}).")
            )
        embeds = data.get("embeds") or []
        if len(embeds) > 10:
            problems.append((("embeds",), "Must be 10 or fewer in length."))
        total = 0
        for i, e in enumerate(embeds):
            limits = {"title": 256, "description": 4096}
            for key, limit in limits.items():
                v = e.get(key)
                if v is not None:
                    total += len(str(v))
                    if len(str(v)) > limit:
                        problems.append(
                            (("embeds", i, key), f"Must be {limit} or fewer in length.")
                        )
            fields = e.get("fields") or []
            if len(fields) > 25:
                problems.append((("embeds", i, "fields"), "Must be 25 or fewer in length."))
            for j, f in enumerate(fields):
                name, value = str(f.get("name", "")), str(f.get("value", ""))
                total += len(name) + len(value)
                if not name.strip() or len(name) > 256:
                    problems.append(
                        (("embeds", i, "fields", j, "name"), "Must be between 1 and 256 in length.")
                    )
                if not value.strip() or len(value) > 1024:
                    problems.append(
                        (
                            ("embeds", i, "fields", j, "value"),
                            "Must be between 1 and 1024 in length.",
                        )
                    )
            footer = (e.get("footer") or {}).get("text")
            if footer is not None:
                total += len(footer)
                if len(footer) > 2048:
                    problems.append(
                        (("embeds", i, "footer", "text"), "Must be 2048 or fewer in length.")
                    )
            author = (e.get("author") or {}).get("name")
            if author is not None:
                total += len(author)
                if len(author) > 256:
                    problems.append(
                        (("embeds", i, "author", "name"), "Must be 256 or fewer in length.")
                    )
            for key in ("url",):
                v = e.get(key)
                if v is not None and not re.match(r"^(https?|attachment)://", str(v)):
                    problems.append(
                        (("embeds", i, key), "Scheme must be one of ('http', 'https').")
                    )
        if total > 6000:
            problems.append((("embeds",), f"Embed size exceeds maximum size of 6000 (got {total})"))
        problems.extend(
            self._validate_components(data.get("components") or [], data.get("flags", 0) or 0)
        )
        nonce = data.get("nonce")
        if nonce is not None and (isinstance(nonce, bool) or not isinstance(nonce, (str, int))):
            problems.append((("nonce",), "Must be a string or an integer."))
        elif nonce is not None and len(str(nonce)) > MAX_NONCE_LENGTH:
            problems.append((("nonce",), f"Must be {MAX_NONCE_LENGTH} or fewer in length."))
        if "enforce_nonce" in data and not isinstance(data["enforce_nonce"], bool):
            problems.append((("enforce_nonce",), "Must be a boolean."))
        am = data.get("allowed_mentions")
        if isinstance(am, dict):
            parse = am.get("parse") or []
            for kind in ("users", "roles"):
                if kind in parse and am.get(kind):
                    problems.append(
                        (
                            ("allowed_mentions",),
                            f'parse:["{kind}"] and {kind}: [ids] are mutually exclusive.',
                        )
                    )
        if problems:
            raise form_error(problems)

    @staticmethod
    def _validate_components(
        components: list[dict[str, Any]], flags: int
    ) -> list[tuple[tuple[Any, ...], str]]:
        problems: list[tuple[tuple[Any, ...], str]] = []
        if flags & FLAG_COMPONENTS_V2:
            return problems  # layout components: only basic checks below are not applied
        if len(components) > 5:
            problems.append((("components",), "Must be 5 or fewer in length."))
        seen: set[str] = set()
        for i, row in enumerate(components):
            if row.get("type") != 1:
                problems.append(
                    (("components", i, "type"), "Top-level components must be action rows.")
                )
                continue
            children = row.get("components") or []
            if not 1 <= len(children) <= 5:
                problems.append(
                    (("components", i, "components"), "Must be between 1 and 5 in length.")
                )
            for j, c in enumerate(children):
                where = ("components", i, "components", j)
                cid = c.get("custom_id")
                if c.get("type") == 2:
                    if c.get("style") == 5:
                        if not c.get("url") or cid:
                            problems.append((where, "Link buttons need a url and no custom_id."))
                    elif c.get("style") != 6 and not cid:
                        problems.append(((*where, "custom_id"), "This field is required"))
                    label = c.get("label")
                    if label is not None and len(label) > 80:
                        problems.append(((*where, "label"), "Must be 80 or fewer in length."))
                    if not label and not c.get("emoji"):
                        problems.append((where, "A button needs a label or an emoji."))
                elif c.get("type") == 3:
                    options = c.get("options") or []
                    if not 1 <= len(options) <= 25:
                        problems.append(
                            ((*where, "options"), "Must be between 1 and 25 in length.")
                        )
                if cid is not None:
                    if len(cid) > 100:
                        problems.append(((*where, "custom_id"), "Must be 100 or fewer in length."))
                    if cid in seen:
                        problems.append(
                            ((*where, "custom_id"), "Component custom id cannot be duplicated")
                        )
                    seen.add(cid)
        return problems

    def _make_attachments(
        self, data: dict[str, Any], uploads: list[_Upload], keep: list[FakeAttachment]
    ) -> list[FakeAttachment]:
        """Existing attachments still listed in data['attachments'] + the newly uploaded files."""
        listed = data.get("attachments")
        result: list[FakeAttachment] = []
        if listed is None:
            result.extend(keep)
        else:
            keep_ids = {str(a.get("id")) for a in listed if isinstance(a, dict)}
            result.extend(a for a in keep if str(a.id) in keep_ids)
        meta_by_index: dict[int, dict[str, Any]] = {}
        for a in listed or []:
            with contextlib.suppress(TypeError, ValueError):
                idx = int(a.get("id"))
                if idx < 1000:
                    meta_by_index[idx] = a
        for n, up in enumerate(uploads):
            m = re.fullmatch(r"files\[(\d+)\]", up.field)
            idx = int(m.group(1)) if m else n
            meta = meta_by_index.get(idx, {})
            filename = meta.get("filename") or up.filename
            att_id = snowflake()
            att = FakeAttachment(
                id=att_id,
                filename=filename,
                data=up.data,
                content_type=up.content_type or mimetypes.guess_type(filename)[0],
                url=f"{self.base_url}/attachments/{att_id}/{filename}",
                description=meta.get("description"),
            )
            self.attachments[att_id] = att
            result.append(att)
        return result

    def _new_message(
        self,
        data: dict[str, Any],
        uploads: list[_Upload],
        *,
        channel: FakeChannel,
        kind: str,
        flags_mask: int,
        interaction: FakeInteraction | None = None,
        extra_flags: int = 0,
        allow_empty: bool = False,
    ) -> FakeMessage:
        self._validate_message(data, len(uploads))
        attachments = self._make_attachments(data, uploads, [])
        msg = FakeMessage(
            id=snowflake(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=self.bot_user,
            content=data.get("content") or "",
            embeds=[_normalise_embed(e) for e in data.get("embeds") or []],
            components=list(data.get("components") or []),
            attachments=attachments,
            flags=(int(data.get("flags") or 0) & flags_mask) | extra_flags,
            allowed_mentions=data.get("allowed_mentions"),
            nonce=data.get("nonce"),
            tts=bool(data.get("tts")),
            kind=kind,
            dm_recipient=channel.recipient,
        )
        if not allow_empty and _is_empty(msg):
            raise ApiError(400, 50006, "Cannot send an empty message", invalid=True)
        if interaction is not None:
            msg.interaction_id = interaction.id
            msg.webhook_id = self.application_id
            msg.message_type = 20 if interaction.type == APPLICATION_COMMAND else 0
            msg.interaction_metadata = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.to_payload(),
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
        self.messages.append(msg)
        self._messages_by_id[msg.id] = msg
        return msg

    def _edit(self, msg: FakeMessage, data: dict[str, Any], uploads: list[_Upload]) -> FakeMessage:
        if msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        self._validate_message({**data, "flags": data.get("flags", msg.flags)}, len(uploads))
        before = msg.to_payload()
        attachments = self._make_attachments(data, uploads, msg.attachments)
        new = FakeMessage(**{**msg.__dict__})
        if "content" in data:
            new.content = data["content"] or ""
        if "embeds" in data:
            new.embeds = [_normalise_embed(e) for e in data["embeds"] or []]
        if "components" in data:
            new.components = list(data["components"] or [])
        if "allowed_mentions" in data:
            new.allowed_mentions = data["allowed_mentions"]
        if "flags" in data and data["flags"] is not None:
            keep = msg.flags & FLAG_EPHEMERAL
            new.flags = (int(data["flags"]) & CHANNEL_MESSAGE_FLAGS) | keep
        new.attachments = attachments
        new.flags &= ~FLAG_LOADING
        if _is_empty(new):
            raise ApiError(400, 50006, "Cannot send an empty message", invalid=True)
        msg.history.append(before)
        for key in ("content", "embeds", "components", "allowed_mentions", "flags", "attachments"):
            setattr(msg, key, getattr(new, key))
        msg.edited_timestamp = iso_now()
        return msg
