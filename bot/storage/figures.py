"""The reads the weekly digest's figures are counted from (`bot.digest.figures` decides what
they mean: which questions, which levels, which period)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from bot.storage.store import Store

# One submission as the digest counts it: who, when started and completed, and the last answer
# given before the end of the period (ISO texts as stored; None where there is none).
SubmissionTimes = tuple[int, str, str | None, str | None]


class StoredFreeText(NamedTuple):
    question_id: str
    value: Any  # the stored JSON, read
    answered_at: str
    language: str | None


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


class FigureReads:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def latest_round(self) -> tuple[int, str] | None:
        row = await self.store.fetch_one("SELECT id, name FROM rounds ORDER BY id DESC LIMIT 1")
        return (int(row["id"]), str(row["name"])) if row is not None else None

    async def round_pairs(self, round_id: int) -> list[tuple[int, int]]:
        """(completed submission in the round, the one before it) per association, its latest."""
        rows = await self.store.fetch_all(
            "SELECT s.id, s.previous_id FROM submissions s WHERE s.round_id = ? AND s.completed_at IS NOT NULL "
            "AND s.previous_id IS NOT NULL AND s.id = (SELECT MAX(t.id) FROM submissions t "
            "WHERE t.user_id = s.user_id AND t.round_id = s.round_id AND t.completed_at IS NOT NULL)", round_id)
        return [(int(r["id"]), int(r["previous_id"])) for r in rows]

    async def answers_of(self, submission_ids: Sequence[int], questions: Sequence[str]) -> dict[int, dict[str, Any]]:
        """Submission -> {question: stored answer} for these questions (as stored: the caller
        reads renamed questions through the engine)."""
        stored: dict[int, dict[str, Any]] = {i: {} for i in submission_ids}
        if not questions:
            return stored
        for row in await self.store.fetch_in(
                "SELECT submission_id, question_id, value FROM answers WHERE submission_id IN ({marks}) "
                f"AND question_id IN ({_marks(questions)})", list(submission_ids), *questions):
            stored[row["submission_id"]][row["question_id"]] = json.loads(row["value"])
        return stored

    async def count_submissions(self, end: str,
                                count: Callable[[Iterable[SubmissionTimes]], dict[str, int]]) -> dict[str, int]:
        """`count` over every submission started before `end` (`SubmissionTimes` rows), run on
        the database's thread as the rows come: at city scale these are tens of thousands, and
        the event loop has users to answer meanwhile."""
        def rows(conn: sqlite3.Connection) -> dict[str, int]:
            return count(conn.execute(
                "SELECT s.user_id, s.started_at, s.completed_at, "
                "MAX(CASE WHEN a.answered_at < ? THEN a.answered_at END) AS last_answer "
                "FROM submissions s LEFT JOIN answers a ON a.submission_id = s.id "
                "WHERE s.started_at < ? GROUP BY s.id", (end, end)))

        counted: dict[str, int] = await self.store.db.run(rows)
        return counted

    async def latest_answers_count(self, cutoff: str, questions: Sequence[str],
                                   values: Sequence[str] | None = None) -> dict[str, int]:
        """Question -> associations whose latest questionnaire completed before `cutoff` gave
        one of `values` there (stored JSON texts), or any answer but a skip (`values` None).
        Counted by SQLite: reading every answer into Python took two seconds at 20,000."""
        if not questions or (values is not None and not values):
            return {}
        chosen = f"a.value IN ({_marks(values)})" if values is not None else "a.value != 'null'"
        rows = await self.store.fetch_all(
            "WITH latest AS (SELECT MAX(id) AS id FROM submissions WHERE completed_at IS NOT NULL "
            "AND completed_at < ? GROUP BY user_id) "
            "SELECT a.question_id, COUNT(*) AS n FROM latest JOIN answers a ON a.submission_id = latest.id "
            f"WHERE a.question_id IN ({_marks(questions)}) AND {chosen} GROUP BY a.question_id",
            cutoff, *questions, *(values or ()))
        return {str(r["question_id"]): int(r["n"]) for r in rows}

    async def introductions(self, start: str, end: str) -> tuple[int, int]:
        """(asked for, accepted) in the period."""
        row = await self.store.fetch_one(
            "SELECT SUM(created_at >= ? AND created_at < ?) AS requested, "
            "SUM(state = 'accepted' AND decided_at >= ? AND decided_at < ?) AS accepted FROM introductions",
            start, end, start, end)
        return (int(row["requested"] or 0), int(row["accepted"] or 0)) if row else (0, 0)

    async def chat_languages(self, end: str) -> dict[str, int]:
        """Chat language -> associations that started before `end`, most first."""
        rows = await self.store.fetch_all(
            "SELECT u.language, COUNT(DISTINCT u.id) AS n FROM users u JOIN submissions s ON s.user_id = u.id "
            "WHERE s.started_at < ? GROUP BY u.language ORDER BY n DESC, u.language", end)
        return {r["language"]: int(r["n"]) for r in rows}

    async def free_texts(self, questions: Sequence[str], start: str, end: str, limit: int) -> list[StoredFreeText]:
        """The newest answers to these questions in the period (not skipped), with the chat
        language of the association that wrote each."""
        if not questions:
            return []
        rows = await self.store.fetch_all(
            "SELECT a.question_id, a.value, a.answered_at, (SELECT u.language FROM submissions s JOIN users u "
            "ON u.id = s.user_id WHERE s.id = a.submission_id) AS language "
            f"FROM answers a WHERE a.question_id IN ({_marks(questions)}) "
            "AND a.answered_at >= ? AND a.answered_at < ? AND a.value != 'null' ORDER BY a.answered_at DESC LIMIT ?",
            *questions, start, end, limit)
        return [StoredFreeText(r["question_id"], json.loads(r["value"]), r["answered_at"], r["language"])
                for r in rows]
