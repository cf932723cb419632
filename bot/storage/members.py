"""An association's board members (each one Telegram account) and the one-time links that
invite another member (migration v22). The association stays the `users` row every other table
refers to; nothing here is shown to staff or partners."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from bot.storage.store import Store

INVITE_DAYS = 7  # an invitation to join the board works once, within this many days


class Member(BaseModel):
    chat_id: int
    user_id: int
    language: str
    joined_at: datetime
    blocked_at: datetime | None = None


class MemberInvite(BaseModel):
    id: int
    token_hash: str
    user_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None

    def open_at(self, now: datetime) -> bool:
        """Neither used, revoked nor expired."""
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class MemberStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def members(self, user_id: int) -> list[Member]:
        rows = await self.store.fetch_all("SELECT chat_id, user_id, language, joined_at, blocked_at FROM members "
                                          "WHERE user_id = ? ORDER BY joined_at, chat_id", user_id)
        return [Member.model_validate(dict(r)) for r in rows]

    async def member(self, chat_id: int) -> Member | None:
        row = await self.store.fetch_one("SELECT chat_id, user_id, language, joined_at, blocked_at FROM members "
                                         "WHERE chat_id = ?", chat_id)
        return Member.model_validate(dict(row)) if row else None

    async def recipients(self, user_id: int) -> list[Member]:
        """Whom a message to the association goes to: every member Telegram still delivers to."""
        return [m for m in await self.members(user_id) if m.blocked_at is None]

    async def leave(self, chat_id: int) -> None:
        """The member goes; the association's own language (of what is drawn once for every
        member) becomes that of its longest-standing member left."""
        member = await self.member(chat_id)
        await self.store.write("DELETE FROM members WHERE chat_id = ?", chat_id)
        if member is not None:
            await self.store.write(
                "UPDATE users SET language = COALESCE((SELECT language FROM members WHERE user_id = ?1 "
                "ORDER BY joined_at, chat_id LIMIT 1), language) WHERE id = ?1", member.user_id)

    # -- invitations ------------------------------------------------------------------------

    async def add_invite(self, token_hash: str, user_id: int) -> int:
        now = self.store.now()
        cursor = await self.store.change(
            "INSERT INTO member_invites (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            token_hash, user_id, now.isoformat(), (now + timedelta(days=INVITE_DAYS)).isoformat())
        return int(cursor.lastrowid or 0)

    async def invite(self, token_hash: str) -> MemberInvite | None:
        row = await self.store.fetch_one("SELECT * FROM member_invites WHERE token_hash = ?", token_hash)
        return MemberInvite.model_validate(dict(row)) if row else None

    async def invite_by_prefix(self, prefix: str) -> MemberInvite | None:
        """The invitation a joining button names by the start of its hash (callback data is short)."""
        if len(prefix) < 16:
            return None
        row = await self.store.fetch_one("SELECT * FROM member_invites WHERE token_hash LIKE ?", prefix + "%")
        return MemberInvite.model_validate(dict(row)) if row else None

    async def open_invites(self, user_id: int) -> list[MemberInvite]:
        rows = await self.store.fetch_all("SELECT * FROM member_invites WHERE user_id = ? AND used_at IS NULL "
                                          "AND revoked_at IS NULL AND expires_at > ? ORDER BY id", user_id,
                                          self.store.now().isoformat())
        return [MemberInvite.model_validate(dict(r)) for r in rows]

    async def invites(self, user_id: int) -> list[MemberInvite]:
        rows = await self.store.fetch_all("SELECT * FROM member_invites WHERE user_id = ? ORDER BY id", user_id)
        return [MemberInvite.model_validate(dict(r)) for r in rows]

    async def use_invite(self, invite_id: int) -> bool:
        """Used up now; False when it was used or revoked meanwhile."""
        cursor = await self.store.change(
            "UPDATE member_invites SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL",
            self.store.now().isoformat(), invite_id)
        return cursor.rowcount == 1

    async def revoke_invite(self, invite_id: int, user_id: int) -> bool:
        """Only the association's own open invitation; False for anything else."""
        cursor = await self.store.change(
            "UPDATE member_invites SET revoked_at = ? WHERE id = ? AND user_id = ? AND used_at IS NULL "
            "AND revoked_at IS NULL", self.store.now().isoformat(), invite_id, user_id)
        return cursor.rowcount == 1

    # -- delivery ---------------------------------------------------------------------------

    async def delivered(self, outbox_id: int) -> set[int]:
        rows = await self.store.fetch_all("SELECT chat_id FROM outbox_deliveries WHERE outbox_id = ?", outbox_id)
        return {int(r["chat_id"]) for r in rows}

    async def mark_delivered(self, outbox_id: int, chat_id: int) -> None:
        await self.store.write("INSERT OR IGNORE INTO outbox_deliveries (outbox_id, chat_id, at) VALUES (?, ?, ?)",
                               outbox_id, chat_id, self.store.now().isoformat())
