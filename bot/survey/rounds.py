"""Repeat rounds: staff open one (`msobot round open --name 2027`, or /round in the staff
chat); every association with a completed questionnaire is invited once, in its language, and
answers again with its previous answers as defaults (bot.survey keeps each round its own
submission)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.outbox import screen_payload
from bot.storage import Store
from bot.storage.outbox import OutboxStore
from bot.storage.rounds import Round, RoundStore
from bot.survey.service import SurveyService

log = logging.getLogger(__name__)


NAME_LIMIT = 40


def round_name(text: str) -> str | None:
    """The name as staff typed it, spaces tidied; None when empty or too long."""
    name = " ".join(text.split())
    return name if 0 < len(name) <= NAME_LIMIT else None


@dataclass(frozen=True)
class Opened:
    round: Round
    invited: int


class RoundService:
    def __init__(self, store: Store, survey: SurveyService, send_at: Callable[[], datetime],
                 wake: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.send_at = send_at  # now, or after the quiet hours
        self.survey = survey
        self.rounds = RoundStore(store)
        self.outbox = OutboxStore(store)
        self.wake = wake

    async def open(self, name: str) -> Opened | None:
        """None when a round of that name exists (each association is invited once a round)."""
        valid = round_name(name)
        if valid is None:
            raise ValueError(f"a round name has 1 to {NAME_LIMIT} characters")
        async with self.store.transaction():
            opened = await self.open_here(valid)
        if opened is not None:
            self.wake()
        return opened

    async def open_here(self, name: str) -> Opened | None:
        """`open` inside the caller's transaction (the staff chat's unit of work)."""
        opened = await self.rounds.open(name)
        if opened is None:
            return None
        messages: list[tuple[int, int | None, dict[str, Any], str | None]] = []
        for invitee in await self.rounds.invitees(opened.id):
            screens = self.survey.screens_for(invitee.language)
            screen = screens.round_invitation(opened.name, opened.id, invitee.completed_at, self.survey.tz)
            messages.append((invitee.user_id, invitee.user_id, screen_payload(screen),
                             f"round:{opened.id}:{invitee.user_id}"))
        await self.outbox.enqueue_many("round", messages, not_before=self.send_at())
        await self.store.log_event("round_opened", None, round=opened.name, invited=len(messages))
        log.info("round %s opened: %d associations invited", opened.name, len(messages))
        return Opened(opened, len(messages))

    async def ring(self) -> None:
        """After the commit: the outbox worker sends the invitations."""
        self.wake()
