"""Staff-side state: guided conversations in progress, broadcasts, and the lists staff read."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from bot.storage.store import Store, Submission


class Flow(BaseModel):
    user_id: int
    flow: str
    step: str
    data: dict[str, Any]


class BroadcastRow(BaseModel):
    """A broadcast as recorded when staff sent it: enough to queue it (again) after a restart."""

    id: int
    topic: str | None
    text: str
    created_at: datetime


class MsoRow(BaseModel):
    user_id: int
    submission_id: int
    name: str | None
    language: str
    started_at: str
    completed_at: str | None
    answered: int
    last_activity: str


class StaffStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def flow(self, user_id: int) -> Flow | None:
        row = await self.store.fetch_one("SELECT * FROM staff_flows WHERE user_id = ?", user_id)
        return Flow.model_validate({**dict(row), "data": json.loads(row["data"])}) if row else None

    async def save_flow(self, flow: Flow) -> None:
        await self.store.write(
            "INSERT INTO staff_flows (user_id, flow, step, data, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step, "
            "data = excluded.data, updated_at = excluded.updated_at",
            flow.user_id, flow.flow, flow.step, json.dumps(flow.data, ensure_ascii=False),
            self.store.now().isoformat())

    async def end_flow(self, user_id: int) -> None:
        await self.store.write("DELETE FROM staff_flows WHERE user_id = ?", user_id)

    async def add_broadcast(self, staff_id: int, topic: str | None, text: str) -> BroadcastRow:
        """Recorded in the staff member's unit of work; the recipients are counted and queued
        after the commit (`broadcast_fanned_out`)."""
        now = self.store.now()
        changed = await self.store.change(
            "INSERT INTO broadcasts (staff_id, topic, text, recipients, created_at) VALUES (?, ?, ?, 0, ?)",
            staff_id, topic, text, now.isoformat())
        return BroadcastRow(id=int(changed.lastrowid or 0), topic=topic, text=text, created_at=now)

    async def broadcasts_not_fanned_out(self) -> list[BroadcastRow]:
        """Broadcasts whose queuing a stop interrupted: the rest is queued at the next start."""
        rows = await self.store.fetch_all(
            "SELECT id, topic, text, created_at FROM broadcasts WHERE fanned_out_at IS NULL ORDER BY id")
        return [BroadcastRow.model_validate(dict(r)) for r in rows]

    async def broadcast_fanned_out(self, broadcast_id: int, recipients: int) -> None:
        await self.store.write("UPDATE broadcasts SET recipients = ?, fanned_out_at = ? WHERE id = ?",
                               recipients, self.store.now().isoformat(), broadcast_id)

    async def mso_count(self) -> int:
        row = await self.store.fetch_one("SELECT COUNT(DISTINCT user_id) AS n FROM submissions")
        return int(row["n"]) if row else 0

    async def msos(self, limit: int, offset: int = 0) -> list[MsoRow]:
        """A page of the associations: each user's latest submission with its organisation name
        and progress, newest activity first. Only the page's rows come out of SQLite: a city's
        twenty thousand would hold up the bot while they are read."""
        rows = await self.store.fetch_all(
            "SELECT s.user_id, s.id AS submission_id, o.name, u.language, s.started_at, s.completed_at, "
            "COUNT(a.question_id) AS answered, COALESCE(MAX(a.answered_at), s.started_at) AS last_activity "
            "FROM submissions s JOIN users u ON u.id = s.user_id "
            "LEFT JOIN organisations o ON o.id = s.organisation_id "
            "LEFT JOIN answers a ON a.submission_id = s.id "
            "WHERE s.id = (SELECT MAX(t.id) FROM submissions t WHERE t.user_id = s.user_id) "
            "GROUP BY s.id ORDER BY last_activity DESC, s.id DESC LIMIT ? OFFSET ?", limit, offset)
        return [MsoRow.model_validate(dict(r)) for r in rows]

    async def audience(self, topic_question: str | None, levels: list[str],
                       existing_at: datetime | None = None) -> list[tuple[int, str]]:
        """(user, language) of those who may receive a broadcast: consented, pushes on, not
        blocked; with a topic, only those whose latest completed questionnaire rates it at one
        of `levels`; with `existing_at`, only users there at that moment (a broadcast queued
        again after a restart reaches the same associations, not those who came since)."""
        sql = ("SELECT u.id, u.language FROM users u WHERE u.consent_at IS NOT NULL AND u.pushes = 1 "
               "AND u.blocked_at IS NULL")
        params: list[Any] = []
        if existing_at is not None:
            sql += " AND u.created_at <= ?"
            params.append(existing_at.isoformat())
        if topic_question is not None:
            marks = ",".join("?" * len(levels))
            sql += (" AND EXISTS (SELECT 1 FROM answers a WHERE a.question_id = ? "
                    f"AND a.value IN ({marks}) AND a.submission_id = (SELECT MAX(t.id) FROM submissions t "
                    "WHERE t.user_id = u.id AND t.completed_at IS NOT NULL))")
            params += [topic_question, *[json.dumps(level) for level in levels]]
        rows = await self.store.fetch_all(sql + " ORDER BY u.id", *params)
        return [(int(r["id"]), str(r["language"])) for r in rows]

    async def unfinished_for_reminder(self, before: str) -> list[tuple[int, int]]:
        """(user, submission) pairs: open questionnaires untouched since `before`, not yet reminded."""
        rows = await self.store.fetch_all(
            "SELECT s.user_id, s.id FROM submissions s JOIN users u ON u.id = s.user_id "
            "WHERE s.completed_at IS NULL AND u.consent_at IS NOT NULL AND u.pushes = 1 AND u.blocked_at IS NULL "
            "AND s.id = (SELECT MAX(t.id) FROM submissions t WHERE t.user_id = s.user_id) "
            "AND COALESCE((SELECT MAX(a.answered_at) FROM answers a WHERE a.submission_id = s.id), s.started_at) < ? "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.dedupe_key = 'nudge:' || s.id)", before)
        return [(int(r["user_id"]), int(r["id"])) for r in rows]

    async def export_rows(self) -> list[tuple[Submission, str, str | None, dict[str, Any]]]:
        """Every submission with its user's language, organisation name and answers, oldest first.
        Read and parsed on the database's thread: tens of thousands of answers would otherwise
        hold up the event loop."""
        def read(conn: sqlite3.Connection) -> list[tuple[Submission, str, str | None, dict[str, Any]]]:
            answers: dict[int, dict[str, Any]] = {}
            for submission_id, question_id, value in conn.execute(
                    "SELECT submission_id, question_id, value FROM answers"):
                answers.setdefault(submission_id, {})[question_id] = json.loads(value)
            result = []
            for row in conn.execute(
                    "SELECT s.*, u.language AS u_language, o.name AS org_name "
                    "FROM submissions s JOIN users u ON u.id = s.user_id "
                    "LEFT JOIN organisations o ON o.id = s.organisation_id ORDER BY s.id"):
                data = dict(row)
                submission = Submission.model_validate(data)
                result.append((submission, data["u_language"], data["org_name"], answers.get(submission.id, {})))
            return result

        rows: list[tuple[Submission, str, str | None, dict[str, Any]]] = await self.store.db.run(read)
        return rows
