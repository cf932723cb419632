"""Links that open the bot with a /start parameter (`https://t.me/<bot>?start=...`): a partner
contact's invitation, a board member's.

The bot's @username is what Telegram says it is (getMe), and the running bot learns it only
after it has taken the database's lock and opened its services, so the services share this one
object, made with them, and the Telegram adapter tells it the name once at start. Until then
(and in the console or the command line) MSOBOT_BOT_USERNAME, or a placeholder, stands in."""

from __future__ import annotations

import hashlib
import secrets


class StartLinks:
    def __init__(self, configured: str | None = None) -> None:
        self._username = configured

    def known_as(self, username: str | None) -> None:
        """What Telegram said the bot is called (at start)."""
        if username:
            self._username = username

    def link(self, parameter: str) -> str:
        return f"https://t.me/{self._username or '<bot>'}?start={parameter}"


# One-time invitation tokens (a partner contact's, a board member's): 128 bits in the link, only
# their hash in the database.

def new_token() -> str:
    return secrets.token_urlsafe(16)  # 128 bits, 22 characters: within Telegram's 64 for /start


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_token(start_parameter: str, prefix: str) -> str | None:
    """The token of a /start parameter that starts with `prefix` (one kind of invitation), else
    None for anything else or malformed."""
    if not start_parameter.startswith(prefix):
        return None
    token = start_parameter[len(prefix):]
    return token if 10 <= len(token) <= 60 and all(c.isalnum() or c in "-_" for c in token) else None
