"""The survey's own rows: users, questionnaires (submissions), answers, drafts and events."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from bot.storage.erasure import erasures, note_erasure
from bot.storage.unit import CLAIM_UPDATE, UnitOfWork


class User(BaseModel):
    id: int
    language: str
    consent_at: datetime | None
    created_at: datetime
    prompt_ref: str | None
    pushes: bool = True
    blocked_at: datetime | None = None
    awaiting: str | None = None
    notice_version: str | None = None  # the privacy notice they last agreed to
    networking: bool = False  # shown anonymously to other associations, may be asked for introductions
    sharing: bool = False  # the office may pass their name and needs on to partner organisations

    def agreed(self, version: str) -> bool:
        """Agreed to this version of the privacy notice (an older one: asked again first)."""
        return self.consent_at is not None and self.notice_version == version


class Submission(BaseModel):
    id: int
    user_id: int
    organisation_id: int | None
    questionnaire_id: str
    questionnaire_version: str
    started_at: datetime
    completed_at: datetime | None
    cursor: str | None
    round_id: int | None = None
    previous_id: int | None = None  # the submission of an earlier round whose answers are defaults
    progress: int = 0  # how far the progress bar has come, per mille: it never goes back


# Queries that run both on their own and inside a one-trip batch (`Connection.run`).
USER = "SELECT * FROM users WHERE id = ?"
LATEST_SUBMISSION = "SELECT * FROM submissions WHERE user_id = ? ORDER BY id DESC LIMIT 1"
ANSWERS = "SELECT question_id, value FROM answers WHERE submission_id = ?"
# A name this short could be part of any message: such messages are deleted by `about_user` only.
NAME_MATCH_MIN = 4



class Store(UnitOfWork):
    """The survey's rows: users, questionnaires, answers and events (the reads and writes the
    conversation needs; the queries of the other capabilities live beside this module)."""

    async def claim_and_read(self, update_id: int | None, user_id: int) -> tuple[bool, User | None]:
        """`claim_update` and `user` in one trip (with the BEGIN): how every update starts."""
        def claim(conn: sqlite3.Connection) -> tuple[bool, Any]:
            claimed = update_id is None or conn.execute(CLAIM_UPDATE, (update_id, self._now())).rowcount == 1
            return claimed, conn.execute(USER, (user_id,)).fetchone() if claimed else None

        claimed, row = await self.db.run(claim)
        if claimed and update_id is not None:
            self._claims.append(update_id)
        return claimed, User.model_validate(dict(row)) if row else None

    # -- users -----------------------------------------------------------------------------

    async def user(self, user_id: int) -> User | None:
        row = await self._one(USER, user_id)
        return User.model_validate(dict(row)) if row else None

    async def set_language(self, user_id: int, language: str) -> None:
        await self.write(
            "INSERT INTO users (id, language, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET language = excluded.language", user_id, language, self._now())


    async def delete_user(self, user_id: int) -> None:
        """The user, their submissions, answers, consents, events and the organisations they
        entered; every other association's card and queued message that shows them (see
        migration v4); and the content of the office's digests and exports, which may quote them."""
        await note_erasure(self)  # reports built before are out of date; the log is to be emptied
        await self.write("DELETE FROM suggestions WHERE kind = 'peer' AND ref = ?", str(user_id))
        await self.write("DELETE FROM events WHERE user_id = ?", user_id)
        await self.write(
            "UPDATE outbox SET payload = '{}', state = CASE WHEN state = 'pending' THEN 'dropped' ELSE state END "
            "WHERE purpose IN ('digest', 'export') AND state != 'sending' AND payload != '{}'")
        await self.write("DELETE FROM outbox_files WHERE outbox_id IN (SELECT id FROM outbox WHERE "
                         "purpose IN ('digest', 'export') AND state NOT IN ('pending', 'sending'))")
        await self._forget_messages_naming(user_id)
        await self.write(
            "DELETE FROM organisations WHERE created_by = ? OR id IN "
            "(SELECT organisation_id FROM submissions WHERE user_id = ?)", user_id, user_id)
        await self.write("DELETE FROM users WHERE id = ?", user_id)
        await self.write("UPDATE inbox SET payload = NULL, user_id = NULL WHERE user_id = ?", user_id)

    async def _forget_messages_naming(self, user_id: int) -> None:
        """Messages to the office and to partner contacts that name the association: the partner
        request cards of its requests, and (queued before they were marked `about_user`, which
        deletes them with the user) any that quote its name. A message being sent stays."""
        await self.write(
            "DELETE FROM outbox WHERE state != 'sending' AND purpose = 'partner' AND "
            "json_extract(payload, '$.type') = 'partner_request' AND json_extract(payload, '$.request') IN "
            "(SELECT id FROM contact_requests WHERE user_id = ?)", user_id)
        names = await self._all(
            "SELECT DISTINCT o.name FROM organisations o WHERE o.created_by = ?1 OR o.id IN "
            "(SELECT organisation_id FROM submissions WHERE user_id = ?1)", user_id)
        for name in {r["name"] for r in names if r["name"] and len(r["name"].strip()) >= NAME_MATCH_MIN}:
            quoted = json.dumps(name, ensure_ascii=False)[1:-1]  # as the payload's JSON holds it
            await self.write("DELETE FROM outbox WHERE state != 'sending' AND user_id IS NULL "
                             "AND instr(payload, ?) > 0", quoted)

    async def erasures(self) -> int:
        return await erasures(self)

    async def set_prompt_ref(self, user_id: int, ref: str | None) -> None:
        await self.write("UPDATE users SET prompt_ref = ? WHERE id = ?", ref, user_id)

    async def set_pushes(self, user_id: int, on: bool) -> None:
        await self.write("UPDATE users SET pushes = ? WHERE id = ?", int(on), user_id)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Telegram refused a message (bot blocked) or the user wrote again (unblocked)."""
        await self.write("UPDATE users SET blocked_at = ? WHERE id = ?", self._now() if blocked else None, user_id)

    async def set_awaiting(self, user_id: int, awaiting: dict[str, Any] | None) -> None:
        value = json.dumps(awaiting) if awaiting is not None else None
        await self.write("UPDATE users SET awaiting = ? WHERE id = ?", value, user_id)

    async def latest_completed(self, user_id: int) -> tuple[Submission, dict[str, Any]] | None:
        row = await self._one(
            "SELECT * FROM submissions WHERE user_id = ? AND completed_at IS NOT NULL "
            "ORDER BY id DESC LIMIT 1", user_id)
        if row is None:
            return None
        submission = self._submission(row)
        return submission, await self.answers(submission.id)

    async def organisation_name(self, user_id: int) -> str | None:
        row = await self._one(
            "SELECT o.name FROM submissions s JOIN organisations o ON o.id = s.organisation_id "
            "WHERE s.user_id = ? ORDER BY s.id DESC LIMIT 1", user_id)
        return row["name"] if row else None

    # -- submissions -----------------------------------------------------------------------

    async def current_submission(self, user_id: int) -> Submission | None:
        row = await self._one(LATEST_SUBMISSION, user_id)
        return self._submission(row) if row else None

    async def current_with_answers(self, user_id: int) -> tuple[Submission | None, dict[str, Any]]:
        """`current_submission` and its `answers` in one trip: every tap needs both."""
        def read(conn: sqlite3.Connection) -> tuple[Any, list[Any]]:
            row = conn.execute(LATEST_SUBMISSION, (user_id,)).fetchone()
            rows = [] if row is None else conn.execute(ANSWERS, (row["id"],)).fetchall()
            return row, rows

        row, rows = await self.db.run(read)
        if row is None:
            return None, {}
        return self._submission(row), self.answer_view({r["question_id"]: json.loads(r["value"]) for r in rows})

    async def create_submission(self, user_id: int, questionnaire_id: str, version: str,
                                round_id: int | None = None, previous_id: int | None = None) -> Submission:
        now = self._now()
        org = await self.change("INSERT INTO organisations (created_by, created_at) VALUES (?, ?)", user_id, now)
        cursor = await self.change(
            "INSERT INTO submissions (user_id, organisation_id, questionnaire_id, "
            "questionnaire_version, started_at, round_id, previous_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            user_id, org.lastrowid, questionnaire_id, version, now, round_id, previous_id)
        row = await self._one("SELECT * FROM submissions WHERE id = ?", cursor.lastrowid)
        assert row is not None
        return self._submission(row)

    def _submission(self, row: Any) -> Submission:
        submission = Submission.model_validate(dict(row))
        return submission.model_copy(update={"cursor": self.question_view(submission.cursor)})

    async def set_cursor(self, submission_id: int, question_id: str | None) -> None:
        await self.write("UPDATE submissions SET cursor = ? WHERE id = ?", question_id, submission_id)

    async def raise_progress(self, submission_id: int, per_mille: int) -> None:
        await self.write("UPDATE submissions SET progress = MAX(progress, ?) WHERE id = ?", per_mille, submission_id)

    async def complete(self, submission_id: int) -> None:
        await self.write(
            "UPDATE submissions SET completed_at = ? WHERE id = ? AND completed_at IS NULL", self._now(), submission_id)

    async def set_organisation_name(self, submission_id: int, name: str) -> None:
        await self.write(
            "UPDATE organisations SET name = ? WHERE id = "
            "(SELECT organisation_id FROM submissions WHERE id = ?)", name, submission_id)

    # -- answers ---------------------------------------------------------------------------

    async def answers(self, submission_id: int) -> dict[str, Any]:
        rows = await self._all(ANSWERS, submission_id)
        return self.answer_view({row["question_id"]: json.loads(row["value"]) for row in rows})

    async def save_answer(self, submission_id: int, question_id: str, value: Any,
                          earlier_ids: Sequence[str] = ()) -> None:
        """A new answer replaces the one kept under an earlier id of the question (a version
        renamed it), so one question never has two answers in one submission."""
        for earlier in earlier_ids:
            await self.write("DELETE FROM answers WHERE submission_id = ? AND question_id = ?", submission_id, earlier)
        await self.write(
            "INSERT INTO answers (submission_id, question_id, value, answered_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(submission_id, question_id) DO UPDATE SET value = excluded.value, "
            "answered_at = excluded.answered_at",
            submission_id, question_id, json.dumps(value, ensure_ascii=False), self._now())
        await self.drop_draft(submission_id, question_id)

    async def draft(self, submission_id: int, question_id: str) -> list[str] | None:
        row = await self._one("SELECT value FROM drafts WHERE submission_id = ? AND question_id = ?",
                              submission_id, question_id)
        return list(json.loads(row["value"])) if row else None

    async def save_draft(self, submission_id: int, question_id: str, value: list[str]) -> None:
        await self.write(
            "INSERT INTO drafts (submission_id, question_id, value) VALUES (?, ?, ?) "
            "ON CONFLICT(submission_id, question_id) DO UPDATE SET value = excluded.value",
            submission_id, question_id, json.dumps(value))

    async def drop_draft(self, submission_id: int, question_id: str) -> None:
        await self.write("DELETE FROM drafts WHERE submission_id = ? AND question_id = ?", submission_id, question_id)

    # -- events and reports ----------------------------------------------------------------

    async def log_event(self, kind: str, user_id: int | None = None,
                        submission_id: int | None = None, **data: Any) -> None:
        await self.write(
            "INSERT INTO events (at, user_id, submission_id, kind, data) VALUES (?, ?, ?, ?, ?)",
            self._now(), user_id, submission_id, kind, json.dumps(data, ensure_ascii=False))
