"""The migrations that change events already stored (issue 26): 17 takes the other association's
Telegram id out of "Not for us" on peer cards, 18 makes a user's events go with the user."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from bot.storage import connect
from bot.storage.database import migrate, schema_version
from bot.storage.migrations import MIGRATIONS

BEFORE_17 = 16  # schema versions


@pytest.fixture
async def old_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[aiosqlite.Connection]:
    """A database as version 16 of the schema left it, with events of two associations."""
    monkeypatch.setattr("bot.storage.database.MIGRATIONS", MIGRATIONS[:BEFORE_17])
    db = await connect(tmp_path / "old.sqlite3")
    monkeypatch.undo()
    try:
        assert await schema_version(db) == BEFORE_17
        for user_id in (1, 2):
            await db.execute("INSERT INTO users (id, language, created_at) VALUES (?, 'de', '2026-01-01')", (user_id,))
        for user_id, kind, data in (
                (1, "suggestion_dismissed", {"offer": "peer", "ref": "2", "suggestion": 5}),
                (1, "suggestion_dismissed", {"offer": "workshop", "ref": "kasse-tr"}),
                (2, "pushes_changed", {"on": False}),
                (None, "digest_queued", {"recipients": 1})):
            await db.execute("INSERT INTO events (at, user_id, kind, data) VALUES ('2026-01-02', ?, ?, ?)",
                             (user_id, kind, json.dumps(data)))
        yield db
    finally:
        await db.close()


async def events(db: aiosqlite.Connection) -> list[tuple[object, str, object]]:
    async with db.execute("SELECT user_id, kind, data FROM events ORDER BY id") as cursor:
        return [(r[0], r[1], json.loads(r[2])) for r in await cursor.fetchall()]


async def test_17_removes_peer_ids_and_18_deletes_a_users_events_with_the_user(
        old_database: aiosqlite.Connection) -> None:
    db = old_database
    await migrate(db)
    assert await schema_version(db) == len(MIGRATIONS)
    assert await events(db) == [
        (1, "suggestion_dismissed", {"offer": "peer", "suggestion": 5}),  # the peer's id is gone, nothing else
        (1, "suggestion_dismissed", {"offer": "workshop", "ref": "kasse-tr"}),  # a workshop's ref stays
        (2, "pushes_changed", {"on": False}),
        (None, "digest_queued", {"recipients": 1})]
    await db.execute("DELETE FROM users WHERE id = 1")
    assert [(user, kind) for user, kind, _data in await events(db)] == [(2, "pushes_changed"),
                                                                        (None, "digest_queued")]
    async with db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'events' AND type = 'index'") as cursor:
        assert sorted(r[0] for r in await cursor.fetchall()) == ["events_kind_at", "events_user"]
