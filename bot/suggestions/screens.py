"""Suggestion cards, reasons and notices, in the reader's language.

Catalog texts (titles, descriptions) come in the reader's language where staff wrote one,
else in German; labels of topics and districts come from the questionnaire's catalogs.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from babel import Locale

from bot.catalog.model import Partner, PartnerKind, Workshop
from bot.kernel.actions import Action, IntroTap, Kind, SuggestionTap
from bot.kernel.i18n import N_, Translator
from bot.kernel.outcome import Button, Screen
from bot.kernel.text import isolated
from bot.questionnaire.engine import Engine
from bot.suggestions.matching.scoring import Reason

DESCRIPTION_LIMIT = 400

_TIMES = {"weekends": N_("on a weekend"), "evenings": N_("on a weekday evening"),
          "daytime": N_("during the day")}
_KINDS = {
    PartnerKind.WELFARE: N_("Welfare association"),
    PartnerKind.VHS: N_("Adult education centre"),
    PartnerKind.KIZ: N_("Municipal integration centre"),
    PartnerKind.VOLUNTEERING: N_("Volunteer centre"),
    PartnerKind.FOUNDATION: N_("Foundation"),
    PartnerKind.UMBRELLA: N_("Network of migrant organisations"),
    PartnerKind.OTHER: N_("Organisation"),
}

# Languages a workshop or partner may use that the questionnaire's language question does not
# name (the bot's own languages): written from the catalogs, not from Babel.
_LANGUAGES = {"ro": N_("Romanian"), "bg": N_("Bulgarian"), "el": N_("Greek"), "it": N_("Italian"),
              "sq": N_("Albanian"), "ckb": N_("Sorani Kurdish")}


class SuggestionScreens:
    def __init__(self, t: Translator, engine: Engine, tz: tzinfo) -> None:
        self.t = t
        self.engine = engine
        self.tz = tz
        self._ = t.gettext

    # -- labels ----------------------------------------------------------------------------

    def topic(self, topic_id: str | None) -> str:
        matching = self.engine.questionnaire.matching
        if matching is not None:
            for option in self.engine.questionnaire.option_sets.get(matching.topics, []):
                if option.id == topic_id:
                    return self._(option.label)
        return topic_id or ""

    def district(self, district_id: str | None) -> str:
        matching = self.engine.questionnaire.matching
        question = self.engine.question(matching.district or "") if matching else None
        option = self.engine.option(question, district_id or "") if question else None
        return self._(option.label) if option else (district_id or "")

    def level(self, level_id: str | None) -> str:
        for options in self.engine.questionnaire.scales.values():
            for option in options:
                if option.id == level_id:
                    return self._(option.label)
        return level_id or ""

    def language(self, code: str) -> str:
        """A language's name from the catalogs (the questionnaire's own labels first), so it is
        written as the questionnaire writes it; Babel's name only for a code the bot has no word for."""
        matching = self.engine.questionnaire.matching
        question = self.engine.question(matching.languages or "") if matching else None
        option = self.engine.option(question, code) if question else None
        if option is not None:
            return self._(option.label)
        if code in _LANGUAGES:
            return self._(_LANGUAGES[code])
        name = Locale.parse(code).get_display_name(self.t.locale) or code
        return name[:1].upper() + name[1:]

    def when(self, start: datetime, end: datetime) -> str:
        return self.t.isolate(self.t.when(start, end, self.tz))

    def catalog_text(self, texts: dict[str, str] | None, limit: int | None = None) -> str | None:
        """A title or description typed by staff or a partner: in the reader's language where
        one was given (its digits the reader's), else the German one, marked as German.
        Isolated: it cannot turn the direction of the screen around it."""
        if not texts:
            return None
        own = texts.get(self.t.code)
        text = self.t.digits(own) if own else texts["de"]
        if limit and len(text) > limit:
            text = text[:limit - 1].rstrip() + "…"
        if own or self.t.code == "de":
            return isolated(text)
        return isolated(text) + " " + self._("(in German)")

    def cost(self, amount: Decimal | None) -> str | None:
        if amount is None:
            return None
        if amount == 0:
            return self._("free of charge")
        return self.t.isolate(self.t.money(amount))

    def reasons(self, reasons: list[Reason]) -> str:
        parts = [p for p in (self.reason(r) for r in reasons) if p]
        return self._("Why it fits: {reasons}").format(reasons=self.t.semicolon.join(parts))

    def reason(self, reason: Reason) -> str:
        _ = self._
        topic = self.topic(reason.topic)
        if reason.kind == "need":
            if reason.level:
                return _("your need in “{topic}”: “{level}”").format(topic=topic, level=self.level(reason.level))
            return _("you need support with “{topic}”").format(topic=topic)
        if reason.kind == "advice":
            return _("you asked for advice on “{topic}”").format(topic=topic)
        if reason.kind == "strength":
            # TRANSLATORS: a reason on a card about another association: “they” is that association (one organisation)
            return _("they have experience with “{topic}”").format(topic=topic)
        if reason.kind == "language":
            return _("language: {language}").format(language=self.language(reason.value or ""))
        if reason.kind == "online":
            return _("online")
        if reason.kind == "district":
            return _("in your district ({district})").format(district=self.district(reason.value))
        if reason.kind == "place":
            return _("place: {district}").format(district=self.district(reason.value))
        if reason.kind == "time":
            return _(_TIMES.get(reason.value or "", "")) if reason.value in _TIMES else ""
        if reason.kind == "kind":
            return _("the kind of organisation you asked for")
        return ""

    # -- cards -----------------------------------------------------------------------------

    def _buttons(self, suggestion_id: int, yes: str) -> list[list[Button]]:
        return [[
            Button(label=yes, action=SuggestionTap(suggestion_id, "i").encode(),
                   role=Kind.SUGGESTION),
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            Button(label="✖ " + self._("Not for us"),
                   action=SuggestionTap(suggestion_id, "n").encode(), role=Kind.SUGGESTION),
        ]]

    def workshop_text(self, workshop: Workshop, provider: Partner | None) -> str:
        _ = self._
        # Isolated: an approved partner proposal's title is a partner contact's text.
        lines = ["📅 " + (self.catalog_text(workshop.title) or ""), self.when(workshop.start, workshop.end)]
        if workshop.online:
            lines.append("💻 " + _("Online"))
        else:
            lines.append("📍 " + self.t.isolate(f"{workshop.address}") + f" ({self.district(workshop.district)})")
        lines.append("🗣 " + self.t.comma.join(self.language(c) for c in workshop.languages))
        if provider is not None:
            lines.append("🏛 " + self.t.isolate(provider.name))
        cost = self.cost(workshop.cost)
        if cost:
            lines.append("💶 " + cost)
        description = self.catalog_text(workshop.description, DESCRIPTION_LIMIT)
        if description:
            lines += ["", description]
        return "\n".join(lines)

    def workshop_card(self, suggestion_id: int, workshop: Workshop, provider: Partner | None,
                      reasons: list[Reason], heading: str | None = None) -> Screen:
        text = self.workshop_text(workshop, provider) + "\n\n" + self.reasons(reasons)
        if heading:
            text = heading + "\n\n" + text
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        return Screen(text=text, buttons=self._buttons(suggestion_id, "👍 " + self._("We're interested")))

    def partner_text(self, partner: Partner) -> str:
        _ = self._
        lines = ["🤝 " + self.t.isolate(partner.name), _(_KINDS[partner.kind])]
        lines.append(_("Advice on: {topics}").format(topics=self.t.comma.join(self.topic(t) for t in partner.topics)))
        lines.append("🗣 " + self.t.comma.join(self.language(c) for c in partner.languages))
        if partner.district:
            lines.append("📍 " + self.district(partner.district))
        description = self.catalog_text(partner.description, DESCRIPTION_LIMIT)
        if description:
            lines += ["", description]
        return "\n".join(lines)

    def partner_card(self, suggestion_id: int, partner: Partner, reasons: list[Reason]) -> Screen:
        text = self.partner_text(partner) + "\n\n" + self.reasons(reasons)
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        return Screen(text=text, buttons=self._buttons(suggestion_id, "👍 " + self._("We're interested")))

    def peer_text(self, topic: str | None, district: str | None) -> str:
        if district:
            return "🫱 " + self._("An association from {district} with experience in “{topic}”").format(
                district=self.district(district), topic=self.topic(topic))
        return "🫱 " + self._("An association with experience in “{topic}”").format(topic=self.topic(topic))

    def peer_card(self, suggestion_id: int, topic: str | None, district: str | None,
                  reasons: list[Reason]) -> Screen:
        text = "\n\n".join([
            self.peer_text(topic, district),
            self.reasons(reasons),
            # TRANSLATORS: “them”/“they” is the other association (one organisation); “we” is the bot/the office
            self._("If you would like to get in touch, we ask them first. Only if they agree do "
                   "both associations receive each other's contact details."),
        ])
        return Screen(text=text, buttons=self._buttons(suggestion_id, "🤝 " + self._("Get in touch")))

    # -- headings and notices ------------------------------------------------------------

    def intro(self, count: int) -> Screen:
        return Screen(text=self.t.ngettext(
            "Based on your answers, here is {count} suggestion for your association. Tap “We're interested” "
            "or “Not for us” below each one.",
            "Based on your answers, here are {count} suggestions for your association. Tap “We're interested” "
            "or “Not for us” below each one.", count).format(count=self.t.number(count)))

    def nothing_yet(self) -> Screen:
        return Screen(text=self._("Right now we have no offer that fits your answers. We will let you "
                                  "know when something suitable comes up."))

    def complete_first(self) -> Screen:
        return Screen(text=self._("Suggestions are based on your answers. Please complete the "
                                  "questionnaire first: /start"))

    def new_offer_heading(self) -> str:
        return "🆕 " + self._("A new offer that fits your association:")

    def workshop_noted(self, workshop: Workshop, provider: Partner | None, reminder: bool) -> Screen:
        _ = self._
        noted = _("We have noted your interest (this is not a registration yet). The calendar file follows.")
        lines = [self.workshop_text(workshop, provider), "", "✅ " + noted]
        lines.append(self.registration(workshop))
        if reminder:
            lines.append(_("We will remind you the day before."))
        lines.append(_("{command} lists your workshops; you can take it back there.").format(command="/myworkshops"))
        return Screen(text="\n".join(lines))

    def registration(self, workshop: Workshop) -> str:
        how = [v for v in (workshop.registration.link, workshop.registration.phone,
                           workshop.registration.email) if v]
        return self._("To register: {contact}").format(contact=self.t.isolate(", ".join(how)))

    def partner_contact(self, partner: Partner) -> Screen:
        contact = partner.contact
        how = [v for v in (contact.phone, contact.email, contact.website, contact.address) if v]
        return Screen(text=self.partner_text(partner) + "\n\n✅ " + self._(
            "You can reach the organisation here: {contact}").format(contact=self.t.isolate(", ".join(how))))

    def dismissed(self, text: str) -> Screen:
        return Screen(text=text + "\n\n✖ " + self._("Hidden. We will not suggest this again."))

    def calendar_caption(self) -> str:
        return self._("Open this file to add the workshop to your calendar.")

    def reminder(self, workshop: Workshop) -> Screen:
        return Screen(text="⏰ " + self._("Reminder: your workshop is tomorrow.") + "\n\n"
                      + self.workshop_text(workshop, None) + "\n\n" + self.registration(workshop))

    def workshop_cancelled(self, workshop: Workshop) -> Screen:
        """To an association that was interested: the workshop does not take place."""
        title = isolated(workshop.text("title", self.t.code) or "")
        return Screen(text="❌ " + self._("Cancelled: the workshop “{title}” ({when}) does not take place. We are "
                                         "sorry.").format(title=title, when=self.when(workshop.start, workshop.end)))

    # -- introductions ---------------------------------------------------------------------

    def ask_contact(self) -> Screen:
        return Screen(text=self._("So that the other association can reach you, please type a phone "
                                  "number, an e-mail address or a Telegram username."), expects_text=True)

    def contact_invalid(self) -> str:
        return self._("Please type a phone number, an e-mail address or a Telegram username "
                      "(3 to 200 characters).")

    def request_sent(self, text: str) -> Screen:
        return Screen(text=text + "\n\n✅ " + self._(
            "We have asked the association. If they agree, you will both receive each other's "
            "contact details."))

    def introduction_request(self, introduction_id: int, name: str | None, district: str | None,
                             topic: str | None) -> Screen:
        # TRANSLATORS: {name} is the other association; “your” is the reader's association
        text = "🤝 " + self._("The association “{name}” would like to exchange experience with your "
                             "association on “{topic}”.").format(
            name=isolated(name or "?"), topic=self.topic(topic))
        if district:
            text += " " + self._("It is based in {district}.").format(district=self.district(district))
        text += "\n\n" + self._("If you agree, both associations receive each other's contact details. "
                               "Nothing is passed on otherwise.")
        return Screen(text=text, buttons=[[
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            Button(label="✅ " + self._("Yes, connect us"),
                   action=IntroTap(introduction_id, True).encode(), role=Kind.INTRO),
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            Button(label="✖ " + self._("No, thanks"),
                   action=IntroTap(introduction_id, False).encode(), role=Kind.INTRO),
        ]])

    def introduced(self, name: str | None, contact: str | None) -> Screen:
        # TRANSLATORS: {name} and “their” are the other association (one organisation)
        return Screen(text="🤝 " + self._("You are now in touch with “{name}”. Their contact: {contact}").format(
            name=isolated(name or "?"), contact=isolated(contact or "—")))

    def introduction_declined(self) -> Screen:
        return Screen(text=self._("The association you asked about cannot be put in touch right now. "
                                  "Nothing was passed on. Use /suggestions to see other associations."))

    def partner_will_get_in_touch(self, partner: Partner, person: str | None) -> Screen:
        """A partner organisation took up the association's contact request (issue 19)."""
        contact = partner.contact
        how = [v for v in (contact.phone, contact.email, contact.website, contact.address) if v]
        # TRANSLATORS: {partner} is a professional organisation (e.g. a welfare association) the association asked for
        lines = ["🤝 " + self._("“{partner}” will get in touch with you about your request for advice.").format(
            partner=self.t.isolate(partner.name))]
        if person:
            # TRANSLATORS: {person} is the name of a person at that organisation
            lines.append(self._("Your contact person there: {person}").format(person=isolated(person)))
        if how:
            lines.append(self._("You can reach the organisation here: {contact}").format(
                contact=self.t.isolate(", ".join(how))))
        return Screen(text="\n".join(lines))

    def declined_by_you(self) -> Screen:
        return Screen(text=self._("All right. Nothing was passed on."))

    # -- settings --------------------------------------------------------------------------

    def settings(self, pushes: bool) -> Screen:
        _ = self._
        text = (_("Messages about new offers that fit your association are switched on.") if pushes
                else _("Messages about new offers that fit your association are switched off."))
        text += "\n" + _("Reminders for workshops you marked as interesting are always sent.")
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        label = _("Turn off") if pushes else _("Turn on")
        return Screen(text=text, buttons=[[Button(
            label=label, action=Action(Kind.PUSHES, value="off" if pushes else "on").encode(),
            role=Kind.PUSHES)]])


def as_reasons(data: list[dict[str, Any]]) -> list[Reason]:
    return [Reason.model_validate(item) for item in data]
