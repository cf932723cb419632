"""The office's web view: one-time sign-in links, sessions, and the reads of its pages (the
associations table with its filters, one association's page).

Tokens are stored as SHA-256 hashes only; a link is taken in one statement that also checks
it is unused and young enough, so two tabs opening it at once cannot both get in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.store import Store


@dataclass(frozen=True)
class OfficeSession:
    staff_id: int
    csrf: str
    seen_at: datetime


@dataclass
class AssociationFilter:
    """What the associations table is narrowed to; empty fields do not narrow."""

    name: str = ""
    district: str = ""
    community: str = ""
    topic: str = ""  # with `level`: the need question of a topic
    level: str = ""
    progress: str = ""  # completed, in_progress
    consent: str = ""  # networking, sharing
    # filled in by the caller from the questionnaire
    district_question: str = ""
    community_question: str = ""


@dataclass(frozen=True)
class AssociationRow:
    user_id: int
    name: str | None
    language: str
    district: str | None
    completed_at: str | None
    answered: int
    last_activity: str
    networking: bool
    sharing: bool


class OfficeStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- sign-in --------------------------------------------------------------------------

    async def add_link(self, token_hash: str, staff_id: int) -> None:
        await self.store.write("INSERT INTO office_links (token_hash, staff_id, created_at) VALUES (?, ?, ?)",
                               token_hash, staff_id, self.store.now().isoformat())

    async def take_link(self, token_hash: str, not_before: datetime) -> int | None:
        """The staff id of an unused link made after `not_before`, now used; None otherwise."""
        row = await self.store.fetch_one(
            "UPDATE office_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND created_at >= ? "
            "RETURNING staff_id", self.store.now().isoformat(), token_hash, not_before.isoformat())
        return int(row[0]) if row else None

    async def forget_links(self, before: datetime) -> None:
        await self.store.write("DELETE FROM office_links WHERE created_at < ?", before.isoformat())

    async def add_session(self, token_hash: str, staff_id: int, csrf: str) -> None:
        now = self.store.now().isoformat()
        await self.store.write("INSERT INTO office_sessions (token_hash, staff_id, csrf, created_at, seen_at) "
                               "VALUES (?, ?, ?, ?, ?)", token_hash, staff_id, csrf, now, now)

    async def session(self, token_hash: str) -> OfficeSession | None:
        row = await self.store.fetch_one("SELECT staff_id, csrf, seen_at FROM office_sessions WHERE token_hash = ?",
                                         token_hash)
        if row is None:
            return None
        return OfficeSession(int(row["staff_id"]), str(row["csrf"]), datetime.fromisoformat(row["seen_at"]))

    async def touch_session(self, token_hash: str) -> None:
        await self.store.write("UPDATE office_sessions SET seen_at = ? WHERE token_hash = ?",
                               self.store.now().isoformat(), token_hash)

    async def end_session(self, token_hash: str) -> None:
        await self.store.write("DELETE FROM office_sessions WHERE token_hash = ?", token_hash)

    async def forget_sessions(self, idle_since: datetime) -> None:
        await self.store.write("DELETE FROM office_sessions WHERE seen_at < ?", idle_since.isoformat())

    # -- the associations table -------------------------------------------------------------

    async def associations(self, where: AssociationFilter, limit: int, offset: int) -> tuple[int, list[AssociationRow]]:
        """(how many match, the page's rows): each association's latest questionnaire, the most
        recently started first. Walked along the primary key and cut at the page, so only the
        page's rows are looked into (20,000 associations: a few milliseconds a page)."""
        conditions, params = self._conditions(where)
        latest = "NOT EXISTS (SELECT 1 FROM submissions t WHERE t.user_id = s.user_id AND t.id > s.id)"
        named = "LEFT JOIN organisations o ON o.id = s.organisation_id " if where.name.strip() else ""
        base = (f"FROM submissions s JOIN users u ON u.id = s.user_id {named}WHERE {latest}"
                + "".join(f" AND {c}" for c in conditions))
        count = await self.store.fetch_one(f"SELECT COUNT(*) AS n {base}", *params)
        rows = await self.store.fetch_all(
            "SELECT s.user_id, (SELECT o2.name FROM organisations o2 WHERE o2.id = s.organisation_id) AS name, "
            "u.language, s.completed_at, u.networking, u.sharing, "
            "(SELECT json_extract(d.value, '$') FROM answers d WHERE d.submission_id = s.id AND d.question_id = ?) "
            "AS district, "
            "(SELECT COUNT(*) FROM answers a WHERE a.submission_id = s.id) AS answered, "
            "COALESCE((SELECT MAX(a.answered_at) FROM answers a WHERE a.submission_id = s.id), s.started_at) "
            f"AS last_activity {base} ORDER BY s.id DESC LIMIT ? OFFSET ?",
            where.district_question, *params, limit, offset)
        found = [AssociationRow(int(r["user_id"]), r["name"], str(r["language"]),
                                r["district"] if isinstance(r["district"], str) else None, r["completed_at"],
                                int(r["answered"]), str(r["last_activity"]), bool(r["networking"]),
                                bool(r["sharing"])) for r in rows]
        return (int(count["n"]) if count else 0), found

    @staticmethod
    def _conditions(where: AssociationFilter) -> tuple[list[str], list[Any]]:
        conditions: list[str] = []
        params: list[Any] = []

        def answer_is(question: str, value: str, multi: bool = False) -> None:
            test = "EXISTS (SELECT 1 FROM json_each(a.value) j WHERE j.value = ?)" if multi else "a.value = ?"
            conditions.append("EXISTS (SELECT 1 FROM answers a WHERE a.submission_id = s.id "
                              f"AND a.question_id = ? AND {test})")
            params.extend([question, value if multi else json.dumps(value)])

        if where.name.strip():
            pattern = where.name.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append("o.name LIKE ? ESCAPE '\\'")
            params.append(f"%{pattern}%")
        if where.district and where.district_question:
            answer_is(where.district_question, where.district)
        if where.community and where.community_question:
            answer_is(where.community_question, where.community, multi=True)
        if where.topic and where.level:
            answer_is(where.topic, where.level)
        elif where.topic:
            conditions.append("EXISTS (SELECT 1 FROM answers a WHERE a.submission_id = s.id AND a.question_id = ? "
                              "AND a.value NOT IN ('null', '\"none\"'))")
            params.append(where.topic)
        if where.progress == "completed":
            conditions.append("s.completed_at IS NOT NULL")
        elif where.progress == "in_progress":
            conditions.append("s.completed_at IS NULL")
        if where.consent in ("networking", "sharing"):
            conditions.append(f"u.{where.consent} = 1")
        return conditions, params

    # -- one association --------------------------------------------------------------------

    async def association(self, user_id: int) -> dict[str, Any] | None:
        """Everything its page shows, read in one snapshot by the caller."""
        user = await self.store.fetch_one(
            "SELECT id, language, consent_at, notice_version, networking, sharing, created_at, blocked_at "
            "FROM users WHERE id = ?", user_id)
        if user is None:
            return None
        submissions = await self.store.fetch_all(
            "SELECT s.id, s.questionnaire_version, s.started_at, s.completed_at, o.name, "
            "(SELECT r.name FROM rounds r WHERE r.id = s.round_id) AS round "
            "FROM submissions s LEFT JOIN organisations o ON o.id = s.organisation_id "
            "WHERE s.user_id = ? ORDER BY s.id", user_id)
        answers: dict[int, dict[str, Any]] = {}
        for submission in submissions:
            rows = await self.store.fetch_all("SELECT question_id, value, answered_at FROM answers "
                                              "WHERE submission_id = ?", submission["id"])
            answers[int(submission["id"])] = {r["question_id"]: json.loads(r["value"]) for r in rows}
        return {
            "user": dict(user),
            "submissions": [dict(s) for s in submissions],
            "answers": answers,
            "consents": [dict(r) for r in await self.store.fetch_all(
                "SELECT purpose, given, notice_version, at FROM consents WHERE user_id = ? ORDER BY id", user_id)],
            "requests": [dict(r) for r in await self.store.fetch_all(
                "SELECT partner_id, state, created_at, answered_at FROM contact_requests WHERE user_id = ? "
                "ORDER BY id", user_id)],
            "interest": [dict(r) for r in await self.store.fetch_all(
                "SELECT ref, state, updated_at FROM suggestions WHERE user_id = ? AND kind = 'workshop' "
                "AND state = 'interested' ORDER BY updated_at", user_id)],
            "introductions": [dict(r) for r in await self.store.fetch_all(
                "SELECT from_user, to_user, state, created_at, decided_at FROM introductions "
                "WHERE from_user = ?1 OR to_user = ?1 ORDER BY id", user_id)],
        }
