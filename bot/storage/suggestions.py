"""Suggestions shown to associations, their answers to them, and peer introductions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

from pydantic import BaseModel

from bot.storage.store import Store, Submission


class SuggestionRow(BaseModel):
    id: int
    user_id: int
    kind: str
    ref: str
    score: float
    reasons: list[dict[str, Any]]
    state: str


class Introduction(BaseModel):
    id: int
    from_user: int
    to_user: int
    topic: str | None
    state: str


class SuggestionStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def upsert(self, user_id: int, kind: str, ref: str, score: float,
                     reasons: list[dict[str, Any]]) -> SuggestionRow:
        """The row for this offer and user; a repeat keeps its state (interested, dismissed)."""
        return (await self.upsert_for(user_id, [(kind, ref, score, reasons)]))[0]

    async def upsert_for(self, user_id: int, offers: list[tuple[str, str, float, list[dict[str, Any]]]]
                         ) -> list[SuggestionRow]:
        """`upsert` for several (kind, ref, score, reasons) of one user, in one trip."""
        now = self.store.now().isoformat()

        def write(conn: sqlite3.Connection) -> list[Any]:
            return [conn.execute(
                "INSERT INTO suggestions (user_id, kind, ref, score, reasons, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, kind, ref) DO UPDATE SET "
                "score = excluded.score, reasons = excluded.reasons, updated_at = excluded.updated_at "
                "RETURNING *", (user_id, kind, ref, score, json.dumps(reasons, ensure_ascii=False), now, now),
            ).fetchone() for kind, ref, score, reasons in offers]

        return [_suggestion(row) for row in await self.store.db.run(write)]

    async def upsert_many(self, kind: str, rows: list[tuple[int, str, float, str]]) -> list[int]:
        """`upsert` for many (user, ref, score, reasons as JSON) of one kind in one go; their ids,
        in order."""
        now = self.store.now().isoformat()
        await self.store.db.executemany(
            "INSERT INTO suggestions (user_id, kind, ref, score, reasons, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, kind, ref) DO UPDATE SET "
            "score = excluded.score, reasons = excluded.reasons, updated_at = excluded.updated_at",
            [(user_id, kind, ref, score, reasons, now, now) for user_id, ref, score, reasons in rows])
        # Read back by user (the unique index leads with it): by offer, the thousandth chunk for a
        # new workshop would read the 249,750 rows the ones before it wrote.
        # Only these offers: an association may have hundreds of suggestions of other offers.
        refs = list(dict.fromkeys(ref for _user_id, ref, _score, _reasons in rows))
        ids = {(int(row["user_id"]), row["ref"]): int(row["id"]) for row in await self.store.fetch_in(
            "SELECT id, user_id, ref FROM suggestions WHERE user_id IN ({marks}) AND kind = ? "
            f"AND ref IN ({','.join('?' * len(refs))})",
            list(dict.fromkeys(user_id for user_id, _ref, _score, _reasons in rows)), kind, *refs)}
        return [ids[(user_id, ref)] for user_id, ref, _score, _reasons in rows]

    async def offered(self, kind: str, refs: list[str]) -> set[tuple[int, str]]:
        """(user, ref) of every suggestion of these offers, whatever its state."""
        rows = await self.store.fetch_in(
            "SELECT user_id, ref FROM suggestions WHERE ref IN ({marks}) AND kind = ?", refs, kind)
        return {(int(r["user_id"]), r["ref"]) for r in rows}

    async def get(self, suggestion_id: int) -> SuggestionRow | None:
        row = await self.store.fetch_one("SELECT * FROM suggestions WHERE id = ?", suggestion_id)
        return _suggestion(row) if row else None

    async def find(self, user_id: int, kind: str, ref: str) -> SuggestionRow | None:
        row = await self.store.fetch_one(
            "SELECT * FROM suggestions WHERE user_id = ? AND kind = ? AND ref = ?", user_id, kind, ref)
        return _suggestion(row) if row else None

    async def interested(self, user_id: int, kind: str) -> list[SuggestionRow]:
        """What an association marked "interested", oldest mark first."""
        rows = await self.store.fetch_all("SELECT * FROM suggestions WHERE user_id = ? AND kind = ? "
                                          "AND state = 'interested' ORDER BY updated_at, id", user_id, kind)
        return [_suggestion(r) for r in rows]

    async def set_state(self, suggestion_id: int, state: str) -> None:
        await self.store.write("UPDATE suggestions SET state = ?, updated_at = ? WHERE id = ?",
                               state, self.store.now().isoformat(), suggestion_id)

    async def states(self, user_id: int) -> dict[tuple[str, str], str]:
        rows = await self.store.fetch_all("SELECT kind, ref, state FROM suggestions WHERE user_id = ?", user_id)
        return {(r["kind"], r["ref"]): r["state"] for r in rows}

    async def interest_counts(self, kind: str, refs: Sequence[str] | None = None,
                              sharing: bool = False) -> dict[str, int]:
        """How many are interested, per offer; only for `refs` if given (the index then finds
        just their interested rows, however many suggestions there are); with `sharing`, only
        associations that agreed that their name and needs may be passed on (what partners see)."""
        only = " AND user_id IN (SELECT id FROM users WHERE sharing = 1)" if sharing else ""
        if refs is None:
            rows = await self.store.fetch_all(
                "SELECT ref, COUNT(*) AS n FROM suggestions WHERE kind = ? AND state = 'interested'"
                f"{only} GROUP BY ref", kind)
        else:
            rows = await self.store.fetch_in(
                "SELECT ref, COUNT(*) AS n FROM suggestions WHERE ref IN ({marks}) AND kind = ? "
                f"AND state = 'interested'{only} GROUP BY ref", refs, kind)
        return {r["ref"]: int(r["n"]) for r in rows}

    async def interested_users(self, kind: str, ref: str) -> list[int]:
        rows = await self.store.fetch_all(
            "SELECT user_id FROM suggestions WHERE kind = ? AND ref = ? AND state = 'interested'", kind, ref)
        return [int(r["user_id"]) for r in rows]

    # -- associations to match against ------------------------------------------------------

    async def completed_profiles(self, only: tuple[Collection[str], Collection[Any]] | None = None,
                                 questions: Collection[str] | None = None,
                                 any_of: tuple[Collection[str], Collection[str]] | None = None,
                                 networking: bool = False) -> list[tuple[Submission, dict[str, Any]]]:
        """Each user's latest completed submission with its answers, as the running version
        reads them. Filters name the stored ids (a question's earlier ids too): `only`, an
        answer to one of these questions with one of these values; `any_of`, a multiple-choice
        answer holding any of these options; `questions`, only the answers to those (what a
        need profile reads); `networking`, only associations that consented to networking."""
        sql = ("SELECT s.* FROM submissions s JOIN users u ON u.id = s.user_id "
               "WHERE s.completed_at IS NOT NULL AND u.blocked_at IS NULL AND s.id = "
               "(SELECT MAX(id) FROM submissions t WHERE t.user_id = s.user_id AND t.completed_at IS NOT NULL)")
        params: list[Any] = []
        if networking:
            sql += " AND u.networking = 1"
        if only is not None:
            ids, values = sorted(only[0]), [json.dumps(v) for v in only[1]]
            sql += " AND EXISTS (SELECT 1 FROM answers a WHERE a.submission_id = s.id " \
                   f"AND a.question_id IN ({_marks(ids)}) AND a.value IN ({_marks(values)}))"
            params += [*ids, *values]
        if any_of is not None:
            ids, options = sorted(any_of[0]), sorted(any_of[1])
            sql += " AND EXISTS (SELECT 1 FROM answers a, json_each(a.value) j WHERE a.submission_id = s.id " \
                   f"AND a.question_id IN ({_marks(ids)}) AND j.value IN ({_marks(options)}))"
            params += [*ids, *options]
        rows = await self.store.fetch_all(sql, *params)
        submissions = [Submission.model_validate(dict(r)) for r in rows]
        if not submissions:
            return []
        answers: dict[int, dict[str, Any]] = {s.id: {} for s in submissions}
        sql = "SELECT submission_id, question_id, value FROM answers WHERE submission_id IN ({marks})"
        wanted = sorted(questions) if questions is not None else []
        if questions is not None:
            sql += f" AND question_id IN ({','.join('?' * len(wanted))})"
        value = _Values()
        for row in await self.store.fetch_in(sql, [s.id for s in submissions], *wanted):
            answers[row["submission_id"]][row["question_id"]] = value(row["value"])
        return [(s, self.store.answer_view(answers[s.id])) for s in submissions]

    # -- introductions ---------------------------------------------------------------------

    async def introduction_between(self, a: int, b: int) -> Introduction | None:
        row = await self.store.fetch_one(
            "SELECT * FROM introductions WHERE (from_user = ? AND to_user = ?) OR (from_user = ? AND to_user = ?)",
            a, b, b, a)
        return Introduction.model_validate(dict(row)) if row else None

    async def introduced_with(self, user_id: int) -> set[int]:
        rows = await self.store.fetch_all(
            "SELECT from_user, to_user FROM introductions WHERE from_user = ? OR to_user = ?", user_id, user_id)
        return {int(r["to_user"]) if r["from_user"] == user_id else int(r["from_user"]) for r in rows}

    async def request_introduction(self, from_user: int, to_user: int, topic: str | None) -> Introduction:
        changed = await self.store.change(
            "INSERT INTO introductions (from_user, to_user, topic, created_at) VALUES (?, ?, ?, ?)",
            from_user, to_user, topic, self.store.now().isoformat())
        introduction = await self.introduction(int(changed.lastrowid or 0))
        assert introduction is not None
        return introduction

    async def introduction(self, introduction_id: int) -> Introduction | None:
        row = await self.store.fetch_one("SELECT * FROM introductions WHERE id = ?", introduction_id)
        return Introduction.model_validate(dict(row)) if row else None

    async def decide(self, introduction_id: int, accepted: bool) -> None:
        await self.store.write(
            "UPDATE introductions SET state = ?, decided_at = ? WHERE id = ? AND state = 'requested'",
            "accepted" if accepted else "declined", self.store.now().isoformat(), introduction_id)


class _Values:
    """Answer values as `json.loads` gives them, each distinct text parsed once: most answers
    are one of a few levels, yes/no or short lists. Every answer still gets its own list."""

    def __init__(self) -> None:
        self._known: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        if text in self._known:
            value = self._known[text]
            return list(value) if isinstance(value, list) else value
        value = json.loads(text)
        if not isinstance(value, (list, dict)) or (
                isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value)):
            self._known[text] = list(value) if isinstance(value, list) else value
        return value


def _marks(values: Collection[Any]) -> str:
    return ",".join("?" * len(values))


def _suggestion(row: Any) -> SuggestionRow:
    return SuggestionRow.model_validate({**dict(row), "reasons": json.loads(row["reasons"])})
