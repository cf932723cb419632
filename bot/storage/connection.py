"""The aiosqlite connection as the storage modules use it, with the writes of a unit of work
put off and sent with its next read or its COMMIT.

Storage modules write through the unit of work's two calls only: `write` (put off) and
`change` (its result read at once); both end here. A write that fails names the storage
function and line that issued it (`WriteFailed`), though it ran with a later statement.

Several statements go to aiosqlite's thread in one trip through public calls only: the
database is opened with `BatchingConnection` as sqlite3's connection class (sqlite3's
documented `factory`, which `aiosqlite.connect` passes on), and aiosqlite's public `execute`
hands a `Batch` given as the parameters to that connection's `execute`, on its thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import aiosqlite

Params = tuple[Any, ...]
Pending = tuple[str, Params, str]  # statement, parameters, where it was issued ("module.function:line")
Work = Callable[[sqlite3.Connection], Any]
BATCH = "-- put-off writes of a unit of work, then its next read"  # what a trip's log line says


class WriteFailed(sqlite3.Error):
    """A put-off write failed when it was sent: the message names where it was issued."""


class Changed(NamedTuple):
    rowcount: int
    lastrowid: int | None


class Batch:
    """Statements in order, then `work` on the sqlite3 connection: run on the database's thread
    by `BatchingConnection.execute`, which leaves what `work` returned in `result`. The first
    statement that fails stops the batch, so a COMMIT after it never runs."""

    def __init__(self, statements: list[Pending], work: Work | None) -> None:
        self.statements = statements
        self.work = work
        self.result: Any = None

    def run(self, conn: sqlite3.Connection) -> None:
        for sql, params, site in self.statements:
            try:
                sqlite3.Connection.execute(conn, sql, params)
            except sqlite3.Error as exc:
                raise WriteFailed(f"{exc} (in the write issued at {site}: {' '.join(sql.split())[:120]})") from exc
        self.result = self.work(conn) if self.work is not None else None


class BatchingConnection(sqlite3.Connection):
    """sqlite3's connection, which also runs a `Batch` passed as the parameters of `execute`.
    Everything else is sqlite3's own."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if isinstance(parameters, Batch):
            parameters.run(self)
            return self.cursor()
        return super().execute(sql, parameters)


class Connection:
    """The aiosqlite connection as the storage modules use it: writes the store has put off
    (`Store.write`) go to the database first, in the same trip, so every statement still runs
    in the order the code gave it.

    Each call to aiosqlite is a trip to its database thread and back (about 0.1-0.25 ms here,
    where SQLite itself answers a small query in 10 µs); putting off the writes of a unit of
    work and sending them with its COMMIT halves the trips of a typical answer (measured in the
    benchmark's part 1: one trip per statement took 8.6 trips per update instead of 4.9)."""

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self.raw = raw
        self.pending: list[Pending] = []

    async def run(self, work: Work | None = None) -> Any:
        """The pending statements, then `work` on the raw sqlite3 connection, in one trip."""
        pending, self.pending = self.pending, []
        if not pending and work is None:
            return None
        batch = Batch(pending, work)
        try:
            await self.raw.execute(BATCH, batch)
        except sqlite3.ProgrammingError as exc:
            if "unsupported type" in str(exc):
                raise TypeError("a batch needs a database opened by bot.storage.database.connect "
                                "(sqlite3 connection class BatchingConnection)") from exc
            raise
        return batch.result

    async def modify(self, sql: str, parameters: Sequence[Any] = ()) -> Changed:
        """A write whose effect the caller reads (rows changed, new row id), in one trip with
        the pending ones."""
        def change(conn: sqlite3.Connection) -> Changed:
            cursor = conn.execute(sql, parameters)
            return Changed(cursor.rowcount, cursor.lastrowid)

        return await self.run(change)  # type: ignore[no-any-return]

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> aiosqlite.Cursor:
        await self.run()
        return await self.raw.execute(sql, parameters)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> aiosqlite.Cursor:
        await self.run()
        return await self.raw.executemany(sql, parameters)

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        if not self.pending:
            return list(await self.raw.execute_fetchall(sql, parameters))
        return await self.run(lambda conn: conn.execute(sql, parameters).fetchall())  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.run()
        await self.raw.close()
