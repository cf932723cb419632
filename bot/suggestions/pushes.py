"""New offers pushed to the associations they fit: at most PUSHES_PER_WEEK per association,
outside quiet hours, never to those who turned pushes off or blocked the bot; and the
reminders of a workshop that moved, moved with it.

A new workshop never stalls the bot, however many associations there are: the candidates come
from the profile index in one snapshot on the read connection, the scoring runs in a process of
its own (`plan`: at city scale it parses 20,000 profiles and makes a match with its reasons for
each; in the bot's process those objects made Python's collections pause every reply for up to
a quarter of a second), it hands back compact rows, and the pushes are written in short
transactions of CHUNK rows, each a compact row whose card is drawn in the reader's language
only when the outbox sends it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.catalog.model import Workshop
from bot.storage.catalog import CatalogStore
from bot.storage.outbox import CHUNK, OutboxStore
from bot.storage.profiles import ProfileStore
from bot.storage.suggestions import SuggestionStore
from bot.suggestions.calendar import reminder_key, reminder_time
from bot.suggestions.context import SuggestionContext
from bot.suggestions.index import stored_profile
from bot.suggestions.matching import Scorer
from bot.suggestions.offering import full

PUSHES_PER_WEEK = 2
# A planned push: association, workshop, score, the reasons as stored (JSON).
Planned = tuple[int, str, float, str]


def plan(workshops: list[Workshop], candidates: list[tuple[int, str, str]], recent: dict[int, int],
         offered: set[tuple[int, str]], taken: dict[str, int], now: datetime, tz: tzinfo,
         places: dict[str, tuple[float, float]]) -> list[Planned]:
    """The scoring, plain CPU work (in a process of its own, `bot.kernel.offload`): each
    candidate's best new workshops, within the room its weekly limit leaves."""
    planned: list[Planned] = []
    scorer = Scorer(tz, places)
    open_workshops = [w for w in workshops if not full(w, taken)]
    for user_id, _language, data in candidates:
        room = PUSHES_PER_WEEK - recent.get(user_id, 0)
        if room <= 0:
            continue
        profile = stored_profile(data)
        matches = [m for w in open_workshops if (user_id, w.id) not in offered
                   and (m := scorer.workshop(profile, w, now)) is not None]
        planned += [(user_id, m.ref, m.score, json.dumps([r.model_dump() for r in m.reasons], ensure_ascii=False))
                    for m in sorted(matches, key=lambda m: (-m.score, m.ref))[:room]]
    return planned


class Pushes:
    def __init__(self, context: SuggestionContext) -> None:
        self.context = context
        self.store = context.store

    async def offers_added(self, workshop_ids: list[str]) -> dict[int, list[str]]:
        """Push new workshops to the associations they fit; who got which."""
        c = self.context
        now = self.store.now()
        async with self.store.snapshot() as reader:
            catalog = CatalogStore(reader)
            workshops = [w for w in [await catalog.workshop(i) for i in workshop_ids] if w and w.start > now]
            if not workshops:
                return {}
            topics = sorted({t for w in workshops for t in w.topics})
            languages = sorted({code for w in workshops for code in w.languages})
            candidates = await ProfileStore(reader).for_offer(topics, languages)
            suggestions = SuggestionStore(reader)
            taken = await suggestions.interest_counts("workshop", [w.id for w in workshops if w.capacity])
            offered = await suggestions.offered("workshop", [w.id for w in workshops])
            recent = await OutboxStore(reader).counts_since("push", now - timedelta(days=7))
        planned = await c.offload.run(plan, workshops, candidates, recent, offered, taken, now, c.tz,
                                      dict(c.matching.places))
        pushed: dict[int, list[str]] = {}
        send_at = c.later()
        for start in range(0, len(planned), CHUNK):  # the store's lock is fair: units of work go in between
            async with self.store.transaction():
                for user_id, ref in await self._write(planned[start:start + CHUNK], send_at):
                    pushed.setdefault(user_id, []).append(ref)
        async with self.store.transaction():
            await self.store.log_event("offers_pushed", None, workshops=[w.id for w in workshops],
                                       recipients=len(pushed))
        return pushed

    async def _write(self, planned: list[Planned], send_at: datetime) -> list[tuple[int, str]]:
        """One chunk: the suggestion rows, then a compact push each (the card is drawn when it is
        sent); the (user, workshop) pairs whose push was queued now, not before."""
        c = self.context
        ids = await c.suggestions.upsert_many("workshop", planned)
        messages: list[tuple[int, int | None, dict[str, Any], str | None]] = [
            (user_id, user_id, {"type": "push", "suggestion": suggestion_id}, f"push:{user_id}:{ref}")
            for (user_id, ref, _score, _reasons), suggestion_id in zip(planned, ids, strict=True)]
        added = await c.outbox.enqueue_many("push", messages, not_before=send_at)
        return [(user_id, ref) for (user_id, ref, _s, _r), new in zip(planned, added, strict=True) if new]

    async def workshops_changed(self, workshop_ids: list[str]) -> None:
        """A re-import moved a workshop: move its pending reminders with it."""
        async with self.store.transaction():
            for workshop_id in workshop_ids:
                workshop = await self.context.catalog.workshop(workshop_id)
                if workshop is None:
                    continue
                for user_id in await self.context.suggestions.interested_users("workshop", workshop_id):
                    await self.context.outbox.reschedule(reminder_key(user_id, workshop_id),
                                                   reminder_time(workshop.start, self.context.tz))
