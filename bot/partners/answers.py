"""A partner contact answers a contact request: "We will get in touch" tells the association
(in its language, drawn when sent), "Not our field" goes back to the office. The first answer
of the organisation's contacts settles it; every answer is an event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.kernel.outcome import Outcome, Screen
from bot.kernel.settings import Settings
from bot.outbox import Parcel, screen_payload
from bot.partners.requests import PURPOSE, ContactRequests
from bot.partners.screens import PartnerScreens, person
from bot.storage import Store
from bot.storage.outbox import OutboxRow
from bot.storage.partners import PartnerContact
from bot.storage.tasks import TaskStore


class RequestAnswers:
    def __init__(self, store: Store, requests: ContactRequests, settings: Settings,
                 staff_screens: PartnerScreens, association_screens: Callable[[str | None], Any]) -> None:
        self.store = store
        self.requests = requests
        self.settings = settings
        self.staff = staff_screens
        # The association's screens in its language (`SuggestionScreens`).
        self.association_screens = association_screens

    async def answer(self, contact_id: int, request_id: int, accept: bool, outcome: Outcome) -> None:
        """In the contact's unit of work."""
        r = self.requests
        contact = await r.data.contact(contact_id)
        request = await r.requests.get(request_id)
        if contact is None or not contact.active or request is None or request.partner_id != contact.partner_id:
            outcome.toast = r.screens(contact).not_for_partners()[:190] if contact else None
            return
        s = r.screens(contact)
        if not await r.requests.answer(request_id, "accepted" if accept else "declined", contact_id):
            outcome.toast = s._("This request was answered already.")
            return
        await self.store.log_event("contact_request_answered", None, partner=contact.partner_id,
                                   request=request_id, accepted=accept, contact=contact_id)
        if accept:
            await r.outbox.enqueue(request.user_id, request.user_id, PURPOSE,
                                   {"type": "partner_answer", "request": request_id},
                                   dedupe_key=f"request-answer:{request_id}")
            if not await r.reachable(request):  # the card said "through the integration office"
                await TaskStore(self.store).add("via_office", f"r{request_id}", request.user_id, request.partner_id)
            outcome.messages.append(Screen(text="✅ " + s._("Thank you. The association is told that you will get "
                                                           "in touch.")))
        else:
            await TaskStore(self.store).add("not_our_field", f"r{request_id}", request.user_id, request.partner_id)
            await self._tell_office(contact, request_id)
            outcome.messages.append(Screen(text=s._("Thank you. The integration office will follow up.")))

    async def _tell_office(self, contact: PartnerContact, request_id: int) -> None:
        r = self.requests
        request = await r.requests.get(request_id)
        partner = await r.catalog.partner(contact.partner_id)
        if request is None:
            return
        name = await self.store.organisation_name(request.user_id)
        staff = self.staff
        text = "📨 " + staff._("“{partner}” answered “Not our field” to the contact request of “{name}” ({topics}). "
                              "Please take it up.").format(partner=partner.name if partner else contact.partner_id,
                                                           name=person(name),
                                                           topics=", ".join(staff.voice.topic(t)
                                                                            for t in request.topics))
        for staff_id in self.settings.staff_ids:
            # It names the association: deleting its data deletes this message too.
            await r.outbox.enqueue(staff_id, None, "staff", screen_payload(Screen(text=text)),
                                   about_user=request.user_id)

    async def compose(self, row: OutboxRow) -> Parcel | None:
        """The association hears back, in its language, when the message is sent."""
        r = self.requests
        request = await r.requests.get(int(str(row.payload.get("request") or 0)))
        user = await self.store.user(row.user_id or 0)
        if request is None or request.state != "accepted" or user is None:
            return None
        partner = await r.catalog.partner(request.partner_id)
        contact = await r.data.contact(request.answered_by or 0)
        if partner is None:
            return None
        screen = self.association_screens(user.language).partner_will_get_in_touch(
            partner, contact.name if contact else None)
        return Parcel(kind="screen", screen=screen)
