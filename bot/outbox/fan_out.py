"""One message to each of thousands of associations (a broadcast, a round's invitations)
without making anyone wait: the caller reads the recipients on a snapshot, and here each chunk
of CHUNK messages is drawn in its readers' languages outside the write lock, then queued in a
short transaction of its own (the worker is woken as each commits). However long the whole takes, the bot's
units of work go on between the chunks (the store's lock is fair: they wait ahead of the next
chunk). Only the bot, the database's single writer, does this (`bot.staff.jobs`), or a command
line tool holding the lock when no bot runs.

Exactly once across a crash: every message has a dedupe key, so queuing the whole list again
adds only what is missing; the caller records, after the last chunk, that it is done."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.storage import Store
from bot.storage.outbox import CHUNK, OutboxStore

Recipient = TypeVar("Recipient")
Message = tuple[int, int | None, dict[str, Any], str | None]  # chat, user, payload, dedupe key


async def queue_in_chunks(store: Store, purpose: str, recipients: Sequence[Recipient],
                          message: Callable[[Recipient], Message], not_before: datetime) -> int:
    """Queue `message(r)` for every recipient, CHUNK at a time; how many were added now (fewer
    than the recipients when an interrupted run had queued some already)."""
    outbox = OutboxStore(store)
    added = 0
    for start in range(0, len(recipients), CHUNK):
        messages = [message(r) for r in recipients[start:start + CHUNK]]  # drawn before the lock is taken
        async with store.transaction():
            added += sum(await outbox.enqueue_many(purpose, messages, not_before=not_before))
    return added
