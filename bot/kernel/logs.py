"""Logging that is safe to keep: no bot token and no user content in any line.

The token is part of every Bot API URL, so any library that logs a URL or an error with one
would leak it; the `Redactor` filter blanks it wherever it appears. User content (answers,
typed texts) only travels in request and update payloads, which python-telegram-bot and httpx
log at DEBUG: those loggers are held at INFO whatever level the operator chooses.
"""

from __future__ import annotations

import logging
from typing import TextIO

# Libraries whose DEBUG lines contain whole updates, request or SQL parameters (user texts).
PAYLOAD_LOGGERS = ("telegram", "httpx", "httpcore", "hpack", "aiosqlite")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Redactor(logging.Filter):
    """Replaces secrets in the finished message and traceback of every record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


def setup_logging(level: int | str, secrets: list[str], stream: TextIO | None = None) -> logging.Handler:
    """One handler on the root logger with the redactor; returns it (tests read its stream)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "msobot", False):
            root.removeHandler(old)
    handler.msobot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    quiet = max(logging.INFO, root.level)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(quiet if name in ("telegram", "aiosqlite") else max(logging.WARNING, quiet))
    return handler
