"""Consent per purpose, recorded with the notice version and the time: what was agreed to can
be shown at any time (Art. 7(1) GDPR); the users table keeps the current state for queries."""

from __future__ import annotations

from typing import Any

from bot.storage.store import Store

COLUMNS = {"networking": "networking", "partners": "sharing"}  # optional purpose -> users column


class ConsentStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def agree(self, user_id: int, version: str, optional: dict[str, bool]) -> None:
        """The notice agreed to: storing the answers, and each optional purpose on or off."""
        now = self.store.now().isoformat()
        await self.store.write(
            "UPDATE users SET consent_at = ?, notice_version = ?, networking = ?, sharing = ? WHERE id = ?",
            now, version, int(optional.get("networking", False)), int(optional.get("partners", False)), user_id)
        for purpose, given in {"survey": True, **optional}.items():
            await self._record(user_id, purpose, given, version, now)
        if not optional.get("partners", False):
            await self.withdraw_sharing(user_id)

    async def change(self, user_id: int, purpose: str, given: bool, version: str) -> None:
        """An optional purpose switched on or off, with immediate effect."""
        now = self.store.now().isoformat()
        await self.store.write(f"UPDATE users SET {COLUMNS[purpose]} = ? WHERE id = ?", int(given), user_id)
        await self._record(user_id, purpose, given, version, now)
        if purpose == "partners" and not given:
            await self.withdraw_sharing(user_id)

    async def withdraw_sharing(self, user_id: int) -> None:
        """Gone at once: its open contact requests (their cards are never drawn now)."""
        await self.store.write(
            "UPDATE contact_requests SET state = 'withdrawn', answered_at = ? WHERE user_id = ? AND state = 'pending'",
            self.store.now().isoformat(), user_id)

    async def _record(self, user_id: int, purpose: str, given: bool, version: str, at: str) -> None:
        await self.store.write(
            "INSERT INTO consents (user_id, purpose, given, notice_version, at) VALUES (?, ?, ?, ?, ?)",
            user_id, purpose, int(given), version, at)

    async def history(self, user_id: int) -> list[dict[str, Any]]:
        rows = await self.store.fetch_all(
            "SELECT purpose, given, notice_version, at FROM consents WHERE user_id = ? ORDER BY id", user_id)
        return [{**dict(r), "given": bool(r["given"])} for r in rows]

    async def withdraw_networking(self, user_id: int) -> None:
        """Gone at once: the card that showed this association to others, and every introduction
        not yet agreed that involves it (with the messages about it that wait)."""
        now = self.store.now().isoformat()
        await self.store.write("DELETE FROM suggestions WHERE kind = 'peer' AND ref = ?", str(user_id))
        await self.store.write(
            "UPDATE introductions SET state = 'withdrawn', decided_at = ? WHERE state = 'requested' "
            "AND (from_user = ?2 OR to_user = ?2)", now, user_id)
        await self.store.write(
            "UPDATE outbox SET state = 'dropped', payload = '{}', last_error = 'networking withdrawn' "
            "WHERE state = 'pending' AND purpose = 'introduction' AND (about_user = ?1 OR user_id = ?1)", user_id)
