"""The conversation in a terminal: the same survey, with buttons shown as numbered choices.

For trying the bot without a Telegram token, and for driving it from a script's stdin. With a
role (`msobot chat --as staff`, `--as partner awo`) it routes every command, button and typed
text through the routing table as the Telegram adapter does, so staff commands and a partner
contact's /needs, /myworkshops and workshop proposals can be tried too.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.kernel.actions import Kind
from bot.kernel.files import private_file
from bot.kernel.outcome import Button, Document, Outcome, Screen
from bot.kernel.routes import Role
from bot.kernel.settings import Settings
from bot.operations.lease import running_bot
from bot.outbox import OutboxWorker, Parcel
from bot.services import Services
from bot.storage.outbox import Only
from bot.survey.turns import Visitor

CONSOLE_USER_ID = 1
_NAV_COMMANDS = {Kind.BACK: "/back", Kind.SKIP: "/skip", Kind.KEEP: "/keep"}


def console_settings(settings: Settings) -> Settings:
    """The person at the keyboard is awake: no quiet hours, so what the bot would hold back until
    the morning (an introduction, a new offer) arrives while they try it."""
    return settings.model_copy(update={"quiet_hours": ""})


class ConsoleChat:
    """Buttons of everything shown since the last input are numbered together, so a choice
    among several suggestion cards is one number."""

    def __init__(self, services: Services, user_id: int = CONSOLE_USER_ID,
                 language_code: str | None = None, stdin: TextIO = sys.stdin,
                 stdout: TextIO = sys.stdout, files: Path | None = None, role: Role = Role.ASSOCIATION) -> None:
        self.services = services
        self.role = role
        self.service = services.survey
        self.visitor = Visitor(user_id=user_id, language_code=language_code)
        self.stdin = stdin
        self.stdout = stdout
        self.files = files or services.settings.database.parent / "files"
        self.live: list[tuple[Button, bool]] = []  # (button, reached by number)
        self.live_expects_text = True
        self._batch: list[tuple[Button, bool]] = []
        self._batch_started = False
        self._batch_expects_text = True
        self._typing_hint = ""
        # Only this user's messages, never another chat's (an introduction, the staff digest).
        self.outbox = OutboxWorker(services.store, self, services.composers.compose, chat_interval=0.0,
                                   rate=1000.0, only=Only(chat_id=user_id))

    async def send(self, chat_id: int, parcel: Parcel) -> None:
        """The outbox's transport: messages for this user are printed, files saved."""
        if parcel.screen is not None:
            self._screen(parcel.screen)
        elif parcel.document is not None:
            self._save(parcel.document)

    def _save(self, document: Document) -> None:
        """Files the bot sends land next to the database."""
        target = private_file(self.files / document.filename)
        target.write_bytes(document.content)
        self._print()
        self._print(f"📎 {document.caption or ''} → {target}")

    def _print(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def _gettext(self) -> Callable[[str], str]:
        language = await self.service.language_of(self.visitor)
        return self.service.catalogs.translator(language).gettext

    async def run(self) -> None:
        if await running_bot(self.services.store) is not None:
            # A bot runs on this database: pushes and reminders are its to send; here only the
            # replies to what is typed in this terminal.
            self.outbox.only = Only(chat_id=self.visitor.user_id, purposes=("reply",))
        _ = await self._gettext()
        self._print(_("MSO Assistant – console chat. Type a number to choose, /help for commands, "
                      "/quit to leave."))
        self._typing_hint = _("(type your answer)")
        if self.role is not Role.ASSOCIATION:
            await self._show(await self._handle("/start"))
        else:
            if await self.services.catalog_is_empty() and not await self._offer_sample(_):
                return
            await self._show(await self.service.start(self.visitor))
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
                await self._show(outcome)
        _ = await self._gettext()
        if await self.services.store.user(self.visitor.user_id) is None:  # deleted, or never agreed
            self._print(_("Goodbye."))
            return
        # `msobot` is on the PATH when installed; after `make run` it is in .venv/bin only
        command = "`msobot chat`" if shutil.which("msobot") else "`make run`"
        self._print(_("Goodbye. Your answers are saved; run {command} again to continue.").format(command=command))

    async def _offer_sample(self, _: Callable[[str], str]) -> bool:
        """On an empty catalog the questionnaire would end without a single suggestion: one key
        loads the shipped sample (marked as sample data). False when the input ended."""
        self._print()
        self._print(_("The catalog of workshops and partner organisations is empty, so the questionnaire "
                      "would end without suggestions."))
        self._print("  1) " + _("Load the Wuppertal sample catalog (invented dates and contacts: sample data)"))
        self._print("  2) " + _("Go on without it"))
        self._print("> ")
        line = await asyncio.to_thread(self.stdin.readline)
        if not line:
            return False
        if line.strip() == "1":
            await self.services.load_sample_catalog()
            self._print(_("Sample catalog loaded. It is sample data, not real offers."))
        return True

    async def _handle(self, line: str) -> Outcome:
        """What was typed, through the router as a private chat's update is in Telegram: a
        command, a button (its number, or /back, /skip, /keep), or text."""
        router, visitor, role, me = self.services.router, self.visitor, self.role, self.visitor.user_id
        button = self._button_for(line)
        if button is not None:
            outcome = await router.press(visitor, role, me, button.action, display_name="Console")
        elif line.startswith("/"):
            name, _space, argument = line.partition(" ")
            outcome = await router.command(visitor, role, me, name[1:].lower(), argument.strip())
        else:
            outcome = await router.text(visitor, role, me, line)
        return outcome or Outcome()  # a private chat: the router always answers

    def _button_for(self, line: str) -> Button | None:
        command = next((b for b, numbered in self.live if not numbered
                        and _NAV_COMMANDS.get(b.role) == line.lower()), None)
        if command is not None:
            return command
        numbered = [b for b, is_numbered in self.live if is_numbered]
        if line.isdigit() and 1 <= int(line) <= len(numbered):
            return numbered[int(line) - 1]
        return None

    async def _show(self, outcome: Outcome) -> None:
        self._batch, self._batch_started = [], False
        if outcome.toast:
            self._print(f"({outcome.toast})")
        if outcome.source is not None and (outcome.source.buttons or not outcome.messages):
            self._screen(outcome.source)  # Telegram edits the message; here it is printed again
        for screen in outcome.messages:
            self._screen(screen)
        for document in outcome.documents:
            self._save(document)
        await self.outbox.drain()
        if self._batch_started:
            self.live, self.live_expects_text = self._batch, self._batch_expects_text
        self._print(f"> {self._typing_hint}" if self.live_expects_text else "> ")

    def _screen(self, screen: Screen) -> None:
        """Print a screen; its buttons join this input's numbered choices."""
        self._print()
        self._print(screen.text)
        buttons = [b for row in screen.buttons for b in row]
        if screen.prompt or buttons:
            self._batch_started = True
            self._batch_expects_text = screen.expects_text
        for button in buttons:
            if screen.expects_text and button.role in _NAV_COMMANDS:
                self._batch.append((button, False))
                self._print(f"  {_NAV_COMMANDS[button.role]}  {button.label}")
            else:
                self._batch.append((button, True))
                self._print(f"  {sum(1 for _b, n in self._batch if n)}) {button.label}")
