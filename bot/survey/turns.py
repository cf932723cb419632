"""One user action as one unit of work: who acted, what the turn collects on its way, and
the services that share the survey's turns (companions)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.consent.notice import NOTICE_VERSION
from bot.kernel.actions import Action, Kind
from bot.kernel.outcome import Outcome
from bot.questionnaire.engine import Answers
from bot.storage import Submission, User
from bot.survey.screens import Screens

log = logging.getLogger(__name__)

CompletionHook = Callable[[Submission, Answers], Awaitable[None]]


@dataclass(frozen=True)
class Visitor:
    """Who acts: the user id, the client's language tag, and the update id (for repeats)."""

    user_id: int
    language_code: str | None = None
    event_id: int | None = None


@dataclass
class Turn:
    visitor: Visitor
    user: User | None
    screens: Screens
    source_ref: str | None = None
    outcome: Outcome = field(default_factory=Outcome)
    after: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    closed_refs: set[str] = field(default_factory=set)

    @property
    def agreed(self) -> bool:
        """The user agreed to the current privacy notice (else it is shown before anything else)."""
        return self.user is not None and self.user.agreed(NOTICE_VERSION)


class Companion(Protocol):
    """A service that shares the survey's turns: its own buttons, typed input it asked for,
    and work to do in the transaction that completes a questionnaire."""

    kinds: frozenset[Kind]

    async def press(self, turn: Turn, action: Action) -> None: ...

    async def typed(self, turn: Turn, text: str) -> bool: ...

    async def completed(self, turn: Turn, submission: Submission, answers: Answers) -> None: ...

    async def changed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        """An answer of a completed questionnaire changed (in the turn's transaction)."""


async def run_after_commit(hooks: list[Callable[[], Awaitable[None]]]) -> None:
    """Work that must only happen once the transaction is committed (waking the outbox,
    pushes); a failure is logged and never undoes what was saved."""
    for hook in hooks:
        try:
            await hook()
        except Exception:
            log.exception("after-commit step failed")
