"""What the privacy duties need from the database: all of one user's rows, and the deletions
that keep only what the survey still needs (GDPR Art. 15 and 5(1)(e))."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any

from bot.storage.store import Store

# Delivered messages keep their row (its dedupe key stops repeats) but lose their content.
# Another association is never named by its user id: a peer suggestion without its ref, an
# introduction by who asked whom, and the other's name only once both agreed.
_USER_TABLES = {
    "suggestions": "SELECT kind, CASE WHEN kind = 'peer' THEN NULL ELSE ref END AS ref, score, reasons, state, "
                   "created_at, updated_at FROM suggestions WHERE user_id = ? ORDER BY id",
    "introductions": "SELECT CASE WHEN i.from_user = ?1 THEN 'you asked' ELSE 'you were asked' END AS direction, "
                     "CASE WHEN i.state = 'accepted' THEN (SELECT o.name FROM submissions s JOIN organisations o "
                     "ON o.id = s.organisation_id WHERE s.user_id = CASE WHEN i.from_user = ?1 THEN i.to_user "
                     "ELSE i.from_user END ORDER BY s.id DESC LIMIT 1) END AS other_association, "
                     "i.topic, i.state, i.created_at, i.decided_at FROM introductions i "
                     "WHERE i.from_user = ?1 OR i.to_user = ?1 ORDER BY i.id",
    "contact_requests": "SELECT r.partner_id AS organisation, r.topics, r.state, r.created_at, r.answered_at, "
                        "c.name AS answered_by FROM contact_requests r LEFT JOIN partner_contacts c "
                        "ON c.user_id = r.answered_by WHERE r.user_id = ? ORDER BY r.id",
    "queued_messages": "SELECT purpose, state, not_before, created_at, sent_at, payload FROM outbox "
                       "WHERE user_id = ? AND state = 'pending' ORDER BY id",
    "events": "SELECT at, kind, data FROM events WHERE user_id = ? ORDER BY id",
    "messages_with_the_office": "SELECT direction, language, text, created_at FROM office_messages WHERE user_id = ? "
                                "ORDER BY id",
    "tasks_of_the_office": "SELECT kind, state, created_at, done_at FROM tasks WHERE user_id = ? ORDER BY id",
    # Given for the office and the partner organisations it asked for contact (/settings).
    "contact_person": "SELECT name, reach, given_at FROM contact_persons WHERE user_id = ?",
}
_JSON_COLUMNS = {"reasons", "payload", "data", "topics"}


def _plain(row: Any) -> dict[str, Any]:
    data = dict(row)
    for column in _JSON_COLUMNS & data.keys():
        with contextlib.suppress(TypeError, ValueError):
            data[column] = json.loads(data[column])
    return data


class PrivacyStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def rows_of(self, user_id: int) -> dict[str, Any] | None:
        """Every row about this user, as plain data; None when nothing is stored."""
        fetch_one, fetch_all = self.store.fetch_one, self.store.fetch_all
        user = await fetch_one("SELECT * FROM users WHERE id = ?", user_id)
        if user is None:
            return None
        submissions = []
        for row in await fetch_all("SELECT * FROM submissions WHERE user_id = ? ORDER BY id", user_id):
            submission = dict(row)
            organisation = await fetch_one("SELECT name, created_at FROM organisations WHERE id = ?",
                                           submission.pop("organisation_id"))
            submission["organisation"] = dict(organisation) if organisation else None
            submission["answers"] = [_plain(a) for a in await fetch_all(
                "SELECT question_id, value, answered_at FROM answers WHERE submission_id = ? "
                "ORDER BY answered_at, question_id", submission["id"])]
            for answer in submission["answers"]:
                answer["value"] = json.loads(answer["value"])
            submission["unsaved_ticks"] = [_plain(d) for d in await fetch_all(
                "SELECT question_id, value FROM drafts WHERE submission_id = ?", submission["id"])]
            submissions.append(submission)
        result: dict[str, Any] = {"user": _plain(user), "submissions": submissions}
        for name, sql in _USER_TABLES.items():
            result[name] = [_plain(r) for r in await fetch_all(sql, user_id)]
        return result

    async def purge_unfinished(self, cutoff: datetime) -> int:
        """Unfinished submissions untouched since `cutoff` (started then and no answer since),
        with their answers and the organisation entered for them; and users who never agreed
        to the privacy notice. Returns the number of submissions deleted."""
        stale = [int(r["id"]) for r in await self.store.fetch_all(
            "SELECT s.id FROM submissions s WHERE s.completed_at IS NULL AND s.started_at < ?1 "
            "AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.submission_id = s.id AND a.answered_at >= ?1)",
            cutoff.isoformat())]
        for submission_id in stale:
            await self.store.write(
                "DELETE FROM organisations WHERE id = (SELECT organisation_id FROM submissions WHERE id = ?) "
                "AND NOT EXISTS (SELECT 1 FROM submissions o WHERE o.organisation_id = organisations.id "
                "AND o.id != ?)", submission_id, submission_id)
            await self.store.write("DELETE FROM submissions WHERE id = ?", submission_id)
        await self.store.write(
            "DELETE FROM users WHERE consent_at IS NULL AND created_at < ? "
            "AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.user_id = users.id)", cutoff.isoformat())
        return len(stale)

    async def forget_delivered(self, cutoff: datetime, office_cutoff: datetime) -> int:
        """Empty the content of messages delivered (or given up) before `cutoff`; of digests and
        exports (free texts, every association's answers) before `office_cutoff`, and drop any
        still waiting then."""
        users = await self.store.change(
            "UPDATE outbox SET payload = '{}' WHERE state NOT IN ('pending', 'sending') AND created_at < ? "
            "AND payload != '{}' AND purpose NOT IN ('digest', 'export')", cutoff.isoformat())
        office = await self.store.change(
            "UPDATE outbox SET payload = '{}', state = CASE WHEN state = 'pending' THEN 'dropped' ELSE state END "
            "WHERE state != 'sending' AND created_at < ? AND payload != '{}' AND purpose IN ('digest', 'export')",
            office_cutoff.isoformat())
        return users.rowcount + office.rowcount

    async def completed_before(self, cutoff: datetime) -> list[int]:
        """Users whose questionnaires are all completed and untouched since `cutoff`."""
        rows = await self.store.fetch_all(
            "SELECT u.id FROM users u WHERE EXISTS (SELECT 1 FROM submissions s WHERE s.user_id = u.id) "
            "AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.user_id = u.id AND (s.completed_at IS NULL "
            "OR s.completed_at >= ?1 OR EXISTS (SELECT 1 FROM answers a WHERE a.submission_id = s.id "
            "AND a.answered_at >= ?1)))", cutoff.isoformat())
        return [int(r["id"]) for r in rows]

    async def forget_events(self, cutoff: datetime) -> int:
        cursor = await self.store.change("DELETE FROM events WHERE at < ?", cutoff.isoformat())
        return cursor.rowcount
