"""The monthly partner digest's queries: its claim, and the figures it reads per partner that no
other store has (open contact requests)."""

from __future__ import annotations

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
        cursor = await self.store.db.modify(
            "INSERT OR IGNORE INTO partner_digests (due_at, claimed_at, recipients) VALUES (?, ?, ?)",
            (due_at, self.store.now().isoformat(), recipients))
        return cursor.rowcount == 1

    async def open_requests(self, older_than: str) -> dict[str, tuple[int, int]]:
        """Partner id -> (pending contact requests, of them sent before `older_than`)."""
        rows = await self.store.fetch_all(
            "SELECT partner_id, COUNT(*) AS n, SUM(created_at < ?) AS old FROM contact_requests "
            "WHERE state = 'pending' GROUP BY partner_id", older_than)
        return {str(r["partner_id"]): (int(r["n"]), int(r["old"] or 0)) for r in rows}
