"""The durable inbox: every update is stored before Telegram is told it arrived, so one that
was waiting or being handled when the process died is handled after the restart, once."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from bot.storage.store import Store


class Waiting(NamedTuple):
    update_id: int
    payload: str | None  # None: its user deleted their data meanwhile


class InboxStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, updates: list[tuple[int, int | None, str]]) -> list[int]:
        """Store (update id, user id, JSON) and commit; the ids that were new (an update
        Telegram delivers again is stored once and handled once)."""
        now = self.store.now().isoformat()

        def insert(conn: sqlite3.Connection) -> list[int]:
            return [update_id for update_id, user_id, payload in updates if conn.execute(
                "INSERT OR IGNORE INTO inbox (update_id, user_id, payload, received_at) VALUES (?, ?, ?, ?)",
                (update_id, user_id, payload, now)).rowcount == 1]

        async with self.store.transaction():
            new: list[int] = await self.store.db.run(insert)
        return new

    async def waiting(self) -> list[Waiting]:
        """Updates stored but not handled, oldest first (the order Telegram sent them)."""
        async with self.store.single_statement():
            rows = await self.store.fetch_all(
                "SELECT update_id, payload FROM inbox WHERE handled_at IS NULL ORDER BY update_id")
        return [Waiting(int(r["update_id"]), r["payload"]) for r in rows]

    async def finish(self, update_id: int) -> None:
        """After the handler: an update whose work did not claim it (ignored, refused as a
        flood, or failed) is marked handled too, so that it is never replayed."""
        if update_id in self.store.claimed:
            self.store.claimed.discard(update_id)
            return
        async with self.store.single_statement():
            await self.store.write(
                "UPDATE inbox SET handled_at = ?, payload = NULL WHERE update_id = ? AND handled_at IS NULL",
                self.store.now().isoformat(), update_id)
