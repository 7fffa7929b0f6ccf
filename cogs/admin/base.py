"""The base of the /admin mixins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

# Each area's commands live in a mixin; only the assembled `Admin` class is a
# Cog at run time (discord.py collects the mixins' commands through the MRO).
# For the type checker the mixins are Cogs, which app_commands' decorators expect.
if TYPE_CHECKING:
    AdminMixin = commands.Cog
else:
    AdminMixin = object
