"""What partner contacts and staff read about partners: the office's catalogs (German or
English), numbers and topic names as staff see them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from bot.catalog.model import Workshop
from bot.kernel.actions import ContactDeleteTap, JoinTap, Kind
from bot.kernel.outcome import Button, Screen
from bot.kernel.text import clean_line, isolated
from bot.partners.needs import MIN_SHOWN, PublishedNeeds
from bot.questionnaire.staff_voice import StaffVoice
from bot.storage.contact_persons import OpenRequest
from bot.storage.partners import CONTACT_KEEP, PartnerContact


def person(name: str | None) -> str:
    """A name a partner contact (Telegram) or an association chose, inside another's screen:
    cleaned (rows stored before names were cleaned) and isolated."""
    return isolated(clean_line(name or "") or "?")


def title_of(voice: StaffVoice, workshop: Workshop) -> str:
    """A workshop's title for a contact: in their language where one was given, else the German
    one, marked as German for a contact who reads English. Isolated: a partner's proposed title
    is a partner contact's text."""
    own = (workshop.title or {}).get(voice.t.code)
    if own or voice.t.code == "de":
        return isolated(own or workshop.text("title", "de") or workshop.id)
    return isolated(workshop.text("title", "de") or workshop.id) + " " + voice.t.gettext("(in German)")


