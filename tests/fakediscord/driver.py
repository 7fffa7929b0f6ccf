"""The test driver: a user runs a slash command, autocompletes, clicks, selects, submits."""

# The public helpers take `timeout=` like asyncio.wait_for; that is the API tests want.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    CommandUnavailable,
    FakeDiscordError,
    FakeInteraction,
    InteractionFailed,
    InteractionResult,
    OptionBuilder,
    find_command,
    nest_options,
)
from .models import FakeChannel, FakeMember, FakeMessage, FakeUser, snowflake


class DriverMixin:
    """Interactions a test sends to the bot, and waiting for their answers."""

    def _invoker(self, user: Any, dm: bool) -> tuple[FakeUser, FakeMember | None]:
        u = self._resolve_user(user)
        member = self.guild.members.get(u.id)
        if not dm and member is None:
            raise FakeDiscordError(f"{u.username} is not a member of the guild")
        return u, (None if dm else member)

    def _check_available(
        self, top: dict[str, Any], member: FakeMember | None, dm: bool, path: str
    ) -> None:
        contexts = top.get("contexts")
        if dm:
            if top.get("guild_id"):
                raise CommandUnavailable(
                    f"/{path} is a guild command: Discord does not offer it in DMs "
                    "(pass force=True "
                    "to send the interaction anyway, as for a global command)"
                )
            if (contexts is not None and 1 not in contexts) or top.get("dm_permission") is False:
                raise CommandUnavailable(f"/{path} is not allowed in DMs (contexts={contexts})")
            return
        assert member is not None
        if contexts is not None and 0 not in contexts:
            raise CommandUnavailable(f"/{path} is not allowed in guilds (contexts={contexts})")
        required = top.get("default_member_permissions")
        if required is not None and not member.has(int(required)):
            raise CommandUnavailable(
                f"/{path} needs permissions {required} (default_member_permissions) that "
                f"{member.name} lacks, so Discord hides it. Pass force=True to simulate a server "
                "admin granting the command to them in Integrations settings."
            )

    def _lookup(
        self, path: str, *, dm: bool, force: bool, member: FakeMember | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        commands = self.synced_commands(dm=dm)
        if dm and not any(c["name"] == path.split()[0] for c in commands):
            # Only registered for the guild: Discord would not offer it in a DM at all.
            commands = self.synced_commands()
        top, chain, leaf = find_command(commands, path)
        if not force:
            self._check_available(top, member, dm, path)
        return top, chain, leaf

    def _interaction_payload(
        self,
        itype: int,
        iid: int,
        token: str,
        data: dict[str, Any] | None,
        user: FakeUser,
        member: FakeMember | None,
        channel: FakeChannel,
        message: FakeMessage | None,
        locale: str,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(self._permissions_in(self.bot_user, channel)),
            "channel_id": str(channel.id),
        }
        if data is not None:
            payload["data"] = data
        if member is not None:
            ch = channel.to_payload()
            ch["permissions"] = str(self._permissions_in(user, channel))
            payload.update(
                {
                    "guild_id": str(self.guild.id),
                    "guild": {
                        "id": str(self.guild.id),
                        "locale": self.guild.locale,
                        "features": [],
                    },
                    "guild_locale": self.guild.locale,
                    "member": member.to_payload(with_permissions=True),
                    "channel": ch,
                    "context": 0,
                    "authorizing_integration_owners": {"0": str(self.guild.id)},
                }
            )
        else:
            payload.update(
                {
                    "user": user.to_payload(),
                    "channel": channel.to_payload(),
                    "context": 1,
                    "authorizing_integration_owners": {"0": "0"},
                }
            )
        if message is not None:
            payload["message"] = message.to_payload()
        return payload

    async def _start_interaction(
        self,
        itype: int,
        data: dict[str, Any] | None,
        *,
        user: FakeUser,
        member: FakeMember | None,
        channel: FakeChannel,
        label: str,
        message: FakeMessage | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        if not self.connected:
            raise FakeDiscordError(
                f"{label}: the bot is not connected to the gateway\n{self.describe()}"
            )
        iid = snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        payload = self._interaction_payload(
            itype, iid, token, data, user, member, channel, message, locale
        )
        inter = FakeInteraction(
            id=iid,
            token=token,
            type=itype,
            payload=payload,
            user=user,
            member=member,
            channel=channel,
            label=label,
            target_message=message,
        )
        self.interactions[iid] = inter
        self._by_token[token] = inter
        await self.dispatch("INTERACTION_CREATE", payload)
        return inter

    async def _await_response(
        self, inter: FakeInteraction, *, timeout: float | None, settle: float | None
    ) -> InteractionResult:
        try:
            await asyncio.wait_for(inter.answered.wait(), self.interaction_timeout + 0.5)
        except TimeoutError:
            raise InteractionFailed(
                f"{inter.label}: the bot did not answer within {self.interaction_timeout}s "
                f"(Discord shows 'The application did not respond')\n{self.describe(inter)}"
            ) from None
        if inter.expired:
            raise InteractionFailed(
                f"{inter.label}: the bot answered after {inter.latency:.2f}s; Discord allows "
                f"{self.interaction_timeout}s and refuses late answers "
                "(10062 Unknown interaction). "
                f"Defer first.\n{self.describe(inter)}"
            )
        if inter.callback_type == 5:
            limit = self.followup_timeout if timeout is None else timeout
            await self.wait_for(
                lambda: inter.original is not None and not inter.original.loading,
                limit,
                what=f"{inter.label}: a followup after the deferred response",
            )
        if inter.type != AUTOCOMPLETE:
            await self.settle(settle)
        return InteractionResult(self, inter)

    def _slash_command(
        self,
        name: str,
        user: Any,
        in_channel: FakeChannel | int | str | None,
        dm: bool,
        force: bool,
        opts: dict[str, Any],
        *,
        focused: tuple[str, str] | None = None,
    ) -> tuple[str, dict[str, Any], FakeUser, FakeMember | None, FakeChannel]:
        """A slash command's interaction data as Discord sends it, built from the synced
        commands: (path, data, invoker, member, channel). With `focused` (option, typed)
        it is an autocomplete's: required options may be missing, no `resolved`."""
        path = " ".join(name.strip().lstrip("/").split())
        invoker, member = self._invoker(user, dm)
        top, chain, leaf = self._lookup(path, dm=dm, force=force, member=member)
        builder = OptionBuilder(self, path=path, dm=dm, invoker=invoker)
        if focused is None:
            leaf_options = builder.build(leaf, opts)
        else:
            leaf_options = builder.build(
                leaf, opts, focused=focused[0], focused_value=focused[1], check_required=False
            )
        data: dict[str, Any] = {
            "id": top["id"],
            "name": top["name"],
            "type": 1,
            "options": nest_options(chain, leaf_options),
        }
        if builder.resolved and focused is None:
            data["resolved"] = builder.resolved
        if top.get("guild_id") and not dm:
            data["guild_id"] = top["guild_id"]
        channel = (
            self.dm_channel(invoker) if dm else self._resolve_channel(in_channel or self.general)
        )
        return path, data, invoker, member, channel

    async def command(
        self,
        name: str,
        *,
        user: Any,
        in_channel: FakeChannel | int | str | None = None,
        dm: bool = False,
        force: bool = False,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        timeout: float | None = None,
        settle: float | None = None,
        **option_values: Any,
    ) -> InteractionResult:
        """Invoke a slash command as `user`, built from the commands the bot synced.

        Options are keyword arguments (or `options={...}` for names that clash with these
        parameters). Returns after the bot answered and went quiet.
        """
        path, data, invoker, member, channel = self._slash_command(
            name, user, in_channel, dm, force, {**(options or {}), **option_values}
        )
        inter = await self._start_interaction(
            APPLICATION_COMMAND,
            data,
            user=invoker,
            member=member,
            channel=channel,
            label=f"/{path}" + (" (DM)" if dm else ""),
            locale=locale,
        )
        return await self._await_response(inter, timeout=timeout, settle=settle)

    # ---------------------------------------------------------------- many at once (benchmarks)

    def prepare_command(
        self,
        name: str,
        *,
        user: Any,
        in_channel: FakeChannel | int | str | None = None,
        options: dict[str, Any] | None = None,
        **option_values: Any,
    ) -> FakeInteraction:
        """Build a guild slash-command interaction as `command` does, without sending it.

        For benchmarks that dispatch many interactions at once: building payloads first
        keeps that work out of the burst. Send it with `send_prepared`.
        """
        path, data, invoker, member, channel = self._slash_command(
            name, user, in_channel, False, False, {**(options or {}), **option_values}
        )
        iid = snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        payload = self._interaction_payload(
            APPLICATION_COMMAND, iid, token, data, invoker, member, channel, None, "en-US"
        )
        return FakeInteraction(
            id=iid,
            token=token,
            type=APPLICATION_COMMAND,
            payload=payload,
            user=invoker,
            member=member,
            channel=channel,
            label=f"/{path}",
        )

    async def send_prepared(self, inter: FakeInteraction) -> None:
        """Dispatch an interaction from `prepare_command`; its clock (`created`) starts now.

        Returns once the gateway frame is written; the answer is recorded on `inter`
        (`answered`, `callback_at`, `original`, `followups`, `requests`).
        """
        if not self.connected:
            raise FakeDiscordError(
                f"{inter.label}: the bot is not connected to the gateway\n{self.describe()}"
            )
        inter.created = time.monotonic()
        self.interactions[inter.id] = inter
        self._by_token[inter.token] = inter
        await self.dispatch("INTERACTION_CREATE", inter.payload)

    async def autocomplete(
        self,
        name: str,
        option: str,
        typed: str,
        *,
        user: Any,
        in_channel: FakeChannel | int | str | None = None,
        dm: bool = False,
        force: bool = False,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        **option_values: Any,
    ) -> list[tuple[str, Any]]:
        """Type `typed` into `option` of a command; returns the bot's [(name, value)] choices."""
        path, data, invoker, member, channel = self._slash_command(
            name,
            user,
            in_channel,
            dm,
            force,
            {**(options or {}), **option_values},
            focused=(option, typed),
        )
        inter = await self._start_interaction(
            AUTOCOMPLETE,
            data,
            user=invoker,
            member=member,
            channel=channel,
            label=f"autocomplete /{path} {option}={typed!r}",
            locale=locale,
        )
        result = await self._await_response(inter, timeout=None, settle=0)
        if inter.callback_type != 8:
            raise InteractionFailed(
                f"{inter.label}: expected an autocomplete result, "
                f"got callback {inter.callback_type}"
            )
        return result.choices

    async def _component_interaction(
        self,
        msg: FakeMessage,
        data: dict[str, Any],
        *,
        who: Any,
        label: str,
        timeout: float | None,
        settle: float | None,
    ) -> InteractionResult:
        if msg.deleted:
            raise FakeDiscordError(f"{label}: the message was deleted")
        channel = self._channels[msg.channel_id]
        dm = channel.is_dm
        invoker, member = self._invoker(who, dm)
        if msg.ephemeral and msg.interaction_metadata is not None:
            owner = int(msg.interaction_metadata["user"]["id"])
            if owner != invoker.id:
                raise FakeDiscordError(
                    f"{label}: only the user who ran the command sees this ephemeral message"
                )
        inter = await self._start_interaction(
            MESSAGE_COMPONENT,
            data,
            user=invoker,
            member=member,
            channel=channel,
            label=label,
            message=msg,
        )
        return await self._await_response(inter, timeout=timeout, settle=settle)

    async def click(
        self,
        target: InteractionResult | FakeMessage,
        button: str,
        *,
        user: Any = None,
        timeout: float | None = None,
        settle: float | None = None,
    ) -> InteractionResult:
        """Click a button (by custom_id or label) on a message the bot sent.

        `target` is a command result (its messages are searched) or a FakeMessage (e.g. from
        fake.dms(...)). `user` defaults to whoever ran the command.
        """
        if isinstance(target, InteractionResult):
            msg, btn = target.find_button(button)
            who = user if user is not None else target.interaction.user
        else:
            msg, btn = target, target.button(button)
            who = user
        if who is None:
            raise FakeDiscordError("click(): pass user=")
        if btn.url:
            raise FakeDiscordError(
                f"button {button!r} is a link to {btn.url}; clients just open it"
            )
        if btn.disabled:
            raise FakeDiscordError(
                f"button {button!r} is disabled; Discord does not let users click it"
            )
        data = {"custom_id": btn.custom_id, "component_type": 2}
        return await self._component_interaction(
            msg,
            data,
            who=who,
            label=f"click {btn.label or btn.custom_id!r}",
            timeout=timeout,
            settle=settle,
        )

    async def select(
        self,
        target: InteractionResult | FakeMessage,
        custom_id: str,
        values: list[str],
        *,
        user: Any = None,
        timeout: float | None = None,
        settle: float | None = None,
    ) -> InteractionResult:
        """Pick `values` in a string select menu."""
        msgs = target.messages if isinstance(target, InteractionResult) else [target]
        found = [(m, s) for m in msgs for s in m.selects if s.custom_id == custom_id]
        if not found:
            raise FakeDiscordError(f"no select menu {custom_id!r}")
        msg, sel = found[0]
        if sel.type != 3:
            raise FakeDiscordError("only string selects are supported")
        offered = {v for _, v in sel.options}
        if not set(values) <= offered or not sel.min_values <= len(values) <= sel.max_values:
            raise FakeDiscordError(
                f"the client would not allow values {values} (offered {offered})"
            )
        who = (
            user
            if user is not None
            else (target.interaction.user if isinstance(target, InteractionResult) else None)
        )
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return await self._component_interaction(
            msg,
            data,
            who=who,
            label=f"select {custom_id!r}={values}",
            timeout=timeout,
            settle=settle,
        )

    async def submit_modal(
        self,
        target: InteractionResult,
        values: dict[str, str],
        *,
        user: Any = None,
        timeout: float | None = None,
        settle: float | None = None,
    ) -> InteractionResult:
        """Fill in and submit the modal the bot opened in `target` (text inputs by custom_id)."""
        modal = target.modal
        if modal is None:
            raise FakeDiscordError(f"{target.interaction.label} did not open a modal")
        used: set[str] = set()

        def answer(component: dict[str, Any]) -> dict[str, Any] | None:
            if component.get("type") == 1:
                inner = [a for c in component.get("components", []) if (a := answer(c)) is not None]
                return {"type": 1, "components": inner}
            if component.get("type") == 18:
                inner_c = answer(component["component"])
                return {"type": 18, "id": component.get("id"), "component": inner_c}
            if component.get("type") == 4:
                cid = component["custom_id"]
                value = values.get(cid, component.get("value") or "")
                if component.get("required", True) and not value:
                    raise FakeDiscordError(f"modal field {cid!r} is required")
                used.add(cid)
                return {"type": 4, "id": component.get("id"), "custom_id": cid, "value": value}
            return None

        components = [a for c in modal.get("components", []) if (a := answer(c)) is not None]
        unknown = set(values) - used
        if unknown:
            raise FakeDiscordError(f"the modal has no text inputs {sorted(unknown)}")
        inter0 = target.interaction
        msg = inter0.target_message if inter0.type == MESSAGE_COMPONENT else None
        who = user if user is not None else inter0.user
        invoker, member = self._invoker(who, inter0.channel.is_dm)
        data = {"custom_id": modal["custom_id"], "components": components}
        inter = await self._start_interaction(
            MODAL_SUBMIT,
            data,
            user=invoker,
            member=member,
            channel=inter0.channel,
            label=f"modal {modal.get('title')!r}",
            message=msg,
        )
        return await self._await_response(inter, timeout=timeout, settle=settle)
