"""All reads and writes of the survey data; the one place that knows the SQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite
from pydantic import BaseModel

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(BaseModel):
    id: int
    language: str
    consent_at: datetime | None
    created_at: datetime
    prompt_ref: str | None
    pushes: bool = True
    blocked_at: datetime | None = None
    awaiting: str | None = None


class Submission(BaseModel):
    id: int
    user_id: int
    organisation_id: int | None
    questionnaire_id: str
    questionnaire_version: str
    started_at: datetime
    completed_at: datetime | None
    cursor: str | None


class Store:
    """One connection, one writer at a time: `transaction()` serialises the bot's work units."""

    def __init__(self, db: aiosqlite.Connection, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock
        self._lock = asyncio.Lock()

    def _now(self) -> str:
        return self.clock().isoformat()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")

    async def once(self, event_id: int | None, step: Callable[[], Awaitable[None]]) -> bool:
        """One Telegram update as one transaction; False (and nothing done) when the update
        was handled before, as Telegram re-delivers after a crash."""
        async with self.transaction():
            if event_id is not None and not await self.claim_update(event_id):
                return False
            await step()
        return True

    async def close(self) -> None:
        await self.db.close()

    def now(self) -> datetime:
        return self.clock()

    async def _one(self, sql: str, *params: Any) -> aiosqlite.Row | None:
        async with self.db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, *params: Any) -> list[aiosqlite.Row]:
        async with self.db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    fetch_one = _one
    fetch_all = _all

    # -- updates ---------------------------------------------------------------------------

    async def claim_update(self, update_id: int) -> bool:
        """False when this update was handled before (Telegram re-delivers after a crash)."""
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO processed_updates (update_id, at) VALUES (?, ?)",
            (update_id, self._now()))
        return cursor.rowcount == 1

    async def forget_old_updates(self, older_than: timedelta = timedelta(days=2)) -> None:
        """Telegram keeps updates for 24 hours; older ids can never come again."""
        cutoff = (self.clock() - older_than).isoformat()
        await self.db.execute("DELETE FROM processed_updates WHERE at < ?", (cutoff,))

    # -- users -----------------------------------------------------------------------------

    async def user(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE id = ?", user_id)
        return User.model_validate(dict(row)) if row else None

    async def set_language(self, user_id: int, language: str) -> None:
        await self.db.execute(
            "INSERT INTO users (id, language, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET language = excluded.language",
            (user_id, language, self._now()))

    async def set_consent(self, user_id: int) -> None:
        await self.db.execute("UPDATE users SET consent_at = ? WHERE id = ?", (self._now(), user_id))

    async def delete_user(self, user_id: int) -> None:
        """The user, their submissions, answers and the organisations they entered."""
        await self.db.execute(
            "DELETE FROM organisations WHERE created_by = ? OR id IN "
            "(SELECT organisation_id FROM submissions WHERE user_id = ?)", (user_id, user_id))
        await self.db.execute("DELETE FROM users WHERE id = ?", (user_id,))

    async def set_prompt_ref(self, user_id: int, ref: str | None) -> None:
        await self.db.execute("UPDATE users SET prompt_ref = ? WHERE id = ?", (ref, user_id))

    async def set_pushes(self, user_id: int, on: bool) -> None:
        await self.db.execute("UPDATE users SET pushes = ? WHERE id = ?", (int(on), user_id))

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Telegram refused a message (bot blocked) or the user wrote again (unblocked)."""
        await self.db.execute("UPDATE users SET blocked_at = ? WHERE id = ?",
                              (self._now() if blocked else None, user_id))

    async def set_awaiting(self, user_id: int, awaiting: dict[str, Any] | None) -> None:
        value = json.dumps(awaiting) if awaiting is not None else None
        await self.db.execute("UPDATE users SET awaiting = ? WHERE id = ?", (value, user_id))

    async def latest_completed(self, user_id: int) -> tuple[Submission, dict[str, Any]] | None:
        row = await self._one(
            "SELECT * FROM submissions WHERE user_id = ? AND completed_at IS NOT NULL "
            "ORDER BY id DESC LIMIT 1", user_id)
        if row is None:
            return None
        submission = Submission.model_validate(dict(row))
        return submission, await self.answers(submission.id)

    async def organisation_name(self, user_id: int) -> str | None:
        row = await self._one(
            "SELECT o.name FROM submissions s JOIN organisations o ON o.id = s.organisation_id "
            "WHERE s.user_id = ? ORDER BY s.id DESC LIMIT 1", user_id)
        return row["name"] if row else None

    # -- submissions -----------------------------------------------------------------------

    async def current_submission(self, user_id: int) -> Submission | None:
        row = await self._one(
            "SELECT * FROM submissions WHERE user_id = ? ORDER BY id DESC LIMIT 1", user_id)
        return Submission.model_validate(dict(row)) if row else None

    async def create_submission(self, user_id: int, questionnaire_id: str, version: str) -> Submission:
        now = self._now()
        org = await self.db.execute(
            "INSERT INTO organisations (created_by, created_at) VALUES (?, ?)", (user_id, now))
        cursor = await self.db.execute(
            "INSERT INTO submissions (user_id, organisation_id, questionnaire_id, "
            "questionnaire_version, started_at) VALUES (?, ?, ?, ?, ?)",
            (user_id, org.lastrowid, questionnaire_id, version, now))
        row = await self._one("SELECT * FROM submissions WHERE id = ?", cursor.lastrowid)
        assert row is not None
        return Submission.model_validate(dict(row))

    async def set_cursor(self, submission_id: int, question_id: str | None) -> None:
        await self.db.execute("UPDATE submissions SET cursor = ? WHERE id = ?",
                              (question_id, submission_id))

    async def complete(self, submission_id: int) -> None:
        await self.db.execute(
            "UPDATE submissions SET completed_at = ? WHERE id = ? AND completed_at IS NULL",
            (self._now(), submission_id))

    async def set_organisation_name(self, submission_id: int, name: str) -> None:
        await self.db.execute(
            "UPDATE organisations SET name = ? WHERE id = "
            "(SELECT organisation_id FROM submissions WHERE id = ?)", (name, submission_id))

    # -- answers ---------------------------------------------------------------------------

    async def answers(self, submission_id: int) -> dict[str, Any]:
        rows = await self._all(
            "SELECT question_id, value FROM answers WHERE submission_id = ?", submission_id)
        return {row["question_id"]: json.loads(row["value"]) for row in rows}

    async def save_answer(self, submission_id: int, question_id: str, value: Any) -> None:
        await self.db.execute(
            "INSERT INTO answers (submission_id, question_id, value, answered_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(submission_id, question_id) DO UPDATE SET value = excluded.value, "
            "answered_at = excluded.answered_at",
            (submission_id, question_id, json.dumps(value, ensure_ascii=False), self._now()))
        await self.drop_draft(submission_id, question_id)

    async def draft(self, submission_id: int, question_id: str) -> list[str] | None:
        row = await self._one("SELECT value FROM drafts WHERE submission_id = ? AND question_id = ?",
                              submission_id, question_id)
        return list(json.loads(row["value"])) if row else None

    async def save_draft(self, submission_id: int, question_id: str, value: list[str]) -> None:
        await self.db.execute(
            "INSERT INTO drafts (submission_id, question_id, value) VALUES (?, ?, ?) "
            "ON CONFLICT(submission_id, question_id) DO UPDATE SET value = excluded.value",
            (submission_id, question_id, json.dumps(value)))

    async def drop_draft(self, submission_id: int, question_id: str) -> None:
        await self.db.execute("DELETE FROM drafts WHERE submission_id = ? AND question_id = ?",
                              (submission_id, question_id))

    # -- events and reports ----------------------------------------------------------------

    async def log_event(self, kind: str, user_id: int | None = None,
                        submission_id: int | None = None, **data: Any) -> None:
        await self.db.execute(
            "INSERT INTO events (at, user_id, submission_id, kind, data) VALUES (?, ?, ?, ?, ?)",
            (self._now(), user_id, submission_id, kind, json.dumps(data, ensure_ascii=False)))

    async def export_rows(self) -> list[tuple[Submission, User, str | None, dict[str, Any]]]:
        """Every submission with its user, organisation name and answers, oldest first."""
        rows = await self._all(
            "SELECT s.*, u.language AS u_language, u.consent_at AS u_consent_at, "
            "u.created_at AS u_created_at, u.prompt_ref AS u_prompt_ref, o.name AS org_name "
            "FROM submissions s JOIN users u ON u.id = s.user_id "
            "LEFT JOIN organisations o ON o.id = s.organisation_id ORDER BY s.id")
        answers: dict[int, dict[str, Any]] = {}
        for row in await self._all("SELECT submission_id, question_id, value FROM answers"):
            answers.setdefault(row["submission_id"], {})[row["question_id"]] = json.loads(row["value"])
        result = []
        for row in rows:
            data = dict(row)
            submission = Submission.model_validate(data)
            user = User(id=data["user_id"], language=data["u_language"],
                        consent_at=data["u_consent_at"], created_at=data["u_created_at"],
                        prompt_ref=data["u_prompt_ref"])
            result.append((submission, user, data["org_name"], answers.get(submission.id, {})))
        return result
