"""One message to each of thousands of associations (a broadcast, a round's invitations)
without making anyone wait: the caller reads the recipients on a snapshot, and here each chunk
of CHUNK messages is drawn in its readers' languages outside the write lock, then queued in a
short transaction of its own, and the worker woken. However long the whole takes, the bot's
units of work go on between the chunks.

Exactly once across a crash: every message has a dedupe key, so queuing the whole list again
adds only what is missing; the caller records, after the last chunk, that it is done."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.storage import Store
from bot.storage.outbox import CHUNK, OutboxStore

Recipient = TypeVar("Recipient")
Message = tuple[int, int | None, dict[str, Any], str | None]  # chat, user, payload, dedupe key
# Beside a writer in another process (the bot, when this runs in a command line tool), which
# asks for the lock every millisecond: after each chunk, leave the lock free for as long as the
# chunk held it. In the bot's own process nothing is needed: its lock is fair, waiting units of
# work go first anyway.
BESIDE_ANOTHER_WRITER = 1.0


async def queue_in_chunks(store: Store, purpose: str, recipients: Sequence[Recipient],
                          message: Callable[[Recipient], Message], not_before: datetime,
                          wake: Callable[[], None], share: float = 0.0) -> int:
    """Queue `message(r)` for every recipient, CHUNK at a time; how many were added now (fewer
    than the recipients when an interrupted run had queued some already). `share`: how long to
    leave the lock free after each chunk, relative to how long the chunk held it."""
    outbox = OutboxStore(store)
    added = 0
    for start in range(0, len(recipients), CHUNK):
        messages = [message(r) for r in recipients[start:start + CHUNK]]  # drawn before the lock is taken
        async with store.transaction():
            began = time.perf_counter()
            added += sum(await outbox.enqueue_many(purpose, messages, not_before=not_before))
        held = time.perf_counter() - began
        wake()
        await asyncio.sleep(held * share)  # at least a turn of the loop: whoever waits goes first
    return added
