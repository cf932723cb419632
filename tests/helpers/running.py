"""Run the real Application against the stub Bot API, inside the test's event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import SecretStr
from telegram import Update
from telegram.ext import TypeHandler
from telegram.request import BaseRequest

from bot.kernel.settings import Settings
from conversations.app import build_application
from conversations.context import BotApplication
from conversations.receiving import Poller
from tests.helpers.bot_api_stub import StubBotAPI


def bot_settings(settings: Settings, api: StubBotAPI) -> Settings:
    return settings.model_copy(update={"telegram_api_url": api.url,
                                       "telegram_token": SecretStr(api.token)})


class Processed:
    """Which updates the Application has finished with: an observer in the last handler group."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self._changed = asyncio.Condition()

    async def mark(self, update: object, _context: object) -> None:
        if isinstance(update, Update):
            async with self._changed:
                self.ids.add(update.update_id)
                self._changed.notify_all()

    async def wait(self, update_id: int, timeout: float = 10.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: update_id in self.ids), timeout)


@asynccontextmanager
async def running_bot(settings: Settings, api: StubBotAPI, processed: Processed | None = None,
                      request: BaseRequest | None = None) -> AsyncIterator[BotApplication]:
    """Long polling over HTTP, as `msobot run` does, until the block ends. `request`: other
    timeouts than python-telegram-bot's (the timeout tests)."""
    application = build_application(bot_settings(settings, api), request=request)
    if processed is not None:
        application.add_handler(TypeHandler(Update, processed.mark), group=1_000_000)
    await application.initialize()
    assert application.post_init is not None and application.post_shutdown is not None
    poller: Poller | None = None
    try:
        await application.post_init(application)
        await application.start()
        poller = Poller(application, application.bot_data["inbox"], on_fatal=_fatal, timeout=1)
        await poller.start()
        yield application
    finally:
        if poller is not None:
            await poller.stop()
        if application.running:
            await application.stop()
        await application.post_shutdown(application)
        await application.shutdown()


def _fatal(problem: str) -> None:
    logging.getLogger(__name__).error("the bot gave up: %s", problem)


async def digest_delivered(settings: Settings, limit: float = 60.0) -> None:
    """The running bot's catch-up of the week's digest to staff (built in a process of its own,
    so it reaches the staff chat a few seconds after start) has been sent: a test that reads
    what the staff chat got last starts after it, not in a race with it."""
    import sqlite3
    import time

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with sqlite3.connect(settings.database) as db:
            claimed = db.execute("SELECT COUNT(*) FROM digests").fetchone()[0]
            waiting = db.execute("SELECT COUNT(*) FROM outbox WHERE purpose = 'digest' "
                                 "AND state IN ('pending', 'sending')").fetchone()[0]
        if claimed and not waiting:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the week's digest did not reach the staff")
