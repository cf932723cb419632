"""The single writer folds the write-ahead log in from its own connection, between transactions,
so no reply's COMMIT pays for a checkpoint (issue 25: no write transaction over 50 ms)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Store, open_store
from bot.storage.log_folding import DEFAULT_AUTOCHECKPOINT, LogFolder

ROW = "x" * 4000  # a page of the table each


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(tmp_path / "db.sqlite3")
    async with store.single_statement():
        await store.db.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)")
    yield store
    await store.close()


async def autocheckpoint(store: Store) -> int:
    row = await store.fetch_one("PRAGMA wal_autocheckpoint")
    assert row is not None
    return int(row[0])


async def fill(store: Store, transactions: int) -> None:
    for n in range(transactions):
        async with store.transaction():
            await store.write("INSERT INTO filler (body) VALUES (?)", f"{n}{ROW}")
        await asyncio.sleep(0)  # between transactions, as the bot's turns are


async def test_the_writer_never_checkpoints_in_a_commit_while_the_folder_runs(store: Store, tmp_path: Path) -> None:
    folder = LogFolder(store, tmp_path / "db.sqlite3")
    await folder.start()
    try:
        assert await autocheckpoint(store) == 0
    finally:
        await folder.stop()
    assert await autocheckpoint(store) == DEFAULT_AUTOCHECKPOINT  # commands without a bot: SQLite's default


async def test_the_log_stays_short_because_it_is_folded_in_while_the_bot_writes(store: Store, tmp_path: Path) -> None:
    """5000 transactions of a 4 KB row write about 60 MB of log (three pages each, with the
    table's and the index's). Folded in while the writes go on (a fold every 250 of them,
    running beside them, as the background task does), the writer starts the log again at its
    beginning and the file stays at a few thousand pages."""
    wal = tmp_path / "db.sqlite3-wal"
    folder = LogFolder(store, tmp_path / "db.sqlite3", interval=3600)  # folded by hand below
    await folder.start()
    folding: asyncio.Task[bool] | None = None
    try:
        for n in range(5000):
            async with store.transaction():
                await store.write("INSERT INTO filler (body) VALUES (?)", f"{n}{ROW}")
            if n % 250 == 0:
                if folding is not None:
                    await folding
                folding = asyncio.create_task(folder.fold_once())
            await asyncio.sleep(0)
        if folding is not None:
            await folding
        assert folder.folded > 0
    finally:
        await folder.stop()
    assert wal.stat().st_size < 24_000_000, f"the log grew to {wal.stat().st_size} bytes"


async def test_the_folder_folds_in_by_itself(store: Store, tmp_path: Path) -> None:
    folder = LogFolder(store, tmp_path / "db.sqlite3", interval=0.01)
    await folder.start()
    try:
        await fill(store, 50)
        for _wait in range(1000):  # until it has (at most 10 s)
            if folder.folded:
                break
            await asyncio.sleep(0.01)
        assert folder.folded > 0
    finally:
        await folder.stop()


async def test_without_folding_the_log_would_grow(store: Store, tmp_path: Path) -> None:
    """The check above can fail: with the automatic checkpoint off and nobody folding, the
    same writes leave a log of more than 40 MB."""
    folder = LogFolder(store, tmp_path / "db.sqlite3", interval=3600)
    await folder.start()
    try:
        await fill(store, 5000)
        assert folder.folded == 0
        assert (tmp_path / "db.sqlite3-wal").stat().st_size > 40_000_000
    finally:
        await folder.stop()
