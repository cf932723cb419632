"""Contact requests: an association that asked for contact with professional organisations and
agreed that its name and needs may be passed on reaches the contacts of the organisations it
named, who answer "We will get in touch" or "Not our field".

Completing the questionnaire records the requests and queues a compact row per contact in the
same transaction (a survey companion); the card is drawn when the outbox sends it, so a request
withdrawn meanwhile (the association deleted its data or took its consent back) is never shown.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.catalog.model import Partner
from bot.kernel.actions import Kind, RequestAnswerTap, Tap
from bot.kernel.outcome import Button, Screen
from bot.kernel.text import isolated
from bot.outbox import Parcel
from bot.partners.screens import PartnerScreens, person
from bot.questionnaire.engine import Answers, Engine
from bot.questionnaire.model import Matching
from bot.storage import Store
from bot.storage.catalog import CatalogStore
from bot.storage.contact_persons import ContactPerson, ContactPersonStore
from bot.storage.outbox import OutboxRow, OutboxStore
from bot.storage.partners import ContactRequest, PartnerContact, PartnerStore, RequestStore
from bot.storage.store import Submission
from bot.storage.tasks import TaskStore
from bot.suggestions.matching import NeedProfile, build_profile
from bot.survey.turns import Turn

PURPOSE = "partner"


class ContactRequests:
    kinds: frozenset[Kind] = frozenset()  # associations press no button of ours

    def __init__(self, store: Store, engine: Engine, screens: Callable[[PartnerContact], PartnerScreens]) -> None:
        self.store = store
        self.engine = engine
        self.screens = screens
        self.data = PartnerStore(store)
        self.requests = RequestStore(store)
        self.catalog = CatalogStore(store)
        self.outbox = OutboxStore(store)
        self.persons = ContactPersonStore(store)

    # -- the survey's companion -------------------------------------------------------------------

    async def press(self, turn: Turn, tap: Tap) -> None:
        return None

    async def typed(self, turn: Turn, text: str) -> bool:
        return False

    async def changed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        return None

    async def completed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        """In the completing transaction: a request to each organisation of the kinds it named
        whose topics meet its own, when one of its people uses the bot."""
        user = turn.user
        matching = self.engine.questionnaire.matching
        if user is None or not user.sharing or matching is None:
            return
        profile = build_profile(user.id, dict(answers), matching)
        if profile.wants_professionals is not True or not profile.partner_kinds:
            return
        contacts = [c for c in await self.data.contacts() if c.active]
        for partner in await self.catalog.partners():
            shared = sorted(set(partner.topics) & profile.advice_topics) or sorted(profile.advice_topics)
            if partner.kind.value not in profile.partner_kinds or not set(partner.topics) & profile.advice_topics:
                continue
            theirs = [c for c in contacts if c.partner_id == partner.id]
            if not theirs:  # nobody there uses the bot yet: a task for the office to pass the wish on
                await TaskStore(self.store).add("no_contact", f"s{submission.id}:{partner.id}", user.id, partner.id)
                continue
            request_id = await self.requests.add(user.id, submission.id, partner.id, shared)
            if request_id is None:
                continue
            for contact in theirs:
                # Not a user of the survey: the row belongs to the chat only (outbox.user_id refers to users).
                await self.outbox.enqueue(contact.user_id, None, PURPOSE,
                                          {"type": "partner_request", "request": request_id},
                                          dedupe_key=f"request:{request_id}:{contact.user_id}", about_user=user.id)
            await self.store.log_event("contact_request", user.id, submission.id, partner=partner.id)

    # -- the card, drawn when it is sent ---------------------------------------------------------

    async def compose(self, row: OutboxRow) -> Parcel | None:
        request = await self.requests.get(int(str(row.payload.get("request") or 0)))
        contact = await self.data.contact(row.chat_id)
        if request is None or request.state != "pending" or contact is None or not contact.active \
                or contact.partner_id != request.partner_id:
            return None
        partner = await self.catalog.partner(request.partner_id)
        matching = self.engine.questionnaire.matching
        if partner is None or matching is None:
            return None
        profile = await self._profile(request, matching)
        name = await self.store.organisation_name(request.user_id)
        given = await self.persons.get(request.user_id)
        return Parcel(kind="screen", screen=self.card(self.screens(contact), request, partner, name, profile, given))

    async def compose_contact_person(self, row: OutboxRow) -> Parcel | None:
        """The follow-up to a contact who already holds the card of an open request: the
        association gave (or changed) its contact person. Nothing when the request is settled
        otherwise, the contact left, or the contact person changed again or was removed since."""
        request = await self.requests.get(int(str(row.payload.get("request") or 0)))
        contact = await self.data.contact(row.chat_id)
        if request is None or request.state not in ("pending", "accepted") or contact is None or not contact.active \
                or contact.partner_id != request.partner_id:
            return None
        given = await self.persons.get(request.user_id)
        user = await self.store.user(request.user_id)
        if given is None or given.version != row.payload.get("version") or user is None or not user.sharing:
            return None
        s = self.screens(contact)
        name = await self.store.organisation_name(request.user_id)
        return Parcel(kind="screen", screen=Screen(text="👤 " + s._(
            "“{name}” gave a contact person for its contact request: {person}, {reach}").format(
            name=person(name), person=isolated(given.name), reach=isolated(given.reach))))

    async def _profile(self, request: ContactRequest, matching: Matching) -> NeedProfile:
        answers = await self.store.answers(request.submission_id)
        profile = build_profile(request.user_id, answers, matching)
        user = await self.store.user(request.user_id)
        if user is None or not user.networking:
            # `peer_contact` was given "for other associations once you agree to an introduction":
            # without the networking consent partners are shown the office's route instead.
            profile.contact = None
        return profile

    async def reachable(self, request: ContactRequest) -> bool:
        """Whether the card showed the partner how to reach the association (else: through the office)."""
        matching = self.engine.questionnaire.matching
        if await self.persons.get(request.user_id) is not None:
            return True
        return matching is not None and (await self._profile(request, matching)).contact is not None

    def card(self, s: PartnerScreens, request: ContactRequest, partner: Partner, name: str | None,
             profile: NeedProfile, contact_person: ContactPerson | None = None) -> Screen:
        _ = s._
        needs = [f"{s.voice.topic(t)}: {s.voice.option(profile.levels.get(t, ''))}" for t in request.topics
                 if profile.levels.get(t)]
        lines = ["📨 " + _("Contact request for “{partner}”").format(partner=partner.name),
                 _("The association “{name}” would like your advice on: {topics}.").format(
                     name=person(name), topics=", ".join(s.voice.topic(t) for t in request.topics))]
        if needs:
            lines.append(_("How much help it needs: {needs}").format(needs="; ".join(needs)))
        if profile.district:
            lines.append(_("District: {district}").format(district=s.voice.option(profile.district)))
        if profile.languages:
            lines.append(_("Languages: {languages}").format(
                languages=", ".join(s.voice.language(c) for c in sorted(profile.languages))))
        if contact_person is not None:  # given for the office and the partners it asked
            lines.append(_("Contact person: {name}, {reach}").format(
                name=isolated(contact_person.name), reach=isolated(contact_person.reach)))
        else:
            lines.append(_("How to reach it: {contact}").format(
                contact=isolated(profile.contact) if profile.contact else _("through the integration office")))
        accept = RequestAnswerTap(request.id, True).encode()
        decline = RequestAnswerTap(request.id, False).encode()
        return Screen(text="\n".join(lines), buttons=[[
            Button(label="✅ " + _("We will get in touch"), action=accept, role=Kind.PARTNER),
            Button(label="✖ " + _("Not our field"), action=decline, role=Kind.PARTNER)]])
