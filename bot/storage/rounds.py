"""Survey rounds: the office asks the associations again; each round is its own submission."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from bot.storage.store import Store


class Round(BaseModel):
    id: int
    name: str
    opened_at: datetime
    fanned_out_at: datetime | None = None  # every invitation queued (None: opened, not yet all queued)


class Invitee(BaseModel):
    user_id: int
    language: str
    submission_id: int  # their latest completed submission, whose answers become defaults
    completed_at: datetime


class RoundStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def open(self, name: str) -> Round | None:
        """None when a round of that name exists already."""
        changed = await self.store.change(
            "INSERT OR IGNORE INTO rounds (name, opened_at) VALUES (?, ?)", name, self.store.now().isoformat())
        return await self.get(int(changed.lastrowid or 0)) if changed.rowcount == 1 else None

    async def get(self, round_id: int) -> Round | None:
        row = await self.store.fetch_one("SELECT * FROM rounds WHERE id = ?", round_id)
        return Round.model_validate(dict(row)) if row else None

    async def latest(self) -> Round | None:
        row = await self.store.fetch_one("SELECT * FROM rounds ORDER BY id DESC LIMIT 1")
        return Round.model_validate(dict(row)) if row else None

    async def all(self) -> list[Round]:
        return [Round.model_validate(dict(r)) for r in await self.store.fetch_all("SELECT * FROM rounds ORDER BY id")]

    async def not_fanned_out(self) -> list[Round]:
        """Rounds whose invitations a stop interrupted: the rest is queued at the next start."""
        rows = await self.store.fetch_all("SELECT * FROM rounds WHERE fanned_out_at IS NULL ORDER BY id")
        return [Round.model_validate(dict(r)) for r in rows]

    async def fanned_out(self, round_id: int) -> None:
        await self.store.write("UPDATE rounds SET fanned_out_at = ? WHERE id = ?",
                               self.store.now().isoformat(), round_id)

    async def invitees(self, opened: Round) -> list[Invitee]:
        """Everyone whose latest questionnaire is completed, from an earlier round and before
        this one opened (invitations queued again after a restart go to the same associations),
        and who has not blocked the bot."""
        rows = await self.store.fetch_all(
            "SELECT s.user_id, u.language, s.id AS submission_id, s.completed_at FROM submissions s "
            "JOIN users u ON u.id = s.user_id WHERE u.blocked_at IS NULL AND u.consent_at IS NOT NULL "
            "AND s.completed_at IS NOT NULL AND s.completed_at <= ? AND s.round_id IS NOT ? "
            "AND s.id = (SELECT MAX(t.id) FROM submissions t WHERE t.user_id = s.user_id) ORDER BY s.user_id",
            opened.opened_at.isoformat(), opened.id)
        return [Invitee.model_validate(dict(r)) for r in rows]
