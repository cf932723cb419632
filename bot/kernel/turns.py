"""One person's action as one unit of work, the same way for every capability.

Every update runs through `TurnRunner.run` once: claim the update (a repeat does nothing) and
load the actor in the same trip to the database → begin the capability's turn (it decides the
language) → one unit of work → COMMIT → the work that must wait for the commit (waking the
outbox, pushes, background jobs) → the texts laid out for right-to-left readers. Who may do
what is decided before this, from the routing table (`bot.kernel.routes`): a step never checks
roles itself.

The kernel knows no capability and no storage module: the store and the turns are protocols.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from bot.kernel.bidi import directed_outcome
from bot.kernel.outcome import Outcome

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]
# The Telegram account whose update the running turn handles (its private chat): a reply the turn
# queues for its association goes to this member only (`bot.storage.outbox`).
ACTING: ContextVar[int | None] = ContextVar("acting_account", default=None)


@dataclass(frozen=True)
class Visitor:
    """Who acts: the user id, the client's language tag, and the update id (for repeats)."""

    user_id: int
    language_code: str | None = None
    event_id: int | None = None


class Turn(Protocol):
    """What every capability's turn collects: what the person sees, what waits for the commit,
    and whether they read right to left."""

    outcome: Outcome
    after: list[AfterCommit]

    @property
    def rtl(self) -> bool: ...


Actor = TypeVar("Actor")
Actor_co = TypeVar("Actor_co", covariant=True)
T = TypeVar("T", bound=Turn)


class Claims(Protocol[Actor_co]):
    """The unit of work a runner needs (the storage's `Store` is one)."""

    def transaction(self) -> AbstractAsyncContextManager[None]: ...

    async def claim_and_read(self, update_id: int | None, user_id: int) -> tuple[bool, Actor_co | None]: ...


async def run_after_commit(hooks: list[AfterCommit]) -> None:
    """Work that must only happen once the transaction is committed (waking the outbox,
    pushes); a failure is logged and never undoes what was saved."""
    for hook in hooks:
        try:
            await hook()
        except Exception:
            log.exception("after-commit step failed")


class TurnRunner(Generic[Actor]):
    def __init__(self, store: Claims[Actor]) -> None:
        self.store = store

    async def run(self, visitor: Visitor, begin: Callable[[Actor | None], Awaitable[T]],
                  step: Callable[[T], Awaitable[None]]) -> tuple[T | None, Outcome]:
        """The turn (None for an update handled before) and what to show."""
        acting = ACTING.set(visitor.user_id)
        try:
            async with self.store.transaction():
                claimed, actor = await self.store.claim_and_read(visitor.event_id, visitor.user_id)
                if not claimed:
                    log.info("update %s seen before; ignored", visitor.event_id)
                    return None, Outcome()
                turn = await begin(actor)
                await step(turn)
        finally:
            ACTING.reset(acting)
        await run_after_commit(turn.after)
        # Right-to-left readers: every text laid out for them, catalog texts and lines built in
        # code alike (one pass, `bidi.directed`).
        return turn, directed_outcome(turn.outcome, turn.rtl)
