"""The monthly partner digest's queries: its claim, and the figures it reads per partner that no
other store has (open contact requests); the published partner figures."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.store import Store


class PartnerDigestStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def claimed(self, due_at: str) -> bool:
        row = await self.store.fetch_one("SELECT 1 FROM partner_digests WHERE due_at = ?", due_at)
        return row is not None

    async def claim(self, due_at: str, recipients: int) -> bool:
        """Inside the transaction that queues the digest: False when another process (or an
        earlier run of this one) claimed it first, and nothing may be queued then."""
        cursor = await self.store.change(
            "INSERT OR IGNORE INTO partner_digests (due_at, claimed_at, recipients) VALUES (?, ?, ?)",
            due_at, self.store.now().isoformat(), recipients)
        return cursor.rowcount == 1

    async def open_requests(self, older_than: str) -> dict[str, tuple[int, int]]:
        """Partner id -> (pending contact requests, of them sent before `older_than`)."""
        rows = await self.store.fetch_all(
            "SELECT partner_id, COUNT(*) AS n, SUM(created_at < ?) AS old FROM contact_requests "
            "WHERE state = 'pending' GROUP BY partner_id", older_than)
        return {str(r["partner_id"]): (int(r["n"]), int(r["old"] or 0)) for r in rows}


class FigureStore:
    """The published partner figures (already protected), one row per publication."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, taken_at: str, reason: str, figures: dict[str, Any]) -> None:
        await self.store.write("INSERT INTO partner_figures (taken_at, reason, figures) VALUES (?, ?, ?)",
                               taken_at, reason, json.dumps(figures, ensure_ascii=False, sort_keys=True))

    async def latest(self, at_or_before: str | None = None) -> tuple[str, dict[str, Any]] | None:
        """(taken at, figures) of the newest publication, or of the newest at or before a time."""
        row = await self.store.fetch_one(
            "SELECT taken_at, figures FROM partner_figures WHERE ?1 IS NULL OR taken_at <= ?1 "
            "ORDER BY taken_at DESC, id DESC LIMIT 1", at_or_before)
        return (str(row["taken_at"]), json.loads(row["figures"])) if row else None
