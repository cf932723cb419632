"""A partner's own workshops: `/myworkshops` (how many associations are interested, and who,
where they agreed that their name may be passed on) and a short message when the interest
changes, at most one a day per workshop and contact. Only associations that agreed that their
name and needs may be passed on count (they are named anyway); the others are not counted and
their interest sends no message."""

from __future__ import annotations

from collections.abc import Callable

from bot.catalog.model import Workshop
from bot.kernel.outcome import Screen
from bot.outbox import Parcel
from bot.partners.requests import PURPOSE
from bot.partners.screens import PartnerScreens
from bot.questionnaire.engine import Engine
from bot.storage import Store
from bot.storage.catalog import CatalogStore
from bot.storage.outbox import OutboxRow, OutboxStore
from bot.storage.partners import PartnerContact, PartnerStore
from bot.storage.suggestions import SuggestionStore
from bot.suggestions.matching import build_profile


class PartnerWorkshops:
    def __init__(self, store: Store, engine: Engine, screens: Callable[[PartnerContact], PartnerScreens]) -> None:
        self.store = store
        self.engine = engine
        self.screens = screens
        self.data = PartnerStore(store)
        self.catalog = CatalogStore(store)
        self.suggestions = SuggestionStore(store)
        self.outbox = OutboxStore(store)

    async def upcoming(self, partner_id: str) -> list[Workshop]:
        return [w for w in await self.catalog.workshops(upcoming_after=self.store.now()) if w.provider == partner_id]

    async def listing(self, contact: PartnerContact) -> str:
        """/myworkshops: each upcoming workshop, the associations interested, and by name those
        that agreed to sharing (with how to reach them, where they gave it)."""
        s = self.screens(contact)
        workshops = await self.upcoming(contact.partner_id)
        counts = await self.suggestions.interest_counts("workshop", [w.id for w in workshops], sharing=True)
        blocks = []
        for workshop in workshops:
            names = [await self._named(user_id) for user_id in
                     await self.suggestions.interested_users("workshop", workshop.id)]
            blocks.append(s.my_workshop(workshop, counts.get(workshop.id, 0), [n for n in names if n]))
        return s.my_workshops(blocks)

    async def _named(self, user_id: int) -> str | None:
        user = await self.store.user(user_id)
        if user is None or not user.sharing:
            return None
        name = await self.store.organisation_name(user_id) or "?"
        submission = await self.store.current_submission(user_id)
        matching = self.engine.questionnaire.matching
        contact = None
        if submission is not None and matching is not None and user.networking:  # see ContactRequests.compose
            contact = build_profile(user_id, await self.store.answers(submission.id), matching).contact
        return f"{name} ({contact})" if contact else name

    async def interest_changed(self, workshop_id: str, user_id: int) -> None:
        """In the association's transaction: the workshop's organisation hears of it, once a day."""
        workshop = await self.catalog.workshop(workshop_id)
        user = await self.store.user(user_id)
        if workshop is None or not workshop.provider or user is None or not user.sharing:
            return
        day = self.store.now().date().isoformat()
        for contact in await self.data.contacts():
            if contact.active and contact.partner_id == workshop.provider:
                await self.outbox.enqueue(contact.user_id, None, PURPOSE,
                                          {"type": "partner_interest", "workshop": workshop_id},
                                          dedupe_key=f"interest:{workshop_id}:{day}:{contact.user_id}")

    async def compose(self, row: OutboxRow) -> Parcel | None:
        contact = await self.data.contact(row.chat_id)
        workshop = await self.catalog.workshop(str(row.payload.get("workshop") or ""))
        if contact is None or not contact.active or workshop is None or workshop.start <= self.store.now():
            return None
        count = (await self.suggestions.interest_counts("workshop", [workshop.id], sharing=True)).get(workshop.id, 0)
        return Parcel(kind="screen", screen=Screen(text=self.screens(contact).interest_news(workshop, count)))
