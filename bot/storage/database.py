"""Open the SQLite database with the settings the bot relies on, and bring its schema up to date."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import aiosqlite

from bot.kernel.files import private_file
from bot.storage.connection import BatchingConnection
from bot.storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)

# SQLite's errors, named here so that code outside storage can report them without the driver:
DatabaseError = sqlite3.Error  # any of them
UnreadableFile = sqlite3.DatabaseError  # a file that is no SQLite database, or one it cannot read

BUSY_TIMEOUT_MS = 5000
MIGRATION_BUSY_TIMEOUT_MS = 120_000  # another process may be migrating a large database right now
# Called with the schema version found, before the first migration changes anything (a backup).
BeforeMigration = Callable[[int], Awaitable[None]]


async def connect(path: Path | str, before_migration: BeforeMigration | None = None) -> aiosqlite.Connection:
    """Autocommit mode: transactions are opened explicitly by the store (BEGIN IMMEDIATE)."""
    if str(path) != ":memory:":
        for private in (Path(path), *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm"))):
            if private == Path(path) or private.exists():  # SQLite gives its log the file's mode
                private_file(private)
    db = await aiosqlite.connect(str(path), isolation_level=None, factory=BatchingConnection)
    try:
        db.row_factory = aiosqlite.Row
        # secure_delete: deleted rows are overwritten, so erased data is gone from the file itself.
        for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL",
                       f"busy_timeout = {BUSY_TIMEOUT_MS}", "secure_delete = ON"):
            await db.execute(f"PRAGMA {pragma}")
        await migrate(db, before_migration)
    except BaseException:
        await db.close()
        raise
    return db


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: aiosqlite.Connection, before_migration: BeforeMigration | None = None) -> None:
    """One migration per transaction. The version is read inside `BEGIN IMMEDIATE`, so two
    processes starting at once migrate once: the second waits for the first and then finds
    nothing left to do."""
    await db.execute(f"PRAGMA busy_timeout = {MIGRATION_BUSY_TIMEOUT_MS}")
    try:
        first = True
        while True:
            await db.execute("BEGIN IMMEDIATE")
            try:
                current = await schema_version(db)
                if current > len(MIGRATIONS):
                    raise RuntimeError(f"database schema {current} is newer than this program ({len(MIGRATIONS)})")
                if current == len(MIGRATIONS):
                    await db.execute("COMMIT")
                    return
                if first and current > 0 and before_migration is not None:
                    await before_migration(current)  # the write lock is held: the copy is what we migrate
                first = False
                await MIGRATIONS[current](db)
                await db.execute(f"PRAGMA user_version = {current + 1}")
            except BaseException:
                if db.in_transaction:
                    await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")
            log.info("database migrated to schema version %d", current + 1)
    finally:
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


async def connect_reader(path: Path | str) -> aiosqlite.Connection | None:
    """A read-only connection to a database `connect` opened (None for an in-memory one)."""
    if str(path) == ":memory:":
        return None
    db = await aiosqlite.connect(f"file:{quote(str(path))}?mode=ro", uri=True, isolation_level=None,
                                 factory=BatchingConnection)
    db.row_factory = aiosqlite.Row
    await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return db
