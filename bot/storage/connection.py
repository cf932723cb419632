"""The aiosqlite connection as the storage modules use it, with the writes of a unit of work
put off and sent with its next read or its COMMIT.

Storage modules write through the unit of work's two calls only: `write` (put off) and
`change` (its result read at once); both end here. A write that fails names the storage
function and line that issued it (`WriteFailed`), though it ran with a later statement."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import aiosqlite

Params = tuple[Any, ...]
Pending = tuple[str, Params, str]  # statement, parameters, where it was issued ("module.function:line")


class WriteFailed(sqlite3.Error):
    """A put-off write failed when it was sent: the message names where it was issued."""


class Changed(NamedTuple):
    rowcount: int
    lastrowid: int | None


class Connection:
    """The aiosqlite connection as the storage modules use it: writes the store has put off
    (`Store.write`) go to the database first, in the same trip, so every statement still runs
    in the order the code gave it.

    Each call to aiosqlite is a trip to its database thread and back (about 0.1-0.25 ms here,
    where SQLite itself answers a small query in 10 µs); putting off the writes of a unit of
    work and sending them with its COMMIT halves the trips of a typical answer."""

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self.raw = raw
        self.pending: list[Pending] = []

    async def run(self, work: Callable[[sqlite3.Connection], Any] | None = None) -> Any:
        """The pending statements, then `work` on the raw sqlite3 connection, in one trip."""
        pending, self.pending = self.pending, []
        if not pending and work is None:
            return None

        def batch(conn: sqlite3.Connection) -> Any:
            for sql, params, site in pending:
                try:
                    conn.execute(sql, params)
                except sqlite3.Error as exc:
                    raise WriteFailed(f"{exc} (in the write issued at {site}: {' '.join(sql.split())[:120]})") from exc
            return work(conn) if work is not None else None

        # aiosqlite's own methods run their work on its thread this way; there is no public
        # call for several statements with parameters in one trip. Sending each put-off write
        # on its own (public `execute`) measured 3.7 more trips per update in the benchmark's
        # part 1 (4.9 -> 8.6); the one private call stays here, and tests/test_store.py fails
        # at once if an aiosqlite release drops it.
        return await self.raw._execute(batch, self.raw._conn)  # type: ignore[no-untyped-call]

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
