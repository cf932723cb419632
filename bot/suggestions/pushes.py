"""New offers pushed to the associations they fit: at most PUSHES_PER_WEEK per association,
outside quiet hours, never to those who turned pushes off or blocked the bot; and the
reminders of a workshop that moved, moved with it."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.catalog.model import Partner, Workshop
from bot.kernel.i18n import Translator
from bot.outbox import screen_payload
from bot.questionnaire.engine import Engine
from bot.suggestions.calendar import reminder_key, reminder_time
from bot.suggestions.context import SuggestionContext
from bot.suggestions.matching import Match, Reason, build_profile, profile_questions
from bot.suggestions.offering import full
from bot.suggestions.screens import SuggestionScreens

PUSHES_PER_WEEK = 2


class Pushes:
    def __init__(self, context: SuggestionContext) -> None:
        self.c = context
        self.store = context.store

    async def offers_added(self, workshop_ids: list[str]) -> dict[int, list[str]]:
        """Push new workshops to the associations they fit; who got which."""
        pushed: dict[int, list[str]] = {}
        c = self.c
        async with self.store.transaction():
            now = self.store.now()
            workshops = [w for w in [await c.catalog.workshop(i) for i in workshop_ids] if w and w.start > now]
            if not workshops:
                return pushed
            recipients = await c.suggestions.push_recipients()
            taken = await c.suggestions.interest_counts("workshop")
            send_at = c.later()
            # Everything read in a few queries for all associations at once, not per association:
            # with thousands of them, the trips to the database would add up to seconds.
            recent = await c.outbox.counts_since("push", now - timedelta(days=7))
            offered = await c.suggestions.offered("workshop", [w.id for w in workshops])
            planned: list[tuple[int, Match]] = []
            for submission, answers in await c.suggestions.completed_profiles(
                    questions=c.engine.stored_ids(profile_questions(c.matching))):
                user_id = submission.user_id
                if user_id not in recipients:
                    continue
                room = PUSHES_PER_WEEK - recent.get(user_id, 0)
                if room <= 0:
                    continue
                profile = build_profile(user_id, answers, c.matching)
                matches = [m for w in workshops if (user_id, w.id) not in offered and not full(w, taken)
                           and (m := c.scorer.workshop(profile, w, now)) is not None]
                planned += [(user_id, m) for m in sorted(matches, key=lambda m: (-m.score, m.ref))[:room]]
            for user_id, ref in await self._push_cards(planned, workshops, recipients, send_at):
                pushed.setdefault(user_id, []).append(ref)
            await self.store.log_event("offers_pushed", None, workshops=[w.id for w in workshops],
                                       recipients=len(pushed))
        c.wake()
        return pushed

    async def _push_cards(self, planned: list[tuple[int, Match]], workshops: list[Workshop],
                          languages: dict[int, str], send_at: datetime) -> list[tuple[int, str]]:
        """The new-offer cards of `offers_added`, written in bulk (the suggestion rows, then the
        pushes); the (user, workshop) pairs whose push was queued now, not before."""
        c = self.c
        ids = await c.suggestions.upsert_many(
            "workshop", [(user_id, m.ref, m.score, [r.model_dump() for r in m.reasons]) for user_id, m in planned])
        offers = {w.id: (w, await c.catalog.partner(w.provider)) for w in workshops}
        screens: dict[str, _OfferCards] = {}
        messages: list[tuple[int, int | None, dict[str, Any], str | None]] = []
        for (user_id, match), suggestion_id in zip(planned, ids, strict=True):
            language = languages[user_id]
            if language not in screens:
                screens[language] = _OfferCards(c.catalogs.translator(language), c.engine, c.tz)
            cards = screens[language]
            workshop, provider = offers[match.ref]
            card = cards.workshop_card(suggestion_id, workshop, provider, match.reasons, cards.new_offer_heading())
            messages.append((user_id, user_id, screen_payload(card), f"push:{user_id}:{match.ref}"))
        added = await c.outbox.enqueue_many("push", messages, not_before=send_at)
        return [(user_id, match.ref) for (user_id, match), new in zip(planned, added, strict=True) if new]

    async def workshops_changed(self, workshop_ids: list[str]) -> None:
        """A re-import moved a workshop: move its pending reminders with it."""
        async with self.store.transaction():
            for workshop_id in workshop_ids:
                workshop = await self.c.catalog.workshop(workshop_id)
                if workshop is None:
                    continue
                for user_id in await self.c.suggestions.interested_users("workshop", workshop_id):
                    await self.c.outbox.reschedule(reminder_key(user_id, workshop_id),
                                                   reminder_time(workshop.start, self.c.tz))


class _OfferCards(SuggestionScreens):
    """Cards of the same new offers for many readers of one language: each workshop's text and
    each set of reasons is rendered once (an instance lives for one `offers_added`)."""

    def __init__(self, t: Translator, engine: Engine, tz: tzinfo) -> None:
        super().__init__(t, engine, tz)
        self._texts: dict[tuple[str, str | None], str] = {}
        self._reasons: dict[tuple[tuple[tuple[str, Any], ...], ...], str] = {}

    def workshop_text(self, workshop: Workshop, provider: Partner | None) -> str:
        key = (workshop.id, provider.id if provider else None)
        if key not in self._texts:
            self._texts[key] = super().workshop_text(workshop, provider)
        return self._texts[key]

    def reasons(self, reasons: list[Reason]) -> str:
        key = tuple(tuple(r.__dict__.items()) for r in reasons)
        if key not in self._reasons:
            self._reasons[key] = super().reasons(reasons)
        return self._reasons[key]
