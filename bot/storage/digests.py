"""The weekly digests queued so far: one row per period, claimed once (a second process or a
restart never queues the same digest twice)."""

from __future__ import annotations

from datetime import datetime

from bot.storage.store import Store


class DigestStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def claim(self, period_end: datetime, recipients: int) -> bool:
        """False when this period's digest was claimed before (in the caller's transaction)."""
        changed = await self.store.change(
            "INSERT OR IGNORE INTO digests (period_end, claimed_at, recipients) VALUES (?, ?, ?)",
            period_end.isoformat(), self.store.now().isoformat(), recipients)
        return changed.rowcount == 1

    async def claimed(self, period_end: datetime) -> bool:
        row = await self.store.fetch_one("SELECT 1 FROM digests WHERE period_end = ?", period_end.isoformat())
        return row is not None
