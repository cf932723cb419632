"""The unit of work on SQLite: one transaction per user action, writes sent with the next read
or the COMMIT, the claim that makes a repeated update a no-op, and a read-only snapshot beside
the writer for heavy reports."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Self

import aiosqlite

from bot.storage.connection import Changed, Connection
from bot.storage.database import BUSY_TIMEOUT_MS
from bot.storage.erasure import LogEraser

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SLOW_TRANSACTION = 1.0  # seconds: a unit of work this long kept every other writer waiting
CLAIMS_REMEMBERED = 10_000
# An update is handled once: its inbox row (there when it came through the inbox, else made
# here) is marked in the transaction of the work it causes, and its payload goes.
CLAIM_UPDATE = ("INSERT INTO inbox (update_id, received_at, handled_at) VALUES (?1, ?2, ?2) "
                "ON CONFLICT(update_id) DO UPDATE SET handled_at = excluded.handled_at, payload = NULL "
                "WHERE inbox.handled_at IS NULL")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Views(NamedTuple):
    """How the running questionnaire version reads stored answers and cursors (the engine's
    `current` and `current_id`): stored rows are never rewritten when a question is renamed."""

    answers: Callable[[dict[str, Any]], dict[str, Any]] = lambda answers: answers
    question: Callable[[str | None], str | None] = lambda question_id: question_id


AS_STORED = Views()


class UnitOfWork:
    """One connection, one writer at a time: `transaction()` serialises the bot's work units."""

    reader: Self

    def __init__(self: Self, db: aiosqlite.Connection, clock: Clock = utcnow, views: Views = AS_STORED,
                 reader: Self | None = None, reads_only: bool = False) -> None:
        self.db = Connection(db)
        self.clock = clock
        self._lock = asyncio.Lock()
        self._open = False  # a transaction is open: writes may wait for its COMMIT
        self.views = views
        self.answer_view, self.question_view = views
        # Updates this process claimed and committed (the inbox need not mark them again).
        self.claimed: set[int] = set()
        self._claims: list[int] = []  # claimed in the open transaction
        # A read-only connection beside this one (WAL lets it read while this one writes): heavy
        # reports read a snapshot there and never wait for, or hold up, the bot's units of work.
        self.reader = reader or self  # the same store for an in-memory database
        self.reads_only = reads_only  # a read-only connection of its own (`open_reader`)
        # The longest transaction so far, in seconds (from BEGIN to COMMIT: how long it could
        # hold the write lock); the benchmark resets it to measure one piece of work.
        self.longest_transaction = 0.0
        # Why this process may no longer write (its database file was replaced), if so.
        self.refusal: str | None = None
        self.eraser = LogEraser(self)  # empties the log after an erasure, in the background while readers hold it
        # Rung after every commit that queued a message (`queued`): the outbox workers listen.
        self.doorbell: list[Callable[[], None]] = []
        self._queued = False

    def queued(self) -> None:
        """A message was queued: the workers are woken once it is committed (at once outside
        a transaction)."""
        if self._open:
            self._queued = True
        else:
            self._ring()

    def _ring(self) -> None:
        for listener in self.doorbell:
            listener()

    def _now(self) -> str:
        return self.clock().isoformat()

    def refuse_writes(self, reason: str) -> None:
        """From now on every unit of work fails with `reason` before it writes anything."""
        self.refusal = reason

    def _may_write(self) -> None:
        if self.refusal is not None:
            raise RuntimeError(f"no more writes: {self.refusal}")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self._may_write()
        async with self._lock:
            self.db.pending.append(("BEGIN IMMEDIATE", (), "the unit of work"))  # goes with the first statement
            self._open = True
            # No garbage collection while this process may hold the write lock: a full
            # collection of a large heap pauses every thread for 100 ms and more, and every other
            # writer would wait that long; it runs once the lock is given back.
            collecting = gc.isenabled()
            gc.disable()
            began = time.perf_counter()
            try:
                yield
                self.db.pending.append(("COMMIT", (), "the unit of work"))
                await self.db.run()
                self._took(time.perf_counter() - began)
                if len(self.claimed) > CLAIMS_REMEMBERED:
                    self.claimed.clear()  # those nobody asked about: the inbox marks them again, harmlessly
                self.claimed.update(self._claims)
                if self._queued:
                    self._ring()
            except BaseException:
                self.db.pending.clear()
                if self.db.raw.in_transaction:
                    await self.db.raw.execute("ROLLBACK")
                raise
            finally:
                self._open = False
                self._queued = False
                self._claims.clear()
                if collecting:
                    gc.enable()

    def _took(self, seconds: float) -> None:
        self.longest_transaction = max(self.longest_transaction, seconds)
        if seconds > SLOW_TRANSACTION:
            log.warning("a transaction held the database for %.1f s: other writers waited", seconds)

    async def write(self, sql: str, *params: Any) -> None:
        """A write whose result nobody reads: inside a transaction it goes with the next read
        or the COMMIT (an error in it then surfaces there, as `WriteFailed` naming the function
        and line that issued it, and rolls the whole unit back); outside one, at once."""
        frame = sys._getframe(1)
        site = f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_name}:{frame.f_lineno}"
        if not self._open:
            self._may_write()
        self.db.pending.append((sql, params, site))
        if not self._open:
            await self.db.run()

    async def change(self, sql: str, *params: Any) -> Changed:
        """A write whose effect the caller reads (rows changed, the new row's id): sent at once,
        in one trip with the writes put off before it."""
        if not self._open:
            self._may_write()
        return await self.db.modify(sql, params)

    @asynccontextmanager
    async def single_statement(self) -> AsyncIterator[None]:
        """For one write on its own: SQLite makes a single statement its own transaction
        (autocommit), so BEGIN and COMMIT would only cost two more trips to the database
        thread; the lock still keeps it out of another unit of work's transaction."""
        self._may_write()
        async with self._lock:
            yield

    async def checkpoint(self) -> bool:
        """Fold the write-ahead log into the database file and empty it, so that erased data
        does not linger in old log frames (outside any transaction). True when it did: while
        another connection holds a read transaction (a report's snapshot, Litestream, a backup)
        SQLite can do neither, and says so in the result's busy flag. It does not wait for
        readers (busy timeout 0): waiting would hold the write lock and stall every reply."""
        async with self._lock:
            await self.db.execute("PRAGMA busy_timeout = 0")
            try:
                rows = await self.db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)", ())
            finally:
                await self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        busy, frames, _done = rows[0] if rows else (1, -1, -1)
        return busy == 0 and frames in (0, -1)  # -1: not in WAL mode (an in-memory database)

    async def close(self) -> None:
        await self.eraser.close()
        if self.reader is not self:
            await self.reader.close()
        await self.db.close()

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Self]:
        """One consistent view for several queries, on the reader: its transaction starts at
        the first query and sees nothing committed after that, and takes no write lock."""
        reader = self.reader
        if reader is self and not self.reads_only:  # an in-memory database: plain reads here
            yield self
            return
        async with reader._lock:
            await reader.db.execute("BEGIN")
            try:
                yield reader
            finally:
                await reader.db.execute("ROLLBACK")

    def now(self) -> datetime:
        return self.clock()

    # One trip to the database thread per query (execute, fetch and close would be three);
    # `_one` is for queries that find at most one row.
    async def _one(self, sql: str, *params: Any) -> aiosqlite.Row | None:
        rows = await self.db.execute_fetchall(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, *params: Any) -> list[aiosqlite.Row]:
        return await self.db.execute_fetchall(sql, params)

    fetch_one = _one
    fetch_all = _all

    async def fetch_in(self, sql: str, values: Sequence[Any], *params: Any, chunk: int = 500) -> list[aiosqlite.Row]:
        """`fetch_all` for a query with `IN ({marks})` over any number of values (first in the
        parameters, `params` after them), in chunks: SQLite allows only so many variables in
        one statement (999 before 3.32, 32766 since)."""
        rows: list[aiosqlite.Row] = []
        for start in range(0, len(values), chunk):
            part = list(values[start:start + chunk])
            rows += await self._all(sql.format(marks=",".join("?" * len(part))), *part, *params)
        return rows

    # -- updates ---------------------------------------------------------------------------

    async def claim_update(self, update_id: int) -> bool:
        """False when this update was handled before."""
        changed = await self.change(CLAIM_UPDATE, update_id, self._now())
        if changed.rowcount == 1:
            self._claims.append(update_id)
        return changed.rowcount == 1

    async def forget_old_updates(self, older_than: timedelta = timedelta(days=1)) -> None:
        """Handled updates are kept a day (Telegram keeps undelivered ones for 24 hours, so an
        older id can never come again)."""
        cutoff = (self.clock() - older_than).isoformat()
        await self.write("DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?", cutoff)

