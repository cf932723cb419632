"""What an association does with a card: "Interested" (a calendar file and a reminder for a
workshop, the contact of a partner, an introduction request to a peer) or "Not for us"."""

from __future__ import annotations

from bot.storage.suggestions import SuggestionRow
from bot.suggestions.calendar import calendar_file, reminder_key, reminder_time
from bot.suggestions.context import SuggestionContext
from bot.suggestions.introductions import Introductions
from bot.suggestions.screens import SuggestionScreens
from bot.survey.turns import Turn


class Reactions:
    def __init__(self, context: SuggestionContext, introductions: Introductions) -> None:
        self.context = context
        self.store = context.store
        self.introductions = introductions

    async def answer(self, turn: Turn, screens: SuggestionScreens, suggestion_id: int, interested: bool) -> None:
        suggestion = await self.context.suggestions.get(suggestion_id)
        user = turn.user
        assert user is not None
        if suggestion is None or suggestion.user_id != user.id:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        text = await self._card_text(screens, suggestion)
        if text is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        if suggestion.state == "interested" and interested:
            turn.outcome.source_closed = True
            return
        if not interested:
            await self.context.suggestions.set_state(suggestion.id, "dismissed")
            if suggestion.kind == "workshop":
                await self.context.outbox.drop_pending(user.id, "dismissed",
                                                 dedupe_key=reminder_key(user.id, suggestion.ref))
                if suggestion.state == "interested":
                    for hook in self.context.interest_changed:
                        await hook(suggestion.ref, user.id)
            # A peer by the suggestion's own id: its ref is the other association's Telegram id.
            reference = {"suggestion": suggestion.id} if suggestion.kind == "peer" else {"ref": suggestion.ref}
            await self.store.log_event("suggestion_dismissed", user.id, offer=suggestion.kind, **reference)
            turn.outcome.source = screens.dismissed(text)
            return
        if suggestion.kind == "workshop":
            await self._interested_in_workshop(turn, screens, suggestion)
        elif suggestion.kind == "partner":
            partner = await self.context.catalog.partner(suggestion.ref)
            assert partner is not None
            await self.context.suggestions.set_state(suggestion.id, "interested")
            await self.store.log_event("suggestion_interested", user.id, offer="partner", ref=partner.id)
            turn.outcome.source = screens.partner_contact(partner)
        else:
            await self.introductions.request(turn, screens, suggestion, text)

    async def _card_text(self, screens: SuggestionScreens, suggestion: SuggestionRow) -> str | None:
        """The card's text without reasons and buttons; None when the offer is gone."""
        catalog = self.context.catalog
        if suggestion.kind == "workshop":
            workshop = await catalog.workshop(suggestion.ref)
            if workshop is None or workshop.start <= self.store.now():
                return None
            return screens.workshop_text(workshop, await catalog.partner(workshop.provider))
        if suggestion.kind == "partner":
            partner = await catalog.partner(suggestion.ref)
            return screens.partner_text(partner) if partner else None
        peer = await self.store.user(int(suggestion.ref))
        if peer is None:
            return None
        topic = next((r.get("topic") for r in suggestion.reasons if r.get("topic")), None)
        return screens.peer_text(topic, await self.context.district_of(peer.id))

    async def _interested_in_workshop(self, turn: Turn, screens: SuggestionScreens,
                                      suggestion: SuggestionRow) -> None:
        user = turn.user
        assert user is not None
        workshop = await self.context.catalog.workshop(suggestion.ref)
        assert workshop is not None
        provider = await self.context.catalog.partner(workshop.provider)
        await self.context.suggestions.set_state(suggestion.id, "interested")
        await self.store.log_event("suggestion_interested", user.id, offer="workshop", ref=workshop.id)
        for hook in self.context.interest_changed:
            await hook(workshop.id, user.id)
        document = calendar_file(screens, workshop, provider.name if provider else None, self.store.now())
        await self.context.outbox.enqueue(user.id, user.id, "reply", document.payload(),
                                    dedupe_key=f"ics:{user.id}:{workshop.id}:{suggestion.id}")
        remind_at = reminder_time(workshop.start, self.context.tz)
        reminder = remind_at > self.store.now()
        if reminder:
            key = reminder_key(user.id, workshop.id)
            if await self.context.outbox.enqueue(user.id, user.id, "reminder",
                                           {"type": "reminder", "workshop": workshop.id},
                                           not_before=remind_at, dedupe_key=key) is None:
                await self.context.outbox.revive(key, remind_at)  # interested again after "Not for us"
        turn.outcome.source = screens.workshop_noted(workshop, provider, reminder)
