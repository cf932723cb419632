"""Logging that is safe to keep: no bot token and no user content in any line.

The token is part of every Bot API URL, so any library that logs a URL or an error with one
would leak it; the `Redactor` filter blanks it wherever it appears. User content (answers,
typed texts) only travels in request and update payloads, which python-telegram-bot and httpx
log at DEBUG: those loggers are held at INFO whatever level the operator chooses.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Any, TextIO

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
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info:  # made anew: another handler may have cached the full text already
            record.exc_text = safe_traceback(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


# Errors whose messages are the program's or a library's own words, never a user's text (SQLite's too:
# `_sqlite_error`).
_SAFE_MESSAGES: tuple[type[BaseException], ...] = (OSError, TimeoutError, asyncio.CancelledError,
                                                     ImportError, NotImplementedError)


def safe_traceback(exc_info: Any) -> str:
    """The traceback with every exception's message withheld unless it is known to hold none of
    a user's text (a ValueError about typed input would quote it); where and what stays."""
    _type, error, _tb = exc_info
    if not isinstance(error, BaseException):
        return logging.Formatter().formatException(exc_info)
    text = "".join(traceback.TracebackException.from_exception(error).format()).rstrip("\n")
    return _withhold(error, text)


def _withhold(error: BaseException, text: str) -> str:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if not isinstance(current, _SAFE_MESSAGES) and not _sqlite_error(current) and not _telegram_error(current):
            message = str(current)
            if message:
                name = type(current).__qualname__
                module = type(current).__module__
                full = name if module in ("builtins", "__main__") else f"{module}.{name}"
                text = text.replace(f"{full}: {message}", f"{full}: [message withheld: it may hold user text]")
        current = current.__cause__ or current.__context__
    return text


def _sqlite_error(error: BaseException) -> bool:
    """sqlite3.Error or a kind of it (SQLite's own words), known by name: the driver is storage's."""
    return any(kind.__module__ == "sqlite3" and kind.__qualname__ == "Error" for kind in type(error).__mro__)


def _telegram_error(error: BaseException) -> bool:
    return type(error).__module__.startswith("telegram.")


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
