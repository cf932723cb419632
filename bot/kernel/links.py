"""Links that open the bot with a /start parameter (`https://t.me/<bot>?start=...`): a partner
contact's invitation, a board member's.

The bot's @username is what Telegram says it is (getMe), and the running bot learns it only
after it has taken the database's lock and opened its services, so the services share this one
object, made with them, and the Telegram adapter tells it the name once at start. Until then
(and in the console or the command line) MSOBOT_BOT_USERNAME, or a placeholder, stands in."""

from __future__ import annotations


class StartLinks:
    def __init__(self, configured: str | None = None) -> None:
        self._username = configured

    def known_as(self, username: str | None) -> None:
        """What Telegram said the bot is called (at start)."""
        if username:
            self._username = username

    def link(self, parameter: str) -> str:
        return f"https://t.me/{self._username or '<bot>'}?start={parameter}"
