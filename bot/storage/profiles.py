"""The profile index: each association's need profile (from its latest completed questionnaire)
and the terms SQL selects candidates by: the topics it needs help with, its languages, its
strengths."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from bot.storage.store import Store

Term = tuple[str, str]  # (need | language | strength, value)
# Associations with a strength looked at per topic a completion needs, the most recent first:
# all of them in a city of Wuppertal's size; a bound on the work in a far larger one.
PEERS_PER_TOPIC = 150
# The language term of a profile that names no language: any offer's language will do. A term
# of its own, so that selecting by language is one look-up in the index per candidate.
ANY_LANGUAGE = "*"


def _marks(values: Collection[Any]) -> str:
    return ",".join("?" * len(values))


class ProfileStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def put(self, user_id: int, submission_id: int, profile: dict[str, Any], networking: bool,
                  terms: Iterable[Term]) -> None:
        await self.put_many([(user_id, submission_id, profile, networking, list(terms))])

    async def put_many(self, rows: list[tuple[int, int, dict[str, Any], bool, list[Term]]]) -> None:
        now = self.store.now().isoformat()
        users = [(user_id,) for user_id, *_rest in rows]
        await self.store.db.executemany("DELETE FROM profile_terms WHERE user_id = ?", users)
        await self.store.db.executemany(
            "INSERT OR REPLACE INTO profiles (user_id, submission_id, profile, networking, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(user_id, submission_id, json.dumps(profile, ensure_ascii=False), int(networking), now)
             for user_id, submission_id, profile, networking, _terms in rows])
        await self.store.db.executemany(
            "INSERT OR IGNORE INTO profile_terms (user_id, kind, value) VALUES (?, ?, ?)",
            [(user_id, kind, value) for user_id, _s, _p, _n, terms in rows for kind, value in terms])

    async def clear(self) -> None:
        await self.store.write("DELETE FROM profiles")

    async def count(self) -> int:
        row = await self.store.fetch_one("SELECT COUNT(*) AS n FROM profiles")
        return int(row["n"]) if row else 0

    async def meta(self, key: str) -> str | None:
        row = await self.store.fetch_one("SELECT value FROM meta WHERE key = ?", key)
        return str(row["value"]) if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self.store.write("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value)

    async def for_offer(self, topics: Collection[str], languages: Collection[str]
                        ) -> list[tuple[int, str, str]]:
        """(user, language, profile as stored: JSON) of associations that take messages about new offers and
        need help with one of `topics`, speaking one of `languages` (or naming none)."""
        rows = await self.store.fetch_all(
            "SELECT p.user_id, u.language, p.profile FROM profiles p JOIN users u ON u.id = p.user_id "
            "WHERE u.pushes = 1 AND u.blocked_at IS NULL AND u.consent_at IS NOT NULL "
            f"AND EXISTS (SELECT 1 FROM profile_terms t WHERE t.kind = 'need' AND t.value IN ({_marks(topics)}) "
            "AND t.user_id = p.user_id) "
            "AND EXISTS (SELECT 1 FROM profile_terms l WHERE l.kind = 'language' "
            f"AND l.value IN ({_marks([*languages, ANY_LANGUAGE])}) AND l.user_id = p.user_id)",
            *topics, *languages, ANY_LANGUAGE)
        return [(int(r["user_id"]), r["language"], str(r["profile"])) for r in rows]

    async def peers(self, user_id: int, topics: Collection[str], limit: int,
                    per_topic: int = PEERS_PER_TOPIC) -> list[str]:
        """Profiles (as stored: JSON) of associations that agreed to networking (answer and
        consent) with experience in one of `topics`, those with the most of them first: at most
        `limit`. Per topic only
        the `per_topic` most recent are looked at (walking the index backwards), so the cost
        stays the same however many associations there are."""
        newest = ("SELECT * FROM (SELECT t.user_id FROM profile_terms t "
                  "JOIN profiles p ON p.user_id = t.user_id AND p.networking = 1 "
                  "JOIN users u ON u.id = t.user_id AND u.networking = 1 AND u.blocked_at IS NULL "
                  "WHERE t.kind = 'strength' AND t.value = ? AND t.user_id != ? "
                  "ORDER BY t.user_id DESC LIMIT ?)")
        rows = await self.store.fetch_all(
            "SELECT p.profile, COUNT(*) AS shared FROM (" + " UNION ALL ".join([newest] * len(topics)) + ") c "
            "JOIN profiles p ON p.user_id = c.user_id GROUP BY c.user_id ORDER BY shared DESC, c.user_id DESC LIMIT ?",
            *[value for topic in topics for value in (topic, user_id, per_topic)], limit)
        return [str(r["profile"]) for r in rows]
