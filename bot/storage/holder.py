"""The row the process holding the database's lock writes about itself (`bot.operations.lease`):
who it is, where and since when, and its heartbeat, for a second bot's one-line refusal and for
`msobot status`."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.storage.store import Store

NAME = "bot"  # one row: the holder of this database


class HolderStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def database_file(self) -> str:
        """The file behind the connection ("" in memory)."""
        rows = await self.store.fetch_all("PRAGMA database_list")
        return str(next((row["file"] for row in rows if row["name"] == "main"), ""))

    async def current(self) -> aiosqlite.Row | None:
        return await self.store.fetch_one("SELECT * FROM lease WHERE name = ?", NAME)

    async def write(self, holder: str, host: str, pid: int, command: str, now: datetime) -> None:
        await self.store.write(
            "INSERT OR REPLACE INTO lease (name, holder, host, pid, command, started_at, heartbeat_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", NAME, holder, host, pid, command, now.isoformat(), now.isoformat())

    async def heartbeat(self, holder: str) -> None:
        await self.store.write("UPDATE lease SET heartbeat_at = ? WHERE name = ? AND holder = ?",
                               self.store.now().isoformat(), NAME, holder)

    async def remove(self, holder: str) -> None:
        await self.store.write("DELETE FROM lease WHERE name = ? AND holder = ?", NAME, holder)
