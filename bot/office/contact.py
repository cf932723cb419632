"""The association's contact person for the office and the partner organisations it asked for
contact (issue 28): a name or role and one phone number or e-mail address, optional.

Offered, with its purpose, right after the questionnaire is completed when the association
asked for contact with at least one organisation, and in /settings (see, change, remove). Request
cards drawn after it was given show it instead of "through the integration office"; the contacts
who already received a card of an open request get one short follow-up, queued in the
transaction that stores it (one per change: the outbox's dedupe key). Only the office and the
organisations the association asked see it; it goes with the association (/delete, retention)."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import timedelta
from typing import Any

from bot.kernel.actions import Action, Kind, Tap
from bot.kernel.i18n import Catalogs, Translator
from bot.kernel.outcome import Button, Screen
from bot.kernel.text import clean_line, isolated
from bot.questionnaire.engine import Answers
from bot.storage import Store, Submission
from bot.storage.catalog import CatalogStore
from bot.storage.contact_persons import ContactPerson, ContactPersonStore
from bot.storage.outbox import OutboxStore
from bot.survey.turns import Turn

MAX_NAME = 80
WAIT = timedelta(hours=1)  # typed text is read as the contact person for this long after asking
ADD, NO, REMOVE = "add", "no", "remove"
PURPOSE = "partner"  # the follow-ups go to partner contacts, drawn by the partners' composer
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ()/.\-]+$")


def reach_of(text: str) -> str | None:
    """A phone number (digits, a leading +, spaces and the usual separators; 5 to 15 digits, in
    any script's digits) or an e-mail address, as stored; None when it is neither."""
    line = clean_line(text)
    if "@" in line:
        return line if len(line) <= 254 and _EMAIL.match(line) and ".." not in line else None
    latin = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in line)
    digits = sum(ch.isdigit() for ch in latin)
    if not _PHONE.match(latin) or not 5 <= digits <= 15 or "+" in latin[1:]:
        return None
    return latin


def name_of(text: str) -> str | None:
    line = clean_line(text)
    return line if 0 < len(line) <= MAX_NAME and any(ch.isalpha() for ch in line) else None


def shown(t: Translator, text: str) -> str:
    """Shown to the association in its language's digits (a phone number typed in Latin digits
    reads ۰۲۰۲ to a Persian reader); an e-mail address stays as it is."""
    return text if "@" in text else t.digits(text)


