"""The running bot does what `msobot catalog import` and `msobot round open` left to it: the
command writes its small part (the catalog rows, the round) and a job in one short
transaction; the bot, the database's single writer, finds the job at its next look and queues
the thousands of messages in its own process, in short transactions between its users' work.

A job is deleted once done; one a stop interrupted is done again at the next start, and the
outbox's dedupe keys keep any message from being queued twice."""

from __future__ import annotations

import asyncio
import logging

from bot.storage import Store
from bot.storage.jobs import Job, JobStore
from bot.storage.rounds import RoundStore
from bot.suggestions.service import SuggestionService
from bot.survey.rounds import RoundService

log = logging.getLogger(__name__)

LOOK_SECONDS = 5.0  # as often as the heartbeat


class Jobs:
    def __init__(self, store: Store, suggestions: SuggestionService, rounds: RoundService) -> None:
        self.store = store
        self.suggestions = suggestions
        self.rounds = rounds

    async def run_waiting(self) -> int:
        """Every job waiting, in the order written; how many were done."""
        async with self.store.snapshot() as reader:
            waiting = await JobStore(reader).waiting()
        for job in waiting:
            await self._run(job)
            async with self.store.single_statement():
                await JobStore(self.store).done(job.key)
        return len(waiting)

    async def _run(self, job: Job) -> None:
        if job.kind == "offers":
            await self.suggestions.workshops_changed(list(job.data.get("changed", [])))
            pushed = await self.suggestions.offers_added(list(job.data.get("added", [])))
            log.info("new offers of a catalog import pushed to %d associations", len(pushed))
        elif job.kind == "round":
            opened = await RoundStore(self.store).get(int(job.data["round"]))
            if opened is not None and opened.fanned_out_at is None:
                await self.rounds.fan_out(opened)
        else:
            log.error("a job of an unknown kind (%s) is dropped: %s", job.kind, job.data)

    async def keep(self) -> None:
        """Look for jobs every LOOK_SECONDS until cancelled."""
        while True:
            try:
                await self.run_waiting()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("a job of a command line tool failed; trying again")
            await asyncio.sleep(LOOK_SECONDS)
