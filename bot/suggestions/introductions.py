"""Double opt-in introductions between associations: one asks, the other is asked in its
own language, and only if it accepts do both get each other's contact (asked for if missing)."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.kernel.outcome import Screen
from bot.outbox import screen_payload
from bot.storage.suggestions import SuggestionRow
from bot.suggestions.context import SuggestionContext
from bot.suggestions.screens import SuggestionScreens
from bot.survey.turns import Turn

_CONTACT = re.compile(r"^\S.{1,198}\S$", re.DOTALL)


class Introductions:
    def __init__(self, context: SuggestionContext) -> None:
        self.context = context
        self.store = context.store

    async def typed(self, turn: Turn, text: str) -> bool:
        """Typed contact details the bot asked for (introductions)."""
        user = turn.user
        if user is None or not user.awaiting:
            return False
        awaiting: dict[str, Any] = _json(user.awaiting)
        if awaiting.get("do") not in ("request", "accept"):  # another companion asked for it
            return False
        screens = self.context.screens(user.language)
        contact = text.strip()
        if not _CONTACT.match(contact):
            turn.outcome.messages.append(Screen(text="⚠️ " + screens.contact_invalid()))
            return True
        await self.store.set_awaiting(user.id, None)
        await self._save_contact(user.id, contact)
        if awaiting.get("do") == "request":
            suggestion = await self.context.suggestions.get(int(awaiting.get("suggestion", 0)))
            if suggestion is not None and suggestion.user_id == user.id:
                await self.request(turn, screens, suggestion, None)
                return True
        if awaiting.get("do") == "accept":
            await self.decide(turn, screens, int(awaiting.get("introduction", 0)), True)
            return True
        turn.outcome.toast = None
        return True

    async def _save_contact(self, user_id: int, contact: str) -> None:
        latest = await self.store.latest_completed(user_id)
        if latest is not None and self.context.matching.contact is not None:
            await self.store.save_answer(latest[0].id, self.context.matching.contact, contact)

    async def request(self, turn: Turn, screens: SuggestionScreens, suggestion: SuggestionRow,
                      text: str | None) -> None:
        """"Get in touch" on a peer card; `text`: the card's text, when the tap came from it."""
        user = turn.user
        assert user is not None
        peer_id = int(suggestion.ref)
        peer = await self.store.user(peer_id)
        if peer is None or await self.context.suggestions.introduction_between(user.id, peer_id) is not None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        if await self.context.contact(user.id) is None:
            await self.store.set_awaiting(user.id, {"do": "request", "suggestion": suggestion.id})
            turn.outcome.source_closed = True
            turn.outcome.messages.append(screens.ask_contact())
            return
        await self.context.suggestions.set_state(suggestion.id, "interested")
        topic = next((r.get("topic") for r in suggestion.reasons if r.get("topic")), None)
        introduction = await self.context.suggestions.request_introduction(user.id, peer_id, topic)
        await self.store.log_event("introduction_requested", user.id, introduction=introduction.id)
        peer_screens = self.context.screens(peer.language)
        request = peer_screens.introduction_request(
            introduction.id, await self.store.organisation_name(user.id), await self.context.district_of(user.id),
            topic)
        await self.context.outbox.enqueue(peer_id, peer_id, "introduction", screen_payload(request),
                                    not_before=self.context.later(), about_user=user.id)
        done = screens.request_sent(text or screens.peer_text(topic, await self.context.district_of(peer_id)))
        if text is None:
            turn.outcome.messages.append(done)
        else:
            turn.outcome.source = done

    async def decide(self, turn: Turn, screens: SuggestionScreens, introduction_id: int, accept: bool) -> None:
        user = turn.user
        assert user is not None
        introduction = await self.context.suggestions.introduction(introduction_id)
        if introduction is None or introduction.to_user != user.id or introduction.state != "requested":
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        requester = await self.store.user(introduction.from_user)
        turn.outcome.source_closed = True
        if requester is None:
            turn.outcome.toast = turn.screens.no_longer_applies()
            return
        if accept and await self.context.contact(user.id) is None:
            await self.store.set_awaiting(user.id, {"do": "accept", "introduction": introduction.id})
            turn.outcome.messages.append(screens.ask_contact())
            return
        await self.context.suggestions.decide(introduction.id, accept)
        await self.store.log_event("introduction_accepted" if accept else "introduction_declined", user.id,
                                   introduction=introduction.id)
        requester_screens = self.context.screens(requester.language)
        later = self.context.later()
        if not accept:
            turn.outcome.messages.append(screens.declined_by_you())
            await self.context.outbox.enqueue(requester.id, requester.id, "introduction",
                                        screen_payload(requester_screens.introduction_declined()), not_before=later)
        else:
            mine = await self.store.organisation_name(user.id), await self.context.contact(user.id)
            theirs = await self.store.organisation_name(requester.id), await self.context.contact(requester.id)
            turn.outcome.messages.append(screens.introduced(*theirs))
            await self.context.outbox.enqueue(requester.id, requester.id, "introduction",
                                        screen_payload(requester_screens.introduced(*mine)), not_before=later,
                                        about_user=user.id)


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
