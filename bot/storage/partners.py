"""Partner contacts and their invitations; the need profiles a partner may see counted."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from bot.storage.erasure import note_erasure
from bot.storage.store import Store

# A partner contact's data is kept this long after their access ended (revoked), or after they
# last used the bot while it is open; then the nightly purge erases it (`PartnerStore.erase`).
CONTACT_KEEP = timedelta(days=365)


class Invite(BaseModel):
    token_hash: str
    partner_id: str
    created_by: int | None
    created_at: str
    expires_at: str
    used_at: str | None
    used_by: int | None


class PartnerContact(BaseModel):
    user_id: int
    partner_id: str
    name: str | None
    language: str
    joined_at: str
    last_active_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class PartnerStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add_invite(self, token_hash: str, partner_id: str, created_by: int | None, expires_at: str) -> None:
        await self.store.write(
            "INSERT INTO partner_invites (token_hash, partner_id, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)", token_hash, partner_id, created_by, self.store.now().isoformat(), expires_at)

    async def invite(self, token_hash: str) -> Invite | None:
        row = await self.store.fetch_one("SELECT * FROM partner_invites WHERE token_hash = ?", token_hash)
        return Invite.model_validate(dict(row)) if row else None

    async def invite_by_prefix(self, prefix: str) -> Invite | None:
        """The invitation a joining button names by the start of its hash (callback data is short)."""
        row = await self.store.fetch_one("SELECT * FROM partner_invites WHERE token_hash LIKE ?", prefix + "%")
        return Invite.model_validate(dict(row)) if row else None

    async def use_invite(self, token_hash: str, user_id: int) -> None:
        await self.store.write("UPDATE partner_invites SET used_at = ?, used_by = ? WHERE token_hash = ?",
                               self.store.now().isoformat(), user_id, token_hash)

    async def add_contact(self, user_id: int, partner_id: str, name: str | None, language: str) -> None:
        """A new contact, or one whose access was revoked joining again by a new invitation."""
        now = self.store.now().isoformat()
        await self.store.write(
            "INSERT INTO partner_contacts (user_id, partner_id, name, language, joined_at, last_active_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT(user_id) DO UPDATE SET partner_id = ?2, name = ?3, "
            "language = ?4, joined_at = ?5, last_active_at = ?5, revoked_at = NULL",
            user_id, partner_id, name, language, now)

    async def contact(self, user_id: int) -> PartnerContact | None:
        row = await self.store.fetch_one("SELECT * FROM partner_contacts WHERE user_id = ?", user_id)
        return PartnerContact.model_validate(dict(row)) if row else None

    async def contacts(self) -> list[PartnerContact]:
        rows = await self.store.fetch_all("SELECT * FROM partner_contacts ORDER BY partner_id, joined_at")
        return [PartnerContact.model_validate(dict(r)) for r in rows]

    async def touch(self, user_id: int) -> None:
        await self.store.write("UPDATE partner_contacts SET last_active_at = ? WHERE user_id = ?",
                               self.store.now().isoformat(), user_id)

    async def revoke(self, user_id: int) -> bool:
        row = await self.store.fetch_one(
            "UPDATE partner_contacts SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL RETURNING user_id",
            self.store.now().isoformat(), user_id)
        return row is not None

    async def erase(self, user_id: int) -> str | None:
        """Everything about a partner contact (their /delete, or retention): the contact, the
        invitation's link to them, their events, their flow and messages; what their organisation
        answered or proposed stays, without them. The organisation's id, or None when unknown."""
        row = await self.store.fetch_one("DELETE FROM partner_contacts WHERE user_id = ? RETURNING partner_id",
                                         user_id)
        if row is None:
            return None
        await note_erasure(self.store)  # the log is to be emptied of it (bot.storage.erasure)
        for sql in ("UPDATE partner_invites SET used_by = NULL WHERE used_by = ?",
                    "UPDATE contact_requests SET answered_by = NULL WHERE answered_by = ?",
                    "UPDATE proposals SET contact_id = 0 WHERE contact_id = ?",  # 0: nobody to tell of the decision
                    "DELETE FROM events WHERE json_valid(data) AND json_extract(data, '$.contact') = ?",
                    "DELETE FROM staff_flows WHERE user_id = ?",
                    "DELETE FROM outbox WHERE chat_id = ? AND user_id IS NULL AND state != 'sending'",
                    "UPDATE inbox SET payload = NULL, user_id = NULL WHERE user_id = ?"):
            await self.store.write(sql, user_id)
        return str(row["partner_id"])

    async def expired(self, now: datetime) -> list[int]:
        """Contacts kept long enough: access ended CONTACT_KEEP ago, or open and unused that long."""
        cutoff = (now - CONTACT_KEEP).isoformat()
        rows = await self.store.fetch_all(
            "SELECT user_id FROM partner_contacts WHERE COALESCE(revoked_at, last_active_at) < ?", cutoff)
        return [int(r["user_id"]) for r in rows]

    async def rows_of(self, user_id: int) -> dict[str, Any]:
        """Everything stored about a partner contact, for their /mydata."""
        contact = await self.store.fetch_one("SELECT * FROM partner_contacts WHERE user_id = ?", user_id)
        invites = await self.store.fetch_all(
            "SELECT partner_id, created_at, expires_at, used_at FROM partner_invites WHERE used_by = ?", user_id)
        answered = await self.store.fetch_all(
            "SELECT partner_id, topics, state, answered_at FROM contact_requests WHERE answered_by = ?", user_id)
        events = await self.store.fetch_all(
            "SELECT at, kind, data FROM events WHERE kind LIKE 'partner%' AND json_extract(data, '$.contact') = ? "
            "ORDER BY id", user_id)
        return {"partner_contact": dict(contact) if contact else None, "invitation": [dict(r) for r in invites],
                "answered_requests": [{**dict(r), "topics": json.loads(r["topics"])} for r in answered],
                "events": [{**dict(r), "data": json.loads(r["data"]) if r["data"] else None} for r in events]}

    async def need_profiles(self) -> list[str]:
        """The need profile (as the index stores it: JSON) of every completed questionnaire of an
        association that agreed to sharing: counted for partners, never shown one by one; one
        that did not agree counts in no figure a partner sees."""
        rows = await self.store.fetch_all(
            "SELECT p.profile FROM profiles p JOIN submissions s ON s.id = p.submission_id "
            "JOIN users u ON u.id = p.user_id WHERE s.completed_at IS NOT NULL AND u.sharing = 1")
        return [str(r["profile"]) for r in rows]


