"""An association's contact person for the office and the partner organisations it asked for
contact: a third person's name (or role) and one way to reach them. One row per association,
gone with it (`ON DELETE CASCADE`): /delete and the retention rule erase it with the user."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.store import Store


@dataclass(frozen=True)
class ContactPerson:
    user_id: int
    name: str
    reach: str  # a phone number or an e-mail address
    version: int
    given_at: str


@dataclass(frozen=True)
class SentCard:
    """A request card that already left (or is leaving): its contact hears of a new contact person."""

    request_id: int
    contact_id: int


class ContactPersonStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, user_id: int) -> ContactPerson | None:
        row = await self.store.fetch_one(
            "SELECT user_id, name, reach, version, given_at FROM contact_persons WHERE user_id = ?", user_id)
        return ContactPerson(int(row["user_id"]), str(row["name"]), str(row["reach"]), int(row["version"]),
                             str(row["given_at"])) if row else None

    async def set(self, user_id: int, name: str, reach: str) -> int:
        """Given or changed: its new version."""
        row = await self.store.fetch_one(
            "INSERT INTO contact_persons (user_id, name, reach, version, given_at) VALUES (?, ?, ?, 1, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, reach = excluded.reach, "
            "version = contact_persons.version + 1, given_at = excluded.given_at RETURNING version",
            user_id, name, reach, self.store.now().isoformat())
        assert row is not None
        return int(row["version"])

    async def remove(self, user_id: int) -> bool:
        row = await self.store.fetch_one("DELETE FROM contact_persons WHERE user_id = ? RETURNING user_id", user_id)
        return row is not None

    async def forget_without_questionnaire(self) -> int:
        """After the retention rule deleted an association's unfinished questionnaire (its last):
        the contact person it named goes too. The rest goes with the association (the user)."""
        rows = await self.store.fetch_all(
            "DELETE FROM contact_persons WHERE NOT EXISTS (SELECT 1 FROM submissions s "
            "WHERE s.user_id = contact_persons.user_id) RETURNING user_id")
        return len(rows)

    async def asked(self, user_id: int, submission_id: int) -> list[str]:
        """The organisations this questionnaire asked for contact (a request, or a wish the
        office passes on because nobody there uses the bot)."""
        rows = await self.store.fetch_all(
            "SELECT partner_id FROM contact_requests WHERE submission_id = ? AND user_id = ? "
            "UNION SELECT partner_id FROM tasks WHERE kind = 'no_contact' AND ref LIKE ? AND user_id = ? "
            "AND partner_id IS NOT NULL", submission_id, user_id, f"s{submission_id}:%", user_id)
        return sorted(str(r["partner_id"]) for r in rows)

    async def sent_cards(self, user_id: int) -> list[SentCard]:
        """The request cards of this association's open requests (waiting for an answer, or
        answered "We will get in touch") that have left the outbox: a card still waiting there
        is drawn with the contact person when it goes."""
        rows = await self.store.fetch_all(
            "SELECT r.id AS request_id, c.user_id AS contact_id FROM contact_requests r "
            "JOIN users u ON u.id = r.user_id AND u.sharing = 1 "
            "JOIN partner_contacts c ON c.partner_id = r.partner_id "
            "JOIN outbox o ON o.dedupe_key = 'request:' || r.id || ':' || c.user_id "
            "WHERE r.user_id = ? AND r.state IN ('pending', 'accepted') AND o.state IN ('sending', 'sent') "
            "ORDER BY r.id, c.user_id", user_id)
        return [SentCard(int(r["request_id"]), int(r["contact_id"])) for r in rows]


@dataclass(frozen=True)
class OpenRequest:
    """A partner's open contact request as its /needs lists it: the association (which the card
    named already) and its contact person, where it gave one."""

    request_id: int
    user_id: int
    state: str  # pending, accepted
    topics: str  # JSON
    created_at: str
    name: str | None  # the association's
    person: str | None
    reach: str | None


async def open_requests(store: Store, partner_id: str, limit: int = 20) -> list[OpenRequest]:
    """This organisation's requests waiting for an answer or answered "We will get in touch", of
    associations that still agree to sharing; the newest first."""
    rows = await store.fetch_all(
        "SELECT r.id, r.user_id, r.state, r.topics, r.created_at, "
        "(SELECT o.name FROM submissions s JOIN organisations o ON o.id = s.organisation_id "
        " WHERE s.id = r.submission_id) AS name, p.name AS person, p.reach "
        "FROM contact_requests r JOIN users u ON u.id = r.user_id AND u.sharing = 1 "
        "LEFT JOIN contact_persons p ON p.user_id = r.user_id "
        "WHERE r.partner_id = ? AND r.state IN ('pending', 'accepted') ORDER BY r.id DESC LIMIT ?",
        partner_id, limit)
    return [OpenRequest(int(r["id"]), int(r["user_id"]), str(r["state"]), str(r["topics"]), str(r["created_at"]),
                        r["name"], r["person"], r["reach"]) for r in rows]
