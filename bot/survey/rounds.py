"""Repeat rounds: staff open one (`msobot round open --name 2027`, or /round in the staff
chat); every association with a completed questionnaire is invited once, in its language, and
answers again with its previous answers as defaults (bot.survey keeps each round its own
submission)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.outbox import screen_payload
from bot.outbox.fan_out import Message, queue_in_chunks
from bot.storage import Store
from bot.storage.jobs import JobStore
from bot.storage.rounds import Invitee, Round, RoundStore
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
    """Opening a round is one small write (the round); the invitations are queued after its
    commit, in short transactions of CHUNK each (`bot.outbox.fan_out`), so that a city's twelve
    thousand never hold up the associations answering meanwhile."""

    def __init__(self, store: Store, survey: SurveyService, send_at: Callable[[], datetime]) -> None:
        self.store = store
        self.send_at = send_at  # now, or after the quiet hours
        self.survey = survey
        self.rounds = RoundStore(store)

    async def open(self, name: str, leave_to_bot: bool = False) -> Opened | None:
        """`msobot round open`: the round, and all its invitations queued here (this process
        holds the database's lock: no bot runs) or, `leave_to_bot`, a job for the running bot
        in the round's transaction (`bot.staff.jobs`). None when a round of that name exists
        (each association is invited once a round)."""
        valid = round_name(name)
        if valid is None:
            raise ValueError(f"a round name has 1 to {NAME_LIMIT} characters")
        async with self.store.transaction():
            opened = await self.open_here(valid)
            if opened is not None and leave_to_bot:
                await JobStore(self.store).add("round", round=opened.id)
        if opened is None:
            return None
        if leave_to_bot:
            return Opened(opened, len(await self.invitees(opened)))
        return Opened(opened, await self.fan_out(opened))

    async def open_here(self, name: str) -> Round | None:
        """The round alone, inside the caller's transaction (the staff chat's unit of work);
        `invitees` and `fan_out` after its commit."""
        return await self.rounds.open(name)

    async def invitees(self, opened: Round) -> list[Invitee]:
        """Read on a snapshot beside the writer: nobody waits for it."""
        async with self.store.snapshot() as reader:
            return await RoundStore(reader).invitees(opened)

    async def fan_out(self, opened: Round, invitees: list[Invitee] | None = None) -> int:
        """Queue every invitation (those already queued by an interrupted run are kept as they
        are), then mark the round done; how many associations are invited."""
        if invitees is None:
            invitees = await self.invitees(opened)

        def invitation(invitee: Invitee) -> Message:
            screen = self.survey.screens_for(invitee.language).round_invitation(
                opened.name, opened.id, invitee.completed_at, self.survey.tz)
            return invitee.user_id, invitee.user_id, screen_payload(screen), f"round:{opened.id}:{invitee.user_id}"

        await queue_in_chunks(self.store, "round", invitees, invitation, self.send_at())
        async with self.store.transaction():
            await self.rounds.fanned_out(opened.id)
            await self.store.log_event("round_opened", None, round=opened.name, invited=len(invitees))
        log.info("round %s opened: %d associations invited", opened.name, len(invitees))
        return len(invitees)

    async def resume(self) -> None:
        """At the bot's start: the rest of the invitations of a round whose queuing a stop
        interrupted."""
        async with self.store.snapshot() as reader:
            unfinished = await RoundStore(reader).not_fanned_out()
        for opened in unfinished:
            await self.fan_out(opened)
