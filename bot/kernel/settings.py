"""Configuration from the environment (prefix MSOBOT_) and an optional `.env` file."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "MSOBOT_"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    database: Path = Path("data/msobot.sqlite3")
    staff_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    staff_chat_id: int | None = None  # a group that receives the digest as well
    default_language: str = "de"
    # The languages users may choose and Telegram's language is matched to: those the office had
    # reviewed. Empty: every language with a catalog. The default language is always offered.
    languages: Annotated[list[str], NoDecode] = Field(default_factory=list)
    staff_language: str = "de"
    # The bot's Telegram username, for invitation links made outside the bot (`msobot partner
    # invite`); the running bot learns it from Telegram.
    bot_username: str | None = None
    timezone: str = "Europe/Berlin"
    questionnaire: Path | None = None
    locales_dir: Path | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # The office's web view (bot/web), served by `msobot run` beside Telegram: where it listens
    # (port 0: off), and the address staff open, behind the city's https proxy (an https address
    # makes the session cookie Secure).
    web_listen: str = "127.0.0.1"
    web_port: int = Field(default=8081, ge=0, le=65535)
    web_url: str | None = None
    log_level: str = "INFO"
    # No unsolicited messages (new offers, introductions) in these local hours; "" for none.
    quiet_hours: str = "21:00-08:00"
    # When the weekly digest goes to staff (local time): weekday and HH:MM.
    digest_time: str = "mon 08:00"
    # A topic is an "uncovered need" in the digest from this many associations on.
    uncovered_min: int = Field(default=2, ge=1)
    # One friendly reminder this many days after an unfinished questionnaire was last touched.
    reminder_days: int = Field(default=3, ge=1, le=365)
    # Unfinished questionnaires untouched this many days are deleted (data minimisation).
    retention_days: int = Field(default=365, ge=1, le=3650)
    # Flood protection per user: this many updates at once, then this many per second.
    throttle_burst: int = Field(default=10, ge=1)
    throttle_rate: float = Field(default=1.0, gt=0)
    # Seconds between two new messages (or two edits) to one chat: Telegram's "about one a second".
    chat_interval: float = Field(default=1.0, ge=0)
    # Nightly copies of the database (7 daily, 4 weekly), and one before every migration.
    backup_dir: Path | None = None
    # Completed questionnaires are deleted (with the association's data) this many days after
    # the last change; unfinished ones after `retention_days`.
    retention_completed_days: int = Field(default=1095, ge=30, le=3650)
    # Who is responsible for the data (Art. 13 GDPR); `msobot run` refuses to start without them.
    controller: str | None = None
    controller_contact: str | None = None
    dpo_contact: str | None = None
    # Whom an association can talk to at the office (`/help`).
    office_contact: str = ("Stadt Wuppertal, Ressort Zuwanderung und Integration, Johannes-Rau-Platz 1, "
                           "42275 Wuppertal")
    supervisory_authority: str = ("Landesbeauftragte für Datenschutz und Informationsfreiheit Nordrhein-Westfalen "
                                  "(LDI NRW), Kavalleriestraße 2–4, 40213 Düsseldorf, poststelle@ldi.nrw.de")

    def office_url(self) -> str:
        """The web view's address as staff open it, without a trailing slash."""
        return (self.web_url or f"http://{self.web_listen}:{self.web_port}").rstrip("/")

    def backups(self) -> Path:
        """MSOBOT_BACKUP_DIR, else `backups/` next to the database."""
        return self.backup_dir or self.database.parent / "backups"

    @field_validator("staff_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("expected comma-separated Telegram user ids, e.g. 12345,67890")
            return [int(p) for p in parts]
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _split_languages(cls, value: object) -> object:
        if isinstance(value, str):
            codes = [p.strip().lower() for p in value.split(",") if p.strip()]
            if not all(c.isalpha() and 2 <= len(c) <= 3 for c in codes):
                raise ValueError("expected comma-separated language codes, e.g. de,tr,ar")
            return codes
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone '{value}' (use an IANA name like Europe/Berlin)") from exc
        return value

    @field_validator("default_language", "staff_language")
    @classmethod
    def _language_code(cls, value: str) -> str:
        if not value.isalpha() or not 2 <= len(value) <= 3:
            raise ValueError("expected a language code like de, tr or ar")
        return value.lower()

    @field_validator("telegram_api_url", "web_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("expected a URL like https://api.telegram.org/bot")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{32,256}", value.get_secret_value()):
            raise ValueError("use 32-256 characters of A-Z, a-z, 0-9, _ and - (a short secret can be guessed); "
                             "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        if value.strip() and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError("expected HH:MM-HH:MM, e.g. 21:00-08:00, or empty for none")
        return value.strip()

    @field_validator("digest_time")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        parse_digest_time(value)
        return value.strip().lower()

    def digest_schedule(self) -> tuple[int, time]:
        """(weekday, local time), Monday = 0."""
        return parse_digest_time(self.digest_time)

    def quiet_window(self) -> tuple[time, time] | None:
        if not self.quiet_hours:
            return None
        start, end = self.quiet_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def token(self) -> str | None:
        return self.telegram_token.get_secret_value() if self.telegram_token else None


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_digest_time(value: str) -> tuple[int, time]:
    match = re.fullmatch(r"\s*([a-z]{3,9})\s+([01]?\d|2[0-3]):([0-5]\d)\s*", value.lower())
    days = [i for i, name in enumerate(WEEKDAYS) if match and name.startswith(match.group(1))]
    if match is None or len(days) != 1:
        raise ValueError("expected a weekday and a time, e.g. 'mon 08:00' or 'friday 14:30'")
    return days[0], time(int(match.group(2)), int(match.group(3)))


def load_settings() -> Settings:
    """Build the settings once, turning validation errors into one line per variable."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{ENV_PREFIX}{field.upper()}: {message}")
        raise ConfigError("; ".join(lines)) from None
