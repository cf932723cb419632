"""The reads the needs report for the committee is built from (`bot.report.data` decides the
period, the round and what the rows mean); all on one snapshot, given as the store."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import aiosqlite

from bot.storage.store import Store

SUBMISSIONS = ("SELECT s.id, s.user_id, u.language, s.started_at, s.completed_at FROM submissions s "
               "JOIN users u ON u.id = s.user_id WHERE {where} ORDER BY s.id")


class ReportReads:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def rounds(self) -> list[dict[str, Any]]:
        """Every round (id, name, opened_at), oldest first."""
        return [dict(r) for r in await self.store.fetch_all("SELECT id, name, opened_at FROM rounds ORDER BY id")]

    async def invited(self, opened_at: str, round_id: int) -> int:
        """Associations a round invited: those that had completed a questionnaire before it."""
        row = await self.store.fetch_one(
            "SELECT COUNT(DISTINCT user_id) AS n FROM submissions WHERE completed_at IS NOT NULL "
            "AND completed_at <= ? AND round_id IS NOT ?", opened_at, round_id)
        return int(row["n"]) if row else 0

    async def submissions_in_round(self, round_id: int) -> list[aiosqlite.Row]:
        """(id, user_id, language, started_at, completed_at) of the round's submissions."""
        return await self.store.fetch_all(SUBMISSIONS.format(where="s.round_id = ?"), round_id)

    async def submissions_started(self, start: str | None, end: str | None) -> list[aiosqlite.Row]:
        """The same for submissions started in [start, end) (either open)."""
        where, params = self._started(start, end)
        return await self.store.fetch_all(SUBMISSIONS.format(where=where), *params)

    async def first_started(self, start: str | None, end: str | None) -> str | None:
        where, params = self._started(start, end)
        row = await self.store.fetch_one(f"SELECT MIN(s.started_at) AS at FROM submissions s WHERE {where}", *params)
        return str(row["at"]) if row and row["at"] else None

    @staticmethod
    def _started(start: str | None, end: str | None) -> tuple[str, list[str]]:
        clauses, params = ["1 = 1"], []
        if start is not None:
            clauses.append("s.started_at >= ?")
            params.append(start)
        if end is not None:
            clauses.append("s.started_at < ?")
            params.append(end)
        return " AND ".join(clauses), params

    async def answers(self, submission_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Submission -> {question: answer} as stored (renamed questions are the engine's)."""
        stored: dict[int, dict[str, Any]] = defaultdict(dict)
        for answer in await self.store.fetch_in(
                "SELECT submission_id, question_id, value FROM answers WHERE submission_id IN ({marks})",
                list(submission_ids)):
            stored[answer["submission_id"]][answer["question_id"]] = json.loads(answer["value"])
        return stored

    async def introduction_states(self, start: str, end: str) -> dict[str, int]:
        rows = await self.store.fetch_all(
            "SELECT state, COUNT(*) AS n FROM introductions WHERE created_at >= ? AND created_at < ? "
            "GROUP BY state ORDER BY state", start, end)
        return {str(r["state"]): int(r["n"]) for r in rows}

    async def request_states(self, start: str, end: str) -> list[tuple[str, str, int]]:
        """(partner, state, requests) of the contact requests made in the period."""
        rows = await self.store.fetch_all(
            "SELECT partner_id, state, COUNT(*) AS n FROM contact_requests WHERE created_at >= ? "
            "AND created_at < ? GROUP BY partner_id, state ORDER BY partner_id, state", start, end)
        return [(str(r["partner_id"]), str(r["state"]), int(r["n"])) for r in rows]
