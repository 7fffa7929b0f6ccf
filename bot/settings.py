"""Typed settings read from the environment and an optional `.env` file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # `DEV_GUILD_ID=` left blank in .env means "not set", not "invalid".
        env_ignore_empty=True,
    )

    # At least one front end: Discord (a token), Matrix (a homeserver), or both.
    discord_token: SecretStr | None = Field(default=None, min_length=1)
    # The client API's base URL (`https://matrix.uni.example`) and the bot's user id.
    matrix_homeserver: str | None = None
    matrix_user_id: str | None = None
    matrix_password: SecretStr | None = None
    matrix_access_token: SecretStr | None = None
    database_path: Path = Path("data/seminar.db")
    dev_guild_id: int | None = None
    log_level: LogLevel = "INFO"
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    # Touched while the bot is connected and the database answers; Docker's
    # HEALTHCHECK reads its age.
    heartbeat_path: Path | None = None
    heartbeat_interval_seconds: float = Field(default=30.0, gt=0)
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    # How long /submit waits for Discord to hand over an attachment before refusing.
    download_timeout_seconds: float = Field(default=60.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _blank_means_unset(cls, data: Any) -> Any:
        """`DISCORD_TOKEN="   "` is as unset as `DISCORD_TOKEN=`: a required setting is
        then reported missing, an optional one takes its default."""
        if isinstance(data, dict):
            return {
                key: value
                for key, value in data.items()
                if not (isinstance(value, str) and not value.strip())
            }
        return data

    @field_validator("matrix_homeserver")
    @classmethod
    def _homeserver_is_a_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("give the client API's base URL, e.g. https://matrix.uni.example")
        return value

    @field_validator("matrix_user_id")
    @classmethod
    def _user_id_is_a_matrix_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"@[^:\s]+:\S+", value):
            raise ValueError("give the bot's full user id, e.g. @seminar-bot:uni.example")
        return value


def without_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` less every variable the bot reads as a setting: a bot process started by
    a test or a benchmark gets only the settings given to it, whatever the shell holds."""
    names = {name.upper() for name in Settings.model_fields}
    return {key: value for key, value in environ.items() if key.upper() not in names}


class SettingsError(Exception):
    """Start-up cannot continue; the message names the setting, never its value."""


def load_settings(*, chat: bool = True) -> Settings:
    """The settings; with `chat`, at least one chat front end must be configured
    (the terminal front end needs none)."""
    try:
        settings = Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read the .env file: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        # The message pydantic gives mentions the expected type, never the
        # input itself, so a mistyped token is not echoed to the logs.
        raise SettingsError(f"invalid or missing setting {name}: {first['msg']}") from None
    if settings.matrix_homeserver is not None:
        if settings.matrix_user_id is None:
            raise SettingsError("missing setting MATRIX_USER_ID (needed with MATRIX_HOMESERVER)")
        if settings.matrix_password is None and settings.matrix_access_token is None:
            raise SettingsError(
                "missing setting MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN "
                "(one is needed with MATRIX_HOMESERVER)"
            )
    if chat and settings.discord_token is None and settings.matrix_homeserver is None:
        raise SettingsError(
            "missing setting DISCORD_TOKEN or MATRIX_HOMESERVER: configure at least one "
            "chat platform (or try `make demo`, which needs neither)"
        )
    return settings
