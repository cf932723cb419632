"""Partner contacts: invited by staff with a one-time link, they confirm their organisation and
then see the associations' needs in their topics, counted and anonymised. They never see the
survey and never get staff commands; a revoked contact is told so at once.

Every action is one unit of work (a repeated Telegram update changes nothing) and an event.
Which Telegram accounts are partner contacts is kept in memory as well, so that the adapter
can route each update without a database look-up; the database stays the source of truth
(loaded at start, changed only through this service).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.catalog.model import Partner
from bot.kernel.actions import ContactDeleteTap, JoinTap, RequestAnswerTap, parse
from bot.kernel.i18n import N_
from bot.kernel.links import StartLinks
from bot.kernel.outcome import Document, Outcome, Screen
from bot.kernel.settings import Settings
from bot.kernel.text import clean_line
from bot.kernel.turns import AfterCommit, TurnRunner
from bot.outbox import screen_payload
from bot.partners.answers import RequestAnswers
from bot.partners.invites import INVITE_DAYS, PREFIX, new_token, token_hash, token_of
from bot.partners.monthly import MonthlyDigest
from bot.partners.needs import PublishedNeeds
from bot.partners.requests import ContactRequests
from bot.partners.screens import PartnerScreens
from bot.partners.workshops import PartnerWorkshops
from bot.questionnaire.engine import Engine
from bot.questionnaire.staff_voice import staff_voice
from bot.storage import Store, User
from bot.storage.catalog import CatalogStore
from bot.storage.contact_persons import open_requests
from bot.storage.partners import Invite, PartnerContact, PartnerStore
from bot.suggestions.screens import SuggestionScreens
from bot.survey.turns import Visitor

log = logging.getLogger(__name__)

# The command menu of a partner contact's chat (in the staff catalog: German or English).
PARTNER_MENU = [
    ("needs", N_("Needs of the associations in your topics")),
    ("myworkshops", N_("Your workshops and the interest in them")),
    ("mydata", N_("Download your data")),
    ("help", N_("Help")),
]


@dataclass
class PartnerTurn:
    """A partner contact's turn (German or English: never right to left)."""

    outcome: Outcome = field(default_factory=Outcome)
    after: list[AfterCommit] = field(default_factory=list)
    rtl: bool = False


