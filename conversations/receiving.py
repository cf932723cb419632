"""How updates come in: stored in the durable inbox first, then handed to the Application.

Polling is a getUpdates loop of our own: the offset that confirms a batch to Telegram moves
only after the batch is committed to the inbox, so an update Telegram considers delivered is
always in the database. At start, updates stored but not handled (the process died while they
waited in the queue, in a user's turn or inside a handler) are handed over first, in order.
The processor marks each update handled once its handler has run, if its work did not already
(the claim in the work's own transaction)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence

from telegram import Update
from telegram.error import Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.kernel.tasks import cancelled
from bot.storage import Store
from bot.storage.inbox import InboxStore
from conversations.context import BotApplication
from conversations.delivery import retry_after_seconds
from conversations.throttle import sender_of

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates open when there is nothing new
MAX_PAUSE = 30.0
CONFLICT_LIMIT = 60.0  # seconds of 409 Conflict (another getUpdates for this token) before giving up


class Inbox:
    def __init__(self, application: BotApplication, store: Store) -> None:
        self.application = application
        self.rows = InboxStore(store)

    async def take(self, updates: Sequence[Update]) -> list[Update]:
        """Commit the updates to the inbox, then queue the ones not seen before."""
        new = set(await self.rows.record([(u.update_id, sender_of(u), u.to_json()) for u in updates]))
        fresh = [u for u in updates if u.update_id in new]
        for update in fresh:
            await self.application.update_queue.put(update)
        return fresh

    async def replay(self) -> int:
        """Queue what a stopped or crashed process left unhandled; how many."""
        count = 0
        for waiting in await self.rows.waiting():
            if waiting.payload is None:  # its sender deleted their data meanwhile
                await self.rows.finish(waiting.update_id)
                continue
            update = Update.de_json(json.loads(waiting.payload), self.application.bot)
            await self.application.update_queue.put(update)
            count += 1
        if count:
            log.info("%d updates received before the last stop are handled now", count)
        return count

    async def finish(self, update: object) -> None:
        if isinstance(update, Update):
            try:
                await self.rows.finish(update.update_id)
            except Exception:
                log.exception("could not mark update %s handled", update.update_id)


class Poller:
    """Long polling into the inbox until `stop()`; `on_fatal` hears why it gave up."""

    def __init__(self, application: BotApplication, inbox: Inbox, on_fatal: Callable[[str], None],
                 timeout: int = POLL_TIMEOUT, conflict_limit: float = CONFLICT_LIMIT) -> None:
        self.application = application
        self.conflict_limit = conflict_limit
        self.inbox = inbox
        self.on_fatal = on_fatal
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.application.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._run(), name="polling")

    async def stop(self) -> None:
        await cancelled(self._task)
        self._task = None

    async def _run(self) -> None:
        bot = self.application.bot
        offset: int | None = None
        pause = 1.0
        conflict_since: float | None = None
        while True:
            try:
                updates = await bot.get_updates(offset=offset, timeout=self.timeout,
                                                allowed_updates=Update.ALL_TYPES)
            except (InvalidToken, Forbidden) as exc:
                self.on_fatal(f"Telegram refused the token: {exc.message}")
                return
            except Conflict as exc:
                conflict_since = conflict_since or time.monotonic()
                if time.monotonic() - conflict_since > self.conflict_limit:
                    self.on_fatal("another program receives this bot's updates (409 Conflict: a second "
                                  "instance on another database, or a webhook); stopping")
                    return
                log.error("409 Conflict from Telegram: %s", exc.message)
                await asyncio.sleep(min(pause, self.conflict_limit))
                pause = min(MAX_PAUSE, pause * 2)
                continue
            except RetryAfter as exc:
                await asyncio.sleep(retry_after_seconds(exc))
                continue
            except (NetworkError, TelegramError) as exc:  # timeouts, 5xx, a dropped connection
                log.warning("getUpdates failed (%s); trying again in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(MAX_PAUSE, pause * 2)
                continue
            pause, conflict_since = 1.0, None
            if not updates:
                continue
            try:
                await self.inbox.take(updates)
            except Exception:
                log.exception("could not store %d updates; they come again", len(updates))
                await asyncio.sleep(pause)
                continue  # the offset stays: Telegram delivers them again
            offset = updates[-1].update_id + 1  # confirmed with the next call
