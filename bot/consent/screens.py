"""The privacy notice and the consent choices as the user sees them, in their language: a
short first layer with the choices, the full text behind a button, and the overview of
`/privacy`."""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.consent.notice import NoticeFacts
from bot.kernel.actions import Action, Kind
from bot.kernel.i18n import Translator
from bot.kernel.outcome import Button, Screen


def consent_value(agree: bool, networking: bool, partners: bool) -> str:
    """Button data of the consent screen: the choices travel with the tap, nothing is stored
    before the user agrees. Agreeing with both optional purposes off stays plain `y`."""
    flags = f"{int(networking)}{int(partners)}"
    if agree:
        return "y" if flags == "00" else f"y{flags}"
    return f"t{flags}"


def read_consent_value(value: str) -> tuple[str, bool, bool] | None:
    """(what: y agree, t show the choices, m the full text, n decline; networking; partners), or
    None for anything else."""
    if value in ("m", "n", "y"):
        return value, False, False
    if len(value) == 3 and value[0] in "ytm" and value[1] in "01" and value[2] in "01":
        return value[0], value[1] == "1", value[2] == "1"
    return None


class NoticeScreens:
    def __init__(self, t: Translator, facts: NoticeFacts) -> None:
        self.t = t
        self.facts = facts
        self._ = t.gettext

    # -- the first layer, with the choices ---------------------------------------------------

    def summary(self) -> str:
        _ = self._
        return "\n\n".join([
            "🔒 " + _("Privacy notice"),
            _("MSO Assistant is run by {controller}. It asks about the needs of your association so that the "
              "integration office and its partners in integration work can offer suitable support.").format(
                controller=self.t.isolate(self.facts.controller)),
            _("What is stored: your Telegram user id and language, your answers (they can show which communities, "
              "origins or religions your association is connected with), the contact details you type, and how "
              "you react to suggestions. Only the staff of the integration office see your answers. The legal "
              "basis is your explicit consent (Art. 6(1)(a) and Art. 9(2)(a) GDPR)."),
            _("Two more things are up to you; both stay off unless you switch them on:") + "\n• " + _(
                "Networking: associations that need what you are good at may see your district and strengths, "
                "without your name, and may ask to be put in touch. Names and contacts are only exchanged if "
                "both associations agree.") + "\n• " + _(
                "Partner organisations: the integration office may pass your association's name and needs on to "
                "its partners in integration work (welfare associations, adult education centre, integration "
                "centre), so that they can offer you help."),
            _("You can change your choices or withdraw your consent at any time with /privacy; /delete deletes "
              "everything. Who is responsible, how long data is kept and your rights: “Full notice”."),
        ])

    def consent(self, networking: bool = False, partners: bool = False, changed: bool = False) -> Screen:
        _ = self._
        text = self.summary() + "\n\n" + _("Do you agree?")
        if changed:
            text = "🔄 " + _("Our privacy notice has changed. Please read it and tell us whether you agree; "
                            "until then your answers stay as they are.") + "\n\n" + text

        def toggle(label: str, on: bool, value: str) -> Button:
            return Button(label=("☑ " if on else "☐ ") + label, action=Action.consent_data(value), role=Kind.CONSENT)

        return Screen(text=text, buttons=[
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            [toggle(_("Networking"), networking, consent_value(False, not networking, partners))],
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            [toggle(_("Partner organisations"), partners, consent_value(False, networking, not partners))],
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            [Button(label="📄 " + _("Full notice"), action=Action.consent_data(f"m{int(networking)}{int(partners)}"),
                    role=Kind.CONSENT)],
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            [Button(label=_("Yes, I agree"), action=Action.consent_data(consent_value(True, networking, partners)),
                    role=Kind.CONSENT),
             # TRANSLATORS: a button: a few words, in the button form of the style sheet
             Button(label=_("No, thanks"), action=Action.consent_data("n"), role=Kind.CONSENT)],
        ])

    def agreed(self, networking: bool, partners: bool) -> Screen:
        """The consent message once agreed: what was chosen, no buttons."""
        agreed = "✅ " + self._("You agreed.")
        return Screen(text=f"{self.summary()}\n\n{agreed}\n{self.choices(networking, partners)}")

    def choices(self, networking: bool, partners: bool) -> str:
        _ = self._
        return "\n".join([
            ("☑ " if networking else "☐ ") + (_("Networking is switched on.") if networking
                                             else _("Networking is switched off.")),
            ("☑ " if partners else "☐ ") + (_("Sharing with partner organisations is switched on.") if partners
                                            else _("Sharing with partner organisations is switched off.")),
        ])

    # -- the full text ----------------------------------------------------------------------------

    def _days(self, days: int) -> str:
        return self.t.ngettext("{count} day", "{count} days", days).format(count=self.t.number(days))

    def _weeks(self, weeks: int) -> str:
        return self.t.ngettext("{count} week", "{count} weeks", weeks).format(count=self.t.number(weeks))

    def full(self) -> Screen:
        _, f, i, n = self._, self.facts, self.t.isolate, self.t.number
        return Screen(text=self.t.directed("\n\n".join([
            "📄 " + _("Privacy notice: the full text"),
            _("Who is responsible: {controller}, {contact}.").format(
                controller=i(f.controller), contact=i(f.controller_contact)),
            _("Data protection officer: {contact}.").format(contact=i(f.dpo_contact)),
            _("Purposes:") + f"\n{n(1)}. " + _(
                "Planning support for migrant self-organisations from your answers (needed to take part).")
            + f"\n{n(2)}. " + _("Networking with other associations (optional).")
            + f"\n{n(3)}. " + _("Passing your association's name and needs on to partner organisations in integration "
                          "work (optional)."),
            _("Legal basis for all three: your explicit consent, Art. 6(1)(a) and Art. 9(2)(a) GDPR, because the "
              "answers can show ethnic origin or religion."),
            _("What is stored: your Telegram user id, your language, your answers including your association's "
              "name and the contact details you type, your reactions to suggestions, introductions between "
              "associations, and when you gave or changed which consent."),
            _("Who receives it: for 1, the staff of the integration office. For 2, another association sees your "
              "district and strengths without your name, and your name and contact only when both of you agree "
              "to be put in touch. For 3, the partner organisations receive your association's name and needs. "
              "Messages travel through Telegram, which is run from outside the EU. Nothing is published."),
            _("The staff of the integration office read your answers in the bot and on a web page of their own that "
              "only they can open; each time one of them opens your association's page is logged (who and when). "
              "Messages between you and the office are kept with your answers and deleted with them."),
            _("A contact person (optional): if you name one after completing the questionnaire or in /settings, "
              "we store their name or role and one phone number or e-mail address, so that the integration office "
              "and the partner organisations you asked for contact can reach you directly. Only they see it, on "
              "your contact requests. It is kept until you change or remove it (/settings) and deleted with your "
              "association's data. Please let that person know."),
            _("How long it is kept: an unfinished questionnaire for {unfinished} after the last answer, a "
              "completed one for {completed} after the last change, the content of messages sent to you for "
              "{delivered}, copies of the database (backups) for up to {weeks}. Then it is deleted.").format(
                unfinished=self._days(f.unfinished_days), completed=self._days(f.completed_days),
                delivered=self._days(f.delivered_days), weeks=self._weeks(f.backup_weeks)),
            _("Your rights: access (/mydata sends you everything as a file, also to take it elsewhere), correction "
              "(/answers), deletion (/delete), restriction of processing, and withdrawing your consent at any "
              "time (/privacy), which does not affect what was done before."),
            _("You can complain to a supervisory authority, for example: {authority}.").format(
                authority=i(f.authority)),
            _("Taking part is voluntary. Without your consent nothing is stored, and you receive no suggestions."),
        ])))

    # -- /privacy ----------------------------------------------------------------------------------

    def overview(self, agreed_at: datetime | None, tz: tzinfo, networking: bool, partners: bool) -> Screen:
        _ = self._
        lines = ["🔒 " + _("Your privacy choices")]
        if agreed_at is not None:
            lines.append(_("You agreed to the privacy notice on {date}.").format(
                date=self.t.isolate(self.t.date(agreed_at.astimezone(tz).date()))))
        lines += ["", self.choices(networking, partners), "",
                  _("Switch each of them on or off below; it takes effect at once.")]
        return Screen(text="\n".join(lines), buttons=[
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            [Button(label=_("Switch networking off") if networking else _("Switch networking on"),
                    action=Action(Kind.PRIVACY, value="n0" if networking else "n1").encode(), role=Kind.PRIVACY)],
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            [Button(label=_("Switch partner sharing off") if partners else _("Switch partner sharing on"),
                    action=Action(Kind.PRIVACY, value="p0" if partners else "p1").encode(), role=Kind.PRIVACY)],
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            [Button(label="📄 " + _("Full notice"), action=Action(Kind.PRIVACY, value="full").encode(),
                    role=Kind.PRIVACY)],
            # TRANSLATORS: a button: a few words, in the button form of the style sheet
            [Button(label="🗑 " + _("Withdraw consent and delete everything"),
                    action=Action(Kind.PRIVACY, value="delete").encode(), role=Kind.PRIVACY)],
        ])

    def networking_changed(self, on: bool) -> str:
        _ = self._
        if on:
            return _("Networking is switched on: associations that need what you are good at may now see your "
                     "district and strengths, without your name.")
        return _("Networking is switched off: your association is no longer shown to others, and requests to be "
                 "put in touch that were not yet agreed are withdrawn.")

    def partners_changed(self, on: bool) -> str:
        _ = self._
        if on:
            return _("Sharing with partner organisations is switched on.")
        return _("Sharing with partner organisations is switched off: from now on the office passes nothing "
                 "about your association on to them.")
