"""The bot's own texts in Telegram: each chat's command menu, and what a person reads before
`/start` (the bot's description and short description).

Telegram keeps these per language only for two-letter ISO 639-1 codes, and picks one by the
language of the person's Telegram app. Sorani (`ckb`) has no such code, and many people chose
another language in the bot than their app's, so each person's chat gets a menu of its own
(`BotCommandScopeChat`) in the language they chose, when they choose it; staff and partner
contacts get theirs with their commands. The language-wide menus and descriptions remain for
people who have not chosen yet.

All of this is housekeeping: a call Telegram refuses or that fails is logged once with its
reason and tried again later (`retry`, every `RETRY_SECONDS`); it never stops the bot or a
reply.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import RetryAfter, TelegramError

from bot.kernel.i18n import Translator
from bot.partners.service import PARTNER_MENU
from bot.services import Services
from bot.staff.service import STAFF_MENU
from bot.survey.menu import DESCRIPTION, SHORT_DESCRIPTION, USER_MENU

log = logging.getLogger(__name__)

RETRY_SECONDS = 60.0

Call = Callable[[], Awaitable[object]]


def telegram_code(code: str) -> str | None:
    """The code Telegram takes for a language's menu and description, or None (Sorani: `ckb`)."""
    return code if len(code) == 2 and code.isascii() and code.isalpha() and code.islower() else None


def commands(entries: list[tuple[str, str]], t: Translator) -> list[BotCommand]:
    return [BotCommand(name, t.gettext(description)) for name, description in entries]


class Housekeeping:
    """Menus and descriptions, set at start and per person; what failed waits for `retry`."""

    def __init__(self, bot: Bot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.pending: dict[str, Call] = {}  # what is still to do, by what it is
        self._reported: set[str] = set()

    async def start(self) -> None:
        """The menus and descriptions for every language Telegram has a code for, the default
        ones, and the chat menus of staff and partner contacts."""
        catalogs = self.services.catalogs
        for code in catalogs.languages:
            if telegram_code(code) is not None:
                await self._language(code, code)
        await self._language(catalogs.default, None)
        for chat_id in self.services.digest.recipients:  # staff members and the staff group
            await self._chat(chat_id, self._staff_menu())
        for contact in await self.services.partners.data.contacts():
            if contact.active:
                await self.person(contact.user_id, contact.user_id, contact.language)

    async def _language(self, code: str, telegram: str | None) -> None:
        t = self.services.catalogs.translator(code)
        where = f"language {telegram}" if telegram else "the default language"
        bot = self.bot
        await self.attempt(f"the command menu for {where}",
                           lambda: bot.set_my_commands(commands(USER_MENU, t), language_code=telegram))
        await self.attempt(f"the description for {where}",
                           lambda: bot.set_my_description(t.gettext(DESCRIPTION), language_code=telegram))
        await self.attempt(f"the short description for {where}",
                           lambda: bot.set_my_short_description(t.gettext(SHORT_DESCRIPTION),
                                                                language_code=telegram))

    async def person(self, chat_id: int, user_id: int, language: str) -> None:
        """The menu of one person's chat in `language`, with the commands of their role."""
        await self._chat(chat_id, self.menu(user_id, language))

    async def _chat(self, chat_id: int, menu: list[BotCommand]) -> None:
        scope = BotCommandScopeChat(chat_id)
        await self.attempt(f"the command menu of chat {chat_id}",
                           lambda: self.bot.set_my_commands(menu, scope=scope))

    def _staff_menu(self) -> list[BotCommand]:
        staff = self.services.staff.voice.t
        return [*commands(STAFF_MENU, staff), *commands(USER_MENU, self.services.catalogs.translator(staff.code))]

    def menu(self, user_id: int, language: str) -> list[BotCommand]:
        services = self.services
        if services.staff.is_staff(user_id):
            return self._staff_menu()
        if services.partners.knows(user_id):
            return commands(PARTNER_MENU, services.partners.screens["en" if language == "en" else "de"].voice.t)
        return commands(USER_MENU, services.catalogs.translator(language))

    async def attempt(self, what: str, call: Call) -> bool:
        """Do it now; if Telegram refuses or fails, log it (once) and keep it for `retry`. A newer
        call for the same thing replaces a waiting one."""
        try:
            await call()
        except RetryAfter as exc:
            self._keep(what, call, f"Telegram asks to wait {exc.retry_after}")
            return False
        except TelegramError as exc:
            self._keep(what, call, exc.message)
            return False
        self.pending.pop(what, None)
        if what in self._reported:
            log.info("set %s after all", what)
            self._reported.discard(what)
        return True

    def _keep(self, what: str, call: Call, reason: str) -> None:
        self.pending[what] = call
        if what not in self._reported:
            self._reported.add(what)
            log.warning("could not set %s: %s; trying again later", what, reason)

    async def retry(self) -> None:
        for what, call in list(self.pending.items()):
            if self.pending.get(what) is call:
                await self.attempt(what, call)
