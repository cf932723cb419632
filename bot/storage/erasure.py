"""After an erasure: the count that dates every report, and emptying the write-ahead log.

Every erasure (an association's `/delete`, retention) adds one to a counter in `meta`, in its own
transaction. A digest or export reads the counter in the snapshot it is built from and carries it
to the outbox; one built before an erasure is out of date wherever the counter has moved on
since (rebuilt when queued, withheld when sent).

Erased rows are overwritten in the database file (secure_delete), but the write-ahead log keeps
the frames written before, and the database file keeps the old pages until the log is folded in.
SQLite can do neither while another connection holds a read transaction (a report's snapshot, a
backup, Litestream). So an erasure also notes in `meta` that the log still holds erased data; the
note goes when a TRUNCATE checkpoint has succeeded. Until then the checkpoint is tried again in
the background, and `msobot status` shows the erasure waiting for readers.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.unit import UnitOfWork

log = logging.getLogger(__name__)

ERASURES = "erasures"  # meta: erasures so far
WAITING = "erasure_waiting"  # meta: since when the log holds erased data (UTC ISO); absent once emptied
FIRST_RETRY = 0.05  # seconds; doubled after every busy checkpoint
LONGEST_RETRY = 5.0


async def note_erasure(store: UnitOfWork) -> None:
    """Inside the erasing transaction."""
    await store.write(
        "INSERT INTO meta (key, value) VALUES (?, '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", ERASURES)
    await store.write("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                      WAITING, store.now().isoformat())


async def erasures(store: UnitOfWork) -> int:
    """The counter as this connection sees it (on a snapshot: as of the snapshot)."""
    rows = await store.db.execute_fetchall("SELECT value FROM meta WHERE key = ?", (ERASURES,))
    return int(rows[0][0]) if rows else 0


class LogEraser:
    """Empties the log after an erasure, now or, while readers hold it, in the background."""

    def __init__(self, store: UnitOfWork) -> None:
        self.store = store
        self._task: asyncio.Task[None] | None = None

    async def waiting(self) -> bool:
        rows = await self.store.db.execute_fetchall("SELECT 1 FROM meta WHERE key = ?", (WAITING,))
        return bool(rows)

    async def try_once(self) -> bool:
        """True when the log holds no erased data any more."""
        if not await self.store.checkpoint():
            return False
        async with self.store.single_statement():
            await self.store.write("DELETE FROM meta WHERE key = ?", WAITING)
        await self.store.checkpoint()  # that deletion's own frame: nothing erased in it, emptied if it can be
        return True

    async def settle(self) -> None:
        """After an erasure's commit: empty the log, or keep trying in the background."""
        try:
            if await self.try_once():
                return
        except Exception:
            log.exception("checkpoint after an erasure failed; trying again in the background")
        log.info("an erasure waits for readers of the database before the log can be emptied")
        self.retry_in_background()

    def retry_in_background(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._retry(), name="empty the log after an erasure")

    async def _retry(self) -> None:
        pause = FIRST_RETRY
        while True:
            await asyncio.sleep(pause)
            try:
                if await self.try_once():
                    log.info("the log is emptied: the erasure is complete on disk")
                    return
            except Exception:
                log.exception("checkpoint after an erasure failed; trying again")
            pause = min(LONGEST_RETRY, pause * 2)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
