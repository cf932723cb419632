"""A database's schema as entries (type, name, table, SQL), read from a file and built from the
migrations, so that a file to restore can be compared with what this program would have made
(`bot.operations.backups.check_schema`)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiosqlite

from bot.storage.file_reads import read_only
from bot.storage.migrations import MIGRATIONS

SchemaEntry = tuple[str, str, str, str]  # type, name, table, SQL with its spaces folded
_SCHEMA = ("SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master "
           "WHERE name NOT LIKE 'sqlite_stat%'")


def _entries(rows: list[tuple[str, str, str, str]]) -> dict[tuple[str, str], SchemaEntry]:
    return {(kind, name): (kind, name, table, " ".join(sql.split())) for kind, name, table, sql in rows}


def file_schema(path: Path) -> dict[tuple[str, str], SchemaEntry]:
    """Every table, index, trigger and view of the file at `path`, by (type, name)."""
    with read_only(path) as file:
        return _entries([tuple(row) for row in file.db.execute(_SCHEMA).fetchall()])


def migrated_schema(version: int) -> dict[tuple[str, str], SchemaEntry]:
    """What the migrations up to `version` create, built in a fresh in-memory database."""
    async def build() -> list[tuple[str, str, str, str]]:
        db = await aiosqlite.connect(":memory:", isolation_level=None)
        try:
            db.row_factory = aiosqlite.Row
            for migration in MIGRATIONS[:version]:
                await db.execute("BEGIN")
                await migration(db)
                await db.execute("COMMIT")
            return [tuple(row) for row in await db.execute_fetchall(_SCHEMA)]
        finally:
            await db.close()

    with ThreadPoolExecutor(1) as thread:  # its own event loop, whether or not the caller has one
        return _entries(thread.submit(asyncio.run, build()).result())
