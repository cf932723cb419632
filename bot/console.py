"""The conversation in a terminal: the same survey, with buttons shown as numbered choices.

For trying the bot without a Telegram token, and for driving it from a script's stdin.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.actions import Kind
from bot.screens import Button, Outcome, Screen
from bot.survey import SurveyService, Visitor

CONSOLE_USER_ID = 1
_NAV_COMMANDS = {Kind.BACK: "/back", Kind.SKIP: "/skip", Kind.KEEP: "/keep"}
_COMMANDS = ("/start", "/help", "/answers", "/language", "/delete")


class ConsoleChat:
    def __init__(self, service: SurveyService, user_id: int = CONSOLE_USER_ID,
                 language_code: str | None = None, stdin: TextIO = sys.stdin,
                 stdout: TextIO = sys.stdout) -> None:
        self.service = service
        self.visitor = Visitor(user_id=user_id, language_code=language_code)
        self.stdin = stdin
        self.stdout = stdout
        self.live: Screen | None = None
        self._typing_hint = ""

    def _print(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def _gettext(self) -> Callable[[str], str]:
        language = await self.service.language_of(self.visitor)
        return self.service.catalogs.translator(language).gettext

    async def run(self) -> None:
        _ = await self._gettext()
        self._print(_("MSO Assistant – console chat. Type a number to choose, /help for commands, "
                      "/quit to leave."))
        self._typing_hint = _("(type your answer)")
        self._show(await self.service.start(self.visitor))
        while True:
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                break
            line = line.strip()
            if line in ("/quit", "/exit"):
                break
            if line:
                outcome = await self._handle(line)
                self._typing_hint = (await self._gettext())("(type your answer)")
                self._show(outcome)
        _ = await self._gettext()
        self._print(_("Goodbye. Your answers are saved; run `msobot chat` again to continue."))

    async def _handle(self, line: str) -> Outcome:
        service, visitor = self.service, self.visitor
        command = line.split()[0].lower()
        if command in _COMMANDS:
            handlers = {"/start": service.start, "/help": service.help, "/answers": service.show_answers,
                        "/language": service.choose_language, "/delete": service.ask_delete}
            return await handlers[command](visitor)
        button = self._button_for(line)
        if button is not None:
            return await service.press(visitor, button.action)
        return await service.text(visitor, line)

    def _button_for(self, line: str) -> Button | None:
        if self.live is None:
            return None
        buttons = [b for row in self.live.buttons for b in row]
        if self.live.expects_text:
            return next((b for b in buttons if _NAV_COMMANDS.get(b.role) == line.lower()), None)
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            return buttons[int(line) - 1]
        return None

    def _show(self, outcome: Outcome) -> None:
        if outcome.toast:
            self._print(f"({outcome.toast})")
        if outcome.source is not None and outcome.source.buttons:
            self._screen(outcome.source)
        for screen in outcome.messages:
            self._screen(screen)
        expects_text = self.live is None or self.live.expects_text
        self._print(f"> {self._typing_hint}" if expects_text else "> ")

    def _screen(self, screen: Screen) -> None:
        self._print()
        self._print(screen.text)
        buttons = [b for row in screen.buttons for b in row]
        if buttons or screen.prompt:
            self.live = screen
        if screen.expects_text:
            for button in buttons:
                self._print(f"  {_NAV_COMMANDS.get(button.role, '')}  {button.label}")
        else:
            for number, button in enumerate(buttons, start=1):
                self._print(f"  {number}) {button.label}")
