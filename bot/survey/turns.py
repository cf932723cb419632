"""An association's turn (what it collects on its way, in the association's language) and the
services whose buttons and typed input arrive in such turns (companions). The runner that
runs every turn is the kernel's (`bot.kernel.turns`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.consent.notice import NOTICE_VERSION
from bot.kernel.actions import Kind, Tap
from bot.kernel.outcome import Outcome
from bot.kernel.turns import AfterCommit, Visitor, run_after_commit
from bot.questionnaire.engine import Answers
from bot.storage import Submission, User
from bot.survey.screens import Screens

__all__ = ["Companion", "CompletionHook", "Turn", "Visitor", "run_after_commit"]

CompletionHook = Callable[[Submission, Answers], Awaitable[None]]


@dataclass
class Turn:
    visitor: Visitor
    user: User | None
    screens: Screens
    source_ref: str | None = None
    outcome: Outcome = field(default_factory=Outcome)
    after: list[AfterCommit] = field(default_factory=list)
    closed_refs: set[str] = field(default_factory=set)

    @property
    def rtl(self) -> bool:
        return self.screens.t.rtl

    @property
    def agreed(self) -> bool:
        """The user agreed to the current privacy notice (else it is shown before anything else)."""
        return self.user is not None and self.user.agreed(NOTICE_VERSION)


class Companion(Protocol):
    """A service that shares the survey's turns: its own buttons, typed input it asked for,
    and work to do in the transaction that completes a questionnaire."""

    kinds: frozenset[Kind]

    async def press(self, turn: Turn, tap: Tap) -> None:
        """A tap of one of `kinds`, decoded by its own codec."""

    async def typed(self, turn: Turn, text: str) -> bool: ...

    async def completed(self, turn: Turn, submission: Submission, answers: Answers) -> None: ...

    async def changed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        """An answer of a completed questionnaire changed (in the turn's transaction)."""
