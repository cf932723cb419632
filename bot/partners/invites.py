"""One-time invitation links: a 128-bit token in the link, only its hash in the database."""

from __future__ import annotations

import hashlib
import secrets

INVITE_DAYS = 14
PREFIX = "p_"  # the /start parameter of a partner invitation


def new_token() -> str:
    return secrets.token_urlsafe(16)  # 128 bits, 22 characters: within Telegram's 64 for /start


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(start_parameter: str) -> str | None:
    """The token of a /start parameter that is a partner invitation, else None."""
    if not start_parameter.startswith(PREFIX):
        return None
    token = start_parameter[len(PREFIX):]
    return token if 10 <= len(token) <= 60 and all(c.isalnum() or c in "-_" for c in token) else None
