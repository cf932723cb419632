"""The bot folds the write-ahead log into the database file in the background, never inside a
reply's COMMIT.

SQLite's default folds the log in (a checkpoint) inside whichever COMMIT finds it longer than
1000 pages: that COMMIT copies about 4 MB into the database file and syncs it, and the write
transaction that happened to cross the line held the write lock for tens of milliseconds (the
longest in the stall benchmark, 70-150 ms, were such commits). The single writer (the bot,
holding the database's lock) therefore turns the automatic checkpoint off on its own
connection and runs PASSIVE checkpoints from a connection of their own, on their own thread,
between its transactions: a PASSIVE checkpoint copies what no reader still needs without
taking the write lock, and the writer starts the log again at its beginning once all of it is
in the file. Commands run without a bot keep SQLite's default (nothing else would fold in).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import aiosqlite

from bot.kernel.tasks import cancelled
from bot.storage.unit import UnitOfWork

log = logging.getLogger(__name__)

INTERVAL = 0.5  # seconds between checkpoints: the log stays a few hundred pages at most under load
DEFAULT_AUTOCHECKPOINT = 1000  # SQLite's, in pages
RESTART_AT = 1000  # pages in the log: from here the last pages are copied between transactions


class LogFolder:
    """Started by the bot once it holds the database's lock; stopped before it lets go."""

    def __init__(self, store: UnitOfWork, path: Path, interval: float = INTERVAL) -> None:
        self.store = store
        self.path = path
        self.interval = interval
        self.folded = 0  # checkpoints that copied every frame (for tests and `msobot status`)
        self._db: aiosqlite.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._db = await aiosqlite.connect(str(self.path), isolation_level=None)
        await self._db.execute("PRAGMA busy_timeout = 0")  # never wait: the next round tries again
        await self._autocheckpoint(0)
        self._task = asyncio.create_task(self._fold(), name="log folding")

    async def stop(self) -> None:
        await cancelled(self._task)
        self._task = None
        if self._db is not None:
            await self._db.close()
            self._db = None
        with contextlib.suppress(Exception):  # the store may be closing already
            await self._autocheckpoint(DEFAULT_AUTOCHECKPOINT)

    async def _autocheckpoint(self, pages: int) -> None:
        async with self.store.single_statement():
            await self.store.db.execute(f"PRAGMA wal_autocheckpoint = {pages}")

    async def fold_once(self) -> bool:
        """True when the whole log is in the database file. The bulk is copied while the bot
        goes on writing. The writer starts the log again at its beginning only when a
        transaction of its begins after a complete checkpoint; under steady load there is
        always a newer frame, so once the log is long the few pages written during the bulk
        copy are copied between two of the bot's transactions, and the next one starts the
        log again (the log stays near `RESTART_AT` pages instead of growing without bound)."""
        complete, frames = await self._checkpoint()
        if frames < RESTART_AT:
            return complete
        async with self.store.single_statement():
            complete, _frames = await self._checkpoint()
        return complete

    async def _checkpoint(self) -> tuple[bool, int]:
        """Whether every frame was copied, and how many the log holds."""
        assert self._db is not None
        rows = list(await self._db.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)"))
        busy, frames, done = rows[0] if rows else (1, -1, -1)
        complete = busy == 0 and frames == done
        self.folded += complete
        return complete, frames

    async def _fold(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.fold_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # a busy file, a disk hiccup: the next round tries again
                log.exception("folding the write-ahead log in failed; trying again")
