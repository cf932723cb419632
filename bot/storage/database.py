"""Open the SQLite database with the settings the bot relies on, and bring its schema up to date."""

from __future__ import annotations

import logging
from pathlib import Path

import aiosqlite

from bot.storage.migrations import MIGRATIONS

log = logging.getLogger(__name__)


async def connect(path: Path | str) -> aiosqlite.Connection:
    """Autocommit mode: transactions are opened explicitly by the store (BEGIN IMMEDIATE)."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(str(path), isolation_level=None)
    db.row_factory = aiosqlite.Row
    # secure_delete: deleted rows are overwritten, so erased data is gone from the file itself.
    for pragma in ("foreign_keys = ON", "journal_mode = WAL", "synchronous = NORMAL",
                   "busy_timeout = 5000", "secure_delete = ON"):
        await db.execute(f"PRAGMA {pragma}")
    await migrate(db)
    return db


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: aiosqlite.Connection) -> None:
    current = await schema_version(db)
    if current > len(MIGRATIONS):
        raise RuntimeError(f"database schema {current} is newer than this program ({len(MIGRATIONS)})")
    for version, migration in enumerate(MIGRATIONS[current:], start=current + 1):
        await db.execute("BEGIN IMMEDIATE")
        try:
            await migration(db)
            await db.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")
        log.info("database migrated to schema version %d", version)
