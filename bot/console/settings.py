"""The bot's settings as the terminal reads them: the same names, no Discord token."""

from __future__ import annotations

from pydantic import SecretStr, ValidationError

from bot.settings import Settings, SettingsError


class ConsoleSettings(Settings):
    # The terminal talks to no chat server; every other setting means the same.
    discord_token: SecretStr = SecretStr("")


def load_console_settings() -> ConsoleSettings:
    try:
        return ConsoleSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"invalid setting {name}: {first['msg']}") from None
