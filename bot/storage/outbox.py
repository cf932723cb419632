"""The durable outbox: messages the bot owes users, kept until Telegram has taken them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from bot.kernel.outcome import Document
from bot.storage.store import Store


class OutboxRow(BaseModel):
    id: int
    chat_id: int
    user_id: int | None
    purpose: str
    payload: dict[str, Any]
    not_before: datetime
    attempts: int


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


CHUNK = 250  # rows queued per transaction when there are thousands: each well under 50 ms of the write lock
# Messages nobody is waiting for at this moment: they go after those someone is waiting for (a
# reply, the export, a digest asked for), however many thousands of them are queued.
BULK = ("push", "broadcast", "round", "nudge")
_BULK_LAST = f"purpose IN ({', '.join(repr(p) for p in BULK)})"


@dataclass(frozen=True)
class Only:
    """Which rows a worker may send: one chat's (the console), some purposes, some rows."""

    chat_id: int | None = None
    purposes: tuple[str, ...] | None = None
    ids: tuple[int, ...] | None = None

    def sql(self) -> tuple[str, list[Any]]:
        where, params = "", list[Any]()
        if self.chat_id is not None:
            where += " AND chat_id = ?"
            params.append(self.chat_id)
        for column, values in (("purpose", self.purposes), ("id", self.ids)):
            if values is not None:
                where += f" AND {column} IN ({','.join('?' * len(values))})"
                params += list(values)
        return where, params


class OutboxStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def enqueue(self, chat_id: int, user_id: int | None, purpose: str, payload: dict[str, Any],
                      not_before: datetime | None = None, dedupe_key: str | None = None,
                      about_user: int | None = None, built_on: int | None = None) -> int | None:
        """Add a message; None when one with the same dedupe_key is already there. `about_user`:
        whose data it shows besides the recipient's, so deleting that user withdraws it;
        `built_on`: the erasure count of the snapshot a report was built from (`stale`). The
        workers are woken when it is committed."""
        row_id = await self._insert(chat_id, user_id, purpose, payload, not_before, dedupe_key, about_user, built_on)
        self.store.queued()
        return row_id

    async def _insert(self, chat_id: int, user_id: int | None, purpose: str, payload: dict[str, Any],
                      not_before: datetime | None = None, dedupe_key: str | None = None,
                      about_user: int | None = None, built_on: int | None = None) -> int | None:
        now = self.store.now()
        if built_on is not None:
            payload = {**payload, "erasures": built_on}
        cursor = await self.store.change(
            "INSERT OR IGNORE INTO outbox (chat_id, user_id, purpose, payload, dedupe_key, not_before, "
            "created_at, about_user) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            chat_id, user_id, purpose, json.dumps(payload, ensure_ascii=False), dedupe_key,
            _iso(not_before or now), _iso(now), about_user)
        return cursor.lastrowid if cursor.rowcount == 1 else None

    async def due(self, limit: int = 200, within: float = 0.0, only: Only | None = None) -> list[OutboxRow]:
        """Pending rows due now (or within `within` seconds), read outside any transaction of
        this connection, so that only committed rows are ever sent."""
        where, params = only.sql() if only is not None else ("", [])
        async with self.store.single_statement():
            rows = await self.store.fetch_all(
                "SELECT id, chat_id, user_id, purpose, payload, not_before, attempts FROM outbox "
                f"WHERE state = 'pending' AND not_before <= ?{where} ORDER BY {_BULK_LAST}, not_before, id LIMIT ?",
                _iso(self.store.now() + timedelta(seconds=within)), *params, limit)
        return [OutboxRow.model_validate({**dict(r), "payload": json.loads(r["payload"])}) for r in rows]

    async def claim(self, row_id: int, token: str) -> bool:
        """Committed before the message goes out: a second worker can never take it too."""
        async with self.store.single_statement():
            changed = await self.store.change(
                "UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_at = ? "
                "WHERE id = ? AND state = 'pending'",
                token, _iso(self.store.now()), row_id)
        return changed.rowcount == 1

    async def mark_sent(self, row_id: int, token: str | None = None) -> None:
        await self._settle("state = 'sent', sent_at = ?, attempts = attempts + 1", [_iso(self.store.now())],
                           row_id, token)
        await self._forget_file(row_id)

    async def retry_later(self, row_id: int, at: datetime, error: str, count_attempt: bool = True,
                          token: str | None = None) -> None:
        await self._settle("state = 'pending', not_before = ?, last_error = ?, attempts = attempts + ?",
                           [_iso(at), error[:300], int(count_attempt)], row_id, token)

    async def finish(self, row_id: int, state: str, error: str | None = None, token: str | None = None) -> None:
        """`dropped` (no longer wanted, or the user blocked the bot) or `failed` (refused)."""
        await self._settle("state = ?, last_error = ?", [state, error], row_id, token)
        await self._forget_file(row_id)

    async def withhold(self, row_id: int, token: str | None = None) -> None:
        """Dropped with its content: a report built before an erasure may name whom it erased."""
        await self._settle("state = 'dropped', payload = '{}', last_error = 'built before an erasure'", [], row_id,
                           token)
        await self._forget_file(row_id)

    async def _settle(self, assignments: str, params: list[Any], row_id: int, token: str | None) -> None:
        """The end of an attempt; with its token, only while the row is still this attempt's."""
        sql = f"UPDATE outbox SET {assignments}, claimed_by = NULL, claimed_at = NULL WHERE id = ?"
        params = [*params, row_id]
        if token is not None:
            sql += " AND claimed_by = ?"
            params.append(token)
        await self.store.write(sql, *params)

    async def _forget_file(self, row_id: int) -> None:
        """A settled row's file goes at once (an export holds everyone's answers)."""
        await self.store.write("DELETE FROM outbox_files WHERE outbox_id = ? AND "
                               "(SELECT state FROM outbox WHERE id = ?) NOT IN ('pending', 'sending')", row_id, row_id)

    async def enqueue_file(self, chat_id: int, user_id: int | None, purpose: str, document: Document,
                           built_on: int | None = None) -> int | None:
        """A document whose content is kept beside the row as it is: an export of ten megabytes
        would be fourteen of base64 in the row's JSON, parsed on the event loop at every look at
        the queue."""
        row_id = await self._insert(chat_id, user_id, purpose, document.payload(stored=True), built_on=built_on)
        if row_id is not None:
            await self.store.write("INSERT INTO outbox_files (outbox_id, content) VALUES (?, ?)", row_id,
                                   document.content)
        self.store.queued()  # with its file
        return row_id

    async def stale(self, payload: dict[str, Any]) -> bool:
        """A report built on a snapshot taken before an erasure since: it may name whom it erased."""
        built_on = payload.get("erasures")
        return isinstance(built_on, int) and built_on != await self.store.erasures()

    async def file(self, row_id: int) -> bytes | None:
        row = await self.store.fetch_one("SELECT content FROM outbox_files WHERE outbox_id = ?", row_id)
        return bytes(row["content"]) if row else None

    async def release_claims(self, holder: str) -> int:
        """Rows a worker of `holder` claimed and never finished (it died): pending again."""
        changed = await self.store.change(
            "UPDATE outbox SET state = 'pending', claimed_by = NULL, claimed_at = NULL "
            "WHERE state = 'sending' AND substr(claimed_by, 1, ?) = ?", len(holder) + 1, holder + ":")
        return changed.rowcount

    async def release_stale(self, claimed_before: datetime) -> int:
        """Claims older than any attempt can take: their worker is gone."""
        changed = await self.store.change(
            "UPDATE outbox SET state = 'pending', claimed_by = NULL, claimed_at = NULL "
            "WHERE state = 'sending' AND claimed_at < ?", _iso(claimed_before))
        return changed.rowcount

    async def drop_for_workshop(self, workshop_id: str) -> None:
        """A cancelled workshop: its pushes and reminders not yet sent are dropped (their keys
        end in `:<workshop id>`)."""
        await self.store.write(
            "UPDATE outbox SET state = 'dropped', payload = '{}', last_error = 'workshop cancelled' "
            "WHERE state = 'pending' AND (dedupe_key LIKE 'push:%' OR dedupe_key LIKE 'reminder:%') "
            "AND substr(dedupe_key, -length(?) - 1) = ':' || ?", workshop_id, workshop_id)

    async def drop_pending(self, user_id: int, reason: str, purpose: str | None = None,
                           dedupe_key: str | None = None) -> None:
        sql = "UPDATE outbox SET state = 'dropped', last_error = ? WHERE state = 'pending' AND user_id = ?"
        params: list[Any] = [reason, user_id]
        if purpose is not None:
            sql += " AND purpose = ?"
            params.append(purpose)
        if dedupe_key is not None:
            sql += " AND dedupe_key = ?"
            params.append(dedupe_key)
        await self.store.write(sql, *params)

    async def reschedule(self, dedupe_key: str, at: datetime) -> None:
        await self.store.write(
            "UPDATE outbox SET not_before = ? WHERE dedupe_key = ? AND state = 'pending'", _iso(at), dedupe_key)

    async def revive(self, dedupe_key: str, at: datetime) -> None:
        await self.store.write(
            "UPDATE outbox SET state = 'pending', not_before = ? WHERE dedupe_key = ? AND state = 'dropped'",
            _iso(at), dedupe_key)

    async def count_since(self, user_id: int, purpose: str, since: datetime) -> int:
        row = await self.store.fetch_one(
            "SELECT COUNT(*) AS n FROM outbox WHERE user_id = ? AND purpose = ? AND created_at >= ? "
            "AND state != 'dropped'", user_id, purpose, _iso(since))
        return int(row["n"]) if row else 0

    async def counts_since(self, purpose: str, since: datetime) -> dict[int, int]:
        """`count_since` for every user at once (users with none are left out)."""
        rows = await self.store.fetch_all(
            "SELECT user_id, COUNT(*) AS n FROM outbox WHERE user_id IS NOT NULL AND purpose = ? "
            "AND created_at >= ? AND state != 'dropped' GROUP BY user_id", purpose, _iso(since))
        return {int(r["user_id"]): int(r["n"]) for r in rows}

    async def enqueue_many(self, purpose: str, messages: list[tuple[int, int | None, dict[str, Any], str | None]],
                           not_before: datetime | None = None) -> list[bool]:
        """`enqueue` for many (chat, user, payload, dedupe_key) of one purpose, in order, with one
        trip to the database for the lot; for each, whether it was added (False: a message with
        its dedupe_key was already there)."""
        now = self.store.now()
        keys = [key for *_message, key in messages if key is not None]
        taken = {r["dedupe_key"] for r in await self.store.fetch_in(
            "SELECT dedupe_key FROM outbox WHERE dedupe_key IN ({marks})", keys)}
        added = []
        for *_message, key in messages:
            added.append(key is None or key not in taken)
            if key is not None:
                taken.add(key)
        await self.store.db.executemany(
            "INSERT OR IGNORE INTO outbox (chat_id, user_id, purpose, payload, dedupe_key, not_before, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(chat_id, user_id, purpose, json.dumps(payload, ensure_ascii=False), key, _iso(not_before or now),
              _iso(now)) for chat_id, user_id, payload, key in messages])
        self.store.queued()
        return added

    async def counts(self) -> dict[str, int]:
        rows = await self.store.fetch_all("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
        return {r["state"]: int(r["n"]) for r in rows}