class PartnerScreens:
    def __init__(self, voice: StaffVoice) -> None:
        self.voice = voice
        self._ = voice.t.gettext

    def count(self, n: int) -> str:
        return self.voice.n(n) if n >= MIN_SHOWN else self._("fewer than 3")

    # -- joining -------------------------------------------------------------------------------

    def confirm(self, partner: str, token_hash: str) -> Screen:
        _ = self._
        return Screen(text="🤝 " + _("Welcome to MSO Assistant of the City of Wuppertal's integration office. This "
                                    "invitation makes you a contact of “{partner}”: you will see the needs of the "
                                    "associations in your organisation's topics, anonymised. Are you with "
                                    "“{partner}”?").format(partner=partner) + "\n\n" + self.kept_how_long(),
                      buttons=[[Button(label=_("Yes, I am with {partner}").format(partner=partner),
                                       action=JoinTap(token_hash[:16]).encode(),
                                       role=Kind.PARTNER),
                                Button(label=_("No"), action=JoinTap(None).encode(),
                                       role=Kind.PARTNER)]])

    def kept_how_long(self) -> str:
        """What a contact is told before joining (Art. 13 GDPR): what is kept, how long, /delete."""
        return "🔒 " + self._(
            "What is stored about you: your Telegram id and name, your language and organisation, when you joined "
            "and were last active, and your answers to the associations' requests. It is deleted {days} after "
            "your access ends, or {days} after you last used the bot while it is open. /delete erases it at any "
            "time.").format(days=self.voice.t.ngettext("{count} day", "{count} days", CONTACT_KEEP.days).format(
                count=self.voice.n(CONTACT_KEEP.days)))

    def joined(self, partner: str) -> str:
        welcome = self._("You are now a contact of “{partner}”.").format(partner=partner)
        return f"✅ {welcome}\n\n{self.help_text()}"

    def declined(self) -> str:
        return self._("Nothing was stored. If this link reached you by mistake, please tell the integration office.")

    def expired(self) -> str:
        return self._("This invitation link has expired. Please ask the integration office for a new one.")

    def used(self) -> str:
        return self._("This invitation link has already been used. Each link works once; please ask the "
                      "integration office for a new one.")

    def unknown(self) -> str:
        return self._("This invitation link is not valid. Please ask the integration office for a new one.")

    def taken_part(self) -> str:
        return self._("This Telegram account already takes part as an association. Please open the link with "
                      "the account you use for your organisation.")

    def staff_account(self) -> str:
        return self._("Staff accounts of the integration office cannot become partner contacts.")

    def revoked(self) -> str:
        return self._("Your access as a partner contact has ended. If this is a mistake, please contact the "
                      "integration office.")

    def help_text(self) -> str:
        _ = self._
        return "\n".join([
            _("As a partner contact you can use:"),
            "/needs — " + _("the needs of the associations in your topics, anonymised"),
            "/myworkshops — " + _("your organisation's upcoming workshops and who is interested"),
            "/workshop — " + _("propose a workshop; the integration office decides"),
            "/mydata — " + _("everything stored about you, as a file"),
            "/delete — " + _("delete everything stored about you"),
            "/help — " + _("this help"),
        ])

    def my_data(self) -> str:
        return self._("Everything stored about you as a partner contact is in this file. To have it deleted, "
                      "send /delete.")

    def delete_question(self) -> Screen:
        _ = self._
        return Screen(text=_("Delete everything stored about you as a partner contact? You will no longer receive "
                             "contact requests or digests; your organisation keeps the answers it gave, without "
                             "your name. This cannot be undone."),
                      buttons=[[Button(label=_("Yes, delete"), action=ContactDeleteTap(True).encode(),
                                       role=Kind.PARTNER),
                                Button(label=_("No, keep"), action=ContactDeleteTap(False).encode(),
                                       role=Kind.PARTNER)]])

    def deleted(self) -> str:
        return self._("Everything stored about you as a partner contact has been deleted. Goodbye!")

    def kept(self) -> str:
        return self._("Nothing was deleted.")

    def contact_left(self, partner: str, remaining: int) -> str:
        """To staff: who left is not said (their data is erased), only that the organisation lost a contact."""
        return "👋 " + self.voice.t.ngettext(
            "A contact person of “{partner}” deleted their data and receives nothing more; {count} contact person "
            "of “{partner}” remains.",
            "A contact person of “{partner}” deleted their data and receives nothing more; {count} contact persons "
            "of “{partner}” remain.", remaining).format(partner=partner, count=self.voice.n(remaining))

    def not_for_partners(self) -> str:
        return self._("This is not available to partner contacts.") + "\n\n" + self.help_text()

    # -- /needs --------------------------------------------------------------------------------

    def needs(self, partner: str, figures: list[PublishedNeeds], at: datetime) -> str:
        _ = self._
        lines = ["📊 " + _("Needs of the associations in the topics of “{partner}”, as of {date}").format(
            partner=partner, date=self.voice.t.date(at.astimezone(self.voice.tz).date())),
                 _("Counted once, from the completed questionnaires of the associations that agreed to sharing. "
                   "Every figure is rounded to a multiple of 5; groups of fewer than 3 associations, and where "
                   "needed a few more, are not shown.")]
        for topic in figures:
            lines += ["", self._topic(topic)]
        return "\n".join(lines)

    def open_requests(self, requests: list[OpenRequest]) -> str:
        """The organisation's open contact requests (their cards named the associations already),
        with the contact person each association gave for the office and the partners it asked."""
        _ = self._
        lines = ["📨 " + _("Open contact requests to your organisation:")]
        for r in requests:
            topics = ", ".join(self.voice.topic(t) for t in json.loads(r.topics))
            state = _("waiting for an answer") if r.state == "pending" else _("you will get in touch")
            reach = _("Contact person: {name}, {reach}").format(name=isolated(r.person), reach=isolated(r.reach)) \
                if r.person and r.reach else _("How to reach it: {contact}").format(
                contact=_("through the integration office"))
            lines.append(f"▪ {person(r.name)} ({topics}), {state}\n   {reach}")
        return "\n".join(lines)

    def no_figures(self) -> str:
        return self._("No figures have been published yet. The integration office publishes them on the first "
                      "working day of each month.")

    def _topic(self, f: PublishedNeeds) -> str:
        _ = self._
        head = f"▪ {self.voice.topic(f.topic)}: " + _("{count} associations").format(
            count=self.voice.n(f.total) if f.total is not None else _("fewer than 3"))
        if f.change is not None:
            head += " " + _("({change} since last month)").format(change=self.voice.signed(f.change))
        if f.total is None:
            return head
        rows = [head,
                _("How much help: {levels}").format(levels=self._counts(f.levels, self.level)),
                _("Districts: {districts}").format(districts=self._counts(f.districts, self.voice.option)),
                _("Workshop languages: {languages}").format(languages=self._counts(f.languages, self.voice.language)),
                _("Formats: {formats}").format(formats=self._counts(f.formats, self.voice.option)),
                _("Times: {times}").format(times=self._counts(f.times, self.voice.option))]
        return "\n   ".join(rows)

    def level(self, level: str) -> str:
        return self.voice.option(level)

    def _counts(self, counts: dict[str, int], name: Callable[[str], str]) -> str:
        kept = sorted(counts.items(), key=lambda kn: (-kn[1], kn[0]))
        return ", ".join(f"{name(key)} {self.voice.n(n)}" for key, n in kept) or self._("none shown (too few in each)")

    # -- /myworkshops ---------------------------------------------------------------------------

    def _title(self, workshop: Workshop) -> str:
        return title_of(self.voice, workshop)

    def _when(self, workshop: Workshop) -> str:
        return self.voice.t.datetime(workshop.start, self.voice.tz)

    def my_workshop(self, workshop: Workshop, count: int, names: list[str]) -> str:
        _ = self._
        lines = [f"📅 {self._title(workshop)} ({self._when(workshop)})",
                 _("Associations interested: {count}").format(count=self.voice.n(count))]
        if names:
            lines.append(_("Agreed that their name may be passed on: {names}").format(
                names="; ".join(isolated(n) for n in names)))
        return "\n".join(lines)

    def my_workshops(self, blocks: list[str]) -> str:
        if not blocks:
            return self._("The catalog holds no upcoming workshop of your organisation.")
        return "🗓 " + self._("Your organisation's upcoming workshops") + "\n\n" + "\n\n".join(blocks)

    def interest_news(self, workshop: Workshop, count: int) -> str:
        return "👥 " + self.voice.t.ngettext(
            "Interest in “{title}” ({date}) has changed: {count} association is interested now. /myworkshops shows "
            "which.",
            "Interest in “{title}” ({date}) has changed: {count} associations are interested now. /myworkshops shows "
            "which.", count).format(title=self._title(workshop), date=self._when(workshop), count=self.voice.n(count))

    # -- staff ---------------------------------------------------------------------------------

    def usage(self) -> str:
        return self._("Partner contacts: /partner invite <partner id> · /partner list · /partner revoke <contact id> "
                      "· /partner publish (the figures partners see, counted now)")

    def published(self) -> str:
        return self._("The partner figures are published: counted now from the completed questionnaires of the "
                      "associations that agreed to sharing, protected as the README describes. Partner contacts "
                      "see them with /needs until the next publication.")

    def no_partner(self, partner_id: str, known: list[str]) -> str:
        return self._("There is no partner organisation with the id “{id}”. Known: {ids}").format(
            id=partner_id, ids=", ".join(known) or "–")

    def invitation(self, partner: str, link: str, until: datetime) -> str:
        valid_until = self.voice.t.date(until.astimezone(self.voice.tz).date())
        return self._("Invitation for “{partner}”, valid once until {date}. Send this link to the contact "
                      "person:").format(partner=partner, date=valid_until) + f"\n{link}"

    def listing(self, partners: list[tuple[str, str, list[PartnerContact]]], waiting: dict[str, int]) -> str:
        _ = self._
        lines = ["🤝 " + _("Partner organisations and their contacts")]
        for partner_id, name, contacts in partners:
            lines.append(f"\n{name} ({partner_id})")
            if waiting.get(partner_id):
                lines.append("   " + _("contact requests waiting for an answer: {count}").format(
                    count=self.voice.n(waiting[partner_id])))
            if not contacts:
                lines.append("   " + _("no contacts yet"))
            for c in contacts:
                state = _("last active {date}").format(date=self._day(c.last_active_at)) if c.active else \
                    _("access ended {date}").format(date=self._day(c.revoked_at or ""))
                lines.append(f"   – {person(c.name)} (id {c.user_id}), {state}")
        return "\n".join(lines)

    def _day(self, iso: str) -> str:
        return self.voice.t.date(datetime.fromisoformat(iso).astimezone(self.voice.tz).date()) if iso else "?"

    def revoked_done(self, contact: PartnerContact, partner: str) -> str:
        return self._("Access ended: {name} ({partner}).").format(name=person(contact.name or str(contact.user_id)),
                                                                  partner=partner)

    def no_contact(self, user_id: str) -> str:
        return self._("No active partner contact with the id {id}.").format(id=user_id)