class PartnerService:
    def __init__(self, store: Store, engine: Engine, settings: Settings,
                 association_screens: Callable[[str | None], SuggestionScreens], links: StartLinks) -> None:
        self.store = store
        self.data = PartnerStore(store)
        self.catalog = CatalogStore(store)
        self.settings = settings
        self.screens = {code: PartnerScreens(staff_voice(settings, engine, code)) for code in ("de", "en")}
        self.links = links
        self._contacts: dict[int, bool] = {}  # Telegram id -> access still open
        self.requests = ContactRequests(store, engine, self.voice_for)
        self.monthly = MonthlyDigest(store, engine, settings, self.voice_for)
        self.figures = self.monthly.published
        self.workshops = PartnerWorkshops(store, engine, self.voice_for)
        office = self.screens["en" if settings.staff_language == "en" else "de"]
        self.answers = RequestAnswers(store, self.requests, settings, office, association_screens)
        self.runner = TurnRunner[User](store)

    async def load(self) -> None:
        self._contacts = {c.user_id: c.active for c in await self.data.contacts()}

    def knows(self, user_id: int) -> bool:
        """A partner contact, or one whose access ended: the survey is not for them."""
        return user_id in self._contacts

    def contact_state(self, user_id: int) -> bool | None:
        """None: not a partner contact; True: an active one; False: one whose access ended."""
        return self._contacts.get(user_id)

    def voice_for(self, visitor: Visitor | PartnerContact) -> PartnerScreens:
        code = visitor.language if isinstance(visitor, PartnerContact) else visitor.language_code
        return self.screens["en" if (code or "").lower().startswith("en") else "de"]

    # -- contacts ------------------------------------------------------------------------------

    async def start(self, visitor: Visitor, parameter: str, is_staff: bool, takes_part: bool) -> Outcome:
        """/start with an invitation's parameter: the organisation to confirm, or why not."""
        s = self.voice_for(visitor)
        token = token_of(parameter)

        async def step(turn: PartnerTurn) -> None:
            outcome = turn.outcome
            invite = await self.data.invite(token_hash(token)) if token else None
            problem = self._invite_problem(invite.expires_at if invite else None, invite is not None and
                                           invite.used_at is not None, s)
            if problem is None and (is_staff or takes_part):
                problem = s.staff_account() if is_staff else s.taken_part()
            if problem is not None or invite is None:
                outcome.messages.append(Screen(text=problem or s.unknown()))
                return
            partner = await self.catalog.partner(invite.partner_id)
            name = partner.name if partner else invite.partner_id
            outcome.messages.append(s.confirm(name, invite.token_hash))

        _turn, outcome = await self.runner.run(visitor, self._begin(), step)
        return outcome

    @staticmethod
    def _begin(source_closed: bool = False) -> Callable[[User | None], Awaitable[PartnerTurn]]:
        async def begin(_actor: User | None) -> PartnerTurn:
            return PartnerTurn(Outcome(source_closed=source_closed))
        return begin

    def _invite_problem(self, expires_at: str | None, used: bool, s: PartnerScreens) -> str | None:
        if expires_at is None:
            return s.unknown()
        if used:
            return s.used()
        if datetime.fromisoformat(expires_at) <= self.store.now():
            return s.expired()
        return None

    async def press(self, visitor: Visitor, data: str | None, name: str | None, takes_part: bool) -> Outcome:
        """The answer to "Are you with …?" (`takes_part`: the person answers for an association
        already, so cannot join), a contact's answer to a contact request, or any other button
        of a contact (whose access may have ended)."""
        s = self.voice_for(visitor)
        tap = parse(data)

        async def step(turn: PartnerTurn) -> None:
            outcome = turn.outcome
            if not isinstance(tap, JoinTap | RequestAnswerTap | ContactDeleteTap):
                outcome.toast = s.not_for_partners()[:190]
                return
            if isinstance(tap, JoinTap) and tap.token_prefix is None:
                outcome.messages.append(Screen(text=s.declined()))
                return
            if isinstance(tap, ContactDeleteTap):
                outcome.messages.append(Screen(text=await self._erase(turn, visitor.user_id, s)
                                               if tap.confirm else s.kept()))
                return
            if await self.data.contact(visitor.user_id) is not None:
                await self.data.touch(visitor.user_id)
            if isinstance(tap, RequestAnswerTap):
                await self.answers.answer(visitor.user_id, tap.request_id, tap.accept, outcome)
                return
            invite = await self._invite_by_prefix(tap.token_prefix or "")
            problem = self._invite_problem(invite.expires_at if invite else None,
                                           invite is not None and invite.used_at is not None, s)
            if problem is None and takes_part:
                problem = s.taken_part()
            if problem is not None or invite is None:
                outcome.messages.append(Screen(text=problem or s.unknown()))
                return
            language = "en" if (visitor.language_code or "").lower().startswith("en") else "de"
            await self.data.use_invite(invite.token_hash, visitor.user_id)
            await self.data.add_contact(visitor.user_id, invite.partner_id, clean_line(name or "")[:128] or None,
                                        language)
            await self.store.log_event("partner_joined", None, partner=invite.partner_id, contact=visitor.user_id)
            partner = await self.catalog.partner(invite.partner_id)
            outcome.messages.append(Screen(text=s.joined(partner.name if partner else invite.partner_id)))
            outcome.menu_language = language
            turn.after.append(lambda: self._joined(visitor.user_id))

        _turn, outcome = await self.runner.run(visitor, self._begin(source_closed=True), step)
        return outcome

    async def _joined(self, user_id: int) -> None:
        self._contacts[user_id] = True  # known once committed

    async def _erased(self, user_id: int) -> None:
        self._contacts.pop(user_id, None)  # a stranger again: /start is the survey's
        await self.store.eraser.settle()  # the log too (bot.storage.erasure)

    async def _erase(self, turn: PartnerTurn, user_id: int, s: PartnerScreens) -> str:
        """The contact's /delete, confirmed (in its unit of work); staff hear the organisation lost one."""
        partner_id = await self.data.erase(user_id)
        if partner_id is None:
            return s.kept()
        turn.after.append(lambda: self._erased(user_id))
        await self.store.log_event("partner_contact_deleted", None, partner=partner_id)
        partner = await self.catalog.partner(partner_id)
        remaining = len([c for c in await self.data.contacts() if c.partner_id == partner_id and c.active])
        staff = self.answers.staff
        text = staff.contact_left(partner.name if partner else partner_id, remaining)
        for staff_id in self.settings.staff_ids:
            await self.requests.outbox.enqueue(staff_id, None, "staff", screen_payload(Screen(text=text)))
        return s.deleted()

    async def _invite_by_prefix(self, prefix: str) -> Invite | None:
        if len(prefix) < 16 or not all(c in "0123456789abcdef" for c in prefix):
            return None
        return await self.data.invite_by_prefix(prefix)

    async def command(self, visitor: Visitor, name: str) -> Outcome:
        """A command of a known contact: /needs, /help (and /start); anything else is not for them."""
        contact = await self.data.contact(visitor.user_id)
        s = self.voice_for(contact or visitor)
        if name == "delete" and contact is not None:  # also once access ended: the data is still kept
            return Outcome(messages=[s.delete_question()])
        if contact is None or not contact.active:
            if contact is None:
                self._contacts.pop(visitor.user_id, None)  # erased by retention: a stranger from now on
            return Outcome(messages=[Screen(text=s.revoked())])
        async with self.store.single_statement():
            await self.data.touch(contact.user_id)  # last activity: the retention counts from it
        if name == "needs":
            return Outcome(messages=[Screen(text=await self._needs(contact, s, visitor))])
        if name == "mydata":
            data = json.dumps(await self.data.rows_of(contact.user_id), ensure_ascii=False, indent=2, default=str)
            return Outcome(messages=[Screen(text=s.my_data())], documents=[Document(
                filename="msobot-partner-contact.json", content=data.encode(), mime_type="application/json")])
        if name == "myworkshops":
            return Outcome(messages=[Screen(text=await self.workshops.listing(contact))])
        if name in ("help", "start"):
            return Outcome(messages=[Screen(text=s.help_text())])
        return Outcome(messages=[Screen(text=s.not_for_partners())])

    async def _needs(self, contact: PartnerContact, s: PartnerScreens, visitor: Visitor) -> str:
        """The latest publication, never a live count (see `PartnerFigures`)."""
        partner = await self.catalog.partner(contact.partner_id)
        latest = await self.figures.latest()

        async def seen(_turn: PartnerTurn) -> None:
            await self.data.touch(contact.user_id)
            await self.store.log_event("partner_needs_viewed", None, partner=contact.partner_id,
                                       contact=contact.user_id)

        await self.runner.run(visitor, self._begin(), seen)
        async with self.store.single_statement():
            requests = await open_requests(self.store, contact.partner_id)
        listed = "\n\n" + s.open_requests(requests) if requests else ""
        if latest is None:
            return s.no_figures() + listed
        at, figures = latest
        topics = dict.fromkeys(partner.topics) if partner else {}
        return s.needs(partner.name if partner else contact.partner_id,
                       [figures.get(t) or PublishedNeeds(topic=t) for t in topics], at) + listed

    # -- staff (inside the staff member's unit of work) ------------------------------------------

    async def invite(self, partner_id: str, by: int | None, s: PartnerScreens) -> str:
        partner = await self.catalog.partner(partner_id)
        if partner is None:
            known = [p.id for p in await self.catalog.partners()]
            return s.no_partner(partner_id, known)
        token = new_token()
        until = self.store.now() + timedelta(days=INVITE_DAYS)
        await self.data.add_invite(token_hash(token), partner.id, by, until.isoformat())
        await self.store.log_event("partner_invited", None, partner=partner.id, by=by)
        return s.invitation(partner.name, self.links.link(f"{PREFIX}{token}"), until)

    async def listing(self, s: PartnerScreens) -> str:
        partners: list[Partner] = await self.catalog.partners()
        contacts = await self.data.contacts()
        waiting = await self.requests.requests.open_by_partner()
        return s.listing([(p.id, p.name, [c for c in contacts if c.partner_id == p.id]) for p in partners], waiting)

    async def revoke(self, argument: str, by: int | None, s: PartnerScreens) -> str:
        contact = await self.data.contact(int(argument)) if argument.isdigit() else None
        if contact is None or not await self.data.revoke(contact.user_id):
            return s.no_contact(argument)
        await self.store.log_event("partner_revoked", None, partner=contact.partner_id, contact=contact.user_id,
                                   by=by)
        self._contacts[contact.user_id] = False
        partner = await self.catalog.partner(contact.partner_id)
        return s.revoked_done(contact, partner.name if partner else contact.partner_id)
