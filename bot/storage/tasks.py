"""The office's tasks and its messages with associations: the rows behind the web view's tasks
and an association's conversation with the office. Both go with the association (`ON DELETE
CASCADE`): /delete and the retention rule erase them with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage.store import Store

STALE_AFTER_DAYS = 7  # an open contact request older than this becomes a task


@dataclass(frozen=True)
class Task:
    id: int
    kind: str
    ref: str
    user_id: int | None
    partner_id: str | None
    owner: int | None
    state: str
    created_at: str
    name: str | None = None  # the association's name, where it gave one


@dataclass(frozen=True)
class OfficeMessage:
    id: int
    user_id: int
    direction: str
    staff_id: int | None
    language: str
    text: str
    created_at: str


class TaskStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, kind: str, ref: str, user_id: int | None, partner_id: str | None = None) -> bool:
        """A new open task; False when this one (kind and ref) exists already."""
        row = await self.store.fetch_one(
            "INSERT OR IGNORE INTO tasks (kind, ref, user_id, partner_id, created_at) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id", kind, ref, user_id, partner_id, self.store.now().isoformat())
        return row is not None

    async def sweep(self, now: datetime) -> None:
        """Open contact requests older than a week become tasks (once each)."""
        before = (now - timedelta(days=STALE_AFTER_DAYS)).isoformat()
        await self.store.write(
            "INSERT OR IGNORE INTO tasks (kind, ref, user_id, partner_id, created_at) "
            "SELECT 'stale_request', 'r' || id, user_id, partner_id, ? FROM contact_requests "
            "WHERE state = 'pending' AND created_at < ?", now.isoformat(), before)

    async def listing(self, state: str = "open", user_id: int | None = None) -> list[Task]:
        sql = ("SELECT t.id, t.kind, t.ref, t.user_id, t.partner_id, t.owner, t.state, t.created_at, "
               "(SELECT o.name FROM submissions s JOIN organisations o ON o.id = s.organisation_id "
               "WHERE s.user_id = t.user_id AND o.name IS NOT NULL ORDER BY s.id DESC LIMIT 1) AS name "
               "FROM tasks t WHERE t.state = ?")
        params: list[object] = [state]
        if user_id is not None:
            sql += " AND t.user_id = ?"
            params.append(user_id)
        rows = await self.store.fetch_all(sql + " ORDER BY t.created_at, t.id", *params)
        return [Task(**dict(r)) for r in rows]

    async def counts(self) -> dict[str, int]:
        rows = await self.store.fetch_all("SELECT kind, COUNT(*) AS n FROM tasks WHERE state = 'open' GROUP BY kind")
        return {str(r["kind"]): int(r["n"]) for r in rows}

    async def take(self, task_id: int, staff_id: int) -> bool:
        row = await self.store.fetch_one("UPDATE tasks SET owner = ? WHERE id = ? AND state = 'open' RETURNING id",
                                         staff_id, task_id)
        return row is not None

    async def done(self, task_id: int, staff_id: int) -> bool:
        row = await self.store.fetch_one(
            "UPDATE tasks SET state = 'done', done_at = ?, done_by = ?, owner = COALESCE(owner, ?) "
            "WHERE id = ? AND state = 'open' RETURNING id", self.store.now().isoformat(), staff_id, staff_id, task_id)
        return row is not None

    # -- messages -----------------------------------------------------------------------------

    async def add_message(self, user_id: int, direction: str, staff_id: int | None, language: str, text: str) -> int:
        row = await self.store.fetch_one(
            "INSERT INTO office_messages (user_id, direction, staff_id, language, text, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", user_id, direction, staff_id, language, text,
            self.store.now().isoformat())
        assert row is not None
        return int(row["id"])

    async def message(self, message_id: int) -> OfficeMessage | None:
        row = await self.store.fetch_one("SELECT * FROM office_messages WHERE id = ?", message_id)
        return OfficeMessage(**dict(row)) if row else None

    async def messages(self, user_id: int) -> list[OfficeMessage]:
        rows = await self.store.fetch_all("SELECT * FROM office_messages WHERE user_id = ? ORDER BY id", user_id)
        return [OfficeMessage(**dict(r)) for r in rows]