class ContactRequest(BaseModel):
    id: int
    user_id: int
    submission_id: int
    partner_id: str
    topics: list[str]
    state: str
    created_at: str
    answered_at: str | None
    answered_by: int | None


class RequestStore:
    """Contact requests from associations to partner organisations."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, user_id: int, submission_id: int, partner_id: str, topics: list[str]) -> int | None:
        """The new request's id; None when this questionnaire asked this organisation before."""
        row = await self.store.fetch_one(
            "INSERT INTO contact_requests (user_id, submission_id, partner_id, topics, state, created_at) "
            "VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT (submission_id, partner_id) DO NOTHING RETURNING id",
            user_id, submission_id, partner_id, json.dumps(sorted(topics)), self.store.now().isoformat())
        return int(row["id"]) if row else None

    async def get(self, request_id: int) -> ContactRequest | None:
        row = await self.store.fetch_one("SELECT * FROM contact_requests WHERE id = ?", request_id)
        return ContactRequest.model_validate({**dict(row), "topics": json.loads(row["topics"])}) if row else None

    async def answer(self, request_id: int, state: str, contact_id: int) -> bool:
        """True when this answer settled the request (the first of its organisation's contacts)."""
        row = await self.store.fetch_one(
            "UPDATE contact_requests SET state = ?, answered_at = ?, answered_by = ? "
            "WHERE id = ? AND state = 'pending' RETURNING id",
            state, self.store.now().isoformat(), contact_id, request_id)
        return row is not None

    async def withdraw(self, user_id: int) -> int:
        """An association took its consent to sharing back: its open requests are withdrawn."""
        rows = await self.store.fetch_all(
            "UPDATE contact_requests SET state = 'withdrawn', answered_at = ? "
            "WHERE user_id = ? AND state = 'pending' RETURNING id", self.store.now().isoformat(), user_id)
        return len(rows)

    async def open_by_partner(self) -> dict[str, int]:
        rows = await self.store.fetch_all(
            "SELECT partner_id, COUNT(*) AS n FROM contact_requests WHERE state = 'pending' GROUP BY partner_id")
        return {str(r["partner_id"]): int(r["n"]) for r in rows}

    async def counts(self, since: str, open_before: str) -> dict[str, int]:
        """For the digest: requests sent since `since` by state, and open ones older than `open_before`."""
        rows = await self.store.fetch_all(
            "SELECT state, COUNT(*) AS n FROM contact_requests WHERE created_at >= ? GROUP BY state", since)
        found = {str(r["state"]): int(r["n"]) for r in rows}
        stale = await self.store.fetch_one(
            "SELECT COUNT(*) AS n FROM contact_requests WHERE state = 'pending' AND created_at < ?", open_before)
        found["open_long"] = int(stale["n"]) if stale else 0
        return found


class Proposal(BaseModel):
    id: int
    partner_id: str
    contact_id: int
    workshop: str  # JSON
    state: str
    reason: str | None
    created_at: str


class ProposalStore:
    """Workshops proposed by partner contacts, waiting for staff."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, partner_id: str, contact_id: int, workshop: str) -> int:
        row = await self.store.fetch_one(
            "INSERT INTO proposals (partner_id, contact_id, workshop, state, created_at) "
            "VALUES (?, ?, ?, 'pending', ?) RETURNING id", partner_id, contact_id, workshop,
            self.store.now().isoformat())
        assert row is not None
        return int(row["id"])

    async def get(self, proposal_id: int) -> Proposal | None:
        row = await self.store.fetch_one(
            "SELECT id, partner_id, contact_id, workshop, state, reason, created_at FROM proposals WHERE id = ?",
            proposal_id)
        return Proposal.model_validate(dict(row)) if row else None

    async def decide(self, proposal_id: int, state: str, by: int, reason: str | None = None,
                     workshop_id: str | None = None) -> bool:
        row = await self.store.fetch_one(
            "UPDATE proposals SET state = ?, reason = ?, decided_at = ?, decided_by = ?, workshop_id = ? "
            "WHERE id = ? AND state = 'pending' RETURNING id",
            state, reason, self.store.now().isoformat(), by, workshop_id, proposal_id)
        return row is not None

    async def pending_ids(self) -> list[int]:
        """Every proposal waiting for staff, oldest first."""
        rows = await self.store.fetch_all("SELECT id FROM proposals WHERE state = 'pending' ORDER BY id")
        return [int(r["id"]) for r in rows]

    async def pending(self) -> list[tuple[str, list[str]]]:
        """(partner, the proposed workshop's topics) of every proposal waiting for staff."""
        rows = await self.store.fetch_all(
            "SELECT partner_id, json_extract(workshop, '$.topics') AS topics FROM proposals WHERE state = 'pending'")
        return [(str(r["partner_id"]), json.loads(r["topics"] or "[]")) for r in rows]
