"""A local fake Discord (HTTP API + gateway) for end-to-end tests of the real bot process.

fake = FakeDiscord(); await fake.start()
# run the bot with fake.env(), then:
await fake.wait_until_ready()
resp = await fake.command("prefs show", user=fake.add_member("alice"))
"""

from .interactions import (
    CommandUnavailable,
    FakeDiscordError,
    FakeInteraction,
    InteractionFailed,
    InteractionResult,
    OptionError,
    UnknownCommand,
)
from .models import (
    Button,
    ChannelType,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    Injection,
    Perm,
    RecordedRequest,
    Select,
    snowflake,
)
from .server import ApiError, FakeDiscord

__all__ = [
    "ApiError",
    "Button",
    "ChannelType",
    "CommandUnavailable",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeDiscordError",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeMessage",
    "FakeRole",
    "FakeUser",
    "Injection",
    "InteractionFailed",
    "InteractionResult",
    "OptionError",
    "Perm",
    "RecordedRequest",
    "Select",
    "UnknownCommand",
    "snowflake",
]
