"""The REST routes of the fake, one module per resource (mixed into `FakeDiscord`)."""

from .callbacks import CallbackRoutes
from .channels import ChannelRoutes
from .commands import CommandRoutes
from .events import EventRoutes
from .guild import GuildRoutes
from .messages import MessageRoutes
from .users import UserRoutes

__all__ = [
    "CallbackRoutes",
    "ChannelRoutes",
    "CommandRoutes",
    "EventRoutes",
    "GuildRoutes",
    "MessageRoutes",
    "UserRoutes",
]