class ContactPersons:
    """A companion of the survey: its buttons (add, no thanks, remove) and the two typed steps."""

    kinds = frozenset({Kind.CONTACT})

    def __init__(self, store: Store, catalogs: Catalogs) -> None:
        self.store = store
        self.catalogs = catalogs
        self.data = ContactPersonStore(store)
        self.catalog = CatalogStore(store)
        self.outbox = OutboxStore(store)

    # -- screens ----------------------------------------------------------------------------

    def offer(self, t: Translator, partners: list[str]) -> Screen:
        _ = t.gettext
        text = "👤 " + _("A contact person for your request") + "\n" + _(
            "So that the integration office and {partners} can reach you directly, you can name a contact "
            "person: a name or a role (for example “chairwoman”) and one phone number or e-mail address. Only "
            "the integration office and the organisations you asked for contact see it. It is optional; you can "
            "change or remove it at any time in /settings. Please let that person know.").format(
            partners=t.comma.join(isolated(p) for p in partners))
        return Screen(text=text, buttons=[[self._button(t, ADD), self._button(t, NO)]])

    def _button(self, t: Translator, value: str) -> Button:
        _ = t.gettext
        labels = {
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            ADD: "👤 " + _("Add a contact person"),
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            NO: _("No, thanks"),
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            REMOVE: "🗑 " + _("Remove the contact person"),
        }
        return Button(label=labels[value], action=Action(Kind.CONTACT, value=value).encode(), role=Kind.CONTACT)

    def settings_screen(self, t: Translator, person: ContactPerson | None) -> Screen:
        _ = t.gettext
        if person is None:
            return Screen(text="👤 " + _("Contact person for the integration office and partner organisations: none. "
                                         "Partner organisations reach you through the integration office."),
                          buttons=[[self._button(t, ADD)]])
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        change = Button(label="✏️ " + _("Change"), action=Action(Kind.CONTACT, value=ADD).encode(), role=Kind.CONTACT)
        return Screen(text="👤 " + _("Contact person for the integration office and partner organisations: "
                                     "{name}, {reach}").format(name=isolated(shown(t, person.name)),
                                                               reach=isolated(shown(t, person.reach))),
                      buttons=[[change, self._button(t, REMOVE)]])

    # -- /settings (a step of the association's turn) ---------------------------------------

    async def settings(self, turn: Turn) -> None:
        """Shown to an association that agreed to sharing with partners (it is for them), or that
        gave one (to change or remove it)."""
        assert turn.user is not None
        t = self.catalogs.translator(turn.user.language)
        given = await self.data.get(turn.user.id)
        if turn.user.sharing or given is not None:
            turn.outcome.messages.append(self.settings_screen(t, given))

    # -- the survey's companion -------------------------------------------------------------

    async def completed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        """In the completing transaction, after the contact requests: offered when the
        association asked for contact with at least one organisation and named nobody yet."""
        user = turn.user
        if user is None or not user.sharing or await self.data.get(user.id) is not None:
            return
        asked = await self.data.asked(user.id, submission.id)
        if not asked:
            return
        names = []
        for partner_id in asked:
            partner = await self.catalog.partner(partner_id)
            names.append(partner.name if partner else partner_id)
        turn.outcome.messages.append(self.offer(self.catalogs.translator(user.language), names))

    async def changed(self, turn: Turn, submission: Submission, answers: Answers) -> None:
        return None

    async def press(self, turn: Turn, tap: Tap) -> None:
        user = turn.user
        t = self.catalogs.translator(user.language if user else None)
        _ = t.gettext
        action = tap if isinstance(tap, Action) else None
        if user is None or not turn.agreed or action is None or action.value not in (ADD, NO, REMOVE):
            turn.outcome.toast = _("This button no longer applies.")
            turn.outcome.source_closed = True
            return
        turn.outcome.source_closed = True
        if action.value == ADD:
            await self.store.set_awaiting(user.id, {"do": "contact_name", "since": self.store.now().isoformat()})
            turn.outcome.messages.append(Screen(text=_(
                "Please type the name of the contact person, or their role (for example “chairwoman”)."),
                expects_text=True))
        elif action.value == NO:
            await self.store.set_awaiting(user.id, None)
            turn.outcome.messages.append(Screen(text=_(
                "All right. Partner organisations reach you through the integration office. You can add a contact "
                "person at any time in /settings.")))
        elif await self.data.remove(user.id):
            await self.store.log_event("contact_person_removed", user.id)
            turn.outcome.messages.append(Screen(text="🗑 " + _(
                "The contact person is removed. From now on partner organisations reach you through the "
                "integration office.")))
        else:
            turn.outcome.messages.append(self.settings_screen(t, None))

    async def typed(self, turn: Turn, text: str) -> bool:
        user = turn.user
        awaiting: dict[str, Any] = json.loads(user.awaiting) if user is not None and user.awaiting else {}
        if user is None or awaiting.get("do") not in ("contact_name", "contact_reach"):
            return False
        if str(awaiting.get("since", "")) < (self.store.now() - WAIT).isoformat():
            # Asked long ago and never answered: this text is meant for something else (an answer).
            await self.store.set_awaiting(user.id, None)
            return False
        t = self.catalogs.translator(user.language)
        _ = t.gettext
        if awaiting["do"] == "contact_name":
            name = name_of(text)
            if name is None:
                turn.outcome.messages.append(Screen(text="⚠️ " + _(
                    "Please type a name or a role of at most 80 characters."), expects_text=True))
                return True
            await self.store.set_awaiting(user.id, {"do": "contact_reach", "name": name,
                                                    "since": self.store.now().isoformat()})
            turn.outcome.messages.append(Screen(text=_(
                "How can {name} be reached? Please type one phone number or e-mail address.").format(
                name=isolated(shown(t, name))), expects_text=True))
            return True
        reach = reach_of(text)
        if reach is None:
            turn.outcome.messages.append(Screen(text="⚠️ " + _(
                "That does not look like a phone number or an e-mail address. Please type a phone number (digits, "
                "+ and spaces, for example +49 202 1234567) or an e-mail address (for example name@example.org)."),
                expects_text=True))
            return True
        name = str(awaiting.get("name") or "")
        await self.store.set_awaiting(user.id, None)
        await self.give(user.id, name, reach)
        turn.outcome.messages.append(Screen(text="✅ " + _(
            "Saved. Contact person: {name}, {reach}. The integration office and the organisations you asked for "
            "contact can reach them directly. You can change or remove it in /settings.").format(
            name=isolated(shown(t, name)), reach=isolated(shown(t, reach)))))
        return True

    async def give(self, user_id: int, name: str, reach: str) -> None:
        """Stored, and the contacts who already hold a card of an open request hear of it: once
        per change (a card still in the outbox is drawn with it)."""
        version = await self.data.set(user_id, name, reach)
        await self.store.log_event("contact_person_given", user_id, version=version)
        for card in await self.data.sent_cards(user_id):
            await self.outbox.enqueue(card.contact_id, None, PURPOSE,
                                      {"type": "partner_contact_person", "request": card.request_id,
                                       "version": version},
                                      dedupe_key=f"contact-person:{card.request_id}:{card.contact_id}:{version}",
                                      about_user=user_id)
