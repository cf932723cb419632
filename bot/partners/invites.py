"""One-time invitation links: a 128-bit token in the link, only its hash in the database."""

from __future__ import annotations

from bot.kernel.links import new_token, start_token, token_hash

INVITE_DAYS = 14
PREFIX = "p_"  # the /start parameter of a partner invitation

__all__ = ["INVITE_DAYS", "PREFIX", "new_token", "token_hash", "token_of"]


def token_of(start_parameter: str) -> str | None:
    """The token of a /start parameter that is a partner invitation, else None."""
    return start_token(start_parameter, PREFIX)
